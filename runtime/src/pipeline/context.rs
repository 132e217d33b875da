//! The request context: what the steps of one request fill and read, and what the
//! integration, the gateway responses and the access log see (AWS's `$context`).
//!
//! It is made once per request with nothing but the request id, the client and the start
//! time; every other field stays empty (a `None`, no allocation) until a step fills it.

// Claims, authorizer context and plan are filled and read by the authorizer and usage-plan
// steps of later issues; the slots exist now so that their shape is settled.
#![allow(dead_code)]

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::{HeaderValue, Method};

use crate::integration::proxy::ClientInfo;
use crate::ir::vtl;
use crate::ir::{AuthorizerValue, ErrorType};
use crate::router::Params;

/// One request's context.
#[derive(Debug)]
pub(crate) struct RequestContext {
    /// `$context.requestId`: the client's well-formed `x-request-id`, or a new one, set by the
    /// pipeline's first look at the head.
    pub(crate) request_id: HeaderValue,
    /// The client connection (`$context.identity.sourceIp`); the address as seen through
    /// trusted proxies once the endpoint work configures them.
    pub(crate) client: Rc<ClientInfo>,
    /// `$context.httpMethod`.
    pub(crate) method: Method,
    /// The matched route's index in the gateway, once routed.
    pub(crate) route: Option<u32>,
    /// Path parameters captured by the router (`$context.path`/`$input.params()` later).
    pub(crate) params: Params,
    /// The authorizer's verdict (`$context.authorizer.*`); the authorizer step fills it.
    pub(crate) identity: Option<Box<Identity>>,
    /// The API key and usage plan that admitted the request (`$context.identity.apiKeyId`);
    /// the usage-plan step fills it.
    pub(crate) api_key: Option<ApiKeyUse>,
    /// The response cache's note on this request (its entry, hit or miss), when the route
    /// is cached; the cache lookup fills it, the cache store and the access log read it.
    pub(crate) cache: Option<Box<crate::step::cache::Note>>,
    /// When things happened, for latency figures.
    pub(crate) timings: Timings,
    /// The gateway response type the request ended with, if it failed
    /// (`$context.error.responseType`).
    pub(crate) error: Option<ErrorType>,
    /// `$context.error.validationErrorString` of the access log: what request validation
    /// found wrong, set by the validation step when it refuses the request (the gateway
    /// response reads its own copy from the error).
    pub(crate) validation_error: Option<Box<str>>,
    /// What the WAF decided and which rules matched (`$context.waf.*`, per-rule metrics);
    /// `None` when no WAF ran.
    pub(crate) waf: Option<Box<crate::step::waf::WafOutcome>>,
}

/// What an authorizer established about the caller.
#[derive(Debug, Default)]
pub(crate) struct Identity {
    /// `$context.authorizer.principalId`.
    pub(crate) principal: Option<Box<str>>,
    /// Verified token claims (`$context.authorizer.claims.*`).
    /// Shared with the worker's cache of verified tokens: a cached token costs no copy.
    pub(crate) claims: std::sync::Arc<serde_json::Map<String, serde_json::Value>>,
    /// A custom authorizer's context map (`$context.authorizer.KEY`).
    pub(crate) context: Vec<(Box<str>, Box<str>)>,
    /// A custom authorizer's `usageIdentifierKey`: the API key when the API's key source
    /// is `authorizer`.
    pub(crate) usage_identifier_key: Option<Box<str>>,
}

impl Identity {
    /// `$context.authorizer.claims.NAME` or `$context.authorizer.KEY` as text, read only
    /// where a mapping, template or log format names it: a claim's string as is, a number or
    /// boolean as JSON, an array's items joined with `,` (`cognito:groups` → `admin,staff`),
    /// an object as JSON.
    pub(crate) fn value(&self, which: &AuthorizerValue) -> Option<Cow<'_, str>> {
        match which {
            AuthorizerValue::Claim(name) => self.claims.get(name).map(claim_text),
            AuthorizerValue::Context(key) => self
                .context
                .iter()
                .find(|(k, _)| **k == **key)
                .map(|(_, v)| Cow::Borrowed(&**v)),
        }
    }

    /// `$context.authorizer` for VTL templates: `principalId`, `claims` (each as
    /// [`Identity::value`] renders it) and the custom authorizer's context keys. Built only
    /// when a template renders.
    pub(crate) fn vtl(&self) -> vtl::Value {
        let mut map = Vec::with_capacity(self.context.len() + 2);
        if let Some(p) = self.principal.as_deref() {
            map.push(("principalId".to_owned(), vtl::Value::str(p)));
        }
        if !self.claims.is_empty() {
            map.push((
                "claims".to_owned(),
                vtl::Value::Map(
                    self.claims
                        .iter()
                        .map(|(k, v)| (k.clone(), vtl::Value::str(claim_text(v))))
                        .collect(),
                ),
            ));
        }
        for (k, v) in &self.context {
            map.push((k.to_string(), vtl::Value::str(&**v)));
        }
        vtl::Value::Map(map)
    }
}

fn claim_text(v: &serde_json::Value) -> Cow<'_, str> {
    use serde_json::Value as J;
    match v {
        J::String(s) => Cow::Borrowed(s),
        J::Array(items) => {
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match item {
                    J::String(s) => out.push_str(s),
                    other => out.push_str(&other.to_string()),
                }
            }
            Cow::Owned(out)
        }
        other => Cow::Owned(other.to_string()),
    }
}

/// The API key a request presented and the plan it belongs to.
#[derive(Debug)]
pub(crate) struct ApiKeyUse {
    /// `$context.identity.apiKeyId`: the key's id, never its value. Shared with the key
    /// snapshot, so filling it per request copies nothing.
    pub(crate) key_id: Arc<str>,
    /// The usage plan's name, shared with the compiled route.
    pub(crate) plan: Arc<str>,
    /// `$context.identity.apiKey`, masked: `****` and the value's last four bytes (a
    /// key is 20 to 128 visible ASCII characters), kept inline so that no allocation holds
    /// any of the value.
    pub(crate) hint: [u8; 8],
}

impl ApiKeyUse {
    /// The masked key of `value`: `****` and its last four bytes.
    pub(crate) fn mask(value: &[u8]) -> [u8; 8] {
        let mut hint = *b"********";
        let tail = &value[value.len().saturating_sub(4)..];
        hint[8 - tail.len()..].copy_from_slice(tail);
        hint
    }

    /// The masked key as text (`None` only if the key was not ASCII, which a known key is).
    pub(crate) fn hint(&self) -> Option<&str> {
        std::str::from_utf8(&self.hint).ok()
    }
}

/// Monotonic instants of one request, plus the wall-clock start for logs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    /// When the gateway started on the request (after its head was read); `None` on a
    /// gateway that reads it nowhere (no metrics, no access log, no body templates), which
    /// saves a clock read per request.
    pub(crate) start: Option<Instant>,
    /// When the integration was called.
    pub(crate) integration_start: Option<Instant>,
    /// When the integration's response head arrived (or it failed).
    pub(crate) integration_end: Option<Instant>,
}

impl Timings {
    fn new(clocked: bool) -> Timings {
        Timings {
            start: clocked.then(Instant::now),
            integration_start: None,
            integration_end: None,
        }
    }

    /// `$context.integrationLatency`: from calling the integration to its response head.
    pub(crate) fn integration_latency(&self) -> Option<Duration> {
        Some(
            self.integration_end?
                .saturating_duration_since(self.integration_start?),
        )
    }

    /// `$context.requestTime`: the wall clock at `start`, worked out only when a log line
    /// or a template needs it (one clock read per request fewer); now, if the request was
    /// not clocked.
    pub(crate) fn wall_start(&self) -> SystemTime {
        let Some(start) = self.start else {
            return SystemTime::now();
        };
        SystemTime::now()
            .checked_sub(start.elapsed())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// `$context.responseLatency` so far (zero if the request was not clocked).
    pub(crate) fn elapsed(&self) -> Duration {
        self.start.map_or(Duration::ZERO, |s| s.elapsed())
    }
}

impl RequestContext {
    /// A context for a request that has just arrived, with its arrival clocked.
    pub(crate) fn new(request_id: HeaderValue, client: Rc<ClientInfo>, method: Method) -> Self {
        let mut ctx = Self::arrived(client, method, true);
        ctx.request_id = request_id;
        ctx
    }

    /// A context for a request that has just arrived; `clocked`: whether anything will read
    /// its arrival time ([`Timings::start`]). Its request id is empty until the pipeline's
    /// first look at the head sets it.
    pub(crate) fn arrived(client: Rc<ClientInfo>, method: Method, clocked: bool) -> Self {
        RequestContext {
            request_id: HeaderValue::from_static(""),
            client,
            method,
            route: None,
            params: Params::default(),
            identity: None,
            api_key: None,
            cache: None,
            timings: Timings::new(clocked),
            error: None,
            validation_error: None,
            waf: None,
        }
    }
}
