//! Unit tests of the authorizers: base64url, JWT parsing and checks with keys made by `ring`,
//! JWKS parsing, policy evaluation, and a mangled-token corpus that must never panic.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};

use super::custom::{Effect, evaluate, glob, parse as parse_answer};
use super::jwks::{KeySet, parse_jwks};
use super::jwt::{self, Alg, Refusal, Rules};
use super::{b64url_decode, strip_bearer, substitute};

fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

struct Signer {
    es: EcdsaKeyPair,
    ed: Ed25519KeyPair,
    rng: SystemRandom,
}

impl Signer {
    fn new() -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let es = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8.as_ref(),
            &rng,
        )
        .unwrap();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let ed = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Signer { es, ed, rng }
    }

    fn jwks(&self) -> Value {
        let point = self.es.public_key().as_ref();
        json!({"keys": [
            {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(&point[1..33]), "y": b64(&point[33..65])},
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(self.ed.public_key().as_ref())},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
        ]})
    }

    fn token(&self, header: &Value, claims: &Value) -> String {
        let signing = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = match header["alg"].as_str() {
            Some("ES256") => self
                .es
                .sign(&self.rng, signing.as_bytes())
                .unwrap()
                .as_ref()
                .to_vec(),
            Some("EdDSA") => self.ed.sign(signing.as_bytes()).as_ref().to_vec(),
            Some("HS256") => {
                let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"shared secret");
                ring::hmac::sign(&key, signing.as_bytes()).as_ref().to_vec()
            }
            _ => Vec::new(),
        };
        format!("{signing}.{}", b64(&sig))
    }
}

fn rules() -> Rules {
    let algorithms = vec![Alg::ES256, Alg::EdDSA, Alg::HS256];
    Rules {
        issuer: "https://id.example".into(),
        audience: vec!["api".into()].into(),
        hmac: jwt::hmac_keys(&algorithms, b"shared secret"),
        algorithms: algorithms.into(),
        leeway: 30,
        token_use: None,
        groups_as_scopes: false,
    }
}

const NOW: u64 = 1_800_000_000;

fn claims() -> Value {
    json!({"iss": "https://id.example", "aud": "api", "sub": "alice", "exp": NOW + 60, "iat": NOW})
}

fn keyset(signer: &Signer) -> KeySet {
    KeySet {
        keys: parse_jwks(signer.jwks().to_string().as_bytes()).unwrap(),
        fetched: None,
        generation: 1,
    }
}

/// Parse, verify and validate, as the step does.
fn check(token: &str, signer: &Signer) -> Result<(), Refusal> {
    let r = rules();
    let p = jwt::parse(token, &r)?;
    p.verify(&r, &keyset(signer))?;
    p.validate(&r, NOW)
}

#[test]
fn base64url_decodes_and_refuses_other_alphabets() {
    assert_eq!(b64url_decode(b"aGVsbG8").unwrap(), b"hello");
    assert_eq!(b64url_decode(b"").unwrap(), b"");
    assert_eq!(b64url_decode(b"_-8").unwrap(), vec![0xff, 0xef]);
    assert!(b64url_decode(b"aGVsbG8=").is_none(), "padding");
    assert!(b64url_decode(b"a+b/").is_none(), "standard alphabet");
    assert!(b64url_decode(b"a").is_none(), "impossible length");
    for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
        assert_eq!(
            b64url_decode(b64(s.as_bytes()).as_bytes()).unwrap(),
            s.as_bytes()
        );
    }
}

#[test]
fn jwks_keeps_usable_signing_keys_only() {
    let signer = Signer::new();
    let keys = parse_jwks(signer.jwks().to_string().as_bytes()).unwrap();
    let kids: Vec<_> = keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
    assert_eq!(
        kids,
        ["ec", "ed"],
        "encryption and symmetric keys are skipped"
    );
    assert!(parse_jwks(b"{}").is_err());
    assert!(parse_jwks(b"not json").is_err());
}

#[test]
fn good_tokens_pass() {
    let s = Signer::new();
    for (alg, kid) in [("ES256", "ec"), ("EdDSA", "ed")] {
        let t = s.token(&json!({"alg": alg, "kid": kid}), &claims());
        assert_eq!(check(&t, &s), Ok(()), "{alg}");
    }
    // Without a kid, any key fitting the algorithm is tried.
    let t = s.token(&json!({"alg": "ES256"}), &claims());
    assert_eq!(check(&t, &s), Ok(()));
    let t = s.token(&json!({"alg": "HS256"}), &claims());
    assert_eq!(check(&t, &s), Ok(()));
}

#[test]
fn bad_tokens_are_refused_for_the_right_reason() {
    let s = Signer::new();
    let h = json!({"alg": "ES256", "kid": "ec"});
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        c
    };
    let cases = [
        (
            s.token(&json!({"alg": "none"}), &claims()),
            Refusal::Algorithm,
        ),
        (
            s.token(&json!({"alg": "RS256", "kid": "ec"}), &claims()),
            Refusal::Algorithm,
        ),
        (
            s.token(&json!({"alg": "ES256", "kid": "nope"}), &claims()),
            Refusal::UnknownKey,
        ),
        (
            s.token(
                &json!({"alg": "ES256", "kid": "ec", "crit": ["x"]}),
                &claims(),
            ),
            Refusal::Malformed,
        ),
        (s.token(&h, &with("exp", json!(NOW - 31))), Refusal::Expired),
        (s.token(&h, &with("exp", json!("soon"))), Refusal::Expired),
        (
            s.token(&h, &with("nbf", json!(NOW + 31))),
            Refusal::NotYetValid,
        ),
        (
            s.token(&h, &with("iat", json!(NOW + 31))),
            Refusal::NotYetValid,
        ),
        (
            s.token(&h, &with("iss", json!("https://evil"))),
            Refusal::Issuer,
        ),
        (
            s.token(&h, &with("aud", json!(["x", "y"]))),
            Refusal::Audience,
        ),
        (s.token(&h, &with("aud", json!(7))), Refusal::Audience),
    ];
    for (i, (token, want)) in cases.iter().enumerate() {
        assert_eq!(check(token, &s), Err(*want), "case {i}");
    }
    // Within the leeway.
    assert_eq!(
        check(&s.token(&h, &with("exp", json!(NOW - 29))), &s),
        Ok(())
    );
    // A tampered payload.
    let good = s.token(&h, &claims());
    let parts: Vec<&str> = good.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(with("sub", json!("root")).to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(check(&forged, &s), Err(Refusal::Signature));
    // The EC key's x coordinate as an HMAC secret is still not the configured secret.
    let mut r = rules();
    r.hmac.clear();
    let hs = s.token(&json!({"alg": "HS256"}), &claims());
    let p = jwt::parse(&hs, &r).unwrap();
    assert_eq!(p.verify(&r, &keyset(&s)), Err(Refusal::Algorithm));
    // Too long.
    assert_eq!(
        check(&"a".repeat(jwt::MAX_TOKEN + 1), &s),
        Err(Refusal::Malformed)
    );
}

#[test]
fn scopes_are_read_from_scope_scp_and_cognito_groups() {
    let s = Signer::new();
    let mut r = rules();
    let need: Vec<Box<str>> = vec!["write".into(), "admin".into()];
    let parsed = |c: Value| {
        let t = s.token(&json!({"alg": "ES256", "kid": "ec"}), &c);
        jwt::parse(&t, &rules()).unwrap().claims
    };
    let has = |c: Value, r: &Rules| {
        let t = s.token(&json!({"alg": "ES256", "kid": "ec"}), &c);
        jwt::parse(&t, r).unwrap().has_scope(r, &need)
    };
    let _ = parsed;
    assert!(has(json!({"scope": "read write"}), &r));
    assert!(has(json!({"scp": ["admin"]}), &r));
    assert!(has(json!({"scp": "admin"}), &r));
    assert!(!has(json!({"scope": "read writer"}), &r));
    assert!(!has(json!({"cognito:groups": ["admin"]}), &r));
    r.groups_as_scopes = true;
    assert!(has(json!({"cognito:groups": ["admin"]}), &r));
    assert!(
        jwt::parse(&s.token(&json!({"alg": "ES256"}), &json!({})), &r)
            .unwrap()
            .has_scope(&r, &[])
    );
}

#[test]
fn mangled_tokens_never_panic() {
    let s = Signer::new();
    let good = s.token(&json!({"alg": "ES256", "kid": "ec"}), &claims());
    let bytes = good.as_bytes().to_vec();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet = b"A_-.=+/ \0\xff{}\"eyJ";
    for _ in 0..5_000 {
        let mut t = bytes.clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % t.len();
            match next() % 3 {
                0 => t[i] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    t.remove(i);
                }
                _ => t.truncate(i),
            }
            if t.is_empty() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&t);
        let _ = check(&text, &s);
    }
    for junk in [
        "",
        ".",
        "..",
        "...",
        "e30.e30.",
        "e30.e30.e30",
        "W10.W10.",
        "bnVsbA.bnVsbA.",
    ] {
        assert!(check(junk, &s).is_err(), "{junk:?}");
    }
}

#[test]
fn bearer_prefix_and_stage_variables() {
    assert_eq!(strip_bearer("Bearer abc"), "abc");
    assert_eq!(strip_bearer("bearer  abc"), "abc");
    assert_eq!(strip_bearer("abc"), "abc");
    assert_eq!(strip_bearer("Bearer"), "Bearer");
    let vars = [("issuer", "http://127.0.0.1:9")].into_iter().collect();
    assert_eq!(
        substitute("${stageVariables.issuer}/keys", &vars),
        "http://127.0.0.1:9/keys"
    );
    assert_eq!(substitute("${stageVariables.nope}x", &vars), "x");
    assert_eq!(
        substitute("${stageVariables.open", &vars),
        "${stageVariables.open"
    );
}

#[test]
fn policies_deny_beats_allow_and_wildcards_match() {
    let arn = "arn:aws:execute-api:local:000000000000:api/prod/GET/pets/1";
    assert!(glob("*", arn));
    assert!(glob("arn:aws:execute-api:*:*:api/prod/GET/*", arn));
    assert!(glob("arn:aws:execute-api:?????:*:api/*/GET/pets/?", arn));
    assert!(!glob("arn:aws:execute-api:*:*:api/prod/DELETE/*", arn));
    assert!(!glob("arn:aws:execute-api:*:*:api/prod/GET/pets", arn));
    let policy = |statements: Value| {
        json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": statements}})
            .to_string()
    };
    let allow_get = policy(
        json!([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:api/prod/GET/*"}]),
    );
    let eval = |body: &str, arn: &str| match parse_answer(body.as_bytes()).unwrap().decision {
        super::custom::Decision::Policy(s) => evaluate(&s, arn),
        super::custom::Decision::Simple(_) => panic!("policy expected"),
    };
    assert_eq!(eval(&allow_get, arn), Effect::Allow);
    assert_eq!(
        eval(&allow_get, &arn.replace("GET", "DELETE")),
        Effect::None
    );
    let both = policy(json!([
        {"Effect": "Allow", "Action": ["execute-api:Invoke"], "Resource": ["*"]},
        {"Effect": "Deny", "Action": "execute-api:*", "Resource": "arn:aws:execute-api:*:*:api/prod/*/pets/1"},
    ]));
    assert_eq!(eval(&both, arn), Effect::Deny);
    assert_eq!(eval(&both, &arn.replace("pets/1", "pets/2")), Effect::Allow);
    // Statements about other actions do not count.
    let other = policy(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}));
    assert_eq!(eval(&other, arn), Effect::None);
    // Malformed answers.
    for bad in [
        "null",
        "[]",
        r#"{"policyDocument": {}}"#,
        r#"{"principalId": "u"}"#,
        r#"{"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Maybe"}]}}"#,
        r#"{"isAuthorized": "yes"}"#,
        r#"{"isAuthorized": true, "context": {"nested": {"a": 1}}}"#,
    ] {
        assert!(parse_answer(bad.as_bytes()).is_err(), "{bad}");
    }
    let simple =
        parse_answer(br#"{"isAuthorized": true, "context": {"tier": "gold", "n": 3, "b": true}}"#)
            .unwrap();
    assert!(matches!(
        simple.decision,
        super::custom::Decision::Simple(true)
    ));
}

/// A P-256 key whose x coordinate starts with a zero byte, published as a minimal integer
/// (31 bytes, as PyJWT 2.6 writes it): the key is padded back and verifies; a coordinate
/// longer than the curve's is refused.
#[test]
fn ec_coordinates_without_leading_zeros_are_padded() {
    let signer = loop {
        let s = Signer::new();
        if s.es.public_key().as_ref()[1] == 0 {
            break s;
        }
    };
    let point = signer.es.public_key().as_ref();
    let minimal = point[2..33].to_vec();
    let jwks = |x: &[u8]| json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(x), "y": b64(&point[33..65])}]});
    let set = KeySet {
        keys: parse_jwks(jwks(&minimal).to_string().as_bytes()).unwrap(),
        fetched: None,
        generation: 1,
    };
    let token = signer.token(&json!({"alg": "ES256", "kid": "ec"}), &claims());
    let r = rules();
    let parsed = jwt::parse(&token, &r).unwrap();
    assert_eq!(parsed.verify(&r, &set), Ok(()));

    let mut long = vec![0, 0];
    long.extend_from_slice(&point[1..33]);
    let keys = parse_jwks(jwks(&long).to_string().as_bytes()).unwrap();
    assert!(keys.is_empty(), "a 34-byte coordinate is not a P-256 key");
}

/// Fuzz-style properties of the parsers a client reaches: whatever the token or the
/// authorizer's answer, parsing refuses or accepts, never panics.
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        super::b64(bytes)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any text as a token.
        #[test]
        fn any_text_as_token(text in ".{0,300}") {
            let s = Signer::new();
            prop_assert!(check(&text, &s).is_err());
        }

        /// Three base64url segments of any bytes, or of JSON-looking text: a header and claims
        /// that decode but are not what they should be.
        #[test]
        fn segments_of_any_bytes(
            header in prop::collection::vec(any::<u8>(), 0..120),
            claims in prop::collection::vec(any::<u8>(), 0..200),
            sig in prop::collection::vec(any::<u8>(), 0..80),
        ) {
            let s = Signer::new();
            let token = format!("{}.{}.{}", b64(&header), b64(&claims), b64(&sig));
            prop_assert!(check(&token, &s).is_err());
        }

        /// JSON headers with any `alg`, `kid` and `typ` over a good token's claims and
        /// signature: refused unless the header is the one that was signed.
        #[test]
        fn headers_with_any_fields(
            alg in "[A-Za-z0-9]{0,8}",
            kid in ".{0,20}",
            extra in prop::option::of(".{0,20}"),
        ) {
            prop_assume!(!(alg == "ES256" && kid == "ec" && extra.is_none()));
            let s = Signer::new();
            let good = s.token(&json!({"alg": "ES256", "kid": "ec"}), &claims());
            let mut parts = good.split('.');
            let (_, body, sig) = (parts.next(), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let mut header = json!({"alg": alg, "kid": kid});
            if let Some(e) = extra {
                header["typ"] = json!(e);
            }
            let token = format!("{}.{body}.{sig}", b64(header.to_string().as_bytes()));
            prop_assert!(check(&token, &s).is_err());
        }

        /// Any bytes as a custom authorizer's answer.
        #[test]
        fn any_authorizer_answer(body in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_answer(&body);
        }

        /// Policy-shaped answers with any effect, resource and context values.
        #[test]
        fn policy_shaped_answers(
            effect in "(Allow|Deny|allow|[A-Za-z]{0,6})",
            resource in ".{0,60}",
            value in prop_oneof![
                Just(json!(null)), Just(json!([1])), Just(json!({"a": 1})),
                any::<i64>().prop_map(|n| json!(n)), ".{0,10}".prop_map(|t| json!(t)),
            ],
        ) {
            let answer = json!({
                "principalId": "p",
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
                ]},
                "context": {"k": value},
            });
            if let Ok(a) = parse_answer(answer.to_string().as_bytes())
                && let super::super::custom::Decision::Policy(statements) = &a.decision
            {
                let _ = evaluate(statements, "arn:aws:execute-api:local:0:api/prod/GET/x");
            }
        }
    }
}

/// A cached verification re-checks only the time claims: for claims whose other checks pass,
/// [`jwt::TimeWindow::check`] refuses exactly when, and as, the full check does, at every
/// moment around `exp`, `nbf` and `iat` (with and without them, fractional and malformed).
#[test]
fn cached_time_checks_match_the_full_checks() {
    let r = rules();
    let times = [
        None,
        Some(json!(NOW - 100)),
        Some(json!(NOW)),
        Some(json!(NOW + 50)),
        Some(json!((NOW + 10) as f64 + 0.5)),
    ];
    for exp in &times {
        for nbf in &times {
            for iat in &times {
                let mut c = claims();
                let o = c.as_object_mut().unwrap();
                for (name, v) in [("exp", exp), ("nbf", nbf), ("iat", iat)] {
                    match v {
                        Some(v) => o.insert(name.into(), v.clone()),
                        None => o.remove(name),
                    };
                }
                let c = c.as_object().unwrap();
                for now in (NOW - 150..NOW + 150).step_by(7) {
                    let full = jwt::validate(c, &r, now);
                    // The step caches only claims that passed at some earlier moment.
                    if jwt::validate(c, &r, NOW - 150).is_err() && full.is_err() {
                        continue;
                    }
                    let window = jwt::TimeWindow::of(c).expect("claims that passed have an exp");
                    assert_eq!(
                        window.check(&r, now),
                        full,
                        "exp {exp:?} nbf {nbf:?} iat {iat:?} at {now}"
                    );
                }
            }
        }
    }
}
