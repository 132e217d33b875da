//! Errors the gateway answers itself, over TCP: JSON 404/405 for unknown routes and methods,
//! 502 when the backend is down, 504 when it is slower than the route's timeout, 413 over
//! `max_body` (announced and chunked), 431 for oversized heads, slow clients cut off, and a
//! request id on every response, errors included.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gwc_ir::ErrorType;
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::client::{self, Conn, Reply, TestBody};
use crate::harness::{Backend, ClosedPort, GatewayProcess, Target, TestResult, annotate};

/// The request id header every response carries.
const REQUEST_ID: &str = "x-request-id";

/// Checks the JSON error shape: `application/json` with `{"message": …}`, and the message when
/// one is given (AWS's default wording, from `gwc_ir` so the tests and the runtime share it).
fn ensure_json_error(reply: &Reply, status: u16, message: Option<&str>, what: &str) -> TestResult {
    ensure_eq!(
        reply.status,
        status,
        "{what}: status (body {:?})",
        reply.text()
    );
    ensure!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{what}: content-type {:?}",
        reply.header("content-type")
    );
    let json = reply.json()?;
    let got = json["message"].as_str();
    ensure!(
        got.is_some_and(|m| !m.is_empty()),
        "{what}: no message in {json}"
    );
    if let Some(message) = message {
        ensure_eq!(got, Some(message), "{what}: message");
    }
    ensure!(
        reply.header(REQUEST_ID).is_some(),
        "{what}: no {REQUEST_ID}"
    );
    ensure!(
        reply.header("x-amzn-errortype").is_some(),
        "{what}: no x-amzn-ErrorType"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_are_404_and_other_methods_405() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        not_found_and_not_allowed(&gw)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(backend.requests(), 0, "no error reached the backend");
    Ok(())
}

async fn not_found_and_not_allowed(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    for path in ["/nope", "/pets/1/extra", "/", "/files", "/petsx"] {
        let reply = conn.send(client::get(addr, path)?).await?;
        ensure_json_error(
            &reply,
            404,
            Some(ErrorType::ResourceNotFound.message()),
            &format!("GET {path}"),
        )?;
    }
    for (method, path, allowed) in [
        (Method::PUT, "/pets/1", &["GET", "DELETE"][..]),
        (Method::DELETE, "/pets", &["GET", "POST"][..]),
        (Method::POST, "/status", &["GET"][..]),
    ] {
        let req = client::request(method.clone(), addr, path).body(TestBody::empty())?;
        let reply = conn.send(req).await?;
        let what = format!("{method} {path}");
        ensure_json_error(
            &reply,
            405,
            Some(ErrorType::MethodNotAllowed.message()),
            &what,
        )?;
        let allow: BTreeSet<String> = reply
            .header("allow")
            .unwrap_or("")
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        for m in allowed {
            ensure!(allow.contains(*m), "{what}: Allow {allow:?} lacks {m}");
        }
    }
    // Dot segments are refused before routing, so `..` cannot climb out of a greedy route.
    for path in ["/files/../pets", "/files/./a", "/files/%2e%2e/pets"] {
        let reply = conn.send(client::get(addr, path)?).await?;
        ensure_json_error(&reply, 400, None, &format!("GET {path}"))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_down_is_502_fast() -> TestResult {
    let down = ClosedPort::new()?;
    for target in Target::petstore() {
        let gw = target.start(&down.url(), &[])?;
        backend_down(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn backend_down(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    for path in ["/pets", "/pets/1", "/files/a/b"] {
        let started = Instant::now();
        let reply = conn.send(client::get(addr, path)?).await?;
        ensure_json_error(&reply, 502, None, &format!("GET {path}"))?;
        ensure!(
            started.elapsed() < Duration::from_secs(2),
            "502 took {:?}",
            started.elapsed()
        );
    }
    // The mock route does not need the backend.
    let reply = conn.send(client::get(addr, "/status")?).await?;
    ensure_eq!(reply.status, 200, "mock while the backend is down");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_backend_is_504_at_the_route_timeout() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::transfer() {
        let gw = target.start(&backend.url(), &[])?;
        slow_backend(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn slow_backend(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    // `/quick/...` allows 500 ms for the response head.
    let started = Instant::now();
    let reply = client::send(addr, client::get(addr, "/quick/slow?delay_ms=3000")?).await?;
    let took = started.elapsed();
    ensure_json_error(
        &reply,
        504,
        Some(ErrorType::IntegrationTimeout.message()),
        "slow backend",
    )?;
    ensure!(
        took >= Duration::from_millis(450) && took < Duration::from_millis(2500),
        "504 after {took:?}, expected about 500 ms"
    );

    // Within the timeout it is served.
    let reply = client::send(addr, client::get(addr, "/quick/ok?delay_ms=100")?).await?;
    ensure_eq!(reply.status, 200, "a backend within the timeout");

    // The timeout covers the response head: a body that pauses after it still completes.
    let reply = client::send(addr, client::get(addr, "/quick/body?body_delay_ms=1000")?).await?;
    ensure_eq!(reply.status, 200, "slow body after a prompt head");
    ensure_eq!(reply.json()?["path"], "/quick/body", "complete body");

    // Routes without their own timeout use the API-wide one (60 s here), not 500 ms.
    let reply = client::send(addr, client::get(addr, "/files/slow?delay_ms=1200")?).await?;
    ensure_eq!(reply.status, 200, "API-wide timeout");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_max_body_are_413() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        too_large(&gw, &backend)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn too_large(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    const MAX: u64 = 10 << 20; // petstore's `max_body: 10MiB`
    let addr = gw.addr();

    // Exactly the limit passes, announced and chunked.
    for body in [TestBody::sized(MAX), TestBody::chunked(MAX)] {
        let req = client::request(Method::POST, addr, "/pets").body(body)?;
        let reply = client::send(addr, req).await?;
        ensure_eq!(reply.status, 200, "a body of exactly max_body");
        ensure_eq!(reply.json()?["body_len"], MAX, "bytes at the backend");
    }

    // One byte more with Content-Length: rejected from the head, before the backend sees it.
    let before = backend.requests();
    let req = client::request(Method::POST, addr, "/pets").body(TestBody::sized(MAX + 1))?;
    let reply = client::send(addr, req).await?;
    ensure_json_error(
        &reply,
        413,
        Some(ErrorType::RequestTooLarge.message()),
        "Content-Length over max_body",
    )?;
    ensure_eq!(
        backend.requests(),
        before,
        "an announced oversized body never reaches the backend"
    );

    // Chunked: the gateway finds out while streaming, answers 413, and the backend never gets
    // the whole body (it may have seen the start of it).
    let complete = backend.complete_bodies();
    let req =
        client::request(Method::POST, addr, "/pets").body(TestBody::chunked(MAX + (1 << 20)))?;
    let reply = client::send(addr, req).await?;
    ensure_json_error(
        &reply,
        413,
        Some(ErrorType::RequestTooLarge.message()),
        "chunked body over max_body",
    )?;
    ensure_eq!(
        backend.complete_bodies(),
        complete,
        "an oversized chunked body arrived whole at the backend"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_heads_are_431() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        let addr = gw.addr();
        let check = async {
            // petstore keeps the default `max_header: 16KiB`.
            let req = client::request(Method::GET, addr, "/pets")
                .header("x-big", "b".repeat(20 << 10))
                .body(TestBody::empty())?;
            let reply = client::send(addr, req).await?;
            // Answered by the gateway (JSON, request id), not by hyper's bare 431.
            ensure_json_error(
                &reply,
                431,
                Some(ErrorType::RequestHeaderFieldsTooLarge.message()),
                "a 20 KiB header",
            )?;
            let req = client::request(Method::GET, addr, "/pets")
                .header("x-fits", "f".repeat(8 << 10))
                .body(TestBody::empty())?;
            ensure_eq!(
                client::send(addr, req).await?.status,
                200,
                "an 8 KiB header"
            );
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(
        backend.requests(),
        Target::petstore().len(),
        "only the request that fits reaches the backend, once per gateway"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_off_after_header_read_timeout() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::transfer() {
        let gw = target.start(&backend.url(), &[])?;
        let addr = gw.addr();
        let check = async {
            let mut stream = tokio::net::TcpStream::connect(addr).await?;
            // Half a request head, then nothing (transfer's `header_read_timeout: 2s`).
            stream
                .write_all(b"GET /files/x HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
                .await?;
            let started = Instant::now();
            let mut buf = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(8), stream.read_to_end(&mut buf)).await;
            ensure!(
                read.is_ok(),
                "the connection of a client stalled mid-head is still open after 8 s"
            );
            ensure!(
                started.elapsed() >= Duration::from_millis(1500),
                "cut off after {:?}, before header_read_timeout",
                started.elapsed()
            );
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(backend.requests(), 0, "no request reached the backend");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_a_request_id() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        request_ids(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn request_ids(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let mut seen = BTreeSet::new();
    let requests = [
        (Method::GET, "/pets", 200, TestBody::empty()),
        (Method::GET, "/pets/1?status=503", 503, TestBody::empty()),
        (Method::GET, "/status", 200, TestBody::empty()),
        (Method::GET, "/missing", 404, TestBody::empty()),
        (Method::PATCH, "/pets/1", 405, TestBody::empty()),
        (Method::POST, "/pets", 413, TestBody::sized(11 << 20)),
    ];
    for (method, path, status, body) in requests {
        let req = client::request(method.clone(), addr, path).body(body)?;
        // The 413 may close the connection; use a fresh one for it.
        let reply = if status == 413 {
            client::send(addr, req).await?
        } else {
            conn.send(req).await?
        };
        ensure_eq!(reply.status, status, "{method} {path}");
        let id = reply.header(REQUEST_ID).unwrap_or_default().to_owned();
        ensure!(!id.is_empty(), "{method} {path}: no {REQUEST_ID} header");
        ensure!(
            seen.insert(id.clone()),
            "{method} {path}: request id {id} repeated"
        );
        // The `http` kind sends the id once; `rest` adds AWS's header (tests/vocabulary.rs).
        ensure_eq!(
            reply.header("x-amzn-requestid"),
            None,
            "{method} {path}: x-amzn-RequestId"
        );
    }

    // A well-formed id from the client is kept (tracing across hops), on errors too; one that
    // could smuggle text into logs is replaced.
    for path in ["/status", "/missing"] {
        let req = client::request(Method::GET, addr, path)
            .header(REQUEST_ID, "trace-abc.123")
            .body(TestBody::empty())?;
        let reply = conn.send(req).await?;
        ensure_eq!(reply.header(REQUEST_ID), Some("trace-abc.123"), "{path}");
    }
    let req = client::request(Method::GET, addr, "/status")
        .header(REQUEST_ID, "bad id with spaces")
        .body(TestBody::empty())?;
    let reply = conn.send(req).await?;
    let id = reply.header(REQUEST_ID).unwrap_or_default();
    ensure!(
        id != "bad id with spaces" && !id.is_empty(),
        "an invalid client id was kept: {id:?}"
    );
    Ok(())
}
