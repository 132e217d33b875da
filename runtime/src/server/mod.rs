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
use std::io::Write;
use std::net::SocketAddr;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Waker;
use std::thread::JoinHandle;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

mod admin;
mod connection;
mod head_timer;

use admin::run_admin;
use connection::serve_connection;

use crate::args::RuntimeArgs;
use crate::gateway::Gateway;
use crate::pipeline::WorkerGateway;
use crate::telemetry::{self, MetricsHub};

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
    /// The connection's head timer, for the worker's head watch.
    head: Arc<head_timer::HeadClock>,
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
    let head_watch = tokio::task::spawn_local(watch_heads(Rc::clone(&worker)));
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
    head_watch.abort();
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

/// Ends the waits for request heads whose limit has passed (see `head_timer`): every tick
/// while the worker has connections.
async fn watch_heads(worker: Rc<Worker>) {
    loop {
        tokio::time::sleep(head_timer::HEAD_WATCH_TICK).await;
        if worker.active.get() == 0 {
            continue;
        }
        let now = std::time::Instant::now();
        for ctl in worker.conns.borrow().iter().filter_map(Weak::upgrade) {
            if ctl.head.take_due(now)
                && let Some(waker) = ctl.waker.borrow().as_ref()
            {
                waker.wake_by_ref();
            }
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
