//! Rust-first gateways: a crate whose `#[gateway]` handlers are the API serves them with one
//! call, with the same flags as a generated gateway, and prints the OpenAPI document (with
//! its `x-gateway` extensions) that describes them, which `gwc check` accepts.
//!
//! ```no_run
//! use gwc_runtime::{App, gateway};
//!
//! #[gateway(GET, "/ping")]
//! async fn ping() -> &'static str {
//!     "pong"
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     gwc_runtime::serve(App::new("pinger"))
//! }
//! ```

use std::process::ExitCode;

use serde_json::{Map, Value, json};

use crate::handler::{ArgIn, Handlers, OperationDoc};
use crate::ir::{self, Integration, Str};
use crate::{RuntimeArgs, run};

/// A Rust-first gateway: the `#[gateway]` handlers linked into the program, their shared
/// state, and the API-wide settings.
#[derive(Debug, Clone)]
pub struct App {
    ir: ir::Gateway,
    version: String,
    handlers: Handlers,
    /// Per-route plan throttles by name: (plan, `METHOD /path`, bucket), resolved in [`App::ir`].
    route_throttles: Vec<(String, String, ir::Throttle)>,
}

impl App {
    /// An API named `name` (its package and metrics name: `[a-z][a-z0-9-]*`) serving every
    /// `#[gateway]` handler linked into the program.
    pub fn new(name: &str) -> App {
        App {
            ir: ir::Gateway {
                name: Str::Owned(name.to_owned()),
                ..ir::Gateway::default()
            },
            version: "1.0.0".to_owned(),
            handlers: Handlers::linked(),
            route_throttles: Vec::new(),
        }
    }

    /// Gives the handlers a value of type `T` (their `State<T>` arguments clone it).
    #[must_use]
    pub fn state<T: std::any::Any + Send + Sync + Clone>(mut self, value: T) -> App {
        self.handlers = self.handlers.state(value);
        self
    }

    /// The API's version, for the OpenAPI document's `info.version`.
    #[must_use]
    pub fn version(mut self, version: &str) -> App {
        self.version = version.to_owned();
        self
    }

    /// Replaces the API-wide settings (stages, limits, gateway responses, observability…);
    /// the routes stay the handlers'.
    #[must_use]
    pub fn with_settings(mut self, settings: ir::Gateway) -> App {
        self.ir = ir::Gateway {
            routes: Vec::new(),
            ..settings
        };
        self
    }

    /// The gateway's IR: the API-wide settings plus one route per handler.
    /// A handler without a `timeout` gets `limits.integration_timeout`, as a spec's route does.
    ///
    /// Its authorizers are the settings' plus every `#[gateway(authorizer = "NAME")]` function
    /// linked in (a settings' authorizer of the same name wins); each route's
    /// `auth(authorizer = "NAME")` names one of them.
    pub fn ir(&self) -> ir::Gateway {
        let mut authorizers = self.ir.authorizers.clone();
        for def in self.handlers.authorizers() {
            if !authorizers.iter().any(|a| a.name == def.name) {
                authorizers.push((def.authorizer)());
            }
        }
        let mut routes = self.handlers.routes_ir();
        let mut validators = self.ir.validators.clone();
        for (route, def) in routes.iter_mut().zip(self.handlers.routes()) {
            if route.timeout.0 == 0 {
                route.timeout = self.ir.limits.integration_timeout;
            }
            if let Some(v) = def.validate
                && (v.body || v.parameters)
            {
                validators.push(ir::Validator {
                    name: route.id.clone(),
                    body: v.body,
                    parameters: v.parameters,
                });
                route.policies.validation = Some(ir::ValidatorId((validators.len() - 1) as u32));
                let mut doc = OperationDoc::default();
                (def.document)(&mut doc);
                route.request = request_model(&doc);
            }
            if let (Some(name), Some(auth)) = (def.authorizer, route.policies.auth.as_mut())
                && let Some(i) = authorizers.iter().position(|a| a.name == name)
            {
                auth.authorizer = ir::AuthorizerId(i as u32);
            }
        }
        // A cached handler needs a store: the spec's `cache: {}` defaults (64MiB, 1MiB
        // entries) unless the settings give one. It caches only the routes that ask.
        let cache = self.ir.cache.or_else(|| {
            routes
                .iter()
                .any(|r| r.policies.cache.is_some())
                .then_some(ir::CacheSettings {
                    capacity: ir::ByteSize(64 << 20),
                    max_entry: ir::ByteSize(1 << 20),
                    ..ir::CacheSettings::default()
                })
        });
        let mut plans = self.ir.plans.clone();
        for (plan, key, throttle) in &self.route_throttles {
            let route = routes.iter().position(|r| route_key(r) == *key);
            if let (Some(plan), Some(route)) =
                (plans.iter_mut().find(|p| p.name == plan.as_str()), route)
            {
                plan.route_throttles.push(ir::RouteThrottle {
                    route: ir::RouteId(route as u32),
                    throttle: throttle.clone(),
                });
            }
        }
        ir::Gateway {
            routes,
            authorizers,
            validators,
            cache,
            plans,
            ..self.ir.clone()
        }
    }

    /// Gives the keys of plan `plan` a bucket of their own on one route, named `METHOD /path`
    /// as `gwc routes` prints it and a spec's `route_throttles` keys it (`GET /orders/{id}`),
    /// on top of the plan's own throttle. Names, not positions: the handlers' order is the
    /// linker's, so a position would change when handlers move. A name that matches no
    /// handler or plan stops [`App::serve`] with an error naming it.
    #[must_use]
    pub fn route_throttle(mut self, plan: &str, route: &str, throttle: ir::Throttle) -> App {
        self.route_throttles
            .push((plan.to_owned(), route.to_owned(), throttle));
        self
    }

    /// The [`App::route_throttle`]s naming a plan or route the API does not have, as a message.
    fn unknown_route_throttles(&self, ir: &ir::Gateway) -> Option<String> {
        let problems: Vec<String> = self
            .route_throttles
            .iter()
            .filter_map(|(plan, key, _)| {
                if !ir.plans.iter().any(|p| p.name == plan.as_str()) {
                    return Some(format!(
                        "route throttle of plan `{plan}` on `{key}`: there is no plan `{plan}` (add it with `App::plan`)"
                    ));
                }
                if ir.routes.iter().any(|r| route_key(r) == *key) {
                    return None;
                }
                let known: Vec<String> = ir.routes.iter().map(route_key).collect();
                Some(format!(
                    "route throttle of plan `{plan}` on `{key}`: no handler serves that route; routes are named `METHOD /path` as `#[gateway]` declares them: {}",
                    known.join(", ")
                ))
            })
            .collect();
        (!problems.is_empty()).then(|| problems.join("\n"))
    }

    /// Adds a usage plan: its throttle, quota and API keys (each a secret reference, never
    /// a value), for the routes whose attribute says `api_key = required`. Give its per-route
    /// throttles with [`App::route_throttle`], which names routes; the IR's
    /// `route_throttles` name them by position in [`App::ir`]'s routes.
    #[must_use]
    pub fn plan(mut self, plan: ir::UsagePlan) -> App {
        self.ir.plans.push(plan);
        self
    }

    /// The routes naming an authorizer the API does not have, as a message.
    fn unknown_authorizers(&self, ir: &ir::Gateway) -> Option<String> {
        let problems: Vec<String> = self
            .handlers
            .routes()
            .filter_map(|def| {
                let name = def.authorizer?;
                (!ir.authorizers.iter().any(|a| a.name == name)).then(|| {
                    format!(
                        "handler `{}` names authorizer `{name}`, which is neither a `#[gateway(authorizer = \"{name}\")]` function linked into this program nor in the API's settings",
                        def.full_path()
                    )
                })
            })
            .collect();
        (!problems.is_empty()).then(|| problems.join("\n"))
    }

    /// This app serving `handlers` instead of the linked ones (tests write their route
    /// records by hand).
    #[cfg(test)]
    pub(crate) fn with_handlers(mut self, handlers: Handlers) -> App {
        self.handlers = handlers;
        self
    }

    /// The handler table the gateway is built with.
    pub fn handlers(&self) -> &Handlers {
        &self.handlers
    }

    /// The OpenAPI 3.1 document describing the handlers, each operation with its
    /// `x-gateway-integration: {type: rust, handler: …}` and the settings of its attribute,
    /// body schemas from their types (`components/schemas`), and the API's usage plans
    /// (`x-gateway.plans`, as [`App::plan`] gave them), so `gwc build` of it serves the same API.
    pub fn openapi(&self) -> Value {
        let ir = self.ir();
        let mut paths: Map<String, Value> = Map::new();
        // One generator for every operation: a type several handlers read is one named
        // schema under `components/schemas`.
        let mut schemas = crate::handler::schema::generator();
        for (def, route) in self.handlers.routes().zip(&ir.routes) {
            let mut doc = OperationDoc::default();
            (def.document)(&mut doc);
            let mut op = Map::new();
            op.insert("operationId".into(), json!(route.id.as_ref()));
            let summary = def.doc.trim();
            if !summary.is_empty() {
                op.insert("summary".into(), json!(summary));
            }
            let mut params: Vec<Value> = doc
                .args
                .iter()
                .map(|a| {
                    json!({
                        "name": a.name,
                        "in": match a.location { ArgIn::Path => "path", ArgIn::Query => "query", ArgIn::Header => "header" },
                        "required": a.required,
                        "schema": schema_of(&a.type_name),
                    })
                })
                .filter(|p| p["in"] != "query")
                .collect();
            // A `Query<T>` whose `T` has a schema: one parameter per property of `T`.
            for schema in &doc.query_schemas {
                for (name, required, schema) in crate::handler::schema::query_parameters(*schema) {
                    params.push(json!({
                        "name": name,
                        "in": "query",
                        "required": required,
                        "schema": schema,
                    }));
                }
            }
            if !params.is_empty() {
                op.insert("parameters".into(), Value::Array(params));
            }
            if let Some((media, ty)) = &doc.body {
                let schema = match doc.body_schema {
                    Some(schema) => schema(&mut schemas).to_value(),
                    None => schema_of(ty),
                };
                op.insert(
                    "requestBody".into(),
                    json!({"required": true, "content": {*media: {"schema": schema}}}),
                );
            }
            let mut ok = json!({"description": "The handler's response."});
            if let Some(schema) = doc.response_schema {
                ok["content"] =
                    json!({"application/json": {"schema": schema(&mut schemas).to_value()}});
            }
            op.insert("responses".into(), json!({ "200": ok }));
            if let Some(auth) = &route.policies.auth
                && let Some(a) = ir.authorizers.get(auth.authorizer.index())
            {
                let mut value = json!({"authorizer": a.name.as_ref()});
                if !auth.scopes.is_empty() {
                    value["scopes"] = json!(auth.scopes);
                }
                op.insert("x-gateway-auth".into(), value);
            }
            let policies = &route.policies;
            if policies.api_key_required {
                op.insert("x-gateway-api-key".into(), json!("required"));
            }
            if let Some(t) = &policies.throttle {
                op.insert("x-gateway-throttle".into(), throttle_doc(t, true));
            }
            if let Some(c) = &policies.cache {
                let key: Vec<String> = c
                    .key
                    .iter()
                    .map(|k| match k {
                        ir::CacheKeyPart::Path(n) => format!("path.{n}"),
                        ir::CacheKeyPart::Query(n) => format!("query.{n}"),
                        ir::CacheKeyPart::Header(n) => format!("header.{n}"),
                    })
                    .collect();
                op.insert(
                    "x-gateway-cache".into(),
                    json!({"ttl": format!("{}ms", c.ttl.0), "key": key, "shared": c.shared}),
                );
            }
            if let Some(v) = def.validate {
                op.insert(
                    "x-gateway-validate".into(),
                    json!({"body": v.body, "parameters": v.parameters}),
                );
            }
            if let Integration::Rust(r) = &route.integration {
                let mut integration = json!({"type": "rust", "handler": r.handler.as_ref()});
                if route.timeout.0 > 0 {
                    integration["timeout"] = json!(format!("{}ms", route.timeout.0));
                }
                op.insert("x-gateway-integration".into(), integration);
            }
            let method = route.method.as_str().to_ascii_lowercase();
            let method = if method == "any" {
                "x-amazon-apigateway-any-method".to_owned()
            } else {
                method
            };
            let item = paths
                .entry(route.path.raw.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(method, Value::Object(op));
            }
        }
        let mut gateway = json!({"name": self.ir.name.as_ref()});
        let authorizers: Map<String, Value> = ir
            .authorizers
            .iter()
            .filter_map(|a| match &a.kind {
                ir::AuthorizerKind::Custom(c) => {
                    let handler = c.handler.as_deref()?;
                    let mut v = json!({
                        "type": "custom",
                        "handler": handler,
                        "identity_source": c.identity_sources,
                        "result_ttl": format!("{}ms", c.result_ttl.0),
                        "timeout": format!("{}ms", c.timeout.0),
                        "event": if c.token_event { "token" } else { "request" },
                    });
                    if let Some(re) = &c.identity_validation {
                        v["identity_validation"] = json!(re);
                    }
                    Some((a.name.to_string(), v))
                }
                _ => None,
            })
            .collect();
        if !authorizers.is_empty() {
            gateway["authorizers"] = Value::Object(authorizers);
        }
        if !ir.plans.is_empty() {
            gateway["plans"] = Value::Object(
                ir.plans
                    .iter()
                    .map(|p| (p.name.to_string(), plan_doc(p, &ir.routes)))
                    .collect(),
            );
        }
        if ir.api_key_source == ir::ApiKeySource::Authorizer {
            gateway["api_key_source"] = json!("authorizer");
        }
        if let Some(header) = &ir.api_key_header {
            gateway["api_key_header"] = json!(header.as_ref());
        }
        if let Some(c) = &ir.cache {
            // `methods: []`: the spec caches only the operations that say so, as here.
            gateway["cache"] = json!({
                "capacity": format!("{}B", c.capacity.0),
                "max_entry": format!("{}B", c.max_entry.0),
                "methods": [],
            });
        }
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": self.ir.name.as_ref(), "version": self.version},
            "x-gateway": gateway,
            "paths": paths,
        });
        let definitions = schemas.take_definitions(true);
        if !definitions.is_empty() {
            doc["components"] = json!({ "schemas": definitions });
        }
        doc
    }

    /// Runs the gateway: parses the runtime's flags (`--listen`, `--admin-listen`, `--stage`,
    /// …, plus `--print-openapi`, which prints [`App::openapi`] as JSON and exits), then serves
    /// until SIGTERM/SIGINT, as a generated gateway's `main` does.
    pub fn serve(self) -> ExitCode {
        use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};

        let name: &'static str = Box::leak(self.ir.name.to_string().into_boxed_str());
        let command = RuntimeArgs::command()
            .name(name)
            .about(format!("The `{name}` API gateway (Rust handlers, gwc runtime)."))
            .arg(
                Arg::new("print-openapi")
                    .long("print-openapi")
                    .action(ArgAction::SetTrue)
                    .help("Print the OpenAPI document of the handlers (with x-gateway extensions) and exit"),
            );
        let matches = command.get_matches();
        if matches.get_flag("print-openapi") {
            let doc = serde_json::to_string_pretty(&self.openapi()).unwrap_or_default();
            println!("{doc}");
            return ExitCode::SUCCESS;
        }
        let args = match RuntimeArgs::from_arg_matches(&matches) {
            Ok(args) => args,
            Err(e) => e.exit(),
        };
        let ir = self.ir();
        if let Some(problem) = self
            .unknown_authorizers(&ir)
            .or_else(|| self.unknown_route_throttles(&ir))
        {
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
        run(&ir, &args, &self.handlers)
    }
}

/// `METHOD /path`: how plans' route throttles name a route.
fn route_key(route: &ir::Route) -> String {
    format!("{} {}", route.method.as_str(), route.path.raw)
}

/// Serves a Rust-first gateway ([`App::serve`]): `gwc_runtime::serve(App::new("orders"))`.
pub fn serve(app: App) -> ExitCode {
    app.serve()
}

/// A token bucket as the vocabulary writes it (`x-gateway-throttle`, a plan's `throttle`):
/// `per` only where the scope is the spec's to choose (inside a plan it is always per key).
fn throttle_doc(t: &ir::Throttle, with_scope: bool) -> Value {
    let mut v = json!({"rate": t.rate, "burst": t.burst});
    if with_scope {
        v["per"] = json!(match &t.per {
            ir::ThrottleScope::Api => "api".to_owned(),
            ir::ThrottleScope::Ip => "ip".to_owned(),
            ir::ThrottleScope::ApiKey => "api_key".to_owned(),
            ir::ThrottleScope::Principal => "principal".to_owned(),
            ir::ThrottleScope::Header(h) => format!("header:{h}"),
        });
    }
    v
}

/// A usage plan as `x-gateway.plans.NAME` writes it: its throttle, quota, per-route throttles
/// (keyed `METHOD /path`, as the vocabulary names routes) and API keys (where each key's value
/// is, never a value: the IR holds none).
fn plan_doc(plan: &ir::UsagePlan, routes: &[ir::Route]) -> Value {
    let mut v = json!({});
    if let Some(t) = &plan.throttle {
        v["throttle"] = throttle_doc(t, false);
    }
    if let Some(q) = &plan.quota {
        let period = match q.period {
            ir::QuotaPeriod::Day => "day",
            ir::QuotaPeriod::Week => "week",
            ir::QuotaPeriod::Month => "month",
        };
        v["quota"] = json!({"limit": q.limit, "period": period, "offset": q.offset});
    }
    let route_throttles: Map<String, Value> = plan
        .route_throttles
        .iter()
        .filter_map(|rt| {
            let route = routes.get(rt.route.index())?;
            Some((
                format!("{} {}", route.method.as_str(), route.path.raw),
                throttle_doc(&rt.throttle, false),
            ))
        })
        .collect();
    if !route_throttles.is_empty() {
        v["route_throttles"] = Value::Object(route_throttles);
    }
    v["api_keys"] = plan
        .api_keys
        .iter()
        .map(|k| {
            let mut key = json!({"name": k.name.as_ref(), "enabled": k.enabled});
            match &k.value {
                ir::Secret::Env(name) => key["value_env"] = json!(name.as_ref()),
                ir::Secret::File(path) => key["value_file"] = json!(path.as_ref()),
            }
            key
        })
        .collect();
    v
}

/// What a validated handler's requests must carry, from what its extractors read: its path
/// and required header parameters, the fields its `Query<T>` types' schemas require (in the
/// order the OpenAPI document lists them, so a gateway built from the document names missing
/// ones in the same order), and its body's schema: its type's (`JsonSchema`, the one the
/// OpenAPI document gives it), self-contained; a body without one is only required.
/// Built once with the gateway's IR; the request step only looks the names up.
fn request_model(doc: &OperationDoc) -> ir::RequestModel {
    let query = doc.query_schemas.iter().flat_map(|schema| {
        crate::handler::schema::query_parameters(*schema)
            .into_iter()
            .filter(|(_, required, _)| *required)
            .map(|(name, _, _)| ir::RequiredParam {
                location: ir::ParamIn::Query,
                name: Str::Owned(name),
            })
    });
    ir::RequestModel {
        required: doc
            .args
            .iter()
            .filter(|a| a.required && a.location != ArgIn::Query)
            .map(|a| ir::RequiredParam {
                location: match a.location {
                    ArgIn::Path => ir::ParamIn::Path,
                    ArgIn::Query => ir::ParamIn::Query,
                    ArgIn::Header => ir::ParamIn::Header,
                },
                name: Str::Owned(a.name.clone()),
            })
            .chain(query)
            .collect(),
        body_required: doc.body.is_some(),
        bodies: doc
            .body
            .iter()
            .map(|(media, ty)| ir::BodySchema {
                content_type: Str::Borrowed(media),
                schema: Str::Owned(
                    match doc.body_schema {
                        Some(schema) => crate::handler::schema::self_contained(schema),
                        None => schema_of(ty),
                    }
                    .to_string(),
                ),
            })
            .collect(),
    }
}

/// A JSON Schema for a Rust type's short name, for bodies and parameters whose type has no
/// `JsonSchema`: scalars by name, anything else an object.
fn schema_of(type_name: &str) -> Value {
    match type_name {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => json!({"type": "integer"}),
        "f32" | "f64" => json!({"type": "number"}),
        "bool" => json!({"type": "boolean"}),
        "String" | "str" | "string" | "Box" | "Arc" => json!({"type": "string"}),
        "bytes" => json!({"type": "string", "format": "binary"}),
        other => json!({"type": "object", "title": other}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A route throttle that names no plan or no route is refused at start-up with a message
    /// that names it (and lists the routes there are).
    #[test]
    fn unknown_route_throttles_are_named() {
        let plan = ir::UsagePlan {
            name: "gold".into(),
            ..ir::UsagePlan::default()
        };
        let app = App::new("t")
            .plan(plan)
            .route_throttle("gold", "GET /nowhere", ir::Throttle::default())
            .route_throttle("silver", "GET /nowhere", ir::Throttle::default());
        let ir = app.ir();
        let message = app.unknown_route_throttles(&ir).expect("refused");
        assert!(
            message.contains("plan `gold` on `GET /nowhere`: no handler serves that route"),
            "{message}"
        );
        assert!(message.contains("there is no plan `silver`"), "{message}");
        assert!(App::new("t").unknown_route_throttles(&ir).is_none());
    }
}
