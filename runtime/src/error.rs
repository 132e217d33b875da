//! Errors: [`BuildError`] when an IR cannot be served, and the request-path error
//! ([`GatewayError`]) with the one outer mapping to AWS-style gateway responses.
//!
//! Inner steps return a boxed [`GatewayError`] that carries the AWS error type (which picks the
//! status and client-safe message) and a log-only detail that never reaches the client. Exactly
//! one place, [`ErrorResponses::respond`], turns it into a response, honouring the spec's
//! gateway-response overrides. Responses are prepared at start-up so that an error costs a few
//! clones, not a JSON serialisation.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, header};

use crate::body::Body;
use crate::ir::{self, ApiKind, ErrorType};

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
}

impl GatewayError {
    /// Boxed, so that `Result<_, Box<GatewayError>>` stays one word wide on the hot path.
    pub(crate) fn new(kind: ErrorType, detail: impl Into<Cow<'static, str>>) -> Box<GatewayError> {
        Box::new(GatewayError {
            kind,
            detail: detail.into(),
            headers: HeaderMap::new(),
            close: false,
        })
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

/// A prepared gateway response body: static bytes, or a template with substitutions.
#[derive(Debug, Clone)]
enum BodyTemplate {
    Static(Bytes),
    Parts(Vec<Part>),
}

#[derive(Debug, Clone)]
enum Part {
    Text(Bytes),
    /// `$context.error.message`: the message as is.
    Message,
    /// `$context.error.messageString`: the message as a quoted JSON string.
    MessageString,
    /// `$context.requestId`.
    RequestId,
}

#[derive(Debug, Clone)]
struct Prepared {
    status: StatusCode,
    message: &'static str,
    headers: HeaderMap,
    body: BodyTemplate,
}

/// Every gateway response of one gateway, prepared at start-up (defaults per API kind, then
/// the spec's overrides).
#[derive(Debug, Clone)]
pub(crate) struct ErrorResponses {
    table: Vec<Prepared>,
}

static ERROR_TYPE_HEADER: HeaderName = HeaderName::from_static("x-amzn-errortype");

impl ErrorResponses {
    /// Prepares one response per error type.
    pub(crate) fn new(gateway: &ir::Gateway) -> Result<ErrorResponses, BuildError> {
        let mut table = Vec::with_capacity(ErrorType::ALL.len());
        for kind in ErrorType::ALL {
            table.push(prepare(gateway, kind)?);
        }
        Ok(ErrorResponses { table })
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
    pub(crate) fn answer(&self, error: GatewayError, request_id: &HeaderValue) -> Response<Body> {
        let mut resp = self.respond(error.kind, request_id);
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
    pub(crate) fn respond(&self, kind: ErrorType, request_id: &HeaderValue) -> Response<Body> {
        let Some(p) = self.get(kind) else {
            let mut resp = Response::new(Body::from_static(
                b"{\"message\":\"Internal server error\"}",
            ));
            *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return resp;
        };
        let body = match &p.body {
            BodyTemplate::Static(b) => b.clone(),
            BodyTemplate::Parts(parts) => render(parts, p.message, request_id),
        };
        let mut resp = Response::new(Body::full(body));
        *resp.status_mut() = p.status;
        *resp.headers_mut() = p.headers.clone();
        resp
    }
}

fn render(parts: &[Part], message: &str, request_id: &HeaderValue) -> Bytes {
    let mut out = BytesMut::new();
    for part in parts {
        match part {
            Part::Text(t) => out.extend_from_slice(t),
            Part::Message => out.extend_from_slice(message.as_bytes()),
            Part::MessageString => out.extend_from_slice(json_string(message).as_bytes()),
            Part::RequestId => out.extend_from_slice(request_id.as_bytes()),
        }
    }
    out.freeze()
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

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
    let body = match over.and_then(|o| o.body.as_deref()) {
        Some(template) => parse_template(template),
        None => BodyTemplate::Static(Bytes::from(format!(
            "{{\"message\":{}}}",
            json_string(message)
        ))),
    };
    Ok(Prepared {
        status,
        message,
        headers,
        body,
    })
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

fn parse_template(template: &str) -> BodyTemplate {
    type MakePart = fn() -> Part;
    const VARS: [(&str, MakePart); 3] = [
        ("$context.error.messageString", || Part::MessageString),
        ("$context.error.message", || Part::Message),
        ("$context.requestId", || Part::RequestId),
    ];
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(pos) = rest.find('$') {
        text.push_str(&rest[..pos]);
        rest = &rest[pos..];
        match VARS.iter().find(|(name, _)| rest.starts_with(name)) {
            Some((name, make)) => {
                if !text.is_empty() {
                    parts.push(Part::Text(Bytes::from(std::mem::take(&mut text))));
                }
                parts.push(make());
                rest = &rest[name.len()..];
            }
            None => {
                text.push('$');
                rest = &rest[1..];
            }
        }
    }
    text.push_str(rest);
    if parts.is_empty() {
        return BodyTemplate::Static(Bytes::from(text));
    }
    if !text.is_empty() {
        parts.push(Part::Text(Bytes::from(text)));
    }
    BodyTemplate::Parts(parts)
}

#[cfg(test)]
mod tests;
