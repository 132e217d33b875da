//! The in-memory backend: state for one process, shared by its worker threads.
//!
//! Every operation is synchronous and short: counters and rate-limit buckets live in maps
//! split into [`SHARDS`] `parking_lot` mutexes (a lock is held for one map operation, so
//! workers rarely meet), entries in a `moka` cache bounded in bytes, messages in
//! `tokio::sync::broadcast` channels. Keys come from requests (API keys, client addresses,
//! cache keys), so every map hashes with std's `RandomState` (SipHash with a per-process
//! random key), never with an unkeyed fast hash an attacker could flood.
//!
//! Expired counters and buckets are dropped without a background task: a shard sweeps itself
//! when it has doubled since its last sweep, which costs O(1) amortised per insertion and
//! bounds a shard to twice its live keys (plus a small floor).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hashbrown::HashTable;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use super::keys::KeyStore;
use super::{Admission, CHANNEL_CAPACITY, QuotaCount, Rate, Subscription, Verdict};

/// Lock shards per map: enough that two workers rarely contend, few enough to sweep cheaply.
const SHARDS: usize = 64;
/// A shard does not sweep below this many keys.
const SWEEP_FLOOR: usize = 64;
/// Bytes charged per cache entry on top of its key and value (moka's node, the `Bytes`).
const ENTRY_OVERHEAD: usize = 64;
/// Stands in for "never" where a TTL would overflow `Instant`.
const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// State for one process. Create one per process and share it (`Arc`): see the module docs.
pub struct MemoryState {
    counters: Shards<Counter>,
    /// GCRA "theoretical arrival time" per key, in microseconds since `epoch`.
    buckets: Shards<u64>,
    cache: moka::sync::Cache<Box<str>, Entry, RandomState>,
    channels: Mutex<HashMap<Box<str>, broadcast::Sender<Bytes>, RandomState>>,
    epoch: Instant,
    /// The API keys of this process (see [`super::keys`]).
    pub(super) keys: KeyStore,
}

impl std::fmt::Debug for MemoryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryState")
            .field("cache_entries", &self.cache.entry_count())
            .field("cache_bytes", &self.cache.weighted_size())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    value: u64,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct Entry {
    value: Bytes,
    ttl: Duration,
}

/// Each entry lives for the TTL it was stored with; a `put` over it restarts that TTL.
struct EntryTtl;

impl moka::Expiry<Box<str>, Entry> for EntryTtl {
    fn expire_after_create(&self, _: &Box<str>, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _: &Box<str>,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

impl MemoryState {
    /// A state whose cache holds at most `cache_capacity` bytes of keys and values.
    pub fn new(cache_capacity: u64) -> MemoryState {
        let cache = moka::sync::Cache::<Box<str>, Entry>::builder()
            .max_capacity(cache_capacity)
            .weigher(|key, entry| {
                u32::try_from(key.len() + entry.value.len() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
            })
            .expire_after(EntryTtl)
            .support_invalidation_closures()
            .build_with_hasher(RandomState::new());
        MemoryState {
            counters: Shards::new(),
            buckets: Shards::new(),
            cache,
            channels: Mutex::new(HashMap::default()),
            epoch: Instant::now(),
            keys: KeyStore::default(),
        }
    }

    /// [`super::State::incr`], answered at once.
    pub fn incr(&self, key: &str, by: u64, ttl: Duration) -> u64 {
        let now = Instant::now();
        let fresh = || Counter {
            value: by,
            expires: later(now, ttl),
        };
        self.counters.with(
            key,
            |c| c.expires <= now,
            |slot| match slot {
                Some(c) if c.expires > now => {
                    c.value = c.value.saturating_add(by);
                    (c.value, None)
                }
                Some(c) => {
                    *c = fresh();
                    (by, None)
                }
                None => (by, Some(fresh())),
            },
        )
    }

    /// [`super::State::incr_sliding`], answered at once.
    pub(super) fn incr_sliding(&self, slots: &super::SlidingSlots) -> u64 {
        let current = self.incr(&slots.current, 1, slots.ttl);
        slots.estimate(current, self.counter(&slots.previous))
    }

    /// [`super::State::counter`], answered at once.
    pub fn counter(&self, key: &str) -> u64 {
        let now = Instant::now();
        self.counters.with(
            key,
            |c| c.expires <= now,
            |slot| match slot {
                Some(c) if c.expires > now => (c.value, None),
                _ => (0, None),
            },
        )
    }

    /// [`super::State::flush`], answered at once: the entries go at once for readers; moka
    /// frees their memory on later calls. Returns how many entries matched.
    pub fn flush(&self, prefix: &str) -> u64 {
        let before = self
            .cache
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .count() as u64;
        let prefix: Box<str> = prefix.into();
        let _ = self
            .cache
            .invalidate_entries_if(move |k, _| k.starts_with(&*prefix));
        before
    }

    /// [`super::State::take`], answered at once: GCRA on this process's monotonic clock.
    pub fn take(&self, key: &str, rate: Rate, n: u32) -> Admission {
        if n > rate.burst {
            return Admission::RetryAfter(Duration::MAX);
        }
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.buckets.with(
            key,
            |tat| *tat <= now,
            |slot| {
                let tat = slot.as_deref().copied().unwrap_or(now).max(now);
                match gcra(now, tat, rate, n) {
                    Ok(new_tat) => match slot {
                        Some(t) => {
                            *t = new_tat;
                            (Admission::Admit, None)
                        }
                        None => (Admission::Admit, Some(new_tat)),
                    },
                    Err(wait) => (Admission::RetryAfter(wait), None),
                }
            },
        )
    }

    /// [`super::State::admit`], answered at once: each bucket in turn, the tokens handed back
    /// when a later bucket or the quota refuses.
    pub fn admit(&self, buckets: &[(&str, Rate)], quota: Option<QuotaCount<'_>>) -> Verdict {
        for (i, (key, rate)) in buckets.iter().enumerate() {
            if let Admission::RetryAfter(wait) = self.take(key, *rate, 1) {
                self.refund(&buckets[..i]);
                return Verdict::Throttled(i, wait);
            }
        }
        if let Some(q) = quota
            && self.incr(q.key, 1, q.ttl) > q.limit
        {
            self.refund(buckets);
            return Verdict::QuotaSpent;
        }
        Verdict::Admit
    }

    /// Hands one token back to each bucket (moves its arrival time back one interval, never
    /// before now).
    fn refund(&self, buckets: &[(&str, Rate)]) {
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        for (key, rate) in buckets {
            self.buckets.with(
                key,
                |tat| *tat <= now,
                |slot| {
                    if let Some(tat) = slot {
                        *tat = tat.saturating_sub(rate.interval_us).max(now);
                    }
                    ((), None)
                },
            );
        }
    }

    /// [`super::State::get`], answered at once (a `Bytes` clone: a reference count).
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.cache.get(key).map(|e| e.value)
    }

    /// [`super::State::put`], answered at once.
    pub fn put(&self, key: &str, value: Bytes, ttl: Duration) {
        self.cache.insert(key.into(), Entry { value, ttl });
    }

    /// [`super::State::delete`], answered at once.
    pub fn delete(&self, key: &str) {
        self.cache.invalidate(key);
    }

    /// [`super::State::publish`], answered at once.
    pub fn publish(&self, channel: &str, message: Bytes) -> usize {
        let mut channels = self.channels.lock();
        let Some(tx) = channels.get(channel) else {
            return 0;
        };
        match tx.send(message) {
            Ok(n) => n,
            Err(_) => {
                // Every subscriber is gone: forget the channel.
                channels.remove(channel);
                0
            }
        }
    }

    /// [`super::State::subscribe`], answered at once.
    pub fn subscribe(&self, channel: &str) -> Subscription {
        Subscription::new(self.receiver(channel))
    }

    /// A receiver on `channel`'s sender, created when missing. The Redis backend fans its
    /// messages out through the same channels.
    pub(super) fn receiver(&self, channel: &str) -> broadcast::Receiver<Bytes> {
        let mut channels = self.channels.lock();
        if let Some(tx) = channels.get(channel) {
            return tx.subscribe();
        }
        let (tx, rx) = broadcast::channel(CHANNEL_CAPACITY);
        channels.insert(channel.into(), tx);
        rx
    }

    /// Expired counters and buckets still held (swept lazily), for tests.
    #[cfg(test)]
    pub(super) fn held_keys(&self) -> usize {
        self.counters.len() + self.buckets.len()
    }

    /// Runs the cache's pending evictions now, for tests (moka does it on later calls).
    #[cfg(test)]
    pub(super) fn settle(&self) {
        self.cache.run_pending_tasks();
    }
}

/// GCRA: with the bucket's theoretical arrival time `tat` (not before `now`), taking `n`
/// tokens moves it by `n` intervals, which is allowed while it stays within `burst` intervals
/// of `now`. Returns the new `tat`, or how long until the tokens are there.
pub(super) fn gcra(now: u64, tat: u64, rate: Rate, n: u32) -> Result<u64, Duration> {
    let new_tat = tat.saturating_add(rate.interval_us.saturating_mul(u64::from(n)));
    let limit = now.saturating_add(rate.interval_us.saturating_mul(u64::from(rate.burst)));
    if new_tat <= limit {
        Ok(new_tat)
    } else {
        Err(Duration::from_micros(new_tat - limit))
    }
}

/// `now + ttl`, or a century on when that overflows.
fn later(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl)
        .or_else(|| now.checked_add(FOREVER))
        .unwrap_or(now)
}

/// A map split across locks by a keyed hash of the key. The key is hashed once: the hash's
/// upper half picks the shard, and the whole hash places the key in the shard's table (whose
/// slots come from the hash's low bits and its tags from the top seven, so keys of one shard
/// do not crowd into a part of its table).
struct Shards<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    hasher: RandomState,
}

struct Shard<V> {
    table: HashTable<(Box<str>, V)>,
    /// Sweep expired values when the table reaches this length.
    sweep_at: usize,
}

impl<V> Shards<V> {
    fn new() -> Shards<V> {
        Shards {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        table: HashTable::new(),
                        sweep_at: SWEEP_FLOOR,
                    })
                })
                .collect(),
            hasher: RandomState::new(),
        }
    }

    /// Runs `f` on the value of `key` under its shard's lock; a value `f` returns is inserted
    /// (the key is copied only then). `expired` tells the sweep what to drop.
    fn with<R>(
        &self,
        key: &str,
        expired: impl Fn(&V) -> bool,
        f: impl FnOnce(Option<&mut V>) -> (R, Option<V>),
    ) -> R {
        let hash = self.hasher.hash_one(key);
        let index = ((hash >> 32) as usize) % SHARDS;
        let rehash = |(k, _): &(Box<str>, V)| self.hasher.hash_one(&**k);
        let mut shard = self.shards[index].lock();
        let shard = &mut *shard;
        let (result, insert) = f(shard
            .table
            .find_mut(hash, |(k, _)| **k == *key)
            .map(|(_, v)| v));
        if let Some(value) = insert {
            if shard.table.len() >= shard.sweep_at {
                shard.table.retain(|(_, v)| !expired(v));
                shard.sweep_at = (shard.table.len() * 2).max(SWEEP_FLOOR);
            }
            match shard.table.find_mut(hash, |(k, _)| **k == *key) {
                Some(slot) => slot.1 = value,
                None => {
                    shard.table.insert_unique(hash, (key.into(), value), rehash);
                }
            }
        }
        result
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().table.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcra_admits_a_burst_then_spaces_tokens() {
        let rate = Rate::every(Duration::from_millis(100), 3);
        let mut tat = 0;
        for _ in 0..3 {
            tat = gcra(0, tat, rate, 1).unwrap();
        }
        assert_eq!(gcra(0, tat, rate, 1), Err(Duration::from_millis(100)));
        // 100 ms later one token has accrued, and only one.
        let now = 100_000;
        tat = gcra(now, tat.max(now), rate, 1).unwrap();
        assert_eq!(gcra(now, tat, rate, 1), Err(Duration::from_millis(100)));
        assert_eq!(gcra(now, tat, rate, 2), Err(Duration::from_millis(200)));
    }

    #[test]
    fn expired_keys_are_swept_without_a_background_task() {
        let state = MemoryState::new(1 << 20);
        for i in 0..10_000 {
            state.incr(&format!("k{i}"), 1, Duration::ZERO);
        }
        // Every counter expired at once: what is held is bounded by the sweeps, not the
        // 10,000 keys written.
        let held = state.held_keys();
        assert!(held <= SHARDS * SWEEP_FLOOR * 2, "{held} keys held");
    }

    #[test]
    fn put_restarts_the_ttl() {
        let state = MemoryState::new(1 << 20);
        state.put("k", Bytes::from_static(b"a"), Duration::ZERO);
        state.put("k", Bytes::from_static(b"b"), Duration::from_secs(60));
        assert_eq!(state.get("k").as_deref(), Some(&b"b"[..]));
    }

    #[test]
    fn a_channel_without_subscribers_is_forgotten() {
        let state = MemoryState::new(1 << 20);
        drop(state.subscribe("c"));
        assert_eq!(state.publish("c", Bytes::from_static(b"x")), 0);
        assert!(state.channels.lock().is_empty());
    }
}
