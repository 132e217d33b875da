//! Runtime tests over real loopback sockets: a gateway built from hand-written IR, hyper
//! backends started by the test, and a hyper client (or raw TCP where framing matters).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::ir::{
    self, ApiKind, ByteSize, HeaderPair, HttpProxy, Integration, Limits, Method, Millis,
    PathTemplate, Route, Stage, StageVariable,
};
use crate::{Gateway, RuntimeArgs, Server};

// ---------------------------------------------------------------------------------------------
// Backend

/// A real HTTP backend on its own thread; echoes what it received as JSON and counts
/// connections and requests.
struct Backend {
    addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
}

impl Backend {
    fn start() -> Backend {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let accepts = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let (a, r) = (Arc::clone(&accepts), Arc::clone(&requests));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    a.fetch_add(1, Ordering::SeqCst);
                    let r = Arc::clone(&r);
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            r.fetch_add(1, Ordering::SeqCst);
                            backend_handle(req)
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        Backend {
            addr,
            accepts,
            requests,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A streamed body of `remaining` bytes in 64 KiB chunks, never held whole.
struct Repeat {
    remaining: u64,
    chunk: Bytes,
    /// Announce the length (`Content-Length`) or not (chunked).
    sized: bool,
}

impl Repeat {
    fn new(len: u64) -> Repeat {
        Repeat {
            remaining: len,
            chunk: Bytes::from(vec![b'z'; 64 * 1024]),
            sized: true,
        }
    }

    fn chunked(len: u64) -> Repeat {
        Repeat {
            sized: false,
            ..Repeat::new(len)
        }
    }
}

impl http_body::Body for Repeat {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return std::task::Poll::Ready(None);
        }
        let n = self.remaining.min(self.chunk.len() as u64);
        self.remaining -= n;
        let data = self.chunk.slice(..n as usize);
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(data))))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        if self.sized {
            http_body::SizeHint::with_exact(self.remaining)
        } else {
            http_body::SizeHint::default()
        }
    }
}

type BackendBody = http_body_util::Either<Full<Bytes>, Repeat>;

async fn backend_handle(req: Request<Incoming>) -> Result<Response<BackendBody>, Infallible> {
    let query = req.uri().query().unwrap_or("").to_owned();
    if req.uri().path() == "/source" {
        let len: u64 = query
            .strip_prefix("bytes=")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        return Ok(Response::new(http_body_util::Either::Right(Repeat::new(
            len,
        ))));
    }
    if req.uri().path() == "/early" {
        // Answers before reading the body, as an auth check in front of an upload would, and
        // keeps reading it afterwards so the connection stays usable (and busy) meanwhile.
        let mut body = req.into_body();
        tokio::spawn(async move { while let Some(Ok(_)) = body.frame().await {} });
        let mut resp = Response::new(http_body_util::Either::Left(Full::new(Bytes::from_static(
            b"early",
        ))));
        *resp.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(resp);
    }
    if req.uri().path() == "/sink" {
        let mut body = req.into_body();
        let mut received = 0u64;
        while let Some(Ok(frame)) = body.frame().await {
            received += frame.data_ref().map_or(0, |d| d.len() as u64);
        }
        let text = format!("{{\"received\":{received}}}");
        return Ok(Response::new(http_body_util::Either::Left(Full::new(
            Bytes::from(text),
        ))));
    }
    if let Some(ms) = query.strip_prefix("sleep=") {
        let ms: u64 = ms.parse().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let mut headers = serde_json::Map::new();
    for (k, v) in req.headers() {
        headers.insert(
            k.as_str().to_owned(),
            serde_json::Value::String(v.to_str().unwrap_or("?").to_owned()),
        );
    }
    let method = req.method().to_string();
    let uri = req.uri().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let json = serde_json::json!({
        "method": method,
        "uri": uri,
        "headers": headers,
        "body_len": body.len(),
        "body": String::from_utf8_lossy(&body[..body.len().min(64)]),
    });
    let mut resp = Response::new(http_body_util::Either::Left(Full::new(Bytes::from(
        json.to_string(),
    ))));
    resp.headers_mut()
        .insert("content-type", "application/json".parse().unwrap());
    resp.headers_mut()
        .insert("connection", "keep-alive".parse().unwrap());
    resp.headers_mut()
        .insert("keep-alive", "timeout=30".parse().unwrap());
    resp.headers_mut()
        .insert("x-backend", "yes".parse().unwrap());
    Ok(resp)
}

/// An address where nothing listens.
fn dead_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------------
// IR and gateway

fn proxy_route(method: Method, path: &str, uri: &str, timeout: Option<u64>) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).unwrap(),
        integration: Integration::HttpProxy(HttpProxy {
            uri: uri.to_owned().into(),
            timeout: Millis(29_000),
        }),
        timeout: timeout.map(Millis),
    }
}

fn mock_route(method: Method, path: &str, status: u16, body: &str) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).unwrap(),
        integration: Integration::Mock(ir::Mock {
            status,
            headers: vec![HeaderPair {
                name: "content-type".into(),
                value: "text/plain".into(),
            }],
            body: body.to_owned().into(),
        }),
        timeout: None,
    }
}

fn ir_gateway(kind: ApiKind, routes: Vec<Route>) -> ir::Gateway {
    ir::Gateway {
        name: "test".into(),
        kind,
        listen: "127.0.0.1:0".into(),
        default_stage: "prod".into(),
        stages: vec![Stage {
            name: "prod".into(),
            variables: vec![StageVariable {
                name: "backend".into(),
                value: "http://127.0.0.1:1".into(),
            }],
        }],
        base_path: None,
        limits: Limits {
            max_body: ByteSize(1 << 20),
            ..Limits::default()
        },
        responses: vec![],
        routes,
    }
}

/// The petstore-like table used by most tests; `${stageVariables.backend}` comes from args.
fn petstore(kind: ApiKind) -> ir::Gateway {
    let b = "${stageVariables.backend}";
    ir_gateway(
        kind,
        vec![
            proxy_route(Method::Get, "/pets", &format!("{b}/pets"), None),
            proxy_route(Method::Post, "/pets", &format!("{b}/pets"), None),
            proxy_route(
                Method::Get,
                "/pets/{petId}",
                &format!("{b}/v2/pets/{{petId}}"),
                None,
            ),
            proxy_route(Method::Get, "/slow", &format!("{b}/slow"), Some(300)),
            proxy_route(
                Method::Any,
                "/files/{proxy+}",
                &format!("{b}/files/{{proxy}}"),
                None,
            ),
            mock_route(Method::Get, "/status", 201, "mocked"),
        ],
    )
}

fn args_for(backend: &str) -> RuntimeArgs {
    RuntimeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        stage_variables: vec![("backend".to_owned(), backend.to_owned())],
        workers: Some(2),
        ..RuntimeArgs::default()
    }
}

fn start(ir: &ir::Gateway, args: &RuntimeArgs) -> Server {
    let gw = Gateway::from_ir(ir, args).unwrap();
    Server::start(gw, args).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Client

struct Client {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        Client { sender }
    }

    async fn send(&mut self, req: Request<Full<Bytes>>) -> (StatusCode, http::HeaderMap, Bytes) {
        self.sender.ready().await.unwrap();
        let resp = self.sender.send_request(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        (parts.status, parts.headers, body)
    }

    async fn get(&mut self, path: &str) -> (StatusCode, http::HeaderMap, Bytes) {
        self.send(request("GET", path, "")).await
    }
}

fn request(method: &str, path: &str, body: &str) -> Request<Full<Bytes>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "gateway.test")
        .body(Full::new(Bytes::from(body.to_owned())))
        .unwrap()
}

async fn get_once(addr: SocketAddr, path: &str) -> (StatusCode, http::HeaderMap, Bytes) {
    Client::connect(addr).await.get(path).await
}

fn json(body: &Bytes) -> serde_json::Value {
    serde_json::from_slice(body).unwrap_or_else(|_| panic!("not JSON: {body:?}"))
}

/// Sends raw bytes and reads until the server closes (or 5 s pass).
async fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Tests

#[tokio::test]
async fn proxy_passes_requests_through() {
    let backend = Backend::start();
    let server = start(&petstore(ApiKind::Http), &args_for(&backend.url()));
    let mut client = Client::connect(server.local_addr()).await;
    let req = Request::builder()
        .method("POST")
        .uri("/pets?limit=5&x=%20y")
        .header("host", "gateway.test")
        .header("x-custom", "kept")
        .header("connection", "keep-alive, x-drop-me")
        .header("x-drop-me", "secret")
        .header("keep-alive", "timeout=5")
        .header("proxy-authorization", "Basic Zm9vOmJhcg==")
        .header("x-forwarded-for", "203.0.113.7")
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(b"{\"name\":\"rex\"}")))
        .unwrap();
    let (status, headers, body) = client.send(req).await;
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["method"], "POST");
    assert_eq!(v["uri"], "/pets?limit=5&x=%20y");
    assert_eq!(v["body"], "{\"name\":\"rex\"}");
    let h = &v["headers"];
    assert_eq!(h["host"], backend.addr.to_string());
    assert_eq!(h["x-custom"], "kept");
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["x-forwarded-for"], "203.0.113.7, 127.0.0.1");
    assert_eq!(h["x-forwarded-proto"], "http");
    assert_eq!(h["x-forwarded-host"], "gateway.test");
    for gone in ["x-drop-me", "keep-alive", "proxy-authorization"] {
        assert!(h.get(gone).is_none(), "{gone} reached the backend: {h}");
    }
    // Response: backend headers kept, hop-by-hop removed, request ids added.
    assert_eq!(headers["x-backend"], "yes");
    assert!(headers.get("keep-alive").is_none());
    assert_eq!(headers["x-amzn-requestid"], headers["x-request-id"]);

    // Path parameters and the greedy proxy, raw text substituted.
    let (_, _, body) = client.get("/pets/a%20b?q=1").await;
    assert_eq!(json(&body)["uri"], "/v2/pets/a%20b?q=1");
    let (_, _, body) = client.send(request("DELETE", "/files/x/y.txt", "")).await;
    let v = json(&body);
    assert_eq!(
        (v["method"].as_str(), v["uri"].as_str()),
        (Some("DELETE"), Some("/files/x/y.txt"))
    );
    let (status, _, _) = client.get("/files/../pets").await;
    assert_eq!(status, 400);
    server.shutdown();
    server.wait();
}

#[tokio::test]
async fn not_found_and_method_not_allowed_per_kind() {
    let backend = Backend::start();
    let http = start(&petstore(ApiKind::Http), &args_for(&backend.url()));
    let (status, headers, body) = get_once(http.local_addr(), "/nope").await;
    assert_eq!(
        (status.as_u16(), &body[..]),
        (404, &b"{\"message\":\"Not Found\"}"[..])
    );
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-amzn-errortype"], "ResourceNotFoundException");
    assert!(headers.contains_key("x-amzn-requestid"));
    let mut c = Client::connect(http.local_addr()).await;
    let (status, headers, body) = c.send(request("DELETE", "/pets", "")).await;
    assert_eq!(status, 405);
    assert_eq!(headers["allow"], "GET, POST");
    assert_eq!(&body[..], b"{\"message\":\"Method Not Allowed\"}");

    let rest = start(&petstore(ApiKind::Rest), &args_for(&backend.url()));
    for (method, path) in [("GET", "/nope"), ("DELETE", "/pets")] {
        let mut c = Client::connect(rest.local_addr()).await;
        let (status, headers, body) = c.send(request(method, path, "")).await;
        assert_eq!(status, 403, "{method} {path}");
        assert_eq!(&body[..], b"{\"message\":\"Missing Authentication Token\"}");
        assert_eq!(
            headers["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
    }
    assert_eq!(backend.requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn backend_down_is_502_fast() {
    let server = start(
        &petstore(ApiKind::Http),
        &args_for(&format!("http://{}", dead_addr())),
    );
    let t = Instant::now();
    let (status, headers, body) = get_once(server.local_addr(), "/pets").await;
    assert_eq!(status, 502);
    assert_eq!(&body[..], b"{\"message\":\"Bad Gateway\"}");
    assert_eq!(headers["x-amzn-errortype"], "InternalServerErrorException");
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn slow_backend_is_504_at_the_route_timeout() {
    let backend = Backend::start();
    let server = start(&petstore(ApiKind::Http), &args_for(&backend.url()));
    let t = Instant::now();
    let (status, _, body) = get_once(server.local_addr(), "/slow?sleep=3000").await;
    let took = t.elapsed();
    assert_eq!(status, 504);
    assert_eq!(&body[..], b"{\"message\":\"Endpoint request timed out\"}");
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    // Within the timeout the same route answers.
    let (status, _, _) = get_once(server.local_addr(), "/slow?sleep=10").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn payload_limit_content_length_and_chunked() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.limits.max_body = ByteSize(1024);
    let server = start(&ir, &args_for(&backend.url()));
    let addr = server.local_addr();

    let big = "x".repeat(2000);
    let (status, headers, body) = Client::connect(addr)
        .await
        .send(request("POST", "/pets", &big))
        .await;
    assert_eq!(status, 413);
    assert_eq!(&body[..], b"{\"message\":\"Request Too Long\"}");
    assert_eq!(headers["x-amzn-errortype"], "RequestTooLargeException");
    assert_eq!(
        backend.requests.load(Ordering::SeqCst),
        0,
        "backend touched"
    );

    // Within the limit, chunked: passes.
    let ok = raw(
        addr,
        b"POST /pets HTTP/1.1\r\nhost: g\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"body_len\":5"), "{ok}");

    // Over the limit, chunked: counted while streaming.
    let mut chunked = b"POST /pets HTTP/1.1\r\nhost: g\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b'y'; 512]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let resp = raw(addr, &chunked).await;
    assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
    assert!(resp.contains("Request Too Long"), "{resp}");
}

/// A client still sending a large body when the gateway refuses it must be able to read the
/// refusal: the gateway drains the rest for a while instead of resetting the connection.
#[tokio::test]
async fn refusals_are_readable_while_the_client_is_still_sending() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.limits.max_body = ByteSize(1024);
    let server = start(&ir, &args_for(&backend.url()));
    let cases = [
        ("POST", "/pets", Repeat::new(8 << 20), 413),
        ("POST", "/pets", Repeat::chunked(8 << 20), 413),
        ("POST", "/nowhere", Repeat::new(8 << 20), 404),
        ("GET", "/status", Repeat::chunked(8 << 20), 201),
    ];
    for (method, path, body, status) in cases {
        let stream = TcpStream::connect(server.local_addr()).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let sized = body.sized;
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "g")
            .body(body)
            .unwrap();
        let resp = sender
            .send_request(req)
            .await
            .unwrap_or_else(|e| panic!("{path} (sized: {sized}): {e:?}"));
        assert_eq!(resp.status(), status, "{path} (sized: {sized})");
    }
}

#[tokio::test]
async fn mock_and_request_ids() {
    let backend = Backend::start();
    // With the access log on, so its code path runs too.
    let mut args = args_for(&backend.url());
    args.access_log = true;
    let server = start(&petstore(ApiKind::Http), &args);
    let mut c = Client::connect(server.local_addr()).await;
    let (status, headers, body) = c.get("/status").await;
    assert_eq!((status.as_u16(), &body[..]), (201, &b"mocked"[..]));
    assert_eq!(headers["content-type"], "text/plain");
    let first = headers["x-request-id"].clone();
    assert_eq!(first.len(), 36);
    let (_, headers, _) = c.get("/status").await;
    assert_ne!(headers["x-request-id"], first);

    let mut req = request("GET", "/status", "");
    req.headers_mut()
        .insert("x-request-id", "trace-abc.123".parse().unwrap());
    let (_, headers, _) = c.send(req).await;
    assert_eq!(headers["x-request-id"], "trace-abc.123");
    assert_eq!(headers["x-amzn-requestid"], "trace-abc.123");

    let mut req = request("GET", "/status", "");
    req.headers_mut()
        .insert("x-request-id", "bad id with spaces".parse().unwrap());
    let (_, headers, _) = c.send(req).await;
    assert_ne!(headers["x-request-id"], "bad id with spaces");
    assert_eq!(headers["x-request-id"].len(), 36);
}

#[tokio::test]
async fn upstream_connections_are_reused() {
    let backend = Backend::start();
    let server = start(&petstore(ApiKind::Http), &args_for(&backend.url()));
    let mut c = Client::connect(server.local_addr()).await;
    for i in 0..100 {
        let (status, _, body) = c.get(&format!("/pets/{i}")).await;
        assert_eq!(status, 200);
        assert_eq!(json(&body)["uri"], format!("/v2/pets/{i}"));
    }
    assert_eq!(backend.requests.load(Ordering::SeqCst), 100);
    assert_eq!(backend.accepts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_requests() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.routes.push(proxy_route(
        Method::Get,
        "/long",
        "${stageVariables.backend}/long",
        Some(5000),
    ));
    let server = start(&ir, &args_for(&backend.url()));
    let addr = server.local_addr();
    let slow = tokio::spawn(async move { get_once(addr, "/long?sleep=700").await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let t = Instant::now();
    let waiter = std::thread::spawn(move || {
        server.shutdown();
        server.wait();
    });
    let (status, _, body) = slow.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(json(&body)["uri"], "/long?sleep=700");
    waiter.join().unwrap();
    assert!(t.elapsed() < Duration::from_secs(3));
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

#[tokio::test]
async fn reload_keeps_in_flight_requests() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.routes.push(proxy_route(
        Method::Get,
        "/long",
        "${stageVariables.backend}/long",
        Some(5000),
    ));
    let args = args_for(&backend.url());
    let server = start(&ir, &args);
    let addr = server.local_addr();
    let slow = tokio::spawn(async move { get_once(addr, "/long?sleep=500").await });
    // A kept-alive connection opened before the reload sees the new gateway too.
    let mut kept = Client::connect(addr).await;
    assert_eq!(kept.get("/status").await.2, "mocked");
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut v2 = ir.clone();
    v2.routes.retain(|r| r.path.raw != "/status");
    v2.routes
        .push(mock_route(Method::Get, "/status", 200, "v2"));
    server.reload(Gateway::from_ir(&v2, &args).unwrap());

    assert_eq!(kept.get("/status").await.2, "v2");
    assert_eq!(get_once(addr, "/status").await.2, "v2");
    let (status, _, body) = slow.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(json(&body)["uri"], "/long?sleep=500");
    server.shutdown();
    server.wait();
}

#[tokio::test]
async fn header_limit_and_admin() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.limits.max_header = ByteSize(8192);
    let mut args = args_for(&backend.url());
    args.admin_listen = Some("127.0.0.1:0".parse().unwrap());
    let server = start(&ir, &args);
    let huge = format!(
        "GET /pets HTTP/1.1\r\nhost: g\r\nx-big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let resp = raw(server.local_addr(), huge.as_bytes()).await;
    assert!(resp.starts_with("HTTP/1.1 431"), "{resp}");
    // Answered by the gateway (JSON body, request id), not hyper's bare 431.
    assert!(resp.contains("x-request-id: "), "{resp}");
    assert!(
        resp.ends_with("{\"message\":\"Request Header Fields Too Large\"}"),
        "{resp}"
    );
    assert_eq!(backend.requests.load(Ordering::SeqCst), 0);

    let admin = server.admin_addr().unwrap();
    let (status, _, body) = get_once(admin, "/healthz").await;
    assert_eq!(
        (status.as_u16(), &body[..]),
        (200, &b"{\"status\":\"ok\"}"[..])
    );
    assert_eq!(get_once(admin, "/other").await.0, 404);
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test]
async fn large_bodies_stream_both_ways() {
    const LEN: u64 = 256 << 20;
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.limits.max_body = ByteSize(1 << 30);
    ir.routes.push(proxy_route(
        Method::Post,
        "/sink",
        "${stageVariables.backend}/sink",
        None,
    ));
    ir.routes.push(proxy_route(
        Method::Get,
        "/source",
        "${stageVariables.backend}/source",
        None,
    ));
    let server = start(&ir, &args_for(&backend.url()));
    let before = rss_bytes();

    let stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = Request::builder()
        .method("POST")
        .uri("/sink")
        .header("host", "g")
        .body(Repeat::new(LEN))
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(json(&body)["received"], LEN);

    let resp = get_once_streaming(server.local_addr(), &format!("/source?bytes={LEN}")).await;
    assert_eq!(resp, LEN);
    // Buffering either body whole would grow RSS by at least 256 MiB; the bound leaves room
    // for tests running concurrently in this process (they share its RSS).
    let growth = rss_bytes().saturating_sub(before);
    assert!(growth < 128 << 20, "RSS grew by {} MiB", growth >> 20);
}

async fn get_once_streaming(addr: SocketAddr, path: &str) -> u64 {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let resp = sender.send_request(request("GET", path, "")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.into_body();
    let mut n = 0u64;
    while let Some(frame) = body.frame().await {
        n += frame.unwrap().data_ref().map_or(0, |d| d.len() as u64);
    }
    n
}

#[tokio::test]
async fn early_backend_answer_does_not_stall_later_requests() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.routes.push(proxy_route(
        Method::Post,
        "/early",
        "${stageVariables.backend}/early",
        None,
    ));
    let mut args = args_for(&backend.url());
    args.workers = Some(1);
    let server = start(&ir, &args);
    let addr = server.local_addr();

    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let (mut upload, body) = http_body_util::channel::Channel::<Bytes, Infallible>::new(1);
    upload
        .send_data(Bytes::from_static(b"first chunk"))
        .await
        .unwrap();
    let req = Request::builder()
        .method("POST")
        .uri("/early")
        .header("host", "g")
        .body(body)
        .unwrap();
    let resp = sender.send_request(req).await.unwrap();
    assert_eq!(resp.status(), 401);
    let early = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&early[..], b"early");

    // The upload is still open; a new request on the same worker must not wait for it.
    let t = Instant::now();
    let (status, _, _) = tokio::time::timeout(Duration::from_secs(3), get_once(addr, "/pets"))
        .await
        .expect("request stalled behind an unfinished upload");
    assert_eq!(status, 200);
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    drop(upload);
}

#[tokio::test]
async fn smuggling_attempts_are_reframed_or_refused() {
    let backend = Backend::start();
    let mut args = args_for(&backend.url());
    args.stage_variables[0].1 = format!("http://localhost:{}", backend.addr.port());
    let server = start(&petstore(ApiKind::Http), &args);
    let addr = server.local_addr();
    // CL and TE together: the chunked framing wins, Content-Length is dropped, the upstream
    // request is re-framed, and the bytes after the chunked body never become a request.
    let resp = raw(
        addr,
        b"POST /pets HTTP/1.1\r\nhost: g\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n\
          b\r\nhello world\r\n0\r\n\r\nGET /pets/smuggled HTTP/1.1\r\nhost: g\r\n\r\n",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"body_len\":11"), "{resp}");
    assert!(!resp.contains("smuggled"), "{resp}");
    assert_eq!(backend.requests.load(Ordering::SeqCst), 1);
    // A transfer coding other than chunked is refused.
    let resp = raw(
        addr,
        b"POST /pets HTTP/1.1\r\nhost: g\r\ntransfer-encoding: gzip\r\n\r\nxx",
    )
    .await;
    assert!(resp.starts_with("HTTP/1.1 400"), "{resp}");
    assert_eq!(backend.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let backend = Backend::start();
    let mut ir = petstore(ApiKind::Http);
    ir.limits.idle_timeout = Millis(200);
    let server = start(&ir, &args_for(&backend.url()));
    let mut s = TcpStream::connect(server.local_addr()).await.unwrap();
    s.write_all(b"GET /status HTTP/1.1\r\nhost: g\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 201"));
    // Kept alive, then closed by the sweep within two idle periods (plus slack).
    let t = Instant::now();
    let eof = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await;
    assert!(matches!(eof, Ok(Ok(0))), "{eof:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn base_path_from_args() {
    let backend = Backend::start();
    let mut args = args_for(&backend.url());
    args.base_path = Some("/prod".to_owned());
    let server = start(&petstore(ApiKind::Http), &args);
    assert_eq!(get_once(server.local_addr(), "/prod/status").await.0, 201);
    assert_eq!(get_once(server.local_addr(), "/status").await.0, 404);
}

#[test]
fn build_errors() {
    let ir = petstore(ApiKind::Http);
    let mut args = RuntimeArgs::default();
    // The stage's own value works without overrides.
    assert!(Gateway::from_ir(&ir, &args).is_ok());
    let mut missing = ir.clone();
    missing.routes.push(proxy_route(
        Method::Get,
        "/x",
        "${stageVariables.other}/x",
        None,
    ));
    let err = Gateway::from_ir(&missing, &args).unwrap_err();
    assert_eq!(
        err.to_string(),
        "route `GET /x`: stage variable `other` is not defined in stage `prod` (pass `--stage-variable other=VALUE`)"
    );
    args.stage_variables
        .push(("other".to_owned(), "http://127.0.0.1:2".to_owned()));
    assert!(Gateway::from_ir(&missing, &args).is_ok());

    let cases = [
        (
            "ftp://h/x",
            "route `GET /y`: integration URI `ftp://h/x` is invalid: must start with `http://` or `https://`",
        ),
        (
            "https://bad_host!/x",
            "route `GET /y`: integration URI `https://bad_host!/x` is invalid: `bad_host!` is not a valid TLS server name: invalid dns name",
        ),
        (
            "http://h/{nope}",
            "route `GET /y`: integration URI `http://h/{nope}` is invalid: `{nope}` is not a parameter of `/y`",
        ),
    ];
    for (uri, message) in cases {
        let mut bad = ir.clone();
        bad.routes.push(proxy_route(Method::Get, "/y", uri, None));
        assert_eq!(
            Gateway::from_ir(&bad, &RuntimeArgs::default())
                .unwrap_err()
                .to_string(),
            message
        );
    }
    let args = RuntimeArgs {
        stage: Some("qa".to_owned()),
        ..RuntimeArgs::default()
    };
    assert_eq!(
        Gateway::from_ir(&ir, &args).unwrap_err().to_string(),
        "stage `qa` is not declared in the spec"
    );
    let args = RuntimeArgs {
        base_path: Some("/prod/".to_owned()),
        ..RuntimeArgs::default()
    };
    assert!(matches!(
        Gateway::from_ir(&ir, &args),
        Err(crate::BuildError::BadBasePath(_))
    ));
}

#[test]
fn https_upstreams() {
    use crate::pool::Address;
    let mut ir = petstore(ApiKind::Http);
    ir.routes.clear();
    for (path, uri) in [
        ("/a", "https://api.example.com/a"),
        ("/b", "https://API.example.com/b"),
        ("/c", "http://api.example.com/c"),
        ("/d", "https://127.0.0.1:8443/d"),
        ("/e", "${stageVariables.backend}/e"),
    ] {
        ir.routes.push(proxy_route(Method::Get, path, uri, None));
    }
    let args = RuntimeArgs {
        stage_variables: vec![("backend".to_owned(), "https://[::1]".to_owned())],
        ..RuntimeArgs::default()
    };
    let gw = Gateway::from_ir(&ir, &args).unwrap();
    // Same scheme and authority share an upstream; the scheme separates plain from TLS.
    let seen: Vec<String> = gw
        .upstreams
        .iter()
        .map(|u| {
            let address = match &u.address {
                Address::Ip(a) => a.to_string(),
                Address::Host(h, p) => format!("{h}:{p}"),
            };
            let sni = u.tls.as_ref().map(|t| format!("{:?}", t.server_name));
            format!("{address} host={:?} tls={sni:?}", u.host)
        })
        .collect();
    expect_test::expect![[r#"
        [
            "api.example.com:443 host=\"api.example.com\" tls=Some(\"DnsName(\\\"api.example.com\\\")\")",
            "api.example.com:80 host=\"api.example.com\" tls=None",
            "127.0.0.1:8443 host=\"127.0.0.1:8443\" tls=Some(\"IpAddress(V4(Ipv4Addr([127, 0, 0, 1])))\")",
            "[::1]:443 host=\"[::1]\" tls=Some(\"IpAddress(V6(Ipv6Addr([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])))\")",
        ]
    "#]]
    .assert_debug_eq(&seen);
    // All TLS upstreams share one client configuration.
    let configs: Vec<_> = gw
        .upstreams
        .iter()
        .filter_map(|u| u.tls.as_ref())
        .map(|t| std::sync::Arc::as_ptr(t.connector.config()))
        .collect();
    assert_eq!(configs.len(), 3);
    assert!(configs.iter().all(|c| *c == configs[0]));
}

#[test]
fn bad_upstream_ca_file_stops_start_up() {
    // Even a gateway with only plain upstreams checks a CA file it was given.
    let ir = petstore(ApiKind::Http);
    let args = RuntimeArgs {
        upstream_ca_file: Some("/nonexistent/ca.pem".into()),
        ..RuntimeArgs::default()
    };
    let err = Gateway::from_ir(&ir, &args).unwrap_err();
    assert!(
        matches!(err, crate::BuildError::UpstreamCaFile { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("upstream CA file `/nonexistent/ca.pem`: "),
        "{err}"
    );
}
