//! Binary payloads over TCP, on the storefront example (`binary_media_types: [image/png, …]`):
//! a PNG passes through a proxy byte for byte when the client's first `Accept` type is binary
//! and as base64 text otherwise (AWS REST's rule); an `http` integration converts it to
//! base64 for its backend and back (`content_handling`); a request template reads it as
//! base64 in `$input.body`. Also the mock whose request template chooses its status, and the
//! response template chosen by `Accept`.

use http::Method;

use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate};

/// A 2×2 RGBA PNG: signature, IHDR, IDAT, IEND (bytes that are not UTF-8 included).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x72, 0xb6, 0x0d,
    0x24, 0x00, 0x00, 0x00, 0x15, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x42, 0x0d, 0x0c, 0x20, 0xf0, 0xff, 0xff, 0x7f, 0x06, 0x00, 0x37, 0xdf, 0x06, 0x7b, 0x26, 0x9c,
    0xf1, 0x39, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `PNG` as standard base64, computed independently of the gateway's encoder.
fn png_base64() -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in PNG.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(if i <= c.len() {
                A[(n >> shift) as usize & 63] as char
            } else {
                '='
            });
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_payloads_follow_aws_rules() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::storefront() {
        let gw = target.start(&backend.url(), &[])?;
        binary(&gw).await.map_err(|e| annotate(&gw, e))?;
        mock_outcomes(&gw).await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

async fn binary(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let post = |path: &str, accept: Option<&str>| {
        let mut b = client::request(Method::POST, addr, path).header("content-type", "image/png");
        if let Some(a) = accept {
            b = b.header("accept", a);
        }
        b.body(TestBody::full(PNG))
    };
    // Proxy, binary Accept (the first type counts): the very bytes.
    let reply = conn
        .send(post("/images", Some("image/png, application/json;q=0.9"))?)
        .await?;
    ensure_eq!(reply.status, 200, "proxy status (body {:?})", reply.text());
    ensure_eq!(&reply.body[..], PNG, "proxy passes the PNG byte for byte");
    ensure_eq!(
        reply.header("content-type"),
        Some("image/png"),
        "content type"
    );
    ensure_eq!(
        reply.header("x-received-bytes"),
        Some(PNG.len().to_string().as_str()),
        "the backend got the bytes"
    );
    // Proxy, text Accept first: base64 text, as AWS answers.
    let reply = conn
        .send(post("/images", Some("application/json, image/png"))?)
        .await?;
    ensure_eq!(reply.status, 200, "proxy status (body {:?})", reply.text());
    ensure_eq!(
        reply.text(),
        png_base64(),
        "binary to a text Accept is base64"
    );
    ensure_eq!(
        reply.header("content-length"),
        Some(png_base64().len().to_string().as_str()),
        "length of the converted body"
    );
    // No Accept at all: text.
    let reply = conn.send(post("/images", None)?).await?;
    ensure_eq!(reply.text(), png_base64(), "no Accept is a text Accept");

    // http integration: CONVERT_TO_TEXT on the way in, CONVERT_TO_BINARY on the way out.
    let reply = conn.send(post("/images/archive", Some("*/*"))?).await?;
    ensure_eq!(
        reply.status,
        200,
        "archive status (body {:?})",
        reply.text()
    );
    ensure_eq!(&reply.body[..], PNG, "converted both ways, byte-exact");
    ensure_eq!(
        reply.header("content-type"),
        Some("image/png"),
        "mapped type"
    );
    ensure_eq!(
        reply.header("x-received-bytes"),
        Some(png_base64().len().to_string().as_str()),
        "the backend got base64 text"
    );

    // A request template reads a binary body as base64.
    let reply = conn.send(post("/images/label", None)?).await?;
    ensure_eq!(reply.status, 200, "label status (body {:?})", reply.text());
    let echo = reply.json()?;
    ensure_eq!(
        echo["png"].as_str(),
        Some(png_base64().as_str()),
        "$input.body is base64"
    );
    ensure_eq!(
        echo["bytes"].as_u64(),
        Some(png_base64().len() as u64),
        "length"
    );
    ensure_eq!(
        echo["via"].as_str(),
        Some("HTTP/1.1 POST /images/label"),
        "$context.protocol, httpMethod, resourcePath"
    );
    Ok(())
}

/// The mock's request template picks 200 or 404 from the SKU; each status's integration
/// response answers, the 404 one in the representation `Accept` names.
async fn mock_outcomes(gw: &GatewayProcess) -> TestResult {
    let addr = gw.addr();
    let mut conn = Conn::open(addr).await?;
    let get = |path: &str, accept: &str| {
        client::request(Method::GET, addr, path)
            .header("accept", accept)
            .header("x-request-id", "req-stock-1")
            .body(TestBody::empty())
    };
    let reply = conn.send(get("/stock/tea-01", "application/json")?).await?;
    ensure_eq!(reply.status, 200, "in stock (body {:?})", reply.text());
    ensure_eq!(
        reply.text(),
        r#"{"in_stock": true, "stage": "prod", "request": "req-stock-1"}"#,
        "200 template"
    );
    let reply = conn.send(get("/stock/mug-02", "application/json")?).await?;
    ensure_eq!(reply.status, 404, "unknown (body {:?})", reply.text());
    ensure_eq!(
        reply.text(),
        r#"{"message": "no such product"}"#,
        "404 JSON"
    );
    ensure_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "type"
    );
    let reply = conn.send(get("/stock/mug-02", "text/plain, */*")?).await?;
    ensure_eq!(reply.status, 404, "unknown, text (body {:?})", reply.text());
    ensure_eq!(reply.text(), "no such product", "404 chosen by Accept");
    ensure_eq!(reply.header("content-type"), Some("text/plain"), "type");
    let reply = conn.send(get("/stock/mug-02", "image/webp")?).await?;
    ensure_eq!(
        reply.text(),
        r#"{"message": "no such product"}"#,
        "no template for Accept: application/json"
    );
    Ok(())
}
