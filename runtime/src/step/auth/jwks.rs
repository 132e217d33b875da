//! Signing keys of a JWT issuer: a JSON Web Key Set fetched from `jwks_uri` (or found through
//! the issuer's OpenID discovery document), kept for the authorizer's `jwks_ttl`, shared by
//! every worker and route of one gateway.
//!
//! The request path only reads the current set (a read lock and an `Arc` clone). Keys are
//! fetched on the slow path only when there are none yet or a token names a `kid` the set does
//! not hold (key rotation), at most once per [`MIN_REFETCH`] so that a flood of made-up `kid`s
//! cannot hammer the issuer; an expired set keeps serving while one background task refreshes
//! it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, StatusCode, Uri};
use parking_lot::RwLock;
use ring::signature::{self, UnparsedPublicKey};

use super::b64url_decode;
use super::fetch::Client;
use super::jwt::Alg;

/// Fewest time between two fetches not caused by expiry (an unknown `kid`, a failed fetch).
pub(crate) const MIN_REFETCH: Duration = Duration::from_secs(5);
/// Time each HTTP call (discovery, JWKS) has, as AWS's JWT authorizer.
const FETCH_TIMEOUT: Duration = Duration::from_millis(1500);
/// Largest JWKS or discovery document read.
const MAX_DOCUMENT: usize = 256 * 1024;
/// Most keys kept from one set.
const MAX_KEYS: usize = 64;

/// One usable public key.
#[derive(Debug)]
pub(crate) struct Key {
    pub(crate) kid: Option<Box<str>>,
    /// The JWK's own `alg`, when it names one.
    pub(crate) alg: Option<Alg>,
    pub(crate) material: Material,
}

/// The key material, in the form `ring` verifies with.
#[derive(Debug)]
pub(crate) enum Material {
    /// Modulus and exponent, big-endian.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// An uncompressed point (`04 || x || y`) on P-256.
    P256(Vec<u8>),
    /// An uncompressed point on P-384.
    P384(Vec<u8>),
    /// An Ed25519 public key.
    Ed25519(Vec<u8>),
}

impl Key {
    /// Whether this key may verify a token signed with `alg`.
    pub(crate) fn fits(&self, alg: Alg) -> bool {
        if self.alg.is_some_and(|a| a != alg) {
            return false;
        }
        matches!(
            (&self.material, alg),
            (
                Material::Rsa { .. },
                Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512
            ) | (Material::P256(_), Alg::ES256)
                | (Material::P384(_), Alg::ES384)
                | (Material::Ed25519(_), Alg::EdDSA)
        )
    }

    /// Verifies `sig` over `msg` with `alg` (which [`Key::fits`] accepted).
    pub(crate) fn verify(&self, alg: Alg, msg: &[u8], sig: &[u8]) -> bool {
        match &self.material {
            Material::Rsa { n, e } => {
                let params: &signature::RsaParameters = match alg {
                    Alg::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Alg::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Alg::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Alg::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Alg::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Alg::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return false,
                };
                signature::RsaPublicKeyComponents { n, e }
                    .verify(params, msg, sig)
                    .is_ok()
            }
            Material::P256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            Material::P384(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            Material::Ed25519(x) => UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(msg, sig)
                .is_ok(),
        }
    }
}

/// The keys as last fetched.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    pub(crate) keys: Vec<Key>,
    /// When they were fetched; `None`: never (successfully).
    pub(crate) fetched: Option<Instant>,
    /// Bumped on every successful fetch, so a waiting request sees that another one fetched.
    pub(crate) generation: u64,
}

/// Where the keys come from.
#[derive(Debug)]
pub(crate) enum KeySource {
    /// A JWKS address.
    Jwks(Uri),
    /// The issuer's discovery document, whose `jwks_uri` is then fetched.
    Discovery { document: Uri, issuer: Box<str> },
}

/// One issuer's keys, shared by every worker.
#[derive(Debug)]
pub(crate) struct KeyCache {
    source: KeySource,
    client: Client,
    ttl: Duration,
    set: RwLock<Arc<KeySet>>,
    /// A fetch is running (one at a time per issuer).
    fetching: AtomicBool,
    /// When the last fetch was attempted, in milliseconds after `created` (0: never).
    last_attempt: AtomicU64,
    created: Instant,
    /// A background refresh is running.
    refreshing: AtomicBool,
}

impl KeyCache {
    pub(crate) fn new(source: KeySource, client: Client, ttl: Duration) -> KeyCache {
        KeyCache {
            source,
            client,
            ttl,
            set: RwLock::new(Arc::new(KeySet::default())),
            fetching: AtomicBool::new(false),
            last_attempt: AtomicU64::new(0),
            created: Instant::now(),
            refreshing: AtomicBool::new(false),
        }
    }

    /// The current keys (the request path's only access).
    pub(crate) fn current(&self) -> Arc<KeySet> {
        Arc::clone(&self.set.read())
    }

    /// Whether `set` is older than the TTL.
    pub(crate) fn expired(&self, set: &KeySet) -> bool {
        set.fetched.is_none_or(|t| t.elapsed() >= self.ttl)
    }

    /// Starts one background refresh of an expired set on the current worker, unless one runs.
    pub(crate) fn refresh_in_background(self: &Arc<Self>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let cache = Arc::clone(self);
        tokio::task::spawn_local(async move {
            let seen = cache.current().generation;
            cache.refetch(seen, true).await;
            cache.refreshing.store(false, Ordering::Release);
        });
    }

    /// Fetches the keys unless a fetch after generation `seen` already happened, or (unless
    /// `expiry`) one was attempted less than [`MIN_REFETCH`] ago. Returns whether a fetch ran.
    pub(crate) async fn refetch(&self, seen: u64, expiry: bool) -> bool {
        // One fetch at a time: a request arriving during one waits for it (bounded) and then
        // decides with whatever keys it brought.
        let deadline = Instant::now() + 2 * FETCH_TIMEOUT;
        while self.fetching.swap(true, Ordering::AcqRel) {
            if self.current().generation != seen || Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ran = self.refetch_locked(seen, expiry).await;
        self.fetching.store(false, Ordering::Release);
        ran
    }

    async fn refetch_locked(&self, seen: u64, expiry: bool) -> bool {
        if self.current().generation != seen {
            return false;
        }
        let now = u64::try_from(self.created.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let last = self.last_attempt.load(Ordering::Acquire);
        if !expiry && last != 0 && now.saturating_sub(last) < MIN_REFETCH.as_millis() as u64 {
            return false;
        }
        self.last_attempt.store(now, Ordering::Release);
        match self.fetch().await {
            Ok(keys) => {
                let mut set = self.set.write();
                let generation = set.generation + 1;
                *set = Arc::new(KeySet {
                    keys,
                    fetched: Some(Instant::now()),
                    generation,
                });
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "fetching the JWT signing keys failed");
                false
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<Key>, String> {
        let jwks_uri = match &self.source {
            KeySource::Jwks(uri) => uri.clone(),
            KeySource::Discovery { document, issuer } => {
                let doc = self.get(document).await?;
                let doc: serde_json::Value = serde_json::from_slice(&doc)
                    .map_err(|e| format!("discovery document at {document}: {e}"))?;
                if doc.get("issuer").and_then(|i| i.as_str()) != Some(issuer) {
                    return Err(format!(
                        "discovery document at {document} names another issuer"
                    ));
                }
                let uri = doc
                    .get("jwks_uri")
                    .and_then(|u| u.as_str())
                    .ok_or_else(|| format!("discovery document at {document} has no jwks_uri"))?;
                uri.parse::<Uri>()
                    .map_err(|e| format!("jwks_uri `{uri}`: {e}"))?
            }
        };
        let body = self.get(&jwks_uri).await?;
        parse_jwks(&body).map_err(|e| format!("JWKS at {jwks_uri}: {e}"))
    }

    async fn get(&self, uri: &Uri) -> Result<Bytes, String> {
        let fetched = self
            .client
            .send(Method::GET, uri, None, FETCH_TIMEOUT, MAX_DOCUMENT)
            .await?;
        if fetched.status != StatusCode::OK {
            return Err(format!("{uri} answered {}", fetched.status));
        }
        Ok(fetched.body)
    }
}

/// The usable signing keys of a JWKS document; keys of other kinds or uses are skipped, a
/// document that is not a key set is an error.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Vec<Key>, String> {
    let doc: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let keys = doc
        .get("keys")
        .and_then(|k| k.as_array())
        .ok_or("no `keys` array")?;
    let mut out = Vec::new();
    for jwk in keys.iter().take(MAX_KEYS) {
        if let Some(key) = parse_jwk(jwk) {
            out.push(key);
        }
    }
    Ok(out)
}

fn parse_jwk(jwk: &serde_json::Value) -> Option<Key> {
    let field = |name: &str| jwk.get(name).and_then(|v| v.as_str());
    let bytes = |name: &str| field(name).and_then(|v| b64url_decode(v.as_bytes()));
    if field("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match field("alg") {
        Some(a) => Some(Alg::parse(a)?),
        None => None,
    };
    let material = match (field("kty")?, field("crv")) {
        ("RSA", _) => Material::Rsa {
            n: bytes("n")?,
            e: bytes("e")?,
        },
        ("EC", Some(crv @ ("P-256" | "P-384"))) => {
            let (x, y) = (bytes("x")?, bytes("y")?);
            let len = if crv == "P-256" { 32 } else { 48 };
            // RFC 7518 wants full-length coordinates, but some issuers' libraries (PyJWT 2.6,
            // as Debian ships it, for one) write them as minimal integers, without leading zero
            // bytes: about one key in a hundred. Padded back, it verifies as its issuer meant.
            if x.len() > len || y.len() > len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            for coordinate in [&x, &y] {
                point.resize(point.len() + len - coordinate.len(), 0);
                point.extend_from_slice(coordinate);
            }
            if crv == "P-256" {
                Material::P256(point)
            } else {
                Material::P384(point)
            }
        }
        ("OKP", Some("Ed25519")) => {
            let x = bytes("x")?;
            if x.len() != 32 {
                return None;
            }
            Material::Ed25519(x)
        }
        _ => return None,
    };
    Some(Key {
        kid: field("kid").map(Into::into),
        alg,
        material,
    })
}
