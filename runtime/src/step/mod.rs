//! The interface every request step implements, and the driver that runs one.
//!
//! A step is compiled once per route from the IR (its configuration, captured by value) and
//! gets a per-worker part when a worker adopts a gateway generation (pools, caches, counters
//! that must not be shared between threads). Per request the pipeline calls
//! [`RequestStep::check`], a plain synchronous call: the fast path (a token verified with a
//! cached key, an in-memory counter) answers at once, and only a slow path (a JWKS fetch, a call
//! to a remote authorizer, a Redis round trip) returns a boxed future, whose output
//! [`RequestStep::resume`] then applies. A route that does not use a step holds `None` for it
//! and pays one predictable branch.
//!
//! Each feature issue adds one module here (`waf/`, `auth/`, `plan/`, `validate/`, `cache/`,
//! `cors/`, `map/`), with its compiled configuration, its per-worker part, its error cases and
//! its tests, plus one typed field in [`crate::pipeline::Steps`] (or
//! [`crate::pipeline::ApiSteps`] for the checks before routing) and one line in the fixed
//! phase order of `WorkerRoute::run_request_steps`. The test step in `probe.rs` proves the
//! interface end to end.

// Until the feature issues add their steps, only the test probe builds early answers and slow
// paths: the interface is proved in tests and unused in a release build.
#![cfg_attr(not(test), allow(dead_code))]

use std::future::Future;
use std::pin::Pin;

use std::collections::HashMap;

use http::{Request, Response};

use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::error::GatewayError;
use crate::ir;
use crate::pipeline::RequestContext;
use crate::state::State;
use crate::telemetry::TelemetryBuilder;

pub(crate) mod auth;
pub(crate) mod cache;
pub(crate) mod cors;
pub(crate) mod map;
pub(crate) mod plan;
#[cfg(test)]
pub(crate) mod probe;
pub(crate) mod validate;
pub(crate) mod waf;

/// What a step's compiler sees while the gateway is built (`Steps::compile` and
/// `ApiSteps::compile` hand it to each step): the whole IR (its API-wide tables: authorizers,
/// plans, WAF rule sets, validators), the deployment (stage, its variables with the
/// `--stage-variable` overrides, the runtime flags), the process's shared state, and the
/// telemetry still open for counter declarations.
#[allow(dead_code)] // Read by the feature steps' compilers as they land.
pub(crate) struct BuildContext<'a> {
    /// The gateway's IR.
    pub(crate) ir: &'a ir::Gateway,
    /// The stage this gateway serves.
    pub(crate) stage: &'a str,
    /// The stage's variables, flags applied.
    pub(crate) stage_variables: &'a HashMap<&'a str, &'a str>,
    /// The deployment flags.
    pub(crate) args: &'a RuntimeArgs,
    /// Shared state (counters, rate limits, entries with a TTL), kept across reloads.
    pub(crate) state: &'a State,
    /// Where steps declare their counters ([`TelemetryBuilder::declare_counter`]).
    pub(crate) telemetry: TelemetryBuilder<'a>,
    /// The API keys, resolved when the first route that requires one is compiled.
    pub(crate) api_keys: Option<plan::SharedKeys>,
    /// The authorizers compiled so far (each once, shared by the routes naming it).
    pub(crate) authorizers: auth::Table,
    /// The in-process Rust handlers and authorizers the gateway may call.
    pub(crate) handlers: &'a crate::handler::Handlers,
}

/// What a step decided about a request.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Go on with the next step.
    Continue,
    /// Answer with this response, skipping the rest of the request phase and the integration
    /// (a CORS preflight, a cache hit). The response phase still runs.
    Respond(Response<Body>),
}

/// The result of a step: go on, answer, or fail with a gateway response.
pub(crate) type StepResult = Result<Verdict, Box<GatewayError>>;

/// The slow path's future: boxed, and only built when the fast path cannot answer.
pub(crate) type SlowPath<T> = Pin<Box<dyn Future<Output = T>>>;

/// A step's first answer: decided now, or after a slow path.
pub(crate) enum Check<T> {
    /// Decided synchronously (the common case).
    Done(StepResult),
    /// Decided once this future is ready; its output goes to [`RequestStep::resume`].
    Pending(SlowPath<T>),
}

/// One step of the request phase (DESIGN.md's order: WAF, authorizer, API key and plan,
/// validation, cache lookup), statically dispatched.
pub(crate) trait RequestStep {
    /// The step's per-worker part, made once per worker and gateway generation.
    type Local;
    /// What the slow path hands back to [`RequestStep::resume`] (owned: the future outlives
    /// the borrow of the request).
    type Resumed;

    /// Builds the per-worker part.
    fn local(&self) -> Self::Local;

    /// True when the step reads the body: the pipeline then buffers it (up to the payload
    /// limit) before the request phase, and the integration sends the buffered bytes.
    fn needs_body(&self) -> bool {
        false
    }

    /// Decides on the request, or starts the slow path.
    fn check(
        &self,
        local: &Self::Local,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<Self::Resumed>;

    /// Applies the slow path's output. Steps without a slow path keep the default.
    fn resume(
        &self,
        _local: &Self::Local,
        _ctx: &mut RequestContext,
        _req: &mut Request<RequestBody>,
        _resumed: Self::Resumed,
    ) -> StepResult {
        Ok(Verdict::Continue)
    }
}

/// One step of the response phase (response mapping, cache store), run on every response the
/// route produced, including a step's early answer; never on gateway error responses.
pub(crate) trait ResponseStep {
    /// The step's per-worker part.
    type Local;

    /// Builds the per-worker part.
    fn local(&self) -> Self::Local;

    /// Rewrites or records the response.
    fn on_response(
        &self,
        local: &Self::Local,
        ctx: &RequestContext,
        resp: &mut Response<Body>,
    ) -> Result<(), Box<GatewayError>>;
}

/// Runs one request step inline: its fast path, and its slow path only when it asks for one.
/// A macro rather than an `async fn`: a step that decides at once (nearly every request)
/// then makes no future, and the caller's state holds only the boxed slow path rather than
/// room for the step's whole answer.
macro_rules! run_step {
    ($step:expr, $local:expr, $ctx:expr, $req:expr) => {
        'step: {
            let (step, local) = ($step, $local);
            // The check's answer is taken apart before the await, so only the slow path's
            // box is held across it.
            let slow = match $crate::step::RequestStep::check(step, local, $ctx, $req) {
                $crate::step::Check::Done(result) => break 'step result,
                $crate::step::Check::Pending(slow) => slow,
            };
            let resumed = slow.await;
            $crate::step::RequestStep::resume(step, local, $ctx, $req, resumed)
        }
    };
}
pub(crate) use run_step;
