//! Bodies stream and connections are reused: a 1 GiB download and a 1 GiB upload pass through
//! the gateway while its resident memory grows by less than 64 MiB, and 100 sequential requests
//! travel over one backend connection. The figures (throughput, RSS) are printed so that
//! `cargo test -- --nocapture` doubles as a measurement.

use std::time::{Duration, Instant};

use http::Method;

use crate::harness::client::{self, Conn, TestBody, drain};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate};

const GIB: u64 = 1 << 30;
/// The most a gateway's RSS may grow while 1 GiB streams through it.
const RSS_BUDGET: u64 = 64 << 20;
/// Bound on one 1 GiB transfer (debug builds on a busy 2-core machine included).
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(300);

fn mib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 20)
}

/// Prints the measurement and checks the RSS budget.
fn check_rss(
    gw: &GatewayProcess,
    what: &str,
    took: Duration,
    baseline: u64,
    peak: u64,
) -> crate::harness::TestResult {
    let growth = peak.saturating_sub(baseline);
    eprintln!(
        "[measure] {}: {what}: 1 GiB in {:.2} s ({:.0} MiB/s); RSS {:.1} MiB before, peak {:.1} MiB (+{:.1} MiB)",
        gw.what(),
        took.as_secs_f64(),
        1024.0 / took.as_secs_f64(),
        mib(baseline),
        mib(peak),
        mib(growth),
    );
    ensure!(
        growth < RSS_BUDGET,
        "{what}: RSS grew by {:.1} MiB (budget {:.0} MiB)",
        mib(growth),
        mib(RSS_BUDGET)
    );
    Ok(())
}

/// The same 1 GiB transfer straight to the backend, without a gateway: the baseline that the
/// printed gateway figures are compared with (client and backend cost included in both).
async fn direct(backend: &Backend, upload: bool) -> TestResult<Duration> {
    let addr = backend.addr();
    let mut conn = Conn::open(addr).await?;
    let started = Instant::now();
    if upload {
        let req = client::request(Method::POST, addr, "/direct").body(TestBody::sized(GIB))?;
        ensure_eq!(
            conn.send(req).await?.json()?["body_len"],
            GIB,
            "direct upload"
        );
    } else {
        let resp = conn
            .send_streaming(client::get(addr, &format!("/direct?download={GIB}"))?)
            .await?;
        ensure_eq!(drain(resp.into_body()).await?, GIB, "direct download");
    }
    let took = started.elapsed();
    eprintln!(
        "[measure] direct to the backend (no gateway): {}: 1 GiB in {:.2} s",
        if upload { "upload" } else { "download" },
        took.as_secs_f64()
    );
    Ok(took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_download_streams_with_bounded_memory() -> TestResult {
    let backend = Backend::start().await?;
    direct(&backend, false).await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        download(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn download(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    // Warm up: the upstream connection and the allocator's arenas exist before the baseline.
    let warm = conn
        .send(client::get(addr, "/files/warm.bin?download=4194304")?)
        .await?;
    ensure_eq!(warm.body.len(), 4 << 20, "warm-up download");
    let baseline = gw.rss_bytes()?;

    let started = Instant::now();
    let transfer = async {
        let resp = conn
            .send_streaming(client::get(
                addr,
                &format!("/files/big.bin?download={GIB}"),
            )?)
            .await?;
        ensure_eq!(resp.status(), 200, "status");
        let length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        ensure_eq!(
            length,
            Some(GIB.to_string()),
            "Content-Length passes through"
        );
        let received = drain(resp.into_body()).await?;
        ensure_eq!(received, GIB, "bytes received");
        TestResult::Ok(())
    };
    tokio::time::timeout(TRANSFER_TIMEOUT, transfer)
        .await
        .map_err(|_| format!("1 GiB download not done within {TRANSFER_TIMEOUT:?}"))??;
    let took = started.elapsed();
    check_rss(gw, "download", took, baseline, gw.peak_rss_bytes()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_gib_upload_streams_with_bounded_memory() -> TestResult {
    let backend = Backend::start().await?;
    direct(&backend, true).await?;
    // petstore's `max_body` is 10 MiB; the transfer example allows 2 GiB.
    for target in Target::transfer() {
        let gw = target.start(&backend.url(), &[])?;
        upload(&gw, &backend).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn upload(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let req = client::request(Method::POST, addr, "/files/warm").body(TestBody::sized(4 << 20))?;
    ensure_eq!(
        conn.send(req).await?.json()?["body_len"],
        4 << 20,
        "warm-up upload"
    );
    let baseline = gw.rss_bytes()?;

    for (how, body) in [
        ("upload (Content-Length)", TestBody::sized(GIB)),
        ("upload (chunked)", TestBody::chunked(GIB)),
    ] {
        let before = backend.bytes_received();
        let started = Instant::now();
        let req = client::request(Method::POST, addr, "/files/upload.bin").body(body)?;
        let reply = tokio::time::timeout(TRANSFER_TIMEOUT, async {
            let resp = conn.send_streaming(req).await?;
            client::collect(resp).await
        })
        .await
        .map_err(|_| format!("1 GiB {how} not done within {TRANSFER_TIMEOUT:?}"))??;
        let took = started.elapsed();
        ensure_eq!(reply.status, 200, "{how}: status");
        ensure_eq!(
            reply.json()?["body_len"],
            GIB,
            "{how}: bytes at the backend"
        );
        ensure_eq!(
            backend.bytes_received() - before,
            GIB,
            "{how}: backend count"
        );
        check_rss(gw, how, took, baseline, gw.peak_rss_bytes()?)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_requests_reuse_one_backend_connection() -> TestResult {
    for target in Target::petstore() {
        // One kept client connection.
        let backend = Backend::start().await?;
        let gw = target.start(&backend.url(), &[])?;
        kept_client_connection(&gw, &backend)
            .await
            .map_err(|e| annotate(&gw, e))?;
        drop(gw);

        // A new client connection per request: the upstream connection still outlives them.
        // One worker, because each worker keeps its own upstream connections.
        let backend = Backend::start().await?;
        let gw = target.start(&backend.url(), &["--workers", "1"])?;
        fresh_client_connections(&gw, &backend)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn kept_client_connection(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    for i in 0..100 {
        let path = format!("/pets/{i}");
        let reply = conn.send(client::get(addr, &path)?).await?;
        ensure_eq!(reply.status, 200, "request {i}");
        ensure_eq!(reply.json()?["path"], path.as_str(), "request {i}: path");
    }
    ensure_eq!(backend.requests(), 100, "backend requests");
    ensure_eq!(
        backend.connections(),
        1,
        "backend connections for 100 requests"
    );
    Ok(())
}

async fn fresh_client_connections(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    for i in 0..100 {
        let reply = client::send(addr, client::get(addr, &format!("/pets?i={i}"))?).await?;
        ensure_eq!(reply.status, 200, "request {i}");
    }
    ensure_eq!(backend.requests(), 100, "backend requests");
    ensure_eq!(
        backend.connections(),
        1,
        "backend connections for 100 requests on 100 client connections"
    );
    Ok(())
}
