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
    pub(crate) async fn call(
        &self,
        ctx: &RequestContext,
        req: Request<RequestBody>,
        limits: &ir::Limits,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let (parts, body) = req.into_parts();
        let request = crate::handler::Request {
            parts,
            body,
            ctx,
            stage: &self.stage,
            app: &self.app,
            limits,
        };
        let fut = CatchUnwind((self.call)(request));
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(Ok(resp))) => Ok(resp),
            Ok(Ok(Err(e))) => Err(GatewayError::new(
                e.kind,
                format!("handler `{}`: {}", self.name, e.detail),
            )),
            Ok(Err(())) => Err(GatewayError::new(
                ErrorType::Default5xx,
                format!("handler `{}` panicked", self.name),
            )),
            Err(_) => {
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
