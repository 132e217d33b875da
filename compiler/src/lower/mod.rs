//! Lowering: the OpenAPI view plus its `x-gateway*` extensions → `gwc_ir::Gateway`.
//!
//! Reading the vocabulary (and reporting unknown or unsupported keys) is [`crate::vocab`]'s job;
//! this module turns what was read into IR values, fills the documented defaults (a spec with
//! no `x-gateway` proxies every operation to `servers[0]`), and records a [`RouteSite`] per
//! route so the checks can point at spec lines. Nothing after this module knows which dialect
//! a spec was written in.

mod aws;
mod mapping;
mod names;
mod policies;
mod references;
mod request;
mod security;

use gwc_ir::{
    AccessLog, ApiKind, ByteSize, Gateway, HeaderPair, HttpProxy, Integration, Limits, Method,
    Metrics, Millis, Mock, Observability, PathTemplate, Route, RustHandler, Stage, StageVariable,
    Str, UriTemplate,
};
use std::collections::HashSet;

use indexmap::IndexMap;

use crate::check::RouteSite;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::openapi::{Api, Operation, ParamLocation};
use crate::source::Span;
use crate::vocab;

pub use aws::AWS_DIALECT;
pub use names::crate_name_from_title;
pub use references::UNDEFINED_REFERENCE;

/// Diagnostic codes reported by lowering (stable; listed in `docs/extensions.md`).
pub mod codes {
    /// A path template the router cannot serve.
    pub const BAD_PATH_TEMPLATE: &str = "gwc::lower::bad_path_template";
    /// `default_stage` names no declared stage.
    pub const UNKNOWN_STAGE: &str = "gwc::lower::unknown_stage";
    /// `base_path` is not `/segment[/segment…]`.
    pub const BAD_BASE_PATH: &str = "gwc::lower::bad_base_path";
    /// No integration and no absolute `http://` or `https://` server URL to proxy to by default.
    pub const NO_UPSTREAM: &str = "gwc::lower::no_upstream";
    /// A header name or value that HTTP does not allow.
    pub const BAD_HEADER: &str = "gwc::lower::bad_header";
    /// The gateway name cannot be a crate name.
    pub const BAD_NAME: &str = "gwc::lower::bad_name";
    /// An integration URI with a malformed placeholder.
    pub const BAD_URI_TEMPLATE: &str = "gwc::check::bad_uri_template";
    /// A secret written into the spec instead of referenced.
    pub const LITERAL_SECRET: &str = "gwc::lower::literal_secret";
    /// A parameter-mapping value that cannot be parsed, or reads a path parameter the route
    /// does not have.
    pub const BAD_MAPPING: &str = "gwc::lower::bad_mapping";
    /// A VTL template with a syntax error.
    pub const BAD_TEMPLATE: &str = "gwc::lower::bad_template";
    /// A cache key part other than `path.NAME`, `query.NAME` or `header.NAME`.
    pub const BAD_CACHE_KEY: &str = "gwc::lower::bad_cache_key";
    /// `x-gateway-cache` on an operation when the root has no `cache`.
    pub const CACHE_WITHOUT_STORE: &str = "gwc::lower::cache_without_store";
    /// A plan's throttle that counts by something other than the API key.
    pub const BAD_THROTTLE_SCOPE: &str = "gwc::lower::bad_throttle_scope";
    /// An operation requiring an API key without a custom authorizer to return it, under
    /// `api_key_source: authorizer`.
    pub const KEY_WITHOUT_AUTHORIZER: &str = "gwc::lower::key_without_authorizer";
    /// A WAF rule naming an unknown field, IP set, managed group or group rule, or a CIDR
    /// that does not parse.
    pub const BAD_WAF_RULE: &str = "gwc::lower::bad_waf_rule";
}

/// Why the IR is being built: `gwc check`/`routes` describe a spec, `gwc build`/`serve` must be
/// able to serve it. Findings that only stop serving (no upstream to proxy to) are warnings in
/// the first case and errors in the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Describe the spec.
    Check,
    /// Serve the spec.
    Serve,
}

/// The lowered gateway and, per route, where it is written.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The IR.
    pub gateway: Gateway,
    /// `sites[i]` is where `gateway.routes[i]` comes from.
    pub sites: Vec<RouteSite>,
    /// The handler crates and state functions of spec-first Rust handlers (for `gwc build`).
    pub rust: vocab::RustHandlers,
}

/// Lowers an API. Returns `None` when a value needed to build the IR could not be read; every
/// problem found on the way is in `diags` (so a `Some` may still come with errors).
pub fn lower(api: &Api<'_>, purpose: Purpose, diags: &mut Diagnostics) -> Option<Lowered> {
    let mut complete = true;
    let root = match api
        .gateway
        .and_then(|entry| vocab::read_root(&entry.value, diags))
    {
        Some(root) => root,
        None => {
            complete &= api.gateway.is_none();
            default_root(api, diags)?
        }
    };

    // `x-gateway` is the only key of ours at the document root: a misplaced
    // `x-gateway-integration` or a misspelt `x-gatway` is reported, not ignored.
    for entry in &api.extensions {
        vocab::check_key_place(&entry.key, entry.key_span, vocab::KeyPlace::Document, diags);
    }

    aws::report_aws_keys(api, purpose, diags);
    if root.kind == vocab::ApiKind::Websocket {
        // The vocabulary has WebSocket APIs; the runtime serves them in a later release.
        let span = api
            .gateway
            .and_then(|e| e.value.get("kind"))
            .map_or(api.spec_version.span, |n| n.span);
        diags.push(
            Diagnostic::error(vocab::codes::NOT_SUPPORTED, "`x-gateway.kind: websocket` is not supported yet")
                .with_span(span, "not implemented by the runtime yet")
                .with_help("use `kind: http` (the default) or `kind: rest` for now; docs/extensions.md (\"Support status\") lists what the runtime implements"),
        );
        complete = false;
    }

    check_endpoint(api, &root, diags);

    let name = gateway_name(api, &root, diags);
    let stages = lower_stages(&root);
    let default_stage = default_stage(&root, &stages, diags);
    let base_path = base_path(&root, diags);
    let limits = lower_limits(&root.limits);
    let responses = lower_responses(&root, diags);
    let mut observability = lower_observability(api, &root, diags);
    observability.request_id_headers = request_id_headers(api, &root, diags);
    let integration_timeout = limits.integration_timeout;

    if let Some(cors) = &root.cors {
        let span = api
            .gateway
            .and_then(|e| e.value.get("cors"))
            .map_or(api.spec_version.span, |n| n.span);
        policies::check_cors(cors, span, diags);
    }
    let mut tables = policies::Tables::new(&root, diags);
    let mut routes = Vec::with_capacity(api.operations.len());
    let mut sites = Vec::with_capacity(api.operations.len());
    let mut seen_path_items: HashSet<Span> = HashSet::new();
    for op in &api.operations {
        if seen_path_items.insert(op.path_span) {
            for entry in &op.path_extensions {
                // Path items take no `x-gateway-*` keys of their own (the any-method keys are
                // operations); report them once per path, not once per operation.
                if !vocab::PATH_ITEM_KEYS.contains(&entry.key.as_str()) {
                    vocab::check_key_place(
                        &entry.key,
                        entry.key_span,
                        vocab::KeyPlace::PathItem,
                        diags,
                    );
                }
            }
        }
        match lower_operation(api, op, integration_timeout, purpose, diags) {
            Some((mut route, site, exts)) => {
                route.policies = tables.route_policies(&root, &route, &exts, diags);
                if exts.auth.is_none() && root.auth.is_none() {
                    route.policies.auth = security::route_auth(api, op, &root, purpose, diags);
                }
                if let Some(v) = route.policies.validation
                    && let Some(validator) = tables.validators.get(v.index())
                {
                    route.request = request::request_model(api, op, validator);
                }
                routes.push(route);
                sites.push(site);
            }
            None => complete = false,
        }
    }

    references::check_references(api, &root, diags);

    let tables = tables.finish(&root, &routes, diags);
    let gateway = Gateway {
        name: Str::Owned(name),
        kind: match root.kind {
            vocab::ApiKind::Http => ApiKind::Http,
            vocab::ApiKind::Rest => ApiKind::Rest,
            vocab::ApiKind::Websocket => ApiKind::Websocket,
        },
        listen: Str::Owned(root.endpoint.listen.0.clone()),
        default_stage: Str::Owned(default_stage),
        stages,
        base_path: base_path.map(Str::Owned),
        limits,
        responses,
        routes,
        observability,
        authorizers: tables.authorizers,
        api_key_source: tables.api_key_source,
        api_key_header: tables.api_key_header,
        throttle: tables.throttle,
        stage_throttles: tables.stage_throttles,
        plans: tables.plans,
        cache: tables.cache,
        waf: tables.waf,
        waf_rule_sets: tables.waf_rule_sets,
        validators: tables.validators,
        cors_policies: tables.cors_policies,
        cors: tables.root_cors,
        state: lower_state(&root.state),
        binary_media_types: lower_binary_media_types(api, &root.binary_media_types, diags),
    };
    if purpose == Purpose::Serve {
        check_handler_crates(&gateway, &sites, &root.rust, diags);
        check_authorizer_crates(&root.authorizers, &root.rust, diags);
    }
    complete.then_some(Lowered {
        gateway,
        sites,
        rust: root.rust,
    })
}

/// `gwc build` writes a dependency on each crate whose handlers the spec names, so each must
/// be declared in `x-gateway.rust.crates` (`gwc check` describes the spec without it).
fn check_handler_crates(
    gateway: &Gateway,
    sites: &[RouteSite],
    rust: &vocab::RustHandlers,
    diags: &mut Diagnostics,
) {
    if let Some(models) = &rust.models {
        let krate = models.value.split("::").next().unwrap_or_default();
        if !valid_rust_path(&models.value) || !models.value.contains("::") {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("`{}` is not a module path", models.value),
                )
                .with_span(models.span, "the typed models' module")
                .with_help("write the handler crate's module that `gwc models` output is included as, e.g. `orders_handlers::models`"),
            );
        } else if !rust.crates.keys().any(|k| k.value == krate) {
            diags.push(
                Diagnostic::error(
                    vocab::codes::MISSING_KEY,
                    format!("the models' crate `{krate}` is not declared"),
                )
                .with_span(models.span, "the typed models' module")
                .with_help(format!(
                    "add `{krate}` under `x-gateway.rust.crates`, with its folder"
                )),
            );
        }
    }
    for (route, site) in gateway.routes.iter().zip(sites) {
        let Integration::Rust(r) = &route.integration else {
            continue;
        };
        let krate = r.handler.split("::").next().unwrap_or_default();
        if krate == "crate" || !r.handler.contains("::") {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("handler `{}` does not name its crate", r.handler),
                )
                .with_span(site.integration, "in this integration")
                .with_help("a spec-first handler lives in a handler crate: write `crate_name::module::function`"),
            );
        } else if !rust.crates.keys().any(|k| k.value == krate) {
            diags.push(
                Diagnostic::error(
                    vocab::codes::MISSING_KEY,
                    format!("handler crate `{krate}` is not declared"),
                )
                .with_span(site.integration, "its handler is named here")
                .with_help(format!(
                    "add `x-gateway: {{rust: {{crates: {{{krate}: {{path: FOLDER}}}}}}}}`, the crate's folder relative to the spec's"
                )),
            );
        }
    }
}

/// As [`check_handler_crates`], for custom authorizers whose `handler` is a Rust function.
fn check_authorizer_crates(
    authorizers: &vocab::NamedMap<vocab::Authorizer>,
    rust: &vocab::RustHandlers,
    diags: &mut Diagnostics,
) {
    for (_, a) in authorizers {
        let vocab::Authorizer::Custom(c) = a else {
            continue;
        };
        let Some(handler) = &c.handler else {
            continue;
        };
        let krate = handler.value.split("::").next().unwrap_or_default();
        if krate == "crate" || !handler.value.contains("::") {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("authorizer handler `{}` does not name its crate", handler.value),
                )
                .with_span(handler.span, "in this authorizer")
                .with_help("a spec-first Rust authorizer lives in a handler crate: write `crate_name::module::function`"),
            );
        } else if !rust.crates.keys().any(|k| k.value == krate) {
            diags.push(
                Diagnostic::error(
                    vocab::codes::MISSING_KEY,
                    format!("handler crate `{krate}` is not declared"),
                )
                .with_span(handler.span, "its authorizer function is named here")
                .with_help(format!(
                    "add `x-gateway: {{rust: {{crates: {{{krate}: {{path: FOLDER}}}}}}}}`, the crate's folder relative to the spec's"
                )),
            );
        }
    }
}

/// The value of `x-gateway.endpoint.<key>` as written, for its span.
fn endpoint_node<'a>(api: &Api<'a>, key: &str) -> Option<&'a crate::load::Node> {
    api.gateway?.value.get("endpoint")?.get(key)
}

/// Checks that `x-gateway.endpoint.type` is `regional`: `private` and `edge` are described by
/// the vocabulary but not enforced yet, so they must not pass silently. (The listen address is
/// checked where it is read, in the runtime's grammar.)
fn check_endpoint(api: &Api<'_>, root: &vocab::Root, diags: &mut Diagnostics) {
    let endpoint_type = match root.endpoint.endpoint_type {
        vocab::EndpointType::Regional => None,
        vocab::EndpointType::Private => Some("private"),
        vocab::EndpointType::Edge => Some("edge"),
    };
    if let Some(name) = endpoint_type {
        let span = endpoint_node(api, "type").map_or(api.spec_version.span, |n| n.span);
        let help = match name {
            "private" => {
                "remove it (the endpoint is `regional`: any client that reaches the address can connect); until private endpoints land, bind a private address with `listen` or filter in front of the gateway"
            }
            _ => "remove it (the endpoint is `regional`); run one gateway per region for now",
        };
        diags.push(
            Diagnostic::error(
                vocab::codes::NOT_SUPPORTED,
                format!("`x-gateway.endpoint.type: {name}` is not supported yet"),
            )
            .with_span(span, "not implemented by the runtime yet")
            .with_help(format!(
                "{help}; docs/extensions.md (\"Support status\") lists what the runtime implements"
            )),
        );
    }
}

/// The vocabulary's defaults, read from an empty `x-gateway` mapping so that they come from
/// the one place they are declared (the serde defaults of [`vocab::Root`]).
fn default_root(api: &Api<'_>, diags: &mut Diagnostics) -> Option<vocab::Root> {
    let span = api.spec_version.span;
    let empty = crate::load::Node {
        value: crate::load::Value::Map(Vec::new()),
        span,
    };
    vocab::read_root(&empty, diags)
}

fn gateway_name(api: &Api<'_>, root: &vocab::Root, diags: &mut Diagnostics) -> String {
    if let Some(name) = &root.name {
        if names::is_crate_name(&name.value) {
            return name.value.clone();
        }
        diags.push(
            Diagnostic::error(
                codes::BAD_NAME,
                format!("`{}` cannot name a gateway crate", name.value),
            )
            .with_span(name.span, "the generated crate and binary take this name")
            .with_help(format!(
                "use lower-case letters, digits and `-`, starting with a letter, e.g. `{}`",
                crate_name_from_title(&name.value)
            )),
        );
    }
    let title = api.title.as_ref().map_or("", |t| t.value.as_str());
    crate_name_from_title(title)
}

fn lower_stages(root: &vocab::Root) -> Vec<Stage> {
    if root.stages.is_empty() {
        return vec![Stage {
            name: Str::Borrowed("default"),
            variables: Vec::new(),
        }];
    }
    root.stages
        .iter()
        .map(|(name, stage)| Stage {
            name: Str::Owned(name.value.clone()),
            variables: stage
                .variables
                .iter()
                .map(|(k, v)| StageVariable {
                    name: Str::Owned(k.value.clone()),
                    value: Str::Owned(v.clone()),
                })
                .collect(),
        })
        .collect()
}

fn default_stage(root: &vocab::Root, stages: &[Stage], diags: &mut Diagnostics) -> String {
    let first = stages
        .first()
        .map_or_else(|| "default".to_owned(), |s| s.name.to_string());
    let Some(chosen) = &root.default_stage else {
        return first;
    };
    if stages.iter().any(|s| s.name == chosen.value.as_str()) {
        return chosen.value.clone();
    }
    let declared: Vec<&str> = stages.iter().map(|s| s.name.as_ref()).collect();
    let help = match names::closest(&chosen.value, &declared) {
        Some(best) => format!("did you mean `{best}`?"),
        None if root.stages.is_empty() => {
            "declare it under `x-gateway.stages`, e.g. `stages: {prod: {variables: {}}}`".to_owned()
        }
        None => format!("declared stages: {}", names::quoted_list(&declared)),
    };
    diags.push(
        Diagnostic::error(
            codes::UNKNOWN_STAGE,
            format!(
                "`default_stage` names `{}`, which is not a declared stage",
                chosen.value
            ),
        )
        .with_span(chosen.span, "no such stage")
        .with_help(help),
    );
    first
}

fn base_path(root: &vocab::Root, diags: &mut Diagnostics) -> Option<String> {
    let base = root.base_path.as_ref()?;
    if gwc_ir::valid_base_path(&base.value) {
        return Some(base.value.clone());
    }
    let suggestion = format!("/{}", base.value.trim_matches('/'));
    diags.push(
        Diagnostic::error(codes::BAD_BASE_PATH, format!("base path `{}` is not valid", base.value))
            .with_span(base.span, "expected `/name` or `/name/more`")
            .with_help(format!(
                "a base path starts with `/`, does not end with `/` and has no parameters; e.g. `{suggestion}`"
            )),
    );
    None
}

fn lower_state(state: &vocab::State) -> gwc_ir::StateConfig {
    gwc_ir::StateConfig {
        backend: Str::Owned(state.backend.0.clone()),
        on_failure: match state.on_failure {
            vocab::FailMode::Open => gwc_ir::FailMode::Open,
            vocab::FailMode::Closed => gwc_ir::FailMode::Closed,
        },
        key_prefix: Str::Owned(state.key_prefix.clone()),
        timeout: state.timeout.0,
    }
}

/// Parses an integration URI once, here where its span is known; a malformed one is reported
/// and kept as plain text (the error stops `gwc build`, and later checks skip it).
fn uri_template(
    raw: &str,
    span: Span,
    site: &mut RouteSite,
    diags: &mut Diagnostics,
) -> UriTemplate {
    match UriTemplate::parse(raw) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(codes::BAD_URI_TEMPLATE, e.to_string())
                    .with_span(span, "in this URI")
                    .with_help("placeholders are `${stageVariables.NAME}` and `{pathParam}`"),
            );
            site.bad_uri = true;
            UriTemplate {
                raw: Str::Owned(raw.to_owned()),
                parts: vec![gwc_ir::UriPart::Text(Str::Owned(raw.to_owned()))],
            }
        }
    }
}

fn lower_limits(limits: &vocab::Limits) -> Limits {
    Limits {
        max_body: ByteSize(limits.max_body.0.0),
        max_header: ByteSize(limits.max_header.0.0),
        header_read_timeout: limits.header_read_timeout.0,
        body_read_timeout: limits.body_read_timeout.0,
        integration_timeout: limits.integration_timeout.0,
        idle_timeout: limits.idle_timeout.0,
        underscores_in_headers: limits.underscores_in_headers,
    }
}

/// Access log and metrics settings; an access-log template naming an unknown `$context`
/// variable is reported at its line (the runtime would refuse to start with it).
fn lower_observability(
    api: &Api<'_>,
    root: &vocab::Root,
    diags: &mut Diagnostics,
) -> Observability {
    let vocab::Observability {
        access_log,
        metrics,
        ..
    } = &root.observability;
    if access_log.format != "json"
        && let Err(e) = gwc_ir::parse_log_format(&access_log.format)
    {
        let span = api
            .gateway
            .and_then(|e| e.value.get("observability"))
            .and_then(|n| n.get("access_log"))
            .and_then(|n| n.get("format"))
            .map_or(api.spec_version.span, |n| n.span);
        let names: Vec<&str> = gwc_ir::ContextVar::NAMES.iter().map(|(n, _)| *n).collect();
        let help = match &e {
            gwc_ir::LogFormatError::UnknownVariable(name) => {
                names::closest(name, &names).map(|best| format!("did you mean `$context.{best}`?"))
            }
            gwc_ir::LogFormatError::NoVariable(_) => None,
        };
        let help = help.unwrap_or_else(|| {
            format!(
                "use `json`, `clf` or a template of `$context.NAME` variables; NAME is one of {}, authorizer.claims.CLAIM, authorizer.KEY",
                names.join(", ")
            )
        });
        diags.push(
            Diagnostic::error(vocab::codes::INVALID_VALUE, e.to_string())
                .with_span(span, "in this access log format")
                .with_help(help),
        );
    }
    Observability {
        request_id_headers: Vec::new(),
        access_log: AccessLog {
            enabled: access_log.enabled,
            format: Str::Owned(access_log.format.clone()),
            destination: Str::Owned(access_log.destination.clone()),
        },
        metrics: Metrics {
            enabled: metrics.enabled,
            path: Str::Owned(metrics.path.clone()),
            route_label: metrics.route_label,
        },
    }
}

/// The response headers the request id goes in: the spec's list (lower-cased, each a valid
/// header name, none twice, none HTTP or the gateway reserves), else the kind's default.
fn request_id_headers(api: &Api<'_>, root: &vocab::Root, diags: &mut Diagnostics) -> Vec<Str> {
    let Some(names) = &root.observability.request_id_headers else {
        let mut names = vec![Str::Borrowed(gwc_ir::X_REQUEST_ID)];
        if root.kind == vocab::ApiKind::Rest {
            names.push(Str::Borrowed(gwc_ir::X_AMZN_REQUEST_ID));
        }
        return names;
    };
    let list = api
        .gateway
        .and_then(|e| e.value.get("observability"))
        .and_then(|n| n.get("request_id_headers"));
    let mut out: Vec<Str> = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let span = list
            .and_then(|n| n.as_seq())
            .and_then(|items| items.get(i))
            .or(list)
            .map_or(api.spec_version.span, |n| n.span);
        let lower = name.trim().to_ascii_lowercase();
        let problem = if http::HeaderName::from_bytes(lower.as_bytes()).is_err() {
            Some((
                format!("`{name}` is not a valid header name"),
                "a header name is letters, digits and `!#$%&'*+-.^_`|~`, such as `x-request-id`"
                    .to_owned(),
            ))
        } else if gwc_ir::RESERVED_REQUEST_ID_HEADERS.contains(&lower.as_str()) {
            Some((
                format!("`{name}` cannot carry the request id"),
                "HTTP or the gateway sets this header for its own purpose; use a name of your own, such as `x-request-id` or `x-correlation-id`".to_owned(),
            ))
        } else if out.iter().any(|n| **n == *lower) {
            Some((
                format!("`{name}` is listed twice"),
                "list each header once".to_owned(),
            ))
        } else {
            None
        };
        match problem {
            Some((message, help)) => diags.push(
                Diagnostic::error(vocab::codes::INVALID_VALUE, message)
                    .with_span(span, "in this request id header")
                    .with_help(help),
            ),
            None => out.push(Str::Owned(lower)),
        }
    }
    out
}

fn lower_responses(root: &vocab::Root, diags: &mut Diagnostics) -> Vec<gwc_ir::GatewayResponse> {
    root.responses
        .iter()
        .map(|(error_type, response)| gwc_ir::GatewayResponse {
            error_type: error_type.value.0,
            status: response.status.map(|s| s.0),
            headers: lower_headers(&response.headers, error_type.span, diags),
            templates: lower_response_templates(response, error_type.span, diags),
        })
        .collect()
}

/// A gateway response's bodies by content type: `body` is `application/json`'s, then
/// `templates` in spec order.
fn lower_response_templates(
    response: &vocab::GatewayResponse,
    span: Span,
    diags: &mut Diagnostics,
) -> Vec<gwc_ir::ContentTemplate> {
    let json = response
        .body
        .iter()
        .map(|body| ("application/json", body.as_str()));
    let others = response
        .templates
        .iter()
        .map(|(content_type, body)| (content_type.as_str(), body.as_str()));
    let mut out: Vec<gwc_ir::ContentTemplate> = Vec::new();
    for (content_type, body) in json.chain(others) {
        let content_type = content_type.trim().to_ascii_lowercase();
        if http::HeaderValue::from_str(&content_type).is_err() || !content_type.contains('/') {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("`{content_type}` is not a content type"),
                )
                .with_span(span, "this gateway response")
                .with_help("write a media type such as `application/json` or `text/html`"),
            );
            continue;
        }
        if out.iter().any(|t| *t.content_type == *content_type) {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("this gateway response has two bodies for `{content_type}`"),
                )
                .with_span(span, "this gateway response")
                .with_help("`body` is the `application/json` body: keep it or `templates.application/json`, not both"),
            );
            continue;
        }
        let template = check_template(body, span, "this gateway response's body", diags);
        out.push(gwc_ir::ContentTemplate {
            content_type: Str::Owned(content_type),
            template,
        });
    }
    out
}

/// Parses a VTL template now, so a syntax error is reported at the spec (with its line and
/// column inside the template) rather than when the gateway starts, and the IR carries the
/// parsed form (which `gwc build` writes into the generated crate).
pub(super) fn check_template(
    template: &str,
    span: Span,
    what: &str,
    diags: &mut Diagnostics,
) -> gwc_ir::vtl::VtlTemplate {
    let parsed = gwc_ir::vtl::parse(template);
    if let Err(e) = &parsed {
        let before = &template[..e.offset.min(template.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        diags.push(
            Diagnostic::error(
                codes::BAD_TEMPLATE,
                format!("template syntax: {} (template line {line}, column {column})", e.message),
            )
            .with_span(span, what)
            .with_help("templates are Velocity (VTL) as in AWS API Gateway: `$ref`, `#set(...)`, `#if(...) ... #end`, `#foreach($x in $list) ... #end`"),
        );
    }
    gwc_ir::vtl::VtlTemplate {
        source: Str::Owned(template.to_owned()),
        parsed: parsed.ok().map(std::sync::Arc::new),
    }
}

/// Converts headers, reporting names and values HTTP does not allow (the runtime would refuse
/// them at start-up; better to say so at the spec line).
fn lower_headers(
    headers: &IndexMap<String, String>,
    span: Span,
    diags: &mut Diagnostics,
) -> Vec<HeaderPair> {
    let mut out = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
            diags.push(
                Diagnostic::error(
                    codes::BAD_HEADER,
                    format!("`{name}` is not a valid header name"),
                )
                .with_span(span, "in these headers")
                .with_help(
                    "header names are letters, digits and `!#$%&'*+-.^_`|~`, e.g. `content-type`",
                ),
            );
            continue;
        }
        if http::HeaderValue::from_str(value).is_err() {
            diags.push(
                Diagnostic::error(
                    codes::BAD_HEADER,
                    format!("the value of header `{name}` is not valid"),
                )
                .with_span(span, "in these headers")
                .with_help("header values are visible ASCII, spaces and tabs; no line breaks"),
            );
            continue;
        }
        out.push(HeaderPair {
            name: Str::Owned(name.clone()),
            value: Str::Owned(value.clone()),
        });
    }
    out
}

fn lower_operation(
    api: &Api<'_>,
    op: &Operation<'_>,
    default_timeout: Millis,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> Option<(Route, RouteSite, vocab::OperationExtensions)> {
    let exts = vocab::read_operation(op.extensions.iter().copied(), diags);
    let path = match PathTemplate::parse(&op.path) {
        Ok(path) => path,
        Err(error) => {
            diags.push(path_error(&op.path, op.path_span, &error));
            return None;
        }
    };
    let declared_path_params = op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| (p.name.clone(), p.span))
        .collect();
    let mut site = RouteSite {
        path: op.path_span,
        method: op.method_span,
        integration: op.method_span,
        uri: None,
        declared_path_params,
        describe_only: false,
        bad_uri: false,
    };
    // The route's one timeout: the integration's own, else the API-wide default.
    let mut timeout = default_timeout;
    let mut mapping = gwc_ir::Mapping::default();
    let mut body_mapping = gwc_ir::BodyMapping::default();
    let integration = match &exts.integration {
        Some(spanned) => {
            site.integration = spanned.span;
            match &spanned.value {
                vocab::Integration::HttpProxy(p) => {
                    site.uri = Some(p.uri.span);
                    if let Some(t) = p.timeout {
                        timeout = t.0;
                    }
                    mapping = mapping::lower_proxy_mapping(p, spanned.span, diags);
                    Integration::HttpProxy(HttpProxy {
                        uri: uri_template(&p.uri.value, p.uri.span, &mut site, diags),
                    })
                }
                vocab::Integration::Mock(m) => {
                    body_mapping = mapping::lower_mock_mapping(m, spanned.span, diags);
                    Integration::Mock(Mock {
                        status: m.status.0,
                        headers: lower_headers(&m.headers, spanned.span, diags),
                        body: Str::Owned(m.body.clone()),
                    })
                }
                vocab::Integration::Http(h) => {
                    site.uri = Some(h.uri.span);
                    if let Some(t) = h.timeout {
                        timeout = t.0;
                    }
                    let (m, b) = mapping::lower_http_mapping(h, spanned.span, diags);
                    mapping = m;
                    body_mapping = b;
                    // A non-proxy integration is the proxy's transport with its request and
                    // response mapped: the runtime needs no second HTTP client.
                    Integration::HttpProxy(HttpProxy {
                        uri: uri_template(&h.uri.value, h.uri.span, &mut site, diags),
                    })
                }
                vocab::Integration::Rust(r) => {
                    if let Some(t) = r.timeout {
                        timeout = t.0;
                    }
                    if !valid_rust_path(&r.handler.value) {
                        diags.push(
                            Diagnostic::error(
                                vocab::codes::INVALID_VALUE,
                                format!("`{}` is not a Rust path", r.handler.value),
                            )
                            .with_span(r.handler.span, "expected `crate_name::module::function`")
                            .with_help("name the `#[gateway]` function by its path, e.g. `orders_handlers::orders::create`"),
                        );
                    }
                    Integration::Rust(RustHandler {
                        handler: Str::Owned(r.handler.value.clone()),
                    })
                }
            }
        }
        None => default_integration(api, op, purpose, &mut site, diags)?,
    };
    for part in mapping.request.iter().flat_map(|c| &c.value) {
        if let gwc_ir::ValuePart::RequestPath(name) = part
            && !path.params().any(|p| p == name.as_ref())
        {
            diags.push(
                Diagnostic::error(
                    codes::BAD_MAPPING,
                    format!(
                        "mapping reads `$request.path.{name}`, which is not a parameter of `{}`",
                        op.path
                    ),
                )
                .with_span(site.integration, "in this integration's mapping")
                .with_help(format!(
                    "the path's parameters: {}",
                    path.params()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let id = match &op.operation_id {
        Some(id) => id.value.clone(),
        None => format!("{} {}", op.method.as_str(), op.path),
    };
    Some((
        Route {
            id: Str::Owned(id),
            method: op.method,
            path,
            integration,
            timeout,
            policies: gwc_ir::RoutePolicies::default(),
            request: gwc_ir::RequestModel::default(),
            mapping,
            body_mapping,
        },
        site,
        exts,
    ))
}

/// The integration of an operation without `x-gateway-integration`: proxy to `servers[0]`
/// followed by the operation's path template.
fn default_integration(
    api: &Api<'_>,
    op: &Operation<'_>,
    purpose: Purpose,
    site: &mut RouteSite,
    diags: &mut Diagnostics,
) -> Option<Integration> {
    let server = api.servers.first();
    match server {
        Some(s) if s.url.starts_with("http://") || s.url.starts_with("https://") => {
            site.uri = Some(s.span);
            let base = s.url.trim_end_matches('/');
            let uri = if op.path == "/" {
                format!("{base}/")
            } else {
                format!("{base}{}", op.path)
            };
            let span = s.span;
            Some(Integration::HttpProxy(HttpProxy {
                uri: uri_template(&uri, span, site, diags),
            }))
        }
        _ => {
            // Reported once per document, not once per operation.
            let first = api.operations.first().map(|o| o.method_span) == Some(op.method_span);
            if first || purpose == Purpose::Serve {
                diags.push(no_upstream(
                    server.map(|s| (s.url.as_str(), s.span)),
                    op,
                    purpose,
                ));
            }
            match purpose {
                Purpose::Serve => None,
                // Described, not served: the route table shows where it would go.
                Purpose::Check => {
                    site.describe_only = true;
                    let base = server.map_or("", |s| s.url.trim_end_matches('/'));
                    let uri = format!("{base}{}", op.path);
                    Some(Integration::HttpProxy(HttpProxy {
                        uri: UriTemplate::parse(&uri).unwrap_or_else(|_| UriTemplate {
                            raw: Str::Owned(uri.clone()),
                            parts: vec![gwc_ir::UriPart::Text(Str::Owned(uri.clone()))],
                        }),
                    }))
                }
            }
        }
    }
}

fn no_upstream(server: Option<(&str, Span)>, op: &Operation<'_>, purpose: Purpose) -> Diagnostic {
    let message = match server {
        None => "operations without `x-gateway-integration` proxy to `servers[0]`, and the document has no servers".to_owned(),
        Some((url, _)) => format!(
            "operations without `x-gateway-integration` proxy to `servers[0]`, and `{url}` is not an absolute `http://` or `https://` URL"
        ),
    };
    let d = match purpose {
        Purpose::Check => Diagnostic::warning(codes::NO_UPSTREAM, message),
        Purpose::Serve => Diagnostic::error(codes::NO_UPSTREAM, message),
    };
    let d = match server {
        Some((_, span)) => d.with_span(span, "the default upstream"),
        None => d.with_span(op.method_span, "this operation has no integration"),
    };
    d.with_help(
        "add `servers: [{url: \"http://HOST:PORT\"}]`, or give each operation an `x-gateway-integration` (see docs/extensions.md)",
    )
}

fn path_error(raw: &str, span: Span, error: &gwc_ir::PathError) -> Diagnostic {
    let help = match error {
        gwc_ir::PathError::GreedyNotLast(name) => format!(
            "segments after `{{{name}+}}` are shadowed by it and can never match; make the greedy parameter the last segment"
        ),
        gwc_ir::PathError::NotAbsolute => format!("write `/{raw}`"),
        gwc_ir::PathError::MalformedParam(_) => {
            "a segment holds at most one `{name}` (with literal text around it, e.g. `{id}.json`) or is exactly `{name+}`".to_owned()
        }
        gwc_ir::PathError::DuplicateParam(_) => "rename one of the parameters".to_owned(),
        gwc_ir::PathError::EmptySegment => "remove the doubled `/`".to_owned(),
    };
    Diagnostic::error(
        codes::BAD_PATH_TEMPLATE,
        format!("path template `{raw}`: {error}"),
    )
    .with_span(span, "in this path")
    .with_help(help)
}

/// Every method a route can be declared with, for docs and tests.
pub const METHODS: [Method; 9] = [
    Method::Get,
    Method::Put,
    Method::Post,
    Method::Delete,
    Method::Options,
    Method::Head,
    Method::Patch,
    Method::Trace,
    Method::Any,
];

/// `a::b::c`: identifiers separated by `::` (a leading `crate::` allowed), as a Rust path to a
/// function is written.
fn valid_rust_path(path: &str) -> bool {
    !path.is_empty()
        && path.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
                && seg != "_"
        })
}

/// `binary_media_types`, lower case; each must be `type/subtype`, `type/*` or `*/*`.
fn lower_binary_media_types(api: &Api<'_>, types: &[String], diags: &mut Diagnostics) -> Vec<Str> {
    let mut out = Vec::with_capacity(types.len());
    for t in types {
        let lower = t.trim().to_ascii_lowercase();
        let ok = lower.split_once('/').is_some_and(|(a, b)| {
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+*".contains(&c))
            };
            token(a)
                && token(b)
                && (a != "*" || b == "*")
                && (!a.contains('*') || a == "*")
                && (!b.contains('*') || b == "*")
        });
        if ok {
            out.push(Str::Owned(lower));
        } else {
            let span = api
                .gateway
                .and_then(|e| e.value.get("binary_media_types"))
                .map_or(api.spec_version.span, |n| n.span);
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("`{t}` is not a media type"),
                )
                .with_span(span, "in this list")
                .with_help(
                    "write `type/subtype`, `type/*` or `*/*`, e.g. `image/png` or `image/*`",
                ),
            );
        }
    }
    out
}
