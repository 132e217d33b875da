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
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use http::uri::PathAndQuery;
use http::{HeaderValue, Request, Response, StatusCode, Version, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use crate::args::RuntimeArgs;
use crate::body::{Body, linger};
use crate::error::GatewayError;
use crate::gateway::{Action, Gateway};
use crate::head_timer::{HeadClock, HeadTimer, Watched};
use crate::ir::{ApiKind, ErrorType};
use crate::mock::MockResponse;
use crate::proxy::{ClientInfo, LocalUpstream, ProxyTarget, Upstream};
use crate::request_id::{self, AMZN_REQUEST_ID, X_REQUEST_ID};
use crate::router::{Lookup, Params};

/// Largest idle connection list per upstream and worker.
const MAX_IDLE_PER_UPSTREAM: usize = 512;

/// Shared between the `Server` handle, the signal handler and the workers.
#[derive(Debug)]
pub(crate) struct Control {
    gateway: watch::Sender<Arc<Gateway>>,
    shutdown: watch::Sender<bool>,
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
        let control = Arc::new(Control {
            gateway: gw_tx,
            shutdown: sd_tx,
        });
        let mut threads = Vec::with_capacity(workers + 1);
        for (i, listener) in listeners.into_iter().enumerate() {
            let gw_rx = gw_rx.clone();
            let sd_rx = sd_rx.clone();
            let access_log = args.access_log;
            let spawned = std::thread::Builder::new()
                .name(format!("gwc-worker-{i}"))
                .spawn(move || run_worker(listener, gw_rx, sd_rx, access_log));
            match spawned {
                Ok(t) => threads.push(t),
                Err(e) => {
                    control.shutdown();
                    return Err(e);
                }
            }
        }
        if let Some(listener) = admin {
            threads.push(
                std::thread::Builder::new()
                    .name("gwc-admin".to_owned())
                    .spawn(move || run_admin(listener, sd_rx))?,
            );
        }
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
        self.control.gateway.send_replace(Arc::new(gateway));
    }

    /// Graceful shutdown: stop accepting, let in-flight requests finish, then [`Server::wait`]
    /// returns. Returns at once; safe to call more than once.
    pub fn shutdown(&self) {
        self.control.shutdown();
    }

    /// Blocks until every worker has stopped (after [`Server::shutdown`] or a signal).
    pub fn wait(mut self) {
        for t in std::mem::take(&mut self.threads) {
            if t.join().is_err() {
                tracing::error!("a worker thread panicked");
            }
        }
    }

    pub(crate) fn control(&self) -> Arc<Control> {
        Arc::clone(&self.control)
    }
}

impl Drop for Server {
    /// A dropped server stops serving rather than leaving detached threads behind.
    fn drop(&mut self) {
        self.control.shutdown();
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

/// One worker's view of one gateway generation: its upstream pools and per-thread copies of
/// what requests clone (so that no reference count is shared between cores).
struct Generation {
    gateway: Arc<Gateway>,
    upstreams: Vec<LocalUpstream>,
    routes: Vec<LocalRoute>,
}

enum LocalRoute {
    Proxy(Option<PathAndQuery>),
    Mock(MockResponse),
}

impl Generation {
    fn new(gateway: Arc<Gateway>) -> Generation {
        let upstreams = gateway
            .upstreams
            .iter()
            .map(|u| LocalUpstream::new(u, MAX_IDLE_PER_UPSTREAM))
            .collect();
        let routes = gateway
            .routes
            .iter()
            .map(|r| match &r.action {
                Action::Proxy(t) => LocalRoute::Proxy(t.local_fixed()),
                Action::Mock(m) => LocalRoute::Mock(m.local_copy()),
            })
            .collect();
        Generation {
            gateway,
            upstreams,
            routes,
        }
    }
}

struct Worker {
    current: RefCell<(watch::Receiver<Arc<Gateway>>, Rc<Generation>)>,
    access_log: bool,
    active: Cell<usize>,
    drained: Notify,
    /// Every open connection's control block, for shutdown and the idle sweep.
    conns: RefCell<Vec<Weak<ConnCtl>>>,
    /// Length of `conns` after the last pruning, so pruning stays amortised O(1).
    pruned: Cell<usize>,
}

impl Worker {
    /// The generation new requests use: one atomic load when nothing changed.
    fn generation(&self) -> Rc<Generation> {
        let mut cur = self.current.borrow_mut();
        if cur.0.has_changed().unwrap_or(false) {
            let gateway = Arc::clone(&cur.0.borrow_and_update());
            cur.1 = Rc::new(Generation::new(gateway));
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
    access_log: bool,
) {
    let rt = match local_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a worker runtime");
            return;
        }
    };
    rt.block_on(worker_main(listener, gw_rx, shutdown, access_log));
}

async fn worker_main(
    listener: std::net::TcpListener,
    mut gw_rx: watch::Receiver<Arc<Gateway>>,
    mut shutdown: watch::Receiver<bool>,
    access_log: bool,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "cannot register the listener");
            return;
        }
    };
    let first = Rc::new(Generation::new(Arc::clone(&gw_rx.borrow_and_update())));
    let worker = Rc::new(Worker {
        current: RefCell::new((gw_rx, first)),
        access_log,
        active: Cell::new(0),
        drained: Notify::new(),
        conns: RefCell::new(Vec::new()),
        pruned: Cell::new(0),
    });
    let sweeper = tokio::task::spawn_local(sweep_idle_connections(Rc::clone(&worker)));
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
    sweeper.abort();
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
    let conn = builder.serve_connection(TokioIo::new(Watched::new(stream, clock)), service);
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
        let access_log = self.worker.access_log;
        Box::pin(async move { Ok(handle(generation, client, req, access_log).await) })
    }
}

/// What a request needs after routing: a proxy call (which consumes it) or an answer.
enum Step<'g> {
    Proxy(
        &'g ProxyTarget,
        &'g Upstream,
        &'g LocalUpstream,
        Option<&'g PathAndQuery>,
        Params,
    ),
    Done(Result<Response<Body>, Box<GatewayError>>),
}

/// Smallest read buffer per connection; see where it is used.
const READ_BUFFER: usize = 256 << 10;

/// Size of the request head as the client sent it, give or take the line endings: request line
/// and every header. Compared with `limits.max_header`.
fn head_len<B>(req: &Request<B>) -> u64 {
    let target = req.uri().path_and_query().map_or(1, |p| p.as_str().len());
    let line = req.method().as_str().len() + target + 11;
    let headers: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    (line + headers) as u64
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one `Host`, any request at most one, and
/// its value is `host[:port]`; otherwise 400, before anything keys on it.
fn host_is_valid<B>(req: &Request<B>) -> bool {
    let mut hosts = req.headers().get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(host), None) => valid_host(host.as_bytes()),
        (None, _) => req.version() < Version::HTTP_11,
        (Some(_), Some(_)) => false,
    }
}

/// `uri-host [":" port]` (RFC 3986 §3.2.2): a bracketed IP literal or a non-empty reg-name
/// (unreserved, percent-encoded and sub-delimiter characters), then optional port digits.
fn valid_host(value: &[u8]) -> bool {
    let port_start = if value.first() == Some(&b'[') {
        let Some(end) = value.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &value[1..end];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        {
            return false;
        }
        end + 1
    } else {
        let colon = value.iter().position(|&b| b == b':').unwrap_or(value.len());
        if colon == 0 || !value[..colon].iter().all(|&b| is_reg_name_byte(b)) {
            return false;
        }
        colon
    };
    match value[port_start..].split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// Errors raised while the client's body was still coming (stalled, malformed): the gateway
/// stopped reading it, so the connection cannot carry another request and closes.
fn leaves_body_unread(kind: ErrorType) -> bool {
    matches!(kind, ErrorType::RequestTimeout | ErrorType::BadRequestBody)
}

/// One request, from route match to response; the only place errors become responses.
async fn handle(
    generation: Rc<Generation>,
    client: Rc<ClientInfo>,
    req: Request<Incoming>,
    access_log: bool,
) -> Response<Body> {
    let request_id = match req.headers().get(&X_REQUEST_ID) {
        Some(v) if request_id::is_valid(v) => v.clone(),
        _ => request_id::generate(),
    };
    let log = access_log.then(|| (Instant::now(), req.method().clone(), req.uri().clone()));
    let gw = &generation.gateway;
    let mut allow = None;
    let mut route_id = None;
    let step = if head_len(&req) > gw.limits.max_header.0 {
        Step::Done(Err(GatewayError::new(
            ErrorType::RequestHeaderFieldsTooLarge,
            "request head over the header limit",
        )))
    } else if !host_is_valid(&req) {
        Step::Done(Err(GatewayError::new(
            ErrorType::Default4xx,
            "missing, repeated or invalid Host header",
        )))
    } else {
        match gw.router.lookup(req.method(), req.uri().path()) {
            Lookup::Found(id, params) => match gw.routes.get(id as usize) {
                Some(route) => {
                    route_id = Some(&*route.id);
                    if http_body::Body::size_hint(req.body()).lower() > gw.limits.max_body.0 {
                        Step::Done(Err(GatewayError::new(
                            ErrorType::RequestTooLarge,
                            "Content-Length over the payload limit",
                        )))
                    } else {
                        match (&route.action, generation.routes.get(id as usize)) {
                            (_, Some(LocalRoute::Mock(m))) => Step::Done(Ok(m.respond())),
                            (Action::Proxy(target), Some(LocalRoute::Proxy(fixed))) => match (
                                gw.upstreams.get(target.upstream),
                                generation.upstreams.get(target.upstream),
                            ) {
                                (Some(up), Some(local)) => {
                                    Step::Proxy(target, up, local, fixed.as_ref(), params)
                                }
                                _ => Step::Done(Err(GatewayError::new(
                                    ErrorType::Default5xx,
                                    "route refers to an unknown upstream",
                                ))),
                            },
                            _ => Step::Done(Err(GatewayError::new(
                                ErrorType::Default5xx,
                                "per-thread route table out of step",
                            ))),
                        }
                    }
                }
                None => Step::Done(Err(GatewayError::new(
                    ErrorType::Default5xx,
                    "router returned an unknown route",
                ))),
            },
            Lookup::MethodNotAllowed(a) => Step::Done(match gw.kind {
                ApiKind::Http => {
                    allow = Some(a.clone());
                    Err(GatewayError::new(
                        ErrorType::MethodNotAllowed,
                        "method not bound",
                    ))
                }
                _ => Err(GatewayError::new(
                    ErrorType::MissingAuthenticationToken,
                    "method not bound",
                )),
            }),
            Lookup::NotFound => Step::Done(Err(GatewayError::new(
                match gw.kind {
                    ApiKind::Http => ErrorType::ResourceNotFound,
                    _ => ErrorType::MissingAuthenticationToken,
                },
                "no route",
            ))),
            Lookup::BadPath => Step::Done(Err(GatewayError::new(
                ErrorType::Default4xx,
                "dot segment in the request path",
            ))),
        }
    };
    let result = match step {
        Step::Proxy(target, up, local, fixed, params) => {
            target
                .call(up, local, fixed, &client, req, &params, &gw.limits)
                .await
        }
        Step::Done(result) => {
            // Answered without reading the body: drain it for a while so the client can
            // finish sending and read the answer (closing with unread data would reset).
            linger(req.into_body());
            result
        }
    };
    let mut resp = match result {
        Ok(resp) => resp,
        Err(e) => {
            let status = gw.errors.status(e.kind);
            if status.is_server_error() {
                tracing::warn!(
                    request_id = ?request_id,
                    route = route_id.unwrap_or("-"),
                    error_type = e.kind.as_str(),
                    detail = %e.detail,
                    "request failed"
                );
            } else {
                tracing::debug!(
                    request_id = ?request_id,
                    error_type = e.kind.as_str(),
                    detail = %e.detail,
                    "request refused"
                );
            }
            let mut resp = gw.errors.respond(e.kind, &request_id);
            if let Some(allow) = allow {
                resp.headers_mut().insert(header::ALLOW, allow);
            }
            if leaves_body_unread(e.kind) {
                resp.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            resp
        }
    };
    if let Some((start, method, uri)) = log {
        tracing::info!(
            target: "gwc::access",
            request_id = ?request_id,
            client = ?client.ip,
            method = %method,
            uri = %uri,
            route = route_id.unwrap_or("-"),
            status = resp.status().as_u16(),
            micros = start.elapsed().as_micros() as u64,
        );
    }
    let headers = resp.headers_mut();
    headers.insert(AMZN_REQUEST_ID.clone(), request_id.clone());
    headers.insert(X_REQUEST_ID.clone(), request_id);
    resp
}

fn run_admin(listener: std::net::TcpListener, mut shutdown: watch::Receiver<bool>) {
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
        while !*shutdown.borrow_and_update() {
            tokio::select! {
                _ = shutdown.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    tokio::task::spawn_local(async move {
                        let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                            Ok::<_, Infallible>(admin_response(&req))
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

fn admin_response(req: &Request<Incoming>) -> Response<Body> {
    let (status, body): (StatusCode, &'static [u8]) = match (req.method(), req.uri().path()) {
        (&http::Method::GET | &http::Method::HEAD, "/healthz") => {
            (StatusCode::OK, b"{\"status\":\"ok\"}")
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values() {
        for ok in [
            "gw",
            "gw.example:8080",
            "a-b_c~d%20",
            "127.0.0.1:80",
            "[::1]",
            "[::1]:443",
            "gw:",
        ] {
            assert!(valid_host(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", ":80", "a b", "u@gw", "gw:8x", "gw:80:80", "[::1", "[]", "[zz]", "[::1]x", "gw/x",
        ] {
            assert!(!valid_host(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn host_count_per_version() {
        let req = |version, hosts: &[&'static str]| {
            let mut b = Request::builder().version(version).uri("/");
            for h in hosts {
                b = b.header(header::HOST, *h);
            }
            b.body(()).unwrap()
        };
        assert!(host_is_valid(&req(Version::HTTP_11, &["gw"])));
        assert!(!host_is_valid(&req(Version::HTTP_11, &[])));
        assert!(!host_is_valid(&req(Version::HTTP_11, &["a", "b"])));
        assert!(host_is_valid(&req(Version::HTTP_10, &[])));
        assert!(!host_is_valid(&req(Version::HTTP_10, &["a", "b"])));
    }

    /// The per-request reload check: `generation()` (one atomic version load, a `RefCell`
    /// borrow, an `Rc` clone) against a bare `Rc` clone. Prints ns per call; run with
    /// `cargo test -p gwc-runtime --release -- --ignored --nocapture reload_check_cost`.
    #[test]
    #[ignore = "measurement, not a check"]
    fn reload_check_cost() {
        let ir = crate::ir::Gateway {
            name: "m".into(),
            kind: ApiKind::Http,
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
        let first = Rc::new(Generation::new(Arc::clone(&rx.borrow_and_update())));
        let worker = Worker {
            current: RefCell::new((rx, Rc::clone(&first))),
            access_log: false,
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
