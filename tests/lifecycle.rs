//! Graceful shutdown: SIGTERM while requests are in flight (one waiting for a slow backend's
//! head, one whose body pauses half-way) lets both finish, idle keep-alive connections do not
//! hold the process up, and the process exits 0.

use std::time::Duration;

use crate::harness::client::{self, Conn};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_exits_0() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let mut gw = target.start(&backend.url(), &[])?;
        let result = sigterm(&mut gw, &backend).await;
        result.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn sigterm(gw: &mut GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let before = backend.requests();

    // An idle keep-alive connection: it must not keep the gateway alive.
    let mut idle = Conn::open(addr).await?;
    ensure_eq!(
        idle.send(client::get(addr, "/status")?).await?.status,
        200,
        "idle warm-up"
    );

    // In flight 1: the backend answers its head only after 1.5 s.
    let slow = tokio::spawn(async move {
        client::send(addr, client::get(addr, "/pets/slow?delay_ms=1500")?).await
    });
    // In flight 2: the head arrives at once, the body pauses for 1.5 s half-way.
    let mut conn = Conn::open(addr).await?;
    let paused = conn
        .send_streaming(client::get(addr, "/pets/paused?body_delay_ms=1500")?)
        .await?;
    let both_arrived = eventually(Duration::from_secs(5), || async {
        (backend.requests() >= before + 2).then_some(())
    })
    .await;
    ensure!(
        both_arrived.is_some(),
        "the in-flight requests never reached the backend"
    );

    gw.terminate()?;

    let reply = tokio::time::timeout(Duration::from_secs(10), slow)
        .await
        .map_err(|_| "the slow request did not finish after SIGTERM")???;
    ensure_eq!(reply.status, 200, "slow request after SIGTERM");
    ensure_eq!(reply.json()?["path"], "/pets/slow", "slow request body");

    let reply = tokio::time::timeout(Duration::from_secs(10), client::collect(paused))
        .await
        .map_err(|_| "the paused body did not finish after SIGTERM")??;
    ensure_eq!(reply.status, 200, "paused response after SIGTERM");
    ensure_eq!(
        reply.json()?["path"],
        "/pets/paused",
        "paused body complete"
    );

    let status = gw.wait_exit(Duration::from_secs(10)).await?;
    ensure!(status.success(), "exit status after SIGTERM: {status}");
    drop(idle);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_listener_answers_healthz() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &["--admin-listen", "127.0.0.1:0"])?;
        let check = async {
            let admin = gw
                .admin_addr()
                .ok_or("no `admin listening on http://ADDR` line")?;
            ensure!(admin != gw.addr(), "the admin listener has its own port");
            let reply = client::send(admin, client::get(admin, "/healthz")?).await?;
            ensure_eq!(reply.status, 200, "GET /healthz on the admin listener");
            // The API port does not serve admin paths.
            let reply = client::send(gw.addr(), client::get(gw.addr(), "/healthz")?).await?;
            ensure_eq!(reply.status, 404, "GET /healthz on the API listener");
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}
