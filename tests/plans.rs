//! API keys, usage plans, throttling and quotas end to end, on the `plans` example (generated
//! and served): keys from the environment, 403/429 bodies and `Retry-After`, throttle accuracy
//! from measured elapsed time, quotas, and three replicas sharing one real Redis, including a
//! Redis outage under each failure policy and the recovery.
//!
//! Figures (admitted vs allowed) are printed with `--nocapture`; the assertions are the
//! issue's: a throttle admits at most `burst + rate × elapsed` (+1 % on one gateway, +2 %
//! across replicas), a quota of N at most N and, while load lasts, at least N − 1 %.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::client::{self, Conn};
use crate::harness::plans::{self, GOLD, RETIRED, SILVER, start};
use crate::harness::process::GatewayProcess;
use crate::harness::redis::RedisServer;
use crate::harness::{Backend, Failure, HarnessError, Target, TestResult, annotate, binaries};

/// The plan example's limits, as `specs/plans/spec.yaml` writes them.
const SILVER_RATE: f64 = 50.0;
const SILVER_BURST: f64 = 10.0;
const GOLD_QUOTA: usize = 300;

fn targets() -> [Target; 2] {
    [Target::Example("plans"), Target::serve_example("plans")]
}

fn keyed(
    addr: SocketAddr,
    path: &str,
    key: Option<&str>,
) -> Result<http::Request<client::TestBody>, Failure> {
    let mut req = client::request(http::Method::GET, addr, path);
    if let Some(k) = key {
        req = req.header("x-api-key", k);
    }
    Ok(req.body(client::TestBody::empty())?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_aws_error_bodies() -> TestResult {
    let backend = Backend::start().await?;
    for target in targets() {
        let gw = start(&target, &backend.url(), &[])?;
        let check = async {
            let addr = gw.addr();
            let mut conn = Conn::open(addr).await?;
            for (key, what) in [
                (None, "no key"),
                (Some("not-a-key-0123456789abcdef"), "unknown key"),
                (Some(RETIRED), "disabled key"),
            ] {
                let reply = conn.send(keyed(addr, "/pets", key)?).await?;
                ensure_eq!(reply.status, 403, "{what}");
                ensure_eq!(reply.text(), r#"{"message":"Forbidden"}"#, "{what}: body");
                ensure_eq!(
                    reply.header("x-amzn-errortype"),
                    Some("ForbiddenException"),
                    "{what}: error type"
                );
            }
            let reply = conn.send(keyed(addr, "/pets", Some(GOLD))?).await?;
            ensure_eq!(reply.status, 200, "gold key");
            let reply = conn.send(keyed(addr, "/pets/7", Some(SILVER))?).await?;
            ensure_eq!(reply.status, 200, "silver key");
            // The header name is case-insensitive, and a route without the requirement
            // needs no key.
            let req = client::request(http::Method::GET, addr, "/pets")
                .header("X-API-Key", GOLD)
                .body(client::TestBody::empty())?;
            ensure_eq!(conn.send(req).await?.status, 200, "X-API-Key");
            let reply = conn.send(keyed(addr, "/status", None)?).await?;
            ensure_eq!(reply.status, 200, "/status without a key");
            Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

/// What a load run saw.
#[derive(Debug, Default)]
struct Outcome {
    statuses: BTreeMap<u16, usize>,
    elapsed: Duration,
    retry_after_missing: usize,
    /// Body and `x-amzn-ErrorType` of one 429.
    refused: Option<(String, Option<String>)>,
}

impl Outcome {
    fn admitted(&self) -> usize {
        self.statuses.get(&200).copied().unwrap_or(0)
    }
    fn sent(&self) -> usize {
        self.statuses.values().sum()
    }
}

/// `conns` kept connections spread over `addrs`, each sending `GET path` with `key` back to back
/// until `until` says stop (given requests sent and time since the start); elapsed is measured
/// from before the first request to after the last response.
async fn load(
    addrs: &[SocketAddr],
    path: &'static str,
    key: &'static str,
    conns: usize,
    duration: Option<Duration>,
    max_requests: Option<usize>,
) -> Result<Outcome, Failure> {
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conns {
        let addr = addrs[i % addrs.len()];
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut missing = 0;
            let mut refused = None;
            let mut conn = Conn::open(addr).await.map_err(|e| e.to_string())?;
            loop {
                if duration.is_some_and(|d| start.elapsed() >= d) {
                    break;
                }
                let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if max_requests.is_some_and(|m| n >= m) {
                    break;
                }
                let req = client::request(http::Method::GET, addr, path)
                    .header("x-api-key", key)
                    .body(client::TestBody::empty())
                    .map_err(|e| e.to_string())?;
                let reply = conn.send(req).await.map_err(|e| e.to_string())?;
                if reply.status == 429 && reply.header("retry-after").is_none() {
                    missing += 1;
                }
                if reply.status == 429 && refused.is_none() {
                    refused = Some((
                        reply.text(),
                        reply.header("x-amzn-errortype").map(str::to_owned),
                    ));
                }
                *statuses.entry(reply.status.as_u16()).or_default() += 1;
            }
            Ok::<_, String>((statuses, missing, refused))
        }));
    }
    let mut outcome = Outcome::default();
    for t in tasks {
        let (statuses, missing, refused) = t.await?.map_err(Failure)?;
        if outcome.refused.is_none() {
            outcome.refused = refused;
        }
        for (s, n) in statuses {
            *outcome.statuses.entry(s).or_default() += n;
        }
        outcome.retry_after_missing += missing;
    }
    outcome.elapsed = start.elapsed();
    Ok(outcome)
}

/// Checks a throttle run against `burst + rate × elapsed` with `tolerance` (0.01 = +1 %).
fn check_throttle(
    outcome: &Outcome,
    rate: f64,
    burst: f64,
    tolerance: f64,
    what: &str,
) -> TestResult {
    let allowed = burst + rate * outcome.elapsed.as_secs_f64();
    let admitted = outcome.admitted() as f64;
    println!(
        "accuracy: throttle, {what}: admitted {admitted} of {} sent in {:.3}s; allowed burst + rate × elapsed = {allowed:.1} (admitted/allowed {:.1} %); statuses {:?}",
        outcome.sent(),
        outcome.elapsed.as_secs_f64(),
        100.0 * admitted / allowed,
        outcome.statuses
    );
    let within = admitted <= allowed * (1.0 + tolerance);
    ensure!(
        within,
        "{what}: admitted {admitted} > {allowed:.1} × {}",
        1.0 + tolerance
    );
    ensure!(
        outcome.statuses.keys().all(|s| *s == 200 || *s == 429),
        "{what}: unexpected statuses {:?}",
        outcome.statuses
    );
    ensure_eq!(
        outcome.retry_after_missing,
        0,
        "{what}: 429s without Retry-After"
    );
    // Under overload (at least twice the allowance sent) the bucket is never left idle for
    // long, so nearly the whole allowance is used.
    if outcome.sent() as f64 >= 2.0 * allowed {
        let used = admitted >= 0.9 * allowed;
        ensure!(
            used,
            "{what}: admitted only {admitted} of {allowed:.1} under overload"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_accuracy_from_measured_time() -> TestResult {
    let backend = Backend::start().await?;
    let gw = start(&Target::Example("plans"), &backend.url(), &[])?;
    let check = async {
        let outcome = load(
            &[gw.addr()],
            "/pets",
            SILVER,
            8,
            Some(Duration::from_secs(5)),
            None,
        )
        .await?;
        check_throttle(
            &outcome,
            SILVER_RATE,
            SILVER_BURST,
            0.01,
            "one gateway, memory",
        )?;
        // What a refused request got: AWS's body and error type.
        let (body, error_type) = outcome.refused.ok_or("no 429 under overload")?;
        ensure_eq!(body, r#"{"message":"Too Many Requests"}"#, "throttled body");
        ensure_eq!(
            error_type.as_deref(),
            Some("TooManyRequestsException"),
            "error type"
        );
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_admits_its_limit_then_limit_exceeded() -> TestResult {
    let backend = Backend::start().await?;
    let gw = start(&Target::serve_example("plans"), &backend.url(), &[])?;
    let check = async {
        let outcome = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(GOLD_QUOTA + 50)).await?;
        println!(
            "accuracy: quota, one gateway, memory: admitted {} of limit {GOLD_QUOTA} ({} sent, {:?})",
            outcome.admitted(),
            outcome.sent(),
            outcome.statuses
        );
        ensure_eq!(outcome.admitted(), GOLD_QUOTA, "admitted");
        let reply = client::send(gw.addr(), keyed(gw.addr(), "/pets/1", Some(GOLD))?).await?;
        ensure_eq!(reply.status, 429, "after the quota");
        ensure_eq!(
            reply.text(),
            r#"{"message":"Limit Exceeded"}"#,
            "quota body"
        );
        ensure_eq!(
            reply.header("x-amzn-errortype"),
            Some("LimitExceededException"),
            "error type"
        );
        let retry: u64 = reply.header("retry-after").unwrap_or("").parse()?;
        ensure!((1..=86_400).contains(&retry), "Retry-After {retry}");
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

/// Three replicas of the generated gateway (or of `gwc serve SPEC`) on one Redis.
fn replicas(
    redis: &RedisServer,
    backend: &str,
    spec: Option<&Path>,
) -> Result<Vec<GatewayProcess>, HarnessError> {
    let target = match spec {
        Some(spec) => Target::Serve(spec.to_path_buf()),
        None => Target::Example("plans"),
    };
    plans::replicas(
        redis,
        &[target.clone(), target.clone(), target],
        backend,
        &[],
    )
}

fn annotate_all(gws: &[GatewayProcess], e: Failure) -> Failure {
    gws.iter().fold(e, |e, gw| annotate(gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_on_one_redis_hold_one_quota_and_one_throttle() -> TestResult {
    let Some(redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    let gws = replicas(&redis, &backend.url(), None)?;
    let addrs: Vec<SocketAddr> = gws.iter().map(GatewayProcess::addr).collect();
    let check = async {
        let outcome = load(&addrs, "/pets", GOLD, 12, None, Some(GOLD_QUOTA * 2)).await?;
        println!(
            "accuracy: quota, three replicas, Redis: admitted {} of limit {GOLD_QUOTA} ({} sent over 12 connections, {:?})",
            outcome.admitted(),
            outcome.sent(),
            outcome.statuses
        );
        ensure!(
            outcome.admitted() <= GOLD_QUOTA,
            "quota: admitted {} > {GOLD_QUOTA}",
            outcome.admitted()
        );
        let enough = outcome.admitted() as f64 >= GOLD_QUOTA as f64 * 0.99;
        ensure!(
            enough,
            "quota: admitted only {} of {GOLD_QUOTA}",
            outcome.admitted()
        );
        let before = redis.commands()?;
        let outcome = load(
            &addrs,
            "/pets",
            SILVER,
            12,
            Some(Duration::from_secs(5)),
            None,
        )
        .await?;
        let commands = redis.commands()? - before;
        println!(
            "Redis commands per request (3 buckets on /pets for silver): {:.3} ({commands} for {} requests)",
            commands as f64 / outcome.sent() as f64,
            outcome.sent()
        );
        check_throttle(
            &outcome,
            SILVER_RATE,
            SILVER_BURST,
            0.02,
            "three replicas, Redis",
        )?;
        // One script per request, whatever the number of limits (plus the pub/sub
        // heartbeats and a script load or two).
        let few = commands as f64 <= outcome.sent() as f64 * 1.05 + 50.0;
        ensure!(
            few,
            "{commands} Redis commands for {} requests",
            outcome.sent()
        );
        Ok(())
    };
    check.await.map_err(|e| annotate_all(&gws, e))
}

/// The example spec with `on_failure` set, written next to a copy for `gwc serve`.
fn spec_failing(mode: &str, dir: &Path) -> Result<PathBuf, HarnessError> {
    let text = std::fs::read_to_string(binaries::workspace_root().join("specs/plans/spec.yaml"))?;
    let path = dir.join(format!("plans-{mode}.yaml"));
    std::fs::write(
        &path,
        text.replace("on_failure: closed", &format!("on_failure: {mode}")),
    )?;
    Ok(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_fails_as_configured_and_recovers() -> TestResult {
    let Some(mut redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let closed = start(
        &Target::Example("plans"),
        &backend.url(),
        &["--state", &redis.url(), "--admin-listen", "127.0.0.1:0"],
    )?;
    let open = start(
        &Target::Serve(spec_failing("open", dir.path())?),
        &backend.url(),
        &["--state", &redis.url(), "--admin-listen", "127.0.0.1:0"],
    )?;
    let gws = [closed, open];
    let check = async {
        let status = |gw: &GatewayProcess| {
            let addr = gw.addr();
            async move {
                Ok::<u16, Failure>(
                    client::send(addr, keyed(addr, "/pets", Some(GOLD))?)
                        .await?
                        .status
                        .as_u16(),
                )
            }
        };
        ensure_eq!(status(&gws[0]).await?, 200, "closed, Redis up");
        ensure_eq!(status(&gws[1]).await?, 200, "open, Redis up");
        redis.kill();
        let outage = Instant::now();
        let reply = client::send(gws[0].addr(), keyed(gws[0].addr(), "/pets", Some(GOLD))?).await?;
        ensure_eq!(reply.status, 503, "closed, Redis down");
        ensure_eq!(
            reply.text(),
            r#"{"message":"Service Unavailable"}"#,
            "503 body"
        );
        ensure_eq!(status(&gws[1]).await?, 200, "open, Redis down");
        // Every request keeps failing as configured, each within the operation deadline.
        for _ in 0..20 {
            let t = Instant::now();
            ensure_eq!(status(&gws[0]).await?, 503, "closed, Redis down");
            ensure_eq!(status(&gws[1]).await?, 200, "open, Redis down");
            ensure!(
                t.elapsed() < Duration::from_secs(1),
                "a request took {:?}",
                t.elapsed()
            );
        }
        println!("outage answered as configured for {:?}", outage.elapsed());
        let admin = gws[0].admin_addr().ok_or("no admin line")?;
        let page = client::send(admin, client::get(admin, "/metrics")?)
            .await?
            .text();
        ensure!(
            page.lines()
                .any(|l| l.starts_with("gwc_plan_state_unavailable_total{") && !l.ends_with(" 0")),
            "no state-unavailable count in\n{page}"
        );
        // The metric every feature shares, on the gateway that fails open too (its clients
        // see nothing of the outage).
        let failures = page
            .lines()
            .find(|l| l.starts_with("gwc_state_failures_total{"))
            .ok_or_else(|| format!("no gwc_state_failures_total in\n{page}"))?;
        ensure!(!failures.ends_with(" 0"), "closed: {failures}");
        let admin_open = gws[1].admin_addr().ok_or("no admin line (open)")?;
        let page = client::send(admin_open, client::get(admin_open, "/metrics")?)
            .await?
            .text();
        ensure!(
            page.lines()
                .any(|l| l.starts_with("gwc_state_failures_total{") && !l.ends_with(" 0")),
            "open: no state failure count in\n{page}"
        );
        // The gateway writes its log line asynchronously: wait for it.
        for (gw, what) in [(&gws[0], "closed"), (&gws[1], "open")] {
            let logged = crate::harness::eventually(Duration::from_secs(5), || async {
                gw.stderr()
                    .contains("state backend operation failed")
                    .then_some(())
            })
            .await;
            ensure!(logged.is_some(), "{what}: no log line about the outage");
        }
        // The key check never goes to Redis (each process reads its own snapshot): an
        // unknown key is still refused, a known one admitted, while Redis is down.
        let addr = gws[1].addr();
        let unknown = client::send(
            addr,
            keyed(addr, "/pets", Some("not-a-key-0123456789abcdef"))?,
        )
        .await?;
        ensure_eq!(unknown.status, 403, "open, Redis down, unknown key");
        redis.restart()?;
        let back = Instant::now();
        let recovered = crate::harness::eventually(Duration::from_secs(10), || async {
            (status(&gws[0]).await.ok() == Some(200)).then_some(())
        })
        .await;
        ensure!(
            recovered.is_some(),
            "closed gateway did not recover within 10 s of Redis's return"
        );
        println!("recovered {:?} after Redis came back", back.elapsed());
        ensure_eq!(status(&gws[1]).await?, 200, "open, Redis back");
        Ok(())
    };
    check.await.map_err(|e| annotate_all(&gws, e))
}

/// `gwc serve SPEC` after rewriting `spec` with silver's plan rate changed (a real change, so
/// the gateway is rebuilt), once `n` reloads have been announced.
async fn reload(gw: &GatewayProcess, spec: &Path, text: &str, n: usize) -> TestResult {
    let changed = text.replace(
        "throttle: {rate: 50, burst: 10}",
        &format!("throttle: {{rate: {}, burst: 10}}", 50 + n),
    );
    ensure!(
        changed != text,
        "the example no longer has silver's throttle"
    );
    std::fs::write(spec, changed)?;
    let seen = crate::harness::eventually(Duration::from_secs(30), || async {
        (gw.stderr().matches("gwc serve: reloaded").count() >= n).then_some(())
    })
    .await;
    ensure!(seen.is_some(), "reload {n} not announced within 30 s");
    Ok(())
}

/// A quota is counted in the state, not in the gateway: spent in parts across a reload (in
/// memory), then across a reload and a restart (on Redis, the restart from `gwc serve` to the
/// generated binary), it admits its limit exactly, never a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_survives_reloads_and_a_restart() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("plans.yaml");
    let text = std::fs::read_to_string(binaries::workspace_root().join("specs/plans/spec.yaml"))?;
    std::fs::write(&spec, &text)?;
    let gw = start(&Target::Serve(spec.clone()), &backend.url(), &[])?;
    let check = async {
        let before = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(100)).await?;
        ensure_eq!(before.admitted(), 100, "memory, before the reload");
        reload(&gw, &spec, &text, 1).await?;
        let after = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(GOLD_QUOTA)).await?;
        println!(
            "quota across a reload, memory: 100 before, {} after ({:?}), limit {GOLD_QUOTA}",
            after.admitted(),
            after.statuses
        );
        ensure_eq!(
            after.admitted(),
            GOLD_QUOTA - 100,
            "memory, after the reload"
        );
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    drop(gw);

    let Some(redis) = RedisServer::start()? else {
        return Ok(());
    };
    std::fs::write(&spec, &text)?;
    let url = redis.url();
    let gw = start(
        &Target::Serve(spec.clone()),
        &backend.url(),
        &["--state", &url],
    )?;
    let check = async {
        let before = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(100)).await?;
        ensure_eq!(before.admitted(), 100, "Redis, before the reload");
        reload(&gw, &spec, &text, 1).await?;
        let between = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(50)).await?;
        ensure_eq!(between.admitted(), 50, "Redis, after the reload");
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    drop(gw);
    let gw = start(
        &Target::Example("plans"),
        &backend.url(),
        &["--state", &url],
    )?;
    let check = async {
        let after = load(&[gw.addr()], "/pets", GOLD, 4, None, Some(GOLD_QUOTA)).await?;
        println!(
            "quota across a reload and a restart, Redis: 150 before, {} after ({:?}), limit {GOLD_QUOTA}",
            after.admitted(),
            after.statuses
        );
        ensure_eq!(
            after.admitted(),
            GOLD_QUOTA - 150,
            "Redis, after the restart"
        );
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}
