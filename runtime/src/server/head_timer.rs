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
//! Cost: one relaxed atomic load per socket read; a clock read only for a head that arrives in
//! pieces; the sleep hyper allocates per head it allocated before with its own timer. The state is atomic only because
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
    /// Bytes were read since the current wait began.
    seen: AtomicBool,
    /// Nanoseconds from `base` to when the timer first saw `seen`, plus one; zero while not
    /// yet. Taken by the timer, not the socket: a head read whole in one go (nearly all of
    /// them) never needs the time, and the socket's reads stay free of clock reads.
    first_byte: AtomicU64,
    /// A wait for a head began before (this connection is kept alive).
    waited: AtomicBool,
}

impl HeadClock {
    pub(crate) fn new() -> Arc<HeadClock> {
        Arc::new(HeadClock {
            base: Instant::now(),
            seen: AtomicBool::new(false),
            first_byte: AtomicU64::new(0),
            waited: AtomicBool::new(false),
        })
    }

    /// Bytes arrived: the first of a head when a wait is on (harmless otherwise).
    fn note_read(&self) {
        if !self.seen.load(Ordering::Relaxed) {
            self.seen.store(true, Ordering::Relaxed);
        }
    }

    /// When the first byte of the awaited head came, as first observed by the timer (hyper
    /// polls it as soon as a read of the head would block, so at most one read late).
    fn first_byte(&self) -> Option<Instant> {
        match self.first_byte.load(Ordering::Relaxed) {
            0 if self.seen.load(Ordering::Relaxed) => {
                let now = Instant::now();
                let since =
                    u64::try_from(now.duration_since(self.base).as_nanos()).unwrap_or(u64::MAX - 1);
                self.first_byte.store(since + 1, Ordering::Relaxed);
                Some(now)
            }
            0 => None,
            n => Some(self.base + Duration::from_nanos(n - 1)),
        }
    }

    /// A wait for a head begins; returns whether the connection carried a request before.
    fn begin_wait(&self) -> bool {
        self.seen.store(false, Ordering::Relaxed);
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
        // The sleep starts at its real end (a kept-alive connection's idle limit), so its first
        // poll does not move it: moving a registered sleep costs a timer-wheel removal.
        let deadline = target(&self.clock, kept_alive, began, self.head, self.idle);
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

/// When a wait for a head ends; see the module docs.
fn target(
    clock: &HeadClock,
    kept_alive: bool,
    began: Instant,
    head: Duration,
    idle: Duration,
) -> Instant {
    match clock.first_byte() {
        Some(first) if kept_alive => first + head,
        _ if !kept_alive => began + head,
        _ if idle.is_zero() => began + NEVER,
        _ => began + idle,
    }
}

impl std::future::Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this whenever a read of the head would block, so a first byte moves the
        // deadline before it can matter.
        let target = target(
            &self.clock,
            self.kept_alive,
            self.began,
            self.head,
            self.idle,
        );
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
