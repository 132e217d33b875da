//! The server: one `current_thread` tokio runtime per worker thread, each with its own
//! `SO_REUSEPORT` listener, its own upstream connections and its own cached view of the
//! current gateway; plus the optional admin listener.
//!
//! Nothing on the request path is shared between threads except the immutable gateway. A
//! reload publishes a new `Arc<Gateway>` through a `watch` channel; each worker checks the
//! channel's version (one atomic load) per request and, only when it changed, clones the new
//! `Arc` into a thread-local `Rc` generation with fresh connection pools. In-flight requests
//! keep their `Rc` to the old generation and finish on it.
//!
//! Graceful shutdown: the same kind of channel tells every worker to stop accepting; the worker
//! then asks each of its connections (through a per-connection control block, not a channel
//! polled per request) to finish its current exchange and close, and exits when they are gone
//! (or after the longest integration timeout plus a second, so it cannot hang). The same
//! control blocks let one sweep per idle period close connections that carried no request.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::Duration;

use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::head_timer::{HeadClock, HeadTimer, Watched};
use crate::ir::ErrorType;
use crate::pipeline::{RequestContext, WorkerGateway};
use crate::proxy::ClientInfo;
use crate::request_id::{self, AMZN_REQUEST_ID, X_REQUEST_ID};
use crate::telemetry::{self, InFlight, LogRecord, MetricsHub};

/// Shared between the `Server` handle, the signal handler and the workers.
#[derive(Debug)]
pub(crate) struct Control {
    gateway: watch::Sender<Arc<Gateway>>,
    shutdown: watch::Sender<bool>,
    /// Every live gateway generation's metrics, merged on scrape; survives reloads.
    metrics: MetricsHub,
    /// Workers started; workers whose listener is registered and accepting.
    workers: usize,
    accepting: AtomicUsize,
    /// Set once every worker has stopped: the admin listener (which answers `/readyz` 503
    /// while the workers drain) stops then.
    stopped: watch::Sender<bool>,
}

impl Control {
    pub(crate) fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// Running listeners: one `current_thread` runtime per worker thread, plus the admin listener.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    control: Arc<Control>,
    threads: Vec<JoinHandle<()>>,
    admin_thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds the listeners (`--listen`, else the spec's address; with port 0 the first worker
    /// binds and the others share its port), starts the workers, prints the
    /// `listening on http://ADDR` line (and the admin one) to stdout and returns.
    pub fn start(gateway: Gateway, args: &RuntimeArgs) -> std::io::Result<Server> {
        let addr = args.listen.or(gateway.listen).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "no listen address: pass --listen",
            )
        })?;
        let workers = args
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1);
        let first = bind(addr, true)?;
        let local = first.local_addr()?;
        let mut listeners = vec![first];
        for _ in 1..workers {
            listeners.push(bind(local, true)?);
        }
        let admin = match args.admin_listen {
            Some(a) => Some(bind(a, false)?),
            None => None,
        };
        let admin_addr = admin.as_ref().map(|l| l.local_addr()).transpose()?;
        let (gw_tx, gw_rx) = watch::channel(Arc::new(gateway));
        let (sd_tx, sd_rx) = watch::channel(false);
        let metrics = MetricsHub::default();
        if let Some(layout) = &gw_rx.borrow().telemetry.metrics {
            metrics.register(layout);
        }
        telemetry::process_start();
        let control = Arc::new(Control {
            gateway: gw_tx,
            shutdown: sd_tx,
            metrics,
            workers,
            accepting: AtomicUsize::new(0),
            stopped: watch::channel(false).0,
        });
        let mut threads = Vec::with_capacity(workers + 1);
        for (i, listener) in listeners.into_iter().enumerate() {
            let gw_rx = gw_rx.clone();
            let sd_rx = sd_rx.clone();
            let ctl = Arc::clone(&control);
            let spawned = std::thread::Builder::new()
                .name(format!("gwc-worker-{i}"))
                .spawn(move || run_worker(listener, gw_rx, sd_rx, &ctl));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    control.shutdown();
                    return Err(e);
                }
            }
        }
        let admin_thread = match admin {
            Some(listener) => {
                let control = Arc::clone(&control);
                Some(
                    std::thread::Builder::new()
                        .name("gwc-admin".to_owned())
                        .spawn(move || run_admin(listener, &control))?,
                )
            }
            None => None,
        };
        drop(sd_rx);
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        if let Some(a) = admin_addr {
            writeln!(out, "admin listening on http://{a}")?;
        }
        out.flush()?;
        Ok(Server {
            addr: local,
            admin_addr,
            control,
            threads,
            admin_thread,
        })
    }

    /// The address actually bound (useful with `--listen 127.0.0.1:0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin listener's bound address, when it is on.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// Swaps in a new gateway: requests that start after this use it, in-flight ones finish on
    /// the old one. Connections are kept; upstream pools start afresh with the new gateway.
    pub fn reload(&self, gateway: Gateway) {
        if let Some(layout) = &gateway.telemetry.metrics {
            self.control.metrics.register(layout);
        }
        self.control.gateway.send_replace(Arc::new(gateway));
    }

    /// Graceful shutdown: stop accepting, let in-flight requests finish, then [`Server::wait`]
    /// returns. Returns at once; safe to call more than once.
    pub fn shutdown(&self) {
        self.control.shutdown();
    }

    /// Blocks until every worker has stopped (after [`Server::shutdown`] or a signal), then
    /// stops the admin listener and lets the access log write what is queued (bounded).
    pub fn wait(mut self) {
        for t in std::mem::take(&mut self.threads) {
            if t.join().is_err() {
                tracing::error!("a worker thread panicked");
            }
        }
        self.control.stopped.send_replace(true);
        if let Some(t) = self.admin_thread.take()
            && t.join().is_err()
        {
            tracing::error!("the admin thread panicked");
        }
        let gateway = Arc::clone(&self.control.gateway.borrow());
        gateway.telemetry.finish();
    }

    pub(crate) fn control(&self) -> Arc<Control> {
        Arc::clone(&self.control)
    }
}

impl Drop for Server {
    /// A dropped server stops serving rather than leaving detached threads behind.
    fn drop(&mut self) {
        self.control.shutdown();
        self.control.stopped.send_replace(true);
    }
}

fn bind(addr: SocketAddr, reuse_port: bool) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

struct Worker {
    current: RefCell<(watch::Receiver<Arc<Gateway>>, Rc<WorkerGateway>)>,
    active: Cell<usize>,
    drained: Notify,
    /// Every open connection's control block, for shutdown and the idle sweep.
    conns: RefCell<Vec<Weak<ConnCtl>>>,
    /// Length of `conns` after the last pruning, so pruning stays amortised O(1).
    pruned: Cell<usize>,
}

impl Worker {
    /// The generation new requests use: one atomic load when nothing changed.
    fn generation(&self) -> Rc<WorkerGateway> {
        let mut cur = self.current.borrow_mut();
        if cur.0.has_changed().unwrap_or(false) {
            let gateway = Arc::clone(&cur.0.borrow_and_update());
            cur.1 = Rc::new(WorkerGateway::new(gateway));
        }
        Rc::clone(&cur.1)
    }

    fn register(&self, ctl: &Rc<ConnCtl>) {
        let mut conns = self.conns.borrow_mut();
        if conns.len() >= 2 * self.pruned.get().max(64) {
            conns.retain(|w| w.strong_count() > 0);
            self.pruned.set(conns.len());
        }
        conns.push(Rc::downgrade(ctl));
    }

    /// Asks every open connection to finish its current exchange and close.
    fn close_all(&self) {
        for ctl in self.conns.borrow().iter().filter_map(Weak::upgrade) {
            ctl.ask_close();
        }
    }

    /// Closes connections that started no request since the previous sweep.
    fn sweep_idle(&self) {
        let mut conns = self.conns.borrow_mut();
        conns.retain(|w| w.strong_count() > 0);
        self.pruned.set(conns.len());
        for ctl in conns.iter().filter_map(Weak::upgrade) {
            let now = ctl.requests.get();
            if ctl.seen.replace(now) == now {
                ctl.ask_close();
            }
        }
    }
}

/// What a worker shares with one of its connection tasks: the request counter (for the idle
/// sweep) and the flag and waker through which the worker asks the connection to close.
/// Nothing here is touched per request except one `Cell` increment, so shutdown and idle
/// handling cost the hot path nothing (a per-connection `select!` over a shutdown channel and
/// a timer measured about 1 % of CPU).
struct ConnCtl {
    requests: Cell<u64>,
    seen: Cell<u64>,
    close: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl ConnCtl {
    fn ask_close(&self) {
        self.close.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

struct ActiveGuard(Rc<Worker>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        let n = self.0.active.get().saturating_sub(1);
        self.0.active.set(n);
        if n == 0 {
            self.0.drained.notify_waiters();
        }
    }
}

/// A `current_thread` runtime whose scheduler runs `!Send` tasks directly (`spawn_local`
/// without a `LocalSet` in between, one queue hop less per task wake-up).
fn local_runtime() -> std::io::Result<tokio::runtime::LocalRuntime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build_local(tokio::runtime::LocalOptions::default())
}

fn run_worker(
    listener: std::net::TcpListener,
    gw_rx: watch::Receiver<Arc<Gateway>>,
    shutdown: watch::Receiver<bool>,
    control: &Control,
) {
    let rt = match local_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a worker runtime");
            return;
        }
    };
    rt.block_on(worker_main(listener, gw_rx, shutdown, control));
}

async fn worker_main(
    listener: std::net::TcpListener,
    mut gw_rx: watch::Receiver<Arc<Gateway>>,
    mut shutdown: watch::Receiver<bool>,
    control: &Control,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot register the listener");
            return;
        }
    };
    control.accepting.fetch_add(1, Ordering::Relaxed);
    let first = Rc::new(WorkerGateway::new(Arc::clone(&gw_rx.borrow_and_update())));
    let worker = Rc::new(Worker {
        current: RefCell::new((gw_rx, first)),
        active: Cell::new(0),
        drained: Notify::new(),
        conns: RefCell::new(Vec::new()),
        pruned: Cell::new(0),
    });
    let sweeper = tokio::task::spawn_local(sweep_idle_connections(Rc::clone(&worker)));
    let flusher = tokio::task::spawn_local(flush_access_log(Rc::clone(&worker)));
    while !*shutdown.borrow_and_update() {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    worker.active.set(worker.active.get() + 1);
                    let guard = ActiveGuard(Rc::clone(&worker));
                    tokio::task::spawn_local(serve_connection(guard, stream, peer));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    drop(listener);
    control.accepting.fetch_sub(1, Ordering::Relaxed);
    sweeper.abort();
    flusher.abort();
    worker.close_all();
    let drain = worker.generation().gateway.drain + Duration::from_secs(1);
    let deadline = tokio::time::Instant::now() + drain;
    while worker.active.get() > 0 {
        let notified = worker.drained.notified();
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            tracing::warn!(
                connections = worker.active.get(),
                "connections still open after the drain period; closing them"
            );
            break;
        }
    }
}

/// Every idle period, closes the connections that started no request during it (so an idle
/// connection lives between one and two periods).
async fn sweep_idle_connections(worker: Rc<Worker>) {
    loop {
        let idle = worker
            .generation()
            .gateway
            .limits
            .idle_timeout
            .as_duration();
        if idle.is_zero() {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        tokio::time::sleep(idle).await;
        worker.sweep_idle();
    }
}

/// Hands the current generation's buffered access-log lines to the writer every 200 ms, so a
/// quiet gateway's lines appear promptly (older generations flush when they are dropped).
async fn flush_access_log(worker: Rc<Worker>) {
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let generation = Rc::clone(&worker.current.borrow().1);
        generation.telemetry.flush();
    }
}

async fn serve_connection(guard: ActiveGuard, stream: TcpStream, peer: SocketAddr) {
    let worker = Rc::clone(&guard.0);
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "set_nodelay failed");
    }
    let limits = worker.generation().gateway.limits;
    let ctl = Rc::new(ConnCtl {
        requests: Cell::new(0),
        seen: Cell::new(u64::MAX),
        close: Cell::new(false),
        waker: RefCell::new(None),
    });
    worker.register(&ctl);
    let ip = peer.ip().to_string();
    let service = ConnService {
        worker,
        client: Rc::new(ClientInfo {
            ip: HeaderValue::from_str(&ip).unwrap_or_else(|_| HeaderValue::from_static("unknown")),
            receiving_body: Rc::new(Cell::new(false)),
        }),
        ctl: Rc::clone(&ctl),
    };
    // hyper's read buffer caps the request head *and* each read of the body: sized to the
    // header limit it made uploads 5–17× slower than downloads. It is a backstop now (hyper
    // answers a bare 431 past it); `handle` enforces `max_header` with a JSON 431.
    let max_buf = usize::try_from(limits.max_header.0)
        .unwrap_or(usize::MAX)
        .max(READ_BUFFER);
    // hyper's head timer, made to tell a started head (`header_read_timeout`) from an idle
    // kept-alive connection (`idle_timeout`); see `head_timer`.
    let clock = HeadClock::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(HeadTimer::new(
            Arc::clone(&clock),
            limits.header_read_timeout.as_duration(),
            limits.idle_timeout.as_duration(),
        ))
        .keep_alive(true)
        .max_buf_size(max_buf);
    if limits.header_read_timeout.0 > 0 {
        builder.header_read_timeout(limits.header_read_timeout.as_duration());
    }
    // With upgrades, so a route can take the connection over (`101 Switching Protocols`, the
    // WebSocket work); a connection that never upgrades is served exactly as before.
    let conn = builder
        .serve_connection(TokioIo::new(Watched::new(stream, clock)), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut closing = false;
    let result = std::future::poll_fn(|cx| {
        if !closing && ctl.close.get() {
            // Finishes the exchange in progress, if any, then closes; never cuts one short.
            closing = true;
            conn.as_mut().graceful_shutdown();
        }
        let polled = conn.as_mut().poll(cx);
        if polled.is_pending() && !closing {
            let mut waker = ctl.waker.borrow_mut();
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
        }
        polled
    })
    .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
    drop(guard);
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>>>>;

struct ConnService {
    worker: Rc<Worker>,
    client: Rc<ClientInfo>,
    ctl: Rc<ConnCtl>,
}

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn call(&self, req: Request<Incoming>) -> BoxFuture {
        let requests = &self.ctl.requests;
        requests.set(requests.get().wrapping_add(1));
        let generation = self.worker.generation();
        let client = Rc::clone(&self.client);
        Box::pin(async move { Ok(handle(generation, client, req).await) })
    }
}

/// Smallest read buffer per connection; see where it is used.
const READ_BUFFER: usize = 256 << 10;

/// One request: the pipeline, then the one place where errors become gateway responses, and
/// what every response carries (request ids) and leaves behind (the access log line).
async fn handle(
    worker_gateway: Rc<WorkerGateway>,
    client: Rc<ClientInfo>,
    req: Request<Incoming>,
) -> Response<Body> {
    let in_flight = worker_gateway.telemetry.begin();
    let request_id = match req.headers().get(&X_REQUEST_ID) {
        Some(v) if request_id::is_valid(v) => v.clone(),
        _ => request_id::generate(),
    };
    let mut ctx = RequestContext::new(request_id, client, req.method().clone());
    // What the access log needs after `req` is consumed: cheap clones, only when it is on.
    let log_info = worker_gateway.telemetry.log.as_ref().map(|_| {
        (
            req.uri().clone(),
            req.version(),
            req.headers().get(header::USER_AGENT).cloned(),
            req.headers().get(header::HOST).cloned(),
        )
    });
    let result = worker_gateway
        .serve(&mut ctx, req.map(RequestBody::Streaming))
        .await;
    let gw = &*worker_gateway.gateway;
    let mut resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            ctx.error = Some(e.kind);
            log_failure(gw, &ctx, &e);
            gw.errors.answer(*e, &ctx.request_id)
        }
    };
    record_telemetry(in_flight, &ctx, log_info.as_ref(), &resp);
    let headers = resp.headers_mut();
    headers.insert(AMZN_REQUEST_ID.clone(), ctx.request_id.clone());
    headers.insert(X_REQUEST_ID.clone(), ctx.request_id);
    resp
}

fn route_id<'g>(gw: &'g Gateway, ctx: &RequestContext) -> &'g str {
    ctx.route
        .and_then(|i| gw.routes.get(i as usize))
        .map_or("-", |r| &r.id)
}

/// Server errors are warnings (someone should look); the client's own faults are debug lines,
/// so clients cannot flood the log or inflate 5xx alerts.
fn log_failure(gw: &Gateway, ctx: &RequestContext, e: &GatewayError) {
    if gw.errors.status(e.kind).is_server_error() {
        tracing::warn!(
            request_id = ?ctx.request_id,
            route = route_id(gw, ctx),
            error_type = e.kind.as_str(),
            detail = %e.detail,
            "request failed"
        );
    } else {
        tracing::debug!(
            request_id = ?ctx.request_id,
            route = route_id(gw, ctx),
            error_type = e.kind.as_str(),
            detail = %e.detail,
            "request refused"
        );
    }
}

/// The request's metrics and access-log line, from its context.
fn record_telemetry(
    in_flight: InFlight<'_>,
    ctx: &RequestContext,
    log_info: Option<&LogInfo>,
    resp: &Response<Body>,
) {
    let status = resp.status().as_u16();
    let latency = ctx.timings.elapsed();
    let integration_latency = ctx.timings.integration_latency();
    let route = ctx.route.map(|r| r as usize);
    let Some((uri, version, user_agent, host)) = log_info else {
        in_flight.finish_metrics(route, status, latency, integration_latency);
        return;
    };
    let record = LogRecord {
        request_id: &ctx.request_id,
        source_ip: ctx.client.ip.to_str().unwrap_or("-"),
        user_agent: user_agent.as_ref(),
        host: host.as_ref(),
        method: &ctx.method,
        path: uri.path(),
        version: *version,
        route,
        status,
        response_length: http_body::Body::size_hint(resp.body()).exact(),
        received_at: ctx.timings.wall_start(),
        latency,
        integration_latency,
        integration_status: integration_latency.and(ctx.error.is_none().then_some(status)),
        principal_id: ctx.identity.as_ref().and_then(|i| i.principal.as_deref()),
        api_key_id: ctx.api_key.as_ref().map(|k| &*k.key_id),
        error_message: ctx.error.map(|e| e.message()),
        error_type: ctx.error.map(ErrorType::as_str),
    };
    in_flight.finish(&record);
}

/// Request facts the access log needs after the request was handed to the pipeline.
type LogInfo = (
    http::Uri,
    http::Version,
    Option<HeaderValue>,
    Option<HeaderValue>,
);

fn run_admin(listener: std::net::TcpListener, control: &Arc<Control>) {
    let mut stopped = control.stopped.subscribe();
    let rt = match local_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the admin runtime");
            return;
        }
    };
    rt.block_on(async move {
        let Ok(listener) = TcpListener::from_std(listener) else {
            tracing::error!("cannot register the admin listener");
            return;
        };
        while !*stopped.borrow_and_update() {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let control = Arc::clone(control);
                    tokio::task::spawn_local(async move {
                        let svc = hyper::service::service_fn(|req: Request<Incoming>| {
                            let response = admin_response(&req, &control);
                            async move { Ok::<_, Infallible>(response) }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            }
        }
    });
}

fn admin_response(req: &Request<Incoming>, control: &Control) -> Response<Body> {
    let read = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    if read && let Some(page) = metrics_page(req.uri().path(), control) {
        let mut resp = Response::new(Body::full(bytes::Bytes::from(page)));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        return resp;
    }
    let (status, body): (StatusCode, &'static [u8]) = match (read, req.uri().path()) {
        (true, "/healthz") => (StatusCode::OK, b"{\"status\":\"ok\"}"),
        (true, "/readyz") if is_ready(control) => (StatusCode::OK, b"{\"status\":\"ready\"}"),
        (true, "/readyz") => (
            StatusCode::SERVICE_UNAVAILABLE,
            b"{\"status\":\"not ready\"}",
        ),
        _ => (StatusCode::NOT_FOUND, b"{\"message\":\"Not Found\"}"),
    };
    let mut resp = Response::new(Body::from_static(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Ready: every worker accepts and no shutdown has begun (load balancers stop sending then,
/// while in-flight requests drain).
fn is_ready(control: &Control) -> bool {
    !*control.shutdown.borrow() && control.accepting.load(Ordering::Relaxed) >= control.workers
}

/// The Prometheus page when `path` is the current gateway's metrics path and metrics are on.
fn metrics_page(path: &str, control: &Control) -> Option<String> {
    let gateway = Arc::clone(&control.gateway.borrow());
    let t = &gateway.telemetry;
    (t.metrics.is_some() && path == &*t.metrics_path)
        .then(|| telemetry::render_metrics(&control.metrics))
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// The per-request reload check: `generation()` (one atomic version load, a `RefCell`
    /// borrow, an `Rc` clone) against a bare `Rc` clone. Prints ns per call; run with
    /// `cargo test -p gwc-runtime --release -- --ignored --nocapture reload_check_cost`.
    #[test]
    #[ignore = "measurement, not a check"]
    fn reload_check_cost() {
        let ir = crate::ir::Gateway {
            name: "m".into(),
            kind: crate::ir::ApiKind::Http,
            listen: "127.0.0.1:0".into(),
            default_stage: "s".into(),
            stages: vec![crate::ir::Stage {
                name: "s".into(),
                variables: vec![],
            }],
            ..crate::ir::Gateway::default()
        };
        let gateway = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
        let (tx, mut rx) = watch::channel(Arc::new(gateway));
        let first = Rc::new(WorkerGateway::new(Arc::clone(&rx.borrow_and_update())));
        let worker = Worker {
            current: RefCell::new((rx, Rc::clone(&first))),
            active: Cell::new(0),
            drained: Notify::new(),
            conns: RefCell::new(Vec::new()),
            pruned: Cell::new(0),
        };
        const N: u32 = 10_000_000;
        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(worker.generation());
        }
        let checked = t.elapsed() / N;
        let t = Instant::now();
        for _ in 0..N {
            std::hint::black_box(Rc::clone(&first));
        }
        let bare = t.elapsed() / N;
        println!("generation(): {checked:?} per call; bare Rc clone: {bare:?}");
        drop(tx);
    }
}
