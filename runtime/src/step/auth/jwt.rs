//! JWT verification: the token's header and algorithm against the allow-list, its signature
//! against the issuer's keys (or the shared secret for HS*), then `exp`/`nbf`/`iat` with the
//! clock skew, `iss`, `aud` (or `client_id`), Cognito's `token_use`, and the route's scopes.
//!
//! Parsing is strict and bounded: three base64url parts, a token of at most
//! [`MAX_TOKEN`] bytes, JSON objects for header and claims, `crit` refused, `alg: none`
//! never accepted, and an HS* token only ever verified with the configured secret (so a
//! token signed with an RSA public key as HMAC secret, the key-confusion attack, fails).

use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;
use serde_json::{Map, Value};

use super::b64url_decode;
use super::jwks::KeySet;

/// Largest token accepted; longer ones are refused before decoding.
pub(crate) const MAX_TOKEN: usize = 16 * 1024;

/// A signing algorithm the allow-list may name.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
    HS256,
    HS384,
    HS512,
}

impl Alg {
    /// The algorithm a JOSE `alg` names; `none` and unknown names are `None`.
    pub(crate) fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::RS256,
            "RS384" => Alg::RS384,
            "RS512" => Alg::RS512,
            "PS256" => Alg::PS256,
            "PS384" => Alg::PS384,
            "PS512" => Alg::PS512,
            "ES256" => Alg::ES256,
            "ES384" => Alg::ES384,
            "EdDSA" => Alg::EdDSA,
            "HS256" => Alg::HS256,
            "HS384" => Alg::HS384,
            "HS512" => Alg::HS512,
            _ => return None,
        })
    }

    /// Whether the algorithm is an HMAC (shared secret) one.
    pub(crate) fn is_hmac(self) -> bool {
        matches!(self, Alg::HS256 | Alg::HS384 | Alg::HS512)
    }

    fn hmac_algorithm(self) -> Option<hmac::Algorithm> {
        match self {
            Alg::HS256 => Some(hmac::HMAC_SHA256),
            Alg::HS384 => Some(hmac::HMAC_SHA384),
            Alg::HS512 => Some(hmac::HMAC_SHA512),
            _ => None,
        }
    }
}

/// Why a token was refused (for the log; the client sees 401 or 403 only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not three base64url parts of JSON objects, too long, or with `crit`.
    Malformed,
    /// `alg` not on the allow-list (including `none`).
    Algorithm,
    /// No key with this `kid` (or fitting the algorithm) in the current set.
    UnknownKey,
    /// The signature does not verify.
    Signature,
    /// `exp` missing or past.
    Expired,
    /// `nbf` or `iat` in the future.
    NotYetValid,
    /// `iss` differs.
    Issuer,
    /// No accepted audience (`aud`, else `client_id`).
    Audience,
    /// `token_use` differs.
    TokenUse,
    /// None of the route's scopes (403).
    Scope,
}

impl Refusal {
    /// Log wording.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed token",
            Refusal::Algorithm => "algorithm not allowed",
            Refusal::UnknownKey => "no signing key for the token",
            Refusal::Signature => "bad signature",
            Refusal::Expired => "token expired",
            Refusal::NotYetValid => "token not yet valid",
            Refusal::Issuer => "wrong issuer",
            Refusal::Audience => "wrong audience",
            Refusal::TokenUse => "wrong token_use",
            Refusal::Scope => "insufficient scope",
        }
    }
}

/// The compiled checks of one JWT authorizer (keys excepted).
#[derive(Debug)]
pub(crate) struct Rules {
    pub(crate) issuer: Box<str>,
    pub(crate) audience: Box<[Box<str>]>,
    pub(crate) algorithms: Box<[Alg]>,
    /// Clock skew, seconds.
    pub(crate) leeway: u64,
    pub(crate) token_use: Option<Box<str>>,
    /// HMAC keys by algorithm, from the secret (only for the HS* algorithms allowed).
    pub(crate) hmac: Vec<(Alg, hmac::Key)>,
    /// `cognito:groups` count as scopes (Cognito user pools).
    pub(crate) groups_as_scopes: bool,
}

/// A token split and decoded, its signature not yet checked.
#[derive(Debug)]
pub(crate) struct Parsed<'t> {
    pub(crate) alg: Alg,
    pub(crate) kid: Option<String>,
    /// `header.payload`, the signed bytes.
    signed: &'t [u8],
    signature: Vec<u8>,
    pub(crate) claims: Map<String, Value>,
}

/// Splits and decodes a token and checks its algorithm against the allow-list.
pub(crate) fn parse<'t>(token: &'t str, rules: &Rules) -> Result<Parsed<'t>, Refusal> {
    if token.len() > MAX_TOKEN {
        return Err(Refusal::Malformed);
    }
    let bytes = token.as_bytes();
    let mut dots = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'.')
        .map(|(i, _)| i);
    let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
        return Err(Refusal::Malformed);
    };
    let header = b64url_decode(&bytes[..first]).ok_or(Refusal::Malformed)?;
    let header: Map<String, Value> =
        serde_json::from_slice(&header).map_err(|_| Refusal::Malformed)?;
    if header.contains_key("crit") {
        return Err(Refusal::Malformed);
    }
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(Refusal::Malformed)?;
    let alg = Alg::parse(alg)
        .filter(|a| rules.algorithms.contains(a))
        .ok_or(Refusal::Algorithm)?;
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(Refusal::Malformed),
    };
    let payload = b64url_decode(&bytes[first + 1..second]).ok_or(Refusal::Malformed)?;
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).map_err(|_| Refusal::Malformed)?;
    let signature = b64url_decode(&bytes[second + 1..]).ok_or(Refusal::Malformed)?;
    Ok(Parsed {
        alg,
        kid,
        signed: &bytes[..second],
        signature,
        claims,
    })
}

impl Parsed<'_> {
    /// Verifies the signature: with the secret for HS*, else with the key set's key named by
    /// `kid` (or, without `kid`, any key fitting the algorithm).
    pub(crate) fn verify(&self, rules: &Rules, keys: &KeySet) -> Result<(), Refusal> {
        if self.alg.is_hmac() {
            let key = rules
                .hmac
                .iter()
                .find(|(a, _)| *a == self.alg)
                .map(|(_, k)| k)
                .ok_or(Refusal::Algorithm)?;
            return hmac::verify(key, self.signed, &self.signature).map_err(|_| Refusal::Signature);
        }
        let mut candidates = keys
            .keys
            .iter()
            .filter(|k| k.fits(self.alg))
            .filter(|k| self.kid.is_none() || k.kid.as_deref() == self.kid.as_deref());
        let mut any = false;
        for key in &mut candidates {
            any = true;
            if key.verify(self.alg, self.signed, &self.signature) {
                return Ok(());
            }
        }
        Err(if any {
            Refusal::Signature
        } else {
            Refusal::UnknownKey
        })
    }

    /// The claim checks, at `now` (seconds since the epoch).
    pub(crate) fn validate(&self, rules: &Rules, now: u64) -> Result<(), Refusal> {
        validate(&self.claims, rules, now)
    }

    /// Whether the token carries one of `required` (see [`has_scope`]).
    pub(crate) fn has_scope(&self, rules: &Rules, required: &[Box<str>]) -> bool {
        has_scope(&self.claims, rules, required)
    }
}

/// The claim checks of verified claims `c` at `now` (seconds since the epoch): run on every
/// request, a cached verification included, since they depend on the time and the route.
pub(crate) fn validate(c: &Map<String, Value>, rules: &Rules, now: u64) -> Result<(), Refusal> {
    let exp = c.get("exp").and_then(numeric).ok_or(Refusal::Expired)?;
    if now > exp.saturating_add(rules.leeway) {
        return Err(Refusal::Expired);
    }
    for name in ["nbf", "iat"] {
        match c.get(name) {
            None => {}
            Some(v) => {
                let t = numeric(v).ok_or(Refusal::Malformed)?;
                if t > now.saturating_add(rules.leeway) {
                    return Err(Refusal::NotYetValid);
                }
            }
        }
    }
    if c.get("iss").and_then(Value::as_str) != Some(&rules.issuer) {
        return Err(Refusal::Issuer);
    }
    if !rules.audience.is_empty() {
        let accepted = |v: &str| rules.audience.iter().any(|a| **a == *v);
        let ok = match c.get("aud") {
            Some(Value::String(a)) => accepted(a),
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(accepted),
            // Access tokens (Cognito's among them) name their client instead.
            None => c
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(accepted),
            Some(_) => false,
        };
        if !ok {
            return Err(Refusal::Audience);
        }
    }
    if let Some(want) = &rules.token_use
        && c.get("token_use").and_then(Value::as_str) != Some(want)
    {
        return Err(Refusal::TokenUse);
    }
    Ok(())
}

/// The time claims of a token whose other claims passed [`validate`]: all a cached
/// verification needs to check again per request, without looking claims up by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeWindow {
    exp: u64,
    /// `nbf` and `iat`, in the order [`validate`] checks them.
    not_before: [Option<u64>; 2],
}

impl TimeWindow {
    /// The window of claims that passed [`validate`] (`None` otherwise: no numeric `exp`).
    pub(crate) fn of(c: &Map<String, Value>) -> Option<TimeWindow> {
        Some(TimeWindow {
            exp: c.get("exp").and_then(numeric)?,
            not_before: [
                c.get("nbf").and_then(numeric),
                c.get("iat").and_then(numeric),
            ],
        })
    }

    /// [`validate`]'s time checks at `now`, with the same refusals.
    pub(crate) fn check(&self, rules: &Rules, now: u64) -> Result<(), Refusal> {
        if now > self.exp.saturating_add(rules.leeway) {
            return Err(Refusal::Expired);
        }
        if self
            .not_before
            .iter()
            .flatten()
            .any(|t| *t > now.saturating_add(rules.leeway))
        {
            return Err(Refusal::NotYetValid);
        }
        Ok(())
    }
}

/// Whether the claims carry one of `required` (empty: no check) in `scope` (space separated
/// or an array), `scp`, or with Cognito `cognito:groups`.
pub(crate) fn has_scope(claims: &Map<String, Value>, rules: &Rules, required: &[Box<str>]) -> bool {
    if required.is_empty() {
        return true;
    }
    let mut names = Vec::new();
    let mut sources = vec!["scope", "scp"];
    if rules.groups_as_scopes {
        sources.push("cognito:groups");
    }
    for claim in sources {
        match claims.get(claim) {
            Some(Value::String(s)) => names.extend(s.split(' ').filter(|s| !s.is_empty())),
            Some(Value::Array(list)) => names.extend(list.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    required.iter().any(|r| names.iter().any(|n| **r == **n))
}

/// A NumericDate: a non-negative JSON number, fractions truncated.
fn numeric(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f as u64)
        }),
        _ => None,
    }
}

/// Seconds since the epoch now.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The HMAC keys for the allowed HS* algorithms from a secret.
pub(crate) fn hmac_keys(algorithms: &[Alg], secret: &[u8]) -> Vec<(Alg, hmac::Key)> {
    algorithms
        .iter()
        .filter_map(|a| Some((*a, hmac::Key::new(a.hmac_algorithm()?, secret))))
        .collect()
}
