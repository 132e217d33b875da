//! A `redis-server` of the test's own on a free loopback port, killed on drop; it can be killed
//! and restarted on the same port mid-test (an outage). Without `redis-server` a test records a
//! skip (stderr and `GWC_SKIP_LOG`, which `scripts/test` prints) instead of passing silently;
//! under `CI` that is a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::HarnessError;

/// A running (or, between `kill` and `restart`, stopped) Redis.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl RedisServer {
    /// Starts one; `Ok(None)` (with the skip recorded) when `redis-server` is not installed.
    pub fn start() -> Result<Option<RedisServer>, HarnessError> {
        if let Err(e) = Command::new("redis-server").arg("--version").output() {
            let why = format!("`redis-server` cannot run ({e}); scripts/test installs it");
            if std::env::var_os("CI").is_some() {
                return Err(HarnessError::Other(why));
            }
            skip(&why);
            return Ok(None);
        }
        // Port 0 would turn Redis's TCP listener off: take a free port and release it.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log =
            std::env::temp_dir().join(format!("gwc-e2e-redis-{}-{port}.log", std::process::id()));
        let mut server = RedisServer {
            child: None,
            port,
            log,
        };
        server.spawn()?;
        Ok(Some(server))
    }

    fn spawn(&mut self) -> Result<(), HarnessError> {
        let log = std::fs::File::create(&self.log)?;
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        self.child = Some(child);
        let started = Instant::now();
        while !self.pong() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > super::START_TIMEOUT {
                return Err(HarnessError::Other(format!(
                    "redis-server on port {} failed to start within {:?} ({exited:?}):\n{}",
                    self.port,
                    super::START_TIMEOUT,
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    fn pong(&self) -> bool {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
        let mut buf = [0; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }

    /// Stops it (SIGKILL): an outage.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.kill();
        self.spawn()
    }

    /// Commands clients sent Redis since it started (`INFO commandstats`, summed over what
    /// the usage-plan check and the connections send at top level: scripts, pings, handshakes;
    /// the commands a script runs inside are counted by Redis too, and left out here): what the
    /// gateways cost it, in round trips.
    pub fn commands(&self) -> Result<u64, HarnessError> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(b"INFO commandstats\r\n")?;
        // A bulk string: `$LEN\r\n` then LEN bytes.
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf)?;
            text.extend_from_slice(&buf[..n]);
            let t = String::from_utf8_lossy(&text);
            if let Some((head, body)) = t.split_once("\r\n")
                && let Ok(len) = head.trim_start_matches('$').parse::<usize>()
                && body.len() >= len
            {
                break;
            }
            if n == 0 {
                break;
            }
        }
        let text = String::from_utf8_lossy(&text);
        Ok(text
            .lines()
            // Commands a script runs inside are counted too; only these come from clients.
            .filter(|l| {
                [
                    "evalsha",
                    "eval",
                    "script",
                    "ping",
                    "hello",
                    "client",
                    "subscribe",
                ]
                .iter()
                .any(|c| l.starts_with(&format!("cmdstat_{c}:")))
            })
            .filter_map(|l| {
                l.split("calls=")
                    .nth(1)?
                    .split(',')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
            .sum())
    }

    /// How many keys match `pattern` (`KEYS`; test data sets are small).
    pub fn keys_matching(&self, pattern: &str) -> Result<usize, HarnessError> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(2)))?;
        s.write_all(format!("KEYS {pattern}\r\n").as_bytes())?;
        // An array: `*COUNT\r\n` first; the count is all this needs.
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        while !text.windows(2).any(|w| w == b"\r\n") {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&text);
        let head = text.split("\r\n").next().unwrap_or_default();
        head.strip_prefix('*')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| HarnessError::Other(format!("KEYS answered {head:?}")))
    }

    /// `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Records that the running test checked nothing, and why.
pub fn skip(why: &str) {
    let thread = std::thread::current();
    let line = format!("SKIPPED {}: {why}", thread.name().unwrap_or("unnamed test"));
    eprintln!("{line}");
    if let Some(log) = std::env::var_os("GWC_SKIP_LOG") {
        use std::io::Write as _;
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"));
    }
}
