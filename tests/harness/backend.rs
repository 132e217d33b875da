//! Real HTTP backends on loopback, run inside the test process, that count what they see.
//!
//! One backend type covers every role the tests need, chosen per request by query parameters,
//! because the gateway passes the query string through untouched whatever route it matched:
//! - no parameter: **echo** — a JSON object with the method, path, raw query, headers and the
//!   number of body bytes received (the body is counted, never kept, so this is also the
//!   **upload sink**);
//! - `delay_ms=N`: **slow** — waits N ms after reading the body, before the response head
//!   ([`BackendOptions::delay`] sets a default for every request);
//! - `body_delay_ms=N`: sends the response head and half the body, waits N ms, then the rest;
//! - `download=N`: **download** — streams N bytes with `Content-Length` from one shared chunk;
//! - `status=N`: answers with status N;
//! - `cookies=0`: no `Set-Cookie` headers (which a response cache never stores).
//!
//! Every backend counts accepted TCP connections and requests, which is how the tests see
//! upstream connection reuse. [`Backend::start_tls`] serves the same behaviour over TLS with a
//! certificate made in the test (see `certs`), and also records each handshake's SNI and
//! counts completed and failed handshakes. [`ClosedPort`] is the opposite: a port that refuses
//! connections.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::client::TestBody;

/// Settings that apply to every request of one backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct BackendOptions {
    /// Wait this long before every response head (a **slow** backend).
    pub delay: Duration,
}

#[derive(Debug, Default)]
struct Stats {
    connections: AtomicUsize,
    requests: AtomicUsize,
    complete_bodies: AtomicUsize,
    bytes_received: AtomicU64,
    tls_handshakes: AtomicUsize,
    tls_failures: AtomicUsize,
    /// The SNI of each completed handshake (`None`: the client sent none).
    server_names: Mutex<Vec<Option<String>>>,
}

/// A running backend; stops accepting and drops its open connections on drop.
pub struct Backend {
    addr: SocketAddr,
    stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Backend {
    /// Starts an echo backend on a free loopback port.
    pub async fn start() -> std::io::Result<Backend> {
        Backend::start_with(BackendOptions::default()).await
    }

    /// Starts a backend with options (e.g. a default delay).
    pub async fn start_with(options: BackendOptions) -> std::io::Result<Backend> {
        Backend::start_inner(options, None).await
    }

    /// Starts an echo backend that speaks TLS with `config` (see `certs::TestCa`).
    pub async fn start_tls(config: Arc<rustls::ServerConfig>) -> std::io::Result<Backend> {
        Backend::start_inner(BackendOptions::default(), Some(TlsAcceptor::from(config))).await
    }

    async fn start_inner(
        options: BackendOptions,
        tls: Option<TlsAcceptor>,
    ) -> std::io::Result<Backend> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let task = tokio::spawn(accept_loop(listener, options, tls, Arc::clone(&stats)));
        Ok(Backend { addr, stats, task })
    }

    /// `http://127.0.0.1:PORT`, the value for `--stage-variable backend=…`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound port (for `https://localhost:PORT` URLs).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// TLS handshakes completed so far: the TLS connections the gateway opened and kept.
    pub fn tls_handshakes(&self) -> usize {
        self.stats.tls_handshakes.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed (for instance the client rejected the certificate).
    pub fn tls_failures(&self) -> usize {
        self.stats.tls_failures.load(Ordering::SeqCst)
    }

    /// The SNI of every completed handshake, in order.
    pub fn server_names(&self) -> Vec<Option<String>> {
        self.stats
            .server_names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Requests received so far (counted when the head arrives).
    pub fn requests(&self) -> usize {
        self.stats.requests.load(Ordering::SeqCst)
    }

    /// Requests whose body arrived whole (ended cleanly, not cut off by the client side).
    pub fn complete_bodies(&self) -> usize {
        self.stats.complete_bodies.load(Ordering::SeqCst)
    }

    /// Request body bytes received over all requests.
    pub fn bytes_received(&self) -> u64 {
        self.stats.bytes_received.load(Ordering::SeqCst)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    options: BackendOptions,
    tls: Option<TlsAcceptor>,
    stats: Arc<Stats>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                stats.connections.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_nodelay(true);
                let stats = Arc::clone(&stats);
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve(stream, options, stats).await,
                        Some(tls) => {
                            // Bounded, so a client that never finishes its handshake cannot
                            // keep the task alive.
                            let accepted = tokio::time::timeout(
                                Duration::from_secs(10),
                                tls.accept(stream),
                            )
                            .await;
                            let Ok(Ok(stream)) = accepted else {
                                stats.tls_failures.fetch_add(1, Ordering::SeqCst);
                                return;
                            };
                            let sni = stream.get_ref().1.server_name().map(str::to_owned);
                            stats
                                .server_names
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(sni);
                            stats.tls_handshakes.fetch_add(1, Ordering::SeqCst);
                            serve(stream, options, stats).await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves HTTP/1 on one accepted (plain or TLS) connection until it closes.
async fn serve<S>(stream: S, options: BackendOptions, stats: Arc<Stats>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(req, options, Arc::clone(&stats)));
    // A reset or aborted connection is the gateway's business, not a test failure.
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// Query parameters, last value wins; the query is test-controlled, so this needs no decoding.
fn query_params(query: Option<&str>) -> BTreeMap<&str, &str> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect()
}

fn number(params: &BTreeMap<&str, &str>, key: &str) -> Option<u64> {
    params.get(key).and_then(|v| v.parse().ok())
}

async fn handle(
    req: Request<Incoming>,
    options: BackendOptions,
    stats: Arc<Stats>,
) -> Result<Response<TestBody>, Infallible> {
    stats.requests.fetch_add(1, Ordering::SeqCst);
    let (parts, mut body) = req.into_parts();
    let params = query_params(parts.uri.query());

    // Count the body without keeping it: this is the upload sink (`mirror` keeps it, to
    // answer with the very bytes, as `type` or the request's content type).
    let mirror = params.contains_key("mirror");
    let mut kept = Vec::new();
    let mut body_len = 0u64;
    let mut body_error = None;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Some(data) = frame.data_ref() {
                    if mirror {
                        kept.extend_from_slice(data);
                    }
                    body_len += data.len() as u64;
                    stats
                        .bytes_received
                        .fetch_add(data.len() as u64, Ordering::SeqCst);
                }
            }
            Err(e) => {
                body_error = Some(e.to_string());
                break;
            }
        }
    }

    if body_error.is_none() {
        stats.complete_bodies.fetch_add(1, Ordering::SeqCst);
    }

    let delay = number(&params, "delay_ms").map_or(options.delay, Duration::from_millis);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    let status = number(&params, "status")
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut builder = Response::builder()
        .status(status)
        .header("x-backend", "gwc-e2e");
    // `cookies=0`: no `Set-Cookie`, so a response cache may store the answer.
    if number(&params, "cookies") != Some(0) {
        builder = builder
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2");
    }

    if mirror {
        let content_type = params.get("type").copied().map_or_else(
            || parts.headers.get("content-type").cloned(),
            |t| http::HeaderValue::from_str(&t.replace("%2F", "/")).ok(),
        );
        if let Some(t) = content_type {
            builder = builder.header("content-type", t);
        }
        let resp = builder
            .header("x-received-bytes", body_len)
            .body(TestBody::full(kept));
        return Ok(resp.unwrap_or_else(|_| Response::new(TestBody::empty())));
    }

    if let Some(len) = number(&params, "download") {
        let resp = builder
            .header("content-type", "application/octet-stream")
            .body(TestBody::sized(len));
        return Ok(resp.unwrap_or_else(|_| Response::new(TestBody::empty())));
    }

    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        let values = headers
            .entry(name.as_str())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let serde_json::Value::Array(values) = values {
            values.push(
                String::from_utf8_lossy(value.as_bytes())
                    .into_owned()
                    .into(),
            );
        }
    }
    let echo = serde_json::json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body_len": body_len,
        "body_error": body_error,
    });
    let bytes = Bytes::from(echo.to_string());
    let builder = builder.header("content-type", "application/json");

    let body = match number(&params, "body_delay_ms") {
        Some(ms) => {
            let (tx, body) = TestBody::channel();
            tokio::spawn(async move {
                let half = bytes.len() / 2;
                if tx.send(bytes.slice(..half)).await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let _ = tx.send(bytes.slice(half..)).await;
                }
            });
            body
        }
        None => TestBody::full(bytes),
    };
    Ok(builder
        .body(body)
        .unwrap_or_else(|_| Response::new(TestBody::empty())))
}

/// A loopback port that is bound but not listening, so connections to it are refused: a
/// backend that is down, without the race of closing a listener and hoping nobody reuses it.
pub struct ClosedPort {
    _socket: socket2::Socket,
    addr: SocketAddr,
}

impl ClosedPort {
    /// Reserves a refusing port.
    pub fn new() -> std::io::Result<ClosedPort> {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
        socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        let addr = socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| std::io::Error::other("bound socket has no IP address"))?;
        Ok(ClosedPort {
            _socket: socket,
            addr,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The values the echo backend saw for header `name`, joined with `, ` as HTTP folds repeated
/// fields; `None` when the header did not arrive.
pub fn echoed_header(echo: &serde_json::Value, name: &str) -> Option<String> {
    let values = echo.get("headers")?.get(name)?.as_array()?;
    let texts: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
    Some(texts.join(", "))
}
