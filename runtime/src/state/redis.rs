//! The Redis backend: state shared by every replica through one Redis (or Redis Cluster).
//!
//! **Where the work runs.** Gateway workers are `current_thread` runtimes, and the `redis`
//! crate spawns its connection and reconnection tasks on whatever runtime first polls them.
//! So that no connection depends on one worker (or on a test's runtime) staying alive, every
//! operation is spawned onto a dedicated thread, `gwc-state`, running its own
//! `current_thread` runtime; the caller awaits a join handle ([`super::Remote`]). The thread
//! stops when the last clone of the [`RedisState`] is dropped.
//!
//! **Connections.** Commands go through a `ConnectionManager` (one multiplexed connection,
//! replaced when it breaks, with capped exponential backoff); for `redis+cluster://` through
//! the crate's async cluster connection, opened on first use. Pub/sub has its own RESP3
//! connection manager whose pushes fan out to local broadcast channels and which resubscribes
//! after a reconnection; a heartbeat keeps it reconnecting while Redis is away.
//!
//! **Atomicity.** A counter's increment and first expiry, and the GCRA rate limit, are Lua
//! scripts (`EVALSHA`, reloaded after a Redis restart), so two replicas never both take the
//! last token. GCRA reads `TIME` inside the script: replicas' clocks never enter into it.
//!
//! **Bounded failure.** Every operation runs under the configured deadline (default 100 ms);
//! the connection manager's own connect and response timeouts are bounded too, so a dead or
//! silent Redis yields a [`StateError`] in time, counted and logged at most once a second.
//! Once an operation found Redis unreachable, the operations of the next
//! [`super::FAIL_FAST`] fail at once (as `Ready`, no round trip) rather than each waiting out
//! its deadline while the connection manager reconnects; then one tries again.
//!
//! Keys are `{prefix}{kind}{key}`: `q:` counters, `t:` rate-limit buckets, `e:` entries; channels
//! are `{prefix}{channel}`. In a cluster, counters and buckets start with the hash tag `{t}`, so
//! the one script that touches several of them (`admit`) finds them in one slot.

use std::future::Future;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use bytes::Bytes;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, PushInfo, PushKind, RedisError, RedisFuture, Script, Value};
use tokio::runtime::Handle;
use tokio::sync::OnceCell;

use super::memory::MemoryState;
use super::{
    Admission, Failures, Pending, QuotaCount, Rate, Remote, StateConfig, StateError, Subscription,
    Verdict,
};

/// `INCRBY`, and the TTL only when the key has none (a new counter, or one set without
/// expiry), so the window starts at the first increment and is never extended.
static INCR: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
",
    )
});

/// A sliding-window rate ([`super::State::incr_sliding`]): `INCR` of this window's counter
/// (its TTL set once, as [`INCR`]), then the previous window's count weighted by the share
/// still covered. KEYS: current, previous. ARGV: TTL (ms), remaining (ms), window (ms).
static INCR_SLIDING: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local c = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local p = tonumber(redis.call('GET', KEYS[2]) or '0')
return c + math.floor(p * tonumber(ARGV[2]) / tonumber(ARGV[3]))
",
    )
});

/// GCRA on Redis's clock (microseconds). ARGV: interval, burst, tokens. Returns
/// `{1, 0}` when admitted, `{0, wait_us}` when not. Numbers are formatted with `%.0f` because
/// Lua's `tostring` would write a 16-digit microsecond time in exponent form.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local new_tat = tat + interval * n
local over = new_tat - now - interval * burst
if over > 0 then return {0, string.format('%.0f', over)} end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return {1, '0'}
",
    )
});

/// Buckets, a quota and a usage count in one script: every bucket checked (GCRA, as `TAKE`),
/// then the quota counted (as `INCR`), then the buckets written and the usage counted, so a
/// refusal takes no token and counts no use. KEYS: the buckets, then the quota counter if any,
/// then the usage counter if any. ARGV: the bucket count, whether a quota and whether a usage
/// counter follow (0/1), interval and burst per bucket, then the quota's limit and TTL (ms),
/// then the usage TTL (ms). Returns `{0, 0}` admitted, `{1, wait_us, i}` throttled by bucket
/// `i` (from 0), `{2, 0}` quota spent.
static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = tonumber(ARGV[1])
local has_quota = ARGV[2] == '1'
local has_usage = ARGV[3] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
for i = 1, n do
  local interval = tonumber(ARGV[2 * i + 2])
  local burst = tonumber(ARGV[2 * i + 3])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now) or now
  if tat < now then tat = now end
  local new_tat = tat + interval
  local over = new_tat - now - interval * burst
  if over > 0 then return {1, string.format('%.0f', over), i - 1} end
  tats[i] = new_tat
end
local next_key = n + 1
local next_arg = 2 * n + 4
if has_quota then
  local v = redis.call('INCR', KEYS[next_key])
  if redis.call('PTTL', KEYS[next_key]) < 0 then redis.call('PEXPIRE', KEYS[next_key], ARGV[next_arg + 1]) end
  if v > tonumber(ARGV[next_arg]) then return {2, '0', 0} end
  next_key = next_key + 1
  next_arg = next_arg + 2
end
for i = 1, n do
  redis.call('SET', KEYS[i], string.format('%.0f', tats[i]), 'PX', math.ceil((tats[i] - now) / 1000) + 1)
end
if has_usage then
  redis.call('INCR', KEYS[next_key])
  if redis.call('PTTL', KEYS[next_key]) < 0 then redis.call('PEXPIRE', KEYS[next_key], ARGV[next_arg]) end
end
return {0, '0', 0}
",
    )
});

/// The Redis backend. Cheap to clone; see the module docs.
#[derive(Clone)]
pub struct RedisState(Arc<Inner>);

impl std::fmt::Debug for RedisState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisState")
            .field("prefix", &self.0.prefix)
            .field("timeout", &self.0.timeout)
            .field("failures", &self.0.failures.count())
            .finish_non_exhaustive()
    }
}

pub(super) struct Inner {
    runtime: Handle,
    /// The API keys of this process, kept in step with the Redis hash ([`super::keys`]).
    keys: super::keys::KeyStore,
    /// Set once the key watcher runs (started by the first use of the key store, so a
    /// gateway without API keys never polls for them).
    watching: std::sync::atomic::AtomicBool,
    conn: Conn,
    pubsub: ConnectionManager,
    /// Local fan-out of the messages the pub/sub connection receives (its pub/sub part only).
    hub: Arc<MemoryState>,
    prefix: Arc<str>,
    timeout: Duration,
    failures: Arc<Failures>,
    /// Dropping it stops the `gwc-state` thread (and with it every connection).
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// How commands reach Redis.
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(Arc<(redis::cluster::ClusterClient, OnceCell<ClusterConnection>)>),
}

/// A connection ready for one command.
enum Connected {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connected {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connected::Single(c) => c.req_packed_command(cmd),
            Connected::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connected::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connected::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connected::Single(c) => c.get_db(),
            Connected::Cluster(c) => c.get_db(),
        }
    }
}

impl Conn {
    async fn connected(&self) -> Result<Connected, RedisError> {
        match self {
            Conn::Single(c) => Ok(Connected::Single(c.clone())),
            Conn::Cluster(cluster) => {
                let (client, cell) = &**cluster;
                let c = cell
                    .get_or_try_init(|| client.get_async_connection())
                    .await?;
                Ok(Connected::Cluster(c.clone()))
            }
        }
    }
}

/// Reconnection backoff: quick first retries, capped so a Redis that comes back is found
/// within about a second.
const RETRY_MIN: Duration = Duration::from_millis(25);
const RETRY_MAX: Duration = Duration::from_millis(500);
const RETRIES: usize = 8;
/// How often the pub/sub connection is pinged, which makes it reconnect after an outage even
/// when nothing else uses it.
const HEARTBEAT: Duration = Duration::from_millis(500);

impl RedisState {
    /// Starts the `gwc-state` thread and prepares the connections; connects lazily, so a Redis
    /// that is down now is not an error. Fails only on a URL the crate cannot use.
    pub(super) fn connect(
        url: &str,
        cluster: bool,
        config: &StateConfig,
    ) -> Result<RedisState, StateError> {
        let config_error = |e: &dyn std::fmt::Display| StateError::Config(e.to_string().into());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config_error(&e))?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("gwc-state".to_owned())
            .spawn(move || {
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })
            .map_err(|e| config_error(&e))?;

        let timeout = config.timeout;
        // A TCP connect may need more than one operation's deadline on a distant network;
        // operations still give up at their own deadline while it runs.
        let connect_timeout = timeout.max(Duration::from_secs(1));
        let manager_config = || {
            ConnectionManagerConfig::new()
                .set_connection_timeout(Some(connect_timeout))
                .set_response_timeout(Some(timeout))
                .set_min_delay(RETRY_MIN)
                .set_max_delay(RETRY_MAX)
                .set_number_of_retries(RETRIES)
        };
        // The managers locate the runtime they spawn on when created: create them on ours.
        let _entered = handle.enter();
        let conn = if cluster {
            let client = redis::cluster::ClusterClientBuilder::new([url])
                .connection_timeout(connect_timeout)
                .response_timeout(timeout)
                .build()
                .map_err(|e| config_error(&e))?;
            Conn::Cluster(Arc::new((client, OnceCell::new())))
        } else {
            let client = redis::Client::open(url).map_err(|e| config_error(&e))?;
            Conn::Single(
                ConnectionManager::new_lazy_with_config(client, manager_config())
                    .map_err(|e| config_error(&e))?,
            )
        };

        let prefix: Arc<str> = config.key_prefix.as_str().into();
        let hub = Arc::new(MemoryState::new(0));
        let pubsub = {
            // In a cluster, PUBLISH reaches subscribers on every node, so one node will do.
            let info = redis::IntoConnectionInfo::into_connection_info(url)
                .map_err(|e| config_error(&e))?;
            let redis_settings = info
                .redis_settings()
                .clone()
                .set_protocol(redis::ProtocolVersion::RESP3);
            let info = info.set_redis_settings(redis_settings);
            let client = redis::Client::open(info).map_err(|e| config_error(&e))?;
            let hub = Arc::downgrade(&hub);
            let prefix = prefix.clone();
            let deliver = move |push: PushInfo| {
                if let Some(hub) = hub.upgrade() {
                    deliver(&hub, &prefix, push);
                }
                Ok::<(), redis::aio::SendError>(())
            };
            ConnectionManager::new_lazy_with_config(
                client,
                manager_config()
                    .set_push_sender(deliver)
                    .set_automatic_resubscription(),
            )
            .map_err(|e| config_error(&e))?
        };
        handle.spawn(heartbeat(pubsub.clone()));
        drop(_entered);

        let state = RedisState(Arc::new(Inner {
            keys: super::keys::KeyStore::default(),
            watching: std::sync::atomic::AtomicBool::new(false),
            runtime: handle,
            conn,
            pubsub,
            hub,
            prefix,
            timeout,
            failures: Arc::new(Failures::new()),
            _stop: stop,
        }));
        Ok(state)
    }

    pub(super) fn from_inner(inner: Arc<Inner>) -> RedisState {
        RedisState(inner)
    }

    /// The key store, its watcher started on first use.
    pub(super) fn keys(&self) -> &super::keys::KeyStore {
        use std::sync::atomic::Ordering::Relaxed;
        // A plain load on the request path; the swap runs once.
        if !self.0.watching.load(Relaxed) && !self.0.watching.swap(true, Relaxed) {
            self.0
                .runtime
                .spawn(super::keys::watch(Arc::downgrade(&self.0)));
        }
        &self.0.keys
    }

    /// Every field of the hash `name` (after the prefix).
    pub(super) fn hash_all(&self, name: &str) -> Pending<Vec<(String, Vec<u8>)>> {
        let key = self.key("", name);
        self.run("hgetall", move |mut c| async move {
            redis::cmd("HGETALL").arg(key).query_async(&mut c).await
        })
    }

    /// Sets a field of the hash `name`; with `only_new`, only when it is absent (`HSETNX`).
    /// True when written.
    pub(super) fn hash_set(
        &self,
        name: &str,
        field: &str,
        value: Vec<u8>,
        only_new: bool,
    ) -> Pending<bool> {
        let key = self.key("", name);
        let field = field.to_owned();
        self.run("hset", move |mut c| async move {
            let written: i64 = redis::cmd(if only_new { "HSETNX" } else { "HSET" })
                .arg(key)
                .arg(field)
                .arg(value)
                .query_async(&mut c)
                .await?;
            Ok(written == 1 || !only_new)
        })
    }

    /// Removes a field of the hash `name`.
    pub(super) fn hash_del(&self, name: &str, field: &str) -> Pending<()> {
        let key = self.key("", name);
        let field = field.to_owned();
        self.run("hdel", move |mut c| async move {
            redis::cmd("HDEL")
                .arg(key)
                .arg(field)
                .query_async(&mut c)
                .await
        })
    }

    pub(super) fn counter(&self, key: &str) -> Pending<u64> {
        let key = self.key("q:", key);
        self.run("counter", move |mut c| async move {
            let v: Option<u64> = redis::cmd("GET").arg(key).query_async(&mut c).await?;
            Ok(v.unwrap_or(0))
        })
    }

    /// Deletes every entry whose key starts with `prefix`: `SCAN` in batches, `UNLINK` each
    /// batch (Redis frees the memory off its main thread). On a cluster, only the node the
    /// connection reaches for `SCAN`; entries are hashed over nodes, so a cluster flush is
    /// incomplete (documented).
    pub(super) fn flush(&self, prefix: &str) -> Pending<u64> {
        let mut pattern = self.key("e:", "");
        for ch in prefix.chars() {
            if matches!(ch, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(ch);
        }
        pattern.push('*');
        // A flush may scan many keys: it gets ten deadlines.
        self.run("flush", move |mut c| async move {
            let mut cursor: u64 = 0;
            let mut removed = 0u64;
            loop {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(&mut c)
                    .await?;
                if !keys.is_empty() {
                    let n: u64 = redis::cmd("UNLINK").arg(&keys).query_async(&mut c).await?;
                    removed += n;
                }
                if next == 0 {
                    return Ok(removed);
                }
                cursor = next;
            }
        })
    }

    /// Operations that failed since start-up.
    pub(super) fn failures(&self) -> u64 {
        self.0.failures.count()
    }

    /// The Redis key of `key` of a kind (`t:` buckets, `q:` counters, `e:` entries). In a
    /// cluster, buckets and counters carry the hash tag `{t}`, so every key one `admit` names
    /// lives in one slot and the script stays one atomic operation there too (those keys are
    /// small and hot; entries, the large ones, still spread over the nodes).
    fn key(&self, kind: &str, key: &str) -> String {
        let tag = matches!(self.0.conn, Conn::Cluster(_)) && matches!(kind, "t:" | "q:");
        let mut k = String::with_capacity(self.0.prefix.len() + kind.len() + key.len() + 3);
        if tag {
            k.push_str("{t}");
        }
        k.push_str(&self.0.prefix);
        k.push_str(kind);
        k.push_str(key);
        k
    }

    /// Runs `op` on the state thread under the deadline, recording a failure.
    fn run<T, F, Fut>(&self, name: &'static str, op: F) -> Pending<T>
    where
        T: Send + 'static,
        F: FnOnce(Connected) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, RedisError>> + Send,
    {
        if self.0.failures.is_down() {
            let e = StateError::Unavailable("failing fast: Redis was unreachable just now".into());
            self.0.failures.count_and_log(name, &e);
            return Pending::Ready(Err(e));
        }
        let conn = self.0.conn.clone();
        let failures = self.0.failures.clone();
        let deadline = self.0.timeout;
        let handle = self.0.runtime.spawn(async move {
            let result = tokio::time::timeout(deadline, async move {
                let connected = conn.connected().await?;
                op(connected).await
            })
            .await;
            let result = match result {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(error(&e, deadline)),
                Err(_) => Err(StateError::Timeout(deadline)),
            };
            match &result {
                Ok(_) => failures.up(),
                Err(e) => failures.record(name, e),
            }
            result
        });
        Pending::Remote(Remote { handle })
    }

    pub(super) fn incr(&self, key: &str, by: u64, ttl: Duration) -> Pending<u64> {
        let key = self.key("q:", key);
        let ttl_ms = millis(ttl);
        self.run("incr", move |mut c| async move {
            INCR.key(key).arg(by).arg(ttl_ms).invoke_async(&mut c).await
        })
    }

    pub(super) fn incr_sliding(&self, slots: &super::SlidingSlots) -> Pending<u64> {
        let current = self.key("q:", &slots.current);
        let previous = self.key("q:", &slots.previous);
        let (ttl_ms, remaining_ms, window_ms) =
            (millis(slots.ttl), slots.remaining_ms, slots.window_ms);
        self.run("incr_sliding", move |mut c| async move {
            INCR_SLIDING
                .key(current)
                .key(previous)
                .arg(ttl_ms)
                .arg(remaining_ms)
                .arg(window_ms)
                .invoke_async(&mut c)
                .await
        })
    }

    pub(super) fn take(&self, key: &str, rate: Rate, n: u32) -> Pending<Admission> {
        if n > rate.burst {
            return Pending::Ready(Ok(Admission::RetryAfter(Duration::MAX)));
        }
        let key = self.key("t:", key);
        self.run("take", move |mut c| async move {
            let (admitted, wait_us): (i64, u64) = TAKE
                .key(key)
                .arg(rate.interval_us)
                .arg(rate.burst)
                .arg(n)
                .invoke_async(&mut c)
                .await?;
            Ok(if admitted == 1 {
                Admission::Admit
            } else {
                Admission::RetryAfter(Duration::from_micros(wait_us))
            })
        })
    }

    pub(super) fn admit(
        &self,
        buckets: &[(&str, Rate)],
        quota: Option<QuotaCount<'_>>,
        usage: Option<(&str, Duration)>,
    ) -> Pending<Verdict> {
        let keys: Vec<String> = buckets.iter().map(|(k, _)| self.key("t:", k)).collect();
        let rates: Vec<Rate> = buckets.iter().map(|(_, r)| *r).collect();
        let quota = quota.map(|q| (self.key("q:", q.key), q.limit, millis(q.ttl)));
        let usage = usage.map(|(k, ttl)| (self.key("q:", k), millis(ttl)));
        self.run("admit", move |mut c| async move {
            let mut call = ADMIT.prepare_invoke();
            for key in keys {
                call.key(key);
            }
            call.arg(rates.len())
                .arg(u8::from(quota.is_some()))
                .arg(u8::from(usage.is_some()));
            for rate in &rates {
                call.arg(rate.interval_us).arg(rate.burst);
            }
            if let Some((key, limit, ttl_ms)) = quota {
                call.key(key).arg(limit).arg(ttl_ms);
            }
            if let Some((key, ttl_ms)) = usage {
                call.key(key).arg(ttl_ms);
            }
            let (code, wait_us, index): (i64, u64, usize) = call.invoke_async(&mut c).await?;
            Ok(match code {
                0 => Verdict::Admit,
                1 => Verdict::Throttled(index, Duration::from_micros(wait_us)),
                _ => Verdict::QuotaSpent,
            })
        })
    }

    pub(super) fn get(&self, key: &str) -> Pending<Option<Bytes>> {
        let key = self.key("e:", key);
        self.run("get", move |mut c| async move {
            let value: Option<Vec<u8>> = redis::cmd("GET").arg(key).query_async(&mut c).await?;
            Ok(value.map(Bytes::from))
        })
    }

    pub(super) fn put(&self, key: &str, value: Bytes, ttl: Duration) -> Pending<()> {
        let key = self.key("e:", key);
        let ttl_ms = millis(ttl);
        self.run("put", move |mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(&value[..])
                .arg("PX")
                .arg(ttl_ms)
                .query_async(&mut c)
                .await
        })
    }

    pub(super) fn delete(&self, key: &str) -> Pending<()> {
        let key = self.key("e:", key);
        self.run("delete", move |mut c| async move {
            redis::cmd("DEL").arg(key).query_async(&mut c).await
        })
    }

    pub(super) fn publish(&self, channel: &str, message: Bytes) -> Pending<usize> {
        let channel = self.key("", channel);
        self.run("publish", move |mut c| async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(&message[..])
                .query_async(&mut c)
                .await
        })
    }

    /// Subscribes on the pub/sub connection (again, harmlessly, when another subscriber of
    /// this replica already did) and resolves once Redis confirmed it.
    pub(super) fn subscribe(&self, channel: &str) -> Pending<Subscription> {
        let subscription = Subscription::new(self.0.hub.receiver(channel));
        let channel = self.key("", channel);
        let mut pubsub = self.0.pubsub.clone();
        let failures = self.0.failures.clone();
        let deadline = self.0.timeout;
        let handle = self.0.runtime.spawn(async move {
            let result = match tokio::time::timeout(deadline, pubsub.subscribe(channel)).await {
                Ok(Ok(())) => Ok(subscription),
                Ok(Err(e)) => Err(error(&e, deadline)),
                Err(_) => Err(StateError::Timeout(deadline)),
            };
            if let Err(e) = &result {
                failures.record("subscribe", e);
            }
            result
        });
        Pending::Remote(Remote { handle })
    }
}

/// Hands a pushed message to this replica's subscribers of its channel.
fn deliver(hub: &MemoryState, prefix: &str, push: PushInfo) {
    if push.kind != PushKind::Message {
        return;
    }
    let mut data = push.data.into_iter();
    let (Some(Value::BulkString(channel)), Some(Value::BulkString(message))) =
        (data.next(), data.next())
    else {
        return;
    };
    let Some(channel) = std::str::from_utf8(&channel)
        .ok()
        .and_then(|c| c.strip_prefix(prefix))
    else {
        return;
    };
    hub.publish(channel, Bytes::from(message));
}

/// Pings the pub/sub connection forever: after an outage outlasts the manager's retries, the
/// next ping starts a new reconnection, after which it resubscribes. Ends with the runtime.
async fn heartbeat(mut pubsub: ConnectionManager) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let _ = tokio::time::timeout(HEARTBEAT, redis::cmd("PING").query_async::<()>(&mut pubsub))
            .await;
    }
}

/// A Redis error as the state reports it: the connection's response timeout is a missed
/// deadline like the operation's own (not, by itself, an unreachable backend).
fn error(e: &RedisError, deadline: Duration) -> StateError {
    if e.is_timeout() {
        return StateError::Timeout(deadline);
    }
    let text = e.to_string().into_boxed_str();
    if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
        StateError::Unavailable(text)
    } else {
        StateError::Backend(text)
    }
}

/// A TTL in whole milliseconds, at least 1 (Redis rejects 0) and at most a century (Redis
/// rejects TTLs that overflow its clock).
fn millis(ttl: Duration) -> u64 {
    const CENTURY_MS: u64 = 100 * 365 * 24 * 3600 * 1000;
    u64::try_from(ttl.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, CENTURY_MS)
}
