//! The API-key store: which keys a gateway accepts, enabled or not, in which usage plans and
//! stages, and how much each was used, changed at run time without a restart.
//!
//! **Two layers.** The *spec* layer holds the keys the spec names (values from environment
//! variables or files), rebuilt whenever a gateway is built (start-up, reload). The *managed*
//! layer holds what was changed at run time through the admin API (`gwc keys …`): keys created
//! there, and the enabled flag of spec keys. A managed record overrides the spec record of the
//! same digest; a managed record that came from the spec (`from_spec`) applies only while the
//! spec still has that key, so a rotated key file is never undone by an old record.
//!
//! **Where the managed layer lives.** In memory it is this process's map. With Redis it is one
//! Redis hash (`{prefix}keys`, field: the key's SHA-256 in hex, value: the record as JSON) that
//! every replica reads: a change is written there, then announced on the `keys` channel, and
//! each replica reloads the hash when told (and every [`REFRESH`] anyway, in case a message was
//! lost while Redis was away). The request path never goes to Redis for a key: it reads the
//! merged snapshot of its process.
//!
//! **Secrets.** Only SHA-256 digests are held; a created key's value is returned once, to the
//! caller that created it, and never stored or logged. Lookups hash the presented value and
//! compare digests in constant time.
//!
//! **The hot path.** A snapshot is an immutable map behind an `Arc`; a request step keeps the
//! snapshot it last saw per worker with its [`KeyStore::generation`], and re-reads the shared
//! one only when a change bumped the generation (one relaxed atomic load per request).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, RwLock};
use ring::digest::{SHA256, digest};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::{State, StateError};

/// A SHA-256 digest of a key value.
pub type Digest = [u8; 32];

/// Shortest and longest key value AWS accepts; the same bounds here.
pub const MIN_KEY_LEN: usize = 20;
/// See [`MIN_KEY_LEN`].
pub const MAX_KEY_LEN: usize = 128;

/// The channel on which a change to the Redis key hash is announced to every replica.
pub(super) const CHANNEL: &str = "keys";
/// The Redis hash of managed records (after the state's key prefix).
pub(super) const HASH: &str = "keys";
/// How often a Redis-backed store reloads the hash even without an announcement.
pub const REFRESH: Duration = Duration::from_secs(5);
/// How long a day's usage counter is kept (AWS keeps usage for 90 days).
pub const USAGE_TTL: Duration = Duration::from_secs(100 * 86_400);

/// The digest of a key value.
pub fn hash(value: &[u8]) -> Digest {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, value).as_ref());
    out
}

/// A worker's memo of the digests of keys it has already seen accepted, so a kept key costs
/// two SipHash passes instead of a SHA-256 (about 2,000 instructions per request without
/// SHA extensions).
///
/// It maps a 128-bit keyed MAC of the presented value (two SipHash-1-3 passes with this
/// memo's own random keys) to the value's digest, and holds no key value: a dump shows
/// neither keys nor anything to test guesses against without the memo's keys. SHA-256 is a
/// pure function, so an entry never goes stale: whether the digest is accepted is still
/// decided by the current [`KeySnapshot`] on every request. Only digests the snapshot
/// knew are remembered, so unknown values (guessing, flooding) never enter it; it is
/// emptied when it reaches [`DigestMemo::CAPACITY`] entries.
#[derive(Debug, Default)]
pub(crate) struct DigestMemo {
    macs: (RandomState, RandomState),
    known: HashMap<u128, Digest, crate::tail_hash::Tail<8>>,
}

impl DigestMemo {
    /// Most values remembered per worker (about 80 bytes each).
    pub(crate) const CAPACITY: usize = 4096;

    /// The MAC that names a presented value in this memo.
    pub(crate) fn mac(&self, presented: &[u8]) -> u128 {
        let (a, b) = &self.macs;
        (u128::from(a.hash_one(presented)) << 64) | u128::from(b.hash_one(presented))
    }

    /// The digest of the value whose MAC is `mac`, if it was remembered.
    pub(crate) fn get(&self, mac: u128) -> Option<&Digest> {
        self.known.get(&mac)
    }

    /// Remembers an accepted value's digest.
    pub(crate) fn remember(&mut self, mac: u128, digest: Digest) {
        if self.known.len() >= Self::CAPACITY {
            self.known.clear();
        }
        self.known.insert(mac, digest);
    }
}

/// A usage plan a key belongs to, optionally only on one stage (AWS associates plans with API
/// stages; here the association can be narrowed per key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLink {
    /// The plan's name in the spec.
    pub plan: Box<str>,
    /// Only on this stage; every stage when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Box<str>>,
}

/// One key, as stored: everything but its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// `$context.identity.apiKeyId`: the key's name, unique in the store.
    pub id: Box<str>,
    /// A disabled key is refused like an unknown one (403).
    pub enabled: bool,
    /// Its plans, first match wins.
    pub plans: Vec<PlanLink>,
    /// Named by the spec (its value comes from there): it cannot be deleted at run time.
    #[serde(default)]
    pub from_spec: bool,
    /// When it was created (Unix seconds; 0 for spec keys).
    #[serde(default)]
    pub created: u64,
}

impl KeyRecord {
    /// The plan this key uses on `stage`, among the plans `known` accepts.
    pub fn plan_on<'a>(&'a self, stage: &str, known: impl Fn(&str) -> bool) -> Option<&'a str> {
        self.plans
            .iter()
            .find(|l| l.stage.as_deref().is_none_or(|s| s == stage) && known(&l.plan))
            .map(|l| &*l.plan)
    }
}

/// The keys one process accepts right now: immutable, shared behind an `Arc`.
#[derive(Debug, Default)]
pub struct KeySnapshot {
    /// Hashed by eight bytes of each digest: SHA-256 output is uniform, and the whole digest
    /// is still compared.
    by_digest: HashMap<Digest, Keyed, crate::tail_hash::Tail<8>>,
}

/// A record with its request counter (which outlives snapshots: one per key id per process).
#[derive(Debug)]
struct Keyed {
    record: KeyRecord,
    /// The record's id, shared with every request that presents the key (the request
    /// context and the log read it without a copy).
    id: Arc<str>,
    requests: Arc<AtomicU64>,
}

impl KeySnapshot {
    /// The record of a presented value: hashed once, found by digest, compared in constant
    /// time (so the timing does not depend on how much of a real key was guessed).
    pub fn lookup(&self, presented: &[u8]) -> Option<&KeyRecord> {
        self.lookup_counted(presented).map(|(r, _, _)| r)
    }

    /// [`KeySnapshot::lookup`], with the key's id as a shared string and its request counter
    /// (`/metrics`), so the request path counts without a second lookup and keeps the id
    /// without copying it.
    pub fn lookup_counted(&self, presented: &[u8]) -> Option<(&KeyRecord, &Arc<str>, &AtomicU64)> {
        self.lookup_digest(&hash(presented))
    }

    /// [`KeySnapshot::lookup_counted`] of a value already hashed (see [`DigestMemo`]).
    pub fn lookup_digest(&self, d: &Digest) -> Option<(&KeyRecord, &Arc<str>, &AtomicU64)> {
        match self.by_digest.get_key_value(d) {
            Some((stored, k)) if bool::from(stored.ct_eq(d)) => {
                Some((&k.record, &k.id, &k.requests))
            }
            _ => None,
        }
    }

    /// Every record, sorted by id.
    pub fn records(&self) -> Vec<&KeyRecord> {
        let mut all: Vec<&KeyRecord> = self.by_digest.values().map(|k| &k.record).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    fn find(&self, id: &str) -> Option<(&Digest, &KeyRecord)> {
        self.by_digest
            .iter()
            .find(|(_, k)| &*k.record.id == id)
            .map(|(d, k)| (d, &k.record))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.by_digest.len()
    }

    /// True when no key is known.
    pub fn is_empty(&self) -> bool {
        self.by_digest.is_empty()
    }
}

/// The process's key store (see the module docs). Held by the [`State`], so it outlives
/// reloads as counters do.
#[derive(Debug, Default)]
pub struct KeyStore {
    layers: Mutex<Layers>,
    current: RwLock<Arc<KeySnapshot>>,
    generation: AtomicU64,
    /// Requests identified by each key id since the process started (`/metrics`): kept by
    /// id, so a key's count survives changes to the store, and bounded by the keys the
    /// operator created (a label is a key's name, never a request value).
    requests: Mutex<HashMap<Box<str>, Arc<AtomicU64>, RandomState>>,
}

#[derive(Debug, Default)]
struct Layers {
    spec: HashMap<Digest, KeyRecord, RandomState>,
    managed: HashMap<Digest, KeyRecord, RandomState>,
}

impl KeyStore {
    /// Bumped by every change; a worker compares it with the one of its cached snapshot.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Requests identified by each key id since the process started, sorted by id.
    pub fn request_counts(&self) -> Vec<(Box<str>, u64)> {
        let mut all: Vec<(Box<str>, u64)> = self
            .requests
            .lock()
            .iter()
            .map(|(id, n)| (id.clone(), n.load(Ordering::Relaxed)))
            .collect();
        all.sort();
        all
    }

    /// The merged keys now.
    pub fn snapshot(&self) -> Arc<KeySnapshot> {
        Arc::clone(&self.current.read())
    }

    /// Replaces the spec layer (a gateway was built from a spec).
    pub fn seed_spec(&self, records: Vec<(Digest, KeyRecord)>) {
        let mut layers = self.layers.lock();
        layers.spec = records.into_iter().collect();
        self.publish(&layers);
    }

    /// Replaces the managed layer (with Redis: the hash as just read).
    pub(super) fn replace_managed(&self, managed: HashMap<Digest, KeyRecord, RandomState>) {
        let mut layers = self.layers.lock();
        if layers.managed != managed {
            layers.managed = managed;
            self.publish(&layers);
        }
    }

    fn with_managed<R>(&self, f: impl FnOnce(&mut Layers) -> R) -> R {
        let mut layers = self.layers.lock();
        let r = f(&mut layers);
        self.publish(&layers);
        r
    }

    fn publish(&self, layers: &Layers) {
        let mut merged = layers.spec.clone();
        for (d, r) in &layers.managed {
            if !r.from_spec || layers.spec.contains_key(d) {
                merged.insert(*d, r.clone());
            }
        }
        let mut counters = self.requests.lock();
        let by_digest = merged
            .into_iter()
            .map(|(d, record)| {
                let requests = Arc::clone(counters.entry(record.id.clone()).or_default());
                let id = record.id.as_ref().into();
                (
                    d,
                    Keyed {
                        record,
                        id,
                        requests,
                    },
                )
            })
            .collect();
        drop(counters);
        *self.current.write() = Arc::new(KeySnapshot { by_digest });
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No key has this id.
    #[error("no API key `{0}`")]
    NotFound(String),
    /// The id is taken.
    #[error("an API key named `{0}` exists already")]
    Exists(String),
    /// The request cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// The shared state could not be reached.
    #[error(transparent)]
    State(#[from] StateError),
}

impl KeyError {
    /// The HTTP status the admin API answers with.
    pub fn status(&self) -> u16 {
        match self {
            KeyError::NotFound(_) => 404,
            KeyError::Exists(_) => 409,
            KeyError::Invalid(_) => 400,
            KeyError::State(_) => 503,
        }
    }
}

/// What creating a key needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewKey {
    /// Its id (`$context.identity.apiKeyId`).
    pub name: String,
    /// Its plans.
    #[serde(default)]
    pub plans: Vec<PlanLink>,
    /// Its value; generated (40 random characters) when absent.
    #[serde(default)]
    pub value: Option<String>,
    /// Disabled from the start when false.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// Today's day number (days since 1970-01-01, UTC).
pub fn today() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400)
}

/// The counter of one key's requests on one day (in the counter namespace).
pub fn usage_key(api: &str, id: &str, day: u64) -> String {
    let mut key = String::new();
    write_usage_key(&mut key, api, id, day);
    key
}

/// Appends [`usage_key`] to `out` and returns its byte range there, so the request path
/// builds it in a reused buffer.
pub fn write_usage_key(out: &mut String, api: &str, id: &str, day: u64) -> (usize, usize) {
    // By hand: `write!` through `fmt` cost about a thousand instructions per request here.
    let start = out.len();
    out.push_str(api);
    out.push_str(":use:");
    out.push_str(id);
    out.push(':');
    push_decimal(out, day);
    (start, out.len())
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// A key value of 40 random characters from the system's CSPRNG.
fn generate() -> Result<String, KeyError> {
    use ring::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 40];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| KeyError::Invalid("the system's random source failed".to_owned()))?;
    // 248 = 4 × 62: rejecting bytes above it keeps the choice uniform.
    let mut out = String::with_capacity(40);
    let mut pool = bytes.to_vec();
    while out.len() < 40 {
        for b in pool.drain(..) {
            if out.len() < 40 && b < 248 {
                out.push(char::from(ALPHABET[usize::from(b % 62)]));
            }
        }
        if out.len() < 40 {
            let mut more = [0u8; 16];
            SystemRandom::new()
                .fill(&mut more)
                .map_err(|_| KeyError::Invalid("the system's random source failed".to_owned()))?;
            pool.extend_from_slice(&more);
        }
    }
    Ok(out)
}

/// Checks a key value's shape: 20 to 128 visible ASCII characters.
pub fn check_value(value: &str) -> Result<(), String> {
    if (MIN_KEY_LEN..=MAX_KEY_LEN).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_graphic())
    {
        Ok(())
    } else {
        Err(format!(
            "the value must be {MIN_KEY_LEN} to {MAX_KEY_LEN} visible ASCII characters (it has {})",
            value.len()
        ))
    }
}

fn hex(d: &Digest) -> String {
    use std::fmt::Write;
    d.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(s: &str) -> Option<Digest> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Parses the Redis hash into records, skipping (and logging) any field that is not one.
pub(super) fn parse_hash(
    fields: Vec<(String, Vec<u8>)>,
) -> HashMap<Digest, KeyRecord, RandomState> {
    let mut out = HashMap::default();
    for (field, value) in fields {
        match (unhex(&field), serde_json::from_slice::<KeyRecord>(&value)) {
            (Some(d), Ok(r)) => {
                out.insert(d, r);
            }
            _ => tracing::warn!(field, "ignoring a malformed API-key record in Redis"),
        }
    }
    out
}

impl State {
    /// The process's key store.
    pub fn keys(&self) -> &KeyStore {
        match self {
            State::Memory(m) => &m.keys,
            State::Redis(r) => r.keys(),
        }
    }

    /// Reloads the managed layer from Redis (nothing to do in memory).
    pub async fn keys_refresh(&self) -> Result<(), StateError> {
        if let State::Redis(r) = self {
            let fields = r.hash_all(HASH).await?;
            r.keys().replace_managed(parse_hash(fields));
        }
        Ok(())
    }

    /// Every key, fresh from Redis when Redis holds them.
    pub async fn key_list(&self) -> Result<Vec<KeyRecord>, KeyError> {
        self.keys_refresh().await?;
        Ok(self
            .keys()
            .snapshot()
            .records()
            .into_iter()
            .cloned()
            .collect())
    }

    /// Creates a key; returns its record and its value (the only time the value is shown).
    pub async fn key_create(&self, new: NewKey) -> Result<(KeyRecord, String), KeyError> {
        if new.name.is_empty()
            || new.name.len() > 128
            || !new.name.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(KeyError::Invalid(
                "a key's name must be 1 to 128 visible ASCII characters".to_owned(),
            ));
        }
        let value = match new.value {
            Some(v) => {
                check_value(&v).map_err(KeyError::Invalid)?;
                v
            }
            None => generate()?,
        };
        self.keys_refresh().await?;
        let snapshot = self.keys().snapshot();
        if snapshot.find(&new.name).is_some() {
            return Err(KeyError::Exists(new.name));
        }
        let d = hash(value.as_bytes());
        if snapshot.by_digest.contains_key(&d) {
            return Err(KeyError::Invalid(
                "that value is already another key's".to_owned(),
            ));
        }
        let record = KeyRecord {
            id: new.name.into(),
            enabled: new.enabled,
            plans: new.plans,
            from_spec: false,
            created: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        self.key_write(d, &record, true).await?;
        Ok((record, value))
    }

    /// Enables or disables the key `id`.
    pub async fn key_set_enabled(&self, id: &str, enabled: bool) -> Result<KeyRecord, KeyError> {
        self.keys_refresh().await?;
        let snapshot = self.keys().snapshot();
        let (d, record) = snapshot
            .find(id)
            .ok_or_else(|| KeyError::NotFound(id.to_owned()))?;
        let record = KeyRecord {
            enabled,
            ..record.clone()
        };
        self.key_write(*d, &record, false).await?;
        Ok(record)
    }

    /// Deletes the key `id` (not a key the spec names: disable that one, or remove it from
    /// the spec).
    pub async fn key_delete(&self, id: &str) -> Result<(), KeyError> {
        self.keys_refresh().await?;
        let snapshot = self.keys().snapshot();
        let (d, record) = snapshot
            .find(id)
            .ok_or_else(|| KeyError::NotFound(id.to_owned()))?;
        if record.from_spec {
            return Err(KeyError::Invalid(format!(
                "`{id}` is named by the spec: disable it, or remove it from the spec"
            )));
        }
        let d = *d;
        match self {
            State::Memory(_) => self.keys().with_managed(|l| {
                l.managed.remove(&d);
            }),
            State::Redis(r) => {
                r.hash_del(HASH, &hex(&d)).await?;
                self.keys_announce().await;
            }
        }
        Ok(())
    }

    async fn key_write(&self, d: Digest, record: &KeyRecord, new: bool) -> Result<(), KeyError> {
        match self {
            State::Memory(_) => self.keys().with_managed(|l| {
                if new && l.managed.contains_key(&d) {
                    return Err(KeyError::Exists(record.id.to_string()));
                }
                l.managed.insert(d, record.clone());
                Ok(())
            })?,
            State::Redis(r) => {
                let json =
                    serde_json::to_vec(record).map_err(|e| KeyError::Invalid(e.to_string()))?;
                if !r.hash_set(HASH, &hex(&d), json, new).await? {
                    return Err(KeyError::Exists(record.id.to_string()));
                }
                self.keys_announce().await;
            }
        }
        Ok(())
    }

    /// Reloads here and tells the other replicas to.
    async fn keys_announce(&self) {
        let _ = self.keys_refresh().await;
        let _ = self
            .publish(CHANNEL, bytes::Bytes::from_static(b"changed"))
            .await;
    }

    /// Requests counted for key `id` of the API `api` on each day from `from` to `to`
    /// (day numbers, inclusive; at most 366 days).
    pub async fn key_usage(
        &self,
        api: &str,
        id: &str,
        from: u64,
        to: u64,
    ) -> Result<Vec<(u64, u64)>, KeyError> {
        if to < from || to - from > 366 {
            return Err(KeyError::Invalid(
                "the range must run forwards and span at most 366 days".to_owned(),
            ));
        }
        let mut out = Vec::with_capacity(usize::try_from(to - from + 1).unwrap_or(0));
        for day in from..=to {
            out.push((day, self.counter(&usage_key(api, id, day)).await?));
        }
        Ok(out)
    }
}

/// Keeps a Redis-backed store in step with the hash: reloads when a change is announced and
/// every [`REFRESH`]. Runs on the state thread and ends when the state is dropped.
pub(super) async fn watch(state: std::sync::Weak<super::redis::Inner>) {
    let mut subscription = None;
    loop {
        let Some(inner) = state.upgrade() else { return };
        let redis = super::RedisState::from_inner(inner);
        if subscription.is_none() {
            subscription = redis.subscribe(CHANNEL).await.ok();
        }
        let s = State::Redis(redis);
        let _ = s.keys_refresh().await;
        drop(s);
        match &mut subscription {
            Some(sub) => {
                tokio::select! {
                    message = sub.recv() => if message.is_none() { return },
                    () = tokio::time::sleep(REFRESH) => {}
                }
            }
            None => tokio::time::sleep(REFRESH).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A memo's MAC is stable for its own values and keyed per memo; it returns what it was
    /// given and starts over once full.
    #[test]
    fn digest_memo_remembers_by_keyed_mac() {
        let mut memo = DigestMemo::default();
        let other = DigestMemo::default();
        let value = b"partner-key-0123456789";
        let mac = memo.mac(value);
        assert_eq!(mac, memo.mac(value));
        assert_ne!(mac, memo.mac(b"partner-key-0123456788"));
        assert_ne!(mac, other.mac(value), "each memo has its own keys");
        assert_eq!(memo.get(mac), None);
        memo.remember(mac, hash(value));
        assert_eq!(memo.get(mac), Some(&hash(value)));
        for i in 0..DigestMemo::CAPACITY as u128 {
            memo.remember(i, [0; 32]);
        }
        assert!(memo.known.len() <= DigestMemo::CAPACITY);
        assert_eq!(memo.get(mac), None, "emptied when full");
    }

    #[test]
    fn usage_keys_read_as_before() {
        assert_eq!(
            usage_key("orders", "partner-1", 20_424),
            "orders:use:partner-1:20424"
        );
        assert_eq!(usage_key("a", "k", 0), "a:use:k:0");
        assert_eq!(
            usage_key("a", "k", u64::MAX),
            format!("a:use:k:{}", u64::MAX)
        );
        let mut buf = String::from("prefix");
        let (start, end) = write_usage_key(&mut buf, "a", "k", 7);
        assert_eq!(&buf[start..end], "a:use:k:7");
    }

    fn record(id: &str, enabled: bool, from_spec: bool) -> KeyRecord {
        KeyRecord {
            id: id.into(),
            enabled,
            plans: vec![PlanLink {
                plan: "basic".into(),
                stage: None,
            }],
            from_spec,
            created: 0,
        }
    }

    #[test]
    fn managed_records_override_spec_ones_only_while_the_spec_has_them() {
        let store = KeyStore::default();
        let a = hash(b"aaaaaaaaaaaaaaaaaaaaaaaa");
        store.seed_spec(vec![(a, record("a", true, true))]);
        let g = store.generation();
        let mut managed = HashMap::default();
        managed.insert(a, record("a", false, true));
        store.replace_managed(managed);
        assert!(store.generation() > g);
        let snap = store.snapshot();
        assert!(!snap.lookup(b"aaaaaaaaaaaaaaaaaaaaaaaa").unwrap().enabled);
        assert!(snap.lookup(b"aaaaaaaaaaaaaaaaaaaaaaab").is_none());
        // The spec rotated the key: the old override no longer applies to anything.
        store.seed_spec(vec![]);
        assert!(store.snapshot().is_empty());
    }

    #[test]
    fn generated_values_are_long_and_distinct() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), 40);
        assert_ne!(a, b);
        assert!(check_value(&a).is_ok());
        assert_eq!(unhex(&hex(&hash(a.as_bytes()))), Some(hash(a.as_bytes())));
    }

    #[test]
    fn a_key_uses_the_first_plan_of_its_stage() {
        let r = KeyRecord {
            plans: vec![
                PlanLink {
                    plan: "pro".into(),
                    stage: Some("prod".into()),
                },
                PlanLink {
                    plan: "basic".into(),
                    stage: None,
                },
            ],
            ..record("k", true, false)
        };
        assert_eq!(r.plan_on("prod", |_| true), Some("pro"));
        assert_eq!(r.plan_on("dev", |_| true), Some("basic"));
        assert_eq!(r.plan_on("prod", |p| p == "basic"), Some("basic"));
        assert_eq!(r.plan_on("prod", |_| false), None);
    }

    #[tokio::test]
    async fn memory_store_creates_disables_and_deletes() {
        let state = State::memory(1 << 20);
        let (rec, value) = state
            .key_create(NewKey {
                name: "alice".into(),
                plans: vec![PlanLink {
                    plan: "basic".into(),
                    stage: None,
                }],
                value: None,
                enabled: true,
            })
            .await
            .unwrap();
        assert!(rec.enabled);
        let snap = state.keys().snapshot();
        assert_eq!(&*snap.lookup(value.as_bytes()).unwrap().id, "alice");
        assert!(matches!(
            state
                .key_create(NewKey {
                    name: "alice".into(),
                    ..NewKey::default()
                })
                .await,
            Err(KeyError::Exists(_))
        ));
        state.key_set_enabled("alice", false).await.unwrap();
        assert!(
            !state
                .keys()
                .snapshot()
                .lookup(value.as_bytes())
                .unwrap()
                .enabled
        );
        state.key_delete("alice").await.unwrap();
        assert!(state.keys().snapshot().lookup(value.as_bytes()).is_none());
        assert!(matches!(
            state.key_delete("alice").await,
            Err(KeyError::NotFound(_))
        ));
    }
}
