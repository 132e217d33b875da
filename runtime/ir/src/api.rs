//! The whole gateway: API-wide settings, stages and the route list.

use serde::{Deserialize, Serialize};

use crate::{
    ByteSize, ErrorType, GatewayResponse, Integration, Millis, Observability, Route, Str,
    ValidationError,
};

/// How the API behaves where AWS's API flavours differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// Our native behaviour: unknown route → 404 JSON, known path with another method → 405.
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageVariable {
    /// Name used as `${stageVariables.NAME}`.
    pub name: Str,
    /// Value.
    pub value: Str,
}

/// A deployment target (`dev`, `prod`) with its variables; one is chosen per process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Default time a backend has to answer (AWS: 29 s) → 504.
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
        errors
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
