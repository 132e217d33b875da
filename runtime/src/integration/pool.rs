//! Per-thread upstream connections: a small idle list per upstream authority, owned by one
//! worker thread (no lock, no cross-thread traffic), driven by `hyper::client::conn::http1`
//! over plain TCP or, for `https://` upstreams, rustls.
//!
//! A connection is taken out of the list for one request and put back only once the response
//! body has been read to the end ([`Checkin::release`]), which is when HTTP/1 lets it carry the
//! next request; a connection whose response was abandoned mid-body is dropped, not reused.

use std::cell::RefCell;
use std::fmt;
use std::net::SocketAddr;
use std::rc::Rc;

use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::body::LimitedBody;
use crate::integration::tls::TlsTarget;

/// The sending half of one upstream connection.
pub(crate) type Sender = SendRequest<LimitedBody>;

/// Where an upstream lives: an IP address known at start-up, or a host name resolved when a
/// new connection is opened (so DNS changes are picked up without a restart).
#[derive(Debug, Clone)]
pub(crate) enum Address {
    Ip(SocketAddr),
    Host(Box<str>, u16),
}

/// Idle connections to one upstream, for one worker thread.
pub(crate) struct Pool {
    idle: RefCell<Vec<Sender>>,
    max_idle: usize,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("idle", &self.idle.borrow().len())
            .finish()
    }
}

impl Pool {
    pub(crate) fn new(max_idle: usize) -> Pool {
        Pool {
            idle: RefCell::new(Vec::new()),
            max_idle,
        }
    }

    /// An idle connection that is still open, newest first. It may not be ready yet: a
    /// connection is returned as soon as its response body has been read, and its driver task
    /// marks it ready only when it next runs, so the caller waits for `ready()`.
    pub(crate) fn take(&self) -> Option<Sender> {
        let mut idle = self.idle.borrow_mut();
        while let Some(s) = idle.pop() {
            if !s.is_closed() {
                return Some(s);
            }
        }
        None
    }

    fn put(&self, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.borrow_mut();
        if idle.len() < self.max_idle {
            idle.push(sender);
        }
    }
}

/// A connection on loan to one request, returned to its pool by the response body at its end.
pub(crate) struct Checkin {
    pool: Rc<Pool>,
    sender: Sender,
}

impl fmt::Debug for Checkin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Checkin")
    }
}

impl Checkin {
    pub(crate) fn new(pool: Rc<Pool>, sender: Sender) -> Checkin {
        Checkin { pool, sender }
    }

    /// Puts the connection back for the next request.
    pub(crate) fn release(self) {
        self.pool.put(self.sender);
    }
}

/// Opens a new upstream connection (with a TLS handshake when `tls` is set) and spawns its
/// driver on the current worker. The TLS stream's type stays inside the driver task, so the
/// returned [`Sender`] is the same type for plain and TLS connections and the request path has
/// no extra indirection for either.
pub(crate) async fn connect(addr: &Address, tls: Option<&TlsTarget>) -> std::io::Result<Sender> {
    let stream = match addr {
        Address::Ip(a) => TcpStream::connect(*a).await?,
        Address::Host(host, port) => TcpStream::connect((&**host, *port)).await?,
    };
    stream.set_nodelay(true)?;
    match tls {
        None => handshake(stream).await,
        Some(tls) => {
            let stream = tls
                .connector
                .connect(tls.server_name.clone(), stream)
                .await
                .map_err(|e| std::io::Error::new(e.kind(), format!("TLS handshake: {e}")))?;
            handshake(stream).await
        }
    }
}

/// The HTTP/1 handshake over an open stream, and its driver task.
async fn handshake<T>(io: T) -> std::io::Result<Sender>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, conn) = http1::Builder::new()
        .handshake(TokioIo::new(io))
        .await
        .map_err(std::io::Error::other)?;
    tokio::task::spawn_local(async move {
        if let Err(e) = conn.await {
            tracing::debug!(error = %e, "upstream connection closed with an error");
        }
    });
    Ok(sender)
}
