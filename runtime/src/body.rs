//! Body types of the hot path: [`Body`] for responses (prebuilt bytes or a streamed upstream
//! body) and [`LimitedBody`] for request bodies forwarded upstream (counted against the
//! payload limit while streaming).
//!
//! Both are plain enums/structs over `Incoming` and `Bytes`, so nothing is boxed per request
//! and bodies are never buffered whole. The upstream response body also hands its connection
//! back to the per-thread pool once it has been read to the end, which is when HTTP/1 allows
//! the connection to carry the next request.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;

use crate::pool::Checkin;

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
    },
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

    /// An upstream body; `checkin` holds the connection, which this body drives while it is
    /// read and returns to the pool at end of stream.
    pub(crate) fn upstream(body: Incoming, mut checkin: Option<Checkin>) -> Body {
        if http_body::Body::is_end_stream(&body)
            && let Some(c) = checkin.take()
        {
            c.release(None);
        }
        Body {
            kind: Kind::Upstream { body, checkin },
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
            Kind::Upstream { body, checkin } => {
                // The connection's I/O runs here, in the task that reads the body.
                if let Some(c) = checkin.as_mut() {
                    c.up.drive(cx);
                }
                let polled = Pin::new(&mut *body).poll_frame(cx);
                match &polled {
                    Poll::Ready(None) => {
                        if let Some(c) = checkin.take() {
                            c.release(Some(cx));
                        }
                    }
                    Poll::Ready(Some(Ok(_))) => {
                        if body.is_end_stream()
                            && let Some(c) = checkin.take()
                        {
                            c.release(Some(cx));
                        }
                    }
                    Poll::Ready(Some(Err(_))) => {
                        // A broken upstream body: drop the connection, never reuse it.
                        *checkin = None;
                    }
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
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Kind::Full(None) => SizeHint::with_exact(0),
            Kind::Upstream { body, .. } => body.size_hint(),
        }
    }
}

/// Why a request body could not be forwarded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RequestBodyError {
    /// The body grew past the payload limit while streaming.
    #[error("request body larger than {0} bytes")]
    TooLarge(u64),
    /// The client's connection failed mid-body.
    #[error("client body: {0}")]
    Client(#[from] hyper::Error),
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
/// (chunked bodies have no `Content-Length` to check up front). Past the limit the body is
/// handed to [`linger`] and the upstream request fails, which the proxy answers with 413.
#[derive(Debug)]
pub(crate) struct LimitedBody {
    inner: Option<Incoming>,
    limit: u64,
    seen: u64,
}

impl LimitedBody {
    /// Wraps a client body with a byte limit.
    pub(crate) fn new(inner: Incoming, limit: u64) -> LimitedBody {
        LimitedBody {
            inner: Some(inner),
            limit,
            seen: 0,
        }
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
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Some(Err(RequestBodyError::TooLarge(this.limit))));
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > this.limit {
                        if let Some(rest) = this.inner.take() {
                            linger(rest);
                        }
                        return Poll::Ready(Some(Err(RequestBodyError::TooLarge(this.limit))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(RequestBodyError::Client(e)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(SizeHint::default, http_body::Body::size_hint)
    }
}

/// True when an upstream error was caused by the request body exceeding the payload limit.
pub(crate) fn is_too_large(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(RequestBodyError::TooLarge(_)) = e.downcast_ref::<RequestBodyError>() {
            return true;
        }
        cur = e.source();
    }
    false
}
