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
//! The sleeps are not tokio timers: a sleep records its end in the connection's [`HeadClock`],
//! and the worker's head watch ([`HeadClock::take_due`], every [`HEAD_WATCH_TICK`]) wakes the
//! connections whose end has passed (through the task waker the connection keeps for the
//! worker anyway, for graceful close). A tokio timer per head (a
//! timer-wheel entry made, polled and removed for every request of a kept-alive connection)
//! cost about a thousand instructions per request; the watch costs a check per connection per
//! tick, and a limit ends up to one tick late.
//!
//! Cost per request: one relaxed atomic load per socket read, a clock read when hyper polls the
//! sleep (once per head that was not already in the socket's buffer); the sleep hyper
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
    /// Bytes were read since the current wait began.
    seen: AtomicBool,
    /// Nanoseconds from `base` to when the timer first saw `seen`, plus one; zero while not
    /// yet. Taken by the timer, not the socket: a head read whole in one go (nearly all of
    /// them) never needs the time, and the socket's reads stay free of clock reads.
    first_byte: AtomicU64,
    /// A wait for a head began before (this connection is kept alive).
    waited: AtomicBool,
    /// When the current wait ends (nanoseconds from `base`, plus one); zero while none is due.
    /// The worker's head watch wakes the connection's task (the one that polls the sleep) once
    /// it has passed.
    due: AtomicU64,
}

impl HeadClock {
    pub(crate) fn new() -> Arc<HeadClock> {
        Arc::new(HeadClock {
            base: Instant::now(),
            seen: AtomicBool::new(false),
            first_byte: AtomicU64::new(0),
            waited: AtomicBool::new(false),
            due: AtomicU64::new(0),
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

    /// True once if the current wait has ended by `now`: the worker's head watch then wakes
    /// the connection's task, whose next poll of the sleep ends the wait. Called every
    /// [`HEAD_WATCH_TICK`] for each open connection.
    pub(crate) fn take_due(&self, now: Instant) -> bool {
        let due = self.due.load(Ordering::Relaxed);
        if due == 0 || self.base + Duration::from_nanos(due - 1) > now {
            return false;
        }
        self.due.store(0, Ordering::Relaxed);
        true
    }

    /// Records the end of the current wait, for the head watch.
    fn arm(&self, end: Instant) {
        let nanos = u64::try_from(end.saturating_duration_since(self.base).as_nanos())
            .unwrap_or(u64::MAX - 1);
        self.due.store(nanos + 1, Ordering::Relaxed);
    }

    /// The wait is over (its head came, or it ended): nothing to wake.
    fn disarm(&self) {
        self.due.store(0, Ordering::Relaxed);
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
        Box::pin(HeadSleep {
            clock: Arc::clone(&self.clock),
            began,
            kept_alive,
            head: self.head,
            idle: self.idle,
        })
    }
}

/// One wait for a head; see the module docs for when it ends.
struct HeadSleep {
    clock: Arc<HeadClock>,
    began: Instant,
    kept_alive: bool,
    head: Duration,
    idle: Duration,
}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        self.clock.disarm();
    }
}

/// How often a worker's head watch looks for waits that have ended: how late a limit can be.
pub(crate) const HEAD_WATCH_TICK: Duration = Duration::from_millis(100);

/// Far enough to mean "no limit".
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

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this whenever a read of the head would block, so a first byte moves the
        // end before it can matter.
        let end = target(
            &self.clock,
            self.kept_alive,
            self.began,
            self.head,
            self.idle,
        );
        if Instant::now() >= end {
            self.clock.disarm();
            return Poll::Ready(());
        }
        // The task to wake is the connection's, which `serve_connection` keeps for the worker.
        self.clock.arm(end);
        Poll::Pending
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The watch sees a wait's end once, only after it, and never the end of a wait that is
    /// over.
    #[test]
    fn the_watch_sees_a_wait_end_once_after_it() {
        let clock = HeadClock::new();
        let now = Instant::now();
        clock.arm(now + Duration::from_millis(50));
        assert!(!clock.take_due(now), "due before its end");
        assert!(clock.take_due(now + Duration::from_millis(60)));
        assert!(
            !clock.take_due(now + Duration::from_millis(70)),
            "due twice"
        );
        clock.arm(now + Duration::from_millis(50));
        clock.disarm();
        assert!(
            !clock.take_due(now + Duration::from_secs(1)),
            "a finished wait due"
        );
    }

    /// A kept-alive connection waits `idle` for a first byte, then `head` from that byte.
    #[test]
    fn kept_alive_waits_idle_then_head_from_the_first_byte() {
        let clock = HeadClock::new();
        let (head, idle) = (Duration::from_secs(1), Duration::from_secs(60));
        assert!(!clock.begin_wait(), "a new connection");
        let began = Instant::now();
        assert_eq!(target(&clock, false, began, head, idle), began + head);
        assert!(clock.begin_wait(), "kept alive");
        assert_eq!(target(&clock, true, began, head, idle), began + idle);
        clock.note_read();
        let end = target(&clock, true, began, head, idle);
        assert!(
            end >= began + head && end < began + idle,
            "{:?}",
            end - began
        );
        assert_eq!(
            target(&clock, true, began, head, idle),
            end,
            "first byte time kept"
        );
        assert_eq!(
            target(&clock, true, began, head, Duration::ZERO),
            end,
            "no idle limit once the head started"
        );
    }
}
