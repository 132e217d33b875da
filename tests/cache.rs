//! The response cache end to end on the `plans` example's `/catalog/{id}` (keyed by the path
//! parameter and `lang`): hits over TCP that never reach the backend, no poisoning through
//! unkeyed headers or query parameters, `Cache-Control: max-age=0`, the hit/miss counters, and
//! two replicas sharing one Redis (a response cached by one is a hit on the other).

use crate::harness::client::{self, Conn, Reply};
use crate::harness::process::GatewayProcess;
use crate::harness::redis::RedisServer;
use crate::harness::{Backend, Failure, Target, TestResult, annotate, binaries, plans};

/// A `plans` gateway (the example's keys must resolve even though the cached route needs
/// none).
fn start(target: &Target, backend: &str, extra: &[&str]) -> Result<GatewayProcess, Failure> {
    Ok(plans::start(target, backend, extra)?)
}

async fn get(
    conn: &mut Conn,
    gw: &GatewayProcess,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Reply, Failure> {
    let mut req = client::request(http::Method::GET, gw.addr(), path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    Ok(conn.send(req.body(client::TestBody::empty())?).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hits_skip_the_backend_and_unkeyed_values_never_change_them() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("plans"), Target::serve_example("plans")] {
        let gw = start(&target, &backend.url(), &["--admin-listen", "127.0.0.1:0"])?;
        let check = async {
            let mut conn = Conn::open(gw.addr()).await?;
            let before = backend.requests();
            let first = get(&mut conn, &gw, "/catalog/7?cookies=0&lang=en", &[]).await?;
            ensure_eq!(first.status, 200, "first");
            ensure_eq!(first.header("x-cache"), Some("Miss"), "first");
            ensure_eq!(
                backend.requests(),
                before + 1,
                "the miss reached the backend"
            );
            // An unkeyed header and query parameter: served the first response, unchanged.
            let second = get(
                &mut conn,
                &gw,
                "/catalog/7?cookies=0&lang=en&evil=1",
                &[("x-evil", "poison"), ("accept", "text/html")],
            )
            .await?;
            ensure_eq!(second.header("x-cache"), Some("Hit"), "second");
            ensure_eq!(second.body, first.body, "a hit serves the stored body");
            ensure!(
                !second.text().contains("poison"),
                "an unkeyed header reached the entry"
            );
            ensure_eq!(
                backend.requests(),
                before + 1,
                "the hit did not reach the backend"
            );
            // Keyed values have their own entries.
            let other = get(&mut conn, &gw, "/catalog/7?cookies=0&lang=fr", &[]).await?;
            ensure_eq!(other.header("x-cache"), Some("Miss"), "lang=fr");
            ensure!(
                other.text().contains("lang=fr"),
                "lang=fr served {}",
                other.text()
            );
            // A client may refresh (this spec lets anyone).
            let refreshed = get(
                &mut conn,
                &gw,
                "/catalog/7?cookies=0&lang=en",
                &[("cache-control", "max-age=0")],
            )
            .await?;
            ensure_eq!(refreshed.header("x-cache"), Some("Miss"), "max-age=0");
            ensure_eq!(
                backend.requests(),
                before + 3,
                "the refresh reached the backend"
            );
            let again = get(&mut conn, &gw, "/catalog/7?cookies=0&lang=en", &[]).await?;
            ensure_eq!(again.header("x-cache"), Some("Hit"), "after the refresh");
            // Responses that set a cookie are never stored.
            for _ in 0..2 {
                let r = get(&mut conn, &gw, "/catalog/9?lang=en", &[]).await?;
                ensure_eq!(
                    r.header("x-cache"),
                    Some("Miss"),
                    "a Set-Cookie response is never a hit"
                );
            }
            // Error responses are not stored.
            for _ in 0..2 {
                let r = get(&mut conn, &gw, "/catalog/8?cookies=0&status=503", &[]).await?;
                ensure_eq!(r.header("x-cache"), Some("Miss"), "a 503 is never a hit");
            }
            let admin = gw.admin_addr().ok_or("no admin line")?;
            let page = client::send(admin, client::get(admin, "/metrics")?)
                .await?
                .text();
            let hits = page
                .lines()
                .find(|l| l.starts_with("gwc_cache_hits_total{") && l.contains("/catalog/{id}"))
                .ok_or_else(|| format!("no cache hit series in\n{page}"))?;
            ensure!(hits.ends_with(" 2"), "hits: {hits}");
            let misses = page
                .lines()
                .find(|l| l.starts_with("gwc_cache_misses_total{") && l.contains("/catalog/{id}"))
                .ok_or("no cache miss series")?;
            ensure!(misses.ends_with(" 7"), "misses: {misses}");
            Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_redis_share_entries() -> TestResult {
    let Some(redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    let [a, b]: [GatewayProcess; 2] = plans::replicas(
        &redis,
        &[Target::Example("plans"), Target::Example("plans")],
        &backend.url(),
        &[],
    )?
    .try_into()
    .map_err(|_| Failure("two replicas".to_owned()))?;
    let check = async {
        let before = backend.requests();
        let mut on_a = Conn::open(a.addr()).await?;
        let first = get(&mut on_a, &a, "/catalog/42?cookies=0&lang=en", &[]).await?;
        ensure_eq!(first.header("x-cache"), Some("Miss"), "on a");
        // The entry is written once the body has gone out. Asking b before it lands would
        // make b a miss that stores its own entry (as it should), so wait for a's entry in
        // Redis first; then one request to b must hit it.
        let stored = crate::harness::eventually(std::time::Duration::from_secs(5), || async {
            (redis.keys_matching("*:c:*").ok()? > 0).then_some(())
        })
        .await;
        ensure_eq!(stored, Some(()), "a's entry reached Redis");
        let mut on_b = Conn::open(b.addr()).await?;
        let hit = get(&mut on_b, &b, "/catalog/42?cookies=0&lang=en", &[]).await?;
        ensure_eq!(hit.header("x-cache"), Some("Hit"), "b hits a's entry");
        ensure_eq!(hit.body, first.body, "b serves what a stored");
        ensure_eq!(
            backend.requests(),
            before + 1,
            "one backend call for both replicas"
        );
        let again = get(&mut on_b, &b, "/catalog/42?cookies=0&lang=en", &[]).await?;
        ensure_eq!(again.header("x-cache"), Some("Hit"), "b again");
        Ok(())
    };
    check.await.map_err(|e| annotate(&b, annotate(&a, e)))
}

/// Runs `gwc cache --admin URL flush` and returns what it printed.
fn flush_cli(gw: &GatewayProcess) -> Result<String, Failure> {
    let admin = gw
        .admin_addr()
        .ok_or_else(|| Failure("no admin listener".to_owned()))?;
    let out = std::process::Command::new(binaries::gwc()?)
        .args(["cache", "--admin", &format!("http://{admin}"), "flush"])
        .output()?;
    ensure!(
        out.status.success(),
        "gwc cache flush failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_misses_makes_one_backend_call_and_a_flush_empties_the_cache() -> TestResult {
    let backend = Backend::start().await?;
    for target in [Target::Example("plans"), Target::serve_example("plans")] {
        let gw = start(&target, &backend.url(), &["--admin-listen", "127.0.0.1:0"])?;
        let check = async {
            // 100 connections open first, then 100 concurrent misses on one key, answered by
            // a backend that takes 300 ms: the first leads, the others wait for its entry.
            let path = "/catalog/77?cookies=0&lang=en&delay_ms=300";
            let mut conns = Vec::new();
            for _ in 0..100 {
                conns.push(Conn::open(gw.addr()).await?);
            }
            let before = backend.requests();
            let mut tasks = Vec::new();
            for mut conn in conns {
                let addr = gw.addr();
                tasks.push(tokio::spawn(async move {
                    let req = client::request(http::Method::GET, addr, path)
                        .body(client::TestBody::empty())
                        .map_err(|e| e.to_string())?;
                    let reply = conn.send(req).await.map_err(|e| e.to_string())?;
                    Ok::<_, String>((
                        reply.status.as_u16(),
                        reply.header("x-cache").map(str::to_owned),
                        reply.body,
                    ))
                }));
            }
            let mut replies = Vec::new();
            for t in tasks {
                replies.push(t.await?.map_err(Failure)?);
            }
            let calls = backend.requests() - before;
            let misses = replies
                .iter()
                .filter(|r| r.1.as_deref() == Some("Miss"))
                .count();
            println!(
                "coalescing: 100 concurrent misses → {calls} backend call(s), {misses} Miss, {} Hit",
                100 - misses
            );
            ensure!(
                replies.iter().all(|r| r.0 == 200),
                "statuses: {:?}",
                replies.iter().map(|r| r.0).collect::<Vec<_>>()
            );
            ensure_eq!(calls, 1, "backend calls for 100 concurrent misses");
            ensure_eq!(misses, 1, "one leader");
            ensure!(
                replies.iter().all(|r| r.2 == replies[0].2),
                "every waiter got the leader's body"
            );

            let mut conn = Conn::open(gw.addr()).await?;
            let hit = get(&mut conn, &gw, "/catalog/77?cookies=0&lang=en", &[]).await?;
            ensure_eq!(hit.header("x-cache"), Some("Hit"), "before the flush");
            let printed = flush_cli(&gw)?;
            ensure!(printed.starts_with("flushed"), "{printed}");
            let before = backend.requests();
            // A fresh connection: the gateway may have closed the idle one meanwhile.
            let mut conn = Conn::open(gw.addr()).await?;
            let after = get(&mut conn, &gw, "/catalog/77?cookies=0&lang=en", &[]).await?;
            ensure_eq!(after.header("x-cache"), Some("Miss"), "after the flush");
            ensure_eq!(
                backend.requests(),
                before + 1,
                "the flush sent it to the backend"
            );
            Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flush_on_one_replica_empties_the_redis_cache_for_all() -> TestResult {
    let Some(redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    let [a, b]: [GatewayProcess; 2] = plans::replicas(
        &redis,
        &[Target::Example("plans"), Target::serve_example("plans")],
        &backend.url(),
        &["--admin-listen", "127.0.0.1:0"],
    )?
    .try_into()
    .map_err(|_| Failure("two replicas".to_owned()))?;
    let check = async {
        let path = "/catalog/5?cookies=0&lang=fr";
        let mut on_a = Conn::open(a.addr()).await?;
        ensure_eq!(
            get(&mut on_a, &a, path, &[]).await?.header("x-cache"),
            Some("Miss"),
            "a"
        );
        let b_ref = &b;
        let hit = crate::harness::eventually(std::time::Duration::from_secs(5), || async move {
            let mut conn = Conn::open(b_ref.addr()).await.ok()?;
            let r = get(&mut conn, b_ref, path, &[]).await.ok()?;
            (r.header("x-cache") == Some("Hit")).then_some(())
        })
        .await;
        ensure!(hit.is_some(), "b never hit a's entry");
        let printed = flush_cli(&a)?;
        ensure!(printed.contains("flushed 1 entries"), "{printed}");
        let mut on_b = Conn::open(b.addr()).await?;
        ensure_eq!(
            get(&mut on_b, &b, path, &[]).await?.header("x-cache"),
            Some("Miss"),
            "b after a's flush"
        );
        Ok(())
    };
    check.await.map_err(|e| annotate(&b, annotate(&a, e)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hit_is_served_as_stored_without_mapping_it_again() -> TestResult {
    // The plans example with a response mapping on the cached route, served by `gwc serve`.
    let text = std::fs::read_to_string(binaries::workspace_root().join("specs/plans/spec.yaml"))?;
    let mapped = text.replace(
        "        uri: \"${stageVariables.backend}/catalog/{id}\"\n",
        "        uri: \"${stageVariables.backend}/catalog/{id}\"\n        response_headers:\n          set: {x-served-by: \"plans ($response.header.x-backend)\"}\n          remove: [x-backend]\n",
    );
    ensure!(mapped != text, "the fixture did not apply");
    let dir = std::env::temp_dir().join(format!("gwc-e2e-cache-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let spec = dir.join("plans-mapped.yaml");
    std::fs::write(&spec, mapped)?;
    let backend = Backend::start().await?;
    let gw = start(&Target::Serve(spec), &backend.url(), &[])?;
    let check = async {
        let mut conn = Conn::open(gw.addr()).await?;
        let path = "/catalog/8?cookies=0&lang=en";
        let miss = get(&mut conn, &gw, path, &[]).await?;
        ensure_eq!(miss.header("x-cache"), Some("Miss"), "first");
        ensure_eq!(
            miss.header("x-served-by"),
            Some("plans (gwc-e2e)"),
            "mapped on the miss"
        );
        ensure_eq!(miss.header("x-backend"), None, "removed on the miss");
        let hit = get(&mut conn, &gw, path, &[]).await?;
        ensure_eq!(hit.header("x-cache"), Some("Hit"), "second");
        ensure_eq!(
            hit.header("x-served-by"),
            Some("plans (gwc-e2e)"),
            "the hit keeps the stored mapping (it is not mapped again)"
        );
        Ok(())
    };
    let result = check.await.map_err(|e| annotate(&gw, e));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// The cache on Redis when Redis is killed: every request is still served (a state failure is
/// a miss, whatever `on_failure` says: a cache never refuses), straight from the backend, with
/// a log line and `gwc_state_failures_total` counting it; once Redis is back, entries are
/// stored and hit again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_killed_the_cache_serves_misses_and_recovers() -> TestResult {
    let Some(mut redis) = RedisServer::start()? else {
        return Ok(());
    };
    let backend = Backend::start().await?;
    // The plans example fails closed (its throttles answer 503 without Redis); the cache
    // always fails open, which this test is about, so the spec is served failing open.
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("spec.yaml");
    let text = std::fs::read_to_string(binaries::workspace_root().join("specs/plans/spec.yaml"))?;
    ensure!(
        text.contains("on_failure: closed"),
        "specs/plans/spec.yaml no longer fails closed: update this test"
    );
    std::fs::write(
        &spec,
        text.replace("on_failure: closed", "on_failure: open"),
    )?;
    let gw = start(
        &Target::Serve(spec),
        &backend.url(),
        &["--state", &redis.url(), "--admin-listen", "127.0.0.1:0"],
    )?;
    let path = "/catalog/5?cookies=0&lang=en";
    // A hit on a fresh connection each time (the entry is written after the body went out).
    let hit = |gw: &GatewayProcess| {
        let addr = gw.addr();
        async move {
            let mut conn = Conn::open(addr).await?;
            let req =
                client::request(http::Method::GET, addr, path).body(client::TestBody::empty())?;
            let r = conn.send(req).await?;
            Ok::<_, Failure>((r.status.as_u16(), r.header("x-cache") == Some("Hit")))
        }
    };
    let check = async {
        ensure_eq!(hit(&gw).await?, (200, false), "first request, Redis up");
        let stored = crate::harness::eventually(std::time::Duration::from_secs(5), || async {
            (hit(&gw).await.ok()? == (200, true)).then_some(())
        })
        .await;
        ensure!(stored.is_some(), "never a hit with Redis up");

        redis.kill();
        let before = backend.requests();
        for i in 0..5 {
            ensure_eq!(hit(&gw).await?, (200, false), "request {i}, Redis down");
        }
        ensure_eq!(
            backend.requests(),
            before + 5,
            "every request went to the backend while Redis was down"
        );
        let admin = gw.admin_addr().ok_or("no admin line")?;
        let counted = crate::harness::eventually(std::time::Duration::from_secs(5), || async {
            let page = client::send(admin, client::get(admin, "/metrics").ok()?)
                .await
                .ok()?
                .text();
            page.lines()
                .find(|l| l.starts_with("gwc_state_failures_total{") && !l.ends_with(" 0"))
                .map(str::to_owned)
        })
        .await;
        ensure!(counted.is_some(), "no gwc_state_failures_total count");
        let logged = crate::harness::eventually(std::time::Duration::from_secs(5), || async {
            gw.stderr()
                .contains("state backend operation failed")
                .then_some(())
        })
        .await;
        ensure!(logged.is_some(), "no log line about the outage");
        println!(
            "cache, Redis down: 5 of 5 served as misses (200), {}",
            counted.unwrap_or_default()
        );

        redis.restart()?;
        let back = std::time::Instant::now();
        let recovered = crate::harness::eventually(std::time::Duration::from_secs(10), || async {
            (hit(&gw).await.ok()? == (200, true)).then_some(())
        })
        .await;
        ensure!(recovered.is_some(), "no hit within 10 s of Redis's return");
        println!(
            "cache hits again {:?} after Redis came back",
            back.elapsed()
        );
        Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}
