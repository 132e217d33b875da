//! Shared state: what gateway replicas must agree on, behind one small interface.
//!
//! The features that need state (usage-plan quotas, throttling, the response cache, the
//! authorizer-result cache, WebSocket pushes) call [`State`] and nothing else:
//!
//! - [`State::incr`]: a counter with expiry (quotas; the caller aligns windows through the key);
//! - [`State::incr_sliding`]: an event rate over a trailing window (WAF rate-based rules);
//! - [`State::take`]: rate limiting with GCRA, taken atomically ([`Admission`]);
//! - [`State::admit`]: several buckets and a quota counter in one operation (one Redis round
//!   trip per request for a usage plan: [`Verdict`]);
//! - [`State::get`], [`State::put`], [`State::delete`]: byte entries with a TTL (caches);
//! - [`State::publish`], [`State::subscribe`]: fan-out messages ([`Subscription`]).
//!
//! Two backends implement it:
//!
//! - [`MemoryState`], the default: one process, nothing to install. Every operation is a
//!   synchronous call (sharded `parking_lot` locks with keyed hashers, a `moka` cache bounded
//!   in bytes, `tokio::sync::broadcast` for pub/sub): it never awaits.
//! - [`RedisState`]: many replicas share one Redis (or Redis Cluster). Read-modify-write
//!   operations are Lua scripts, so they are atomic across replicas, and rate limiting uses
//!   Redis's clock (`TIME`), so replicas' clocks may disagree. Every operation runs under a
//!   deadline; failures become a [`StateError`], are counted ([`State::failures`]) and logged
//!   at most once a second.
//!
//! **The hot path pays nothing for the Redis case.** Every method returns a [`Pending`]: the
//! memory backend answers [`Pending::Ready`] (a plain value, no future, no allocation), the
//! Redis backend [`Pending::Remote`] (a future that is one `JoinHandle` wide). A request step
//! matches on it and boxes only the remote arm, or simply `.await`s it: awaiting a `Ready`
//! finishes at its first poll. Redis work runs on one dedicated thread (`gwc-state`) with its
//! own tokio runtime, which owns the connections, their reconnection and the pub/sub
//! listener; worker runtimes (one `current_thread` runtime per core, `!Send` tasks) only
//! await a join handle, so no connection task is tied to a worker.
//!
//! **Failures are a per-feature decision.** Whether a quota check that cannot reach Redis
//! admits or refuses is the feature's call: [`FailurePolicy::apply`] turns a result into a
//! [`Decision`] (`Value`, `Open` or `Closed`). No operation panics or blocks past its
//! deadline when Redis is gone; the connection manager reconnects when it returns.
//!
//! **Lifetime.** A [`State`] is created once per process ([`State::connect`]) and is cheap to
//! clone (an `Arc`). It is held by the process, not by the compiled [`crate::Gateway`]: a reload
//! swaps the gateway and keeps the state, so counters, buckets and cache entries survive it.

pub mod keys;
mod memory;
mod redis;
#[cfg(test)]
mod tests;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::broadcast;

pub use self::memory::MemoryState;
pub use self::redis::RedisState;

/// Default key prefix, so several gateways can share one Redis.
pub const DEFAULT_KEY_PREFIX: &str = "gwc:";
/// Default deadline of one Redis operation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(100);
/// Default memory of the in-process cache, in bytes (keys and values).
pub const DEFAULT_CACHE_CAPACITY: u64 = 64 << 20;

/// Where state lives and how it is reached; built from the IR's `x-gateway.state` and
/// `--state`, once per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConfig {
    /// The backend.
    pub backend: Backend,
    /// Prefix of every Redis key and channel (`gwc:` by default). Ignored in memory.
    pub key_prefix: String,
    /// Deadline of each Redis operation: past it the operation fails with
    /// [`StateError::Timeout`], so an unreachable Redis costs a request at most this long.
    pub timeout: Duration,
    /// Bytes the in-process cache may hold (keys plus values) before it evicts. Ignored by
    /// Redis, whose memory is its own `maxmemory`.
    pub cache_capacity: u64,
    /// What a feature does by default when the backend fails (the spec's
    /// `x-gateway.state.on_failure`); each call site may choose its own.
    pub on_failure: FailurePolicy,
}

impl Default for StateConfig {
    /// The embedded default: memory, nothing to install.
    fn default() -> Self {
        StateConfig {
            backend: Backend::Memory,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            on_failure: FailurePolicy::default(),
        }
    }
}

/// Which backend holds the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// In this process only.
    Memory,
    /// A Redis server (`redis://`).
    Redis(String),
    /// A Redis Cluster, reached through any of its nodes (`redis+cluster://host:port`).
    RedisCluster(String),
}

impl Backend {
    /// Parses `memory` or a Redis URL, as `--state` and `x-gateway.state.backend` spell it.
    pub fn parse(text: &str) -> Result<Backend, StateError> {
        if text == "memory" {
            Ok(Backend::Memory)
        } else if let Some(rest) = text.strip_prefix("redis+cluster://") {
            Ok(Backend::RedisCluster(format!("redis://{rest}")))
        } else if text.starts_with("redis://") {
            Ok(Backend::Redis(text.to_owned()))
        } else if text.starts_with("rediss://") {
            // The redis crate is built without TLS: refuse now rather than fail on connect.
            Err(StateError::Config(
                format!("`{text}`: Redis over TLS (`rediss://`) is not supported yet; use `redis://` on a trusted network").into(),
            ))
        } else {
            Err(StateError::Config(
                format!("`{text}` is not a state backend: expected `memory` or a `redis://` or `redis+cluster://` URL").into(),
            ))
        }
    }
}

/// What a feature does when the state backend cannot answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FailurePolicy {
    /// Serve without the state-backed check: admit the request, treat the cache as a miss.
    Open,
    /// Refuse the request (the feature answers 503).
    #[default]
    Closed,
}

impl FailurePolicy {
    /// Applies the policy to an operation's result. Counting and logging the failure has
    /// already happened in the backend; this only decides.
    pub fn apply<T>(self, result: Result<T, StateError>) -> Decision<T> {
        match (result, self) {
            (Ok(value), _) => Decision::Value(value),
            (Err(_), FailurePolicy::Open) => Decision::Open,
            (Err(_), FailurePolicy::Closed) => Decision::Closed,
        }
    }
}

/// An operation's result after a [`FailurePolicy`] is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision<T> {
    /// The backend answered.
    Value(T),
    /// The backend failed and the feature fails open: skip the check.
    Open,
    /// The backend failed and the feature fails closed: refuse the request.
    Closed,
}

/// Why a state operation failed. Small (a `Box<str>` at most), so results stay cheap to move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The backend did not answer within the configured deadline.
    #[error("state backend did not answer within {0:?}")]
    Timeout(Duration),
    /// The backend cannot be reached (connection refused, dropped or timed out).
    #[error("state backend unreachable: {0}")]
    Unavailable(Box<str>),
    /// The backend answered with an error (a script error, a wrong type, a cluster error).
    #[error("state backend error: {0}")]
    Backend(Box<str>),
    /// The configuration cannot work (a bad URL); reported at start-up.
    #[error("state configuration: {0}")]
    Config(Box<str>),
}

/// A rate for [`State::take`]: one token every `interval`, at most `burst` saved up (GCRA,
/// which behaves as a token bucket of size `burst` refilled at `1 / interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    interval_us: u64,
    burst: u32,
}

impl Rate {
    /// `per_second` tokens a second (fractions allowed, as AWS's throttling rate is), `burst`
    /// at most at once. `None` when `per_second` is not positive and finite, or is faster
    /// than one token a microsecond (the resolution of Redis's clock).
    pub fn per_second(per_second: f64, burst: u32) -> Option<Rate> {
        if !(per_second.is_finite() && per_second > 0.0) {
            return None;
        }
        let interval = 1e6 / per_second;
        (1.0..=u64::MAX as f64).contains(&interval).then(|| Rate {
            interval_us: interval.round() as u64,
            burst,
        })
    }

    /// One token every `interval` (at least a microsecond), `burst` at most at once.
    pub fn every(interval: Duration, burst: u32) -> Rate {
        Rate {
            interval_us: u64::try_from(interval.as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
            burst,
        }
    }

    /// Time between two tokens.
    pub fn interval(self) -> Duration {
        Duration::from_micros(self.interval_us)
    }

    /// Most tokens taken at once.
    pub fn burst(self) -> u32 {
        self.burst
    }
}

/// The answer of [`State::take`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The tokens were taken.
    Admit,
    /// Not enough tokens: nothing was taken; this many will have accrued after the duration
    /// (`Duration::MAX` when more tokens were asked for than the burst, which never succeeds).
    RetryAfter(Duration),
}

/// The answer of [`State::admit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// One token was taken from every bucket and the quota counted the request.
    Admit,
    /// The bucket at this index (of the list given) is empty until the duration has passed;
    /// no token was taken and the quota was not counted.
    Throttled(usize, Duration),
    /// The quota is spent (its counter went past the limit); no token was taken.
    QuotaSpent,
}

/// The quota part of [`State::admit`]: a counter like [`State::incr`]'s, and its limit.
#[derive(Debug, Clone, Copy)]
pub struct QuotaCount<'a> {
    /// The counter's key (the caller puts the period in it).
    pub key: &'a str,
    /// Requests allowed.
    pub limit: u64,
    /// The counter's life from its first increment.
    pub ttl: Duration,
}

/// The shared state of a gateway process: one of the two backends. Cheap to clone.
#[derive(Debug, Clone)]
pub enum State {
    /// In this process.
    Memory(Arc<MemoryState>),
    /// In Redis, shared by replicas.
    Redis(RedisState),
}

impl State {
    /// Creates the backend `config` names, once per process. Never waits for Redis: a Redis
    /// that is down at start-up makes operations fail (per policy) until it comes up; only a
    /// configuration that cannot work (a malformed URL) is an error.
    pub fn connect(config: &StateConfig) -> Result<State, StateError> {
        match &config.backend {
            Backend::Memory => Ok(State::memory(config.cache_capacity)),
            Backend::Redis(url) => RedisState::connect(url, false, config).map(State::Redis),
            Backend::RedisCluster(url) => RedisState::connect(url, true, config).map(State::Redis),
        }
    }

    /// An in-memory state whose cache holds at most `cache_capacity` bytes.
    pub fn memory(cache_capacity: u64) -> State {
        State::Memory(Arc::new(MemoryState::new(cache_capacity)))
    }

    /// Adds `by` to the counter `key` and returns the new count. The first increment (or the
    /// first after expiry) starts the counter's life of `ttl`; later ones do not extend it, so
    /// a quota window is fixed. Atomic across replicas.
    pub fn incr(&self, key: &str, by: u64, ttl: Duration) -> Pending<u64> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.incr(key, by, ttl))),
            State::Redis(r) => r.incr(key, by, ttl),
        }
    }

    /// Counts one event on the rate `key` and returns the events of the trailing `window`, as
    /// AWS WAF's rate-based rules count them: this window's count plus the previous window's,
    /// weighted by the share of it the trailing window still covers. A burst that straddles a
    /// window boundary is counted whole (a fixed window would split it and admit up to twice
    /// the limit). Two counters per key, each living two windows; atomic across replicas (one
    /// script, one round trip), windows aligned on the replicas' wall clocks.
    pub fn incr_sliding(&self, key: &str, window: Duration) -> Pending<u64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let slots = SlidingSlots::at(key, window, now);
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.incr_sliding(&slots))),
            State::Redis(r) => r.incr_sliding(&slots),
        }
    }

    /// Takes `n` tokens from the bucket `key` refilled at `rate`, or says when they will be
    /// there. Atomic across replicas; in Redis the clock is Redis's own.
    pub fn take(&self, key: &str, rate: Rate, n: u32) -> Pending<Admission> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.take(key, rate, n))),
            State::Redis(r) => r.take(key, rate, n),
        }
    }

    /// One token from each bucket in `buckets` and, when they all have one, one more request
    /// on `quota`'s counter; all or nothing: a refusal takes no token. In Redis this is one
    /// script (one round trip, atomic), also in a Redis Cluster, where buckets and counters
    /// share one hash slot for that reason. In memory a refusal hands back the tokens taken
    /// before it, so a request never admits more than every bucket allows.
    pub fn admit(
        &self,
        buckets: &[(&str, Rate)],
        quota: Option<QuotaCount<'_>>,
    ) -> Pending<Verdict> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.admit(buckets, quota))),
            State::Redis(r) => r.admit(buckets, quota, None),
        }
    }

    /// [`State::admit`], and when admitted, one more request on the `usage` counter (the
    /// per-key, per-day count `gwc usage` reads), in the same operation (one round trip).
    pub fn admit_counted(
        &self,
        buckets: &[(&str, Rate)],
        quota: Option<QuotaCount<'_>>,
        usage: Option<(&str, Duration)>,
    ) -> Pending<Verdict> {
        match self {
            State::Memory(m) => {
                let verdict = m.admit(buckets, quota);
                if let (Verdict::Admit, Some((key, ttl))) = (verdict, usage) {
                    m.incr(key, 1, ttl);
                }
                Pending::Ready(Ok(verdict))
            }
            State::Redis(r) => r.admit(buckets, quota, usage),
        }
    }

    /// The counter `key` (0 when absent or expired), as [`State::incr`] keeps it.
    pub fn counter(&self, key: &str) -> Pending<u64> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.counter(key))),
            State::Redis(r) => r.counter(key),
        }
    }

    /// Removes every entry whose key starts with `prefix` (a cache flush).
    pub fn flush(&self, prefix: &str) -> Pending<u64> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.flush(prefix))),
            State::Redis(r) => r.flush(prefix),
        }
    }

    /// The entry `key`, unless it has expired or was evicted.
    pub fn get(&self, key: &str) -> Pending<Option<Bytes>> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.get(key))),
            State::Redis(r) => r.get(key),
        }
    }

    /// Stores `value` under `key` for `ttl`, replacing any entry. The memory backend may evict
    /// it earlier to stay within its capacity (and never stores a value larger than that).
    pub fn put(&self, key: &str, value: Bytes, ttl: Duration) -> Pending<()> {
        match self {
            State::Memory(m) => {
                m.put(key, value, ttl);
                Pending::Ready(Ok(()))
            }
            State::Redis(r) => r.put(key, value, ttl),
        }
    }

    /// Removes the entry `key` (cache invalidation); removing nothing is not an error.
    pub fn delete(&self, key: &str) -> Pending<()> {
        match self {
            State::Memory(m) => {
                m.delete(key);
                Pending::Ready(Ok(()))
            }
            State::Redis(r) => r.delete(key),
        }
    }

    /// Sends `message` to the current subscribers of `channel` (in Redis: of every replica)
    /// and returns how many received it. At most once: nobody listening means nobody gets it.
    /// In a Redis Cluster every node's subscribers receive it, but the count is Redis's: only
    /// the subscribers connected to the node that took the `PUBLISH`.
    pub fn publish(&self, channel: &str, message: Bytes) -> Pending<usize> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.publish(channel, message))),
            State::Redis(r) => r.publish(channel, message),
        }
    }

    /// Subscribes to `channel`. Resolves once the subscription is in place, so a message
    /// published after that reaches it. A Redis subscription survives reconnections
    /// (messages published while Redis was unreachable are lost).
    pub fn subscribe(&self, channel: &str) -> Pending<Subscription> {
        match self {
            State::Memory(m) => Pending::Ready(Ok(m.subscribe(channel))),
            State::Redis(r) => r.subscribe(channel),
        }
    }

    /// Operations that failed since start-up (always 0 in memory); telemetry reads it.
    pub fn failures(&self) -> u64 {
        match self {
            State::Memory(_) => 0,
            State::Redis(r) => r.failures(),
        }
    }

    /// `memory` or `redis`, for logs and metrics labels.
    pub fn backend_name(&self) -> &'static str {
        match self {
            State::Memory(_) => "memory",
            State::Redis(_) => "redis",
        }
    }
}

/// The result of a state operation: already there ([`Pending::Ready`], always so in memory)
/// or on its way from Redis ([`Pending::Remote`]).
///
/// `.await` works on both (through [`IntoFuture`]); a step that must not carry a future on
/// its fast path matches instead and awaits only the remote arm.
#[must_use = "a state operation does nothing useful unless its result is read"]
#[derive(Debug)]
pub enum Pending<T> {
    /// The answer, computed synchronously.
    Ready(Result<T, StateError>),
    /// The answer will come from Redis within the configured deadline.
    Remote(Remote<T>),
}

impl<T> Pending<T> {
    /// The answer if it is already there, else the remote future.
    pub fn ready(self) -> Result<Result<T, StateError>, Remote<T>> {
        match self {
            Pending::Ready(r) => Ok(r),
            Pending::Remote(f) => Err(f),
        }
    }
}

impl<T> IntoFuture for Pending<T> {
    type Output = Result<T, StateError>;
    type IntoFuture = PendingFuture<T>;

    fn into_future(self) -> PendingFuture<T> {
        match self {
            Pending::Ready(r) => PendingFuture::Ready(Some(r)),
            Pending::Remote(f) => PendingFuture::Remote(f),
        }
    }
}

/// The future of a [`Pending`]: finishes at its first poll when the answer was ready.
#[derive(Debug)]
pub enum PendingFuture<T> {
    /// Already answered (taken by the first poll).
    Ready(Option<Result<T, StateError>>),
    /// Waiting for Redis.
    Remote(Remote<T>),
}

// Neither arm is self-referential: the answer is moved out, the join handle is `Unpin`.
impl<T> Unpin for PendingFuture<T> {}

impl<T> Future for PendingFuture<T> {
    type Output = Result<T, StateError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            PendingFuture::Ready(r) => Poll::Ready(
                r.take()
                    .unwrap_or(Err(StateError::Backend("polled after completion".into()))),
            ),
            PendingFuture::Remote(f) => Pin::new(f).poll(cx),
        }
    }
}

/// A Redis operation in flight on the state thread: one join handle, no box of ours. Dropping
/// it does not cancel the operation (it finishes, bounded by the deadline, on its own).
#[derive(Debug)]
pub struct Remote<T> {
    handle: tokio::task::JoinHandle<Result<T, StateError>>,
}

impl<T> Future for Remote<T> {
    type Output = Result<T, StateError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.handle).poll(cx).map(|joined| {
            // The task never panics; a join error means the state thread is gone (shutdown).
            joined.unwrap_or_else(|e| Err(StateError::Unavailable(e.to_string().into())))
        })
    }
}

/// Messages of one channel, from [`State::subscribe`].
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<Bytes>,
    lagged: u64,
}

impl Subscription {
    fn new(rx: broadcast::Receiver<Bytes>) -> Subscription {
        Subscription { rx, lagged: 0 }
    }

    /// The next message; `None` once the state is gone. A subscriber that falls more than
    /// [`CHANNEL_CAPACITY`] messages behind skips the oldest ones (counted in [`Self::lagged`])
    /// rather than slowing publishers down.
    pub async fn recv(&mut self) -> Option<Bytes> {
        loop {
            match self.rx.recv().await {
                Ok(message) => return Some(message),
                Err(broadcast::error::RecvError::Lagged(n)) => self.lagged += n,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// Messages skipped because this subscriber fell behind.
    pub fn lagged(&self) -> u64 {
        self.lagged
    }
}

/// Messages a slow subscriber may fall behind by before it skips some.
pub const CHANNEL_CAPACITY: usize = 1024;

/// Failure counting, rate-limited logging and failing fast, per backend: an outage at 10,000
/// requests a second writes one line a second, not 10,000, and costs those requests nothing
/// but the first one's deadline.
#[derive(Debug)]
pub(crate) struct Failures {
    count: AtomicU64,
    /// Until when (milliseconds since `epoch`, plus one) operations fail at once because the
    /// backend was just found unreachable; 0 when it is not.
    down_until: AtomicU64,
    /// Milliseconds since `epoch` of the last line written, plus one (0: none yet).
    last_log: AtomicU64,
    /// Failures not logged since the last line.
    quiet: AtomicU64,
    /// Deadlines missed in a row (reset by any answer).
    slow: AtomicU64,
    epoch: Instant,
}

/// At most one failure line per this interval.
const LOG_EVERY: Duration = Duration::from_secs(1);
/// After an operation finds the backend unreachable (or silent past its deadline
/// [`SLOW_IN_A_ROW`] times in a row), the operations of the next this-long fail at once
/// instead of each waiting out its deadline; the first one after it tries the backend again.
/// Recovery is noticed at most this late.
pub(crate) const FAIL_FAST: Duration = Duration::from_millis(250);

/// Missed deadlines in a row, with no answer between them, that count as the backend being
/// silent. One missed deadline is not: on a loaded machine a live Redis (or the gateway's own
/// state thread) can be late once, and failing fast on it refused every request of the next
/// [`FAIL_FAST`] with 503 under `on_failure: closed` (a cross-replica quota test under heavy
/// load saw 42 of 600 requests refused that way). A request whose own deadline passed still
/// fails, as configured; only the ones after it are spared.
pub(crate) const SLOW_IN_A_ROW: u64 = 3;

impl Failures {
    pub(crate) fn new() -> Failures {
        Failures {
            count: AtomicU64::new(0),
            down_until: AtomicU64::new(0),
            last_log: AtomicU64::new(0),
            quiet: AtomicU64::new(0),
            slow: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// True while operations should fail without trying the backend.
    pub(crate) fn is_down(&self) -> bool {
        let until = self.down_until.load(Ordering::Relaxed);
        until != 0 && self.now() < until
    }

    /// The backend answered: stop failing fast.
    pub(crate) fn up(&self) {
        if self.slow.load(Ordering::Relaxed) != 0 {
            self.slow.store(0, Ordering::Relaxed);
        }
        if self.down_until.load(Ordering::Relaxed) != 0 {
            self.down_until.store(0, Ordering::Relaxed);
        }
    }

    /// Counts and (rate-limited) logs a failure; one that says the backend is unreachable,
    /// or the [`SLOW_IN_A_ROW`]th missed deadline in a row, starts a [`FAIL_FAST`] period.
    pub(crate) fn record(&self, op: &'static str, error: &StateError) {
        let unreachable = match error {
            StateError::Unavailable(_) => true,
            StateError::Timeout(_) => {
                self.slow.fetch_add(1, Ordering::Relaxed) + 1 >= SLOW_IN_A_ROW
            }
            _ => false,
        };
        if unreachable {
            self.down_until.store(
                self.now().saturating_add(FAIL_FAST.as_millis() as u64),
                Ordering::Relaxed,
            );
        }
        self.count_and_log(op, error);
    }

    /// Counts and (rate-limited) logs a failure without extending a fail-fast period.
    pub(crate) fn count_and_log(&self, op: &'static str, error: &StateError) {
        let total = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let now = self.now();
        let last = self.last_log.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= LOG_EVERY.as_millis() as u64;
        if due
            && self
                .last_log
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let suppressed = self.quiet.swap(0, Ordering::Relaxed);
            tracing::warn!(
                target: "gwc::state",
                op,
                %error,
                failures = total,
                suppressed,
                "state backend operation failed"
            );
        } else {
            self.quiet.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The two counters of a sliding-window rate at one instant ([`State::incr_sliding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlidingSlots {
    /// The counter of the window `now` falls in.
    current: String,
    /// The counter of the window before it.
    previous: String,
    /// How long each counter lives: two windows, so the previous one is still there.
    ttl: Duration,
    /// The part of the previous window the trailing window still covers, in milliseconds,
    /// out of `window_ms`.
    remaining_ms: u64,
    window_ms: u64,
}

impl SlidingSlots {
    fn at(key: &str, window: Duration, now: Duration) -> SlidingSlots {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let slot = now_ms / window_ms;
        SlidingSlots {
            current: format!("{key}@{slot}"),
            previous: format!("{key}@{}", slot.wrapping_sub(1)),
            ttl: window.saturating_mul(2),
            remaining_ms: window_ms - now_ms % window_ms,
            window_ms,
        }
    }

    /// The trailing window's count from the two counters.
    fn estimate(&self, current: u64, previous: u64) -> u64 {
        let carried =
            u128::from(previous) * u128::from(self.remaining_ms) / u128::from(self.window_ms);
        current.saturating_add(u64::try_from(carried).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod sliding_tests {
    use super::*;

    #[test]
    fn the_previous_window_counts_for_the_share_still_covered() {
        let at = |ms| SlidingSlots::at("k", Duration::from_secs(60), Duration::from_millis(ms));
        let start = at(120_000);
        assert_eq!(
            (start.current.as_str(), start.previous.as_str()),
            ("k@2", "k@1")
        );
        assert_eq!(
            start.estimate(0, 100),
            100,
            "at a boundary the previous window counts whole"
        );
        assert_eq!(
            at(135_000).estimate(10, 100),
            85,
            "a quarter in: three quarters of it"
        );
        assert_eq!(
            at(179_999).estimate(10, 100),
            10,
            "at the end: nothing of it"
        );
        assert_eq!(at(135_000).ttl, Duration::from_secs(120));
    }
}
