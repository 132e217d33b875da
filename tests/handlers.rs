//! In-process Rust handlers end to end, over TCP: the Rust-first orders service
//! (`specs/orders/handlers`, `gwc_runtime::serve`) with the runtime's flags, its CRUD routes,
//! errors in the gateway's shape, the request context; and its `--print-openapi` document,
//! which `gwc check` accepts; and the orders service's custom authorizer written in Rust
//! (`orders_handlers::auth::staff`), both ways, through the same path as an HTTP authorizer.

use std::process::Command;

use http::Method;

use crate::harness::client::{self, TestBody};
use crate::harness::{GatewayProcess, TestResult, binaries};

fn start_rust_first(extra: &[&str]) -> TestResult<GatewayProcess> {
    let mut cmd = Command::new(binaries::workspace_bin(
        "orders-handlers",
        "orders-rust-first",
    )?);
    cmd.args(["--listen", "127.0.0.1:0", "--access-log", "off"])
        .args(extra);
    Ok(GatewayProcess::spawn(
        cmd,
        "orders (Rust-first)".to_owned(),
    )?)
}

/// A token the orders service's staff authorizer admits everywhere.
const ADMIN: &str = "admin-tester";

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

/// A request carrying `Authorization: Bearer {token}`.
fn authed(
    method: Method,
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
) -> TestResult<http::Request<TestBody>> {
    Ok(client::request(method, addr, path)
        .header("authorization", format!("Bearer {token}"))
        .body(TestBody::empty())?)
}

/// The staff authorizer (a `#[gateway(authorizer = "staff")]` function) guarding `/whoami`
/// and `/orders/{id}`: AWS's outcomes, its answers cached per token, each cached policy
/// evaluated again for every request's method and path.
async fn rust_authorizer_cases(addr: std::net::SocketAddr) -> TestResult {
    let expect_error = |reply: &client::Reply, status: u16, kind: &str, what: &str| -> TestResult {
        ensure_eq!(reply.status.as_u16(), status, "{what}: {}", reply.text());
        ensure_eq!(
            reply.header("x-amzn-errortype"),
            Some(kind),
            "{what}: error type"
        );
        // AWS's body: a string message, or `null` for the AUTHORIZER_* 500s.
        let body = reply.json()?;
        ensure!(
            body["message"].is_string() || (status == 500 && body["message"].is_null()),
            "{what}: JSON message, got {body}"
        );
        Ok(())
    };
    // No identity source: 401 before the function runs (the next call number proves it).
    let reply = client::send(addr, client::get(addr, "/whoami")?).await?;
    expect_error(&reply, 401, "UnauthorizedException", "no token")?;
    ensure_eq!(
        reply.json()?["message"],
        "Unauthorized",
        "no token: AWS's message"
    );

    // Allow: the principal and the context reach the handler.
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "reader-ann")?).await?;
    ensure_eq!(reply.status, 200, "reader: {}", reply.text());
    let who = reply.json()?;
    ensure_eq!(who["principal"], "ann", "principal");
    ensure_eq!(who["role"], "reader", "context");
    let first = who["call"].as_i64().ok_or("no call number")?;

    // The same token again: the cached answer, the function not called (same call number).
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "reader-ann")?).await?;
    ensure_eq!(reply.status, 200, "reader again: {}", reply.text());
    ensure_eq!(reply.json()?["call"].as_i64(), Some(first), "cached answer");

    // A cached Allow of `GET /orders/1` does not admit `DELETE /orders/1`.
    let reply = client::send(addr, authed(Method::GET, addr, "/orders/1", "reader-cat")?).await?;
    ensure!(
        reply.status == 200 || reply.status == 404,
        "reader GET /orders/1: {} {}",
        reply.status,
        reply.text()
    );
    let reply = client::send(
        addr,
        authed(Method::DELETE, addr, "/orders/1", "reader-cat")?,
    )
    .await?;
    expect_error(
        &reply,
        403,
        "AccessDeniedException",
        "reader DELETE with a cached GET allow",
    )?;
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "reader-cat")?).await?;
    expect_error(
        &reply,
        403,
        "AccessDeniedException",
        "reader GET /whoami with a cached GET /orders/1 allow",
    )?;

    // One call per new token, and only one: ann (first), cat (+1); then dan (+2).
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "reader-dan")?).await?;
    ensure_eq!(
        reply.json()?["call"].as_i64(),
        Some(first + 2),
        "calls: one per token"
    );

    // Deny → 403; an unknown token (the function's `Error::unauthorized`) → 401.
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "deny-eve")?).await?;
    expect_error(&reply, 403, "AccessDeniedException", "deny")?;
    ensure_eq!(
        reply.json()?["message"],
        "User is not authorized to access this resource",
        "deny: AWS's message"
    );
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "stranger-x")?).await?;
    expect_error(&reply, 401, "UnauthorizedException", "unknown token")?;

    // An error or a panic in the function → 500 AUTHORIZER_FAILURE, and the gateway serves on.
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "fail")?).await?;
    expect_error(
        &reply,
        500,
        "AuthorizerFailureException",
        "authorizer error",
    )?;
    ensure!(
        reply.json()?.get("message").is_some_and(|m| m.is_null()),
        "authorizer error: AWS's body is {{\"message\": null}}, got {}",
        reply.text()
    );
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "panic")?).await?;
    expect_error(
        &reply,
        500,
        "AuthorizerFailureException",
        "authorizer panic",
    )?;
    ensure!(
        reply.json()?.get("message").is_some_and(|m| m.is_null()),
        "authorizer panic: AWS's body is {{\"message\": null}}, got {}",
        reply.text()
    );
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", "admin-root")?).await?;
    ensure_eq!(reply.status, 200, "after the panic: {}", reply.text());
    ensure_eq!(reply.json()?["role"], "admin", "admin");
    // An admin policy (`*`) admits every method and path.
    let reply = client::send(
        addr,
        authed(Method::DELETE, addr, "/orders/424242", "admin-root")?,
    )
    .await?;
    ensure_eq!(reply.status, 404, "admin DELETE: {}", reply.text());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_authorizer_rust_first() -> TestResult {
    let gw = start_rust_first(&[])?;
    rust_authorizer_cases(gw.addr()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_authorizer_spec_first() -> TestResult {
    let mut cmd = Command::new(binaries::example_gateway("orders")?);
    cmd.args(["--listen", "127.0.0.1:0", "--access-log", "off"]);
    let gw = GatewayProcess::spawn(cmd, "orders (generated, spec-first)".to_owned())?;
    rust_authorizer_cases(gw.addr()).await
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

    let reply = client::send(addr, authed(Method::GET, addr, "/orders/1", ADMIN)?).await?;
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
    let reply = client::send(addr, authed(Method::GET, addr, "/orders/99", ADMIN)?).await?;
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

    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", ADMIN)?).await?;
    let who = reply.json()?;
    ensure_eq!(who["stage"], "default", "stage");
    ensure_eq!(who["source_ip"], "127.0.0.1", "client address");
    ensure_eq!(
        Some(who["request_id"].as_str().unwrap_or_default()),
        reply.header("x-request-id"),
        "request id"
    );

    let reply = client::send(addr, authed(Method::DELETE, addr, "/orders/1", ADMIN)?).await?;
    ensure_eq!(reply.status, 204, "delete");
    let reply = client::send(addr, authed(Method::GET, addr, "/orders/1", ADMIN)?).await?;
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

/// The partners' key (`ORDERS_PARTNER_KEY`), as a test secret.
const PARTNER_KEY: &str = "partner-key-0123456789abcdef";

/// `#[gateway(...)]`'s gateway settings over TCP, each run by the same step as a spec route's:
/// `cache(ttl, key)` answers the second request without calling the handler, `throttle(rate,
/// burst)` answers 429 past the burst, `api_key = required` answers 403 without a key of a
/// plan, and the handler sees the key's id (never its value) in its request context;
/// `validate(body)` answers 400 for a body its JSON type's schema refuses, and
/// `validate(parameters)` for a query without a field its `Query<T>` type requires.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_first_attribute_settings_run_their_steps() -> TestResult {
    let mut cmd = Command::new(binaries::workspace_bin(
        "orders-handlers",
        "orders-rust-first",
    )?);
    cmd.args(["--listen", "127.0.0.1:0", "--access-log", "off"])
        .env("ORDERS_PARTNER_KEY", PARTNER_KEY);
    let gw = GatewayProcess::spawn(cmd, "orders (Rust-first, partner key)".to_owned())?;
    let addr = gw.addr();
    let calls = || async move {
        let reply = client::send(addr, client::get(addr, "/calls")?).await?;
        ensure_eq!(reply.status, 200, "calls: {}", reply.text());
        TestResult::Ok(reply.json()?)
    };

    // cache(ttl = "60s", key = ["path.item"])
    let first = client::send(addr, client::get(addr, "/prices/tea")?).await?;
    ensure_eq!(first.status, 200, "price: {}", first.text());
    ensure_eq!(first.header("x-cache"), Some("Miss"), "first price");
    ensure_eq!(first.json()?["computed_by_call"], 1, "computed once");
    // The entry is written once the body ended: poll for the hit.
    let hit = crate::harness::eventually(std::time::Duration::from_secs(5), || async move {
        let r = client::send(addr, client::get(addr, "/prices/tea").ok()?)
            .await
            .ok()?;
        (r.header("x-cache") == Some("Hit")).then_some(r)
    })
    .await
    .ok_or("the second price request was never a cache hit")?;
    ensure_eq!(hit.json()?, first.json()?, "the cached answer");
    ensure_eq!(calls().await?, serde_json::json!(1), "the handler ran once");
    let other = client::send(addr, client::get(addr, "/prices/milk")?).await?;
    ensure_eq!(other.header("x-cache"), Some("Miss"), "another item");
    ensure_eq!(
        calls().await?,
        serde_json::json!(2),
        "another item is computed"
    );

    // throttle(rate = 0.5, burst = 2)
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let reply = client::send(addr, client::get(addr, "/status")?).await?;
        statuses.push(reply.status.as_u16());
        if reply.status == 429 {
            ensure_eq!(
                reply.json()?,
                serde_json::json!({"message": "Too Many Requests"}),
                "throttled body"
            );
            ensure!(reply.header("retry-after").is_some(), "no Retry-After");
        }
    }
    ensure_eq!(statuses, [200, 200, 429], "past the burst");

    // api_key = required, and the key's id in the handler's context
    let reply = client::send(addr, client::get(addr, "/partner/feed")?).await?;
    ensure_eq!(reply.status, 403, "no key: {}", reply.text());
    ensure_eq!(
        reply.json()?,
        serde_json::json!({"message": "Forbidden"}),
        "no key body"
    );
    let with_key = |key: &str| -> TestResult<http::Request<TestBody>> {
        Ok(client::request(Method::GET, addr, "/partner/feed")
            .header("x-api-key", key)
            .body(TestBody::empty())?)
    };
    let reply = client::send(addr, with_key("not-the-partner-key-0000000")?).await?;
    ensure_eq!(reply.status, 403, "unknown key: {}", reply.text());
    let reply = client::send(addr, with_key(PARTNER_KEY)?).await?;
    ensure_eq!(reply.status, 200, "partner key: {}", reply.text());
    let feed = reply.json()?;
    ensure_eq!(feed["api_key_id"], "partner-1", "the key's id");
    ensure!(
        !reply.text().contains(PARTNER_KEY),
        "the key's value leaked"
    );
    ensure_eq!(
        Some(feed["request_id"].as_str().unwrap_or_default()),
        reply.header("x-request-id"),
        "request id"
    );

    // validate(body): the schema derived from `Json<QuoteRequest>`'s type (`JsonSchema`),
    // field by field, before the handler. A quantity of 0 and an empty item deserialise
    // (`u32`, `String`): only the schema refuses them.
    let before = calls().await?;
    for bad in [
        r#"["tea"]"#,
        r#""tea""#,
        "42",
        r#"{"item":"tea","quantity":0}"#,
        r#"{"item":"tea","quantity":101}"#,
        r#"{"item":"","quantity":1}"#,
        r#"{"item":"tea"}"#,
        r#"{"item":"tea","quantity":"two"}"#,
    ] {
        let reply = client::send(addr, json_request(Method::POST, addr, "/quotes", bad)).await?;
        ensure_eq!(reply.status, 400, "{bad}: {}", reply.text());
        ensure_eq!(
            reply.json()?,
            serde_json::json!({"message": "Invalid request body"}),
            "{bad}: the validator's answer"
        );
    }
    let reply = client::send(addr, json_request(Method::POST, addr, "/quotes", "")).await?;
    ensure_eq!(reply.status, 400, "no body: {}", reply.text());
    ensure_eq!(
        calls().await?,
        before,
        "refused bodies never reach the handler"
    );
    let reply = client::send(
        addr,
        json_request(
            Method::POST,
            addr,
            "/quotes",
            r#"{"item":"tea","quantity":2}"#,
        ),
    )
    .await?;
    ensure_eq!(reply.status, 200, "valid quote: {}", reply.text());
    ensure_eq!(reply.json()?["item"], "tea", "quoted");

    // validate(parameters): `term` is required by `Query<PriceSearch>`'s type (its JSON
    // Schema), so a query without it is refused by the gateway's validator with the spec
    // route's answer, before the handler runs; `quantity` is an `Option`, not required.
    let before = calls().await?;
    for query in ["/search", "/search?quantity=2", "/search?terms=tea"] {
        let reply = client::send(addr, client::get(addr, query)?).await?;
        ensure_eq!(reply.status, 400, "{query}: {}", reply.text());
        ensure_eq!(
            reply.header("x-amzn-errortype"),
            Some("BadRequestException"),
            "{query}: error type"
        );
        ensure_eq!(
            reply.json()?,
            serde_json::json!({"message": "Missing required request parameters: [term]"}),
            "{query}: the validator's answer"
        );
    }
    ensure_eq!(
        calls().await?,
        before,
        "refused queries never reach the handler"
    );
    let reply = client::send(addr, client::get(addr, "/search?term=tea&quantity=2")?).await?;
    ensure_eq!(reply.status, 200, "with its term: {}", reply.text());
    let price = reply.json()?;
    ensure_eq!(price["item"], "tea", "searched");
    ensure_eq!(price["cents"], (116 + 101 + 97) * 7 * 2, "priced");
    ensure_eq!(
        calls().await?.as_u64(),
        before.as_u64().map(|n| n + 1),
        "the handler ran"
    );
    // Present but empty passes the validator (presence only, as AWS checks it); the
    // handler refuses it itself.
    let reply = client::send(addr, client::get(addr, "/search?term=")?).await?;
    ensure_eq!(reply.status, 400, "empty term: {}", reply.text());
    ensure_eq!(
        reply.json()?,
        serde_json::json!({"message": "Bad request"}),
        "empty term: the handler's error"
    );
    Ok(())
}

#[test]
fn rust_first_openapi_is_accepted_by_gwc_check() -> TestResult {
    let bin = binaries::workspace_bin("orders-handlers", "orders-rust-first")?;
    let out = Command::new(bin)
        .arg("--print-openapi")
        .env("ORDERS_PARTNER_KEY", PARTNER_KEY)
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
    ensure_eq!(
        doc["paths"]["/whoami"]["get"]["x-gateway-auth"],
        serde_json::json!({"authorizer": "staff"}),
        "the guarded operation"
    );
    ensure_eq!(
        doc["x-gateway"]["authorizers"]["staff"]["handler"],
        "orders_handlers::auth::staff",
        "the Rust authorizer"
    );
    // The App's usage plan, in the vocabulary's form: the key by where its value is, never
    // the value.
    ensure_eq!(
        doc["x-gateway"]["plans"],
        serde_json::json!({"partners": {
            "throttle": {"rate": 10.0, "burst": 20},
            "quota": {"limit": 10000, "period": "day", "offset": 0},
            "api_keys": [{"name": "partner-1", "enabled": true, "value_env": "ORDERS_PARTNER_KEY"}],
        }}),
        "the plans"
    );
    ensure!(
        !String::from_utf8_lossy(&out.stdout).contains(PARTNER_KEY),
        "the key's value leaked into the document"
    );
    ensure_eq!(
        doc["paths"]["/partner/feed"]["get"]["x-gateway-api-key"],
        "required",
        "the keyed operation"
    );
    // The body schema comes from the type (`QuoteRequest: JsonSchema`): a named component
    // with its fields' rules, which the validator also checks.
    ensure_eq!(
        doc["paths"]["/quotes"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        serde_json::json!({"$ref": "#/components/schemas/QuoteRequest"}),
        "the quote's body"
    );
    let quote = &doc["components"]["schemas"]["QuoteRequest"];
    ensure_eq!(
        quote["required"],
        serde_json::json!(["item", "quantity"]),
        "{quote}"
    );
    ensure_eq!(
        (
            &quote["properties"]["quantity"]["minimum"],
            &quote["properties"]["quantity"]["maximum"]
        ),
        (&serde_json::json!(1), &serde_json::json!(100)),
        "{quote}"
    );
    ensure_eq!(
        quote["properties"]["item"]["minLength"],
        serde_json::json!(1),
        "{quote}"
    );
    // A `Query<T>`'s fields are its query parameters, required as `T` requires them; an
    // answer `Result<(StatusCode, Json<Price>), Error>` is described by `Price`'s schema
    // (under `200`: the tuple's status is chosen at run time).
    let search = &doc["paths"]["/search"]["get"];
    ensure_eq!(
        search["parameters"].as_array().map(|ps| ps
            .iter()
            .map(|p| (p["name"].clone(), p["in"].clone(), p["required"].clone()))
            .collect::<Vec<_>>()),
        Some(vec![
            (
                serde_json::json!("quantity"),
                serde_json::json!("query"),
                serde_json::json!(false)
            ),
            (
                serde_json::json!("term"),
                serde_json::json!("query"),
                serde_json::json!(true)
            ),
        ]),
        "{search}"
    );
    ensure_eq!(
        search["x-gateway-validate"],
        serde_json::json!({"body": false, "parameters": true}),
        "{search}"
    );
    ensure_eq!(
        search["responses"]["200"]["content"]["application/json"]["schema"],
        serde_json::json!({"$ref": "#/components/schemas/Price"}),
        "{search}"
    );
    ensure_eq!(
        doc["components"]["schemas"]["Price"]["required"],
        serde_json::json!(["item", "cents", "computed_by_call"]),
        "the answer's schema"
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
        String::from_utf8_lossy(&check.stdout).contains("11 routes"),
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
    let reply = client::send(addr, authed(Method::GET, addr, "/orders/1", ADMIN)?).await?;
    ensure_eq!(reply.status, 200, "get: {}", reply.text());
    let reply = client::send(addr, authed(Method::GET, addr, "/orders/2", ADMIN)?).await?;
    ensure_eq!(reply.status, 404, "missing");
    ensure_eq!(reply.json()?["message"], "Not Found", "404 body");
    let reply = client::send(addr, authed(Method::GET, addr, "/whoami", ADMIN)?).await?;
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
