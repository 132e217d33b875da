//! One contract, two backends: every test in `contract!` runs against [`MemoryState`],
//! against a real `redis-server` the test starts on a free port (no mocks), and against a
//! three-node Redis Cluster the test makes of real servers. Redis-only tests
//! kill that server mid-run and bring it back.
//!
//! Without `redis-server` the Redis half records a skip (stderr and `GWC_SKIP_LOG`, which
//! `scripts/test` prints) instead of passing silently; under `CI` it fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;

/// A `redis-server` of this test's own, killed on drop.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
    /// A node of a cluster: its config file (the node's id and slots).
    cluster_config: Option<PathBuf>,
}

impl RedisServer {
    /// Starts one, or records a skip and returns `None` when `redis-server` is missing
    /// (outside CI; under CI that is a failure).
    fn start() -> Option<RedisServer> {
        Self::start_node(false)
    }

    /// Starts one, as a cluster node when `cluster` is set.
    fn start_node(cluster: bool) -> Option<RedisServer> {
        if let Err(e) = Command::new("redis-server").arg("--version").output() {
            let why = format!("`redis-server` cannot run ({e}); scripts/test installs it");
            if std::env::var_os("CI").is_some() {
                panic!("{why}");
            }
            crate::tests::skip(&why);
            return None;
        }
        // Port 0 would turn Redis's TCP listener off: take a free port and release it.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("gwc-redis-{}-{port}.log", std::process::id()));
        let cluster_config = cluster.then(|| {
            std::env::temp_dir().join(format!(
                "gwc-redis-{}-{port}-nodes.conf",
                std::process::id()
            ))
        });
        let mut server = RedisServer {
            child: None,
            port,
            log,
            cluster_config,
        };
        server.spawn();
        Some(server)
    }

    // A fixture waits for its process before the test's runtime has work to do.
    #[allow(clippy::disallowed_methods)]
    fn spawn(&mut self) {
        let log = std::fs::File::create(&self.log).expect("redis log file");
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"]);
        if let Some(conf) = &self.cluster_config {
            let _ = std::fs::remove_file(conf);
            command
                .args(["--cluster-enabled", "yes", "--cluster-config-file"])
                .arg(conf);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("redis log file"))
            .stderr(log)
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let started = Instant::now();
        while !self.pong() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > Duration::from_secs(10) {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "redis-server on port {} failed to start within 10s ({exited:?}):\n{log}",
                    self.port
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn pong(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let mut buf = [0; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty: it keeps nothing on disk).
    fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
        if let Some(conf) = &self.cluster_config {
            let _ = std::fs::remove_file(conf);
        }
    }
}

/// Three `redis-server` cluster nodes (no replicas) holding every slot between them, made
/// into one cluster with `redis-cli --cluster create`; killed on drop.
struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    // A fixture waits for its processes before the test's runtime has work to do.
    #[allow(clippy::disallowed_methods)]
    fn start() -> Option<RedisCluster> {
        let nodes = (0..3)
            .map(|_| RedisServer::start_node(true))
            .collect::<Option<Vec<_>>>()?;
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli (package redis-tools, installed with redis-server)");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // Every node agrees the cluster is up before the test uses it.
        let started = Instant::now();
        for address in &addresses {
            let port = &address[address.rfind(':').unwrap() + 1..];
            loop {
                let info = Command::new("redis-cli")
                    .args(["-p", port, "cluster", "info"])
                    .output()
                    .expect("redis-cli");
                if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
                    break;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "the cluster never came up"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Some(RedisCluster { nodes })
    }

    fn url(&self) -> String {
        format!("redis+cluster://127.0.0.1:{}", self.nodes[0].port)
    }
}

/// A backend under test; [`Fixture::replica`] gives another client of the same state (in
/// memory: the same process state; in Redis: a new connection, as another replica has).
struct Fixture {
    memory: Option<State>,
    /// Keeps the Redis of this test running.
    _server: Option<RedisServer>,
    /// Keeps the Redis Cluster of this test running.
    _cluster: Option<RedisCluster>,
    config: StateConfig,
}

impl Fixture {
    fn memory() -> Option<Fixture> {
        Some(Fixture {
            memory: Some(State::memory(1 << 20)),
            _server: None,
            _cluster: None,
            config: StateConfig::default(),
        })
    }

    fn redis() -> Option<Fixture> {
        let server = RedisServer::start()?;
        let config = StateConfig {
            backend: Backend::Redis(server.url()),
            // Generous for a loaded 2-core test machine; the outage test uses the default.
            timeout: Duration::from_secs(2),
            ..StateConfig::default()
        };
        Some(Fixture {
            memory: None,
            _server: Some(server),
            _cluster: None,
            config,
        })
    }

    fn redis_cluster() -> Option<Fixture> {
        let cluster = RedisCluster::start()?;
        let config = StateConfig {
            backend: Backend::parse(&cluster.url()).expect("a cluster URL"),
            timeout: Duration::from_secs(2),
            ..StateConfig::default()
        };
        Some(Fixture {
            memory: None,
            _server: None,
            _cluster: Some(cluster),
            config,
        })
    }

    fn replica(&self) -> State {
        match &self.memory {
            Some(state) => state.clone(),
            None => State::connect(&self.config).expect("connect"),
        }
    }
}

/// Each test in both backends' modules.
macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $test() {
                    let fixture = super::Fixture::memory().unwrap();
                    super::$test(&fixture).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(fixture) = super::Fixture::redis() else { return };
                    super::$test(&fixture).await;
                }
            )*
        }
        mod redis_cluster {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(fixture) = super::Fixture::redis_cluster() else { return };
                    super::$test(&fixture).await;
                }
            )*
        }
    };
}

contract!(
    counters_expire,
    sliding_rates_count_a_burst_across_a_window_boundary,
    rate_limit_admits_the_burst_then_refills,
    counters_are_atomic_across_threads_and_replicas,
    replicas_never_admit_more_than_the_quota,
    entries_live_for_their_ttl,
    published_messages_reach_every_replica,
    admit_is_all_or_nothing,
);

async fn admit_is_all_or_nothing(f: &Fixture) {
    let state = f.replica();
    let wide = Rate::every(Duration::from_secs(60), 3);
    let narrow = Rate::every(Duration::from_secs(60), 1);
    let quota = |limit| {
        Some(QuotaCount {
            key: "quota",
            limit,
            ttl: Duration::from_secs(60),
        })
    };
    assert_eq!(
        state.admit(&[("w", wide), ("n", narrow)], quota(10)).await,
        Ok(Verdict::Admit)
    );
    let Ok(Verdict::Throttled(1, wait)) =
        state.admit(&[("w", wide), ("n", narrow)], quota(10)).await
    else {
        panic!("the narrow bucket did not refuse");
    };
    assert!(wait > Duration::from_secs(50), "{wait:?}");
    // The refusal took nothing from `w` (2 left) and did not count against the quota.
    assert_eq!(
        state.admit(&[("w", wide)], quota(2)).await,
        Ok(Verdict::Admit)
    );
    assert_eq!(state.admit(&[("w", wide)], None).await, Ok(Verdict::Admit));
    assert!(matches!(
        state.admit(&[("w", wide)], None).await,
        Ok(Verdict::Throttled(0, _))
    ));
    // A spent quota takes no token either.
    assert_eq!(
        state.admit(&[("x", wide)], quota(2)).await,
        Ok(Verdict::QuotaSpent)
    );
    for _ in 0..3 {
        assert_eq!(state.admit(&[("x", wide)], None).await, Ok(Verdict::Admit));
    }
}

async fn counters_expire(f: &Fixture) {
    let state = f.replica();
    let ttl = Duration::from_millis(300);
    assert_eq!(state.incr("a", 1, ttl).await, Ok(1));
    assert_eq!(state.incr("a", 2, ttl).await, Ok(3));
    assert_eq!(state.incr("b", 1, ttl).await, Ok(1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        state.incr("a", 1, ttl).await,
        Ok(1),
        "a new window after the TTL"
    );
}

/// Sleeps until the wall clock is `at` milliseconds into a window of `window_ms`.
async fn until_in_window(window_ms: u128, at: u128) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let wait = (window_ms + at - now % window_ms) % window_ms;
    tokio::time::sleep(Duration::from_millis(wait as u64)).await;
}

async fn sliding_rates_count_a_burst_across_a_window_boundary(f: &Fixture) {
    let state = f.replica();
    let window = Duration::from_secs(1);
    // Five events late in one window, five early in the next: the trailing window holds all
    // ten (a fixed window would see five).
    until_in_window(1000, 850).await;
    for i in 1..=5 {
        assert_eq!(state.incr_sliding("r", window).await, Ok(i));
    }
    until_in_window(1000, 20).await;
    let mut last = 0;
    for _ in 0..5 {
        last = state.incr_sliding("r", window).await.unwrap();
    }
    assert!((9..=10).contains(&last), "trailing count {last}");
    // Two windows later both counters are gone.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(state.incr_sliding("r", window).await, Ok(1));
    assert_eq!(state.incr_sliding("other", window).await, Ok(1));
}

async fn rate_limit_admits_the_burst_then_refills(f: &Fixture) {
    let state = f.replica();
    let rate = Rate::every(Duration::from_millis(200), 3);
    for i in 0..3 {
        assert_eq!(
            state.take("k", rate, 1).await,
            Ok(Admission::Admit),
            "token {i}"
        );
    }
    let Ok(Admission::RetryAfter(wait)) = state.take("k", rate, 1).await else {
        panic!("the 4th token was admitted");
    };
    assert!(
        wait > Duration::from_millis(100) && wait <= Duration::from_millis(200),
        "{wait:?}"
    );
    assert_eq!(
        state.take("k", rate, 4).await,
        Ok(Admission::RetryAfter(Duration::MAX)),
        "more than the burst never fits"
    );
    assert_eq!(state.take("other", rate, 3).await, Ok(Admission::Admit));
    tokio::time::sleep(wait + Duration::from_millis(20)).await;
    assert_eq!(
        state.take("k", rate, 1).await,
        Ok(Admission::Admit),
        "refilled"
    );
    assert!(matches!(
        state.take("k", rate, 1).await,
        Ok(Admission::RetryAfter(_))
    ));
}

/// Runs `tasks` tasks on each of `threads` threads (each its own `current_thread` runtime,
/// as gateway workers are), thread `i` using replica `i % replicas.len()`.
fn on_workers<F, Fut>(replicas: &[State], threads: usize, tasks: usize, op: F)
where
    F: Fn(State) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let op = Arc::new(op);
    std::thread::scope(|scope| {
        for i in 0..threads {
            let state = replicas[i % replicas.len()].clone();
            let op = op.clone();
            scope.spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let handles: Vec<_> = (0..tasks)
                        .map(|_| tokio::spawn(op(state.clone())))
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                });
            });
        }
    });
}

async fn counters_are_atomic_across_threads_and_replicas(f: &Fixture) {
    let replicas = [f.replica(), f.replica()];
    let (threads, tasks, each) = (4, 25, 10);
    on_workers(&replicas, threads, tasks, move |state| async move {
        for _ in 0..each {
            state.incr("n", 1, Duration::from_secs(60)).await.unwrap();
        }
    });
    let total = replicas[0].incr("n", 0, Duration::from_secs(60)).await;
    assert_eq!(total, Ok((threads * tasks * each) as u64));
}

async fn replicas_never_admit_more_than_the_quota(f: &Fixture) {
    let replicas = [f.replica(), f.replica()];
    // No refill within the test: exactly the burst is admitted, however requests interleave.
    let rate = Rate::every(Duration::from_secs(3600), 10);
    let admitted = Arc::new(AtomicUsize::new(0));
    let counted = admitted.clone();
    on_workers(&replicas, 4, 10, move |state| {
        let counted = counted.clone();
        async move {
            for _ in 0..3 {
                if state.take("plan", rate, 1).await == Ok(Admission::Admit) {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
    assert_eq!(admitted.load(Ordering::Relaxed), 10);

    // A quota counted with `incr`: of 120 increments against a limit of 25, 25 get a count
    // within it, each exactly once.
    let within = Arc::new(AtomicUsize::new(0));
    let counted = within.clone();
    on_workers(&replicas, 4, 10, move |state| {
        let counted = counted.clone();
        async move {
            for _ in 0..3 {
                let n = state
                    .incr("quota", 1, Duration::from_secs(60))
                    .await
                    .unwrap();
                if n <= 25 {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
    assert_eq!(within.load(Ordering::Relaxed), 25);
}

async fn entries_live_for_their_ttl(f: &Fixture) {
    let state = f.replica();
    let ttl = Duration::from_millis(300);
    assert_eq!(state.get("page").await, Ok(None));
    state
        .put("page", Bytes::from_static(b"<p>hi</p>"), ttl)
        .await
        .unwrap();
    assert_eq!(
        state.get("page").await,
        Ok(Some(Bytes::from_static(b"<p>hi</p>")))
    );
    assert_eq!(
        f.replica().get("page").await,
        Ok(Some(Bytes::from_static(b"<p>hi</p>")))
    );
    state.delete("page").await.unwrap();
    assert_eq!(state.get("page").await, Ok(None));
    state.delete("page").await.unwrap();
    state
        .put("page", Bytes::from_static(b"v2"), ttl)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(state.get("page").await, Ok(None), "gone after the TTL");
}

async fn published_messages_reach_every_replica(f: &Fixture) {
    let (a, b) = (f.replica(), f.replica());
    let mut sub_a = a.subscribe("news").await.unwrap();
    let mut sub_b = b.subscribe("news").await.unwrap();
    // Memory counts local receivers; Redis counts subscribed connections, one per replica; a
    // cluster counts only those on the node that took the PUBLISH, yet delivers to all.
    let reached = b.publish("news", Bytes::from_static(b"one")).await.unwrap();
    if matches!(f.config.backend, Backend::RedisCluster(_)) {
        assert!(reached <= 2, "{reached}");
    } else {
        assert_eq!(reached, 2);
    }
    for sub in [&mut sub_a, &mut sub_b] {
        let got = tokio::time::timeout(Duration::from_secs(5), sub.recv()).await;
        assert_eq!(got, Ok(Some(Bytes::from_static(b"one"))));
    }
    assert_eq!(a.publish("nobody", Bytes::from_static(b"x")).await, Ok(0));
}

#[test]
fn memory_cache_stays_within_its_capacity() {
    let state = MemoryState::new(16 << 10);
    let value = Bytes::from(vec![7u8; 1000]);
    for i in 0..100 {
        state.put(&format!("k{i}"), value.clone(), Duration::from_secs(60));
    }
    state.settle();
    let kept = (0..100)
        .filter(|i| state.get(&format!("k{i}")).is_some())
        .count();
    assert!(
        (1..=16).contains(&kept),
        "{kept} entries of 1 KB kept in 16 KiB"
    );
    state.put(
        "huge",
        Bytes::from(vec![0u8; 32 << 10]),
        Duration::from_secs(60),
    );
    state.settle();
    assert_eq!(state.get("huge"), None, "larger than the whole cache");
}

/// The memory arm never awaits: its answer is `Ready` before any poll.
#[test]
fn memory_answers_without_a_future() {
    let state = State::memory(1 << 20);
    let Pending::Ready(Ok(1)) = state.incr("k", 1, Duration::from_secs(1)) else {
        panic!("memory must answer synchronously");
    };
    let Pending::Ready(Ok(Admission::Admit)) =
        state.take("k", Rate::every(Duration::from_secs(1), 1), 1)
    else {
        panic!("memory must answer synchronously");
    };
}

/// What a request step carries across an await on the state: pinned so it does not grow
/// unnoticed (a `Result` of the answer, or one join handle).
#[test]
fn pending_futures_stay_small() {
    use std::mem::size_of;
    assert!(size_of::<StateError>() <= 24, "{}", size_of::<StateError>());
    assert!(
        size_of::<PendingFuture<Admission>>() <= 40,
        "{}",
        size_of::<PendingFuture<Admission>>()
    );
    assert!(
        size_of::<PendingFuture<u64>>() <= 40,
        "{}",
        size_of::<PendingFuture<u64>>()
    );
    assert!(
        size_of::<PendingFuture<Option<Bytes>>>() <= 48,
        "{}",
        size_of::<PendingFuture<Option<Bytes>>>()
    );
}

#[test]
fn policies_decide_failures() {
    let failed: Result<Admission, StateError> = Err(StateError::Timeout(DEFAULT_TIMEOUT));
    assert_eq!(FailurePolicy::Open.apply(failed.clone()), Decision::Open);
    assert_eq!(FailurePolicy::Closed.apply(failed), Decision::Closed);
    assert_eq!(FailurePolicy::Closed.apply(Ok(3)), Decision::Value(3));
}

#[test]
fn backends_parse() {
    assert_eq!(Backend::parse("memory"), Ok(Backend::Memory));
    assert_eq!(
        Backend::parse("redis://h:6379/0"),
        Ok(Backend::Redis("redis://h:6379/0".to_owned()))
    );
    assert_eq!(
        Backend::parse("redis+cluster://h:7000"),
        Ok(Backend::RedisCluster("redis://h:7000".to_owned()))
    );
    assert!(matches!(
        Backend::parse("postgres://x"),
        Err(StateError::Config(_))
    ));
    // Accepted here would mean failing on connect: the crate is built without TLS.
    assert!(matches!(
        Backend::parse("rediss://h:6380"),
        Err(StateError::Config(_))
    ));
    assert!(Rate::per_second(0.0, 1).is_none());
    assert_eq!(
        Rate::per_second(4.0, 2).map(Rate::interval),
        Some(Duration::from_millis(250))
    );
}

/// Redis killed mid-run: every operation fails within the deadline (never hangs), the
/// policies decide, the failures are counted; Redis restarted on the same port: operations
/// succeed again, and a subscription made before the outage receives again.
#[tokio::test]
async fn redis_outage_fails_per_policy_and_recovers() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let config = StateConfig {
        backend: Backend::Redis(server.url()),
        ..StateConfig::default()
    };
    let deadline = config.timeout;
    let state = State::connect(&config).unwrap();
    let rate = Rate::every(Duration::from_secs(1), 5);
    // Warm up (the first operation connects), then prove it works.
    let warm = Instant::now();
    while state
        .incr("warm", 1, Duration::from_secs(60))
        .await
        .is_err()
    {
        assert!(
            warm.elapsed() < Duration::from_secs(10),
            "Redis never answered"
        );
    }
    assert_eq!(state.take("t", rate, 1).await, Ok(Admission::Admit));
    let mut sub = loop {
        if let Ok(sub) = state.subscribe("events").await {
            break sub;
        }
        assert!(warm.elapsed() < Duration::from_secs(10), "cannot subscribe");
    };
    let before = state.failures();

    server.kill();
    let outage = Instant::now();
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let started = Instant::now();
        let counted = state.incr("q", 1, Duration::from_secs(60)).await;
        let taken = state.take("t", rate, 1).await;
        let cached = state.get("page").await;
        let took = started.elapsed();
        slowest = slowest.max(took);
        assert!(
            counted.is_err() && taken.is_err() && cached.is_err(),
            "op {i}: {counted:?} {taken:?} {cached:?}"
        );
        // Three operations, each bounded by the deadline, plus scheduling slack.
        assert!(
            took < 3 * deadline + Duration::from_millis(300),
            "op {i} took {took:?}"
        );
        assert_eq!(FailurePolicy::Open.apply(taken.clone()), Decision::Open);
        assert_eq!(FailurePolicy::Closed.apply(taken), Decision::Closed);
    }
    let failed = state.failures() - before;
    assert!(
        failed >= 60,
        "{failed} failures counted for 60 failed operations"
    );
    eprintln!(
        "outage: 60 operations failed, slowest round of 3 took {slowest:?} (deadline {deadline:?} each), all 20 rounds {:?}",
        outage.elapsed()
    );

    server.restart();
    let back = Instant::now();
    loop {
        if state.incr("q", 1, Duration::from_secs(60)).await.is_ok() {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "no recovery within 5s of Redis's return"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let recovered = back.elapsed();
    assert_eq!(state.take("t", rate, 1).await, Ok(Admission::Admit));
    // The subscription resubscribes by itself: publish until it hears (messages sent before
    // the resubscription are lost, as pub/sub promises nothing more).
    let heard = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let _ = state.publish("events", Bytes::from_static(b"again")).await;
            if let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(100), sub.recv()).await
            {
                break m;
            }
        }
    })
    .await;
    assert_eq!(
        heard,
        Ok(Bytes::from_static(b"again")),
        "the subscription did not come back"
    );
    eprintln!(
        "recovery: operations succeeded {recovered:?} after Redis restarted; subscription back after {:?}",
        back.elapsed()
    );
}

/// A Redis that is not there at start-up is not a start-up error: operations fail in time.
#[tokio::test]
async fn redis_down_at_start_is_not_fatal() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = StateConfig {
        backend: Backend::Redis(format!("redis://127.0.0.1:{port}")),
        ..StateConfig::default()
    };
    let state = State::connect(&config).unwrap();
    let started = Instant::now();
    assert!(state.incr("k", 1, Duration::from_secs(1)).await.is_err());
    assert!(
        started.elapsed() < config.timeout + Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(state.failures(), 1);
}

/// One missed deadline is not an outage: only an unreachable backend, or
/// `SLOW_IN_A_ROW` missed deadlines with no answer between them, make the next operations
/// fail fast (one late answer on a loaded machine once refused a burst of requests with 503).
#[test]
fn one_missed_deadline_does_not_fail_fast() {
    let late = StateError::Timeout(Duration::from_millis(100));
    let f = Failures::new();
    f.record("admit", &late);
    assert!(!f.is_down(), "one missed deadline");
    f.up();
    for _ in 0..SLOW_IN_A_ROW - 1 {
        f.record("admit", &late);
    }
    assert!(!f.is_down(), "an answer in between resets the run");
    f.record("admit", &late);
    assert!(f.is_down(), "{SLOW_IN_A_ROW} missed deadlines in a row");
    f.up();
    assert!(!f.is_down());
    f.record(
        "admit",
        &StateError::Unavailable("connection refused".into()),
    );
    assert!(f.is_down(), "a refused connection at once");
    f.up();
    f.record("admit", &StateError::Backend("NOSCRIPT".into()));
    assert!(!f.is_down(), "an error answer is an answer");
    assert_eq!(f.count(), SLOW_IN_A_ROW + 3);
}
