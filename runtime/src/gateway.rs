//! The compiled gateway: router, per-route prepared integrations, upstream authorities and
//! gateway responses, built once from the IR and the deployment settings and immutable after.
//!
//! Everything a request needs is decided here: stage variables are substituted, headers
//! validated, mock bodies turned into `Bytes`, default error bodies rendered. A request only
//! reads these structures.

use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use crate::args::RuntimeArgs;
use crate::error::{BuildError, ErrorResponses};
use crate::handler::Handlers;
use crate::handler::extract::StageInfo;
use crate::integration::handler::HandlerTarget;
use crate::integration::mock::MockResponse;
use crate::integration::proxy::{self, Upstream, Upstreams};
use crate::integration::tls::LazyClientConfig;
use crate::ir::{self, ApiKind, ErrorType, Integration};
use crate::pipeline::{self, ApiSteps, RoutePipeline, Steps, Unmatched};
use crate::request_id::RequestIdHeaders;
use crate::router::Router;
use crate::state::State;
use crate::step::BuildContext;
use crate::telemetry::{Telemetry, TelemetryBuilder};

/// A compiled, immutable gateway: router plus per-route prepared integrations.
///
/// Built once per deployment (and once per reload); requests only read it, so it is shared
/// between worker threads behind an `Arc` and swapped whole by [`crate::Server::reload`].
#[derive(Debug)]
pub struct Gateway {
    pub(crate) name: Box<str>,
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) router: Router,
    /// How requests no route serves are answered (by API kind).
    pub(crate) unmatched: Unmatched,
    /// Checks before routing, for every request.
    pub(crate) api_steps: ApiSteps,
    /// Every route's pipeline, indexed by the router's route ids.
    pub(crate) routes: Vec<Arc<RoutePipeline>>,
    /// Backend authorities, indexed by `ProxyTarget::upstream`.
    pub(crate) upstreams: Vec<Arc<Upstream>>,
    pub(crate) errors: ErrorResponses,
    pub(crate) limits: ir::Limits,
    /// Longest integration timeout: how long a graceful shutdown waits for in-flight requests.
    pub(crate) drain: Duration,
    /// Metrics layout and access log, prepared for this gateway's routes.
    pub(crate) telemetry: Telemetry,
    /// The process's shared state; steps capture it when they are compiled.
    pub(crate) state: State,
    /// The usage plans' names, which the admin API checks new keys against.
    pub(crate) plan_names: Box<[Box<str>]>,
    /// Where the request id is read from and which response headers carry it.
    pub(crate) request_ids: RequestIdHeaders,
}

impl Gateway {
    /// Compiles an IR for one deployment: the stage (`--stage`, else the spec's default) and
    /// its variables plus `--stage-variable` overrides, the base path (`--base-path`, else the
    /// spec's). Fails on anything that could not be served, naming the route at fault.
    ///
    /// The gateway gets a shared state of its own, as the spec and `--state` describe it:
    /// right for tests and one-off gateways. A process that reloads builds each generation
    /// with [`Gateway::from_ir_with_state`] and one state, so counters survive the reload.
    pub fn from_ir(ir: &ir::Gateway, args: &RuntimeArgs) -> Result<Gateway, BuildError> {
        // A backend that cannot work is reported by the build, with the forms it accepts.
        let state = crate::connect_state(ir, args)
            .unwrap_or_else(|_| State::memory(crate::state::StateConfig::default().cache_capacity));
        Gateway::from_ir_with_state(ir, args, &state)
    }

    /// [`Gateway::from_ir`] with the process's shared state ([`crate::connect_state`]).
    pub fn from_ir_with_state(
        ir: &ir::Gateway,
        args: &RuntimeArgs,
        state: &State,
    ) -> Result<Gateway, BuildError> {
        Gateway::from_ir_with_handlers(ir, args, state, &Handlers::new())
    }

    /// [`Gateway::from_ir_with_state`] for a gateway whose routes call in-process Rust
    /// handlers (`type: rust` integrations): each is looked up in `handlers` by its path, and
    /// must exist, agree with the route's method and template, and find its state there.
    pub fn from_ir_with_handlers(
        ir: &ir::Gateway,
        args: &RuntimeArgs,
        state: &State,
        handlers: &Handlers,
    ) -> Result<Gateway, BuildError> {
        let problems = ir.validate();
        if !problems.is_empty() {
            return Err(BuildError::Invalid(problems));
        }
        if ir.kind == ApiKind::Websocket {
            return Err(BuildError::Unsupported(
                "the `websocket` API kind".to_owned(),
            ));
        }
        // The state itself is created once per process (it outlives reloads), not here; a
        // gateway only refuses a backend that could never work.
        let backend = args.state.as_deref().unwrap_or(&ir.state.backend);
        if crate::state::Backend::parse(backend).is_err() {
            return Err(BuildError::Unsupported(format!(
                "state backend `{backend}` (expected `memory` or a `redis://` or `redis+cluster://` URL; Redis over TLS is not supported yet)"
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
                resolve_listen(&ir.listen).map_err(|reason| BuildError::BadListen {
                    addr: ir.listen.to_string(),
                    reason,
                })?,
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
        let stage_info = Arc::new(StageInfo {
            name: stage_name.into(),
            variables: variables
                .iter()
                .map(|(k, v)| (Box::from(*k), Box::from(*v)))
                .collect(),
        });
        let mut upstreams = Upstreams::new(LazyClientConfig::new(
            args.upstream_roots,
            args.upstream_ca_file.as_deref(),
        ));
        // What the steps compile against; they declare their counters before the layout.
        let mut cx = BuildContext {
            ir,
            stage: stage_name,
            stage_variables: &variables,
            args,
            state,
            telemetry: TelemetryBuilder::new(ir, stage_name, args),
            api_keys: None,
            authorizers: Default::default(),
            handlers,
        };
        let api_steps = ApiSteps::compile(&mut cx)?;
        let mut routes = Vec::with_capacity(ir.routes.len());
        // Graceful shutdown waits as long as the slowest route may take.
        let mut drain = Duration::ZERO;
        for route in &ir.routes {
            let integration = match &route.integration {
                Integration::HttpProxy(p) => {
                    let target = proxy::prepare(
                        route,
                        p,
                        &variables,
                        stage_name,
                        &ir.limits,
                        &mut upstreams,
                    )?;
                    pipeline::Integration::Proxy(target)
                }
                Integration::Mock(m) => pipeline::Integration::Mock(MockResponse::prepare(
                    m,
                    !route.body_mapping.request_templates.is_empty(),
                )?),
                Integration::Rust(r) => pipeline::Integration::Handler(HandlerTarget::prepare(
                    route,
                    r,
                    handlers,
                    &stage_info,
                )?),
            };
            drain = drain.max(route.timeout.as_duration());
            routes.push(Arc::new(RoutePipeline::new(
                route.id.as_ref().into(),
                Steps::compile(&mut cx, route)?,
                integration,
            )));
        }
        let upstreams = upstreams.finish()?.into_iter().map(Arc::new).collect();
        let unmatched = match ir.kind {
            ApiKind::Http => Unmatched {
                not_found: ErrorType::ResourceNotFound,
                wrong_method: Some(ErrorType::MethodNotAllowed),
            },
            _ => Unmatched {
                not_found: ErrorType::MissingAuthenticationToken,
                wrong_method: None,
            },
        };
        Ok(Gateway {
            name: ir.name.as_ref().into(),
            listen,
            router,
            unmatched,
            api_steps,
            routes,
            upstreams,
            errors: ErrorResponses::for_stage(ir, stage_name, &variables)?,
            limits: ir.limits,
            drain,
            telemetry: cx.telemetry.finish()?,
            state: state.clone(),
            plan_names: ir.plans.iter().map(|p| p.name.as_ref().into()).collect(),
            request_ids: RequestIdHeaders::new(&ir.observability.request_id_headers)?,
        })
    }

    /// The shared state the gateway's steps use (counters, rate limits, cache entries).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The API's name, for logs and `--help`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A listen address in the grammar of [`ir::ListenAddr`] (the compiler checks the same) as a
/// socket address: an IP address as is, a host name resolved now (the first address the
/// system resolver returns). Also the parser of `--listen` and `--admin-listen`.
pub(crate) fn resolve_listen(text: &str) -> Result<SocketAddr, String> {
    let addr = ir::ListenAddr::parse(text).map_err(|e| format!("{e}; {}", e.help()))?;
    match addr.host {
        ir::ListenHost::Ip(ip) => Ok(SocketAddr::new(ip, addr.port)),
        ir::ListenHost::Name(name) => (name.as_str(), addr.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve `{name}`: {e}"))?
            .next()
            .ok_or_else(|| format!("`{name}` resolves to no address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Server;
    use crate::ir::{Method, Mock, PathTemplate, Route, Stage};

    /// No access log on the test's stdout.
    fn quiet() -> ir::Observability {
        ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        }
    }

    fn ir_listening_on(listen: &str) -> ir::Gateway {
        ir::Gateway {
            name: "listen".into(),
            kind: ApiKind::Http,
            listen: listen.to_owned().into(),
            default_stage: "default".into(),
            stages: vec![Stage {
                name: "default".into(),
                variables: vec![],
            }],
            observability: quiet(),
            routes: vec![Route {
                id: "hello".into(),
                method: Method::Get,
                path: PathTemplate::parse("/hello").unwrap(),
                integration: Integration::Mock(Mock {
                    status: 200,
                    headers: vec![],
                    body: "hi".into(),
                }),
                ..Route::default()
            }],
            ..ir::Gateway::default()
        }
    }

    #[test]
    fn a_spec_listening_on_a_host_name_starts() {
        let args = RuntimeArgs {
            workers: Some(1),
            ..RuntimeArgs::default()
        };
        let gw = Gateway::from_ir(&ir_listening_on("localhost:0"), &args).unwrap();
        let server = Server::start(gw, &args).unwrap();
        assert!(
            server.local_addr().ip().is_loopback(),
            "{}",
            server.local_addr()
        );
        assert_ne!(server.local_addr().port(), 0);
        server.shutdown();
        server.wait();
    }

    #[test]
    fn listen_addresses_share_the_compilers_grammar() {
        assert_eq!(
            resolve_listen("[::1]:0"),
            Ok("[::1]:0".parse::<SocketAddr>().unwrap())
        );
        assert!(resolve_listen("localhost:8080").unwrap().ip().is_loopback());
        let args = RuntimeArgs::default();
        let e = Gateway::from_ir(&ir_listening_on("localhost"), &args).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid gateway: listen address: `localhost` has no port; add the port, e.g. `localhost:8080`"
        );
        let e = resolve_listen("*:8080").unwrap_err();
        assert!(
            e.starts_with("`*` is not an IP address or host name"),
            "{e}"
        );
    }
}
