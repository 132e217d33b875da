//! Request validation, as AWS's request validators do it: required path, query and header
//! parameters present (`BAD_REQUEST_PARAMETERS`, 400 `Missing required request parameters:
//! [a, b]`), and the body valid against the JSON Schema of its content type
//! (`BAD_REQUEST_BODY`, 400 `Invalid request body`).
//!
//! The schemas arrive self-contained and already in JSON Schema 2020-12 form (the compiler
//! rewrote OpenAPI 3.0's `nullable` and friends and carried the referenced components along),
//! so each is compiled once here, at start-up, by the `jsonschema` crate built without network
//! `$ref` resolution. Per request: a header lookup per required header, one scan of the query
//! string, and for the body one JSON parse and one validation pass, both linear in its size.
//!
//! Body schema selection: the request's media type (without parameters, case-insensitive;
//! `application/json` when absent, as AWS assumes) against the operation's media types, exact
//! first, then `type/*`, then `*/*`. A media type with no schema is not validated (AWS: no
//! model, no validation), except that a required body whose media type matches none of the
//! declared ones is refused with 415 (`UNSUPPORTED_MEDIA_TYPE`). Only JSON media types
//! (`application/json`, `*/*+json`) are parsed and checked against their schema.
//!
//! A refusal carries `$context.error.validationErrorString` for the spec's gateway-response
//! templates and the access log: the missing-parameters message, or the body's failures in
//! the words AWS's validator uses ([`report`]).

mod report;

use bytes::Bytes;
use http::{Request, header};

use super::{BuildContext, Check, RequestStep, Verdict};
use crate::body::RequestBody;
use crate::error::{BuildError, GatewayError};
use crate::ir::{self, ErrorType, ParamIn};
use crate::pipeline::RequestContext;

/// A route's compiled validator.
pub(crate) struct Validate {
    /// Required query-string parameters (names as written).
    query: Vec<Box<str>>,
    /// Required headers.
    headers: Vec<http::HeaderName>,
    /// Required path parameters: always present once the route matched (a parameter segment
    /// is never empty), kept for the message order only.
    names: Vec<Box<str>>,
    body_required: bool,
    /// Compiled schemas by media type (lower-cased), in spec order.
    bodies: Vec<(Box<str>, Option<jsonschema::Validator>)>,
}

impl std::fmt::Debug for Validate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validate")
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_required", &self.body_required)
            .field(
                "bodies",
                &self.bodies.iter().map(|(t, _)| t).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Validate {
    /// The route's validator, if its policies name one that checks something.
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<Validate>, BuildError> {
        let Some(id) = route.policies.validation else {
            return Ok(None);
        };
        let Some(validator) = cx.ir.validators.get(id.index()) else {
            return Ok(None);
        };
        let model = &route.request;
        let mut v = Validate {
            query: Vec::new(),
            headers: Vec::new(),
            names: Vec::new(),
            body_required: validator.body && model.body_required,
            bodies: Vec::new(),
        };
        if validator.parameters {
            for p in &model.required {
                match p.location {
                    ParamIn::Path => {}
                    ParamIn::Query => v.query.push(p.name.as_ref().into()),
                    ParamIn::Header => {
                        let name =
                            http::HeaderName::from_bytes(p.name.as_bytes()).map_err(|e| {
                                BuildError::BadHeader {
                                    name: p.name.to_string(),
                                    reason: e.to_string(),
                                }
                            })?;
                        v.headers.push(name);
                    }
                }
                if p.location != ParamIn::Path {
                    v.names.push(p.name.as_ref().into());
                }
            }
        }
        if validator.body {
            for b in &model.bodies {
                let media = b.content_type.trim().to_ascii_lowercase();
                let compiled = if is_json(&media) || media.ends_with("/*") {
                    let schema: serde_json::Value =
                        serde_json::from_str(&b.schema).map_err(|e| invalid(route, &media, &e))?;
                    Some(
                        jsonschema::draft202012::new(&schema)
                            .map_err(|e| invalid(route, &media, &e))?,
                    )
                } else {
                    None
                };
                v.bodies.push((media.into(), compiled));
            }
        }
        if v.names.is_empty() && !v.body_required && v.bodies.is_empty() {
            return Ok(None);
        }
        Ok(Some(v))
    }

    fn missing_parameters(&self, req: &Request<RequestBody>) -> Option<String> {
        let mut missing: Vec<&str> = Vec::new();
        let query = req.uri().query().unwrap_or("");
        for name in &self.query {
            if !query_has(query, name) {
                missing.push(name);
            }
        }
        for name in &self.headers {
            if !req.headers().contains_key(name) {
                missing.push(name.as_str());
            }
        }
        if missing.is_empty() {
            return None;
        }
        // In spec order, as written.
        let mut ordered: Vec<&str> = self
            .names
            .iter()
            .map(|n| &**n)
            .filter(|n| missing.iter().any(|m| m.eq_ignore_ascii_case(n)))
            .collect();
        ordered.dedup();
        let mut message = String::from("Missing required request parameters: [");
        for (i, name) in ordered.iter().enumerate() {
            if i > 0 {
                message.push_str(", ");
            }
            message.push_str(name);
        }
        message.push(']');
        Some(message)
    }

    fn check_body(&self, req: &Request<RequestBody>) -> Result<(), Box<GatewayError>> {
        let body: &Bytes = match req.body() {
            RequestBody::Buffered(b) => b,
            // The pipeline buffers the body for this step; a stream here is a wiring bug.
            RequestBody::Streaming(_) => {
                return Err(GatewayError::new(
                    ErrorType::Default5xx,
                    "validation saw an unbuffered body",
                ));
            }
        };
        let media = media_type(req);
        let chosen = self
            .bodies
            .iter()
            .find(|(t, _)| **t == *media)
            .or_else(|| {
                let major = media.split('/').next().unwrap_or("");
                self.bodies.iter().find(|(t, _)| {
                    t.strip_suffix("/*")
                        .is_some_and(|m| m.eq_ignore_ascii_case(major))
                })
            })
            .or_else(|| self.bodies.iter().find(|(t, _)| &**t == "*/*"));
        if body.is_empty() {
            if self.body_required {
                return Err(GatewayError::new(ErrorType::BadRequestBody, "empty body")
                    .with_validation(report::list(&["the request body is empty"])));
            }
            return Ok(());
        }
        let Some((_, schema)) = chosen else {
            if self.body_required && !self.bodies.is_empty() {
                return Err(GatewayError::new(
                    ErrorType::UnsupportedMediaType,
                    format!("no schema for media type `{media}`"),
                ));
            }
            return Ok(());
        };
        let Some(schema) = schema else {
            return Ok(());
        };
        if !is_json(&media) && !media.is_empty() && !chosen.is_some_and(|(t, _)| is_json(t)) {
            // A wildcard schema reached by a non-JSON body: nothing to parse it as.
            return Ok(());
        }
        let value: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                let found = report::list(&[format!("the request body is not JSON: {e}")]);
                return Err(GatewayError::new(
                    ErrorType::BadRequestBody,
                    format!("body is not JSON: {e}"),
                )
                .with_validation(found));
            }
        };
        if schema.is_valid(&value) {
            return Ok(());
        }
        // The client's list, and a log-only detail with where the first failures are.
        let (found, detail) = report::body_errors(schema, &value);
        Err(GatewayError::new(ErrorType::BadRequestBody, detail).with_validation(found))
    }
}

fn invalid(route: &ir::Route, media: &str, e: &dyn std::fmt::Display) -> BuildError {
    BuildError::Unsupported(format!(
        "route `{}`: the request body schema for `{media}` cannot be compiled: {e}",
        route.id
    ))
}

/// True for `application/json` and `*/*+json` media types.
fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// The request's media type, lower-cased, without parameters; `application/json` when absent.
fn media_type(req: &Request<RequestBody>) -> String {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(v) => v
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
        None => "application/json".to_owned(),
    }
}

/// True when the query string has a parameter `name` (percent-decoded names compared).
fn query_has(query: &str, name: &str) -> bool {
    query.split('&').any(|pair| {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        if key.is_empty() {
            return false;
        }
        if !key.contains(['%', '+']) {
            return key == name;
        }
        let spaced = key.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy() == name
    })
}

impl RequestStep for Validate {
    type Local = ();
    type Resumed = ();

    fn local(&self) {}

    fn needs_body(&self) -> bool {
        self.body_required || !self.bodies.is_empty()
    }

    fn check(
        &self,
        _local: &(),
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<()> {
        if let Some(message) = self.missing_parameters(req) {
            // AWS's validation error string of a parameter check is its message.
            ctx.validation_error = Some(message.as_str().into());
            return Check::Done(Err(GatewayError::new(
                ErrorType::BadRequestParameters,
                "required parameters missing",
            )
            .with_validation(message.as_str())
            .with_message(message)));
        }
        if self.needs_body()
            && let Err(e) = self.check_body(req)
        {
            ctx.validation_error.clone_from(&e.validation);
            return Check::Done(Err(e));
        }
        Check::Done(Ok(Verdict::Continue))
    }
}

#[cfg(test)]
mod tests;
