//! The end-to-end harness: real things on loopback ports, started and stopped by the tests.
//!
//! It owns three kinds of fixture, each in its own module:
//! - [`binaries`] builds the gateway binaries (the generated example crates and `gwc` itself)
//!   once per test binary, into the workspace's shared target directory;
//! - [`process`] starts a gateway process on `--listen 127.0.0.1:0`, reads the bound address
//!   from its `listening on http://ADDR` stdout line and kills it on drop;
//! - [`backend`] runs in-process hyper backends (echo, slow, streaming download, upload sink)
//!   that count the TCP connections they accept, over plain TCP or TLS;
//! - [`certs`] makes a CA and leaf certificates in the test (`rcgen`) for the TLS backends;
//! - [`plans`] starts the `plans` example (its key values set), alone or as replicas on one
//!   Redis;
//! - [`client`] holds the in-process hyper client helpers (one connection per call, or a kept
//!   connection) and generated request bodies of any size.
//!
//! Everything binds to `127.0.0.1` only and every wait is bounded, so a broken gateway fails a
//! test with the gateway's stderr instead of hanging the suite.

/// Fails the test (as an `Err`, so the caller can attach the gateway's stderr) unless `cond`.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        // Bound first: `!` straight onto a float comparison reads badly (clippy says so).
        let holds: bool = $cond;
        if !holds {
            return Err($crate::harness::Failure(format!($($fmt)+)));
        }
    };
}

/// Fails the test unless `left == right`, showing both.
macro_rules! ensure_eq {
    ($left:expr, $right:expr, $($fmt:tt)+) => {
        // `match` keeps temporaries alive for the comparison, as `assert_eq!` does.
        match (&$left, &$right) {
            (left, right) => {
                if left != right {
                    return Err($crate::harness::Failure(format!(
                        "{}\n  left: {:?}\n right: {:?}",
                        format!($($fmt)+),
                        left,
                        right
                    )));
                }
            }
        }
    };
}

pub mod backend;
pub mod binaries;
pub mod certs;
pub mod client;
pub mod plans;
pub mod process;
pub mod redis;

use std::time::Duration;

pub use backend::{Backend, ClosedPort};
pub use process::{GatewayProcess, Target};

/// What every e2e test returns: failures carry the harness's message (with the gateway's
/// stderr where relevant) instead of a bare panic location.
pub type TestResult<T = ()> = Result<T, Failure>;

/// A test failure's text. Its `Debug` (what the test runner prints for an `Err`) is the raw
/// text, so multi-line messages and a gateway's stderr stay readable. It is deliberately not
/// `Display`, which lets `?` convert any `Display` error into it.
pub struct Failure(pub String);

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure(error.to_string())
    }
}

/// Why a fixture could not be prepared; each variant says what to look at.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// `cargo build` of a gateway binary failed; its output is included.
    #[error("building {what} failed:\n{output}")]
    Build {
        /// What was being built.
        what: String,
        /// cargo's stderr.
        output: String,
    },
    /// A gateway process did not print its `listening on` line in time.
    #[error("{what} failed to start within {timeout:?}: {reason}\n--- stderr ---\n{stderr}")]
    Start {
        /// Which gateway.
        what: String,
        /// The start-up timeout.
        timeout: Duration,
        /// Why we gave up (timeout, exit status, unreadable line).
        reason: String,
        /// What the process wrote to stderr so far.
        stderr: String,
    },
    /// A precondition of the harness itself failed (I/O, a missing file).
    #[error("{0}")]
    Other(String),
    /// An I/O error talking to a process, a socket or the file system.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Adds the gateway's identity and stderr to a failure, so a red test shows what the gateway
/// logged.
pub fn annotate(gateway: &GatewayProcess, error: Failure) -> Failure {
    let Failure(mut text) = error;
    text.insert_str(0, &format!("[{}] ", gateway.what()));
    text.push_str("\n--- gateway stderr ---\n");
    text.push_str(&gateway.stderr());
    Failure(text)
}

/// Time a fixture gets to come up before the test fails (Pingora's "failed to start within").
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Polls `check` every 50 ms until it returns `Some` or `timeout` passes; the bounded form of
/// "wait until the gateway noticed".
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
