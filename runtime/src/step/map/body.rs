//! Body mapping with VTL templates (AWS's non-proxy `http` integration): the request template
//! chosen by the request's content type (`application/json` when absent) builds the body the
//! backend gets, with `passthroughBehavior` deciding about content types without a template
//! (415 as AWS); the backend's status code selects an integration response (`selectionPattern`
//! regexes matched against the whole code, `default` as the fallback), whose template rewrites
//! the body and whose status and headers replace the backend's; `$context.responseOverride`
//! and `$context.requestOverride` assignments apply last.
//!
//! The response template is the one the client's `Accept` names (its media types in order),
//! else `application/json`, else the first. Binary payloads follow [`super::binary`]: a
//! template reads a binary body as base64 text in `$input.body`.
//!
//! Templates were parsed by the compiler and arrive parsed (an IR read from JSON carries only
//! their source, parsed here at start-up).

use std::fmt::Write as _;
use std::sync::Arc;

use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, TRANSFER_ENCODING, USER_AGENT};
use http::{HeaderName, HeaderValue, Request, Response, StatusCode, Version};

use super::binary::{self, Convert, MediaTypes};
use super::{Change, Sources, apply_headers, compile_changes};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::ir::vtl::{ContextReads, Env, Limits, Template, Value};
use crate::ir::{self, ContentHandling, ErrorType, Passthrough};
use crate::pipeline::RequestContext;
use crate::step::{BuildContext, Check, RequestStep, Verdict};

/// A template and the content type (lower case) it is for.
type Typed = (Box<str>, Arc<Template>);

fn compile_templates(
    route: &ir::Route,
    templates: &[ir::ContentTemplate],
) -> Result<Vec<Typed>, BuildError> {
    templates
        .iter()
        .map(|t| {
            let parsed = t.template.template().map_err(|e| {
                BuildError::Unsupported(format!(
                    "route `{}`: template for `{}`: {e} (at byte {})",
                    route.id, t.content_type, e.offset
                ))
            })?;
            Ok((t.content_type.trim().to_ascii_lowercase().into(), parsed))
        })
        .collect()
}

/// What the templates of a route read of the request besides its body and parameters,
/// taken before the request goes to the integration (the response phase no longer has it).
#[derive(Debug, Default)]
pub(crate) struct RequestFacts {
    /// `Accept`: chooses the response template and the binary form of the response.
    pub(crate) accept: Option<HeaderValue>,
    host: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
    path: Box<str>,
    version: Version,
    /// `$input.params()` of the method request, kept only when a response template reads it.
    params: Option<MethodParams>,
}

impl RequestFacts {
    /// Reads them off the method request, before any step rewrites it.
    pub(crate) fn capture<B>(
        req: &Request<B>,
        ctx: &RequestContext,
        responses: &ResponseTemplate,
    ) -> RequestFacts {
        let h = req.headers();
        RequestFacts {
            accept: h.get(ACCEPT).cloned(),
            host: h.get(HOST).cloned(),
            user_agent: h.get(USER_AGENT).cloned(),
            path: req.uri().path().into(),
            version: req.version(),
            params: responses
                .params
                .as_deref()
                .map(|names| MethodParams::capture(ctx, req, names)),
        }
    }
}

/// The method request's parameters as `$input.params()` shows them: path parameters
/// (decoded), the first value of each query parameter (decoded), and every header (repeated
/// ones joined with commas).
#[derive(Debug, Default)]
pub(crate) struct MethodParams {
    path: Vec<(String, String)>,
    querystring: Vec<(String, String)>,
    header: Vec<(String, String)>,
}

impl MethodParams {
    fn capture<B>(ctx: &RequestContext, req: &Request<B>, names: &[Box<str>]) -> MethodParams {
        let uri = req.uri();
        let path = uri.path();
        MethodParams {
            path: names
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
        }
    }
}

/// What every template of a route sees besides the request: the stage and its variables.
#[derive(Debug)]
struct Deployment {
    api_id: Box<str>,
    stage: Box<str>,
    resource_path: Box<str>,
    resource_id: Box<str>,
    variables: Value,
}

fn lossy(v: Option<&HeaderValue>) -> String {
    v.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// `dd/MMM/yyyy:HH:mm:ss +0000`, AWS's `$context.requestTime` (UTC).
pub(crate) fn clf_time(epoch_secs: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch_secs / 86_400;
    let rem = epoch_secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = String::with_capacity(26);
    let _ = write!(
        out,
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    );
    out
}

impl Deployment {
    fn new(cx: &BuildContext<'_>, route: &ir::Route) -> Deployment {
        let mut vars: Vec<(&str, &str)> =
            cx.stage_variables.iter().map(|(k, v)| (*k, *v)).collect();
        vars.sort_unstable();
        Deployment {
            api_id: cx.ir.name.as_ref().into(),
            stage: cx.stage.into(),
            resource_path: route.path.raw.as_ref().into(),
            resource_id: route.id.to_string().into(),
            variables: Value::map(vars.into_iter().map(|(k, v)| (k, Value::str(v)))),
        }
    }

    /// `$context`: AWS's variables for what this gateway knows (`authorizer.*` from the
    /// authorizer step; `accountId`, `identity.caller` and the like have no meaning here
    /// and stay undefined, which prints as nothing).
    fn context(&self, ctx: &RequestContext, facts: &RequestFacts, reads: &ContextReads) -> Value {
        // Only the variables the template names (known when it was made): building every
        // one, each formatted, was about 12,000 instructions per render.
        let mut vars: Vec<(String, Value)> = Vec::new();
        let mut add = |name: &str, value: &dyn Fn() -> Value| {
            if reads.reads(name) {
                vars.push((name.to_owned(), value()));
            }
        };
        let request_id = || Value::str(String::from_utf8_lossy(ctx.request_id.as_bytes()));
        let since = || {
            ctx.timings
                .wall_start()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
        };
        let host = || lossy(facts.host.as_ref());
        let domain =
            |host: &str| -> String { host.rsplit_once(':').map_or(host, |(h, _)| h).to_owned() };
        add("apiId", &|| Value::str(&*self.api_id));
        add("domainName", &|| Value::str(domain(&host())));
        add("domainPrefix", &|| {
            let domain = domain(&host());
            Value::str(domain.split('.').next().unwrap_or(""))
        });
        add("extendedRequestId", &request_id);
        add("requestId", &request_id);
        add("httpMethod", &|| Value::str(ctx.method.as_str()));
        add("resourcePath", &|| Value::str(&*self.resource_path));
        add("resourceId", &|| Value::str(&*self.resource_id));
        add("path", &|| Value::str(&*facts.path));
        add("protocol", &|| {
            Value::str(match facts.version {
                Version::HTTP_09 => "HTTP/0.9",
                Version::HTTP_10 => "HTTP/1.0",
                Version::HTTP_2 => "HTTP/2.0",
                Version::HTTP_3 => "HTTP/3.0",
                _ => "HTTP/1.1",
            })
        });
        add("stage", &|| Value::str(&*self.stage));
        add("requestTime", &|| Value::str(clf_time(since().as_secs())));
        add("requestTimeEpoch", &|| {
            Value::Int(i64::try_from(since().as_millis()).unwrap_or(i64::MAX))
        });
        add("identity", &|| {
            let mut identity = vec![
                (
                    "sourceIp".to_owned(),
                    Value::str(String::from_utf8_lossy(ctx.client.ip.as_bytes())),
                ),
                (
                    "userAgent".to_owned(),
                    Value::str(lossy(facts.user_agent.as_ref())),
                ),
            ];
            if let Some(key) = &ctx.api_key {
                identity.push(("apiKeyId".to_owned(), Value::str(&*key.key_id)));
            }
            Value::Map(identity)
        });
        add("authorizer", &|| {
            ctx.identity
                .as_ref()
                .map_or_else(|| Value::Map(Vec::new()), |i| i.vtl())
        });
        Value::Map(vars)
    }
}

/// A route's request templates: the step that builds the integration request's body.
#[derive(Debug)]
pub(crate) struct RequestTemplate {
    templates: Vec<Typed>,
    passthrough: Passthrough,
    content_handling: Option<ContentHandling>,
    binary: MediaTypes,
    deployment: Deployment,
    param_names: Vec<Box<str>>,
}

impl RequestTemplate {
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<RequestTemplate>, BuildError> {
        let m = &route.body_mapping;
        if m.request_templates.is_empty()
            && m.passthrough == Passthrough::WhenNoMatch
            && m.content_handling.is_none()
        {
            return Ok(None);
        }
        Ok(Some(RequestTemplate {
            templates: compile_templates(route, &m.request_templates)?,
            passthrough: m.passthrough,
            content_handling: m.content_handling,
            binary: MediaTypes::new(cx.ir),
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
            .map_or_else(|| "application/json".to_owned(), binary::media_type);
        let template = self.templates.iter().find(|(t, _)| **t == *media);
        if template.is_none() {
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
        }
        // contentHandling first; a template then reads the converted body, as text, or as
        // base64 when it is still binary.
        let binary = self.binary.is_binary(&media);
        let how = binary::request_conversion(self.content_handling, binary);
        let is_text = match how {
            Convert::Keep => !binary,
            Convert::Encode => true,
            Convert::Decode => false,
        };
        if how != Convert::Keep
            && let RequestBody::Buffered(b) = req.body()
        {
            let converted = binary::convert(how, b.clone())?;
            binary::set_length(req.headers_mut(), converted.len());
            *req.body_mut() = RequestBody::Buffered(converted);
        }
        let Some((_, template)) = template else {
            return Ok(());
        };
        let body = match req.body() {
            RequestBody::Buffered(b) if is_text => String::from_utf8_lossy(b).into_owned(),
            RequestBody::Buffered(b) => ir::vtl::base64_encode(b),
            RequestBody::Streaming(_) => String::new(),
        };
        let facts = RequestFacts {
            accept: None,
            host: req.headers().get(HOST).cloned(),
            user_agent: req.headers().get(USER_AGENT).cloned(),
            path: req.uri().path().into(),
            version: req.version(),
            params: None,
        };
        let params = MethodParams::capture(ctx, req, &self.param_names);
        let env = Env {
            body,
            path: params.path,
            querystring: params.querystring,
            header: params.header,
            context: self
                .deployment
                .context(ctx, &facts, template.context_reads()),
            stage_variables: self.deployment.variables.clone(),
        };
        let out = template.render(&env, Limits::default()).map_err(|e| {
            GatewayError::new(ErrorType::Default5xx, format!("request template: {e}"))
        })?;
        let len = out.body.len();
        *req.body_mut() = RequestBody::Buffered(bytes::Bytes::from(out.body));
        let headers = req.headers_mut();
        binary::set_length(headers, len);
        if let Some(Value::Map(over)) = out
            .context
            .as_ref()
            .and_then(|c| c.get("requestOverride"))
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
    templates: Vec<Typed>,
    content_handling: Option<ContentHandling>,
}

impl Selected {
    /// The template for this client: the first of its `Accept` media types that has one,
    /// else `application/json`, else the first (AWS's choice of integration response
    /// template).
    fn template(&self, accept: Option<&HeaderValue>) -> Option<&Typed> {
        if self.templates.len() > 1
            && let Some(accept) = accept.and_then(|v| v.to_str().ok())
            && let Some(found) = accept.split(',').find_map(|t| {
                let t = binary::media_type(t);
                self.templates.iter().find(|(ct, _)| **ct == *t)
            })
        {
            return Some(found);
        }
        self.templates
            .iter()
            .find(|(ct, _)| &**ct == "application/json")
            .or_else(|| self.templates.first())
    }
}

/// A route's integration responses: run on the integration's answer before the response
/// steps (it reads the whole body, so it is a phase of its own rather than a `ResponseStep`).
#[derive(Debug)]
pub(crate) struct ResponseTemplate {
    responses: Vec<Selected>,
    /// The route's path parameter names, when a template reads `$input.params` (AWS gives
    /// response templates the method request's parameters too).
    params: Option<Vec<Box<str>>>,
    binary: MediaTypes,
    deployment: Deployment,
}

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
                content_handling: r.content_handling,
            });
        }
        let reads_params = responses
            .iter()
            .flat_map(|r| &r.templates)
            .any(|(_, t)| t.reads_params());
        Ok(Some(ResponseTemplate {
            responses,
            params: reads_params.then(|| route.path.params().map(Into::into).collect()),
            binary: MediaTypes::new(cx.ir),
            deployment: Deployment::new(cx, route),
        }))
    }

    /// Selects the integration response and applies it.
    pub(crate) async fn apply(
        &self,
        ctx: &RequestContext,
        resp: Response<Body>,
        facts: &RequestFacts,
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
        let binary = self.binary.is_binary_payload(&parts.headers);
        let body = match selected.template(facts.accept.as_ref()) {
            None => {
                let how = binary::response_conversion(
                    selected.content_handling,
                    !self.binary.is_empty(),
                    binary,
                    self.binary.accepts_binary(facts.accept.as_ref()),
                );
                if how == Convert::Keep {
                    body
                } else {
                    let converted =
                        binary::convert(how, binary::collect(body, "to convert it").await?)?;
                    binary::set_length(&mut parts.headers, converted.len());
                    Body::full(converted)
                }
            }
            Some((content_type, template)) => {
                let collected = binary::collect(body, "for its template").await?;
                let text = if binary {
                    ir::vtl::base64_encode(&collected)
                } else {
                    String::from_utf8_lossy(&collected).into_owned()
                };
                let params = facts.params.as_ref();
                let pairs = |f: fn(&MethodParams) -> &Vec<(String, String)>| {
                    params.map(f).cloned().unwrap_or_default()
                };
                let env = Env {
                    body: text,
                    path: pairs(|p| &p.path),
                    querystring: pairs(|p| &p.querystring),
                    header: pairs(|p| &p.header),
                    context: self
                        .deployment
                        .context(ctx, facts, template.context_reads()),
                    stage_variables: self.deployment.variables.clone(),
                };
                let out = template.render(&env, Limits::default()).map_err(|e| {
                    GatewayError::new(ErrorType::Default5xx, format!("response template: {e}"))
                })?;
                parts.headers.remove(CONTENT_LENGTH);
                parts.headers.remove(TRANSFER_ENCODING);
                if let Ok(v) = HeaderValue::from_str(content_type) {
                    parts.headers.insert(CONTENT_TYPE, v);
                }
                context = out.context;
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
