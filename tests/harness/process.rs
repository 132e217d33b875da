//! Gateway processes: started on a free port, found through their stdout, killed on drop.
//!
//! The contract every gateway binary (generated or `gwc serve`) keeps: with
//! `--listen 127.0.0.1:0` it binds a free port and prints exactly one stdout line
//! `listening on http://ADDR` with the real address (and `admin listening on http://ADDR` when
//! the admin listener is on). Reading that line is the only way the harness learns the port, so
//! there is no port race between picking and binding. Stdout and stderr are drained by threads
//! for the whole life of the process (a full pipe would block the gateway) and kept so that a
//! failing test can show them.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{HarnessError, START_TIMEOUT, binaries};

/// Which gateway a test runs: the same behaviour is expected from a generated crate and from
/// `gwc serve` on the same spec, so most tests run against both.
#[derive(Debug, Clone)]
pub enum Target {
    /// The binary built from `generated-examples/<name>`.
    Example(&'static str),
    /// `gwc serve SPEC`.
    Serve(PathBuf),
}

impl Target {
    /// The petstore example, generated and served: the pair most tests iterate over.
    pub fn petstore() -> [Target; 2] {
        [
            Target::Example("petstore"),
            Target::serve_example("petstore"),
        ]
    }

    /// The transfer example (2 GiB bodies, a 500 ms route), generated and served.
    pub fn transfer() -> [Target; 2] {
        [
            Target::Example("transfer"),
            Target::serve_example("transfer"),
        ]
    }

    /// The storefront example (CORS, request validation), generated and served.
    pub fn storefront() -> [Target; 2] {
        [
            Target::Example("storefront"),
            Target::serve_example("storefront"),
        ]
    }

    /// `gwc serve specs/<name>/spec.yaml`.
    pub fn serve_example(name: &str) -> Target {
        Target::Serve(
            binaries::workspace_root()
                .join("specs")
                .join(name)
                .join("spec.yaml"),
        )
    }

    /// A label for messages (`petstore (generated)`, `gwc serve …/spec.yaml`).
    pub fn label(&self) -> String {
        match self {
            Target::Example(name) => format!("{name} (generated)"),
            Target::Serve(spec) => format!("gwc serve {}", spec.display()),
        }
    }

    /// Starts the gateway on a free loopback port with the stage variable `backend` pointing at
    /// `backend` (the convention of every example spec) plus `extra` flags.
    pub fn start(&self, backend: &str, extra: &[&str]) -> Result<GatewayProcess, HarnessError> {
        let mut cmd = match self {
            Target::Example(name) => Command::new(binaries::example_gateway(name)?),
            Target::Serve(spec) => {
                let mut cmd = Command::new(binaries::gwc()?);
                cmd.arg("serve").arg(spec);
                cmd
            }
        };
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--stage-variable")
            .arg(format!("backend={backend}"))
            .args(extra);
        GatewayProcess::spawn(cmd, self.label())
    }
}

/// What the stdout reader reports.
enum Announce {
    Listening(SocketAddr),
    Admin(SocketAddr),
}

/// A running gateway process; killed (SIGKILL) and reaped on drop unless it already exited.
pub struct GatewayProcess {
    child: Child,
    what: String,
    addr: SocketAddr,
    admin_addr: Option<SocketAddr>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl GatewayProcess {
    /// Spawns `cmd` and waits up to [`START_TIMEOUT`] for its `listening on` line (and the
    /// admin line when `--admin-listen` was passed). On failure the error carries the stderr.
    pub fn spawn(mut cmd: Command, what: String) -> Result<GatewayProcess, HarnessError> {
        let wants_admin = cmd.get_args().any(|a| a == "--admin-listen");
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("NO_COLOR", "1");
        let mut child = cmd.spawn().map_err(|e| HarnessError::Start {
            what: what.clone(),
            timeout: START_TIMEOUT,
            reason: format!("cannot spawn {:?}: {e}", cmd.get_program()),
            stderr: String::new(),
        })?;
        let stdout_pipe = child.stdout.take();
        let stderr_pipe = child.stderr.take();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let mut readers = Vec::new();
        if let Some(pipe) = stdout_pipe {
            let lines = Arc::clone(&stdout);
            readers.push(std::thread::spawn(move || read_stdout(pipe, &lines, &tx)));
        }
        if let Some(mut pipe) = stderr_pipe {
            let buf = Arc::clone(&stderr);
            readers.push(std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    lock(&buf).extend_from_slice(&chunk[..n]);
                }
            }));
        }
        let mut process = GatewayProcess {
            child,
            what,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_addr: None,
            stdout,
            stderr,
            readers,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        let mut main = None;
        while main.is_none() || (wants_admin && process.admin_addr.is_none()) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Announce::Listening(addr)) => main = Some(addr),
                Ok(Announce::Admin(addr)) => process.admin_addr = Some(addr),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(process.start_failure("no `listening on http://ADDR` line".into()));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let reason = match process.child.try_wait() {
                        Ok(Some(status)) => format!("exited with {status} before listening"),
                        _ => "closed stdout before printing `listening on`".to_owned(),
                    };
                    return Err(process.start_failure(reason));
                }
            }
        }
        if let Some(addr) = main {
            process.addr = addr;
        }
        Ok(process)
    }

    /// Kills the process, collects its stderr and turns it into a start error.
    fn start_failure(mut self, reason: String) -> HarnessError {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        HarnessError::Start {
            what: self.what.clone(),
            timeout: START_TIMEOUT,
            reason,
            stderr: self.stderr(),
        }
    }

    /// The address from the `listening on` line.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin listener's address, when started with `--admin-listen`.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// `http://ADDR` + `path`, for curl.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The label given at start (for assertion messages).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Everything the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&lock(&self.stderr)).into_owned()
    }

    /// Every stdout line so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        lock(&self.stdout).clone()
    }

    /// Resident set size now, from `/proc/<pid>/status` (`VmRSS`).
    pub fn rss_bytes(&self) -> Result<u64, HarnessError> {
        self.proc_status_kib("VmRSS:").map(|kib| kib * 1024)
    }

    /// Peak resident set size over the process's life (`VmHWM`), so short spikes between two
    /// samples are not missed.
    pub fn peak_rss_bytes(&self) -> Result<u64, HarnessError> {
        self.proc_status_kib("VmHWM:").map(|kib| kib * 1024)
    }

    fn proc_status_kib(&self, key: &str) -> Result<u64, HarnessError> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path)?;
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| HarnessError::Other(format!("no `{key}` in {path}")))
    }

    /// Sends SIGTERM (through `kill(1)`, which keeps `unsafe` out of the tests).
    pub fn terminate(&self) -> Result<(), HarnessError> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(HarnessError::Other(format!("kill -TERM failed: {status}")))
        }
    }

    /// Waits up to `timeout` for the process to exit on its own.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, HarnessError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(HarnessError::Other(format!(
                    "{} did not exit within {timeout:?}\n--- stderr ---\n{}",
                    self.what,
                    self.stderr()
                )));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads stdout line by line, keeps every line and announces the listening addresses.
fn read_stdout(
    pipe: std::process::ChildStdout,
    lines: &Mutex<Vec<String>>,
    tx: &mpsc::Sender<Announce>,
) {
    for line in BufReader::new(pipe).lines() {
        let Ok(line) = line else { break };
        let announce = if let Some(rest) = line.strip_prefix("admin listening on http://") {
            rest.trim().parse().ok().map(Announce::Admin)
        } else if let Some(rest) = line.strip_prefix("listening on http://") {
            rest.trim().parse().ok().map(Announce::Listening)
        } else {
            None
        };
        lock(lines).push(line);
        if let Some(announce) = announce {
            // The receiver is gone once start-up is over; later lines are only recorded.
            let _ = tx.send(announce);
        }
    }
}

/// Locks a buffer even if a reader thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
