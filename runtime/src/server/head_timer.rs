//! The request-head timer of a client connection: `limits.header_read_timeout` for a head the
//! client has started, `limits.idle_timeout` for a kept-alive connection waiting for its next
//! request.
//!
//! hyper's `header_read_timeout` starts when hyper begins waiting for a head, which on a
//! kept-alive connection is as soon as the previous response is written: an idle connection was
//! closed after `header_read_timeout` (10 s), not `idle_timeout` (1 m). hyper takes its timer
//! from us, though, and asks for a sleep exactly when it starts waiting for a head (and drops it
//! once the head is parsed), so [`HeadTimer`] hands it sleeps that end at:
//! - on a new connection, `header_read_timeout` after the wait began (as before: a client that
//!   connects has that long to send its first head);
//! - on a kept-alive connection, `header_read_timeout` after the first byte of the next head,
//!   which [`Watched`] (the connection's socket) notes, or `idle_timeout` after the wait began
//!   while no byte came.
//!
//! Cost: one relaxed atomic load per socket read and a clock read per head; the sleep hyper
//! allocates per head it allocated before with its own timer. The state is atomic only because
//! hyper requires `Send + Sync` timers; one thread touches it.
//!
//! A pipelining client whose next head was read together with the previous body, and then
//! stalls mid-head, counts as idle (its first byte came before the wait began).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the socket and the timer of one connection share.
#[derive(Debug)]
pub(crate) struct HeadClock {
    base: Instant,
    /// Nanoseconds from `base` to the first byte read since the current wait began, plus one;
    /// zero while none.
    first_byte: AtomicU64,
    /// A wait for a head began before (this connection is kept alive).
    waited: AtomicBool,
}

impl HeadClock {
    pub(crate) fn new() -> Arc<HeadClock> {
        Arc::new(HeadClock {
            base: Instant::now(),
            first_byte: AtomicU64::new(0),
            waited: AtomicBool::new(false),
        })
    }

    /// Bytes arrived: the first of a head when a wait is on (harmless otherwise).
    fn note_read(&self) {
        if self.first_byte.load(Ordering::Relaxed) == 0 {
            let since = self.base.elapsed().as_nanos();
            let since = u64::try_from(since).unwrap_or(u64::MAX - 1);
            self.first_byte.store(since + 1, Ordering::Relaxed);
        }
    }

    fn first_byte(&self) -> Option<Instant> {
        match self.first_byte.load(Ordering::Relaxed) {
            0 => None,
            n => Some(self.base + Duration::from_nanos(n - 1)),
        }
    }

    /// A wait for a head begins; returns whether the connection carried a request before.
    fn begin_wait(&self) -> bool {
        self.first_byte.store(0, Ordering::Relaxed);
        self.waited.swap(true, Ordering::Relaxed)
    }
}

/// The timer given to hyper for `header_read_timeout` (its only use of a server timer).
#[derive(Debug, Clone)]
pub(crate) struct HeadTimer {
    clock: Arc<HeadClock>,
    head: Duration,
    idle: Duration,
}

impl HeadTimer {
    /// `head` is `limits.header_read_timeout`, `idle` `limits.idle_timeout` (zero: no limit).
    pub(crate) fn new(clock: Arc<HeadClock>, head: Duration, idle: Duration) -> HeadTimer {
        HeadTimer { clock, head, idle }
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    /// hyper calls this when it starts waiting for a request head; `deadline` is the start
    /// plus `header_read_timeout`.
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let kept_alive = self.clock.begin_wait();
        let began = deadline.checked_sub(self.head).unwrap_or(deadline);
        Box::pin(HeadSleep {
            sleep: tokio::time::sleep_until(deadline.into()),
            deadline,
            clock: Arc::clone(&self.clock),
            began,
            kept_alive,
            head: self.head,
            idle: self.idle,
        })
    }
}

pin_project_lite::pin_project! {
    /// One wait for a head; see the module docs for when it ends.
    struct HeadSleep {
        #[pin]
        sleep: tokio::time::Sleep,
        deadline: Instant,
        clock: Arc<HeadClock>,
        began: Instant,
        kept_alive: bool,
        head: Duration,
        idle: Duration,
    }
}

/// Far enough to mean "no limit" (tokio sleeps up to about two years).
const NEVER: Duration = Duration::from_secs(365 * 24 * 3600);

impl HeadSleep {
    fn target(&self) -> Instant {
        match self.clock.first_byte() {
            Some(first) if self.kept_alive => first + self.head,
            _ if !self.kept_alive => self.began + self.head,
            _ if self.idle.is_zero() => self.began + NEVER,
            _ => self.began + self.idle,
        }
    }
}

impl std::future::Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this whenever a read of the head would block, so a first byte moves the
        // deadline before it can matter.
        let target = self.target();
        let mut this = self.project();
        if target != *this.deadline {
            *this.deadline = target;
            this.sleep.as_mut().reset(target.into());
        }
        this.sleep.poll(cx)
    }
}

impl Sleep for HeadSleep {}

/// A client socket that tells its [`HeadClock`] when bytes arrive; writes pass through
/// (vectored writes included, which hyper uses for head plus body).
#[derive(Debug)]
pub(crate) struct Watched<S> {
    inner: S,
    clock: Arc<HeadClock>,
}

impl<S> Watched<S> {
    pub(crate) fn new(inner: S, clock: Arc<HeadClock>) -> Watched<S> {
        Watched { inner, clock }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.clock.note_read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
