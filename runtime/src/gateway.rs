//! The compiled gateway: router, per-route prepared integrations, upstream authorities and
//! gateway responses, built once from the IR and the deployment settings and immutable after.
//!
//! Everything a request needs is decided here: stage variables are substituted, headers
//! validated, mock bodies turned into `Bytes`, default error bodies rendered. A request only
//! reads these structures.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::args::RuntimeArgs;
use crate::error::{BuildError, ErrorResponses};
use crate::ir::{self, ApiKind, Integration};
use crate::mock::MockResponse;
use crate::proxy::{self, ProxyTarget, Upstream};
use crate::router::Router;
use crate::telemetry::Telemetry;

/// What serves one route.
#[derive(Debug)]
pub(crate) enum Action {
    Proxy(ProxyTarget),
    Mock(MockResponse),
}

/// One compiled route.
#[derive(Debug)]
pub(crate) struct CompiledRoute {
    /// The route id, for logs.
    pub(crate) id: Box<str>,
    pub(crate) action: Action,
}

/// A compiled, immutable gateway: router plus per-route prepared integrations.
///
/// Built once per deployment (and once per reload); requests only read it, so it is shared
/// between worker threads behind an `Arc` and swapped whole by [`crate::Server::reload`].
#[derive(Debug)]
pub struct Gateway {
    pub(crate) name: Box<str>,
    pub(crate) kind: ApiKind,
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) router: Router,
    pub(crate) routes: Vec<CompiledRoute>,
    pub(crate) upstreams: Vec<Upstream>,
    pub(crate) errors: ErrorResponses,
    pub(crate) limits: ir::Limits,
    /// Longest integration timeout: how long a graceful shutdown waits for in-flight requests.
    pub(crate) drain: Duration,
    /// Metrics layout and access log, prepared for this gateway's routes.
    pub(crate) telemetry: Telemetry,
}

impl Gateway {
    /// Compiles an IR for one deployment: the stage (`--stage`, else the spec's default) and
    /// its variables plus `--stage-variable` overrides, the base path (`--base-path`, else the
    /// spec's). Fails on anything that could not be served, naming the route at fault.
    pub fn from_ir(ir: &ir::Gateway, args: &RuntimeArgs) -> Result<Gateway, BuildError> {
        let problems = ir.validate();
        if !problems.is_empty() {
            return Err(BuildError::Invalid(problems));
        }
        if ir.kind == ApiKind::Websocket {
            return Err(BuildError::Unsupported(
                "the `websocket` API kind".to_owned(),
            ));
        }
        if args.state != "memory" {
            return Err(BuildError::Unsupported(format!(
                "state backend `{}` (only `memory`)",
                args.state
            )));
        }
        let stage_name = args.stage.as_deref().unwrap_or(&ir.default_stage);
        let stage = ir
            .stage(stage_name)
            .ok_or_else(|| BuildError::UnknownStage(stage_name.to_owned()))?;
        let mut variables: HashMap<&str, &str> = stage
            .variables
            .iter()
            .map(|v| (v.name.as_ref(), v.value.as_ref()))
            .collect();
        for (k, v) in &args.stage_variables {
            variables.insert(k, v);
        }
        let base = match args.base_path.as_deref().or(ir.base_path.as_deref()) {
            None | Some("") | Some("/") => None,
            Some(b) if ir::valid_base_path(b) => Some(b),
            Some(b) => return Err(BuildError::BadBasePath(b.to_owned())),
        };
        let listen = match args.listen {
            Some(addr) => Some(addr),
            None if ir.listen.is_empty() => None,
            None => Some(
                ir.listen
                    .parse()
                    .map_err(|_| BuildError::BadListen(ir.listen.to_string()))?,
            ),
        };
        let router = Router::new(&ir.routes, base).map_err(|c| {
            BuildError::Invalid(vec![ir::ValidationError::DuplicateRoute {
                first: c.first,
                second: c.second,
                method: c.method,
                shape: c.path,
            }])
        })?;
        let mut upstreams = Vec::new();
        let mut by_authority = HashMap::new();
        let mut routes = Vec::with_capacity(ir.routes.len());
        let mut drain = ir.limits.integration_timeout.as_duration();
        for route in &ir.routes {
            let action = match &route.integration {
                Integration::HttpProxy(p) => {
                    let target = proxy::prepare(
                        route,
                        p,
                        &variables,
                        stage_name,
                        &ir.limits,
                        &mut upstreams,
                        &mut by_authority,
                    )?;
                    drain = drain.max(target.timeout);
                    Action::Proxy(target)
                }
                Integration::Mock(m) => Action::Mock(MockResponse::prepare(m)?),
            };
            routes.push(CompiledRoute {
                id: route.id.as_ref().into(),
                action,
            });
        }
        Ok(Gateway {
            name: ir.name.as_ref().into(),
            kind: ir.kind,
            listen,
            router,
            routes,
            upstreams,
            errors: ErrorResponses::new(ir)?,
            limits: ir.limits,
            drain,
            telemetry: Telemetry::build(ir, stage_name, args)?,
        })
    }

    /// The API's name, for logs and `--help`.
    pub fn name(&self) -> &str {
        &self.name
    }
}
