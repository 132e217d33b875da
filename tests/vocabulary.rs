//! Spec features end to end, through `gwc serve` on specs written by the test: gateway-response
//! overrides (status, headers, body templates chosen by `Accept`), the `rest` kind answering as AWS does, the
//! request-id headers a spec names, and a plain OpenAPI document with no `x-gateway` at all
//! proxying to `servers[0]`.

use std::path::PathBuf;

use gwc_ir::ErrorType;
use http::Method;

use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{Backend, ClosedPort, GatewayProcess, Target, TestResult, annotate};

/// Writes `text` as `spec.yaml` in a fresh temporary directory (kept alive by the caller).
fn temp_spec(text: &str) -> TestResult<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("spec.yaml");
    std::fs::write(&path, text)?;
    Ok((dir, path))
}

const OVERRIDES: &str = r#"openapi: 3.0.3
info: {title: Overrides, version: 1.0.0}
x-gateway:
  name: overrides
  default_stage: test
  stages:
    test:
      variables:
        backend: http://127.0.0.1:9
  responses:
    RESOURCE_NOT_FOUND:
      status: 410
      headers:
        x-why: gone
      body: '{"error":"$context.error.message","id":"$context.requestId"}'
      templates:
        text/html: '<h1>$context.error.message</h1><p>$context.requestId</p>'
    DEFAULT_5XX:
      headers:
        retry-after: "3"
paths:
  /items:
    get:
      x-gateway-integration:
        type: http_proxy
        uri: "${stageVariables.backend}/items"
      responses:
        "200": {description: Items.}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_responses_are_overridden_by_the_spec() -> TestResult {
    let (_dir, spec) = temp_spec(OVERRIDES)?;
    let down = ClosedPort::new()?;
    let gw = Target::Serve(spec).start(&down.url(), &[])?;
    overrides(&gw).await.map_err(|e| annotate(&gw, e))
}

async fn overrides(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;

    // RESOURCE_NOT_FOUND: status, header and body template all from the spec.
    let reply = conn.send(client::get(addr, "/nowhere")?).await?;
    ensure_eq!(reply.status, 410, "overridden status");
    ensure_eq!(reply.header("x-why"), Some("gone"), "overridden header");
    let body = reply.json()?;
    ensure_eq!(
        body["error"],
        ErrorType::ResourceNotFound.message(),
        "$context.error.message"
    );
    let id = reply.header("x-request-id").unwrap_or_default();
    ensure!(!id.is_empty(), "no request id");
    ensure_eq!(
        body["id"],
        id,
        "$context.requestId is the response's request id"
    );

    // The same response for a browser: the body for the content type its Accept names.
    let req = client::request(Method::GET, addr, "/nowhere")
        .header("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
        .body(TestBody::empty())?;
    let reply = conn.send(req).await?;
    ensure_eq!(reply.status, 410, "overridden status, HTML body");
    ensure_eq!(
        reply.header("content-type"),
        Some("text/html"),
        "chosen type"
    );
    ensure_eq!(
        reply.header("x-why"),
        Some("gone"),
        "overridden header, HTML body"
    );
    let id = reply.header("x-request-id").unwrap_or_default().to_owned();
    ensure_eq!(
        reply.text(),
        format!(
            "<h1>{}</h1><p>{id}</p>",
            ErrorType::ResourceNotFound.message()
        ),
        "HTML template"
    );
    // An Accept naming no type of the spec's gets application/json's body.
    let req = client::request(Method::GET, addr, "/nowhere")
        .header("accept", "image/png")
        .body(TestBody::empty())?;
    let reply = conn.send(req).await?;
    ensure_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "fallback type"
    );
    ensure_eq!(
        reply.json()?["error"],
        ErrorType::ResourceNotFound.message(),
        "fallback body"
    );

    // The backend is down: the 502 keeps its own status and body but gets DEFAULT_5XX's header.
    let reply = conn.send(client::get(addr, "/items")?).await?;
    ensure_eq!(reply.status, 502, "integration failure");
    ensure_eq!(reply.header("retry-after"), Some("3"), "DEFAULT_5XX header");
    ensure!(reply.json()?["message"].is_string(), "default JSON body");

    // 405 is a 4xx with no override of its own and no DEFAULT_4XX: unchanged.
    let req = client::request(Method::DELETE, addr, "/items").body(TestBody::empty())?;
    let reply = conn.send(req).await?;
    ensure_eq!(reply.status, 405, "not overridden");
    ensure_eq!(
        reply.header("x-why"),
        None,
        "no header from another type's override"
    );
    Ok(())
}

const REST: &str = r#"openapi: 3.0.3
info: {title: Rest, version: 1.0.0}
x-gateway:
  name: rest-api
  kind: rest
  default_stage: test
  stages:
    test:
      variables:
        backend: http://127.0.0.1:9
paths:
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      x-gateway-integration:
        type: http_proxy
        uri: "${stageVariables.backend}/items/{id}"
      responses:
        "200": {description: An item.}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_kind_answers_unknown_routes_as_aws_does() -> TestResult {
    let (_dir, spec) = temp_spec(REST)?;
    let backend = Backend::start().await?;
    let gw = Target::Serve(spec).start(&backend.url(), &[])?;
    let check = async {
        let addr = gw.addr();
        let mut conn = Conn::open(addr).await?;
        let reply = conn.send(client::get(addr, "/items/5")?).await?;
        ensure_eq!(reply.status, 200, "a known route");
        ensure_eq!(reply.json()?["path"], "/items/5", "backend path");
        same_id_in_both(&reply, "GET /items/5")?;
        // AWS REST APIs answer both an unknown path and an unbound method with 403.
        for (method, path) in [(Method::GET, "/nope"), (Method::POST, "/items/5")] {
            let req = client::request(method.clone(), addr, path).body(TestBody::empty())?;
            let reply = conn.send(req).await?;
            ensure_eq!(reply.status, 403, "{method} {path}");
            ensure_eq!(
                reply.json()?["message"],
                ErrorType::MissingAuthenticationToken.message(),
                "{method} {path}: message"
            );
            same_id_in_both(&reply, &format!("{method} {path}"))?;
        }
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

/// The `rest` kind sends the id in AWS's `x-amzn-RequestId` as well as in `x-request-id`.
fn same_id_in_both(reply: &client::Reply, what: &str) -> TestResult {
    let id = reply.header("x-request-id").unwrap_or_default();
    ensure!(id.len() == 36, "{what}: x-request-id {id:?}");
    ensure_eq!(
        reply.header("x-amzn-requestid"),
        Some(id),
        "{what}: x-amzn-RequestId"
    );
    Ok(())
}

fn request_id_spec(headers: &str, backend: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: Ids, version: 1.0.0}}
x-gateway:
  name: ids
  observability:
    request_id_headers: {headers}
paths:
  /items:
    get:
      x-gateway-integration: {{type: http_proxy, uri: "{backend}/items"}}
      responses:
        "200": {{description: Items.}}
"#
    )
}

/// `observability.request_id_headers` names the headers the id goes in, and the first is
/// where a caller's own id is read from; `[]` sends none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_go_in_the_headers_the_spec_names() -> TestResult {
    let backend = Backend::start().await?;
    let (_dir, spec) = temp_spec(&request_id_spec(
        "[X-Correlation-Id, x-trace-ref]",
        &backend.url(),
    ))?;
    let gw = Target::Serve(spec).start(&backend.url(), &[])?;
    let check = async {
        let addr = gw.addr();
        let mut conn = Conn::open(addr).await?;
        for path in ["/items", "/missing"] {
            let reply = conn.send(client::get(addr, path)?).await?;
            let id = reply.header("x-correlation-id").unwrap_or_default();
            ensure!(id.len() == 36, "{path}: x-correlation-id {id:?}");
            ensure_eq!(reply.header("x-trace-ref"), Some(id), "{path}: x-trace-ref");
            ensure_eq!(reply.header("x-request-id"), None, "{path}: x-request-id");
            ensure_eq!(reply.header("x-amzn-requestid"), None, "{path}");
        }
        // The caller's id is read from the first header only.
        let req = client::request(Method::GET, addr, "/items")
            .header("x-correlation-id", "order-77.a")
            .header("x-request-id", "other-1")
            .body(TestBody::empty())?;
        let reply = conn.send(req).await?;
        ensure_eq!(reply.header("x-correlation-id"), Some("order-77.a"), "kept");
        ensure_eq!(reply.header("x-trace-ref"), Some("order-77.a"), "kept");
        let req = client::request(Method::GET, addr, "/items")
            .header("x-request-id", "other-2")
            .body(TestBody::empty())?;
        let reply = conn.send(req).await?;
        let id = reply.header("x-correlation-id").unwrap_or_default();
        ensure!(id.len() == 36, "x-request-id is not read: {id:?}");
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;

    let (_dir, spec) = temp_spec(&request_id_spec("[]", &backend.url()))?;
    let gw = Target::Serve(spec).start(&backend.url(), &[])?;
    let check = async {
        let addr = gw.addr();
        let reply = client::send(addr, client::get(addr, "/items")?).await?;
        ensure_eq!(reply.status, 200, "status");
        ensure_eq!(reply.header("x-request-id"), None, "no id header");
        ensure_eq!(reply.header("x-amzn-requestid"), None, "no id header");
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_without_x_gateway_proxies_to_its_first_server() -> TestResult {
    let backend = Backend::start().await?;
    let text = format!(
        r#"openapi: 3.0.3
info: {{title: Plain, version: 1.0.0}}
servers:
  - url: {}/v1
paths:
  /pets/{{petId}}:
    get:
      parameters:
        - {{name: petId, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A pet.}}
"#,
        backend.url()
    );
    let (_dir, spec) = temp_spec(&text)?;
    let gw = GatewayProcess::spawn(
        {
            let mut cmd = std::process::Command::new(crate::harness::binaries::gwc()?);
            cmd.arg("serve")
                .arg(&spec)
                .args(["--listen", "127.0.0.1:0"]);
            cmd
        },
        format!("gwc serve {}", spec.display()),
    )?;
    let check = async {
        let addr = gw.addr();
        let reply = client::send(addr, client::get(addr, "/pets/7?x=1")?).await?;
        ensure_eq!(reply.status, 200, "status");
        let echo = reply.json()?;
        ensure_eq!(
            echo["path"],
            "/v1/pets/7",
            "servers[0] path + operation path"
        );
        ensure_eq!(echo["query"], "x=1", "query");
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}
