//! Parameter mapping (AWS HTTP API's `overwrite:`/`append:`/`remove:` request and response
//! parameters, and the integration's own method): the last request step rewrites the request
//! the integration sends, and a response step rewrites the response headers.
//!
//! Values were parsed by the compiler ([`ir::parse_value`]); here stage variables, the stage and
//! the route's own context values (`resourcePath`, `routeKey`) become text once, at start-up, so
//! a request only fills in what it carries. Every value of a request mapping is read from the
//! request as the client sent it, before any change applies (AWS's rule), so the order of the
//! changes does not change what they read.

use std::borrow::Cow;
use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::{BuildContext, Check, RequestStep, ResponseStep, Verdict};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::ir::{self, ChangeAction, ErrorType, MappedParam, ValuePart};
use crate::pipeline::RequestContext;

pub(crate) mod binary;
pub(crate) mod body;

/// One piece of a value, with start-up knowledge folded in.
#[derive(Debug, Clone)]
enum Piece {
    Text(Box<str>),
    Header(HeaderName),
    Query(Box<str>),
    /// A path parameter, by its index in the route's template.
    Path(usize),
    ResponseHeader(HeaderName),
    RequestId,
    HttpMethod,
    RequestPath,
    DomainName,
    SourceIp,
    UserAgent,
    PrincipalId,
    /// `$context.authorizer.claims.NAME` / `$context.authorizer.KEY`.
    Authorizer(ir::AuthorizerValue),
    RequestTimeEpoch,
}

#[derive(Debug)]
enum Target {
    Header(HeaderName),
    Query(Box<str>),
}

#[derive(Debug)]
struct Change {
    action: ChangeAction,
    target: Target,
    value: Vec<Piece>,
}

/// A route's request mapping: the last request step.
#[derive(Debug)]
pub(crate) struct MapRequest {
    method: Option<Method>,
    changes: Vec<Change>,
}

/// A route's response mapping.
#[derive(Debug)]
pub(crate) struct MapResponse {
    changes: Vec<Change>,
}

fn header_name(name: &str) -> Result<HeaderName, BuildError> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|e| BuildError::BadHeader {
        name: name.to_owned(),
        reason: e.to_string(),
    })
}

fn compile_changes(
    cx: &BuildContext<'_>,
    route: &ir::Route,
    changes: &[ir::ParamChange],
) -> Result<Vec<Change>, BuildError> {
    let mut out = Vec::with_capacity(changes.len());
    for c in changes {
        let target = match &c.target {
            MappedParam::Header(n) => Target::Header(header_name(n)?),
            MappedParam::Query(n) => Target::Query(n.as_ref().into()),
        };
        let mut value = Vec::with_capacity(c.value.len());
        for part in &c.value {
            let piece = match part {
                ValuePart::Text(t) => Piece::Text(t.as_ref().into()),
                ValuePart::RequestHeader(n) => Piece::Header(header_name(n)?),
                ValuePart::ResponseHeader(n) => Piece::ResponseHeader(header_name(n)?),
                ValuePart::RequestQuery(n) => Piece::Query(n.as_ref().into()),
                ValuePart::RequestPath(n) => {
                    let i = route.path.params().position(|p| p == n.as_ref()).ok_or_else(
                        || {
                            BuildError::Unsupported(format!(
                                "route `{}`: mapping reads `$request.path.{n}`, which is not a parameter of `{}`",
                                route.id, route.path.raw
                            ))
                        },
                    )?;
                    Piece::Path(i)
                }
                ValuePart::StageVariable(n) => {
                    let v = cx.stage_variables.get(n.as_ref()).ok_or_else(|| {
                        BuildError::UnknownStageVariable {
                            route: route.id.to_string(),
                            name: n.to_string(),
                            stage: cx.stage.to_owned(),
                        }
                    })?;
                    Piece::Text((*v).into())
                }
                ValuePart::Context(n) => match n.as_ref() {
                    "requestId" => Piece::RequestId,
                    "httpMethod" => Piece::HttpMethod,
                    "path" => Piece::RequestPath,
                    "resourcePath" => Piece::Text(route.path.raw.as_ref().into()),
                    "routeKey" => {
                        Piece::Text(format!("{} {}", route.method.as_str(), route.path.raw).into())
                    }
                    "stage" => Piece::Text(cx.stage.into()),
                    "domainName" => Piece::DomainName,
                    "identity.sourceIp" => Piece::SourceIp,
                    "identity.userAgent" => Piece::UserAgent,
                    "authorizer.principalId" => Piece::PrincipalId,
                    "requestTimeEpoch" => Piece::RequestTimeEpoch,
                    other => match ir::AuthorizerValue::from_name(other) {
                        Some(which) => Piece::Authorizer(which),
                        None => {
                            return Err(BuildError::Unsupported(format!(
                                "route `{}`: `$context.{other}` in a mapping",
                                route.id
                            )));
                        }
                    },
                },
            };
            value.push(piece);
        }
        out.push(Change {
            action: c.action,
            target,
            value,
        });
    }
    Ok(out)
}

impl MapRequest {
    /// The route's request mapping, if it has one.
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<MapRequest>, BuildError> {
        let m = &route.mapping;
        if m.method.is_none() && m.request.is_empty() {
            return Ok(None);
        }
        let method = match &m.method {
            Some(name) => Some(
                Method::from_bytes(name.to_ascii_uppercase().as_bytes()).map_err(|_| {
                    BuildError::Unsupported(format!("route `{}`: method `{name}`", route.id))
                })?,
            ),
            None => None,
        };
        Ok(Some(MapRequest {
            method,
            changes: compile_changes(cx, route, &m.request)?,
        }))
    }
}

impl MapResponse {
    /// The route's response mapping, if it has one.
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<MapResponse>, BuildError> {
        if route.mapping.response.is_empty() {
            return Ok(None);
        }
        Ok(Some(MapResponse {
            changes: compile_changes(cx, route, &route.mapping.response)?,
        }))
    }
}

/// What a value reads from: the request's head, or the response's headers.
struct Sources<'a> {
    ctx: &'a RequestContext,
    uri: &'a Uri,
    request_headers: Option<&'a HeaderMap>,
    response_headers: Option<&'a HeaderMap>,
}

/// Values of a query-string parameter, decoded, in order.
fn query_values<'q>(query: &'q str, name: &'q str) -> impl Iterator<Item = Cow<'q, str>> + 'q {
    query.split('&').filter_map(move |pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let spaced = s.replace('+', " ");
    Cow::Owned(percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
}

fn joined_header(headers: &HeaderMap, name: &HeaderName, out: &mut String) {
    for (i, v) in headers.get_all(name).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&String::from_utf8_lossy(v.as_bytes()));
    }
}

impl Sources<'_> {
    fn eval(&self, pieces: &[Piece]) -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Header(n) => {
                    if let Some(h) = self.request_headers {
                        joined_header(h, n, &mut out);
                    }
                }
                Piece::ResponseHeader(n) => {
                    if let Some(h) = self.response_headers {
                        joined_header(h, n, &mut out);
                    }
                }
                Piece::Query(n) => {
                    if let Some(v) = query_values(self.uri.query().unwrap_or(""), n).next() {
                        out.push_str(&v);
                    }
                }
                Piece::Path(i) => {
                    if let Some(v) = self.ctx.params.decoded(self.uri.path(), *i) {
                        out.push_str(&v);
                    }
                }
                Piece::RequestId => {
                    out.push_str(&String::from_utf8_lossy(self.ctx.request_id.as_bytes()));
                }
                Piece::HttpMethod => out.push_str(self.ctx.method.as_str()),
                Piece::RequestPath => out.push_str(self.uri.path()),
                Piece::DomainName => {
                    if let Some(host) = self
                        .request_headers
                        .and_then(|h| h.get(http::header::HOST))
                        .and_then(|h| h.to_str().ok())
                    {
                        out.push_str(host.rsplit_once(':').map_or(host, |(h, _)| h));
                    }
                }
                Piece::SourceIp => {
                    out.push_str(&String::from_utf8_lossy(self.ctx.client.ip.as_bytes()));
                }
                Piece::UserAgent => {
                    if let Some(h) = self.request_headers {
                        joined_header(h, &http::header::USER_AGENT, &mut out);
                    }
                }
                Piece::PrincipalId => {
                    if let Some(p) = self
                        .ctx
                        .identity
                        .as_ref()
                        .and_then(|i| i.principal.as_deref())
                    {
                        out.push_str(p);
                    }
                }
                Piece::Authorizer(which) => {
                    if let Some(v) = self.ctx.identity.as_ref().and_then(|i| i.value(which)) {
                        out.push_str(&v);
                    }
                }
                Piece::RequestTimeEpoch => {
                    let ms = self
                        .ctx
                        .timings
                        .wall_start()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_millis());
                    let _ = write!(out, "{ms}");
                }
            }
        }
        out
    }
}

/// Applies header changes whose values are already evaluated.
fn apply_headers(
    headers: &mut HeaderMap,
    changes: &[Change],
    values: Vec<String>,
) -> Result<(), Box<GatewayError>> {
    for (change, value) in changes.iter().zip(values) {
        let Target::Header(name) = &change.target else {
            continue;
        };
        let value = || {
            HeaderValue::from_str(&value).map_err(|_| {
                GatewayError::new(
                    ErrorType::BadRequestParameters,
                    format!("mapped header `{name}` is not a valid header value"),
                )
            })
        };
        match change.action {
            ChangeAction::Remove => {
                headers.remove(name);
            }
            ChangeAction::Set if change.value.is_empty() => {
                headers.remove(name);
            }
            ChangeAction::Set => {
                headers.insert(name.clone(), value()?);
            }
            ChangeAction::Append => {
                headers.append(name.clone(), value()?);
            }
        }
    }
    Ok(())
}

/// Characters escaped in mapped query-string names and values.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The query string with the changes applied (pairs kept raw unless changed).
fn rewrite_query(query: &str, changes: &[Change], values: &[String]) -> String {
    let mut pairs: Vec<(Cow<'_, str>, Option<Cow<'_, str>>)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (Cow::Borrowed(k), Some(Cow::Borrowed(v))),
            None => (Cow::Borrowed(p), None),
        })
        .collect();
    for (change, value) in changes.iter().zip(values) {
        let Target::Query(name) = &change.target else {
            continue;
        };
        let encoded = || Some(Cow::Owned(utf8_percent_encode(value, QUERY).to_string()));
        let key = || Cow::Owned(utf8_percent_encode(name, QUERY).to_string());
        match change.action {
            ChangeAction::Remove => pairs.retain(|(k, _)| decode(k) != **name),
            ChangeAction::Set => {
                pairs.retain(|(k, _)| decode(k) != **name);
                if !change.value.is_empty() {
                    pairs.push((key(), encoded()));
                }
            }
            ChangeAction::Append => pairs.push((key(), encoded())),
        }
    }
    let mut out = String::with_capacity(query.len() + 16);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if let Some(v) = v {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

impl RequestStep for MapRequest {
    type Local = ();
    type Resumed = ();

    fn local(&self) {}

    fn check(
        &self,
        _local: &(),
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<()> {
        Check::Done(self.apply(ctx, req).map(|()| Verdict::Continue))
    }
}

impl MapRequest {
    fn apply(
        &self,
        ctx: &RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Result<(), Box<GatewayError>> {
        // Every value from the request as sent, before any change.
        let values: Vec<String> = {
            let sources = Sources {
                ctx,
                uri: req.uri(),
                request_headers: Some(req.headers()),
                response_headers: None,
            };
            self.changes
                .iter()
                .map(|c| sources.eval(&c.value))
                .collect()
        };
        if self
            .changes
            .iter()
            .any(|c| matches!(c.target, Target::Query(_)))
        {
            let query = rewrite_query(req.uri().query().unwrap_or(""), &self.changes, &values);
            let path = req.uri().path();
            let mut buf = BytesMut::with_capacity(path.len() + 1 + query.len());
            buf.put_slice(path.as_bytes());
            if !query.is_empty() {
                buf.put_u8(b'?');
                buf.put_slice(query.as_bytes());
            }
            let pq = PathAndQuery::from_maybe_shared(buf.freeze()).map_err(|_| {
                GatewayError::new(ErrorType::Default4xx, "mapped query string is invalid")
            })?;
            let mut parts = req.uri().clone().into_parts();
            parts.path_and_query = Some(pq);
            *req.uri_mut() = Uri::from_parts(parts).map_err(|_| {
                GatewayError::new(ErrorType::Default4xx, "mapped request URI is invalid")
            })?;
        }
        apply_headers(req.headers_mut(), &self.changes, values)?;
        if let Some(method) = &self.method {
            *req.method_mut() = method.clone();
        }
        Ok(())
    }
}

impl ResponseStep for MapResponse {
    type Local = ();

    fn local(&self) {}

    fn on_response(
        &self,
        _local: &(),
        ctx: &RequestContext,
        resp: &mut Response<Body>,
    ) -> Result<(), Box<GatewayError>> {
        // The request's URI is gone by now: `$context.path` reads `/` here. Response mappings
        // read the response, the context and literals.
        let uri = Uri::from_static("/");
        let values: Vec<String> = {
            let sources = Sources {
                ctx,
                uri: &uri,
                request_headers: None,
                response_headers: Some(resp.headers()),
            };
            self.changes
                .iter()
                .map(|c| sources.eval(&c.value))
                .collect()
        };
        apply_headers(resp.headers_mut(), &self.changes, values)
            .map_err(|e| GatewayError::new(ErrorType::Default5xx, e.detail))
    }
}

#[cfg(test)]
mod tests;
