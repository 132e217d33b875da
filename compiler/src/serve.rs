//! `gwc serve`: the runtime on an IR built at start-up, rebuilt whenever the spec changes.
//!
//! The IR comes from the same front end as `gwc build` ([`crate::build::compile`]), and is served
//! by the same runtime as a generated crate, so dev mode and production behave the same. A
//! `notify` watcher follows the spec and every file it `$ref`s (the front end's source map lists
//! them). Events are debounced, because editors save in several steps (write a temporary file,
//! rename, touch). A change rebuilds the IR and hands the new gateway to `Server::reload`:
//! requests already in flight finish on the old one. Every rebuild ends with one stderr line:
//! `gwc serve: reloaded SPEC (N routes)` (also when the gateway did not change, so fixing a
//! broken edit is acknowledged), or why the previous version still serves. A spec with errors
//! keeps the old gateway serving and prints the diagnostics to stderr. SIGTERM or SIGINT stops gracefully, finishing
//! in-flight requests; a second signal exits at once.
//!
//! Folders are watched rather than files: editors that save by renaming a new file over the old
//! one would otherwise leave us watching a deleted inode.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use gwc_runtime::{Gateway, RuntimeArgs, Server};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::Frontend;
use crate::build::{compile, render};

/// Quiet time after the last file event before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Why `gwc serve` could not start (once started, problems are printed and serving goes on).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The spec has errors; print them with [`crate::build::render`].
    #[error("the spec has errors")]
    Spec(Box<Frontend>),
    /// The spec calls Rust handlers (routes' or authorizers'), which only a built crate links.
    #[error(
        "gwc serve runs no Rust handlers: {routes} call{s} `type: rust` handlers, which are compiled into the gateway. Build and run the crate instead: `gwc build {spec} -o out/gateway && cargo run --manifest-path out/gateway/Cargo.toml -- --listen 127.0.0.1:8080` (or, for a Rust-first crate, `cargo run` it)",
        s = if *.count == 1 { "s" } else { "" }
    )]
    RustHandlers {
        /// The routes, listed.
        routes: String,
        /// How many.
        count: usize,
        /// The spec as given.
        spec: String,
    },
    /// The runtime rejected the IR with these deployment settings.
    #[error(transparent)]
    Gateway(#[from] gwc_runtime::BuildError),
    /// Binding the listeners failed.
    #[error("cannot start serving: {0}")]
    Listen(std::io::Error),
    /// The signal handlers could not be installed.
    #[error("cannot handle SIGTERM/SIGINT: {0}")]
    Signals(std::io::Error),
    /// The file watcher could not be set up.
    #[error("cannot watch the spec: {0}")]
    Watch(#[from] notify::Error),
}

/// What the serve loop reacts to.
enum Message {
    /// A file-system event (or a watcher error, reported and otherwise ignored).
    Fs(notify::Result<notify::Event>),
    /// SIGTERM, SIGINT or [`Stopper::stop`].
    Stop,
}

/// Serves `spec` until SIGTERM/SIGINT, reloading on changes. Returns after a graceful shutdown.
/// Diagnostics are coloured when stderr is a terminal and `NO_COLOR` is unset.
pub fn serve(spec: &Path, args: &RuntimeArgs) -> Result<(), ServeError> {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    serve_with(spec, args, colour)
}

/// [`serve`] with the colour choice made by the caller (`gwc --color`). Initialises logging
/// as a generated gateway's `main` does (`--log-format`, `RUST_LOG`).
pub fn serve_with(spec: &Path, args: &RuntimeArgs, colour: bool) -> Result<(), ServeError> {
    gwc_runtime::init_logging(args.log_format);
    let serving = Serving::start(spec, args, colour)?;
    spawn_signal_thread(serving.tx.clone()).map_err(ServeError::Signals)?;
    serving.run();
    Ok(())
}

/// Stops a [`Serving`] loop from another thread, as a signal would.
#[derive(Debug, Clone)]
pub struct Stopper {
    tx: mpsc::Sender<Message>,
}

impl Stopper {
    /// Asks the loop to shut down gracefully; a loop already stopped ignores it.
    pub fn stop(&self) {
        let _ = self.tx.send(Message::Stop);
    }
}

/// A running `gwc serve`: the server, the watcher and the spec it follows. [`serve`] is
/// `start` + signal handling + [`Serving::run`]; tests and embedders drive the parts.
pub struct Serving {
    spec: PathBuf,
    args: RuntimeArgs,
    /// The session's shared state, handed to every reloaded gateway.
    state: gwc_runtime::state::State,
    server: Server,
    watcher: RecommendedWatcher,
    watched: WatchSet,
    current: gwc_ir::Gateway,
    tx: mpsc::Sender<Message>,
    rx: mpsc::Receiver<Message>,
    colour: bool,
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving")
            .field("spec", &self.spec)
            .field("addr", &self.server.local_addr())
            .finish_non_exhaustive()
    }
}

impl Serving {
    /// Builds the IR, starts the server (which prints its `listening on` line) and starts
    /// watching; errors here mean nothing is served. `colour` applies to diagnostics printed
    /// on later reloads.
    pub fn start(spec: &Path, args: &RuntimeArgs, colour: bool) -> Result<Serving, ServeError> {
        let front = compile(spec);
        let Some(ir) = front.gateway().cloned() else {
            return Err(ServeError::Spec(Box::new(front)));
        };
        let rust: Vec<String> = ir
            .routes
            .iter()
            .filter(|r| matches!(r.integration, gwc_ir::Integration::Rust(_)))
            .map(|r| format!("`{}`", r.id))
            .chain(ir.authorizers.iter().filter_map(|a| match &a.kind {
                gwc_ir::AuthorizerKind::Custom(c) if c.handler.is_some() => {
                    Some(format!("authorizer `{}`", a.name))
                }
                _ => None,
            }))
            .collect();
        if !rust.is_empty() {
            return Err(ServeError::RustHandlers {
                count: rust.len(),
                routes: rust.join(", "),
                spec: spec.display().to_string(),
            });
        }
        print_diagnostics(&front, colour);
        // One shared state for the whole session: reloads keep counters and cache entries.
        let state = gwc_runtime::connect_state(&ir, args)?;
        // Watch before listening: once a client can see the first version, every later edit
        // must be noticed (a test that wrote the spec right after its first answer lost the
        // edit when the watch was registered after the listener).
        let (tx, rx) = mpsc::channel();
        let fs_tx = tx.clone();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The loop is gone only while shutting down; nothing is left to tell.
            let _ = fs_tx.send(Message::Fs(event));
        })?;
        let mut watched = WatchSet::default();
        watched.update(&mut watcher, &front, spec);
        let server = Server::start(Gateway::from_ir_with_state(&ir, args, &state)?, args)
            .map_err(ServeError::Listen)?;
        Ok(Serving {
            spec: spec.to_path_buf(),
            args: args.clone(),
            state,
            server,
            watcher,
            watched,
            current: ir,
            tx,
            rx,
            colour,
        })
    }

    /// The API listener's address (the real port when `--listen` asked for port 0).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// A handle that stops [`Serving::run`] from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper {
            tx: self.tx.clone(),
        }
    }

    /// Reloads on every change until stopped, then shuts down gracefully: in-flight requests
    /// finish before this returns.
    pub fn run(mut self) {
        while let Ok(message) = self.rx.recv() {
            let first = match message {
                Message::Stop => break,
                Message::Fs(event) => event,
            };
            if !self.watched.is_relevant(&first) {
                continue;
            }
            // Debounce: wait for a quiet period, but never past a stop request.
            let mut stop = false;
            while let Ok(message) = self.rx.recv_timeout(DEBOUNCE) {
                if matches!(message, Message::Stop) {
                    stop = true;
                    break;
                }
            }
            if stop {
                break;
            }
            self.rebuild();
        }
        let Serving {
            server, watcher, ..
        } = self;
        drop(watcher);
        eprintln!("gwc serve: shutting down, finishing in-flight requests");
        server.shutdown();
        server.wait();
    }

    /// Compiles the spec again and swaps the gateway in, or explains why not.
    fn rebuild(&mut self) {
        let spec = self.spec.display();
        let front = compile(&self.spec);
        print_diagnostics(&front, self.colour);
        self.watched.update(&mut self.watcher, &front, &self.spec);
        let Some(ir) = front.gateway() else {
            eprintln!("gwc serve: {spec} has errors; still serving the previous version");
            return;
        };
        let routes = format!(
            "{} route{}",
            ir.routes.len(),
            if ir.routes.len() == 1 { "" } else { "s" }
        );
        if *ir == self.current {
            // Nothing to swap, but say so: after a broken edit the last line would otherwise
            // still read "still serving the previous version".
            eprintln!("gwc serve: reloaded {spec} ({routes}, same gateway as before)");
            return;
        }
        match Gateway::from_ir_with_state(ir, &self.args, &self.state) {
            Ok(gateway) => {
                self.server.reload(gateway);
                self.current = ir.clone();
                eprintln!("gwc serve: reloaded {spec} ({routes})");
            }
            Err(e) => eprintln!("gwc serve: {e}; still serving the previous version of {spec}"),
        }
    }
}

fn print_diagnostics(front: &Frontend, colour: bool) {
    if front.diagnostics.iter().next().is_some() {
        eprint!("{}", render(front, colour));
    }
}

/// The files whose changes trigger a rebuild, and the folders watched to see them.
#[derive(Debug, Default)]
struct WatchSet {
    files: BTreeSet<PathBuf>,
    folders: BTreeSet<PathBuf>,
}

impl WatchSet {
    /// Watches the spec and every file the last compilation read (new `$ref`s included), and
    /// stops watching folders no longer needed. The spec itself is always watched, even when it
    /// failed to load, so fixing it is noticed.
    fn update(&mut self, watcher: &mut RecommendedWatcher, front: &Frontend, spec: &Path) {
        let mut files: BTreeSet<PathBuf> = (0..front.sources.len())
            .filter_map(|i| u32::try_from(i).ok())
            .map(|i| absolute(&front.sources.file(crate::source::FileId(i)).path))
            .collect();
        files.insert(absolute(spec));
        let folders: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in self.folders.difference(&folders) {
            let _ = watcher.unwatch(gone);
        }
        for new in folders.difference(&self.folders) {
            if let Err(e) = watcher.watch(new, RecursiveMode::NonRecursive) {
                eprintln!("gwc serve: cannot watch {}: {e}", new.display());
            }
        }
        self.files = files;
        self.folders = folders;
    }

    /// True for content changes to a watched file. Access events other than "closed after
    /// writing" are ignored: our own reads of the spec would otherwise trigger endless rebuilds.
    fn is_relevant(&self, event: &notify::Result<notify::Event>) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                eprintln!("gwc serve: file watcher: {e}");
                return false;
            }
        };
        let kind_matters = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => {
                true
            }
            EventKind::Other => true,
        };
        kind_matters
            && event
                .paths
                .iter()
                .any(|p| self.files.contains(&absolute(p)))
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Turns the first SIGTERM/SIGINT into [`Message::Stop`]; a second one exits at once, for when
/// an in-flight request never finishes. The handlers are installed before this returns, so a
/// signal sent right after start-up is never lost to the default action.
fn spawn_signal_thread(tx: mpsc::Sender<Message>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut term, mut int) = {
        let _context = rt.enter();
        (
            signal(SignalKind::terminate())?,
            signal(SignalKind::interrupt())?,
        )
    };
    std::thread::Builder::new()
        .name("gwc-serve-signals".to_owned())
        .spawn(move || {
            rt.block_on(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                // The loop is gone only while shutting down already.
                let _ = tx.send(Message::Stop);
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
                eprintln!("gwc serve: second signal, exiting now");
                std::process::exit(130);
            });
        })?;
    Ok(())
}
