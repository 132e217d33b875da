//! Body mapping with VTL templates (AWS's non-proxy `http` integration): the request template
//! chosen by the request's content type (`application/json` when absent) builds the body the
//! backend gets, with `passthroughBehavior` deciding about content types without a template
//! (415 as AWS); the backend's status code selects an integration response (`selectionPattern`
//! regexes matched against the whole code, `default` as the fallback), whose template rewrites
//! the body and whose status and headers replace the backend's; `$context.responseOverride`
//! and `$context.requestOverride` assignments apply last.
//!
//! Templates were checked by the compiler; they are parsed once here, at start-up.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;

use super::{Change, Sources, apply_headers, compile_changes};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::ir::vtl::{self, Env, Limits, Template, Value};
use crate::ir::{self, ErrorType, Passthrough};
use crate::pipeline::RequestContext;
use crate::step::{BuildContext, Check, RequestStep, Verdict};

fn compile_templates(
    route: &ir::Route,
    templates: &[ir::ContentTemplate],
) -> Result<Vec<(Box<str>, Template)>, BuildError> {
    templates
        .iter()
        .map(|t| {
            let parsed = vtl::parse(&t.template).map_err(|e| {
                BuildError::Unsupported(format!(
                    "route `{}`: template for `{}`: {e} (at byte {})",
                    route.id, t.content_type, e.offset
                ))
            })?;
            Ok((t.content_type.trim().to_ascii_lowercase().into(), parsed))
        })
        .collect()
}

/// What every template of a route sees besides the request: the stage and its variables.
#[derive(Debug)]
struct Deployment {
    stage: Box<str>,
    resource_path: Box<str>,
    variables: Value,
}

impl Deployment {
    fn new(cx: &BuildContext<'_>, route: &ir::Route) -> Deployment {
        let mut vars: Vec<(&str, &str)> =
            cx.stage_variables.iter().map(|(k, v)| (*k, *v)).collect();
        vars.sort_unstable();
        Deployment {
            stage: cx.stage.into(),
            resource_path: route.path.raw.as_ref().into(),
            variables: Value::map(vars.into_iter().map(|(k, v)| (k, Value::str(v)))),
        }
    }

    fn context(&self, ctx: &RequestContext, path: &str) -> Value {
        let authorizer = ctx
            .identity
            .as_ref()
            .map_or_else(|| Value::Map(Vec::new()), |i| i.vtl());
        Value::map([
            (
                "requestId",
                Value::str(String::from_utf8_lossy(ctx.request_id.as_bytes())),
            ),
            ("httpMethod", Value::str(ctx.method.as_str())),
            ("resourcePath", Value::str(&*self.resource_path)),
            ("path", Value::str(path)),
            ("stage", Value::str(&*self.stage)),
            (
                "identity",
                Value::map([(
                    "sourceIp",
                    Value::str(String::from_utf8_lossy(ctx.client.ip.as_bytes())),
                )]),
            ),
            ("authorizer", authorizer),
        ])
    }
}

/// A route's request templates: the step that builds the integration request's body.
#[derive(Debug)]
pub(crate) struct RequestTemplate {
    templates: Vec<(Box<str>, Template)>,
    passthrough: Passthrough,
    deployment: Deployment,
    param_names: Vec<Box<str>>,
}

impl RequestTemplate {
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<RequestTemplate>, BuildError> {
        let m = &route.body_mapping;
        if m.request_templates.is_empty() && m.passthrough == Passthrough::WhenNoMatch {
            return Ok(None);
        }
        Ok(Some(RequestTemplate {
            templates: compile_templates(route, &m.request_templates)?,
            passthrough: m.passthrough,
            deployment: Deployment::new(cx, route),
            param_names: route.path.params().map(Into::into).collect(),
        }))
    }

    fn apply(
        &self,
        ctx: &RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Result<(), Box<GatewayError>> {
        let media = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or_else(
                || "application/json".to_owned(),
                |v| {
                    v.split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase()
                },
            );
        let Some((_, template)) = self.templates.iter().find(|(t, _)| **t == *media) else {
            let refuse = match self.passthrough {
                Passthrough::WhenNoMatch => false,
                Passthrough::WhenNoTemplates => !self.templates.is_empty(),
                Passthrough::Never => true,
            };
            if refuse {
                return Err(GatewayError::new(
                    ErrorType::UnsupportedMediaType,
                    format!("no request template for `{media}`"),
                ));
            }
            return Ok(());
        };
        let body = match req.body() {
            RequestBody::Buffered(b) => String::from_utf8_lossy(b).into_owned(),
            RequestBody::Streaming(_) => String::new(),
        };
        let uri = req.uri().clone();
        let path = uri.path();
        let env = Env {
            body,
            path: self
                .param_names
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    Some((n.to_string(), ctx.params.decoded(path, i)?.into_owned()))
                })
                .collect(),
            querystring: uri
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (super::decode(k).into_owned(), super::decode(v).into_owned())
                })
                .fold(Vec::new(), |mut acc: Vec<(String, String)>, (k, v)| {
                    if !acc.iter().any(|(n, _)| *n == k) {
                        acc.push((k, v));
                    }
                    acc
                }),
            header: req
                .headers()
                .keys()
                .map(|k| {
                    let mut v = String::new();
                    super::joined_header(req.headers(), k, &mut v);
                    (k.as_str().to_owned(), v)
                })
                .collect(),
            context: self.deployment.context(ctx, path),
            stage_variables: self.deployment.variables.clone(),
        };
        let out = template.render(&env, Limits::default()).map_err(|e| {
            GatewayError::new(ErrorType::Default5xx, format!("request template: {e}"))
        })?;
        let len = out.body.len();
        *req.body_mut() = RequestBody::Buffered(bytes::Bytes::from(out.body));
        let headers = req.headers_mut();
        headers.remove(TRANSFER_ENCODING);
        headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
        if let Some(Value::Map(over)) = out
            .context
            .get("requestOverride")
            .and_then(|o| o.get("header"))
        {
            for (k, v) in over {
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(k.as_bytes()),
                    HeaderValue::from_str(&v.to_text()),
                ) {
                    headers.insert(name, value);
                }
            }
        }
        Ok(())
    }
}

impl RequestStep for RequestTemplate {
    type Local = ();
    type Resumed = ();

    fn local(&self) {}

    fn needs_body(&self) -> bool {
        true
    }

    fn check(
        &self,
        _local: &(),
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<()> {
        Check::Done(self.apply(ctx, req).map(|()| Verdict::Continue))
    }
}

#[derive(Debug)]
struct Selected {
    /// `None`: `default`.
    pattern: Option<regex::Regex>,
    status: Option<StatusCode>,
    headers: Vec<Change>,
    templates: Vec<(Box<str>, Template)>,
}

/// A route's integration responses: run on the integration's answer before the response
/// steps (it reads the whole body, so it is a phase of its own rather than a `ResponseStep`).
#[derive(Debug)]
pub(crate) struct ResponseTemplate {
    responses: Vec<Selected>,
    deployment: Deployment,
}

/// Largest backend body a response template reads.
const MAX_MAPPED_BODY: usize = 10 << 20;

impl ResponseTemplate {
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<ResponseTemplate>, BuildError> {
        let m = &route.body_mapping;
        if m.responses.is_empty() {
            return Ok(None);
        }
        let mut responses = Vec::with_capacity(m.responses.len());
        for r in &m.responses {
            let pattern = if r.pattern == "default" {
                None
            } else {
                Some(
                    regex::Regex::new(&format!("^(?:{})$", r.pattern)).map_err(|e| {
                        BuildError::Unsupported(format!(
                            "route `{}`: selection pattern `{}`: {e}",
                            route.id, r.pattern
                        ))
                    })?,
                )
            };
            let status = r
                .status
                .map(|s| {
                    StatusCode::from_u16(s)
                        .map_err(|_| BuildError::Invalid(vec![ir::ValidationError::BadStatus(s)]))
                })
                .transpose()?;
            responses.push(Selected {
                pattern,
                status,
                headers: compile_changes(cx, route, &r.headers)?,
                templates: compile_templates(route, &r.templates)?,
            });
        }
        Ok(Some(ResponseTemplate {
            responses,
            deployment: Deployment::new(cx, route),
        }))
    }

    /// Selects the integration response and applies it.
    pub(crate) async fn apply(
        &self,
        ctx: &RequestContext,
        resp: Response<Body>,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let code = resp.status().as_str().to_owned();
        let selected = self
            .responses
            .iter()
            .find(|r| r.pattern.as_ref().is_some_and(|p| p.is_match(&code)))
            .or_else(|| self.responses.iter().find(|r| r.pattern.is_none()))
            .ok_or_else(|| {
                GatewayError::new(
                    ErrorType::ApiConfigurationError,
                    format!("no integration response matches status {code}"),
                )
            })?;
        let (mut parts, body) = resp.into_parts();
        let mut context = None;
        let body = match selected.templates.first() {
            None => body,
            Some((content_type, template)) => {
                let collected = http_body_util::Limited::new(body, MAX_MAPPED_BODY)
                    .collect()
                    .await
                    .map_err(|e| {
                        GatewayError::new(
                            ErrorType::IntegrationFailure,
                            format!("reading the backend body for its template: {e}"),
                        )
                    })?
                    .to_bytes();
                let env = Env {
                    body: String::from_utf8_lossy(&collected).into_owned(),
                    context: self.deployment.context(ctx, ""),
                    stage_variables: self.deployment.variables.clone(),
                    ..Env::default()
                };
                let out = template.render(&env, Limits::default()).map_err(|e| {
                    GatewayError::new(ErrorType::Default5xx, format!("response template: {e}"))
                })?;
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.remove(TRANSFER_ENCODING);
                if let Ok(v) = HeaderValue::from_str(content_type) {
                    parts.headers.insert(CONTENT_TYPE, v);
                }
                context = Some(out.context);
                Body::full(bytes::Bytes::from(out.body))
            }
        };
        if let Some(status) = selected.status {
            parts.status = status;
        }
        if !selected.headers.is_empty() {
            let uri = http::Uri::from_static("/");
            let values: Vec<String> = {
                let sources = Sources {
                    ctx,
                    uri: &uri,
                    request_headers: None,
                    response_headers: Some(&parts.headers),
                };
                selected
                    .headers
                    .iter()
                    .map(|c| sources.eval(&c.value))
                    .collect()
            };
            apply_headers(&mut parts.headers, &selected.headers, values)
                .map_err(|e| GatewayError::new(ErrorType::Default5xx, e.detail))?;
        }
        if let Some(over) = context.as_ref().and_then(|c| c.get("responseOverride")) {
            if let Some(status) = over
                .get("status")
                .and_then(|s| s.to_text().parse::<u16>().ok())
                .and_then(|s| StatusCode::from_u16(s).ok())
            {
                parts.status = status;
            }
            if let Some(Value::Map(headers)) = over.get("header") {
                for (k, v) in headers {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(k.as_bytes()),
                        HeaderValue::from_str(&v.to_text()),
                    ) {
                        parts.headers.insert(name, value);
                    }
                }
            }
        }
        Ok(Response::from_parts(parts, body))
    }
}
