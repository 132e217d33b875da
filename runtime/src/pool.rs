//! Per-thread upstream connections: a small idle list per upstream authority, owned by one
//! worker thread (no lock, no cross-thread traffic), speaking HTTP/1 through
//! `hyper::client::conn::http1`.
//!
//! The connection's driver future is not spawned as a task of its own: the request that uses a
//! connection polls it inline (first while waiting for the response head, then from the
//! response body as the client reads it). That saves the two task hand-offs per request a
//! spawned driver costs (request → driver task → request task). An idle connection in the list
//! is polled by nobody; the next request polls it once before use, which is when a connection
//! the backend closed is noticed and skipped.
//!
//! A connection goes back to the list only once its response body has been read to the end
//! and it is ready for another request ([`Checkin::release`]); one still uploading a request
//! body (the backend answered early) is handed to a spawned task that finishes the upload and
//! closes it; one whose response was abandoned mid-body is dropped.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::body::LimitedBody;

type Driver = Pin<Box<Connection<TokioIo<TcpStream>, LimitedBody>>>;

/// Where an upstream lives: an IP address known at start-up, or a host name resolved when a
/// new connection is opened (so DNS changes are picked up without a restart).
#[derive(Debug, Clone)]
pub(crate) enum Address {
    Ip(SocketAddr),
    Host(Box<str>, u16),
}

/// One upstream connection: its sending half and its driver, polled by whoever uses it.
pub(crate) struct UpConn {
    pub(crate) sender: SendRequest<LimitedBody>,
    driver: Driver,
    /// The driver finished (the connection is closed); it must not be polled again.
    done: bool,
}

impl fmt::Debug for UpConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpConn").field("done", &self.done).finish()
    }
}

impl UpConn {
    /// Lets the connection do whatever I/O it can (write the request, read the response).
    pub(crate) fn drive(&mut self, cx: &mut Context<'_>) {
        if self.done {
            return;
        }
        if let Poll::Ready(result) = self.driver.as_mut().poll(cx) {
            self.done = true;
            if let Err(e) = result {
                tracing::debug!(error = %e, "upstream connection closed with an error");
            }
        }
    }

    /// Ready for a new request (after being driven).
    pub(crate) fn is_ready(&self) -> bool {
        !self.done && self.sender.is_ready()
    }

    /// Lets a busy connection finish on its own (e.g. an upload the backend answered early),
    /// then close: the sender is dropped, so the driver ends after the current exchange.
    fn detach(self) {
        if self.done {
            return;
        }
        let UpConn { sender, driver, .. } = self;
        drop(sender);
        tokio::task::spawn_local(async move {
            if let Err(e) = driver.await {
                tracing::debug!(error = %e, "upstream connection closed with an error");
            }
        });
    }
}

/// Idle connections to one upstream, for one worker thread.
pub(crate) struct Pool {
    idle: RefCell<Vec<UpConn>>,
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

    /// A connection ready for a request, newest first: each candidate is driven once (to
    /// notice a close or finish its bookkeeping); closed ones are dropped, busy ones detached.
    pub(crate) async fn take_ready(&self) -> Option<UpConn> {
        loop {
            let mut up = self.idle.borrow_mut().pop()?;
            let ready = std::future::poll_fn(|cx| {
                up.drive(cx);
                Poll::Ready(up.is_ready())
            })
            .await;
            if ready {
                return Some(up);
            }
            up.detach();
        }
    }

    fn put(&self, up: UpConn) {
        if up.done {
            return;
        }
        let mut idle = self.idle.borrow_mut();
        if idle.len() < self.max_idle {
            idle.push(up);
        }
    }
}

/// A connection on loan to one request, returned to its pool by the response body at its end.
pub(crate) struct Checkin {
    pool: Rc<Pool>,
    pub(crate) up: UpConn,
}

impl fmt::Debug for Checkin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Checkin")
    }
}

impl Checkin {
    pub(crate) fn new(pool: Rc<Pool>, up: UpConn) -> Checkin {
        Checkin { pool, up }
    }

    /// The response body ended: back to the pool if the connection is ready for another
    /// request, else (request body still uploading) finish it in the background.
    pub(crate) fn release(mut self, cx: Option<&mut Context<'_>>) {
        if let Some(cx) = cx {
            self.up.drive(cx);
            if !self.up.is_ready() {
                self.up.detach();
                return;
            }
        }
        // Without a context (a body empty from the start) the next user drives it first.
        self.pool.put(self.up);
    }
}

/// Opens a new upstream connection; its driver is polled by the requests that use it.
pub(crate) async fn connect(addr: &Address) -> std::io::Result<UpConn> {
    let stream = match addr {
        Address::Ip(a) => TcpStream::connect(*a).await?,
        Address::Host(host, port) => TcpStream::connect((&**host, *port)).await?,
    };
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::Builder::new()
        .handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    Ok(UpConn {
        sender,
        driver: Box::pin(conn),
        done: false,
    })
}
