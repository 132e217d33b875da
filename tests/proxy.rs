//! The HTTP proxy integration over TCP: what the client sends is what the backend sees (method,
//! path, parameters, query, headers minus hop-by-hop ones, plus `X-Forwarded-*`), and what the
//! backend answers is what the client gets; the mock integration answers without a backend.
//! Every test runs against the generated petstore gateway and `gwc serve` on the same spec.

use http::Method;

use crate::harness::backend::echoed_header;
use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_path_params_and_query_pass_through() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        methods_path_params_and_query(&gw)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn methods_path_params_and_query(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    // (method, request target, expected backend path, expected raw query)
    let cases: &[(Method, &str, &str, Option<&str>)] = &[
        (Method::GET, "/pets", "/pets", None),
        (
            Method::GET,
            "/pets?limit=5&name=a%20b&flag",
            "/pets",
            Some("limit=5&name=a%20b&flag"),
        ),
        (Method::POST, "/pets", "/pets", None),
        (Method::GET, "/pets/42", "/pets/42", None),
        (
            Method::GET,
            "/pets/a%20b?x=%2F",
            "/pets/a%20b",
            Some("x=%2F"),
        ),
        (Method::DELETE, "/pets/7", "/pets/7", None),
        (
            Method::GET,
            "/files/docs/2024/report.txt?v=1",
            "/files/docs/2024/report.txt",
            Some("v=1"),
        ),
        (Method::PUT, "/files/a", "/files/a", None),
        (Method::PATCH, "/files/a/b", "/files/a/b", None),
        (Method::POST, "/files/x.bin", "/files/x.bin", None),
        (Method::DELETE, "/files/old/1", "/files/old/1", None),
        (Method::OPTIONS, "/files/cors", "/files/cors", None),
    ];
    for (method, target, path, query) in cases {
        let req = client::request(method.clone(), addr, target).body(TestBody::empty())?;
        let reply = conn.send(req).await?;
        ensure_eq!(reply.status, 200, "{method} {target}: status");
        let echo = reply.json()?;
        ensure_eq!(echo["method"], method.as_str(), "{method} {target}: method");
        ensure_eq!(echo["path"], *path, "{method} {target}: backend path");
        ensure_eq!(
            echo["query"].as_str(),
            *query,
            "{method} {target}: backend query"
        );
        // The backend's own response headers come back, repeated ones included.
        ensure_eq!(
            reply.header("x-backend"),
            Some("gwc-e2e"),
            "{target}: response header"
        );
        let cookies: Vec<_> = reply.headers.get_all("set-cookie").iter().collect();
        ensure_eq!(cookies.len(), 2, "{target}: both set-cookie headers");
    }

    // HEAD through the any-method route: headers only, and the connection stays usable.
    let req = client::request(Method::HEAD, addr, "/files/head").body(TestBody::empty())?;
    let reply = conn.send(req).await?;
    ensure_eq!(reply.status, 200, "HEAD status");
    ensure!(reply.body.is_empty(), "HEAD must have no body");
    let reply = conn.send(client::get(addr, "/pets/after-head")?).await?;
    ensure_eq!(
        reply.json()?["path"],
        "/pets/after-head",
        "request after HEAD"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_headers_pass_through() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        bodies_and_headers(&gw)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn bodies_and_headers(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let body = r#"{"name":"rex","kind":"dog"}"#;
    let req = client::request(Method::POST, addr, "/pets")
        .header("content-type", "application/json")
        .header("authorization", "Bearer abc.def")
        .header("x-custom", "custom value")
        .header("x-multi", "a")
        .header("x-multi", "b")
        .header("user-agent", "gwc-e2e/1")
        .body(TestBody::full(body))?;
    let reply = client::send(addr, req).await?;
    ensure_eq!(reply.status, 200, "status");
    let echo = reply.json()?;
    ensure_eq!(echo["body_len"], body.len(), "body length");
    let length = body.len().to_string();
    for (name, value) in [
        ("content-length", length.as_str()),
        ("content-type", "application/json"),
        ("authorization", "Bearer abc.def"),
        ("x-custom", "custom value"),
        ("x-multi", "a, b"),
        ("user-agent", "gwc-e2e/1"),
    ] {
        ensure_eq!(
            echoed_header(&echo, name).as_deref(),
            Some(value),
            "header {name} at the backend"
        );
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hop_by_hop_headers_are_dropped_and_forwarded_headers_added() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        hop_by_hop_and_forwarded(&gw, &backend)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn hop_by_hop_and_forwarded(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let req = client::request(Method::GET, addr, "/pets")
        .header("connection", "keep-alive, x-hop")
        .header("keep-alive", "timeout=5")
        .header("x-hop", "must not pass")
        .header("proxy-connection", "keep-alive")
        .header("proxy-authorization", "Basic Zm9vOmJhcg==")
        .header("x-end-to-end", "passes")
        .body(TestBody::empty())?;
    let echo = client::send(addr, req).await?.json()?;
    for dropped in [
        "keep-alive",
        "x-hop",
        "proxy-connection",
        "proxy-authorization",
    ] {
        ensure_eq!(
            echoed_header(&echo, dropped),
            None,
            "hop-by-hop header {dropped} reached the backend"
        );
    }
    ensure_eq!(
        echoed_header(&echo, "x-end-to-end").as_deref(),
        Some("passes"),
        "end-to-end header"
    );
    ensure_eq!(
        echoed_header(&echo, "x-forwarded-for").as_deref(),
        Some("127.0.0.1"),
        "X-Forwarded-For is the client address"
    );
    ensure_eq!(
        echoed_header(&echo, "x-forwarded-proto").as_deref(),
        Some("http"),
        "X-Forwarded-Proto"
    );
    ensure_eq!(
        echoed_header(&echo, "x-forwarded-host"),
        Some(addr.to_string()),
        "X-Forwarded-Host is the client's Host"
    );
    ensure_eq!(
        echoed_header(&echo, "host"),
        Some(backend.addr().to_string()),
        "Host is the backend's authority"
    );

    // An existing X-Forwarded-For is extended, not replaced.
    let req = client::request(Method::GET, addr, "/pets")
        .header("x-forwarded-for", "203.0.113.7")
        .body(TestBody::empty())?;
    let echo = client::send(addr, req).await?.json()?;
    ensure_eq!(
        echoed_header(&echo, "x-forwarded-for").as_deref(),
        Some("203.0.113.7, 127.0.0.1"),
        "X-Forwarded-For appended"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn base_path_prefixes_every_route() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &["--base-path", "/prod"])?;
        base_path(&gw, &backend)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn base_path(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let reply = client::send(addr, client::get(addr, "/prod/pets/9?q=1")?).await?;
    ensure_eq!(reply.status, 200, "status under the base path");
    let echo = reply.json()?;
    ensure_eq!(
        echo["path"],
        "/pets/9",
        "the base path is not sent upstream"
    );
    ensure_eq!(echo["query"], "q=1", "query");
    let before = backend.requests();
    let reply = client::send(addr, client::get(addr, "/pets/9")?).await?;
    ensure_eq!(reply.status, 404, "a route outside the base path");
    ensure_eq!(backend.requests(), before, "no backend request for a 404");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_answers_without_the_backend() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &[])?;
        mock(&gw, &backend).await.map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(
        backend.connections(),
        0,
        "the mock route never reaches the backend"
    );
    Ok(())
}

async fn mock(gw: &GatewayProcess, backend: &Backend) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    for _ in 0..3 {
        let reply = conn.send(client::get(addr, "/status")?).await?;
        ensure_eq!(reply.status, 200, "mock status");
        ensure_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "mock header"
        );
        ensure_eq!(reply.text(), r#"{"status":"ok"}"#, "mock body");
    }
    let req = client::request(Method::POST, addr, "/status").body(TestBody::full("x"))?;
    ensure_eq!(conn.send(req).await?.status, 405, "POST on a GET-only mock");
    ensure_eq!(backend.requests(), 0, "backend requests");
    Ok(())
}
