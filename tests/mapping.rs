//! Parameter mapping over TCP, on the storefront example: a header turned into a query
//! parameter, a query parameter renamed, headers set from the context and stage variables and
//! removed, and response headers rewritten; the backend's echo shows what it received.

use http::Method;

use crate::harness::client::{self, Conn, TestBody};
use crate::harness::backend::echoed_header;
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
