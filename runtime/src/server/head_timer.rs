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
//! Cost per request: one relaxed atomic load per socket read and a few relaxed atomics when
//! hyper polls the sleep; no clock read unless a head arrives in pieces (its first byte is then
//! timed) or a wait ends. hyper's `Timer::now` answers the connection's start rather than
//! reading the clock: hyper uses it only for the deadline it hands to `sleep_until`, which the
//! sleeps ignore. An idle wait's end is stamped by the watch when it first sees the wait (so
//! `idle_timeout` too ends up to a tick late). The sleep hyper allocates per head it allocated
//! before with its own timer. The state is atomic only because hyper requires `Send + Sync`
//! timers; one thread touches it.
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
    /// When the connection was accepted: the start of its first wait for a head.
    base: Instant,
    /// `limits.idle_timeout` (zero: no limit).
    idle: Duration,
    /// Bytes were read since the current wait began.
    seen: AtomicBool,
    /// Nanoseconds from `base` to when the timer first saw `seen`, plus one; zero while not
    /// yet. Taken by the timer, not the socket: a head read whole in one go (nearly all of
    /// them) never needs the time, and the socket's reads stay free of clock reads.
    first_byte: AtomicU64,
    /// A wait for a head began before (this connection is kept alive).
    waited: AtomicBool,
    /// When the current wait ends (nanoseconds from `base`, plus one); zero while none is due;
    /// [`IDLE`] for an idle wait whose end the head watch has not stamped yet. The watch wakes
    /// the connection's task (the one that polls the sleep) once it has passed.
    due: AtomicU64,
    /// The end (as in `due`) the watch last found passed, for the sleep's next poll to
    /// confirm; zero if none.
    fired: AtomicU64,
}

/// `due` of an idle wait not yet seen by the head watch.
const IDLE: u64 = u64::MAX;

impl HeadClock {
    /// `idle` is `limits.idle_timeout` (zero: no limit).
    pub(crate) fn new(idle: Duration) -> Arc<HeadClock> {
        Arc::new(HeadClock {
            base: Instant::now(),
            idle,
            seen: AtomicBool::new(false),
            first_byte: AtomicU64::new(0),
            waited: AtomicBool::new(false),
            due: AtomicU64::new(0),
            fired: AtomicU64::new(0),
        })
    }

    /// Bytes arrived: the first of a head when a wait is on (harmless otherwise).
    fn note_read(&self) {
        if !self.seen.load(Ordering::Relaxed) {
            self.seen.store(true, Ordering::Relaxed);
        }
    }

    /// `at` as stored in `due` and `fired`.
    fn stamp(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.base).as_nanos())
            .unwrap_or(IDLE - 2)
            .min(IDLE - 2)
            + 1
    }

    /// The instant a non-zero stamp stands for.
    fn instant(&self, stamp: u64) -> Instant {
        self.base + Duration::from_nanos(stamp - 1)
    }

    /// When the first byte of the awaited head came, as first observed by the timer (hyper
    /// polls it as soon as a read of the head would block, so at most one read late).
    fn first_byte(&self) -> Option<Instant> {
        match self.first_byte.load(Ordering::Relaxed) {
            0 if self.seen.load(Ordering::Relaxed) => {
                let now = Instant::now();
                self.first_byte.store(self.stamp(now), Ordering::Relaxed);
                Some(now)
            }
            0 => None,
            n => Some(self.instant(n)),
        }
    }

    /// True once if the current wait has ended by `now`: the worker's head watch then wakes
    /// the connection's task, whose next poll of the sleep ends the wait. Called every
    /// [`HEAD_WATCH_TICK`] for each open connection; the first call that sees an idle wait
    /// stamps its end, `idle_timeout` from then.
    pub(crate) fn take_due(&self, now: Instant) -> bool {
        match self.due.load(Ordering::Relaxed) {
            0 => false,
            IDLE => {
                self.due
                    .store(self.stamp(now + self.idle), Ordering::Relaxed);
                false
            }
            due if self.instant(due) > now => false,
            due => {
                self.due.store(0, Ordering::Relaxed);
                self.fired.store(due, Ordering::Relaxed);
                true
            }
        }
    }

    /// Records the end of the current wait, for the head watch.
    fn arm(&self, end: Instant) {
        self.due.store(self.stamp(end), Ordering::Relaxed);
    }

    /// Records an idle wait, unless the watch already stamped its end.
    fn arm_idle(&self) {
        if self.due.load(Ordering::Relaxed) == 0 {
            self.due.store(IDLE, Ordering::Relaxed);
        }
    }

    /// The wait is over (its head came, or it ended): nothing to wake.
    fn disarm(&self) {
        self.due.store(0, Ordering::Relaxed);
        self.fired.store(0, Ordering::Relaxed);
    }

    /// A wait for a head begins; returns whether the connection carried a request before.
    fn begin_wait(&self) -> bool {
        self.seen.store(false, Ordering::Relaxed);
        self.first_byte.store(0, Ordering::Relaxed);
        self.disarm();
        self.waited.swap(true, Ordering::Relaxed)
    }
}

/// The timer given to hyper for `header_read_timeout` (its only use of a server timer).
#[derive(Debug, Clone)]
pub(crate) struct HeadTimer {
    clock: Arc<HeadClock>,
    head: Duration,
}

impl HeadTimer {
    /// `head` is `limits.header_read_timeout`.
    pub(crate) fn new(clock: Arc<HeadClock>, head: Duration) -> HeadTimer {
        HeadTimer { clock, head }
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    /// hyper calls this when it starts waiting for a request head; the sleep works out its
    /// own end (see the module docs), so `deadline` is not used.
    fn sleep_until(&self, _deadline: Instant) -> Pin<Box<dyn Sleep>> {
        let kept_alive = self.clock.begin_wait();
        Box::pin(HeadSleep {
            clock: Arc::clone(&self.clock),
            kept_alive,
            head: self.head,
        })
    }

    /// Not the time: hyper reads it only to compute the deadline it passes to
    /// [`Timer::sleep_until`], which is not used; a clock read per request saved.
    fn now(&self) -> Instant {
        self.clock.base
    }
}

/// One wait for a head; see the module docs for when it ends.
struct HeadSleep {
    clock: Arc<HeadClock>,
    kept_alive: bool,
    head: Duration,
}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        self.clock.disarm();
    }
}

/// How often a worker's head watch looks for waits that have ended: how late a limit can be.
pub(crate) const HEAD_WATCH_TICK: Duration = Duration::from_millis(100);

/// When a wait for a head ends, if that is known without the head watch: a new connection's
/// first head is due `head` after it was accepted, a kept-alive connection's `head` after the
/// head's first byte; `None` for a kept-alive connection with no byte yet (an idle wait, whose
/// end the watch stamps).
fn target(clock: &HeadClock, kept_alive: bool, head: Duration) -> Option<Instant> {
    if !kept_alive {
        return Some(clock.base + head);
    }
    clock.first_byte().map(|first| first + head)
}

impl std::future::Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        // hyper polls this whenever a read of the head would block, so a first byte moves the
        // end before it can matter.
        let end = target(&self.clock, self.kept_alive, self.head);
        let fired = self.clock.fired.load(Ordering::Relaxed);
        if fired != 0 {
            self.clock.fired.store(0, Ordering::Relaxed);
            // The watch found the end passed and woke us; a first byte since may have moved it.
            let end = end.unwrap_or_else(|| self.clock.instant(fired));
            if Instant::now() >= end {
                self.clock.disarm();
                return Poll::Ready(());
            }
            self.clock.arm(end);
            return Poll::Pending;
        }
        // The task to wake is the connection's, which `serve_connection` keeps for the worker.
        match end {
            Some(end) => self.clock.arm(end),
            None if self.clock.idle.is_zero() => {}
            None => self.clock.arm_idle(),
        }
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
        let clock = HeadClock::new(Duration::from_secs(60));
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

    /// A new connection's first head is due `head` after the connection began; a kept-alive
    /// one's `head` after the head's first byte, and without a byte there is no end the sleep
    /// knows of (the watch stamps the idle end).
    #[test]
    fn targets_are_head_from_the_start_or_from_the_first_byte() {
        let clock = HeadClock::new(Duration::from_secs(60));
        let head = Duration::from_secs(1);
        assert!(!clock.begin_wait(), "a new connection");
        assert_eq!(target(&clock, false, head), Some(clock.base + head));
        assert!(clock.begin_wait(), "kept alive");
        assert_eq!(target(&clock, true, head), None);
        let before = Instant::now();
        clock.note_read();
        let end = target(&clock, true, head).expect("a first byte");
        assert!(end >= before + head, "{end:?}");
        assert_eq!(
            target(&clock, true, head),
            Some(end),
            "first byte time kept"
        );
        assert!(clock.begin_wait());
        assert_eq!(
            target(&clock, true, head),
            None,
            "a new wait forgets the byte"
        );
    }

    /// An idle wait is stamped `idle` after the watch first sees it, fires once after that,
    /// and re-arming an idle wait does not push a stamped end back.
    #[test]
    fn idle_waits_are_stamped_by_the_watch() {
        let idle = Duration::from_secs(60);
        let clock = HeadClock::new(idle);
        let t0 = Instant::now();
        clock.arm_idle();
        assert!(!clock.take_due(t0), "stamped, not due");
        clock.arm_idle();
        assert!(!clock.take_due(t0 + idle - Duration::from_millis(1)));
        assert!(clock.take_due(t0 + idle), "due idle after the stamp");
        assert_eq!(
            clock.instant(clock.fired.load(Ordering::Relaxed)),
            t0 + idle
        );
        assert!(!clock.take_due(t0 + idle + idle), "once");
    }

    /// A sleep ends only after the watch fired and the end is confirmed against the clock.
    #[test]
    fn a_sleep_ends_when_the_watch_fired_and_its_end_passed() {
        let clock = HeadClock::new(Duration::from_secs(60));
        let timer = HeadTimer::new(Arc::clone(&clock), Duration::ZERO);
        let mut sleep = timer.sleep_until(timer.now());
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert!(
            sleep.as_mut().poll(&mut cx).is_pending(),
            "not before the watch fired"
        );
        assert!(
            clock.take_due(Instant::now()),
            "a zero limit is due at once"
        );
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
    }
}
