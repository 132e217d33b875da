//! CORS: preflight requests answered before routing and authorization, and the CORS headers on
//! every response of a CORS-enabled route, gateway errors included.
//!
//! AWS HTTP API's model: the gateway owns CORS once it is configured. A preflight (`OPTIONS`
//! with `Origin` and `Access-Control-Request-Method`) is answered `204` by the gateway whatever
//! routes exist, so it never needs a token; every other response of the route gets
//! `Access-Control-Allow-Origin` (and credentials, exposed headers) when its `Origin` is
//! allowed, with any CORS headers the backend sent replaced. The most reported AWS complaint is
//! the lack of these headers on 401/403/429/5xx gateway responses, which browsers then report
//! as a CORS failure instead of the real status: here the server decorates the final response
//! ([`Cors::decorate`]), after errors became gateway responses.
//!
//! `Vary: Origin` is sent on every response of a policy that does not answer `*` to everyone,
//! also when the request had no `Origin`, so that a shared cache never serves one origin's
//! answer to another.
//!
//! Everything is prepared at start-up: origins as exact strings or `prefix*suffix` patterns,
//! header values joined once. A request compares a few byte strings.

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};

use super::{BuildContext, Check, RequestStep, Verdict};
use crate::body::{Body, RequestBody};
use crate::error::BuildError;
use crate::ir;
use crate::pipeline::RequestContext;
use crate::router::{Lookup, Router};

/// One compiled CORS policy.
#[derive(Debug)]
struct Policy {
    /// `*` is among the origins.
    any_origin: bool,
    /// Exact origins, lower-cased (scheme and host are case-insensitive).
    exact: Vec<Box<str>>,
    /// `https://*.example.com` as (`https://`, `.example.com`).
    wildcard: Vec<(Box<str>, Box<str>)>,
    /// `Access-Control-Allow-Methods`; `None`: the requested method when the path serves it.
    methods: Option<HeaderValue>,
    /// `*` in the allowed headers: echo `Access-Control-Request-Headers`.
    any_header: bool,
    /// `Access-Control-Allow-Headers` when not `*`.
    headers: Option<HeaderValue>,
    expose: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    credentials: bool,
    /// The answer depends on `Origin` (not a plain `*`): send `Vary: Origin`.
    varies: bool,
}

/// What a policy says to one origin.
enum Allowed {
    /// Not allowed: no CORS headers.
    No,
    /// `Access-Control-Allow-Origin: *`.
    Any,
    /// The origin echoed.
    Echo,
}

impl Policy {
    fn compile(p: &ir::CorsPolicy) -> Result<Policy, BuildError> {
        let mut policy = Policy {
            any_origin: false,
            exact: Vec::new(),
            wildcard: Vec::new(),
            methods: None,
            any_header: false,
            headers: None,
            expose: None,
            max_age: None,
            credentials: p.allow_credentials,
            varies: false,
        };
        for origin in &p.allow_origins {
            let origin = origin.trim().to_ascii_lowercase();
            if origin == "*" {
                policy.any_origin = true;
            } else if let Some((prefix, suffix)) = origin.split_once('*') {
                policy.wildcard.push((prefix.into(), suffix.into()));
            } else {
                policy.exact.push(origin.trim_end_matches('/').into());
            }
        }
        // With credentials a browser refuses `*`, so the origin is echoed (AWS does the same).
        policy.varies = !policy.exact.is_empty()
            || !policy.wildcard.is_empty()
            || (policy.any_origin && policy.credentials);
        policy.methods = joined(&p.allow_methods, true)?;
        policy.any_header = p.allow_headers.iter().any(|h| h == "*");
        if !policy.any_header {
            policy.headers = joined(&p.allow_headers, false)?;
        }
        policy.expose = joined(&p.expose_headers, false)?;
        policy.max_age = p.max_age.map(|m| HeaderValue::from(m.0 / 1000));
        Ok(policy)
    }

    fn allows(&self, origin: &HeaderValue) -> Allowed {
        if self.any_origin && !self.credentials {
            return Allowed::Any;
        }
        let Ok(origin) = origin.to_str() else {
            return Allowed::No;
        };
        if self.any_origin {
            return Allowed::Echo;
        }
        let matches = |o: &str| {
            self.exact.iter().any(|e| **e == *o)
                || self.wildcard.iter().any(|(prefix, suffix)| {
                    o.len() > prefix.len() + suffix.len()
                        && o.starts_with(&**prefix)
                        && o.ends_with(&**suffix)
                })
        };
        let lowered;
        let o = if origin.bytes().any(|b| b.is_ascii_uppercase()) {
            lowered = origin.to_ascii_lowercase();
            lowered.as_str()
        } else {
            origin
        };
        if matches(o) {
            Allowed::Echo
        } else {
            Allowed::No
        }
    }

    /// Sets the origin headers (and `Vary`) on a response's headers.
    fn apply_origin(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) -> bool {
        if self.varies {
            headers.append(VARY, HeaderValue::from_static("Origin"));
        }
        let Some(origin) = origin else {
            return false;
        };
        match self.allows(origin) {
            Allowed::No => return false,
            Allowed::Any => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
            }
            Allowed::Echo => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            }
        }
        if self.credentials {
            headers.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        true
    }
}

/// A comma-separated header value, or `None` for an empty list.
fn joined(items: &[ir::Str], upper: bool) -> Result<Option<HeaderValue>, BuildError> {
    if items.is_empty() {
        return Ok(None);
    }
    let mut text = items.iter().map(|s| s.trim()).collect::<Vec<_>>().join(",");
    if upper {
        text.make_ascii_uppercase();
    }
    HeaderValue::from_str(&text)
        .map(Some)
        .map_err(|e| BuildError::BadHeader {
            name: "CORS setting".to_owned(),
            reason: format!("`{text}`: {e}"),
        })
}

/// The CORS facts of one request.
#[derive(Debug, Default)]
pub(crate) struct CorsRequest {
    origin: Option<HeaderValue>,
    preflight: bool,
}

/// The gateway's CORS handling: every policy, which route uses which, the API-wide one.
#[derive(Debug)]
pub(crate) struct Cors {
    policies: Vec<Policy>,
    /// Policy index per route id.
    per_route: Vec<Option<u32>>,
    /// The API-wide policy (unmatched requests; preflights on paths no route serves).
    api: Option<u32>,
    /// The route table, to find the policy of the route a preflight asks about. A second copy
    /// of the gateway's (built only when CORS is configured): the API-wide steps run before
    /// routing and hold no reference to the gateway.
    router: Router,
}

impl Cors {
    /// The CORS handling `cx.ir` configures, if any.
    pub(crate) fn compile(cx: &BuildContext<'_>) -> Result<Option<Cors>, BuildError> {
        let ir = cx.ir;
        let per_route: Vec<Option<u32>> = ir
            .routes
            .iter()
            .map(|r| r.policies.cors.map(|id| id.0))
            .collect();
        if ir.cors.is_none() && per_route.iter().all(Option::is_none) {
            return Ok(None);
        }
        let policies = ir
            .cors_policies
            .iter()
            .map(Policy::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let base = match cx.args.base_path.as_deref().or(ir.base_path.as_deref()) {
            None | Some("") | Some("/") => None,
            Some(b) => Some(b),
        };
        let router = Router::new(&ir.routes, base)
            .map_err(|c| BuildError::Unsupported(format!("CORS route table: {c}")))?;
        Ok(Some(Cors {
            policies,
            per_route,
            api: ir.cors.map(|id| id.0),
            router,
        }))
    }

    fn policy(&self, route: Option<u32>) -> Option<&Policy> {
        let id = match route {
            Some(r) => self.per_route.get(r as usize).copied().flatten(),
            None => self.api,
        }?;
        self.policies.get(id as usize)
    }

    /// What [`Cors::decorate`] needs to know about the request, read before the request is
    /// handed to the pipeline.
    pub(crate) fn observe<B>(req: &Request<B>) -> CorsRequest {
        let origin = req.headers().get(ORIGIN).cloned();
        CorsRequest {
            preflight: origin.is_some()
                && req.method() == Method::OPTIONS
                && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD),
            origin,
        }
    }

    /// Adds the CORS headers of the request's route (the API-wide policy when it matched
    /// none) to its final response, replacing any the backend sent.
    pub(crate) fn decorate(
        &self,
        route: Option<u32>,
        request: &CorsRequest,
        resp: &mut Response<Body>,
    ) {
        let Some(policy) = self.policy(route) else {
            return;
        };
        if request.preflight {
            // The preflight step answered it (a policy exists), complete already.
            return;
        }
        let headers = resp.headers_mut();
        for name in [
            &ACCESS_CONTROL_ALLOW_ORIGIN,
            &ACCESS_CONTROL_ALLOW_CREDENTIALS,
            &ACCESS_CONTROL_EXPOSE_HEADERS,
            &ACCESS_CONTROL_ALLOW_METHODS,
            &ACCESS_CONTROL_ALLOW_HEADERS,
            &ACCESS_CONTROL_MAX_AGE,
        ] {
            headers.remove(name);
        }
        if policy.apply_origin(request.origin.as_ref(), headers)
            && let Some(expose) = &policy.expose
        {
            headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone());
        }
    }

    /// The preflight answer, or `None` when the request is not a preflight this gateway
    /// answers (an `OPTIONS` without CORS request headers goes on to routing).
    fn preflight(&self, req: &Request<RequestBody>) -> Option<Response<Body>> {
        if req.method() != Method::OPTIONS {
            return None;
        }
        let origin = req.headers().get(ORIGIN)?;
        let requested = req.headers().get(ACCESS_CONTROL_REQUEST_METHOD)?;
        let method = Method::from_bytes(requested.as_bytes()).ok();
        let path = req.uri().path();
        let found = method
            .as_ref()
            .map(|m| self.router.lookup(m, path))
            .and_then(|l| match l {
                Lookup::Found(id, _) => Some(id),
                _ => None,
            });
        let policy = match found {
            Some(id) => self.policy(Some(id)),
            None => self.policy(None),
        }?;
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::NO_CONTENT;
        let headers = resp.headers_mut();
        if !policy.apply_origin(Some(origin), headers) {
            return Some(resp);
        }
        match (&policy.methods, found) {
            (Some(methods), _) => {
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, methods.clone());
            }
            (None, Some(_)) => {
                headers.insert(ACCESS_CONTROL_ALLOW_METHODS, requested.clone());
            }
            (None, None) => {}
        }
        if policy.any_header {
            if let Some(asked) = req.headers().get(ACCESS_CONTROL_REQUEST_HEADERS) {
                headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
            }
        } else if let Some(allowed) = &policy.headers {
            headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, allowed.clone());
        }
        if let Some(max_age) = &policy.max_age {
            headers.insert(ACCESS_CONTROL_MAX_AGE, max_age.clone());
        }
        Some(resp)
    }
}

impl RequestStep for Cors {
    type Local = ();
    type Resumed = ();

    fn local(&self) {}

    fn check(
        &self,
        _local: &(),
        _ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<()> {
        Check::Done(Ok(match self.preflight(req) {
            Some(resp) => Verdict::Respond(resp),
            None => Verdict::Continue,
        }))
    }
}

#[cfg(test)]
mod tests;
