//! One connection's life: hyper's HTTP/1 connection with the head timer, its control block
//! (graceful close), and one request's handling — the pipeline, the one place where errors
//! become gateway responses, and what every response carries (request ids) and leaves behind
//! (metrics and the access log line).

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

use http::{HeaderValue, Request, Response, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::head_timer::{HeadClock, HeadTimer, Watched};
use crate::body::{Body, OnBodyEnd, RequestBody};
use crate::error::GatewayError;
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::ErrorType;
use crate::pipeline::{RequestContext, WorkerGateway};
use crate::step::cors::Cors;
use crate::telemetry::{InFlight, LogRecord};

use super::{ActiveGuard, ConnCtl, Worker};

/// Whether a connection writes each response through one buffer (hyper's "flatten" strategy)
/// rather than a queue of buffers handed to `writev`. Without proxy routes every body is
/// already in memory and small in the common case (handler JSON, mocks, gateway errors):
/// copying it after the head costs less than queueing it, and the kernel gets one buffer
/// instead of two (~470 fewer instructions per request on the handler bench). A proxied body
/// streams, often in large chunks, and is queued so that it is never copied. Decided when a
/// connection is accepted: after a reload that adds proxy routes, connections already open
/// still answer correctly, only with one copy more.
fn whole_writes(gateway: &Gateway) -> bool {
    gateway.upstreams.is_empty()
}

pub(super) async fn serve_connection(guard: ActiveGuard, stream: TcpStream, peer: SocketAddr) {
    let worker = Rc::clone(&guard.0);
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "set_nodelay failed");
    }
    let (limits, whole) = {
        let gateway = &worker.generation().gateway;
        (gateway.limits, whole_writes(gateway))
    };
    // hyper's head timer, made to tell a started head (`header_read_timeout`) from an idle
    // kept-alive connection (`idle_timeout`); see `head_timer`.
    let clock = HeadClock::new(limits.idle_timeout.as_duration());
    let ctl = Rc::new(ConnCtl {
        requests: Cell::new(0),
        seen: Cell::new(u64::MAX),
        close: Cell::new(false),
        waker: RefCell::new(None),
        head: Arc::clone(&clock),
    });
    worker.register(&ctl);
    let ip = peer.ip().to_string();
    let service = ConnService {
        worker,
        client: Rc::new(ClientInfo {
            ip: HeaderValue::from_str(&ip).unwrap_or_else(|_| HeaderValue::from_static("unknown")),
            receiving_body: Rc::new(Cell::new(false)),
        }),
        ctl: Rc::clone(&ctl),
        handle,
    };
    // hyper's read buffer caps the request head *and* each read of the body: sized to the
    // header limit it made uploads 5–17× slower than downloads. It is a backstop now (hyper
    // answers a bare 431 past it); `handle` enforces `max_header` with a JSON 431.
    let max_buf = usize::try_from(limits.max_header.0)
        .unwrap_or(usize::MAX)
        .max(READ_BUFFER);
    let mut builder = http1::Builder::new();
    builder
        .timer(HeadTimer::new(
            Arc::clone(&clock),
            limits.header_read_timeout.as_duration(),
        ))
        .keep_alive(true)
        .writev(!whole)
        .max_buf_size(max_buf);
    if limits.header_read_timeout.0 > 0 {
        builder.header_read_timeout(limits.header_read_timeout.as_duration());
    }
    // With upgrades, so a route can take the connection over (`101 Switching Protocols`, the
    // WebSocket work); a connection that never upgrades is served exactly as before.
    let conn = builder
        .serve_connection(TokioIo::new(Watched::new(stream, clock)), service)
        .with_upgrades();
    tokio::pin!(conn);
    let mut closing = false;
    let result = std::future::poll_fn(|cx| {
        if !closing && ctl.close.get() {
            // Finishes the exchange in progress, if any, then closes; never cuts one short.
            closing = true;
            conn.as_mut().graceful_shutdown();
        }
        let polled = conn.as_mut().poll(cx);
        // Kept while closing too: the worker's head watch wakes the task through it.
        if polled.is_pending() {
            let mut waker = ctl.waker.borrow_mut();
            if !waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *waker = Some(cx.waker().clone());
            }
        }
        polled
    })
    .await;
    if let Err(e) = result {
        tracing::debug!(error = %e, %peer, "connection ended with an error");
    }
    drop(guard);
}

/// The connection's service. `F` is [`handle`]'s future, named through the function pointer
/// (an `async fn`'s future has no other name on stable Rust): hyper keeps a service's future
/// in one allocation per connection, where a boxed `dyn Future` cost an allocation and a free
/// per request.
struct ConnService<F> {
    worker: Rc<Worker>,
    client: Rc<ClientInfo>,
    ctl: Rc<ConnCtl>,
    handle: fn(Rc<WorkerGateway>, Rc<ClientInfo>, Request<Incoming>) -> F,
}

impl<F> hyper::service::Service<Request<Incoming>> for ConnService<F>
where
    F: Future<Output = Result<Response<Body>, Infallible>>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = F;

    fn call(&self, req: Request<Incoming>) -> F {
        let requests = &self.ctl.requests;
        requests.set(requests.get().wrapping_add(1));
        let generation = self.worker.generation();
        let client = Rc::clone(&self.client);
        (self.handle)(generation, client, req)
    }
}

/// Smallest read buffer per connection; see where it is used.
const READ_BUFFER: usize = 256 << 10;

/// One request: the pipeline, then the one place where errors become gateway responses, and
/// what every response carries (request ids) and leaves behind (the access log line).
///
/// A plain function returning an `async move` block: the block uses what it captured in
/// place, where an `async fn` keeps a second copy of its by-value arguments (the request,
/// about 250 bytes) in the future hyper stores per request.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` would keep a second copy of the request in its state"
)]
fn handle(
    worker_gateway: Rc<WorkerGateway>,
    client: Rc<ClientInfo>,
    req: Request<Incoming>,
) -> impl Future<Output = Result<Response<Body>, Infallible>> {
    async move {
        let in_flight = worker_gateway.telemetry.begin();
        // The pipeline's first pass over the head sets the request id.
        let mut ctx = RequestContext::arrived(client, req.method().clone(), worker_gateway.clocked);
        // What the access log needs after `req` is consumed: cheap clones, only when it is on;
        // boxed so a request without a log line does not carry its room across the pipeline.
        let log_info = worker_gateway.telemetry.log.as_ref().map(|_| {
            Box::new((
                req.uri().clone(),
                req.version(),
                req.headers().get(header::USER_AGENT).cloned(),
                req.headers().get(header::HOST).cloned(),
            ))
        });
        // Kept only when a gateway response has bodies for several content types.
        let accept = worker_gateway
            .gateway
            .errors
            .negotiates()
            .then(|| req.headers().get(header::ACCEPT).cloned())
            .flatten();
        let cors = worker_gateway
            .gateway
            .api_steps
            .cors
            .as_ref()
            .map(|_| Cors::observe(&req));
        let result = worker_gateway
            .serve(&mut ctx, req.map(RequestBody::Streaming))
            .await;
        let gw = &*worker_gateway.gateway;
        let mut resp = match result {
            Ok(resp) => resp,
            Err(e) => {
                ctx.error = Some(e.kind);
                // A handler's extractor sets it on the error, not on the context.
                if ctx.validation_error.is_none() {
                    ctx.validation_error.clone_from(&e.validation);
                }
                log_failure(gw, &ctx, &e);
                gw.errors.answer_for(
                    *e,
                    &ctx.request_id,
                    ctx.identity.as_deref(),
                    accept.as_ref(),
                )
            }
        };
        if let Some(waf) = &ctx.waf {
            waf.record(&worker_gateway.telemetry, ctx.route);
        }
        if let (Some(policy), Some(request)) = (&gw.api_steps.cors, &cors) {
            // After errors became responses: gateway errors carry CORS headers too.
            policy.decorate(ctx.route, request, &mut resp);
        }
        let headers = resp.headers_mut();
        for name in &gw.request_ids.outgoing {
            headers.insert(name.clone(), ctx.request_id.clone());
        }
        if worker_gateway.telemetry.records() {
            record_telemetry(in_flight, ctx, log_info, &mut resp, &worker_gateway);
        }
        // Otherwise nothing to record: no clock read for a latency nobody reads, and the
        // context is not moved (about 280 bytes) only to be dropped.
        Ok(resp)
    }
}

fn route_id<'g>(gw: &'g Gateway, ctx: &RequestContext) -> &'g str {
    ctx.route
        .and_then(|i| gw.routes.get(i as usize))
        .map_or("-", |r| &r.id)
}

/// Server errors are warnings (someone should look); the client's own faults are debug lines,
/// so clients cannot flood the log or inflate 5xx alerts.
fn log_failure(gw: &Gateway, ctx: &RequestContext, e: &GatewayError) {
    if gw.errors.status(e.kind).is_server_error() {
        tracing::warn!(
            request_id = ?ctx.request_id,
            route = route_id(gw, ctx),
            error_type = e.kind.as_str(),
            detail = %e.detail,
            "request failed"
        );
    } else {
        tracing::debug!(
            request_id = ?ctx.request_id,
            route = route_id(gw, ctx),
            error_type = e.kind.as_str(),
            detail = %e.detail,
            "request refused"
        );
    }
}

/// For a gateway that records (metrics or an access log): the request's metrics, now, and
/// its access-log line: now when the response's length is known, else (a streamed upstream
/// body) once the body has ended, with the bytes it carried (`responseLength`). Latencies
/// are to the response head either way, as AWS measures them.
fn record_telemetry(
    in_flight: InFlight<'_>,
    ctx: RequestContext,
    log_info: Option<Box<LogInfo>>,
    resp: &mut Response<Body>,
    worker_gateway: &Rc<WorkerGateway>,
) {
    let facts = Answered {
        status: resp.status().as_u16(),
        latency: ctx.timings.elapsed(),
        integration_latency: ctx.timings.integration_latency(),
    };
    let route = ctx.route.map(|r| r as usize);
    let Some(info) = log_info else {
        in_flight.finish_metrics(
            route,
            facts.status,
            facts.latency,
            facts.integration_latency,
        );
        return;
    };
    let length = http_body::Body::size_hint(resp.body()).exact();
    if length.is_some() {
        in_flight.finish(&log_record(&ctx, &info, &facts, length));
        return;
    }
    in_flight.finish_metrics(
        route,
        facts.status,
        facts.latency,
        facts.integration_latency,
    );
    let pending = Box::new(PendingLine {
        worker_gateway: Rc::clone(worker_gateway),
        ctx,
        info,
        facts,
    });
    if let Err(pending) = resp.body_mut().on_end(pending) {
        pending.ended(None);
    }
}

/// What the log line says about the answer, fixed when its head was ready.
struct Answered {
    status: u16,
    latency: std::time::Duration,
    integration_latency: Option<std::time::Duration>,
}

/// An access-log line waiting for its streamed body to end.
struct PendingLine {
    /// Keeps the generation whose log buffer the line goes to.
    worker_gateway: Rc<WorkerGateway>,
    ctx: RequestContext,
    info: Box<LogInfo>,
    facts: Answered,
}

impl OnBodyEnd for PendingLine {
    fn ended(self: Box<Self>, bytes: Option<u64>) {
        if let Some(log) = &self.worker_gateway.telemetry.log {
            log.write(&log_record(&self.ctx, &self.info, &self.facts, bytes));
        }
    }
}

fn log_record<'a>(
    ctx: &'a RequestContext,
    info: &'a LogInfo,
    facts: &Answered,
    response_length: Option<u64>,
) -> LogRecord<'a> {
    let (uri, version, user_agent, host) = info;
    let integration_latency = facts.integration_latency;
    LogRecord {
        request_id: &ctx.request_id,
        source_ip: ctx.client.ip.to_str().unwrap_or("-"),
        user_agent: user_agent.as_ref(),
        host: host.as_ref(),
        method: &ctx.method,
        path: uri.path(),
        version: *version,
        route: ctx.route.map(|r| r as usize),
        status: facts.status,
        response_length,
        received_at: ctx.timings.wall_start(),
        latency: facts.latency,
        integration_latency,
        integration_status: integration_latency.and(ctx.error.is_none().then_some(facts.status)),
        principal_id: ctx.identity.as_ref().and_then(|i| i.principal.as_deref()),
        identity: ctx.identity.as_deref(),
        api_key_id: ctx.api_key.as_ref().map(|k| &*k.key_id),
        api_key_hint: ctx.api_key.as_ref().and_then(|k| k.hint()),
        error_message: ctx.error.map(|e| e.message()),
        error_type: ctx.error.map(ErrorType::as_str),
        validation_error: ctx.validation_error.as_deref(),
        waf_code: ctx.waf.as_ref().map(|w| w.code),
        waf_rule: ctx.waf.as_ref().and_then(|w| w.rule.as_deref()),
        cache_status: ctx
            .cache
            .as_ref()
            .map(|n| if n.hit { "Hit" } else { "Miss" }),
    }
}

/// Request facts the access log needs after the request was handed to the pipeline.
type LogInfo = (
    http::Uri,
    http::Version,
    Option<HeaderValue>,
    Option<HeaderValue>,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// The size of the future `f` would return, without calling it.
    fn future_size<F>(_: impl FnOnce() -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// A value of any type for the closures of [`future_size`], which are never called: only
    /// the types of their futures matter.
    fn typed<T>() -> T {
        unreachable!("future_size never calls its closure")
    }

    /// Every request's future is moved whole a few times (into its box, out of each nested
    /// `async fn`): the large, rarely used states (the upstream exchange, response mapping)
    /// are boxed where they are awaited, so the request's own future stays smaller than any
    /// of them. Inlining one again fails here.
    #[test]
    fn request_future_stays_smaller_than_its_rare_states() {
        let request = future_size(|| handle(typed(), typed(), typed()));
        let serve = future_size(|| {
            let wg: &WorkerGateway = typed();
            let ctx: &mut RequestContext = typed();
            wg.serve(ctx, typed())
        });
        let proxy = future_size(|| {
            let t: &crate::integration::proxy::ProxyTarget = typed();
            let ctx: &RequestContext = typed();
            t.call(typed(), None, ctx, typed(), typed())
        });
        assert!(serve < request, "serve {serve}, request {request}");
        assert!(request < proxy, "request {request}, proxy call {proxy}");
    }
}
