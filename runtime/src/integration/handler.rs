//! The in-process handler integration: a `#[gateway]` function called at the end of a route's
//! pipeline, with no network hop. Its time is the route's `timeout` (→ `INTEGRATION_TIMEOUT`);
//! a handler's [`Error`](crate::handler::Error) becomes the gateway response of its type; a
//! panic becomes `DEFAULT_5XX` and leaves the worker serving.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};

use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::handler::extract::StageInfo;
use crate::handler::{AppState, HandlerCall, Handlers};
use crate::ir::{self, ErrorType};
use crate::pipeline::RequestContext;

/// A route's handler, resolved at start-up.
pub(crate) struct HandlerTarget {
    name: Box<str>,
    call: HandlerCall,
    timeout: Duration,
    stage: Arc<StageInfo>,
    app: AppState,
}

impl std::fmt::Debug for HandlerTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerTarget")
            .field("name", &self.name)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HandlerTarget {
    /// Finds the route's handler in the table, checks that its `#[gateway]` route is the
    /// spec's (method and template) and that the state its extractors need was given.
    pub(crate) fn prepare(
        route: &ir::Route,
        rust: &ir::RustHandler,
        handlers: &Handlers,
        stage: &Arc<StageInfo>,
    ) -> Result<HandlerTarget, BuildError> {
        let def = handlers.find(&rust.handler).ok_or_else(|| {
            BuildError::Handler {
                route: route.id.to_string(),
                reason: format!(
                    "no `#[gateway]` handler `{}` is linked into this gateway (Rust handlers run in a built crate: `gwc build`, then `cargo run` in it)",
                    rust.handler
                ),
            }
        })?;
        let declared = (def.route)();
        if declared.method != route.method || declared.path.raw != route.path.raw {
            return Err(BuildError::Handler {
                route: route.id.to_string(),
                reason: format!(
                    "the spec binds `{}` to {} {}, but its `#[gateway]` attribute says {} {}",
                    rust.handler,
                    route.method.as_str(),
                    route.path.raw,
                    declared.method.as_str(),
                    declared.path.raw
                ),
            });
        }
        (def.check)(&handlers.state).map_err(|reason| BuildError::Handler {
            route: route.id.to_string(),
            reason,
        })?;
        Ok(HandlerTarget {
            name: rust.handler.as_ref().into(),
            call: def.call,
            timeout: route.timeout.as_duration(),
            stage: Arc::clone(stage),
            app: handlers.state.clone(),
        })
    }

    /// Calls the handler within the route's timeout.
    pub(crate) fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: Request<RequestBody>,
        limits: &'a ir::Limits,
    ) -> HandlerCallFuture<'a> {
        let (parts, body) = req.into_parts();
        let request = crate::handler::Request {
            parts,
            body,
            ctx,
            stage: &self.stage,
            app: &self.app,
            limits,
        };
        HandlerCallFuture {
            target: self,
            ctx,
            fut: CatchUnwind((self.call)(request)),
            deadline: None,
        }
    }

    /// The gateway's answer for the handler's outcome: its response, or the error its
    /// `Err`, a panic or the timeout becomes.
    fn outcome(
        &self,
        ctx: &RequestContext,
        outcome: Option<Result<Result<Response<Body>, crate::handler::Error>, ()>>,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        match outcome {
            Some(Ok(Ok(resp))) => Ok(resp),
            Some(Ok(Err(e))) => {
                let error =
                    GatewayError::new(e.kind, format!("handler `{}`: {}", self.name, e.detail));
                Err(match e.validation {
                    Some(found) => error.with_validation(found),
                    None => error,
                })
            }
            Some(Err(())) => Err(GatewayError::new(
                ErrorType::Default5xx,
                format!("handler `{}` panicked", self.name),
            )),
            None => {
                let kind = if ctx.client.receiving_body.get() {
                    ErrorType::RequestTimeout
                } else {
                    ErrorType::IntegrationTimeout
                };
                let e = GatewayError::new(
                    kind,
                    format!(
                        "handler `{}` over its {:?} timeout",
                        self.name, self.timeout
                    ),
                );
                Err(if kind == ErrorType::RequestTimeout {
                    e.closing()
                } else {
                    e
                })
            }
        }
    }
}

/// A handler call in flight: the handler's own (boxed) future, and its deadline once it has
/// had to wait. Written by hand rather than as an `async fn` so the pipeline's future holds
/// a few words for it instead of a second copy of the request: the request is handed to the
/// handler when the call is made.
pub(crate) struct HandlerCallFuture<'a> {
    target: &'a HandlerTarget,
    ctx: &'a RequestContext,
    fut: CatchUnwind<crate::handler::HandlerFuture<'a>>,
    /// Armed the first time the handler is pending: one that answers at once never touches
    /// the timer wheel.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Future for HandlerCallFuture<'_> {
    type Output = Result<Response<Body>, Box<GatewayError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(answer) = Pin::new(&mut this.fut).poll(cx) {
            return Poll::Ready(this.target.outcome(this.ctx, Some(answer)));
        }
        let timeout = this.target.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(this.target.outcome(this.ctx, None)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Turns a panic while polling into `Err(())`, so one faulty handler answers 500 instead of
/// taking its connection down.
pub(crate) struct CatchUnwind<F>(pub(crate) F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use bytes::Bytes;
    use http::{HeaderValue, Method};

    use super::*;
    use crate::handler::{Error, HandlerFuture};
    use crate::integration::proxy::ClientInfo;

    fn at_once(_: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async { Ok(Response::new(Body::full(Bytes::from_static(b"now")))) })
    }

    fn after_a_yield(_: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async {
            tokio::task::yield_now().await;
            Ok(Response::new(Body::full(Bytes::from_static(b"later"))))
        })
    }

    fn too_slow(_: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(Response::new(Body::empty()))
        })
    }

    fn failing(_: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async { Err(Error::new(ErrorType::Default4xx, "taken")) })
    }

    fn panicking(_: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        Box::pin(async { panic!("a handler bug") })
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        item: String,
        qty: u32,
    }

    static BODY_ARG: crate::handler::Arg = crate::handler::Arg {
        name: "body",
        index: 0,
    };

    /// Takes a typed JSON body, as a `#[gateway]` handler's `Json<Order>` argument does.
    fn typed_body(req: crate::handler::Request<'_>) -> HandlerFuture<'_> {
        use crate::handler::FromRequest;
        Box::pin(async move {
            crate::handler::Json::<Order>::from_request(req, &BODY_ARG).await?;
            Ok(Response::new(Body::empty()))
        })
    }

    async fn call_with(
        call: HandlerCall,
        body: &'static [u8],
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let target = HandlerTarget {
            name: "t".into(),
            call,
            timeout: Duration::from_millis(200),
            stage: Arc::default(),
            app: AppState::default(),
        };
        let client = Rc::new(ClientInfo {
            ip: HeaderValue::from_static("127.0.0.1"),
            receiving_body: Rc::new(Cell::new(false)),
        });
        let ctx = RequestContext::new(HeaderValue::from_static("id"), client, Method::GET);
        let req = Request::new(RequestBody::Buffered(Bytes::from_static(body)));
        target.call(&ctx, req, &ir::Limits::default()).await
    }

    async fn call(call: HandlerCall) -> Result<Response<Body>, Box<GatewayError>> {
        call_with(call, b"").await
    }

    /// A body the `Json<T>` extractor cannot read is `BAD_REQUEST_BODY` with a
    /// `$context.error.validationErrorString` in request validation's words.
    #[tokio::test]
    async fn typed_body_faults_carry_a_validation_string() {
        for (body, found) in [
            (
                &b"{\"item\": \"tea\"}"[..],
                "[missing field `qty` at line 1 column 15]",
            ),
            (
                b"{\"item\": \"tea\", \"qty\": -1}",
                "[invalid value: integer `-1`, expected u32 at line 1 column 25]",
            ),
            (
                b"<tea/>",
                "[the request body is not JSON: expected value at line 1 column 1]",
            ),
        ] {
            let e = call_with(typed_body, body).await.expect_err("refused");
            assert_eq!(e.kind, ErrorType::BadRequestBody);
            assert_eq!(e.validation.as_deref(), Some(found));
        }
        assert!(
            call_with(typed_body, b"{\"item\": \"tea\", \"qty\": 2}")
                .await
                .is_ok()
        );
        assert_eq!(call(failing).await.expect_err("failed").validation, None);
    }

    /// The timer is armed only for a handler still pending after its first poll: one that
    /// answers at once or after yielding answers, one past its time gets 504's type, and
    /// errors and panics keep their gateway responses on either path.
    #[tokio::test]
    async fn timeout_armed_only_for_a_pending_handler() {
        for (handler, body) in [(at_once as HandlerCall, "now"), (after_a_yield, "later")] {
            let resp = call(handler).await.expect("answered");
            let bytes = http_body_util::BodyExt::collect(resp.into_body())
                .await
                .expect("body")
                .to_bytes();
            assert_eq!(bytes, body.as_bytes());
        }
        let started = std::time::Instant::now();
        let e = call(too_slow).await.expect_err("timed out");
        assert_eq!(e.kind, ErrorType::IntegrationTimeout);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            call(failing).await.expect_err("failed").kind,
            ErrorType::Default4xx
        );
        assert_eq!(
            call(panicking).await.expect_err("panicked").kind,
            ErrorType::Default5xx
        );
    }
}
