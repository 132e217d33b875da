//! Errors: [`BuildError`] when an IR cannot be served, and the request-path error
//! ([`GatewayError`]) with the one outer mapping to AWS-style gateway responses.
//!
//! Inner steps return a boxed [`GatewayError`] that carries the AWS error type (which picks the
//! status and client-safe message) and a log-only detail that never reaches the client. Exactly
//! one place, [`ErrorResponses::respond`], turns it into a response, honouring the spec's
//! gateway-response overrides. Responses are prepared at start-up so that an error costs a few
//! clones, not a JSON serialisation.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, header};

use crate::body::Body;
use crate::ir::{self, ApiKind, ErrorType};
use crate::pipeline::Identity;

/// Why an IR cannot be turned into a running gateway. Each message names the route or setting
/// at fault, since the compiler usually catches these earlier and this is the last line.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The IR failed its own validation.
    #[error("invalid gateway: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ir::ValidationError>),
    /// The chosen stage is not declared.
    #[error("stage `{0}` is not declared in the spec")]
    UnknownStage(String),
    /// An integration URI uses a stage variable the deployed stage does not define.
    #[error(
        "route `{route}`: stage variable `{name}` is not defined in stage `{stage}` (pass `--stage-variable {name}=VALUE`)"
    )]
    UnknownStageVariable {
        /// Route id.
        route: String,
        /// Variable name.
        name: String,
        /// Stage deployed.
        stage: String,
    },
    /// An integration URI is not a usable `http://` URL once stage variables are substituted.
    #[error("route `{route}`: integration URI `{uri}` is invalid: {reason}")]
    BadUri {
        /// Route id.
        route: String,
        /// The URI after stage-variable substitution.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A mock or gateway-response header that HTTP cannot carry.
    #[error("invalid header `{name}`: {reason}")]
    BadHeader {
        /// Header name as written.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--base-path` (or the spec's) is not of the form `/prod`.
    #[error("base path `{0}` must start with `/`, not end with `/`, and contain no parameters")]
    BadBasePath(String),
    /// The spec's listen address cannot be used (not `HOST:PORT`, or a host name that does not
    /// resolve) and no `--listen` was given.
    #[error(
        "listen address `{addr}`: {reason}; fix `x-gateway.endpoint.listen` or pass `--listen`"
    )]
    BadListen {
        /// The address as written in the spec.
        addr: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--upstream-ca-file` cannot be read, or is not a PEM bundle of CA certificates.
    #[error("upstream CA file `{}`: {reason}", .path.display())]
    UpstreamCaFile {
        /// The file as given.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The trust settings for `https://` upstreams cannot give a working TLS configuration.
    #[error("upstream TLS: {0}")]
    UpstreamTls(String),
    /// The shared-state settings cannot work (a malformed Redis URL).
    #[error("shared state: {0}")]
    State(#[from] crate::state::StateError),
    /// An authorizer cannot work as configured (a missing secret, a bad address).
    #[error("authorizer `{name}`: {reason}")]
    Authorizer {
        /// The authorizer's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// An API key of a usage plan cannot be used (its secret is missing or malformed, or two
    /// plans share it). The message never contains the key's value.
    #[error("API key `{key}` of plan `{plan}`: {reason}")]
    ApiKey {
        /// The plan.
        plan: String,
        /// The key's name.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A route's Rust handler is missing, disagrees with the spec, or lacks its state.
    #[error("route `{route}`: {reason}")]
    Handler {
        /// Route id.
        route: String,
        /// What is wrong.
        reason: String,
    },
    /// A feature the runtime does not serve yet; never silently ignored.
    #[error("{0} is not supported yet")]
    Unsupported(String),
}

/// A request-path failure: the AWS error type decides status and client message; `detail` is
/// for the log only (it may hold upstream error text, which must never reach the client).
///
/// It also carries what its answer needs beyond the prepared gateway response: headers that
/// only the failing step knows (`Allow` on a 405, and later `Retry-After` on a 429,
/// `WWW-Authenticate` on a 401, CORS headers on any error), and whether the connection must
/// close (the client's body was left half-read). No step needs a side channel for them.
#[derive(Debug)]
pub(crate) struct GatewayError {
    /// Which gateway response answers it.
    pub(crate) kind: ErrorType,
    /// Log-only explanation.
    pub(crate) detail: Cow<'static, str>,
    /// Headers added to the gateway response (after the spec's, so a step's own win).
    pub(crate) headers: HeaderMap,
    /// The request body was abandoned mid-stream: answer with `Connection: close`.
    pub(crate) close: bool,
    /// A client-safe message replacing the type's default (`$context.error.message`), for
    /// errors whose text depends on the request: `Missing required request parameters: [a]`.
    pub(crate) message: Option<Box<str>>,
    /// AWS's whole default body where it is not `{"message": …}` (a REST custom authorizer's
    /// deny answers `{"Message": …}`); used only when the spec does not override the body.
    pub(crate) body: Option<&'static str>,
    /// `$context.error.validationErrorString`: what request validation found wrong, for a
    /// spec's `BAD_REQUEST_BODY`/`BAD_REQUEST_PARAMETERS` template to show (never in the
    /// default body, which stays AWS's `{"message": …}`).
    pub(crate) validation: Option<Box<str>>,
}

impl GatewayError {
    /// Boxed, so that `Result<_, Box<GatewayError>>` stays one word wide on the hot path.
    pub(crate) fn new(kind: ErrorType, detail: impl Into<Cow<'static, str>>) -> Box<GatewayError> {
        Box::new(GatewayError {
            kind,
            detail: detail.into(),
            headers: HeaderMap::new(),
            close: false,
            message: None,
            body: None,
            validation: None,
        })
    }

    /// Replaces the client message of the error's type; it must be safe to show the client.
    pub(crate) fn with_message(mut self: Box<Self>, message: impl Into<Box<str>>) -> Box<Self> {
        self.message = Some(message.into());
        self
    }

    /// Sets `$context.error.validationErrorString`; it must be safe to show the client (it
    /// describes the client's own request).
    pub(crate) fn with_validation(mut self: Box<Self>, errors: impl Into<Box<str>>) -> Box<Self> {
        self.validation = Some(errors.into());
        self
    }

    /// Replaces the default body (not a spec's override) with AWS's exact one, for answers
    /// whose JSON differs from the `{"message": …}` of their type. `message` still feeds
    /// `$context.error.message` in templates.
    pub(crate) fn with_body(mut self: Box<Self>, body: &'static str) -> Box<Self> {
        self.body = Some(body);
        self
    }

    /// Adds a header to the answer (an empty `HeaderMap` does not allocate until this).
    pub(crate) fn with_header(
        mut self: Box<Self>,
        name: HeaderName,
        value: HeaderValue,
    ) -> Box<Self> {
        self.headers.insert(name, value);
        self
    }

    /// Marks the connection for closing after the answer.
    pub(crate) fn closing(mut self: Box<Self>) -> Box<Self> {
        self.close = true;
        self
    }
}

/// A prepared gateway response body: static bytes, or a VTL template (parsed by the compiler,
/// which reported any syntax error at its spec line; an IR read from JSON is parsed at start-up) evaluated per error with
/// `$context.requestId`, `$context.error.message`, `$context.error.messageString`,
/// `$context.error.responseType`, `$context.error.validationErrorString`, `$context.stage`,
/// `$context.authorizer.*` and `$stageVariables`.
#[derive(Debug, Clone)]
enum BodyTemplate {
    Static(Bytes),
    Vtl(std::sync::Arc<ir::vtl::Template>),
}

#[derive(Debug, Clone)]
struct Prepared {
    status: StatusCode,
    message: &'static str,
    /// The body is the default `{"message": ...}` (no spec override).
    default_body: bool,
    headers: HeaderMap,
    /// The body for `application/json` (or the spec's only type), and for a request whose
    /// `Accept` names no type the spec has.
    body: BodyTemplate,
    /// The bodies for the spec's other content types: its type, as a header value, its body.
    others: Box<[(Box<str>, HeaderValue, BodyTemplate)]>,
}

/// Every gateway response of one gateway, prepared at start-up (defaults per API kind, then
/// the spec's overrides).
#[derive(Debug, Clone)]
pub(crate) struct ErrorResponses {
    table: Vec<Prepared>,
    /// Some response has bodies for several content types (see [`Self::negotiates`]).
    negotiates: bool,
    /// `$context.stage` of templates.
    stage: Box<str>,
    /// `$stageVariables` of templates.
    stage_variables: ir::vtl::Value,
}

static ERROR_TYPE_HEADER: HeaderName = HeaderName::from_static("x-amzn-errortype");

impl ErrorResponses {
    /// Prepares one response per error type.
    #[cfg(test)]
    pub(crate) fn new(gateway: &ir::Gateway) -> Result<ErrorResponses, BuildError> {
        ErrorResponses::for_stage(gateway, "", &std::collections::HashMap::new())
    }

    /// Prepares one response per error type, for the deployed stage and its variables.
    pub(crate) fn for_stage(
        gateway: &ir::Gateway,
        stage: &str,
        variables: &std::collections::HashMap<&str, &str>,
    ) -> Result<ErrorResponses, BuildError> {
        let mut table = Vec::with_capacity(ErrorType::ALL.len());
        for kind in ErrorType::ALL {
            table.push(prepare(gateway, kind)?);
        }
        let mut vars: Vec<(&str, &str)> = variables.iter().map(|(k, v)| (*k, *v)).collect();
        vars.sort_unstable();
        Ok(ErrorResponses {
            negotiates: table.iter().any(|p| !p.others.is_empty()),
            table,
            stage: stage.into(),
            stage_variables: ir::vtl::Value::map(
                vars.into_iter().map(|(k, v)| (k, ir::vtl::Value::str(v))),
            ),
        })
    }

    fn get(&self, kind: ErrorType) -> Option<&Prepared> {
        self.table.get(kind as usize)
    }

    /// The status an error type answers with in this gateway.
    pub(crate) fn status(&self, kind: ErrorType) -> StatusCode {
        self.get(kind)
            .map_or(StatusCode::INTERNAL_SERVER_ERROR, |p| p.status)
    }

    /// The answer to a request-path error: the prepared response of its type plus the
    /// error's own headers, and `Connection: close` when the body was left half-read.
    // The server answers through `answer_for`; tests and steps without a context use this.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn answer(&self, error: GatewayError, request_id: &HeaderValue) -> Response<Body> {
        self.answer_for(error, request_id, None, None)
    }

    /// [`ErrorResponses::answer`] for a request: the body for the content type its `Accept`
    /// names (when the spec gives several), and templates that can read
    /// `$context.authorizer.*` (a custom authorizer's context on a deny, too, as AWS allows).
    pub(crate) fn answer_for(
        &self,
        error: GatewayError,
        request_id: &HeaderValue,
        identity: Option<&Identity>,
        accept: Option<&HeaderValue>,
    ) -> Response<Body> {
        let request = Asking {
            request_id,
            identity,
            accept,
            validation: error.validation.as_deref(),
        };
        let mut resp = match error.body {
            Some(body) if self.get(error.kind).is_some_and(|p| p.default_body) => {
                let mut resp = self.respond_with(error.kind, None, &request);
                *resp.body_mut() = Body::from_static(body.as_bytes());
                resp
            }
            _ => self.respond_with(error.kind, error.message.as_deref(), &request),
        };
        if !error.headers.is_empty() {
            // Replaces a prepared header of the same name, keeps every value of the error's.
            resp.headers_mut().extend(error.headers);
        }
        if error.close {
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        resp
    }

    /// Builds the response for an error type; the request id headers are added by the caller,
    /// as on every other response.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn respond(&self, kind: ErrorType, request_id: &HeaderValue) -> Response<Body> {
        let request = Asking {
            request_id,
            identity: None,
            accept: None,
            validation: None,
        };
        self.respond_with(kind, None, &request)
    }

    /// True when some response has bodies for several content types: only then does the
    /// server keep the request's `Accept` for an error answer.
    pub(crate) fn negotiates(&self) -> bool {
        self.negotiates
    }

    fn respond_with(
        &self,
        kind: ErrorType,
        message: Option<&str>,
        request: &Asking<'_>,
    ) -> Response<Body> {
        let Some(p) = self.get(kind) else {
            let mut resp = Response::new(Body::from_static(
                b"{\"message\":\"Internal server error\"}",
            ));
            *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return resp;
        };
        let (template, content_type) = p.body_for(request.accept);
        let body = match (template, message) {
            (BodyTemplate::Static(b), None) => b.clone(),
            (BodyTemplate::Static(_), Some(m)) if p.default_body => {
                Bytes::from(format!("{{\"message\":{}}}", json_string(m)))
            }
            (BodyTemplate::Static(b), Some(_)) => b.clone(),
            (BodyTemplate::Vtl(t), m) => self.render(t, kind, m.unwrap_or(p.message), request),
        };
        let mut resp = Response::new(Body::full(body));
        *resp.status_mut() = p.status;
        *resp.headers_mut() = p.headers.clone();
        if let Some(content_type) = content_type {
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, content_type.clone());
        }
        resp
    }
}

/// What an error answer reads of its request.
#[derive(Clone, Copy)]
struct Asking<'a> {
    request_id: &'a HeaderValue,
    identity: Option<&'a Identity>,
    accept: Option<&'a HeaderValue>,
    /// `$context.error.validationErrorString` (empty when validation did not refuse it).
    validation: Option<&'a str>,
}

impl Prepared {
    /// The body for a request's `Accept`: the first media type it lists that the spec has a
    /// body for (parameters and quality ignored), else the main one; with the content type
    /// to send when it is not the main one's.
    fn body_for(&self, accept: Option<&HeaderValue>) -> (&BodyTemplate, Option<&HeaderValue>) {
        if self.others.is_empty() {
            return (&self.body, None);
        }
        let Some(accept) = accept.and_then(|a| a.to_str().ok()) else {
            return (&self.body, None);
        };
        let main_type = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        for range in accept.split(',') {
            let media = range.split(';').next().unwrap_or("").trim();
            if media.eq_ignore_ascii_case(main_type) {
                return (&self.body, None);
            }
            if let Some((_, content_type, body)) = self
                .others
                .iter()
                .find(|(t, _, _)| media.eq_ignore_ascii_case(t))
            {
                return (body, Some(content_type));
            }
        }
        (&self.body, None)
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

impl ErrorResponses {
    fn render(
        &self,
        template: &ir::vtl::Template,
        kind: ErrorType,
        message: &str,
        request: &Asking<'_>,
    ) -> Bytes {
        use ir::vtl::{Env, Limits, Value};
        let Asking {
            request_id,
            identity,
            validation,
            ..
        } = *request;
        let authorizer = identity.map_or_else(|| Value::Map(Vec::new()), Identity::vtl);
        let env = Env {
            context: Value::map([
                (
                    "requestId",
                    Value::str(String::from_utf8_lossy(request_id.as_bytes())),
                ),
                ("stage", Value::str(&*self.stage)),
                (
                    "error",
                    Value::map([
                        ("message", Value::str(message)),
                        ("messageString", Value::str(json_string(message))),
                        ("responseType", Value::str(kind.as_str())),
                        (
                            "validationErrorString",
                            Value::str(validation.unwrap_or("")),
                        ),
                    ]),
                ),
                ("authorizer", authorizer),
            ]),
            stage_variables: self.stage_variables.clone(),
            ..Env::default()
        };
        match template.render(&env, Limits::default()) {
            Ok(out) => Bytes::from(out.body),
            // Bounded evaluation failed (a runaway template): the default body.
            Err(_) => Bytes::from(format!("{{\"message\":{}}}", json_string(message))),
        }
    }
}

/// AWS's default body of `AUTHORIZER_FAILURE` and `AUTHORIZER_CONFIGURATION_ERROR`, as its
/// REST and HTTP APIs send it.
const AUTHORIZER_FAILURE_BODY: &[u8] = b"{\"message\": null}";

/// The default status and message of an error type for an API kind: native `http` APIs answer
/// a backend connection failure with 502 `Bad Gateway`, AWS REST with 504.
fn defaults(kind: ApiKind, error: ErrorType) -> (u16, &'static str) {
    match (kind, error) {
        (ApiKind::Rest, _) | (ApiKind::Websocket, _) => (error.default_status(), error.message()),
        (ApiKind::Http, ErrorType::IntegrationFailure) => (502, "Bad Gateway"),
        (ApiKind::Http, _) => (error.default_status(), error.message()),
    }
}

fn prepare(gateway: &ir::Gateway, error: ErrorType) -> Result<Prepared, BuildError> {
    let (default_status, message) = defaults(gateway.kind, error);
    let over = gateway.response_for(error);
    let status_code = over.and_then(|o| o.status).unwrap_or(default_status);
    let status = StatusCode::from_u16(status_code)
        .map_err(|_| BuildError::Invalid(vec![ir::ValidationError::BadStatus(status_code)]))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        ERROR_TYPE_HEADER.clone(),
        HeaderValue::from_static(error.aws_error_type()),
    );
    if let Some(o) = over {
        for h in &o.headers {
            let (name, value) = header_pair(h)?;
            headers.insert(name, value);
        }
    }
    let templates = over.map_or(&[][..], |o| &o.templates[..]);
    // The first body is `application/json`'s when the spec has one (AWS's fallback), else
    // the first in spec order; the others are chosen by the request's `Accept`.
    let first = templates
        .iter()
        .position(|t| *t.content_type == *"application/json")
        .unwrap_or(0);
    let mut bodies = Vec::with_capacity(templates.len());
    for (i, t) in templates.iter().enumerate() {
        let content_type = HeaderValue::from_str(&t.content_type).map_err(|e| {
            BuildError::Unsupported(format!(
                "the {} gateway response's content type `{}`: {e}",
                error.as_str(),
                t.content_type
            ))
        })?;
        let body = body_template(error, &t.template)?;
        let typed = (
            t.content_type.to_string().into_boxed_str(),
            content_type,
            body,
        );
        if i == first {
            bodies.insert(0, typed);
        } else {
            bodies.push(typed);
        }
    }
    let body = if bodies.is_empty() {
        // AWS answers an authorizer's failure with a null message (the log and the metrics
        // keep the cause).
        if matches!(
            error,
            ErrorType::AuthorizerFailure | ErrorType::AuthorizerConfigurationError
        ) {
            BodyTemplate::Static(Bytes::from_static(AUTHORIZER_FAILURE_BODY))
        } else {
            BodyTemplate::Static(Bytes::from(format!(
                "{{\"message\":{}}}",
                json_string(message)
            )))
        }
    } else {
        let (_, content_type, body) = bodies.remove(0);
        headers.insert(header::CONTENT_TYPE, content_type);
        body
    };
    Ok(Prepared {
        status,
        message,
        default_body: templates.is_empty(),
        headers,
        body,
        others: bodies.into_boxed_slice(),
    })
}

/// A body template, prepared: text without references is sent as it is.
fn body_template(
    error: ErrorType,
    template: &ir::vtl::VtlTemplate,
) -> Result<BodyTemplate, BuildError> {
    if !template.contains(['$', '#', '\\']) {
        return Ok(BodyTemplate::Static(Bytes::from(
            template.source.to_string(),
        )));
    }
    match template.template() {
        Ok(t) => Ok(BodyTemplate::Vtl(t)),
        Err(e) => Err(BuildError::Unsupported(format!(
            "the {} gateway response's template: {e} (at byte {})",
            error.as_str(),
            e.offset
        ))),
    }
}

/// Validates a spec header once, at start-up.
pub(crate) fn header_pair(h: &ir::HeaderPair) -> Result<(HeaderName, HeaderValue), BuildError> {
    let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|e| BuildError::BadHeader {
        name: h.name.to_string(),
        reason: e.to_string(),
    })?;
    let value = HeaderValue::from_str(&h.value).map_err(|e| BuildError::BadHeader {
        name: h.name.to_string(),
        reason: e.to_string(),
    })?;
    Ok((name, value))
}

#[cfg(test)]
mod tests;
