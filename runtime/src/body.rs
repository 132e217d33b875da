//! Body types of the hot path: [`Body`] for responses (prebuilt bytes or a streamed upstream
//! body) and [`LimitedBody`] for request bodies forwarded upstream (counted against the
//! payload limit while streaming).
//!
//! Both are plain enums/structs over `Incoming` and `Bytes`, so nothing is boxed per request
//! and bodies are never buffered whole. The upstream response body also hands its connection
//! back to the per-thread pool once it has been read to the end, which is when HTTP/1 allows
//! the connection to carry the next request.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;

use crate::integration::pool::Checkin;
use crate::ir::ErrorType;

/// A response body: empty, prebuilt bytes (mocks, errors) or an upstream body being streamed.
#[derive(Debug)]
pub struct Body {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Full(Option<Bytes>),
    Upstream {
        body: Incoming,
        checkin: Option<Checkin>,
        /// Counts the bytes sent, for whoever must know the length once the body ends.
        tail: Option<Tail>,
    },
    /// Another body, copied on its way to the client (the response cache's store).
    Tee(Box<Tee>),
}

/// A body being copied: at most `limit` bytes; `done` gets the copy when the body ends
/// cleanly, and is dropped unused when it fails or outgrows the limit.
struct Tee {
    inner: Body,
    copy: bytes::BytesMut,
    limit: usize,
    done: Option<Box<dyn FnOnce(Bytes) + Send>>,
}

impl std::fmt::Debug for Tee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tee")
            .field("inner", &self.inner)
            .field("copied", &self.copy.len())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Told the length of a streamed response body once it ended (or was dropped unfinished:
/// the client went away), e.g. to write the access-log line with `responseLength`.
pub(crate) trait OnBodyEnd {
    /// The body ended after `bytes` bytes of data (`None`: it could not be counted).
    fn ended(self: Box<Self>, bytes: Option<u64>);
}

/// A body's byte count and who to tell at its end; tells at most once.
struct Tail {
    bytes: u64,
    end: Option<Box<dyn OnBodyEnd>>,
}

impl Tail {
    fn finish(&mut self) {
        if let Some(end) = self.end.take() {
            end.ended(Some(self.bytes));
        }
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        self.finish();
    }
}

impl std::fmt::Debug for Tail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tail").field("bytes", &self.bytes).finish()
    }
}

impl Body {
    /// An empty body.
    pub fn empty() -> Body {
        Body {
            kind: Kind::Full(None),
        }
    }

    /// A body of prebuilt bytes (cheap to clone per request).
    pub fn full(bytes: Bytes) -> Body {
        if bytes.is_empty() {
            return Body::empty();
        }
        Body {
            kind: Kind::Full(Some(bytes)),
        }
    }

    /// A body of static bytes.
    pub fn from_static(bytes: &'static [u8]) -> Body {
        Body::full(Bytes::from_static(bytes))
    }

    /// This body, copied as it streams to the client: once it has ended cleanly and within
    /// `limit` bytes, `done` gets the whole copy (the response cache stores it). A body that
    /// fails or grows past `limit` streams on unchanged and is not copied further.
    pub(crate) fn tee(self, limit: usize, done: Box<dyn FnOnce(Bytes) + Send>) -> Body {
        if let Kind::Full(bytes) = &self.kind {
            // Already whole: hand it over now.
            let bytes = bytes.clone().unwrap_or_default();
            if bytes.len() <= limit {
                done(bytes);
            }
            return self;
        }
        Body {
            kind: Kind::Tee(Box::new(Tee {
                inner: self,
                copy: bytes::BytesMut::new(),
                limit,
                done: Some(done),
            })),
        }
    }

    /// An upstream body; `checkin` returns the connection to the pool at end of stream.
    pub(crate) fn upstream(body: Incoming, checkin: Option<Checkin>) -> Body {
        let mut b = Body {
            kind: Kind::Upstream {
                body,
                checkin,
                tail: None,
            },
        };
        b.check_done();
        b
    }

    /// Asks to be told the body's length when it ends, when that length is not known now (a
    /// streamed upstream body); otherwise hands `end` back (the length is the size hint's).
    pub(crate) fn on_end(&mut self, end: Box<dyn OnBodyEnd>) -> Result<(), Box<dyn OnBodyEnd>> {
        match &mut self.kind {
            Kind::Upstream { tail, .. } if tail.is_none() => {
                *tail = Some(Tail {
                    bytes: 0,
                    end: Some(end),
                });
                Ok(())
            }
            _ => Err(end),
        }
    }

    fn check_done(&mut self) {
        if let Kind::Upstream {
            body,
            checkin,
            tail,
        } = &mut self.kind
            && http_body::Body::is_end_stream(body)
        {
            if let Some(c) = checkin.take() {
                c.release();
            }
            if let Some(t) = tail {
                t.finish();
            }
        }
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        match &mut this.kind {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Upstream {
                body,
                checkin,
                tail,
            } => {
                let polled = Pin::new(body).poll_frame(cx);
                match &polled {
                    Poll::Ready(None) => {
                        if let Some(c) = checkin.take() {
                            c.release();
                        }
                        if let Some(t) = tail {
                            t.finish();
                        }
                    }
                    Poll::Ready(Some(Ok(frame))) => {
                        if let (Some(t), Some(data)) = (tail.as_mut(), frame.data_ref()) {
                            t.bytes += data.len() as u64;
                        }
                        this.check_done();
                    }
                    Poll::Ready(Some(Err(_))) => {
                        // A broken upstream body: drop the connection, never reuse it.
                        *checkin = None;
                    }
                    Poll::Pending => {}
                }
                polled
            }
            Kind::Tee(tee) => {
                let polled = Pin::new(&mut tee.inner).poll_frame(cx);
                match &polled {
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Some(data) = frame.data_ref() {
                            if tee.copy.len() + data.len() > tee.limit {
                                tee.done = None;
                            } else if tee.done.is_some() {
                                tee.copy.extend_from_slice(data);
                            }
                        }
                        if http_body::Body::is_end_stream(&tee.inner)
                            && let Some(done) = tee.done.take()
                        {
                            done(std::mem::take(&mut tee.copy).freeze());
                        }
                    }
                    Poll::Ready(None) => {
                        if let Some(done) = tee.done.take() {
                            done(std::mem::take(&mut tee.copy).freeze());
                        }
                    }
                    Poll::Ready(Some(Err(_))) => tee.done = None,
                    Poll::Pending => {}
                }
                polled
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Upstream { body, .. } => body.is_end_stream(),
            Kind::Tee(tee) => tee.inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Kind::Full(None) => SizeHint::with_exact(0),
            Kind::Upstream { body, .. } => body.size_hint(),
            Kind::Tee(tee) => tee.inner.size_hint(),
        }
    }
}

/// Why a request body could not be forwarded. Every variant is the client's doing, so each
/// answers with a 4xx ([`RequestBodyError::error_type`]), never a 5xx that blames the backend.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestBodyError {
    /// The body grew past the payload limit while streaming.
    #[error("request body larger than {0} bytes")]
    TooLarge(u64),
    /// The client sent nothing for `limits.body_read_timeout` while a read was pending.
    #[error("client sent no request body bytes for {0:?}")]
    Timeout(Duration),
    /// The client's body was malformed (bad chunk framing) or its connection failed mid-body.
    #[error("client body: {0}")]
    Client(#[from] hyper::Error),
}

impl RequestBodyError {
    /// The gateway response that answers it.
    pub(crate) fn error_type(&self) -> ErrorType {
        match self {
            RequestBodyError::TooLarge(_) => ErrorType::RequestTooLarge,
            RequestBodyError::Timeout(_) => ErrorType::RequestTimeout,
            RequestBodyError::Client(_) => ErrorType::BadRequestBody,
        }
    }
}

impl RequestBodyError {
    /// The gateway stopped reading the body mid-stream and will not drain it: the connection
    /// cannot carry another request (a body over the limit is drained by [`linger`] instead).
    pub(crate) fn leaves_body_unread(&self) -> bool {
        !matches!(self, RequestBodyError::TooLarge(_))
    }
}

/// A request body as the pipeline hands it from step to step: the client's stream (the
/// default, forwarded without buffering) or the bytes a step buffered because it had to look at
/// them (WAF body rules, JSON Schema validation, mapping templates, in-process handlers). The
/// proxy sends either kind upstream ([`LimitedBody::from_request`]).
#[derive(Debug)]
pub(crate) enum RequestBody {
    /// Not read yet.
    Streaming(Incoming),
    /// Read whole, within the payload limit.
    Buffered(Bytes),
}

impl RequestBody {
    /// Reads the whole body (once; later calls return the same bytes), counted against
    /// `limit` and cut off after `idle` without progress, as the proxy's stream is. Only a
    /// step that must see the body calls this; every other request keeps streaming.
    pub(crate) async fn buffer(
        &mut self,
        limit: u64,
        idle: Duration,
        receiving: &Rc<Cell<bool>>,
    ) -> Result<&Bytes, RequestBodyError> {
        if let RequestBody::Streaming(_) = self {
            let RequestBody::Streaming(incoming) =
                std::mem::replace(self, RequestBody::Buffered(Bytes::new()))
            else {
                unreachable!("matched just above")
            };
            let mut limited = LimitedBody::new(incoming, limit, idle, receiving);
            let collected = http_body_util::BodyExt::collect(&mut limited).await?;
            *self = RequestBody::Buffered(collected.to_bytes());
        }
        match self {
            RequestBody::Buffered(bytes) => Ok(bytes),
            RequestBody::Streaming(_) => unreachable!("buffered above"),
        }
    }

    /// The gateway answers without this body: drains a stream in the background (see
    /// [`linger`]); buffered bytes are simply dropped.
    pub(crate) fn discard(self) {
        if let RequestBody::Streaming(incoming) = self {
            linger(incoming);
        }
    }

    /// What the body announces about its length (`Content-Length`, or the buffered size).
    pub(crate) fn size_hint(&self) -> SizeHint {
        match self {
            RequestBody::Streaming(incoming) => http_body::Body::size_hint(incoming),
            RequestBody::Buffered(bytes) => SizeHint::with_exact(bytes.len() as u64),
        }
    }
}

/// How long, and how many bytes, an unread request body is drained after the gateway answered
/// without it (nginx's lingering close): long enough for a client that is still sending to
/// finish and read the answer, short enough that a client cannot hold the worker busy.
const LINGER_TIME: std::time::Duration = std::time::Duration::from_secs(5);
const LINGER_BYTES: u64 = 64 << 20;

/// Drains a request body the gateway will not use, in the background, then drops it (which
/// lets the connection close or carry on). Without this, closing a connection with unread
/// bytes makes the kernel send a reset, and the client may never see the 413 or 404.
pub(crate) fn linger(body: Incoming) {
    if http_body::Body::is_end_stream(&body) {
        return;
    }
    tokio::task::spawn_local(async move {
        let mut body = body;
        let mut drained = 0u64;
        let drain = async {
            while let Some(Ok(frame)) = http_body_util::BodyExt::frame(&mut body).await {
                drained += frame.data_ref().map_or(0, |d| d.len() as u64);
                if drained > LINGER_BYTES {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_TIME, drain).await;
    });
}

/// A client request body forwarded upstream, counted against the payload limit as it streams
/// (chunked bodies have no `Content-Length` to check up front), with an idle timer between
/// reads. Past the limit the body is handed to [`linger`] and the upstream request fails,
/// which the proxy answers with 413; when the client stalls longer than the idle timeout the
/// body is dropped (so the client connection closes) and the upstream request fails with 408.
///
/// The idle timer costs nothing for a body that is already buffered when it is read (most small
/// bodies arrive with the head): its `Sleep` is allocated on the first read that has to wait,
/// and reset (not reallocated) on later ones.
#[derive(Debug)]
pub(crate) struct LimitedBody {
    inner: Option<Incoming>,
    limit: u64,
    seen: u64,
    /// Longest wait for the next bytes; zero turns the timer off.
    idle: Duration,
    /// Allocated on the first pending read.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    /// The timer's deadline belongs to the current pending read.
    armed: bool,
    /// Set while the body is being received; tells the proxy whose fault a timeout is.
    receiving: Option<Rc<Cell<bool>>>,
    /// Why `inner` is gone before its end.
    cut: Option<Cut>,
    /// Bytes a step buffered, sent as one frame instead of `inner`.
    ready: Option<Bytes>,
}

/// Why the gateway stopped reading a client body.
#[derive(Debug, Clone, Copy)]
enum Cut {
    TooLarge,
    Stalled,
}

impl LimitedBody {
    /// Wraps a client body with a byte limit and an idle timeout between reads; `receiving`
    /// is set until the body ends, fails or is dropped.
    pub(crate) fn new(
        inner: Incoming,
        limit: u64,
        idle: Duration,
        receiving: &Rc<Cell<bool>>,
    ) -> LimitedBody {
        let receiving = (!http_body::Body::is_end_stream(&inner)).then(|| {
            receiving.set(true);
            Rc::clone(receiving)
        });
        LimitedBody {
            inner: Some(inner),
            limit,
            seen: 0,
            idle,
            timer: None,
            armed: false,
            receiving,
            cut: None,
            ready: None,
        }
    }

    /// The body of a request as the pipeline hands it on: a stream is wrapped as by
    /// [`LimitedBody::new`], buffered bytes are sent as they are (already within the limit).
    pub(crate) fn from_request(
        body: RequestBody,
        limit: u64,
        idle: Duration,
        receiving: &Rc<Cell<bool>>,
    ) -> LimitedBody {
        match body {
            RequestBody::Streaming(incoming) => LimitedBody::new(incoming, limit, idle, receiving),
            RequestBody::Buffered(bytes) => LimitedBody {
                inner: None,
                limit,
                seen: bytes.len() as u64,
                idle,
                timer: None,
                armed: false,
                receiving: None,
                cut: None,
                ready: (!bytes.is_empty()).then_some(bytes),
            },
        }
    }

    /// The body ended, failed or was dropped: no longer receiving.
    fn finish(&mut self) {
        if let Some(r) = self.receiving.take() {
            r.set(false);
        }
    }

    /// Stops reading the client body. Past the limit the rest is drained by [`linger`] so the
    /// client can read the 413; a stalled client's body is dropped, which closes its connection.
    fn cut(&mut self, cut: Cut) -> RequestBodyError {
        self.cut = Some(cut);
        if let Some(rest) = self.inner.take()
            && matches!(cut, Cut::TooLarge)
        {
            linger(rest);
        }
        self.finish();
        self.cut_error(cut)
    }

    fn cut_error(&self, cut: Cut) -> RequestBodyError {
        match cut {
            Cut::TooLarge => RequestBodyError::TooLarge(self.limit),
            Cut::Stalled => RequestBodyError::Timeout(self.idle),
        }
    }

    /// A read is pending: arms the idle timer (reset to now + idle when this read started
    /// waiting) and reports whether it fired.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.idle.is_zero() {
            return Poll::Pending;
        }
        let timer = match &mut self.timer {
            Some(timer) => {
                if !self.armed {
                    timer
                        .as_mut()
                        .reset(tokio::time::Instant::now() + self.idle);
                }
                timer
            }
            None => self.timer.insert(Box::pin(tokio::time::sleep(self.idle))),
        };
        self.armed = true;
        timer.as_mut().poll(cx)
    }
}

impl Drop for LimitedBody {
    fn drop(&mut self) {
        self.finish();
    }
}

impl http_body::Body for LimitedBody {
    type Data = Bytes;
    type Error = RequestBodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, RequestBodyError>>> {
        let this = self.get_mut();
        if let Some(bytes) = this.ready.take() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(this.cut.map(|cut| Err(this.cut_error(cut))));
        };
        match Pin::new(&mut *inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.armed = false;
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > this.limit {
                        return Poll::Ready(Some(Err(this.cut(Cut::TooLarge))));
                    }
                }
                if inner.is_end_stream() {
                    this.finish();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish();
                Poll::Ready(Some(Err(RequestBodyError::Client(e))))
            }
            Poll::Ready(None) => {
                this.finish();
                Poll::Ready(None)
            }
            Poll::Pending => match this.poll_idle(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(this.cut(Cut::Stalled)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ready.is_none()
            && self
                .inner
                .as_ref()
                .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        if let Some(bytes) = &self.ready {
            return SizeHint::with_exact(bytes.len() as u64);
        }
        self.inner
            .as_ref()
            .map_or_else(SizeHint::default, http_body::Body::size_hint)
    }
}

/// The client-side cause of an upstream request failure, if the request body was at fault
/// (over the limit, stalled, malformed, cut off): those are the client's 4xx, not a 502.
pub(crate) fn client_fault<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e RequestBodyError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(fault) = e.downcast_ref::<RequestBodyError>() {
            return Some(fault);
        }
        cur = e.source();
    }
    None
}
