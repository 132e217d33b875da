//! The whole gateway: API-wide settings, stages and the route list.

use serde::{Deserialize, Serialize};

use crate::{
    ApiKeySource, Authorizer, AuthorizerKind, ByteSize, CorsId, CorsPolicy, ErrorType,
    GatewayResponse, Integration, Millis, Observability, Route, StateConfig, Str, Throttle,
    UriPart, UsagePlan, ValidationError, Validator, WafRuleSet, WafRuleSetId,
};

/// How the API behaves where AWS's API flavours differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// Our native behaviour: unknown route → 404 JSON, known path with another method → 405.
    #[default]
    Http,
    /// AWS REST behaviour: unknown route or method → 403 `Missing Authentication Token`.
    Rest,
    /// A WebSocket API.
    Websocket,
}

impl ApiKind {
    /// Spec spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiKind::Http => "http",
            ApiKind::Rest => "rest",
            ApiKind::Websocket => "websocket",
        }
    }
}

/// One variable of a stage, substituted into integration URIs at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageVariable {
    /// Name used as `${stageVariables.NAME}`.
    pub name: Str,
    /// Value.
    pub value: Str,
}

/// A deployment target (`dev`, `prod`) with its variables; one is chosen per process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Stage name.
    pub name: Str,
    /// Variables in spec order.
    pub variables: Vec<StageVariable>,
}

/// Protection limits; every default is AWS's where AWS has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest request body accepted (AWS: 10 MiB) → 413.
    pub max_body: ByteSize,
    /// Largest request head (request line plus headers) → 431.
    pub max_header: ByteSize,
    /// Time a client has to send a request head (on a new connection from the accept, on a
    /// kept-alive one from the head's first byte) → connection closed.
    pub header_read_timeout: Millis,
    /// Time allowed between two reads of a request body while one is pending (nginx's
    /// `client_body_timeout`) → 408, upstream exchange aborted, connection closed. `0` turns
    /// it off.
    pub body_read_timeout: Millis,
    /// API-wide default of the time a backend has to answer (AWS: 29 s) → 504. The compiler
    /// resolves each route's `Route::timeout` from it; the runtime reads only `Route::timeout`.
    pub integration_timeout: Millis,
    /// Kept-alive connections waiting for their next request are closed after this long.
    pub idle_timeout: Millis,
    /// Forward request headers whose names contain `_`. Off by default (nginx's
    /// `underscores_in_headers off`): CGI-style backends read `X_Forwarded_For` and
    /// `X-Forwarded-For` as the same variable, so a client could override gateway headers.
    pub underscores_in_headers: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: ByteSize(10 << 20),
            max_header: ByteSize(16 << 10),
            header_read_timeout: Millis(10_000),
            body_read_timeout: Millis(10_000),
            integration_timeout: Millis(29_000),
            idle_timeout: Millis(60_000),
            underscores_in_headers: false,
        }
    }
}

/// The gateway: everything the runtime needs, nothing it would have to parse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gateway {
    /// Name for logs, metrics and `--help`.
    pub name: Str,
    /// API flavour.
    pub kind: ApiKind,
    /// Default listen address, `HOST:PORT` as [`crate::ListenAddr`] parses it (a host name is
    /// resolved at start-up); `--listen` overrides it. Empty: none (`--listen` is required).
    pub listen: Str,
    /// Stage deployed when none is chosen at start-up.
    pub default_stage: Str,
    /// Declared stages.
    pub stages: Vec<Stage>,
    /// Prefix every route is served under (e.g. `/prod`); `--base-path` overrides it.
    pub base_path: Option<Str>,
    /// Protection limits.
    pub limits: Limits,
    /// Gateway-response overrides.
    pub responses: Vec<GatewayResponse>,
    /// Routes in spec order.
    pub routes: Vec<Route>,
    /// Access log and metrics settings (absent in older serialised IR: the defaults).
    #[serde(default)]
    pub observability: Observability,
    /// Authorizers routes name with [`crate::AuthorizerId`].
    pub authorizers: Vec<Authorizer>,
    /// Where API keys are read from.
    pub api_key_source: ApiKeySource,
    /// The request header an API key is read from (lower case), when `api_key_source` is
    /// `header`; `None`: `x-api-key`.
    #[serde(default)]
    pub api_key_header: Option<Str>,
    /// One token bucket for every request of the API (all routes together), in addition to
    /// every other applicable limit. `None`: none.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Per-stage default route throttles: each route of the stage gets its own bucket with
    /// these settings, unless the route has its own (`RoutePolicies::throttle`).
    #[serde(default)]
    pub stage_throttles: Vec<StageThrottle>,
    /// Usage plans ([`crate::PlanId`]).
    pub plans: Vec<UsagePlan>,
    /// The response cache's store; routes opt in with `RoutePolicies::cache`. `None`: no cache.
    pub cache: Option<CacheSettings>,
    /// The rule set run for every request, matched or not.
    pub waf: Option<WafRuleSetId>,
    /// WAF rule sets ([`crate::WafRuleSetId`]).
    pub waf_rule_sets: Vec<WafRuleSet>,
    /// Request validators ([`crate::ValidatorId`]).
    pub validators: Vec<Validator>,
    /// CORS policies ([`crate::CorsId`]).
    pub cors_policies: Vec<CorsPolicy>,
    /// The API-wide CORS policy: answers preflights and decorates responses of requests no
    /// route matched (routes name theirs in `RoutePolicies::cors`). `None`: no API-wide CORS.
    #[serde(default)]
    pub cors: Option<CorsId>,
    /// Where shared state lives.
    pub state: StateConfig,
    /// Media types whose payloads are binary (AWS REST's `binaryMediaTypes`), lower case;
    /// `type/*` and `*/*` are wildcards. Empty: every payload passes through untouched.
    /// Set: a response's form follows the first media type of the client's `Accept`.
    #[serde(default)]
    pub binary_media_types: Vec<Str>,
}

impl Default for Gateway {
    /// A gateway without routes, with one stage `default`: a valid base for hand-built IR.
    fn default() -> Self {
        Gateway {
            name: Str::Borrowed("gateway"),
            kind: ApiKind::Http,
            listen: Str::Borrowed(""),
            default_stage: Str::Borrowed("default"),
            stages: vec![Stage {
                name: Str::Borrowed("default"),
                variables: Vec::new(),
            }],
            base_path: None,
            limits: Limits::default(),
            responses: Vec::new(),
            routes: Vec::new(),
            authorizers: Vec::new(),
            api_key_source: ApiKeySource::Header,
            api_key_header: None,
            throttle: None,
            stage_throttles: Vec::new(),
            plans: Vec::new(),
            cache: None,
            waf: None,
            waf_rule_sets: Vec::new(),
            validators: Vec::new(),
            cors_policies: Vec::new(),
            cors: None,
            state: StateConfig::default(),
            observability: Observability::default(),
            binary_media_types: Vec::new(),
        }
    }
}

/// A stage's default throttle for each of its routes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageThrottle {
    /// The stage.
    pub stage: Str,
    /// Each route's bucket in that stage.
    pub throttle: Throttle,
}

/// The response cache's store (per process, or in Redis with a Redis state backend).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSettings {
    /// Memory for cached responses.
    pub capacity: ByteSize,
    /// Largest response body stored.
    pub max_entry: ByteSize,
    /// Encrypt entries at rest.
    pub encrypted: bool,
    /// Who may bypass the cache with `Cache-Control: max-age=0`.
    pub client_invalidation: ClientInvalidation,
    /// What a `Cache-Control: max-age=0` from a client who may not bypass gets.
    #[serde(default)]
    pub unauthorized_invalidation: UnauthorizedInvalidation,
}

/// AWS's `unauthorizedCacheControlHeaderStrategy`: the answer to a client that asks to bypass
/// the cache without being allowed to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnauthorizedInvalidation {
    /// Refuse the request with 403.
    FailWith403,
    /// Serve it as if the header were absent, with a `Warning` header saying it was ignored.
    #[default]
    SucceedWithResponseHeader,
    /// Serve it as if the header were absent.
    SucceedWithoutResponseHeader,
}

/// Who may bypass the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientInvalidation {
    /// Nobody.
    Nobody,
    /// Callers an authorizer allowed.
    #[default]
    Authorized,
    /// Everyone.
    Anyone,
}

impl Gateway {
    /// Checks what the types cannot: unique routes, known default stage, valid statuses.
    /// Returns every problem, not just the first.
    pub fn validate(&self) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let mut seen: Vec<(crate::Method, String, &str)> = Vec::with_capacity(self.routes.len());
        for route in &self.routes {
            let shape = route.path.shape();
            if let Some((_, _, first)) = seen
                .iter()
                .find(|(m, s, _)| *m == route.method && *s == shape)
            {
                errors.push(ValidationError::DuplicateRoute {
                    first: (*first).to_owned(),
                    second: route.id.to_string(),
                    method: route.method.as_str(),
                    shape: shape.clone(),
                });
            }
            seen.push((route.method, shape, &route.id));
            self.validate_route(route, &mut errors);
            if let Integration::Mock(m) = &route.integration
                && !(100..=599).contains(&m.status)
            {
                errors.push(ValidationError::BadStatus(m.status));
            }
        }
        if !self.stages.iter().any(|s| s.name == self.default_stage) {
            errors.push(ValidationError::UnknownStage(
                self.default_stage.to_string(),
            ));
        }
        if let Some(base) = &self.base_path
            && !valid_base_path(base)
        {
            errors.push(ValidationError::BadBasePath(base.to_string()));
        }
        if !self.listen.is_empty()
            && let Err(e) = crate::ListenAddr::parse(&self.listen)
        {
            errors.push(ValidationError::BadListen(e));
        }
        for r in &self.responses {
            if let Some(status) = r.status
                && !(100..=599).contains(&status)
            {
                errors.push(ValidationError::BadStatus(status));
            }
        }
        let format = &self.observability.access_log.format;
        if format != "json"
            && let Err(e) = crate::parse_log_format(format)
        {
            errors.push(ValidationError::BadLogFormat(e));
        }
        for authorizer in &self.authorizers {
            if let AuthorizerKind::Custom(c) = &authorizer.kind
                && let Some(name) = c.uri.params().next()
            {
                errors.push(ValidationError::UnknownUriParam {
                    route: format!("authorizer {}", authorizer.name),
                    name: name.to_owned(),
                });
            }
        }
        for plan in &self.plans {
            for t in &plan.route_throttles {
                if t.route.index() >= self.routes.len() {
                    errors.push(ValidationError::BadId {
                        owner: format!("plan {}", plan.name),
                        table: "routes",
                        id: t.route.0,
                    });
                }
            }
        }
        if let Some(id) = self.waf {
            self.check_id(
                "api",
                "waf_rule_sets",
                id.0,
                self.waf_rule_sets.len(),
                &mut errors,
            );
        }
        if let Some(id) = self.cors {
            self.check_id(
                "api",
                "cors_policies",
                id.0,
                self.cors_policies.len(),
                &mut errors,
            );
        }
        if self.state.backend.is_empty() {
            errors.push(ValidationError::EmptyStateBackend);
        }
        errors
    }

    fn check_id(
        &self,
        owner: &str,
        table: &'static str,
        id: u32,
        len: usize,
        errors: &mut Vec<ValidationError>,
    ) {
        if id as usize >= len {
            errors.push(ValidationError::BadId {
                owner: owner.to_owned(),
                table,
                id,
            });
        }
    }

    /// Per-route checks: table ids in range, URI parameters the path declares.
    fn validate_route(&self, route: &Route, errors: &mut Vec<ValidationError>) {
        let p = &route.policies;
        let owner = || format!("route {}", route.id);
        if let Some(auth) = &p.auth {
            self.check_id(
                &owner(),
                "authorizers",
                auth.authorizer.0,
                self.authorizers.len(),
                errors,
            );
        }
        if let Some(id) = p.waf {
            self.check_id(
                &owner(),
                "waf_rule_sets",
                id.0,
                self.waf_rule_sets.len(),
                errors,
            );
        }
        if let Some(id) = p.validation {
            self.check_id(&owner(), "validators", id.0, self.validators.len(), errors);
        }
        if let Some(id) = p.cors {
            self.check_id(
                &owner(),
                "cors_policies",
                id.0,
                self.cors_policies.len(),
                errors,
            );
        }
        if p.cache.is_some() && self.cache.is_none() {
            errors.push(ValidationError::NoCache(route.id.to_string()));
        }
        if let Integration::HttpProxy(proxy) = &route.integration {
            for part in &proxy.uri.parts {
                if let UriPart::PathParam(name) = part
                    && !route.path.params().any(|p| p == name)
                {
                    errors.push(ValidationError::UnknownUriParam {
                        route: route.id.to_string(),
                        name: name.to_string(),
                    });
                }
            }
        }
    }

    /// The stage with this name.
    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The override for an error type, falling back to `DEFAULT_4XX`/`DEFAULT_5XX`.
    pub fn response_for(&self, error: ErrorType) -> Option<&GatewayResponse> {
        let family = if error.is_server_error() {
            ErrorType::Default5xx
        } else {
            ErrorType::Default4xx
        };
        self.responses
            .iter()
            .find(|r| r.error_type == error)
            .or_else(|| self.responses.iter().find(|r| r.error_type == family))
    }
}

/// A base path is `/` followed by literal segments, without a trailing `/`.
pub fn valid_base_path(base: &str) -> bool {
    base.len() > 1
        && base.starts_with('/')
        && !base.ends_with('/')
        && !base.contains("//")
        && !base.contains(['{', '}', '?', '#'])
}
