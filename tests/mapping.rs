//! Parameter mapping over TCP, on the storefront example: a header turned into a query
//! parameter, a query parameter renamed, headers set from the context and stage variables and
//! removed, and response headers rewritten; the backend's echo shows what it received.

use http::Method;

use crate::harness::backend::echoed_header;
use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_responses_are_mapped() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        mapped(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn mapped(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let reply = conn
        .send(
            client::request(Method::GET, addr, "/orders?page=3&sort=new")
                .header("x-tenant", "acme corp")
                .header("x-request-id", "req-map-1")
                .body(TestBody::empty())?,
        )
        .await?;
    ensure_eq!(reply.status, 200, "status (body {:?})", reply.text());
    let echo = reply.json()?;
    ensure_eq!(echo["path"].as_str(), Some("/v2/orders"), "backend path");
    ensure_eq!(
        echo["query"].as_str(),
        Some("sort=new&tenant=acme%20corp&offset=3"),
        "backend query"
    );
    ensure_eq!(echoed_header(&echo, "x-tenant"), None, "x-tenant removed");
    ensure_eq!(
        echoed_header(&echo, "x-api-version").as_deref(),
        Some("2"),
        "static header"
    );
    ensure_eq!(
        echoed_header(&echo, "x-request-context").as_deref(),
        Some("req-map-1 via eu-west-1"),
        "context and stage variable"
    );
    ensure_eq!(
        reply.header("x-served-by"),
        Some("storefront (gwc-e2e)"),
        "response header from the backend's"
    );
    ensure_eq!(reply.header("x-backend"), None, "response header removed");
    Ok(())
}

/// The `http` (non-proxy) integration: a request template reshapes the body (and `never`
/// passthrough refuses other content types with 415), the backend's status selects the
/// integration response, whose template reshapes the answer; `default` overrides the status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_mapped_by_templates() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        templated(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn templated(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let quote = |query: &str, content_type: &str| {
        client::request(Method::POST, addr, &format!("/quotes/tea-01{query}"))
            .header("x-tenant", "o'brien")
            .header("content-type", content_type)
            .body(TestBody::full(r#"{"quantity": 3}"#))
    };
    let sent = r#"{"product": "tea-01", "units": 3, "tenant": "o\'brien"}"#;
    let reply = conn.send(quote("", "application/json")?).await?;
    ensure_eq!(reply.status, 201, "mapped status (body {:?})", reply.text());
    ensure_eq!(
        reply.text(),
        format!(
            "{{\"quoted\": true, \"backend\": {{\"method\": \"PUT\", \"path\": \"/pricing/v1/quote\", \"bytes\": {}}}}}\n",
            sent.len() + 1
        ),
        "response template over the backend's echo"
    );
    ensure_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "content type"
    );
    ensure_eq!(
        reply.header("x-priced-by"),
        Some("gwc-e2e"),
        "mapped header"
    );
    // The backend answers 404: the `4\d{2}` response.
    let reply = conn.send(quote("?status=404", "application/json")?).await?;
    ensure_eq!(reply.status, 422, "4xx selection (body {:?})", reply.text());
    ensure_eq!(
        reply.text(),
        r#"{"quoted": false, "sku": "tea-01", "tenant": "o'brien", "reason": "the pricing service refused the request"}"#,
        "4xx template, with the method request's parameters"
    );
    // 500: no pattern matches, `default` with a responseOverride.
    let reply = conn.send(quote("?status=500", "application/json")?).await?;
    ensure_eq!(
        reply.status,
        503,
        "default + responseOverride (body {:?})",
        reply.text()
    );
    ensure_eq!(
        reply.text(),
        "{\"quoted\": false, \"reason\": \"pricing unavailable\"}\n",
        "default template"
    );
    // No template for text/plain and passthrough `never`: 415.
    let reply = conn.send(quote("", "text/plain")?).await?;
    ensure_eq!(
        reply.status,
        415,
        "passthrough never (body {:?})",
        reply.text()
    );
    Ok(())
}
