//! The request pipeline: DESIGN.md's fixed phases, with each route compiled once into exactly
//! the steps its spec enables.
//!
//! ```text
//! edge checks (head size, Host) → API-wide steps (source allow-list, API-wide WAF, CORS
//! preflight) → route match → [body buffered if a step reads it] → request steps (WAF,
//! authorizer, API key and plan, validation, cache lookup) → integration → response steps
//! (response mapping, skipped on a cache hit; cache store) → (the server adds request ids, metrics, the access log)
//! ```
//!
//! Dispatch is static: a step is a typed `Option` field of [`Steps`] (or [`ApiSteps`]), run
//! through [`crate::step::run_step!`], so a route without it pays one `None` branch and nothing
//! else (Pingora's phases, linkerd's stacks built per target, rather than a chain of boxed
//! layers).
//! Every compiled part is immutable and shared by the workers ([`RoutePipeline`] in an `Arc`);
//! each worker holds its own [`WorkerRoute`] beside it (connection pools, per-thread copies of
//! what requests clone, the steps' per-worker parts), so a request does one index into one
//! table and finds everything.
//!
//! Errors travel as `Box<GatewayError>` up to the server, the one place that turns them into
//! gateway responses; a request body left unread on an early answer is drained
//! ([`RequestBody::discard`]) so the client can read the answer.

mod context;

use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use http::uri::PathAndQuery;
use http::{Request, Response, header};

pub(crate) use self::context::Identity;
pub(crate) use self::context::{ApiKeyUse, RequestContext};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::gateway::Gateway;
use crate::integration::handler::HandlerTarget;
use crate::integration::mock::MockResponse;
use crate::integration::proxy::{LocalUpstream, ProxyTarget};
use crate::ir::{self, ErrorType};
use crate::request_id;
use crate::router::Lookup;
use crate::step::{self, BuildContext, Verdict};
use crate::telemetry::WorkerTelemetry;

/// Largest idle connection list per upstream and worker.
const MAX_IDLE_PER_UPSTREAM: usize = 512;

/// What answers a route once its request steps have passed.
#[derive(Debug)]
pub(crate) enum Integration {
    /// Forward to an HTTP(S) backend.
    Proxy(ProxyTarget),
    /// A fixed response.
    Mock(MockResponse),
    /// An in-process Rust handler.
    Handler(HandlerTarget),
}

/// The optional request- and response-phase steps of one route, in DESIGN.md's order. A
/// feature issue adds its typed field here, its per-worker part to [`WorkerSteps`], and one
/// line to `WorkerRoute::run_request_steps` (or the response phase) at its place in the order.
#[derive(Debug, Default)]
pub(crate) struct Steps {
    /// The route's own WAF rules.
    pub(crate) waf: Option<crate::step::waf::Rules>,
    /// The authorizer (JWT, Cognito, custom).
    pub(crate) auth: Option<crate::step::auth::Auth>,
    /// API key, usage plan, throttles and quota.
    pub(crate) plan: Option<step::plan::Admission>,
    /// Response cache: lookup before the integration, store in the response phase.
    pub(crate) cache: Option<step::cache::Cache>,
    /// Request validation (required parameters, body schema).
    pub(crate) validate: Option<step::validate::Validate>,
    /// Request templates (body mapping): before parameter mapping, both read the request.
    pub(crate) template_request: Option<step::map::body::RequestTemplate>,
    /// Integration responses (selection by status, response templates), applied to the
    /// integration's answer before the response steps.
    pub(crate) template_response: Option<step::map::body::ResponseTemplate>,
    /// The binary `Accept` rule for routes without integration responses, on an API with
    /// binary media types.
    pub(crate) binary: Option<step::map::binary::ResponseBinary>,
    /// Parameter mapping of the integration request: the last request step.
    pub(crate) map_request: Option<step::map::MapRequest>,
    /// Parameter mapping of the response: the first response step.
    pub(crate) map_response: Option<step::map::MapResponse>,
    /// The test step that proves the request-step interface.
    #[cfg(test)]
    pub(crate) probe: Option<crate::step::probe::Probe>,
    /// The test step that proves the response-step interface.
    #[cfg(test)]
    pub(crate) probe_response: Option<crate::step::probe::Probe>,
}

impl Steps {
    /// The steps `route`'s policies enable, compiled once per gateway. Each feature adds one
    /// line here, in DESIGN.md's order, as `field: feature::compile(cx, route)?`.
    // `..default()` fills the test-only probe fields; it is needless in other builds.
    #[allow(clippy::needless_pass_by_ref_mut, clippy::needless_update)]
    pub(crate) fn compile(
        cx: &mut BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Steps, BuildError> {
        Ok(Steps {
            waf: step::waf::Rules::for_route(cx, route)?,
            auth: crate::step::auth::compile(cx, route)?,
            plan: step::plan::Admission::compile(cx, route)?,
            cache: step::cache::Cache::compile(cx, route)?,
            validate: step::validate::Validate::compile(cx, route)?,
            template_request: step::map::body::RequestTemplate::compile(cx, route)?,
            template_response: step::map::body::ResponseTemplate::compile(cx, route)?,
            binary: step::map::binary::ResponseBinary::compile(cx.ir, route),
            map_request: step::map::MapRequest::compile(cx, route)?,
            map_response: step::map::MapResponse::compile(cx, route)?,
            ..Steps::default()
        })
    }

    /// Whether any step reads the body, so the pipeline buffers it first.
    fn need_body(&self) -> bool {
        if self.waf.as_ref().is_some_and(step::RequestStep::needs_body)
            || self
                .auth
                .as_ref()
                .is_some_and(step::RequestStep::needs_body)
            || self
                .validate
                .as_ref()
                .is_some_and(step::RequestStep::needs_body)
            || self.template_request.is_some()
        {
            return true;
        }
        #[cfg(test)]
        if self
            .probe
            .as_ref()
            .is_some_and(step::RequestStep::needs_body)
        {
            return true;
        }
        false
    }

    /// Whether the request phase has anything to run (`run_request_steps`' list).
    fn has_request_steps(&self) -> bool {
        #[cfg(test)]
        if self.probe.is_some() {
            return true;
        }
        self.waf.is_some()
            || self.auth.is_some()
            || self.plan.is_some()
            || self.validate.is_some()
            || self.cache.is_some()
            || self.template_request.is_some()
            || self.map_request.is_some()
    }

    fn local(&self) -> WorkerSteps {
        WorkerSteps {
            waf: self.waf.as_ref().map(step::RequestStep::local),
            auth: self.auth.as_ref().map(step::RequestStep::local),
            plan: self.plan.as_ref().map(step::RequestStep::local),
            cache: self.cache.as_ref().map(step::RequestStep::local),
            cors: None,
            validate: self.validate.as_ref().map(step::RequestStep::local),
            map_request: self.map_request.as_ref().map(step::RequestStep::local),
            template_request: self.template_request.as_ref().map(step::RequestStep::local),
            map_response: self.map_response.as_ref().map(step::ResponseStep::local),
            #[cfg(test)]
            probe: self.probe.as_ref().map(step::RequestStep::local),
            #[cfg(test)]
            probe_response: self.probe_response.as_ref().map(step::ResponseStep::local),
        }
    }
}

/// The checks every request goes through before routing (source allow-list, API-wide WAF,
/// CORS preflight), with the same step interface. None exists yet.
#[derive(Debug, Default)]
pub(crate) struct ApiSteps {
    /// The API-wide WAF rules, for every request.
    pub(crate) waf: Option<crate::step::waf::Rules>,
    /// Which routes (by router id) the API-wide WAF skips (`x-gateway-waf.enabled: false`);
    /// `None` when none does, so a gateway without opt-outs pays one branch and no lookup.
    pub(crate) waf_off: Option<Box<[bool]>>,
    /// CORS: preflights answered here; [`step::cors::Cors::decorate`] adds the headers to
    /// every final response, errors included.
    pub(crate) cors: Option<step::cors::Cors>,
    /// The test step that proves the interface.
    #[cfg(test)]
    pub(crate) probe: Option<crate::step::probe::Probe>,
}

impl ApiSteps {
    /// The API-wide checks before routing (source allow-list, API-wide WAF, CORS preflight),
    /// compiled once per gateway; each feature adds its line as in [`Steps::compile`].
    // `..default()` fills the test-only probe field; it is needless in other builds.
    #[allow(clippy::needless_pass_by_ref_mut, clippy::needless_update)]
    pub(crate) fn compile(cx: &mut BuildContext<'_>) -> Result<ApiSteps, BuildError> {
        Ok(ApiSteps {
            waf: step::waf::Rules::for_api(cx)?,
            waf_off: cx
                .ir
                .routes
                .iter()
                .any(|r| r.policies.api_waf_off)
                .then(|| {
                    cx.ir
                        .routes
                        .iter()
                        .map(|r| r.policies.api_waf_off)
                        .collect()
                }),
            cors: step::cors::Cors::compile(cx)?,
            ..ApiSteps::default()
        })
    }

    /// True when the request's route opted out of the API-wide WAF. Only a gateway with an
    /// opt-out pays for this lookup (the router is looked up again after the API-wide steps;
    /// a lookup allocates nothing for routes without path parameters).
    fn skips_waf(&self, router: &crate::router::Router, req: &Request<RequestBody>) -> bool {
        let Some(off) = &self.waf_off else {
            return false;
        };
        match router.lookup(req.method(), req.uri().path()) {
            Lookup::Found(id, _) => off.get(id as usize).copied().unwrap_or(false),
            _ => false,
        }
    }

    fn local(&self) -> WorkerSteps {
        WorkerSteps {
            waf: self.waf.as_ref().map(step::RequestStep::local),
            cors: self.cors.as_ref().map(step::RequestStep::local),
            #[cfg(test)]
            probe: self.probe.as_ref().map(step::RequestStep::local),
            #[cfg(test)]
            probe_response: None,
            ..WorkerSteps::default()
        }
    }
}

/// One worker's parts of a route's (or the API's) steps.
#[derive(Debug, Default)]
pub(crate) struct WorkerSteps {
    pub(crate) waf: Option<<crate::step::waf::Rules as step::RequestStep>::Local>,
    pub(crate) auth: Option<<crate::step::auth::Auth as step::RequestStep>::Local>,
    pub(crate) plan: Option<<step::plan::Admission as step::RequestStep>::Local>,
    pub(crate) cache: Option<<step::cache::Cache as step::RequestStep>::Local>,
    pub(crate) cors: Option<()>,
    pub(crate) validate: Option<()>,
    pub(crate) map_request: Option<()>,
    pub(crate) template_request: Option<()>,
    pub(crate) map_response: Option<()>,
    #[cfg(test)]
    pub(crate) probe: Option<<crate::step::probe::Probe as step::RequestStep>::Local>,
    #[cfg(test)]
    pub(crate) probe_response: Option<<crate::step::probe::Probe as step::ResponseStep>::Local>,
}

/// A route compiled for one deployment: everything about it that does not change per worker.
#[derive(Debug)]
pub(crate) struct RoutePipeline {
    /// The route id, for logs (metrics and the access log label routes by template, from the
    /// telemetry's own per-route table).
    pub(crate) id: Box<str>,
    /// The request steps it enables.
    pub(crate) steps: Steps,
    /// Buffer the body before the request steps (some step reads it).
    pub(crate) buffer_body: bool,
    /// Some request step is on: a route with none skips the request phase without making
    /// its future.
    pub(crate) request_steps: bool,
    /// What answers it.
    pub(crate) integration: Integration,
}

impl RoutePipeline {
    /// Compiles a route from its parts; `buffer_body` follows from the steps.
    pub(crate) fn new(id: Box<str>, steps: Steps, integration: Integration) -> RoutePipeline {
        RoutePipeline {
            buffer_body: steps.need_body(),
            request_steps: steps.has_request_steps(),
            id,
            steps,
            integration,
        }
    }
}

/// One worker's half of a route: the shared pipeline plus what this worker owns for it.
#[derive(Debug)]
pub(crate) struct WorkerRoute {
    pub(crate) route: Arc<RoutePipeline>,
    // Read only by the steps the feature issues add (and the test probe) until then.
    #[cfg_attr(not(test), allow(dead_code))]
    steps: WorkerSteps,
    integration: WorkerIntegration,
}

#[derive(Debug)]
enum WorkerIntegration {
    Proxy {
        upstream: Rc<LocalUpstream>,
        /// A per-thread copy of the whole backend path, when the template has no parameters.
        fixed: Option<PathAndQuery>,
    },
    Mock(MockResponse),
    /// Nothing per worker: the handler's call is shared.
    Handler,
}

/// One worker's view of one gateway generation: the per-worker half of every route, and of the
/// API-wide steps. Made when a worker first serves a new generation (at start and after each
/// reload); in-flight requests keep their `Rc` to the old one.
pub(crate) struct WorkerGateway {
    pub(crate) gateway: Arc<Gateway>,
    /// This worker's metrics block and access-log buffer for this gateway.
    pub(crate) telemetry: WorkerTelemetry,
    api: WorkerSteps,
    routes: Vec<WorkerRoute>,
    /// Whether anything reads a request's arrival time: metrics, the access log, or a body
    /// template (`$context.requestTime`); decided once, not per request.
    pub(crate) clocked: bool,
}

impl WorkerGateway {
    pub(crate) fn new(gateway: Arc<Gateway>) -> WorkerGateway {
        let upstreams: Vec<Rc<LocalUpstream>> = gateway
            .upstreams
            .iter()
            .map(|u| Rc::new(LocalUpstream::new(u, MAX_IDLE_PER_UPSTREAM)))
            .collect();
        let routes = gateway
            .routes
            .iter()
            .map(|route| WorkerRoute {
                route: Arc::clone(route),
                steps: route.steps.local(),
                integration: match &route.integration {
                    Integration::Proxy(target) => WorkerIntegration::Proxy {
                        // `prepare` registered every target's upstream before the gateway
                        // was built, so the index is in range.
                        upstream: Rc::clone(&upstreams[target.upstream]),
                        fixed: target.local_fixed(),
                    },
                    Integration::Mock(m) => WorkerIntegration::Mock(m.local_copy()),
                    Integration::Handler(_) => WorkerIntegration::Handler,
                },
            })
            .collect();
        let telemetry = gateway.telemetry.worker();
        let clocked = telemetry.records()
            || gateway
                .routes
                .iter()
                .any(|r| r.steps.template_request.is_some() || r.steps.template_response.is_some());
        WorkerGateway {
            clocked,
            telemetry,
            api: gateway.api_steps.local(),
            gateway,
            routes,
        }
    }

    /// Serves one request through the phases, up to (not including) the conversion of an
    /// error into its gateway response, which the server does.
    ///
    /// One future from routing to the integration's answer, kept small because hyper stores
    /// it (inside the server's) per request and every nested future is copied into its
    /// parent's state when made: each phase as its own `async fn` measured about 1,100
    /// instructions per proxied request in those copies. So phases only some routes take
    /// (body buffering, a proxy call, response templates) are boxed, steps run through
    /// [`step::run_step!`] (no future unless a step goes async), and this is a plain function
    /// returning an `async move` block, which uses the request it captured in place where an
    /// `async fn` keeps a second copy of its by-value arguments.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` would keep a second copy of the request in its state"
    )]
    pub(crate) fn serve<'a>(
        &'a self,
        ctx: &'a mut RequestContext,
        mut req: Request<RequestBody>,
    ) -> impl Future<Output = Result<Response<Body>, Box<GatewayError>>> + 'a {
        async move {
            // An API-wide step (before routing): go on, answer early, or refuse.
            macro_rules! api_step {
                ($step:expr, $local:expr) => {
                    match step::run_step!($step, $local, ctx, &mut req) {
                        Ok(Verdict::Continue) => {}
                        Ok(Verdict::Respond(resp)) => {
                            req.into_body().discard();
                            return Ok(resp);
                        }
                        Err(e) => return refuse(req, e),
                    }
                };
            }
            let gw = &*self.gateway;
            if let Err(e) = edge_checks(gw, ctx, &req) {
                return refuse(req, e);
            }
            if let (Some(waf), Some(local)) = (&gw.api_steps.waf, &self.api.waf)
                && !gw.api_steps.skips_waf(&gw.router, &req)
            {
                if step::RequestStep::needs_body(waf)
                    && let Err(e) = Box::pin(buffer_body(gw, ctx, &mut req)).await
                {
                    return Err(e);
                }
                api_step!(waf, local);
            }
            if let (Some(step), Some(local)) = (&gw.api_steps.cors, &self.api.cors) {
                api_step!(step, local);
            }
            #[cfg(test)]
            if let (Some(step), Some(local)) = (&gw.api_steps.probe, &self.api.probe) {
                api_step!(step, local);
            }
            let worker_route = match self.route(ctx, &req) {
                Ok(route) => route,
                Err(e) => return refuse(req, e),
            };
            if req.body().size_hint().lower() > gw.limits.max_body.0 {
                let e = GatewayError::new(
                    ErrorType::RequestTooLarge,
                    "Content-Length over the payload limit",
                );
                return refuse(req, e);
            }
            let route = &*worker_route.route;
            // Boxed, as every phase only some routes take: inline, their states would size the
            // future of every request (copied whole into hyper's slot and each parent's state).
            if route.buffer_body {
                Box::pin(buffer_body(gw, ctx, &mut req)).await?;
            }
            // What the response phase reads of the method request, read before the request steps
            // (the request template, parameter mapping) rewrite it for the integration.
            let facts = route.steps.template_response.as_ref().map(|responses| {
                Box::new(step::map::body::RequestFacts::capture(&req, ctx, responses))
            });
            // A step's answer (a cache hit, a preflight) is boxed, and the `Verdict` scoped: a
            // local `Verdict` would be kept (about 200 bytes) across the integration's await on
            // every request.
            let answered = if route.request_steps {
                match worker_route
                    .run_request_steps(ctx, &mut req, &self.telemetry)
                    .await
                {
                    Ok(Verdict::Respond(resp)) => Some(Box::new(resp)),
                    Ok(Verdict::Continue) => None,
                    Err(e) => return refuse(req, e),
                }
            } else {
                None
            };
            // `$context.integrationLatency` is read by metrics and the access log only.
            let timed = self.telemetry.records();
            let accept_binary = route
                .steps
                .binary
                .as_ref()
                .is_some_and(|b| b.accepts_binary(req.headers()));
            let mut resp = if let Some(resp) = answered {
                req.into_body().discard();
                *resp
            } else {
                match (&worker_route.integration, &route.integration) {
                    (WorkerIntegration::Proxy { upstream, fixed }, Integration::Proxy(target)) => {
                        // A backend call is timed for `$context.integrationLatency`; a mock is
                        // not an integration call, as in AWS's logs.
                        if timed {
                            ctx.timings.integration_start = Some(Instant::now());
                        }
                        // Boxed: the upstream exchange is the largest state of any
                        // integration (about 4 KiB), and inline it made every route's request
                        // future that big, copied whole several times per request (into hyper's
                        // slot for the service future, into each nested `async fn`), handler and
                        // mock routes included.
                        let result =
                            Box::pin(target.call(upstream, fixed.as_ref(), ctx, req, &gw.limits))
                                .await;
                        if timed {
                            ctx.timings.integration_end = Some(Instant::now());
                        }
                        result?
                    }
                    (WorkerIntegration::Mock(m), _) => m.respond(req)?,
                    (WorkerIntegration::Handler, Integration::Handler(handler)) => {
                        if timed {
                            ctx.timings.integration_start = Some(Instant::now());
                        }
                        let result = handler.call(ctx, req, &gw.limits).await;
                        if timed {
                            ctx.timings.integration_end = Some(Instant::now());
                        }
                        result?
                    }
                    (WorkerIntegration::Proxy { .. } | WorkerIntegration::Handler, _) => {
                        unreachable!("a worker route mirrors its pipeline's integration")
                    }
                }
            };
            // Boxed for the reason the proxy call is: about 1 KiB of state each, needed by
            // mapped routes only.
            if let (Some(responses), Some(facts)) = (&route.steps.template_response, &facts) {
                resp = Box::pin(responses.apply(ctx, resp, facts)).await?;
            }
            if let Some(binary) = &route.steps.binary {
                resp = Box::pin(binary.apply(accept_binary, resp)).await?;
            }
            worker_route.run_response_steps(ctx, &mut resp)?;
            Ok(resp)
        }
    }

    /// Routes the request: the worker's half of the matched route, or the error that answers
    /// an unmatched one (by API kind).
    fn route(
        &self,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
    ) -> Result<&WorkerRoute, Box<GatewayError>> {
        match self.gateway.router.lookup(req.method(), req.uri().path()) {
            Lookup::Found(id, params) => {
                let route = self.routes.get(id as usize).ok_or_else(|| {
                    GatewayError::new(ErrorType::Default5xx, "router out of step")
                })?;
                ctx.route = Some(id);
                ctx.params = params;
                Ok(route)
            }
            other => Err(self.gateway.unmatched.error(&other)),
        }
    }
}

impl WorkerRoute {
    /// The request phase, in DESIGN.md's order; each line is one optional step.
    async fn run_request_steps(
        &self,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
        telemetry: &WorkerTelemetry,
    ) -> step::StepResult {
        let _ = (&ctx, &req, telemetry);
        if let (Some(step), Some(local)) = (&self.route.steps.waf, &self.steps.waf)
            && let verdict @ Verdict::Respond(_) = step::run_step!(step, local, ctx, req)?
        {
            return Ok(verdict);
        }
        if let (Some(step), Some(local)) = (&self.route.steps.auth, &self.steps.auth) {
            let result = step::run_step!(step, local, ctx, req);
            step.count(local, telemetry, ctx.route, &result);
            result?;
        }
        if let (Some(step), Some(local)) = (&self.route.steps.plan, &self.steps.plan) {
            step::run_step!(step, local, ctx, req).inspect_err(|e| {
                step.count(telemetry, ctx.route.map(|r| r as usize), e.kind);
            })?;
        }
        #[cfg(test)]
        if let (Some(step), Some(local)) = (&self.route.steps.probe, &self.steps.probe)
            && let verdict @ Verdict::Respond(_) = step::run_step!(step, local, ctx, req)?
        {
            return Ok(verdict);
        }
        if let (Some(step), Some(local)) = (&self.route.steps.validate, &self.steps.validate)
            && let verdict @ Verdict::Respond(_) = step::run_step!(step, local, ctx, req)?
        {
            return Ok(verdict);
        }
        if let (Some(step), Some(local)) = (&self.route.steps.cache, &self.steps.cache) {
            let verdict = step::run_step!(step, local, ctx, req)?;
            step.count(telemetry, ctx);
            if let Verdict::Respond(_) = verdict {
                return Ok(verdict);
            }
        }
        // Mapping last: it rewrites what the integration sends.
        if let (Some(step), Some(local)) = (
            &self.route.steps.template_request,
            &self.steps.template_request,
        ) && let verdict @ Verdict::Respond(_) = step::run_step!(step, local, ctx, req)?
        {
            return Ok(verdict);
        }
        if let (Some(step), Some(local)) = (&self.route.steps.map_request, &self.steps.map_request)
            && let verdict @ Verdict::Respond(_) = step::run_step!(step, local, ctx, req)?
        {
            return Ok(verdict);
        }
        Ok(Verdict::Continue)
    }

    /// The response phase, in DESIGN.md's order (response mapping, cache store).
    fn run_response_steps(
        &self,
        ctx: &RequestContext,
        resp: &mut Response<Body>,
    ) -> Result<(), Box<GatewayError>> {
        let _ = (&ctx, &resp);
        // A cache hit is the stored response, already mapped when it was stored.
        let hit = ctx.cache.as_ref().is_some_and(|n| n.hit);
        if let (Some(step), Some(local), false) = (
            &self.route.steps.map_response,
            &self.steps.map_response,
            hit,
        ) {
            step::ResponseStep::on_response(step, local, ctx, resp)?;
        }
        #[cfg(test)]
        if let (Some(step), Some(local)) =
            (&self.route.steps.probe_response, &self.steps.probe_response)
        {
            step::ResponseStep::on_response(step, local, ctx, resp)?;
        }
        if let (Some(step), Some(local)) = (&self.route.steps.cache, &self.steps.cache) {
            step::ResponseStep::on_response(step, local, ctx, resp)?;
        }
        Ok(())
    }
}

/// Reads the body into memory (a step inspects it), within the payload limit and the body
/// read timeout; a second call returns at once.
async fn buffer_body(
    gw: &Gateway,
    ctx: &RequestContext,
    req: &mut Request<RequestBody>,
) -> Result<(), Box<GatewayError>> {
    let receiving = &ctx.client.receiving_body;
    let buffered = req
        .body_mut()
        .buffer(
            gw.limits.max_body.0,
            gw.limits.body_read_timeout.as_duration(),
            receiving,
        )
        .await;
    match buffered {
        Ok(_) => Ok(()),
        Err(fault) => {
            let e = GatewayError::new(fault.error_type(), fault.to_string());
            Err(if fault.leaves_body_unread() {
                e.closing()
            } else {
                e
            })
        }
    }
}

/// Fails the request without reading its body, which is drained in the background so the
/// client can finish sending and read the answer.
fn refuse(
    req: Request<RequestBody>,
    error: Box<GatewayError>,
) -> Result<Response<Body>, Box<GatewayError>> {
    req.into_body().discard();
    Err(error)
}

/// The first look at the request head, before anything keys on it: the request id
/// (`ctx.request_id`: the client's well-formed id, else a new one), set before any
/// check can fail so every answer carries it; the head's size against `max_header`; and
/// `Host` (RFC 9112 §3.2). One pass over the headers does all three, so neither the id nor
/// the `Host` check costs a hash lookup.
fn edge_checks(
    gw: &Gateway,
    ctx: &mut RequestContext,
    req: &Request<RequestBody>,
) -> Result<(), Box<GatewayError>> {
    let target = req.uri().path_and_query().map_or(1, |p| p.as_str().len());
    let mut head_len = (req.method().as_str().len() + target + 11) as u64;
    let mut hosts = 0u32;
    let mut host_ok = true;
    let mut incoming_id = None;
    for (name, value) in req.headers() {
        head_len += (name.as_str().len() + value.len() + 4) as u64;
        if name == header::HOST {
            hosts += 1;
            host_ok &= valid_host(value.as_bytes());
        } else if *name == gw.request_ids.incoming && incoming_id.is_none() {
            incoming_id = Some(value);
        }
    }
    ctx.request_id = match incoming_id {
        Some(v) if request_id::is_valid(v) => v.clone(),
        _ => request_id::generate(),
    };
    if head_len > gw.limits.max_header.0 {
        return Err(GatewayError::new(
            ErrorType::RequestHeaderFieldsTooLarge,
            "request head over the header limit",
        ));
    }
    if !host_count_ok(hosts, req.version()) || !host_ok {
        return Err(GatewayError::new(
            ErrorType::Default4xx,
            "missing, repeated or invalid Host header",
        ));
    }
    Ok(())
}

/// RFC 9112 §3.2: an HTTP/1.1 request has exactly one `Host`, any request at most one.
fn host_count_ok(hosts: u32, version: http::Version) -> bool {
    match hosts {
        1 => true,
        0 => version < http::Version::HTTP_11,
        _ => false,
    }
}

/// How an API answers requests no route serves, decided when the gateway is built from its
/// kind: the `http` kind says 404 and 405 with `Allow`, the `rest` kind 403
/// `Missing Authentication Token` for both, as AWS's REST APIs do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unmatched {
    pub(crate) not_found: ErrorType,
    /// `None`: answer a wrong method as `not_found`.
    pub(crate) wrong_method: Option<ErrorType>,
}

impl Unmatched {
    fn error(&self, lookup: &Lookup<'_>) -> Box<GatewayError> {
        match (lookup, self.wrong_method) {
            (Lookup::MethodNotAllowed(allow), Some(kind)) => {
                GatewayError::new(kind, "method not bound")
                    .with_header(header::ALLOW, (*allow).clone())
            }
            (Lookup::MethodNotAllowed(_), None) => {
                GatewayError::new(self.not_found, "method not bound")
            }
            (Lookup::BadPath, _) => {
                GatewayError::new(ErrorType::Default4xx, "dot segment in the request path")
            }
            _ => GatewayError::new(self.not_found, "no route"),
        }
    }
}

/// `uri-host [":" port]` (RFC 3986 §3.2.2): a bracketed IP literal or a non-empty reg-name
/// (unreserved, percent-encoded and sub-delimiter characters), then optional port digits.
fn valid_host(value: &[u8]) -> bool {
    let port_start = if value.first() == Some(&b'[') {
        let Some(end) = value.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &value[1..end];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.'))
        {
            return false;
        }
        end + 1
    } else {
        // One pass to the port's colon, each byte checked by table.
        let mut colon = value.len();
        for (i, &b) in value.iter().enumerate() {
            if b == b':' {
                colon = i;
                break;
            }
            if !REG_NAME[usize::from(b)] {
                return false;
            }
        }
        if colon == 0 {
            return false;
        }
        colon
    };
    match value[port_start..].split_first() {
        None => true,
        Some((b':', digits)) => digits.iter().all(u8::is_ascii_digit),
        Some(_) => false,
    }
}

/// [`is_reg_name_byte`] as a table, built at compile time.
static REG_NAME: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_reg_name_byte(b as u8);
        b += 1;
    }
    table
};

const fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

#[cfg(test)]
mod tests;
