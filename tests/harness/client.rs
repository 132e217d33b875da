//! In-process hyper client helpers and generated bodies of any size.
//!
//! The client drives `hyper::client::conn::http1` directly, like the gateway does upstream, so
//! a test controls exactly how many TCP connections it opens: [`send`] opens one per request,
//! [`Conn`] keeps one for many. [`TestBody`] produces request (and backend response) bodies of
//! any length from one shared chunk, so a 1 GiB transfer never holds 1 GiB anywhere; its size
//! hint decides between `Content-Length` and chunked encoding.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Errors from the test client: connection, protocol or timeout.
pub type ClientError = Box<dyn std::error::Error + Send + Sync>;

/// How long one ordinary request may take before the test fails instead of hanging.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Size of the chunk every generated body repeats.
pub const CHUNK: usize = 64 * 1024;

/// A body for tests: empty, fixed bytes, a generated pattern of any length, or chunks fed
/// through a channel (for bodies that pause mid-way).
pub enum TestBody {
    /// Fixed bytes (`None` once sent).
    Full(Option<Bytes>),
    /// `remaining` bytes of a repeated chunk; `exact` says whether the length is announced
    /// (`Content-Length`) or not (chunked).
    Pattern {
        /// Bytes still to send.
        remaining: u64,
        /// The chunk repeated.
        chunk: Bytes,
        /// Whether the size hint is exact.
        exact: bool,
    },
    /// Chunks from a sender task; ends when the sender is dropped.
    Channel(mpsc::Receiver<Bytes>),
}

impl TestBody {
    /// No body.
    pub fn empty() -> TestBody {
        TestBody::Full(None)
    }

    /// These bytes.
    pub fn full(bytes: impl Into<Bytes>) -> TestBody {
        let bytes = bytes.into();
        TestBody::Full((!bytes.is_empty()).then_some(bytes))
    }

    /// `len` bytes sent with `Content-Length`.
    pub fn sized(len: u64) -> TestBody {
        TestBody::Pattern {
            remaining: len,
            chunk: pattern_chunk(),
            exact: true,
        }
    }

    /// `len` bytes sent with `Transfer-Encoding: chunked`.
    pub fn chunked(len: u64) -> TestBody {
        TestBody::Pattern {
            remaining: len,
            chunk: pattern_chunk(),
            exact: false,
        }
    }

    /// A body fed by the returned sender (chunked on the wire).
    pub fn channel() -> (mpsc::Sender<Bytes>, TestBody) {
        let (tx, rx) = mpsc::channel(4);
        (tx, TestBody::Channel(rx))
    }
}

fn pattern_chunk() -> Bytes {
    Bytes::from(
        (0..CHUNK)
            .map(|i| b'a' + (i % 26) as u8)
            .collect::<Vec<u8>>(),
    )
}

impl Body for TestBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            TestBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            TestBody::Pattern {
                remaining, chunk, ..
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let n = (*remaining).min(chunk.len() as u64);
                *remaining -= n;
                // `n` is at most CHUNK, so the cast cannot truncate.
                Poll::Ready(Some(Ok(Frame::data(chunk.slice(..n as usize)))))
            }
            TestBody::Channel(rx) => rx
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| Ok(Frame::data(c)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            TestBody::Full(bytes) => bytes.is_none(),
            TestBody::Pattern { remaining, .. } => *remaining == 0,
            TestBody::Channel(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            TestBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            TestBody::Pattern {
                remaining,
                exact: true,
                ..
            } => SizeHint::with_exact(*remaining),
            TestBody::Pattern { .. } | TestBody::Channel(_) => SizeHint::default(),
        }
    }
}

/// A collected response.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Reply {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value, ClientError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "body is not JSON ({e}): status {}, body {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
            .into()
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first value of a header, if it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A request builder for `path` on `addr` with the `Host` header set (hyper's low-level client
/// sends only what it is given).
pub fn request(method: Method, addr: SocketAddr, path: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, addr.to_string())
}

/// A bodiless GET.
pub fn get(addr: SocketAddr, path: &str) -> Result<Request<TestBody>, http::Error> {
    request(Method::GET, addr, path).body(TestBody::empty())
}

/// One kept HTTP/1.1 connection; requests on it are sent one after another.
pub struct Conn {
    sender: http1::SendRequest<TestBody>,
    driver: tokio::task::JoinHandle<()>,
}

impl Conn {
    /// Connects to `addr`.
    pub async fn open(addr: SocketAddr) -> Result<Conn, ClientError> {
        let stream = tokio::time::timeout(REQUEST_TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| format!("connecting to {addr} timed out"))??;
        stream.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(async move {
            // The connection's end (or error) surfaces to the sender as a failed request.
            let _ = conn.await;
        });
        Ok(Conn { sender, driver })
    }

    /// Sends `req` and returns the response with its body still streaming.
    pub async fn send_streaming(
        &mut self,
        req: Request<TestBody>,
    ) -> Result<Response<Incoming>, ClientError> {
        self.sender.ready().await?;
        Ok(self.sender.send_request(req).await?)
    }

    /// Sends `req` and collects the whole response, within [`REQUEST_TIMEOUT`].
    pub async fn send(&mut self, req: Request<TestBody>) -> Result<Reply, ClientError> {
        tokio::time::timeout(REQUEST_TIMEOUT, async {
            let resp = self.send_streaming(req).await?;
            collect(resp).await
        })
        .await
        .map_err(|_| {
            ClientError::from(format!("no complete response within {REQUEST_TIMEOUT:?}"))
        })?
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Sends `req` on a new connection and collects the response.
pub async fn send(addr: SocketAddr, req: Request<TestBody>) -> Result<Reply, ClientError> {
    Conn::open(addr).await?.send(req).await
}

/// Collects a streaming response.
pub async fn collect(resp: Response<Incoming>) -> Result<Reply, ClientError> {
    let (parts, body) = resp.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    })
}

/// Reads a body to its end, counting bytes without keeping them.
pub async fn drain(mut body: Incoming) -> Result<u64, ClientError> {
    let mut total = 0u64;
    while let Some(frame) = body.frame().await {
        if let Some(data) = frame?.data_ref() {
            total += data.len() as u64;
        }
    }
    Ok(total)
}
