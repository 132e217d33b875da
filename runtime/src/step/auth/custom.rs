//! Custom (Lambda-style) authorizers: the request's identity sources are posted as AWS's
//! authorizer event (TOKEN, REQUEST 1.0 or 2.0) to the endpoint the spec names, or handed as
//! a typed [`AuthorizerRequest`] to an in-process `#[gateway(authorizer = …)]` Rust function;
//! the answer (an IAM policy `{principalId, policyDocument, context, usageIdentifierKey}` or
//! the 2.0 simple `{isAuthorized, context}`; a Rust function's [`Authorization`] is written in
//! the policy form) decides. From the answer on, both kinds take the same code: the result
//! cache, the policy evaluation, the identity in the request context.
//!
//! Answers are cached in the shared state (so replicas share them through Redis) under a hash
//! of the identity values, for `result_ttl`. What is cached is the answer itself, evaluated
//! again against each request's method ARN: a cached Allow for `GET /a` does not admit
//! `DELETE /a`. Each worker also keeps the answers it decoded ([`LocalAnswers`]) until the
//! shared entry's own expiry, so a cache hit costs a digest and a map lookup, not a state read
//! and a JSON parse.
//!
//! AWS's outcomes: a missing identity source or a token failing `identity_validation` → 401
//! without calling; the authorizer answering 401 (AWS: the function's `Unauthorized` error) →
//! 401; an explicit Deny or no matching Allow → 403; a timeout, connection failure or other
//! status → 500 `AUTHORIZER_FAILURE`; an answer that is not a policy → 500
//! `AUTHORIZER_CONFIGURATION_ERROR`. A Rust function's `Error::unauthorized` is the 401; its
//! other errors, a panic or its timeout are 500 `AUTHORIZER_FAILURE`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Method, Request, Uri};
use regex::Regex;
use serde_json::{Map, Value, json};

use super::fetch::Client;
use super::source::Source;
use super::{Auth, Resumed, unauthorized};
use crate::body::RequestBody;
use crate::error::GatewayError;
use crate::handler::{
    Authorization, AuthorizerDef, AuthorizerEvent, AuthorizerFuture, AuthorizerRequest,
    AuthorizerRequestContext,
};
use crate::integration::handler::CatchUnwind;
use crate::ir::{self, ErrorType};
use crate::pipeline::{Identity, RequestContext};
use crate::state::{Pending, State};
use crate::step::SlowPath;
use crate::step::{BuildContext, Check, StepResult, Verdict};

/// Largest authorizer answer read (AWS limits a Lambda authorizer's answer to 8 KB).
const MAX_ANSWER: usize = 64 * 1024;

/// A compiled custom authorizer.
#[derive(Debug)]
pub(crate) struct CustomAuth {
    name: Box<str>,
    target: Target,
    sources: Box<[Source]>,
    ttl: Duration,
    timeout: Duration,
    token_event: bool,
    v2: bool,
    simple: bool,
    validation: Option<Regex>,
    /// A REST API (`kind: rest`): a policy's deny answers with AWS REST's own bodies
    /// ([`EXPLICIT_DENY`], [`NO_ALLOW`]) and the REQUEST 1.0 event is REST's; the native
    /// `http` kind answers the plain `ACCESS_DENIED` and sends HTTP APIs' 1.0 event.
    rest: bool,
    state: State,
    stage: Box<str>,
    /// The stage's variables, for Rust authorizers' REQUEST events.
    stage_variables: Box<[(Box<str>, Box<str>)]>,
}

/// Who answers.
enum Target {
    /// An endpoint, posted the event as JSON.
    Http { uri: Uri, client: Client },
    /// A `#[gateway(authorizer = …)]` function, called in-process.
    Rust {
        path: Box<str>,
        call: fn(AuthorizerRequest) -> AuthorizerFuture,
        /// The application state its `State<T>` arguments read.
        app: crate::handler::AppState,
    },
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Http { uri, .. } => write!(f, "Http({uri})"),
            Target::Rust { path, .. } => write!(f, "Rust({path})"),
        }
    }
}

/// What the slow path brings back.
#[derive(Debug)]
pub(crate) enum CustomResumed {
    /// The authorizer's answer: fresh (`expires: None`, so it lives `result_ttl` from now), or
    /// from a remote cache entry that expires at `expires` (milliseconds since the epoch).
    Answer {
        body: Bytes,
        expires: Option<u64>,
        digest: Option<Digest>,
    },
    /// The authorizer could not be asked, or answered in a way that decides on its own.
    Failed(ErrorType, String),
}

impl CustomAuth {
    pub(crate) fn compile(
        cx: &BuildContext<'_>,
        name: &str,
        c: &ir::CustomAuthorizer,
        client: impl FnOnce() -> Result<Client, String>,
    ) -> Result<CustomAuth, String> {
        let target = match &c.handler {
            Some(path) if !c.uri.parts.is_empty() => {
                return Err(format!(
                    "names both a `uri` and a Rust `handler` ({path}); give exactly one"
                ));
            }
            Some(path) => {
                let def: &AuthorizerDef = cx.handlers.find_authorizer(path).ok_or_else(|| {
                    format!(
                        "no `#[gateway(authorizer = …)]` function `{path}` is linked into this gateway (Rust authorizers run in a built crate: `gwc build`, then `cargo run` in it)"
                    )
                })?;
                (def.check)(&cx.handlers.state)?;
                Target::Rust {
                    path: path.as_ref().into(),
                    call: def.call,
                    app: cx.handlers.state.clone(),
                }
            }
            None => Target::Http {
                uri: Self::uri(cx, c)?,
                client: client()?,
            },
        };
        let sources = super::source::compile_all(&c.identity_sources, cx.stage_variables)?;
        if sources.is_empty() {
            return Err("a custom authorizer needs at least one identity source".into());
        }
        let validation = match &c.identity_validation {
            Some(re) => Some(
                Regex::new(&format!("^(?:{re})$"))
                    .map_err(|e| format!("identity_validation: {e}"))?,
            ),
            None => None,
        };
        let mut stage_variables: Vec<(Box<str>, Box<str>)> = cx
            .stage_variables
            .iter()
            .map(|(k, v)| (Box::from(*k), Box::from(*v)))
            .collect();
        stage_variables.sort();
        Ok(CustomAuth {
            name: name.into(),
            target,
            sources,
            ttl: c.result_ttl.as_duration(),
            timeout: c.timeout.as_duration(),
            token_event: c.token_event,
            v2: c.payload_v2,
            simple: c.payload_v2 && c.simple_responses,
            validation,
            rest: cx.ir.kind == ir::ApiKind::Rest,
            state: cx.state.clone(),
            stage: cx.stage.into(),
            stage_variables: stage_variables.into(),
        })
    }

    /// The endpoint of an HTTP authorizer, stage variables substituted.
    fn uri(cx: &BuildContext<'_>, c: &ir::CustomAuthorizer) -> Result<Uri, String> {
        let uri_text: String = c
            .uri
            .parts
            .iter()
            .map(|p| match p {
                ir::UriPart::Text(s) => s.to_string(),
                ir::UriPart::StageVariable(v) => cx
                    .stage_variables
                    .get(v.as_ref())
                    .copied()
                    .unwrap_or("")
                    .to_owned(),
                ir::UriPart::PathParam(p) => format!("{{{p}}}"),
            })
            .collect();
        super::parse_uri(&uri_text)
    }

    /// A digest of the identity values: the key of cached answers (never the values
    /// themselves, which may be tokens).
    fn digest(values: &[String]) -> Digest {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for v in values {
            ctx.update(&(v.len() as u64).to_be_bytes());
            ctx.update(v.as_bytes());
        }
        let mut out = [0; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// The shared state's key for `digest`: `authz:{name}:{hex digest}`.
    fn state_key(&self, digest: &Digest) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut key = String::with_capacity(7 + self.name.len() + 64);
        key.push_str("authz:");
        key.push_str(&self.name);
        key.push(':');
        for b in digest {
            key.push(HEX[usize::from(b >> 4)] as char);
            key.push(HEX[usize::from(b & 15)] as char);
        }
        key
    }

    pub(crate) fn check(
        &self,
        step: &Auth,
        local: &super::AuthLocal,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
    ) -> Check<Resumed> {
        let mut values = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            match s.read(req, ctx) {
                Some(v) => values.push(v.into_owned()),
                None => {
                    return Check::Done(Err(unauthorized("identity source missing", false, false)));
                }
            }
        }
        if let Some(re) = &self.validation
            && !re.is_match(&values[0])
        {
            return Check::Done(Err(unauthorized(
                "token fails identity_validation",
                false,
                false,
            )));
        }
        let arn = step.method_arn(req);
        let digest = (!self.ttl.is_zero()).then(|| Self::digest(&values));
        let remote_cache = match &digest {
            None => None,
            Some(digest) => {
                if let Some(answer) = local.answers.get(digest) {
                    local.cache_hit.set(true);
                    return Check::Done(self.decide_answer(ctx, &arn, &answer));
                }
                match self.state.get(&self.state_key(digest)) {
                    Pending::Ready(Ok(Some(cached))) => {
                        local.cache_hit.set(true);
                        return Check::Done(match split_entry(&cached) {
                            Some((expires, body)) => {
                                self.decide_stored(local, ctx, &arn, body, expires, *digest)
                            }
                            None => self.decide(ctx, &arn, &cached),
                        });
                    }
                    Pending::Ready(Ok(None) | Err(_)) => None,
                    Pending::Remote(f) => Some(f),
                }
            }
        };
        let call = match &self.target {
            Target::Http { uri, client } => {
                let event = self.event(step, ctx, req, &values, &arn);
                self.call(uri, client, event)
            }
            Target::Rust { path, call, app } => {
                let request = self.rust_request(step, ctx, req, values, arn, app);
                self.call_rust(path, *call, request)
            }
        };
        let state = self.state.clone();
        let ttl = self.ttl;
        let key = digest.map(|d| (self.state_key(&d), d));
        Check::Pending(Box::pin(async move {
            if let Some(f) = remote_cache
                && let Ok(Some(cached)) = f.await
            {
                return Resumed::Custom(match split_entry(&cached) {
                    Some((expires, body)) => CustomResumed::Answer {
                        body: cached.slice(cached.len() - body.len()..),
                        expires: Some(expires),
                        digest: key.map(|(_, d)| d),
                    },
                    None => CustomResumed::Answer {
                        body: cached,
                        expires: None,
                        digest: None,
                    },
                });
            }
            let mut answer = call.await;
            if let (CustomResumed::Answer { body, digest, .. }, Some((key, d))) = (&mut answer, key)
                && parse(body).is_ok()
            {
                let entry = stored_entry(unix_ms().saturating_add(millis(ttl)), body);
                let _ = state.put(&key, entry, ttl).await;
                *digest = Some(d);
            }
            Resumed::Custom(answer)
        }))
    }

    pub(crate) fn resume(
        &self,
        step: &Auth,
        local: &super::AuthLocal,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
        resumed: CustomResumed,
    ) -> StepResult {
        match resumed {
            CustomResumed::Answer {
                body,
                expires,
                digest,
            } => {
                let arn = step.method_arn(req);
                match digest {
                    Some(digest) => {
                        let expires =
                            expires.unwrap_or_else(|| unix_ms().saturating_add(millis(self.ttl)));
                        self.decide_stored(local, ctx, &arn, &body, expires, digest)
                    }
                    None => self.decide(ctx, &arn, &body),
                }
            }
            CustomResumed::Failed(kind, detail) => Err(if kind == ErrorType::Unauthorized {
                unauthorized(detail, false, false)
            } else {
                GatewayError::new(kind, detail)
            }),
        }
    }

    /// The call to a Rust authorizer, within the authorizer's timeout; its answer is written
    /// as an HTTP authorizer's, so what follows is the same.
    fn call_rust(
        &self,
        path: &str,
        call: fn(AuthorizerRequest) -> AuthorizerFuture,
        request: AuthorizerRequest,
    ) -> SlowPath<CustomResumed> {
        let timeout = self.timeout;
        let name = self.name.clone();
        let path: Box<str> = path.into();
        Box::pin(async move {
            match tokio::time::timeout(timeout, CatchUnwind(call(request))).await {
                Ok(Ok(Ok(answer))) => CustomResumed::Answer {
                    body: Bytes::from(Authorization::to_answer(&answer)),
                    expires: None,
                    digest: None,
                },
                Ok(Ok(Err(e))) if e.kind == ErrorType::Unauthorized => CustomResumed::Failed(
                    ErrorType::Unauthorized,
                    format!("authorizer {name} (`{path}`): {}", e.detail),
                ),
                Ok(Ok(Err(e))) => CustomResumed::Failed(
                    ErrorType::AuthorizerFailure,
                    format!("authorizer {name} (`{path}`) failed: {}", e.detail),
                ),
                Ok(Err(())) => CustomResumed::Failed(
                    ErrorType::AuthorizerFailure,
                    format!("authorizer {name} (`{path}`) panicked"),
                ),
                Err(_) => CustomResumed::Failed(
                    ErrorType::AuthorizerFailure,
                    format!("authorizer {name} (`{path}`) over its {timeout:?} timeout"),
                ),
            }
        })
    }

    /// AWS's event as a Rust authorizer receives it.
    fn rust_request(
        &self,
        step: &Auth,
        ctx: &RequestContext,
        req: &Request<RequestBody>,
        values: Vec<String>,
        arn: String,
        app: &crate::handler::AppState,
    ) -> AuthorizerRequest {
        let path = req.uri().path();
        let method = req.method().as_str();
        let request_context = AuthorizerRequestContext {
            request_id: ctx.request_id.to_str().unwrap_or("").to_owned(),
            stage: self.stage.to_string(),
            source_ip: ctx.client.ip.to_str().unwrap_or("").to_owned(),
            resource_path: step.resource.to_string(),
            http_method: method.to_owned(),
            path: path.to_owned(),
        };
        let mut request = AuthorizerRequest {
            event: AuthorizerEvent::Token,
            identity_source: values,
            method_arn: arn,
            resource: step.resource.to_string(),
            path: path.to_owned(),
            http_method: method.to_owned(),
            headers: http::HeaderMap::new(),
            query: Vec::new(),
            path_parameters: Vec::new(),
            stage_variables: Vec::new(),
            request_context,
            app: app.clone(),
        };
        if self.token_event {
            return request;
        }
        request.event = AuthorizerEvent::Request;
        request.headers = req.headers().clone();
        request.query = req
            .uri()
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        request.path_parameters = step
            .params
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                ctx.params
                    .decoded(path, i)
                    .map(|v| (name.to_string(), v.into_owned()))
            })
            .collect();
        request.stage_variables = self
            .stage_variables
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        request
    }

    /// The call to an HTTP authorizer, as a future that owns what it needs.
    fn call(&self, uri: &Uri, client: &Client, event: Value) -> SlowPath<CustomResumed> {
        let client = client.clone();
        let uri = uri.clone();
        let timeout = self.timeout;
        let name = self.name.clone();
        Box::pin(async move {
            let body = Bytes::from(event.to_string());
            match client
                .send(Method::POST, &uri, Some(body), timeout, MAX_ANSWER)
                .await
            {
                Ok(f) if f.status == http::StatusCode::OK => CustomResumed::Answer {
                    body: f.body,
                    expires: None,
                    digest: None,
                },
                Ok(f) if f.status == http::StatusCode::UNAUTHORIZED => CustomResumed::Failed(
                    ErrorType::Unauthorized,
                    format!("authorizer {name} answered Unauthorized"),
                ),
                Ok(f) => CustomResumed::Failed(
                    ErrorType::AuthorizerFailure,
                    format!("authorizer {name} answered {}", f.status),
                ),
                Err(e) => CustomResumed::Failed(
                    ErrorType::AuthorizerFailure,
                    format!("authorizer {name}: {e}"),
                ),
            }
        })
    }

    /// Decides on an answer for this request's method ARN and fills the identity.
    fn decide(&self, ctx: &mut RequestContext, arn: &str, body: &[u8]) -> StepResult {
        match parse(body) {
            Ok(answer) => self.decide_answer(ctx, arn, &answer),
            Err(e) => Err(self.malformed(&e)),
        }
    }

    /// [`Self::decide`] on a cacheable answer, which this worker keeps decoded until
    /// `expires` (milliseconds since the epoch: the shared entry's own expiry).
    fn decide_stored(
        &self,
        local: &super::AuthLocal,
        ctx: &mut RequestContext,
        arn: &str,
        body: &[u8],
        expires: u64,
        digest: Digest,
    ) -> StepResult {
        let answer = match parse(body) {
            Ok(a) => Arc::new(a),
            Err(e) => return Err(self.malformed(&e)),
        };
        let left = Duration::from_millis(expires.saturating_sub(unix_ms()));
        if !left.is_zero() {
            local.answers.put(digest, answer.clone(), left);
        }
        self.decide_answer(ctx, arn, &answer)
    }

    fn malformed(&self, e: &str) -> Box<GatewayError> {
        GatewayError::new(
            ErrorType::AuthorizerConfigurationError,
            format!("authorizer {}: {e}", self.name),
        )
    }

    /// Decides on a parsed answer for this request's method ARN and fills the identity.
    fn decide_answer(&self, ctx: &mut RequestContext, arn: &str, answer: &Answer) -> StepResult {
        let refused = match &answer.decision {
            Decision::Simple(ok) if self.simple => (!*ok).then_some(Refusal::Simple),
            Decision::Simple(_) => {
                return Err(GatewayError::new(
                    ErrorType::AuthorizerConfigurationError,
                    format!(
                        "authorizer {}: a simple answer without simple_responses",
                        self.name
                    ),
                ));
            }
            Decision::Policy(statements) => match evaluate(statements, arn) {
                Effect::Deny => Some(Refusal::ExplicitDeny),
                Effect::Allow => None,
                Effect::None => Some(Refusal::NoAllow),
            },
        };
        // A deny keeps the principal and context too: gateway responses read them
        // (`$context.authorizer.KEY` in an ACCESS_DENIED template), as on AWS.
        ctx.identity = Some(Box::new(Identity {
            principal: answer.principal.as_deref().map(Into::into),
            claims: Arc::default(),
            context: answer.context.clone(),
            usage_identifier_key: answer
                .usage_key
                .as_deref()
                .filter(|_| refused.is_none())
                .map(Into::into),
        }));
        let Some(refusal) = refused else {
            return Ok(Verdict::Continue);
        };
        let (why, aws) = match refusal {
            Refusal::Simple => ("not authorized", None),
            Refusal::ExplicitDeny => ("explicit deny", Some(EXPLICIT_DENY)),
            Refusal::NoAllow => ("no statement allows it", Some(NO_ALLOW)),
        };
        let error = GatewayError::new(
            ErrorType::AccessDenied,
            format!("authorizer {}: {why}", self.name),
        );
        Err(match aws {
            Some((message, body)) if self.rest => error.with_message(message).with_body(body),
            _ => error,
        })
    }

    /// AWS's authorizer event for this request.
    fn event(
        &self,
        step: &Auth,
        ctx: &RequestContext,
        req: &Request<RequestBody>,
        values: &[String],
        arn: &str,
    ) -> Value {
        if self.token_event {
            return json!({"type": "TOKEN", "authorizationToken": values[0], "methodArn": arn});
        }
        let method = req.method().as_str();
        let path = req.uri().path();
        let query = req.uri().query().unwrap_or("");
        let mut query_map = Map::new();
        let mut multi_query = Map::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = decode(k);
            let v = decode(v);
            query_map.insert(k.clone(), Value::String(v.clone()));
            if let Some(Value::Array(list)) = multi_query.get_mut(&k) {
                list.push(Value::String(v));
            } else {
                multi_query.insert(k, json!([v]));
            }
        }
        let mut headers = Map::new();
        let mut multi_headers = Map::new();
        for (name, value) in req.headers() {
            let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let key = name.as_str().to_owned();
            match headers.get_mut(&key) {
                Some(Value::String(existing)) if self.v2 => {
                    existing.push(',');
                    existing.push_str(&v);
                }
                _ => {
                    headers.insert(key.clone(), Value::String(v.clone()));
                }
            }
            if let Some(Value::Array(list)) = multi_headers.get_mut(&key) {
                list.push(Value::String(v));
            } else {
                multi_headers.insert(key, json!([v]));
            }
        }
        let source_ip = ctx.client.ip.to_str().unwrap_or("");
        let request_id = ctx.request_id.to_str().unwrap_or("");
        let route_key = format!("{method} {}", step.resource);
        if self.v2 {
            json!({
                "version": "2.0",
                "type": "REQUEST",
                "routeArn": arn,
                "identitySource": values,
                "routeKey": route_key,
                "rawPath": path,
                "rawQueryString": query,
                "headers": headers,
                "queryStringParameters": query_map,
                "requestContext": {
                    "http": {"method": method, "path": path, "sourceIp": source_ip},
                    "requestId": request_id,
                    "routeKey": route_key,
                    "stage": &*self.stage,
                },
            })
        } else {
            let path_parameters: Map<String, Value> = step
                .params
                .iter()
                .enumerate()
                .filter_map(|(i, name)| {
                    let v = ctx.params.decoded(path, i)?;
                    Some((name.to_string(), Value::String(v.into_owned())))
                })
                .collect();
            let stage_variables: Map<String, Value> = self
                .stage_variables
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect();
            // `arn:aws:execute-api:{region}:{account}:{api}/{stage}`
            let mut arn_parts = step.arn_prefix.split(['/', ':']).skip(4);
            let account = arn_parts.next().unwrap_or("");
            let api = arn_parts.next().unwrap_or("");
            let mut event = json!({
                "type": "REQUEST",
                "methodArn": arn,
                "resource": &*step.resource,
                "path": path,
                "httpMethod": method,
                "headers": headers,
                "multiValueHeaders": multi_headers,
                "queryStringParameters": query_map,
                "multiValueQueryStringParameters": multi_query,
                "pathParameters": path_parameters,
                "stageVariables": stage_variables,
                "requestContext": {
                    "path": path,
                    "accountId": account,
                    "apiId": api,
                    "stage": &*self.stage,
                    "requestId": request_id,
                    "httpMethod": method,
                    "resourcePath": &*step.resource,
                    "identity": {"sourceIp": source_ip},
                },
            });
            // HTTP APIs' 1.0 event (the native `http` kind) adds the version and the
            // identity sources.
            if !self.rest
                && let Value::Object(event) = &mut event
            {
                event.insert("version".into(), "1.0".into());
                event.insert("identitySource".into(), values.join(",").into());
                event.insert("authorizationToken".into(), values[0].clone().into());
            }
            event
        }
    }
}

/// Why an answer refuses the request.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// A simple response's `isAuthorized: false`.
    Simple,
    /// A policy statement denies the method ARN.
    ExplicitDeny,
    /// No policy statement allows the method ARN.
    NoAllow,
}

/// AWS REST's answer to a policy that denies the method ARN: the message and the exact body
/// (AWS writes `Message` with a capital M here, unlike its other gateway responses).
const EXPLICIT_DENY: (&str, &str) = (
    "User is not authorized to access this resource with an explicit deny",
    r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
);

/// AWS REST's answer to a policy that does not allow the method ARN (also a cached policy
/// replayed on another method or path).
const NO_ALLOW: (&str, &str) = (
    "User is not authorized to access this resource",
    r#"{"Message":"User is not authorized to access this resource"}"#,
);

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_encoding::percent_decode_str(&s)
        .decode_utf8_lossy()
        .into_owned()
}

/// A SHA-256 digest of an identity's values.
pub(crate) type Digest = [u8; 32];

/// Answers this worker decoded, by identity digest, each until its shared entry expires.
#[derive(Debug, Default)]
pub(crate) struct LocalAnswers(RefCell<HashMap<Digest, (Arc<Answer>, Instant)>>);

/// Decoded answers kept per route and worker; when full, the map starts over (only answers
/// the authorizer gave get in).
const LOCAL_ANSWERS: usize = 1024;

impl LocalAnswers {
    fn get(&self, digest: &Digest) -> Option<Arc<Answer>> {
        let map = self.0.borrow();
        let (answer, expires) = map.get(digest)?;
        (Instant::now() < *expires).then(|| answer.clone())
    }

    fn put(&self, digest: Digest, answer: Arc<Answer>, life: Duration) {
        let mut map = self.0.borrow_mut();
        if map.len() >= LOCAL_ANSWERS {
            map.clear();
        }
        map.insert(digest, (answer, Instant::now() + life));
    }
}

/// The first byte of a shared-state entry with an expiry. Entries written before the expiry
/// was stored (a replica of an older version on the same Redis) are the answer's JSON alone,
/// which never starts with this byte; they are still read, without the worker's copy.
const ENTRY_V1: u8 = 1;

/// A shared-state entry: [`ENTRY_V1`], the expiry (milliseconds since the epoch, 8 bytes
/// big-endian), then the answer as the authorizer gave it.
fn stored_entry(expires: u64, body: &[u8]) -> Bytes {
    let mut entry = Vec::with_capacity(9 + body.len());
    entry.push(ENTRY_V1);
    entry.extend_from_slice(&expires.to_be_bytes());
    entry.extend_from_slice(body);
    entry.into()
}

/// The expiry and the answer of a shared-state entry; `None` for an entry without expiry.
fn split_entry(entry: &[u8]) -> Option<(u64, &[u8])> {
    let rest = entry.strip_prefix(&[ENTRY_V1])?;
    let (expires, body) = rest.split_first_chunk::<8>()?;
    Some((u64::from_be_bytes(*expires), body))
}

fn unix_ms() -> u64 {
    millis(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default(),
    )
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A parsed answer.
#[derive(Debug)]
pub(crate) struct Answer {
    principal: Option<String>,
    pub(crate) decision: Decision,
    context: Vec<(Box<str>, Box<str>)>,
    usage_key: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Decision {
    Simple(bool),
    Policy(Vec<Statement>),
}

/// One policy statement that applies to `execute-api:Invoke`.
#[derive(Debug)]
pub(crate) struct Statement {
    allow: bool,
    resources: Vec<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
    None,
}

/// Reads an authorizer's answer: a policy or a simple response.
pub(crate) fn parse(body: &[u8]) -> Result<Answer, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("answer is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("answer is not a JSON object")?;
    let mut context = Vec::new();
    if let Some(Value::Object(c)) = obj.get("context") {
        for (k, v) in c {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                // AWS refuses nested values in the context.
                _ => {
                    return Err(format!(
                        "context value `{k}` is not a string, number or boolean"
                    ));
                }
            };
            context.push((k.as_str().into(), text.into()));
        }
    }
    if let Some(ok) = obj.get("isAuthorized") {
        let ok = ok.as_bool().ok_or("isAuthorized is not a boolean")?;
        return Ok(Answer {
            principal: None,
            decision: Decision::Simple(ok),
            context,
            usage_key: None,
        });
    }
    let principal = obj
        .get("principalId")
        .and_then(Value::as_str)
        .ok_or("answer has no principalId")?
        .to_owned();
    let doc = obj
        .get("policyDocument")
        .and_then(Value::as_object)
        .ok_or("answer has no policyDocument")?;
    let statements = match doc.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => return Err("policyDocument has no Statement".into()),
    };
    let mut out = Vec::new();
    for s in statements {
        let effect = s
            .get("Effect")
            .and_then(Value::as_str)
            .ok_or("statement without Effect")?;
        let allow = match effect {
            "Allow" => true,
            "Deny" => false,
            other => return Err(format!("statement Effect `{other}`")),
        };
        let strings = |v: Option<&Value>| -> Vec<String> {
            match v {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let actions = strings(s.get("Action"));
        if !actions.iter().any(|a| glob(a, "execute-api:Invoke")) {
            continue;
        }
        out.push(Statement {
            allow,
            resources: strings(s.get("Resource")),
        });
    }
    Ok(Answer {
        principal: Some(principal),
        decision: Decision::Policy(out),
        context,
        usage_key: obj
            .get("usageIdentifierKey")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// IAM's rule: an explicit Deny beats any Allow; no matching statement denies.
pub(crate) fn evaluate(statements: &[Statement], arn: &str) -> Effect {
    let mut allowed = false;
    for s in statements {
        if s.resources.iter().any(|r| glob(r, arn)) {
            if !s.allow {
                return Effect::Deny;
            }
            allowed = true;
        }
    }
    if allowed { Effect::Allow } else { Effect::None }
}

/// IAM's wildcards: `*` any run of characters, `?` any one character; otherwise exact.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    #[test]
    fn entries_carry_their_expiry_and_old_entries_still_read() {
        let entry = stored_entry(1_700_000_000_123, br#"{"isAuthorized":true}"#);
        assert_eq!(
            split_entry(&entry),
            Some((1_700_000_000_123, &br#"{"isAuthorized":true}"#[..]))
        );
        assert_eq!(
            split_entry(br#"{"isAuthorized":true}"#),
            None,
            "an answer alone"
        );
        assert_eq!(split_entry(&[ENTRY_V1, 0, 0]), None, "a truncated entry");
    }

    #[test]
    fn local_answers_expire_and_are_bounded() {
        let local = LocalAnswers::default();
        let answer = || Arc::new(parse(br#"{"isAuthorized":true}"#).unwrap());
        local.put([1; 32], answer(), Duration::from_secs(60));
        local.put([2; 32], answer(), Duration::ZERO);
        assert!(local.get(&[1; 32]).is_some());
        assert!(local.get(&[2; 32]).is_none(), "expired");
        assert!(local.get(&[3; 32]).is_none(), "never put");
        for i in 0..LOCAL_ANSWERS {
            let mut d = [0; 32];
            d[..8].copy_from_slice(&(i as u64).to_be_bytes());
            local.put(d, answer(), Duration::from_secs(60));
        }
        assert!(local.0.borrow().len() <= LOCAL_ANSWERS);
    }
}
