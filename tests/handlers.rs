//! In-process Rust handlers end to end, over TCP: the Rust-first orders service
//! (`specs/orders/handlers`, `gwc_runtime::serve`) with the runtime's flags, its CRUD routes,
//! errors in the gateway's shape, the request context; and its `--print-openapi` document,
//! which `gwc check` accepts.

use std::process::Command;

use http::Method;

use crate::harness::client::{self, TestBody};
use crate::harness::{GatewayProcess, TestResult, binaries};

fn start_rust_first(extra: &[&str]) -> TestResult<GatewayProcess> {
    let mut cmd = Command::new(binaries::workspace_bin("orders-handlers", "orders")?);
    cmd.args(["--listen", "127.0.0.1:0", "--access-log", "off"])
        .args(extra);
    Ok(GatewayProcess::spawn(
        cmd,
        "orders (Rust-first)".to_owned(),
    )?)
}

fn json_request(
    method: Method,
    addr: std::net::SocketAddr,
    path: &str,
    body: &str,
) -> http::Request<TestBody> {
    client::request(method, addr, path)
        .header("content-type", "application/json")
        .body(TestBody::full(body.to_owned()))
        .expect("a valid request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_first_orders_serve_over_tcp() -> TestResult {
    let gw = start_rust_first(&["--stage-variable", "region=eu"])?;
    let addr = gw.addr();

    let reply = client::send(
        addr,
        json_request(
            Method::POST,
            addr,
            "/orders",
            r#"{"item":"tea","quantity":2}"#,
        ),
    )
    .await?;
    ensure_eq!(reply.status, 201, "create: {}", reply.text());
    ensure_eq!(
        reply.json()?,
        serde_json::json!({"id": 1, "item": "tea", "quantity": 2}),
        "created order"
    );
    ensure!(reply.header("x-request-id").is_some(), "no request id");

    let reply = client::send(addr, client::get(addr, "/orders/1")?).await?;
    ensure_eq!(reply.status, 200, "get: {}", reply.text());
    ensure_eq!(reply.json()?["item"], "tea", "got the order");

    let reply = client::send(addr, client::get(addr, "/orders?limit=10")?).await?;
    ensure_eq!(reply.status, 200, "list");
    ensure_eq!(
        reply.json()?.as_array().map(Vec::len),
        Some(1),
        "one order listed"
    );

    // A handler's error is a gateway response: JSON message, error type header, request id.
    let reply = client::send(addr, client::get(addr, "/orders/99")?).await?;
    ensure_eq!(reply.status, 404, "missing order");
    ensure_eq!(reply.json()?["message"], "Not Found", "404 body");
    ensure_eq!(
        reply.header("x-amzn-errortype"),
        Some("ResourceNotFoundException"),
        "error type"
    );

    let reply = client::send(
        addr,
        json_request(Method::POST, addr, "/orders", r#"{"item": ""}"#),
    )
    .await?;
    ensure_eq!(reply.status, 400, "empty item: {}", reply.text());
    let reply = client::send(
        addr,
        json_request(Method::POST, addr, "/orders", "not json"),
    )
    .await?;
    ensure_eq!(reply.status, 400, "bad JSON: {}", reply.text());

    let reply = client::send(addr, client::get(addr, "/whoami")?).await?;
    let who = reply.json()?;
    ensure_eq!(who["stage"], "default", "stage");
    ensure_eq!(who["source_ip"], "127.0.0.1", "client address");
    ensure_eq!(
        Some(who["request_id"].as_str().unwrap_or_default()),
        reply.header("x-request-id"),
        "request id"
    );

    let reply = client::send(
        addr,
        client::request(Method::DELETE, addr, "/orders/1").body(TestBody::empty())?,
    )
    .await?;
    ensure_eq!(reply.status, 204, "delete");
    let reply = client::send(addr, client::get(addr, "/orders/1")?).await?;
    ensure_eq!(reply.status, 404, "deleted");

    // Routing is the gateway's: an unknown path and a wrong method.
    let reply = client::send(addr, client::get(addr, "/nope")?).await?;
    ensure_eq!(reply.status, 404, "unknown path");
    let reply = client::send(
        addr,
        client::request(Method::PATCH, addr, "/orders").body(TestBody::empty())?,
    )
    .await?;
    ensure_eq!(reply.status, 405, "wrong method");
    Ok(())
}

#[test]
fn rust_first_openapi_is_accepted_by_gwc_check() -> TestResult {
    let bin = binaries::workspace_bin("orders-handlers", "orders")?;
    let out = Command::new(bin)
        .arg("--print-openapi")
        .output()
        .map_err(|e| format!("cannot run orders: {e}"))?;
    ensure!(
        out.status.success(),
        "--print-openapi failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("not JSON: {e}"))?;
    ensure_eq!(
        doc["paths"]["/orders"]["post"]["x-gateway-integration"],
        serde_json::json!({"type": "rust", "handler": "orders_handlers::orders::create", "timeout": "2000ms"}),
        "the create operation"
    );
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let spec = dir.path().join("orders.json");
    std::fs::write(&spec, &out.stdout).map_err(|e| e.to_string())?;
    let check = Command::new(binaries::gwc()?)
        .arg("check")
        .arg(&spec)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run gwc: {e}"))?;
    ensure!(
        check.status.success(),
        "gwc check rejected the document: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    ensure!(
        String::from_utf8_lossy(&check.stdout).contains("5 routes"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_first_orders_serve_over_tcp() -> TestResult {
    let mut cmd = Command::new(binaries::example_gateway("orders")?);
    cmd.args(["--listen", "127.0.0.1:0", "--access-log", "off"]);
    let gw = GatewayProcess::spawn(cmd, "orders (generated, spec-first)".to_owned())?;
    let addr = gw.addr();

    let reply = client::send(
        addr,
        json_request(Method::POST, addr, "/orders", r#"{"item":"jam"}"#),
    )
    .await?;
    ensure_eq!(reply.status, 201, "create: {}", reply.text());
    ensure_eq!(
        reply.json()?,
        serde_json::json!({"id": 1, "item": "jam", "quantity": 1}),
        "created order"
    );
    let reply = client::send(addr, client::get(addr, "/orders/1")?).await?;
    ensure_eq!(reply.status, 200, "get: {}", reply.text());
    let reply = client::send(addr, client::get(addr, "/orders/2")?).await?;
    ensure_eq!(reply.status, 404, "missing");
    ensure_eq!(reply.json()?["message"], "Not Found", "404 body");
    let reply = client::send(addr, client::get(addr, "/whoami")?).await?;
    ensure_eq!(reply.json()?["stage"], "default", "stage");
    Ok(())
}

#[test]
fn gwc_serve_says_how_rust_handlers_run() -> TestResult {
    let spec = binaries::workspace_root().join("specs/orders/spec.yaml");
    let out = Command::new(binaries::gwc()?)
        .arg("serve")
        .arg(&spec)
        .args(["--listen", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run gwc: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(!out.status.success(), "gwc serve should refuse: {stderr}");
    ensure!(
        stderr.contains("gwc serve runs no Rust handlers") && stderr.contains("gwc build"),
        "{stderr}"
    );
    Ok(())
}
