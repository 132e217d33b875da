//! Request validation over TCP, on the storefront example: AWS's 400 bodies for missing
//! parameters and invalid bodies (OpenAPI 3.0 `nullable`, `$ref`s to components and
//! `additionalProperties` honoured), 415 for a required body of an undeclared media type, and
//! nothing refused ever reaching the backend.

use std::time::Duration;

use http::Method;

use crate::harness::client::{self, Conn, Reply, TestBody};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate, eventually};

fn ensure_error(reply: &Reply, status: u16, message: &str, what: &str) -> TestResult {
    ensure_eq!(
        reply.status,
        status,
        "{what}: status (body {:?})",
        reply.text()
    );
    let json = reply.json()?;
    ensure_eq!(json["message"].as_str(), Some(message), "{what}: message");
    ensure_eq!(
        reply.header("x-amzn-errortype"),
        Some("BadRequestException"),
        "{what}: error type"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_validated_before_the_backend() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        let before = backend.requests();
        validated(&gw).await.map_err(|e| annotate(&gw, e))?;
        ensure_eq!(
            backend.requests() - before,
            3,
            "only the valid requests reached the backend"
        );
    }
    Ok(())
}

async fn validated(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let post = |tenant: bool, content_type: Option<&str>, body: &'static str| {
        let mut b = client::request(Method::POST, addr, "/orders");
        if tenant {
            b = b.header("x-tenant", "t1");
        }
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(TestBody::full(body))
    };
    let json = Some("application/json");

    // Valid: with a null `note` (3.0 `nullable`) and a `$ref`'d gift; and without a
    // Content-Type (application/json is assumed).
    let reply = conn
        .send(post(
            true,
            json,
            r#"{"item":"tea","quantity":2,"note":null,"gift":{"to":"Ann"}}"#,
        )?)
        .await?;
    ensure_eq!(reply.status, 200, "valid order (body {:?})", reply.text());
    let echo = reply.json()?;
    ensure_eq!(echo["path"].as_str(), Some("/v2/orders"), "backend path");
    let reply = conn
        .send(post(true, None, r#"{"item":"tea","quantity":1}"#)?)
        .await?;
    ensure_eq!(
        reply.status,
        200,
        "no content type (body {:?})",
        reply.text()
    );

    // The spec's BAD_REQUEST_BODY template adds `$context.error.validationErrorString`:
    // AWS's list of what is wrong, in its validator's words.
    for (body, errors) in [
        (
            r#"{"item":"tea"}"#,
            r#"[object has missing required properties (["quantity"])]"#,
        ),
        (
            r#"{"item":"tea","quantity":0}"#,
            "[numeric instance is lower than the required minimum (minimum: 1, found: 0)]",
        ),
        (
            r#"{"item":"tea","quantity":1,"colour":"red"}"#,
            r#"[object instance has properties which are not allowed by the schema: ["colour"]]"#,
        ),
        (
            r#"{"item":"tea","quantity":1,"gift":{}}"#,
            r#"[object has missing required properties (["to"])]"#,
        ),
        (
            r#"{"quantity":"two","note":7}"#,
            r#"[object has missing required properties (["item"]), instance type (integer) does not match any allowed primitive type (allowed: ["null","string"]), instance type (string) does not match any allowed primitive type (allowed: ["integer"])]"#,
        ),
        (
            r#"{"item":"tea","quantity":"#,
            "[the request body is not JSON: EOF while parsing a value at line 1 column 25]",
        ),
        ("", "[the request body is empty]"),
    ] {
        let reply = conn.send(post(true, json, body)?).await?;
        ensure_error(&reply, 400, "Invalid request body", body)?;
        ensure_eq!(
            reply.json()?["errors"].as_str(),
            Some(errors),
            "{body}: validationErrorString"
        );
    }
    let reply = conn
        .send(post(false, json, r#"{"item":"tea","quantity":1}"#)?)
        .await?;
    ensure_error(
        &reply,
        400,
        "Missing required request parameters: [X-Tenant]",
        "missing header",
    )?;
    let reply = conn.send(post(true, Some("text/csv"), "tea,1")?).await?;
    ensure_eq!(
        reply.status,
        415,
        "undeclared media type (body {:?})",
        reply.text()
    );

    // Parameters only: the body is not looked at; the query parameter is required.
    let reply = conn
        .send(client::request(Method::GET, addr, "/orders").body(TestBody::empty())?)
        .await?;
    ensure_error(
        &reply,
        400,
        "Missing required request parameters: [X-Tenant, page]",
        "missing header and query",
    )?;
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/orders?page=2")
                .header("x-tenant", "t1")
                .body(TestBody::empty())?,
        )
        .await?;
    ensure_eq!(reply.status, 200, "parameters present");

    // The access log (JSON on stdout, flushed every 200 ms) carries the same string.
    let line = eventually(Duration::from_secs(5), || async {
        gw.stdout_lines()
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|l| {
                l["validationErrorString"] == r#"[object has missing required properties (["to"])]"#
            })
    })
    .await
    .ok_or("no access-log line with the validation error string")?;
    ensure_eq!(line["errorType"], "BAD_REQUEST_BODY", "its error type");
    ensure_eq!(line["status"], 400, "its status");
    Ok(())
}
