//! The response cache end to end on the `plans` example's `/catalog/{id}` (keyed by the path
//! parameter and `lang`): hits over TCP that never reach the backend, no poisoning through
//! unkeyed headers or query parameters, `Cache-Control: max-age=0`, the hit/miss counters, and
//! two replicas sharing one Redis (a response cached by one is a hit on the other).

use crate::harness::client::{self, Conn, Reply};
use crate::harness::process::GatewayProcess;
use crate::harness::redis::RedisServer;
use crate::harness::{Backend, Failure, Target, TestResult, annotate, binaries};

fn start(target: &Target, backend: &str, extra: &[&str]) -> Result<GatewayProcess, Failure> {
    let mut cmd = match target {
        Target::Example(name) => std::process::Command::new(binaries::example_gateway(name)?),
        Target::Serve(spec) => {
            let mut cmd = std::process::Command::new(binaries::gwc()?);
            cmd.arg("serve").arg(spec);
            cmd
        }
    };
    cmd.arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--stage-variable")
        .arg(format!("backend={backend}"))
        .args(["--access-log", "off"])
        .args(extra)
        // The example's keys must resolve even though the cached route needs none.
        .env("GWC_GOLD_KEY", "gold-0123456789abcdefghij")
        .env("GWC_SILVER_KEY", "silver-0123456789abcdefghij")
        .env("GWC_RETIRED_KEY", "retired-0123456789abcdefghij");
    Ok(GatewayProcess::spawn(cmd, target.label())?)
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
    let a = start(
        &Target::Example("plans"),
        &backend.url(),
        &["--state", &redis.url()],
    )?;
    let b = start(
        &Target::Example("plans"),
        &backend.url(),
        &["--state", &redis.url()],
    )?;
    let check = async {
        let before = backend.requests();
        let mut on_a = Conn::open(a.addr()).await?;
        let first = get(&mut on_a, &a, "/catalog/42?cookies=0&lang=en", &[]).await?;
        ensure_eq!(first.header("x-cache"), Some("Miss"), "on a");
        // The entry is written once the body has gone out; give Redis a moment.
        let mut on_b = Conn::open(b.addr()).await?;
        let hit = crate::harness::eventually(std::time::Duration::from_secs(5), || {
            let b = &b;
            async move {
                let mut conn = Conn::open(b.addr()).await.ok()?;
                let r = get(&mut conn, b, "/catalog/42?cookies=0&lang=en", &[])
                    .await
                    .ok()?;
                (r.header("x-cache") == Some("Hit")).then_some(r)
            }
        })
        .await
        .ok_or("replica b never hit the entry replica a stored")?;
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
