//! CORS over TCP, on the storefront example: preflights answered by the gateway before routing
//! (no backend call, on any path), the route's headers on proxied and mocked answers, and on
//! the gateway's own errors (validation 400s, unknown-route 403s, a 502 when the backend is
//! down), which is what browsers need to show the real error; checked with the hyper client and
//! with curl, the client people debug CORS with.

use std::process::Command;

use http::Method;

use crate::harness::client::{self, Conn, Reply, TestBody};
use crate::harness::{Backend, ClosedPort, GatewayProcess, Target, TestResult, annotate};

const SHOP: &str = "https://shop.example.com";

fn preflight(
    addr: std::net::SocketAddr,
    path: &str,
    origin: &str,
    method: &str,
) -> Result<http::Request<TestBody>, http::Error> {
    client::request(Method::OPTIONS, addr, path)
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "content-type,x-tenant")
        .body(TestBody::empty())
}

fn ensure_allowed(reply: &Reply, origin: &str, what: &str) -> TestResult {
    ensure_eq!(
        reply.header("access-control-allow-origin"),
        Some(origin),
        "{what}: allow-origin (status {}, body {:?})",
        reply.status,
        reply.text()
    );
    ensure_eq!(
        reply.header("access-control-allow-credentials"),
        Some("true"),
        "{what}: credentials"
    );
    ensure_eq!(reply.header("vary"), Some("Origin"), "{what}: vary");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflights_are_answered_before_routing() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        preflights(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(backend.requests(), 0, "no preflight reached the backend");
    Ok(())
}

async fn preflights(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let reply = conn.send(preflight(addr, "/orders", SHOP, "POST")?).await?;
    ensure_eq!(reply.status, 204, "preflight status");
    ensure_allowed(&reply, SHOP, "preflight")?;
    ensure_eq!(
        reply.header("access-control-allow-methods"),
        Some("POST"),
        "methods: the requested one, which the path serves"
    );
    ensure_eq!(
        reply.header("access-control-allow-headers"),
        Some("content-type,x-tenant"),
        "headers"
    );
    ensure_eq!(
        reply.header("access-control-max-age"),
        Some("600"),
        "max age"
    );

    // A wildcard origin pattern.
    let preview = "https://pr-17.preview.shop.example.com";
    let reply = conn
        .send(preflight(addr, "/orders", preview, "GET")?)
        .await?;
    ensure_allowed(&reply, preview, "wildcard origin")?;

    // An origin not allowed gets no CORS headers (the browser then refuses).
    let reply = conn
        .send(preflight(addr, "/orders", "https://evil.example", "POST")?)
        .await?;
    ensure_eq!(reply.status, 204, "refused preflight status");
    ensure_eq!(
        reply.header("access-control-allow-origin"),
        None,
        "refused origin"
    );

    // The route's own policy (`*`, GET only).
    let reply = conn
        .send(preflight(addr, "/status", "https://anyone.example", "GET")?)
        .await?;
    ensure_eq!(
        reply.header("access-control-allow-origin"),
        Some("*"),
        "status route"
    );
    ensure_eq!(
        reply.header("access-control-allow-methods"),
        Some("GET"),
        "status route methods"
    );

    // A path no route serves still gets the API-wide answer (no 403 for a preflight).
    let reply = conn.send(preflight(addr, "/nowhere", SHOP, "GET")?).await?;
    ensure_eq!(reply.status, 204, "unknown path preflight");
    ensure_allowed(&reply, SHOP, "unknown path preflight")?;

    // A plain OPTIONS without CORS headers is routed: no OPTIONS route, so 403 (rest kind).
    let reply = conn
        .send(client::request(Method::OPTIONS, addr, "/orders").body(TestBody::empty())?)
        .await?;
    ensure_eq!(reply.status, 403, "plain OPTIONS");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_cors_headers() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        answers(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn answers(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let post = |origin: &str, tenant: Option<&str>, body: &'static str| {
        let mut b = client::request(Method::POST, addr, "/orders")
            .header("origin", origin)
            .header("content-type", "application/json");
        if let Some(t) = tenant {
            b = b.header("x-tenant", t);
        }
        b.body(TestBody::full(body))
    };
    // Proxied: the backend's answer, with the gateway's CORS headers.
    let reply = conn
        .send(post(SHOP, Some("t1"), r#"{"item":"tea","quantity":2}"#)?)
        .await?;
    ensure_eq!(reply.status, 200, "proxied (body {:?})", reply.text());
    ensure_allowed(&reply, SHOP, "proxied")?;
    ensure_eq!(
        reply.header("access-control-expose-headers"),
        Some("x-request-id"),
        "expose"
    );
    // Gateway errors: a validation 400 and an unknown route's 403.
    let reply = conn.send(post(SHOP, None, "{}")?).await?;
    ensure_eq!(reply.status, 400, "missing header");
    ensure_allowed(&reply, SHOP, "400")?;
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/nowhere")
                .header("origin", SHOP)
                .body(TestBody::empty())?,
        )
        .await?;
    ensure_eq!(reply.status, 403, "unknown route");
    ensure_allowed(&reply, SHOP, "403")?;
    // A request without Origin: no CORS headers, but `Vary: Origin` for caches.
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/orders?page=1")
                .header("x-tenant", "t1")
                .body(TestBody::empty())?,
        )
        .await?;
    ensure_eq!(reply.status, 200, "no origin");
    ensure_eq!(
        reply.header("access-control-allow-origin"),
        None,
        "no origin"
    );
    ensure_eq!(reply.header("vary"), Some("Origin"), "no origin: vary");
    // The mock route's `*` policy: no credentials, no Vary.
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/status")
                .header("origin", "https://anyone.example")
                .body(TestBody::empty())?,
        )
        .await?;
    ensure_eq!(reply.text(), r#"{"status":"open"}"#, "mock body");
    ensure_eq!(
        reply.header("access-control-allow-origin"),
        Some("*"),
        "mock"
    );
    ensure_eq!(reply.header("vary"), None, "mock: vary");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backend_failure_keeps_the_cors_headers() -> TestResult {
    let closed = ClosedPort::new()?;
    let gw = Target::serve_example("storefront").start(&closed.url(), &[])?;
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/orders?page=1")
                .header("origin", SHOP)
                .header("x-tenant", "t1")
                .body(TestBody::empty())?,
        )
        .await
        .map_err(|e| annotate(&gw, e.into()))?;
    ensure!(
        reply.status.is_server_error(),
        "backend down: status {}",
        reply.status
    );
    ensure_allowed(&reply, SHOP, "5xx").map_err(|e| annotate(&gw, e))?;
    Ok(())
}

/// curl's view of a preflight, as someone debugging CORS would run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_preflight() -> TestResult {
    let backend = Backend::start().await?;
    let gw = Target::Example("storefront").start(&backend.url(), &[])?;
    let url = format!("http://{}/orders", gw.addr());
    let out = Command::new("curl")
        .args(["-sS", "-i", "-X", "OPTIONS", &url])
        .args(["-H", "Origin: https://shop.example.com"])
        .args(["-H", "Access-Control-Request-Method: POST"])
        .args(["-H", "Access-Control-Request-Headers: content-type"])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    ensure!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(text.starts_with("http/1.1 204"), "curl saw {text}");
    ensure!(
        text.contains("access-control-allow-origin: https://shop.example.com\r\n"),
        "curl saw {text}"
    );
    ensure!(
        text.contains("access-control-allow-methods: post\r\n"),
        "curl saw {text}"
    );
    Ok(())
}

/// A spec of its own for the refusals the storefront has no reason to make: an authorizer's
/// 401 (no token: refused before the authorizer is called) and a throttle's 429. CORS is
/// API-wide, so the headers must come on both (AWS's most reported CORS complaint: a browser
/// shows a CORS failure instead of the 401 or 429).
const REFUSALS_SPEC: &str = r#"openapi: 3.0.3
info: {title: CORS on refusals, version: 1.0.0}
x-gateway:
  name: refusals
  kind: rest
  default_stage: prod
  stages:
    prod:
      variables:
        backend: http://127.0.0.1:9
  cors:
    allow_origins: ["https://shop.example.com"]
    allow_credentials: true
  authorizers:
    tokens:
      type: custom
      uri: "${stageVariables.backend}/authorize"
      event: token
      result_ttl: 0s
      timeout: 1s
paths:
  /guarded:
    get:
      operationId: guarded
      x-gateway-auth: {authorizer: tokens}
      x-gateway-integration:
        type: mock
        status: 200
        body: '{"guarded":true}'
      responses:
        "200": {description: Guarded.}
  /limited:
    get:
      operationId: limited
      x-gateway-throttle: {rate: 1, burst: 1}
      x-gateway-integration:
        type: mock
        status: 200
        body: '{"limited":true}'
      responses:
        "200": {description: Limited.}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_by_authorizers_and_throttles_keep_the_cors_headers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, REFUSALS_SPEC)?;
    let closed = ClosedPort::new()?;
    let gw = Target::Serve(spec).start(&closed.url(), &[])?;
    refusals(&gw).await.map_err(|e| annotate(&gw, e))
}

async fn refusals(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let get = |path: &str| {
        client::request(Method::GET, addr, path)
            .header("origin", SHOP)
            .body(TestBody::empty())
    };
    // No token: 401 from the gateway, never the authorizer (its port is closed).
    let reply = conn.send(get("/guarded")?).await?;
    ensure_eq!(reply.status, 401, "no token (body {:?})", reply.text());
    ensure_eq!(
        reply.json()?["message"].as_str(),
        Some("Unauthorized"),
        "401 body"
    );
    ensure_allowed(&reply, SHOP, "401")?;
    // A bucket of one: the first request passes, one of the next few is throttled.
    let reply = conn.send(get("/limited")?).await?;
    ensure_eq!(reply.status, 200, "first (body {:?})", reply.text());
    ensure_allowed(&reply, SHOP, "200")?;
    let mut throttled = None;
    for _ in 0..5 {
        let reply = conn.send(get("/limited")?).await?;
        if reply.status == 429 {
            throttled = Some(reply);
            break;
        }
    }
    let Some(reply) = throttled else {
        return Err("five requests in a row were not throttled by a bucket of one".into());
    };
    ensure_eq!(
        reply.json()?["message"].as_str(),
        Some("Too Many Requests"),
        "429 body"
    );
    ensure_allowed(&reply, SHOP, "429")?;
    Ok(())
}
