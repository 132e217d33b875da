//! A test step that proves the step interface: it can refuse (with a header on the error),
//! answer early, take its slow path, read the buffered body, and record what it saw in the
//! request context, each on demand from the request's `x-probe` header.

use std::cell::Cell;
use std::rc::Rc;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response};

use super::{Check, RequestStep, ResponseStep, Verdict};
use crate::body::{Body, RequestBody};
use crate::error::GatewayError;
use crate::ir::ErrorType;
use crate::pipeline::{Identity, RequestContext};

/// The probe's compiled configuration.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    /// Ask the pipeline to buffer the body.
    pub(crate) reads_body: bool,
}

/// The probe's per-worker part: how many requests this worker's copy saw.
#[derive(Debug, Default)]
pub(crate) struct ProbeLocal {
    pub(crate) seen: Rc<Cell<u32>>,
}

impl RequestStep for Probe {
    type Local = ProbeLocal;
    type Resumed = &'static str;

    fn local(&self) -> ProbeLocal {
        ProbeLocal::default()
    }

    fn needs_body(&self) -> bool {
        self.reads_body
    }

    fn check(
        &self,
        local: &ProbeLocal,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<&'static str> {
        local.seen.set(local.seen.get() + 1);
        let action = req
            .headers()
            .get("x-probe")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("pass");
        match action {
            "refuse" => Check::Done(Err(GatewayError::new(
                ErrorType::Throttled,
                "probe refused",
            )
            .with_header(
                HeaderName::from_static("retry-after"),
                HeaderValue::from_static("7"),
            ))),
            "answer" => {
                let mut resp = Response::new(Body::from_static(b"probe answered"));
                *resp.status_mut() = http::StatusCode::ACCEPTED;
                Check::Done(Ok(Verdict::Respond(resp)))
            }
            "slow" => Check::Pending(Box::pin(async {
                tokio::task::yield_now().await;
                "slow principal"
            })),
            "echo-body" => {
                let body = match req.body() {
                    RequestBody::Buffered(bytes) => bytes.clone(),
                    RequestBody::Streaming(_) => Bytes::from_static(b"(not buffered)"),
                };
                let mut resp = Response::new(Body::full(body));
                *resp.status_mut() = http::StatusCode::OK;
                Check::Done(Ok(Verdict::Respond(resp)))
            }
            _ => {
                ctx.identity = Some(Box::new(Identity {
                    principal: Some("fast principal".into()),
                    ..Identity::default()
                }));
                Check::Done(Ok(Verdict::Continue))
            }
        }
    }

    fn resume(
        &self,
        _local: &ProbeLocal,
        ctx: &mut RequestContext,
        _req: &mut Request<RequestBody>,
        resumed: &'static str,
    ) -> super::StepResult {
        ctx.identity = Some(Box::new(Identity {
            principal: Some(resumed.into()),
            ..Identity::default()
        }));
        Ok(Verdict::Continue)
    }
}

/// As a response step, the probe reports what the request phase left in the context.
impl ResponseStep for Probe {
    type Local = ProbeLocal;

    fn local(&self) -> ProbeLocal {
        ProbeLocal::default()
    }

    fn on_response(
        &self,
        local: &ProbeLocal,
        ctx: &RequestContext,
        resp: &mut Response<Body>,
    ) -> Result<(), Box<GatewayError>> {
        local.seen.set(local.seen.get() + 1);
        let principal = ctx
            .identity
            .as_ref()
            .and_then(|i| i.principal.as_deref())
            .unwrap_or("-");
        if let Ok(v) = HeaderValue::from_str(principal) {
            resp.headers_mut()
                .insert(HeaderName::from_static("x-probe-principal"), v);
        }
        Ok(())
    }
}
