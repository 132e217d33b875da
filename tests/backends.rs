//! The harness's own backends and client, checked directly (no gateway in between), so that a
//! failure in a gateway test cannot be a broken fixture.

use http::Method;

use crate::harness::backend::{BackendOptions, echoed_header};
use crate::harness::client::{self, Conn, TestBody, drain};
use crate::harness::{Backend, ClosedPort, TestResult};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_reports_method_path_query_headers_and_body_length() -> TestResult {
    let backend = Backend::start().await?;
    let req = client::request(Method::PUT, backend.addr(), "/a/b%20c?x=1&y")
        .header("x-one", "1")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .body(TestBody::full("hello"))?;
    let reply = client::send(backend.addr(), req).await?;
    ensure_eq!(reply.status, 200, "status");
    let echo = reply.json()?;
    ensure_eq!(echo["method"], "PUT", "method");
    ensure_eq!(echo["path"], "/a/b%20c", "path");
    ensure_eq!(echo["query"], "x=1&y", "query");
    ensure_eq!(echo["body_len"], 5, "body length");
    ensure_eq!(echoed_header(&echo, "x-one").as_deref(), Some("1"), "x-one");
    ensure_eq!(
        echoed_header(&echo, "x-multi").as_deref(),
        Some("a, b"),
        "x-multi"
    );
    ensure_eq!(
        reply.headers.get_all("set-cookie").iter().count(),
        2,
        "set-cookie"
    );
    ensure_eq!(backend.connections(), 1, "connections");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_counted_and_kept_alive() -> TestResult {
    let backend = Backend::start().await?;
    let mut conn = Conn::open(backend.addr()).await?;
    for _ in 0..5 {
        let reply = conn.send(client::get(backend.addr(), "/")?).await?;
        ensure_eq!(reply.status, 200, "status");
    }
    client::send(backend.addr(), client::get(backend.addr(), "/")?).await?;
    ensure_eq!(backend.requests(), 6, "requests");
    ensure_eq!(
        backend.connections(),
        2,
        "one kept connection plus one fresh one"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_upload_delay_and_status_work() -> TestResult {
    let backend = Backend::start_with(BackendOptions {
        delay: std::time::Duration::from_millis(200),
    })
    .await?;
    let mut conn = Conn::open(backend.addr()).await?;

    let resp = conn
        .send_streaming(client::get(backend.addr(), "/d?download=1000003")?)
        .await?;
    ensure_eq!(
        resp.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some("1000003"),
        "content-length"
    );
    ensure_eq!(
        drain(resp.into_body()).await?,
        1_000_003,
        "downloaded bytes"
    );

    let req =
        client::request(Method::POST, backend.addr(), "/u").body(TestBody::chunked(3_000_001))?;
    let echo = conn.send(req).await?.json()?;
    ensure_eq!(echo["body_len"], 3_000_001, "uploaded bytes");
    ensure_eq!(
        echoed_header(&echo, "transfer-encoding").as_deref(),
        Some("chunked"),
        "chunked upload"
    );

    let started = std::time::Instant::now();
    let reply = conn
        .send(client::get(backend.addr(), "/s?delay_ms=400&status=418")?)
        .await?;
    ensure_eq!(reply.status, 418, "status override");
    ensure!(started.elapsed().as_millis() >= 400, "delay_ms honoured");

    let started = std::time::Instant::now();
    let resp = conn
        .send_streaming(client::get(backend.addr(), "/s?body_delay_ms=300")?)
        .await?;
    let head_after = started.elapsed();
    let reply = client::collect(resp).await?;
    ensure!(
        started.elapsed() >= head_after + std::time::Duration::from_millis(250),
        "body paused mid-way"
    );
    ensure_eq!(reply.json()?["path"], "/s", "complete body after the pause");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_port_refuses_connections() -> TestResult {
    let port = ClosedPort::new()?;
    let addr = port.url().trim_start_matches("http://").parse()?;
    let err = tokio::net::TcpStream::connect::<std::net::SocketAddr>(addr).await;
    ensure!(err.is_err(), "connecting to a closed port must fail");
    Ok(())
}
