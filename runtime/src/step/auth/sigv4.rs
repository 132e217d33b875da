//! AWS Signature Version 4 verification (IAM authorization), header-signed and presigned
//! (query) requests, as AWS checks calls to `execute-api`:
//!
//! - the canonical request exactly as AWS (and botocore) build it: the path's dot segments
//!   removed and each byte outside the unreserved set percent-encoded again (the path was
//!   already encoded on the wire, so `%` becomes `%25`: AWS's double encoding for services
//!   other than S3), the query decoded, re-encoded and sorted by name then value (without
//!   `X-Amz-Signature` when presigned), the signed headers' values trimmed with inner runs of
//!   spaces collapsed, and the payload hash: `x-amz-content-sha256` when sent (which must
//!   then match the body unless it is `UNSIGNED-PAYLOAD`), else the SHA-256 of the body (the
//!   step buffers it), and for presigned URLs also `UNSIGNED-PAYLOAD`;
//! - the credential scope `DATE/REGION/SERVICE/aws4_request` against the configured region and
//!   service and the request's own date;
//! - the date within `max_skew` of the gateway's clock (AWS: 5 minutes), and for presigned
//!   URLs `X-Amz-Expires` (at most 7 days) not yet run out;
//! - the signature compared in constant time (`ring::hmac::verify`).
//!
//! A replayed request is accepted while its date is inside the window, as AWS does: SigV4 has
//! no nonce. Temporary credentials carry a session token (`X-Amz-Security-Token`, a signed
//! header or a presigned query parameter), compared in constant time with the one the
//! deployment configured for the access key; a permanent key's requests carry none.
//! The principal's policy (allow and deny patterns over method ARNs, `*` and `?` wildcards)
//! then decides, an explicit deny beating any allow.

use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Request};
use ring::digest::{SHA256, digest};
use ring::hmac;
use subtle::ConstantTimeEq;

use super::custom::glob;
use crate::body::RequestBody;
use crate::error::GatewayError;
use crate::ir::{self, ErrorType};
use crate::pipeline::{Identity, RequestContext};
use crate::step::{StepResult, Verdict};

/// Longest `X-Amz-Expires` AWS accepts (7 days).
const MAX_EXPIRES: u64 = 604_800;

/// One accepted access key.
#[derive(Debug)]
pub(crate) struct Credential {
    access_key_id: Box<str>,
    /// `AWS4` + the secret, the start of the key derivation.
    secret: Box<[u8]>,
    /// The session token of temporary credentials, which requests must carry.
    session_token: Option<Box<[u8]>>,
    principal: Box<str>,
    allow: Box<[Box<str>]>,
    deny: Box<[Box<str>]>,
    /// The last signing key derived (its scope `date/region/service`, then the key): it
    /// changes once a day, and deriving it is four HMACs.
    signing_key: parking_lot::Mutex<Option<(Box<str>, hmac::Key)>>,
}

impl Credential {
    /// The signing key of `scope` (`date/region/service`), derived once per scope.
    fn signing_key(&self, date: &str, region: &str, service: &str) -> hmac::Key {
        let same = |s: &str| {
            let mut parts = s.split('/');
            parts.next() == Some(date)
                && parts.next() == Some(region)
                && parts.next() == Some(service)
                && parts.next().is_none()
        };
        let mut last = self.signing_key.lock();
        if let Some((scope, key)) = &*last
            && same(scope)
        {
            return key.clone();
        }
        let mut key = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &self.secret),
            date.as_bytes(),
        );
        for part in [region, service, "aws4_request"] {
            key = hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, key.as_ref()),
                part.as_bytes(),
            );
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_ref());
        *last = Some((format!("{date}/{region}/{service}").into(), key.clone()));
        key
    }
}

/// A compiled IAM authorizer.
#[derive(Debug)]
pub(crate) struct Iam {
    name: Box<str>,
    region: Box<str>,
    service: Box<str>,
    max_skew: u64,
    credentials: Box<[Credential]>,
}

impl Iam {
    pub(crate) fn compile(name: &str, i: &ir::IamAuthorizer) -> Result<Iam, String> {
        let mut credentials = Vec::new();
        for c in &i.credentials {
            let secret = super::resolve_secret(&c.secret)
                .map_err(|e| format!("access key `{}`: {e}", c.access_key_id))?;
            credentials.push(Credential {
                access_key_id: c.access_key_id.as_ref().into(),
                secret: format!("AWS4{secret}").into_bytes().into(),
                session_token: match &c.session_token {
                    Some(token) => Some(
                        super::resolve_secret(token)
                            .map_err(|e| {
                                format!("session token of access key `{}`: {e}", c.access_key_id)
                            })?
                            .into_bytes()
                            .into(),
                    ),
                    None => None,
                },
                principal: c
                    .principal
                    .as_deref()
                    .unwrap_or(c.access_key_id.as_ref())
                    .into(),
                allow: c.allow.iter().map(|s| s.as_ref().into()).collect(),
                deny: c.deny.iter().map(|s| s.as_ref().into()).collect(),
                signing_key: parking_lot::Mutex::new(None),
            });
        }
        Ok(Iam {
            name: name.into(),
            region: i.region.as_ref().into(),
            service: i.service.as_ref().into(),
            max_skew: i.max_skew.as_duration().as_secs(),
            credentials: credentials.into(),
        })
    }

    /// Verifies the request's signature and the principal's policy for `arn`.
    pub(crate) fn check(
        &self,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
        arn: &str,
    ) -> StepResult {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let body: &[u8] = match req.body() {
            RequestBody::Buffered(b) => b,
            RequestBody::Streaming(_) => &[],
        };
        let cred = verify(
            self,
            req.method().as_str(),
            req.uri(),
            req.headers(),
            body,
            now,
        )?;
        let explicit = cred.deny.iter().any(|p| glob(p, arn));
        if explicit || !cred.allow.iter().any(|p| glob(p, arn)) {
            // AWS's IAM answer names the caller and the method ARN.
            let message = format!(
                "User: {} is not authorized to perform: execute-api:Invoke on resource: {arn}{}",
                cred.principal,
                if explicit {
                    " with an explicit deny"
                } else {
                    ""
                }
            );
            return Err(GatewayError::new(
                ErrorType::AccessDenied,
                format!(
                    "authorizer {}: {} may not call {arn}",
                    self.name, cred.principal
                ),
            )
            .with_message(message));
        }
        ctx.identity = Some(Box::new(Identity {
            principal: Some(cred.principal.clone()),
            ..Identity::default()
        }));
        Ok(Verdict::Continue)
    }
}

fn refuse(kind: ErrorType, detail: &'static str) -> Box<GatewayError> {
    GatewayError::new(kind, detail)
}

/// AWS's answer to an access key it does not know or a session token that is not the key's:
/// 403 `The security token included in the request is invalid.`
fn invalid_token(detail: &'static str) -> Box<GatewayError> {
    GatewayError::new(ErrorType::AccessDenied, detail)
        .with_message("The security token included in the request is invalid.")
}

/// AWS's `Signature expired: {date} is now earlier than {limit} ({now} - 5 min.)`, or for a
/// date ahead of the clock `Signature not yet current: {date} is still later than {limit}
/// ({now} + 5 min.)`; for a presigned URL the window is its `X-Amz-Expires`.
fn expired(date: &str, now: u64, window: u64, sign: char) -> Box<GatewayError> {
    let limit = if sign == '-' {
        now.saturating_sub(window)
    } else {
        now + window
    };
    let span = if window.is_multiple_of(60) {
        format!("{} min.", window / 60)
    } else {
        format!("{window} sec.")
    };
    let message = if sign == '-' {
        format!(
            "Signature expired: {date} is now earlier than {} ({} - {span})",
            amz_date(limit),
            amz_date(now)
        )
    } else {
        format!(
            "Signature not yet current: {date} is still later than {} ({} + {span})",
            amz_date(limit),
            amz_date(now)
        )
    };
    GatewayError::new(ErrorType::InvalidSignature, "signature expired").with_message(message)
}

/// Seconds since the epoch as `YYYYMMDDTHHMMSSZ`.
fn amz_date(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The signature parameters, from the `Authorization` header or the query string.
struct Signed<'a> {
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    amz_date: String,
    presigned_expires: Option<u64>,
}

/// Checks the signature; returns the credential that made it.
pub(crate) fn verify<'i>(
    iam: &'i Iam,
    method: &str,
    uri: &http::Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<&'i Credential, Box<GatewayError>> {
    let query = uri.query().unwrap_or("");
    let params: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let authorization = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let signed = if let Some(alg) = param("X-Amz-Algorithm") {
        if alg != "AWS4-HMAC-SHA256" {
            return Err(refuse(ErrorType::InvalidSignature, "unsupported algorithm"));
        }
        let expires = param("X-Amz-Expires")
            .and_then(|e| e.parse::<u64>().ok())
            .filter(|e| *e <= MAX_EXPIRES)
            .ok_or_else(|| refuse(ErrorType::InvalidSignature, "bad X-Amz-Expires"))?;
        Signed {
            credential: param("X-Amz-Credential").unwrap_or(""),
            signed_headers: param("X-Amz-SignedHeaders").unwrap_or(""),
            signature: param("X-Amz-Signature").unwrap_or(""),
            amz_date: param("X-Amz-Date").unwrap_or("").to_owned(),
            presigned_expires: Some(expires),
        }
    } else if let Some(auth) = authorization {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
            refuse(
                ErrorType::InvalidSignature,
                "not an AWS4-HMAC-SHA256 Authorization",
            )
        })?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=').unwrap_or(("", ""));
            match k {
                "Credential" => credential = Some(v),
                "SignedHeaders" => signed_headers = Some(v),
                "Signature" => signature = Some(v),
                _ => {}
            }
        }
        let amz_date = headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Signed {
            credential: credential.unwrap_or(""),
            signed_headers: signed_headers.unwrap_or(""),
            signature: signature.unwrap_or(""),
            amz_date,
            presigned_expires: None,
        }
    } else {
        return Err(refuse(
            ErrorType::MissingAuthenticationToken,
            "no signature",
        ));
    };
    // Credential=AKID/DATE/REGION/SERVICE/aws4_request
    let scope: Vec<&str> = signed.credential.split('/').collect();
    let [key_id, date, region, service, terminator] = scope[..] else {
        return Err(refuse(ErrorType::InvalidSignature, "malformed credential"));
    };
    let Some(cred) = iam.credentials.iter().find(|c| *c.access_key_id == *key_id) else {
        return Err(invalid_token("unknown access key"));
    };
    // Temporary credentials: the session token, by header or (presigned) query parameter,
    // must be the credential's; permanent ones take none.
    let token_header = headers.get("x-amz-security-token");
    let token = token_header
        .map(|v| v.as_bytes())
        .or_else(|| param("X-Amz-Security-Token").map(str::as_bytes));
    match (&cred.session_token, token) {
        (None, None) => {}
        (Some(want), Some(got)) if bool::from(want.as_ref().ct_eq(got)) => {}
        (None, Some(_)) => return Err(invalid_token("session token on a permanent key")),
        (Some(_), None) => return Err(invalid_token("session token missing")),
        (Some(_), Some(_)) => return Err(invalid_token("wrong session token")),
    }
    // AWS checks the scope's region, then its service, each with its own message (the trailing
    // space is AWS's); the terminator is a signature mismatch.
    if region != &*iam.region {
        return Err(refuse(
            ErrorType::InvalidSignature,
            "credential scope of another region",
        )
        .with_message(format!(
            "Credential should be scoped to a valid region, not '{region}'. "
        )));
    }
    if service != &*iam.service {
        return Err(refuse(
            ErrorType::InvalidSignature,
            "credential scope of another service",
        )
        .with_message(format!(
            "Credential should be scoped to correct service: '{}'. ",
            iam.service
        )));
    }
    if terminator != "aws4_request" {
        return Err(refuse(
            ErrorType::InvalidSignature,
            "credential scope not ending in aws4_request",
        ));
    }
    let t = parse_amz_date(&signed.amz_date).ok_or_else(|| {
        refuse(
            ErrorType::InvalidSignature,
            "missing or malformed X-Amz-Date",
        )
    })?;
    if !signed.amz_date.starts_with(date) {
        return Err(refuse(
            ErrorType::InvalidSignature,
            "credential date differs from X-Amz-Date",
        ));
    }
    match signed.presigned_expires {
        None if t + iam.max_skew < now => {
            return Err(expired(&signed.amz_date, now, iam.max_skew, '-'));
        }
        _ if t > now + iam.max_skew => {
            return Err(expired(&signed.amz_date, now, iam.max_skew, '+'));
        }
        Some(expires) if now > t + expires => {
            return Err(expired(&signed.amz_date, now, expires, '-'));
        }
        _ => {}
    }
    let names: Vec<&str> = signed.signed_headers.split(';').collect();
    // A session token sent as a header is signed, as AWS's signers do.
    if !names.contains(&"host")
        || token_header.is_some() && !names.contains(&"x-amz-security-token")
        || names.windows(2).any(|w| w[0] >= w[1])
        || names
            .iter()
            .any(|n| n.is_empty() || n.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(refuse(ErrorType::InvalidSignature, "bad SignedHeaders"));
    }
    let mut canonical = String::with_capacity(512);
    canonical.push_str(method);
    canonical.push('\n');
    canonical_uri(uri.path(), &mut canonical);
    canonical.push('\n');
    let mut sorted: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !(signed.presigned_expires.is_some() && k == "X-Amz-Signature"))
        .map(|(k, v)| (encode(k), encode(v)))
        .collect();
    sorted.sort();
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            canonical.push('&');
        }
        canonical.push_str(k);
        canonical.push('=');
        canonical.push_str(v);
    }
    canonical.push('\n');
    for name in &names {
        let values: Vec<String> = headers
            .get_all(*name)
            .iter()
            .map(|v| collapse(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return Err(refuse(
                ErrorType::InvalidSignature,
                "a signed header is missing",
            ));
        }
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(&values.join(","));
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(signed.signed_headers);
    canonical.push('\n');
    let body_hash = hex(digest(&SHA256, body).as_ref());
    // Presigned URLs: botocore signs the body's hash for `execute-api` (S3's signers write
    // `UNSIGNED-PAYLOAD`); both are accepted.
    let payloads: &[&str] = match (
        signed.presigned_expires,
        headers.get("x-amz-content-sha256"),
    ) {
        (Some(_), _) => &[&body_hash, "UNSIGNED-PAYLOAD"],
        (None, Some(v)) if v == "UNSIGNED-PAYLOAD" => &["UNSIGNED-PAYLOAD"],
        (None, Some(v)) => {
            if !v.as_bytes().eq_ignore_ascii_case(body_hash.as_bytes()) {
                return Err(refuse(
                    ErrorType::InvalidSignature,
                    "x-amz-content-sha256 differs from the body",
                ));
            }
            &[&body_hash]
        }
        (None, None) => &[&body_hash],
    };
    let signing_key = cred.signing_key(date, region, service);
    let provided = unhex(signed.signature)
        .ok_or_else(|| refuse(ErrorType::InvalidSignature, "malformed signature"))?;
    let prefix = canonical.len();
    for payload in payloads {
        canonical.truncate(prefix);
        canonical.push_str(payload);
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{date}/{region}/{service}/aws4_request\n{}",
            signed.amz_date,
            hex(digest(&SHA256, canonical.as_bytes()).as_ref())
        );
        if hmac::verify(&signing_key, string_to_sign.as_bytes(), &provided).is_ok() {
            return Ok(cred);
        }
    }
    Err(refuse(ErrorType::InvalidSignature, "signature mismatch"))
}

/// `YYYYMMDDTHHMMSSZ` as seconds since the epoch.
fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    if y < 1970 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe;
    let days = days.checked_sub(719_468)?;
    Some(days * 86_400 + h * 3600 + mi * 60 + se)
}

fn collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// RFC 3986 encoding of everything but the unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical URI: dot segments removed, then every byte but unreserved ones and `/`
/// encoded (again).
fn canonical_uri(path: &str, out: &mut String) {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    if segments.is_empty() {
        out.push('/');
        return;
    }
    for seg in segments {
        out.push('/');
        out.push_str(&encode(seg));
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(parse_amz_date("20150830T123600"), None);
        assert_eq!(parse_amz_date("2015083OT123600Z"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
        for t in [0, 1_440_938_160, 1_772_323_199, 4_102_444_800] {
            assert_eq!(parse_amz_date(&amz_date(t)), Some(t), "{t}");
        }
    }

    #[test]
    fn expiry_messages_are_aws() {
        let now = parse_amz_date("20261201T192000Z").unwrap();
        let e = expired("20261201T191000Z", now, 300, '-');
        assert_eq!(e.kind, ErrorType::InvalidSignature);
        assert_eq!(
            e.message.as_deref(),
            Some(
                "Signature expired: 20261201T191000Z is now earlier than 20261201T191500Z (20261201T192000Z - 5 min.)"
            )
        );
        let e = expired("20261201T193000Z", now, 300, '+');
        assert_eq!(
            e.message.as_deref(),
            Some(
                "Signature not yet current: 20261201T193000Z is still later than 20261201T192500Z (20261201T192000Z + 5 min.)"
            )
        );
        let e = invalid_token("unknown access key");
        assert_eq!(e.kind, ErrorType::AccessDenied);
        assert_eq!(
            e.message.as_deref(),
            Some("The security token included in the request is invalid.")
        );
    }

    /// AWS's documented example (IAM `ListUsers`, the `get-vanilla` of the SigV4 test suite
    /// uses the same key): the signature must verify with the documented secret.
    #[test]
    fn aws_documented_example_verifies() {
        let iam = Iam {
            name: "t".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
            max_skew: 300,
            credentials: vec![Credential {
                access_key_id: "AKIDEXAMPLE".into(),
                secret: b"AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
                    .to_vec()
                    .into(),
                session_token: None,
                principal: "p".into(),
                allow: vec!["*".into()].into(),
                deny: Vec::new().into(),
                signing_key: parking_lot::Mutex::new(None),
            }]
            .into(),
        };
        let uri: http::Uri = "/?Action=ListUsers&Version=2010-05-08".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        headers.insert("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7".parse().unwrap());
        let now = 1_440_938_160;
        assert!(verify(&iam, "GET", &uri, &headers, b"", now).is_ok());
        assert!(verify(&iam, "POST", &uri, &headers, b"", now).is_err());
        assert!(verify(&iam, "GET", &uri, &headers, b"x", now).is_err());
        assert!(
            verify(&iam, "GET", &uri, &headers, b"", now + 301).is_err(),
            "expired"
        );
        let other: http::Uri = "/?Action=ListUsers&Version=2010-05-09".parse().unwrap();
        assert!(verify(&iam, "GET", &other, &headers, b"", now).is_err());
        headers.remove("authorization");
        let e = verify(&iam, "GET", &uri, &headers, b"", now).err().unwrap();
        assert_eq!(e.kind, ErrorType::MissingAuthenticationToken);
    }

    /// Mangled signatures, dates, credentials and URIs: refused, never a panic.
    #[test]
    fn mangled_requests_never_panic() {
        let iam = Iam {
            name: "t".into(),
            region: "us-east-1".into(),
            service: "iam".into(),
            max_skew: 300,
            credentials: vec![Credential {
                access_key_id: "AKIDEXAMPLE".into(),
                secret: b"AWS4secret".to_vec().into(),
                session_token: None,
                principal: "p".into(),
                allow: vec!["*".into()].into(),
                deny: Vec::new().into(),
                signing_key: parking_lot::Mutex::new(None),
            }]
            .into(),
        };
        let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fiam%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = b"/=,;& %0TZ9-aA";
        let mut mangle = |text: &str| -> String {
            let mut t = text.as_bytes().to_vec();
            for _ in 0..(next() % 4 + 1) {
                if t.is_empty() {
                    break;
                }
                let i = (next() as usize) % t.len();
                match next() % 3 {
                    0 => t[i] = alphabet[(next() as usize) % alphabet.len()],
                    1 => {
                        t.remove(i);
                    }
                    _ => t.truncate(i),
                }
            }
            String::from_utf8_lossy(&t).into_owned()
        };
        for _ in 0..3_000 {
            let mut headers = HeaderMap::new();
            headers.insert("host", "iam.amazonaws.com".parse().unwrap());
            if let Ok(v) = mangle(auth).parse() {
                headers.insert("authorization", v);
            }
            if let Ok(v) = mangle("20150830T123600Z").parse() {
                headers.insert("x-amz-date", v);
            }
            let uri: http::Uri = format!("/?{}", mangle(query).replace(' ', "%20"))
                .parse()
                .unwrap_or_else(|_| http::Uri::from_static("/"));
            let _ = verify(&iam, "GET", &uri, &headers, b"", 1_440_938_160);
            let root: http::Uri = "/".parse().unwrap();
            let _ = verify(&iam, "GET", &root, &headers, b"", 1_440_938_160);
        }
        assert_eq!(parse_amz_date("00000101T000000Z"), None);
    }

    mod properties {
        use http::HeaderValue;
        use proptest::prelude::*;

        use super::*;

        fn iam() -> Iam {
            Iam {
                name: "t".into(),
                region: "us-east-1".into(),
                service: "execute-api".into(),
                max_skew: 300,
                credentials: vec![Credential {
                    access_key_id: "AKIDEXAMPLE".into(),
                    secret: b"AWS4secret".to_vec().into(),
                    session_token: None,
                    principal: "p".into(),
                    allow: vec!["*".into()].into(),
                    deny: Vec::new().into(),
                    signing_key: parking_lot::Mutex::new(None),
                }]
                .into(),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]

            /// Any `Authorization` and `X-Amz-Date` header text, with the pieces a parser
            /// looks for (`Credential=`, `SignedHeaders=`, `Signature=`, the scope's slashes)
            /// in any order and amount: refused, never a panic.
            #[test]
            fn any_authorization_header(
                parts in prop::collection::vec(
                    prop_oneof![
                        Just("AWS4-HMAC-SHA256 ".to_owned()),
                        Just("Credential=".to_owned()),
                        Just("SignedHeaders=".to_owned()),
                        Just("Signature=".to_owned()),
                        Just("AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request".to_owned()),
                        Just("host;x-amz-date".to_owned()),
                        "[/,; =a-z0-9]{0,12}",
                        ".{0,12}",
                    ],
                    0..10,
                ),
                date in prop_oneof![Just("20150830T123600Z".to_owned()), ".{0,20}"],
                body in prop::collection::vec(any::<u8>(), 0..40),
            ) {
                let mut headers = HeaderMap::new();
                headers.insert("host", HeaderValue::from_static("api.example.com"));
                if let Ok(v) = HeaderValue::from_str(&parts.concat()) {
                    headers.insert("authorization", v);
                }
                if let Ok(v) = HeaderValue::from_str(&date) {
                    headers.insert("x-amz-date", v);
                }
                let uri: http::Uri = "/pets?a=1".parse().unwrap();
                prop_assert!(verify(&iam(), "GET", &uri, &headers, &body, 1_440_938_160).is_err());
            }

            /// Any presigned query: the `X-Amz-*` parameters with any values, repeated or
            /// missing, among any others.
            #[test]
            fn any_presigned_query(
                params in prop::collection::vec(
                    (
                        prop_oneof![
                            Just("X-Amz-Algorithm"), Just("X-Amz-Credential"),
                            Just("X-Amz-Date"), Just("X-Amz-Expires"),
                            Just("X-Amz-SignedHeaders"), Just("X-Amz-Signature"),
                            Just("X-Amz-Security-Token"), Just("x"),
                        ],
                        "[%0-9A-Za-z/_.~+-]{0,30}",
                    ),
                    0..9,
                ),
                path in "(/[%a-z0-9._~-]{0,8}){0,4}",
            ) {
                let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let text = format!("{}?{}", if path.is_empty() { "/" } else { &path }, query.join("&"));
                let Ok(uri) = text.parse::<http::Uri>() else {
                    return Ok(());
                };
                let mut headers = HeaderMap::new();
                headers.insert("host", HeaderValue::from_static("api.example.com"));
                prop_assert!(verify(&iam(), "GET", &uri, &headers, b"", 1_440_938_160).is_err());
            }
        }
    }

    #[test]
    fn canonical_uris_double_encode() {
        let mut s = String::new();
        canonical_uri("/a%20b/./c/../d~e", &mut s);
        assert_eq!(s, "/a%2520b/d~e");
        s.clear();
        canonical_uri("/", &mut s);
        assert_eq!(s, "/");
    }
}
