//! Runtime tests over real loopback sockets: a gateway built from hand-written IR, hyper
//! backends started by the test, and a hyper client (or raw TCP where framing matters).
//!
//! Only what the end-to-end suite (`tests/`, built gateways over TCP) cannot reach lives here:
//! IR no example spec has (the `rest` kind), the `Server::reload` API with a kept-alive
//! connection, build errors, and framing cases that need a hand-driven client. Each scenario
//! has one home; pass-through, 404/405/413/431/502/504, request ids, connection reuse, large
//! bodies, base paths and shutdown are tested end to end.

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

/// A real HTTP backend on its own thread; echoes what it received as JSON and counts requests.
struct Backend {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Backend {
    fn start() -> Backend {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&requests);
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
        Backend { addr, requests }
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
    if let Some(n) = query.strip_prefix("chunked=") {
        // A streamed answer without `Content-Length` (chunked), `n` bytes long.
        let n = n.parse().unwrap_or(0);
        return Ok(Response::new(http_body_util::Either::Right(
            Repeat::chunked(n),
        )));
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

// ---------------------------------------------------------------------------------------------
// IR and gateway

fn proxy_route(method: Method, path: &str, uri: &str, timeout: Option<u64>) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).unwrap(),
        integration: Integration::HttpProxy(HttpProxy {
            uri: ir::UriTemplate::parse(uri).unwrap(),
        }),
        timeout: timeout.map_or(Millis(29_000), Millis),
        ..Route::default()
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
        ..Route::default()
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
        routes,
        // Keeps `cargo test` output readable: the access log has its own tests.
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
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

/// The `rest` kind answers unknown routes and unbound methods as AWS's REST APIs do: 403
/// `Missing Authentication Token` for both (the `http` kind's 404/405 are covered end to end in
/// `tests/errors.rs`; no example spec is of the `rest` kind yet).
#[tokio::test]
async fn rest_kind_answers_unknown_routes_with_403() {
    let backend = Backend::start();
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
        assert!(headers.get("allow").is_none(), "{method} {path}");
    }
    assert_eq!(backend.requests.load(Ordering::SeqCst), 0);
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
            "invalid gateway: GET /y: URI parameter `{nope}` is not a parameter of the path",
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
    use crate::integration::pool::Address;
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

/// Records that the running test checked nothing, and why: a line on stderr and one in the
/// file `GWC_SKIP_LOG` names, which `scripts/test` lists after the run (libtest has no runtime
/// skip; the compiler's tests keep the same helper in `compiler/tests/support.rs`).
pub(crate) fn skip(why: &str) {
    use std::io::Write as _;
    let thread = std::thread::current();
    let line = format!("SKIPPED {}: {why}", thread.name().unwrap_or("unnamed test"));
    eprintln!("{line}");
    if let Some(log) = std::env::var_os("GWC_SKIP_LOG") {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = appended {
            eprintln!("cannot record the skip in {log:?}: {e}");
        }
    }
}

pub(crate) mod alloc_count;
mod telemetry;
