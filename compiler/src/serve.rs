//! `gwc serve`: the runtime on an IR built at start-up, rebuilt whenever the spec changes.
//!
//! The IR comes from the same front end as `gwc build` ([`crate::build::compile`]), and is served
//! by the same runtime as a generated crate, so dev mode and production behave the same. A
//! `notify` watcher follows the spec and every file it `$ref`s (the front end's source map lists
//! them). Events are debounced, because editors save in several steps (write a temporary file,
//! rename, touch). A change rebuilds the IR and hands the new gateway to `Server::reload`:
//! requests already in flight finish on the old one. A spec with errors keeps the old gateway
//! serving and prints the diagnostics to stderr. SIGTERM or SIGINT stops gracefully, finishing
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

use crate::build::{Compiled, compile};

/// Quiet time after the last file event before rebuilding.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// Why `gwc serve` could not start (once started, problems are printed and serving goes on).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The spec has errors; render them with [`Compiled::render`].
    #[error("the spec has errors")]
    Spec(Box<Compiled>),
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
    /// SIGTERM or SIGINT.
    Stop,
}

/// Serves `spec` until SIGTERM/SIGINT, reloading on changes. Returns after a graceful shutdown.
pub fn serve(spec: &Path, args: &RuntimeArgs) -> Result<(), ServeError> {
    let colour = std::io::stderr().is_terminal();
    let compiled = compile(spec);
    print_diagnostics(&compiled, colour);
    let Some(ir) = compiled.gateway.clone() else {
        return Err(ServeError::Spec(Box::new(compiled)));
    };
    let server = Server::start(Gateway::from_ir(&ir, args)?, args).map_err(ServeError::Listen)?;

    let (tx, rx) = mpsc::channel();
    let fs_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event| {
        // The loop is gone only while shutting down; nothing is left to tell.
        let _ = fs_tx.send(Message::Fs(event));
    })?;
    let mut watched = WatchSet::default();
    watched.update(&mut watcher, &compiled, spec);
    spawn_signal_thread(tx).map_err(ServeError::Signals)?;

    let mut current = ir;
    loop {
        let Ok(message) = rx.recv() else { break };
        let first = match message {
            Message::Stop => break,
            Message::Fs(event) => event,
        };
        if !watched.is_relevant(&first) {
            continue;
        }
        // Debounce: wait for a quiet period, but never past a stop request.
        let mut stop = false;
        while let Ok(message) = rx.recv_timeout(DEBOUNCE) {
            if matches!(message, Message::Stop) {
                stop = true;
                break;
            }
        }
        if stop {
            break;
        }
        let compiled = compile(spec);
        print_diagnostics(&compiled, colour);
        watched.update(&mut watcher, &compiled, spec);
        match &compiled.gateway {
            None => eprintln!(
                "gwc serve: {} has errors; still serving the previous version",
                spec.display()
            ),
            Some(ir) if *ir == current => {}
            Some(ir) => match Gateway::from_ir(ir, args) {
                Ok(gateway) => {
                    server.reload(gateway);
                    current = ir.clone();
                    eprintln!(
                        "gwc serve: reloaded {} ({} routes)",
                        spec.display(),
                        ir.routes.len()
                    );
                }
                Err(e) => eprintln!(
                    "gwc serve: {e}; still serving the previous version of {}",
                    spec.display()
                ),
            },
        }
    }
    drop(watcher);
    eprintln!("gwc serve: shutting down, finishing in-flight requests");
    server.shutdown();
    server.wait();
    Ok(())
}

fn print_diagnostics(compiled: &Compiled, colour: bool) {
    if compiled.diagnostics.iter().next().is_some() {
        eprint!("{}", compiled.render(colour));
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
    fn update(&mut self, watcher: &mut RecommendedWatcher, compiled: &Compiled, spec: &Path) {
        let mut files: BTreeSet<PathBuf> = (0..compiled.sources.len())
            .filter_map(|i| u32::try_from(i).ok())
            .map(|i| absolute(&compiled.sources.file(crate::source::FileId(i)).path))
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
        kind_matters && event.paths.iter().any(|p| self.files.contains(&absolute(p)))
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
