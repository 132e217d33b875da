//! The authorizer step: who the caller is, and whether the route admits them.
//!
//! Each authorizer of the gateway's table is compiled once ([`Table`], shared by the routes
//! that name it and by every worker): a JWT authorizer (OpenID Connect issuers and Cognito user
//! pools) with its issuer's key cache, or a custom (Lambda-style) authorizer called over HTTP
//! or in-process (a `#[gateway(authorizer = …)]` Rust function) with its result cache in the shared state, or an IAM (SigV4) authorizer. A route's step ([`Auth`]) adds the route's
//! scopes. The fast path is synchronous (a token verified with cached keys, a cached policy);
//! only a key fetch or an authorizer call is a slow path.
//!
//! Answers follow AWS: no or a bad token → 401 `{"message":"Unauthorized"}` (with
//! `WWW-Authenticate: Bearer …` for bearer tokens), a missing scope or a denying policy → 403,
//! an authorizer that fails → 500 `AUTHORIZER_FAILURE` / `AUTHORIZER_CONFIGURATION_ERROR`.
//! Neither a token nor a secret is ever logged.

mod custom;
mod fetch;
mod jwks;
mod jwt;
mod sigv4;
mod source;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use http::header::WWW_AUTHENTICATE;
use http::{HeaderValue, Request, Uri};

use self::custom::{CustomAuth, CustomResumed};
use self::jwks::{KeyCache, KeySource};
use self::jwt::{Alg, Refusal, Rules};
use self::source::Source;
use super::{BuildContext, Check, RequestStep, StepResult, Verdict};
use crate::body::RequestBody;
use crate::error::{BuildError, GatewayError};
use crate::integration::tls;
use crate::ir::{self, ErrorType};
use crate::pipeline::{Identity, RequestContext};
use crate::telemetry::{CounterId, WorkerTelemetry};

/// The gateway's compiled authorizers, filled as routes name them.
#[derive(Debug, Default)]
pub(crate) struct Table {
    compiled: Vec<Option<Arc<Authorizer>>>,
    client: Option<fetch::Client>,
}

/// One compiled authorizer.
#[derive(Debug)]
pub(crate) enum Authorizer {
    Jwt(JwtAuth),
    Custom(CustomAuth),
    Iam(sigv4::Iam),
}

/// A JWT authorizer: where the token is, the checks, the keys.
#[derive(Debug)]
pub(crate) struct JwtAuth {
    name: Box<str>,
    sources: Box<[Source]>,
    rules: Rules,
    /// `None` when only HS* algorithms are allowed (no key set needed).
    keys: Option<Arc<KeyCache>>,
}

/// The authorizer step of one route.
#[derive(Debug)]
pub(crate) struct Auth {
    authorizer: Arc<Authorizer>,
    /// Any one of them is needed (empty: no scope check).
    scopes: Box<[Box<str>]>,
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}`, the start of this route's
    /// method ARNs.
    arn_prefix: Box<str>,
    /// The route's path template (`resource` and `routeKey` of authorizer events).
    resource: Box<str>,
    /// The template's parameter names, in order (`pathParameters` of Rust authorizers).
    params: Box<[Box<str>]>,
    counters: Counters,
}

/// The authorizer's counters, in each route's series.
#[derive(Debug, Clone, Copy)]
struct Counters {
    allowed: CounterId,
    denied: CounterId,
    errors: CounterId,
    cache_hits: CounterId,
}

/// A worker's part of the step: whether the request just decided was a cache hit, and the
/// JWTs whose signature this worker verified, and the custom authorizer answers it decoded.
#[derive(Debug, Default)]
pub(crate) struct AuthLocal {
    cache_hit: Cell<bool>,
    /// Hashed by the token's last 64 bytes (its signature's), not its whole text.
    verified: RefCell<HashMap<Box<str>, Verified, crate::tail_hash::Tail<64>>>,
    /// A custom authorizer's cached answers, decoded.
    answers: custom::LocalAnswers,
}

/// A token whose signature verified, by the token's exact text: its claims, and the key-set
/// generation it verified against (`u64::MAX`: an HS* secret, which never changes). A cached
/// token skips the base64, JSON and signature work, not the claim checks: `exp`, `nbf`, `iat`,
/// issuer, audience and scopes are checked on every request. A new key set (rotation, a key
/// removed) makes every entry of the old one verify again.
#[derive(Debug)]
struct Verified {
    claims: Arc<serde_json::Map<String, serde_json::Value>>,
    generation: u64,
    /// Worked out when the token was verified: the cache is per route, so its rules and
    /// scopes are fixed and only the time checks depend on the request.
    window: jwt::TimeWindow,
    scoped: bool,
    principal: Option<Box<str>>,
}

/// Verified tokens kept per route and worker; when full, the map starts over (only tokens
/// with a valid signature get in, so a flood of made-up tokens cannot churn it).
const VERIFIED_CAPACITY: usize = 1024;

impl Auth {
    /// Counts the outcome: allowed, denied (401/403), errors (5xx), and cache hits.
    pub(crate) fn count(
        &self,
        local: &AuthLocal,
        telemetry: &WorkerTelemetry,
        route: Option<u32>,
        result: &StepResult,
    ) {
        let route = route.map(|r| r as usize);
        let counter = match result {
            Ok(_) => self.counters.allowed,
            Err(e) if e.kind.default_status() >= 500 => self.counters.errors,
            Err(_) => self.counters.denied,
        };
        telemetry.incr(route, counter);
        if local.cache_hit.replace(false) {
            telemetry.incr(route, self.counters.cache_hits);
        }
    }

    /// `{arn_prefix}/{METHOD}{path}`: the request's method ARN, which policies match.
    fn method_arn(&self, req: &Request<RequestBody>) -> String {
        format!("{}/{}{}", self.arn_prefix, req.method(), req.uri().path())
    }
}

/// What a slow path hands back.
pub(crate) enum Resumed {
    /// Keys were (or could not be) fetched; decide again with what is there now.
    Keys,
    /// A custom authorizer's answer.
    Custom(CustomResumed),
}

/// Compiles the step for `route`, or `None` when the route is public.
pub(crate) fn compile(
    cx: &mut BuildContext<'_>,
    route: &ir::Route,
) -> Result<Option<Auth>, BuildError> {
    let Some(auth) = &route.policies.auth else {
        return Ok(None);
    };
    let index = auth.authorizer.index();
    let Some(def) = cx.ir.authorizers.get(index) else {
        return Err(BuildError::Unsupported(format!(
            "authorizer id {index} of route `{}`",
            route.id
        )));
    };
    if cx.authorizers.compiled.len() < cx.ir.authorizers.len() {
        cx.authorizers
            .compiled
            .resize_with(cx.ir.authorizers.len(), || None);
    }
    let authorizer = match &cx.authorizers.compiled[index] {
        Some(a) => Arc::clone(a),
        None => {
            let a = Arc::new(compile_authorizer(cx, def)?);
            cx.authorizers.compiled[index] = Some(Arc::clone(&a));
            a
        }
    };
    Ok(Some(Auth {
        authorizer,
        scopes: auth.scopes.iter().map(|s| s.as_ref().into()).collect(),
        arn_prefix: format!(
            "{}:{}:{}/{}",
            ARN_REGION,
            ARN_ACCOUNT,
            if cx.ir.name.is_empty() {
                "gwc"
            } else {
                cx.ir.name.as_ref()
            },
            cx.stage
        )
        .into(),
        resource: route.path.raw.as_ref().into(),
        params: route.path.params().map(Into::into).collect(),
        counters: Counters {
            allowed: cx.telemetry.declare_counter(
                "gwc_authorizer_allowed_total",
                "Requests an authorizer admitted.",
            ),
            denied: cx.telemetry.declare_counter(
                "gwc_authorizer_denied_total",
                "Requests an authorizer refused (401 or 403).",
            ),
            errors: cx.telemetry.declare_counter(
                "gwc_authorizer_errors_total",
                "Requests failed by an authorizer error (500).",
            ),
            cache_hits: cx.telemetry.declare_counter(
                "gwc_authorizer_cache_hits_total",
                "Custom authorizer answers served from the result cache.",
            ),
        },
    }))
}

/// The region and account of method ARNs (a gateway has neither; fixed placeholders).
const ARN_REGION: &str = "arn:aws:execute-api:local";
const ARN_ACCOUNT: &str = "000000000000";

fn compile_authorizer(
    cx: &mut BuildContext<'_>,
    def: &ir::Authorizer,
) -> Result<Authorizer, BuildError> {
    let name = def.name.as_ref();
    let fail = |reason: String| BuildError::Authorizer {
        name: name.to_owned(),
        reason,
    };
    match &def.kind {
        ir::AuthorizerKind::Jwt(j) => {
            let sources =
                source::compile_all(&j.identity_sources, cx.stage_variables).map_err(fail)?;
            let mut algorithms = Vec::new();
            for a in &j.algorithms {
                algorithms
                    .push(Alg::parse(a).ok_or_else(|| fail(format!("unknown algorithm `{a}`")))?);
            }
            if algorithms.is_empty() {
                algorithms.push(Alg::RS256);
            }
            let hmac = if algorithms.iter().any(|a| a.is_hmac()) {
                let secret = j.secret.as_ref().ok_or_else(|| {
                    fail(
                        "HS256/384/512 need a shared secret (`secret_env` or `secret_file`)".into(),
                    )
                })?;
                let secret = resolve_secret(secret).map_err(fail)?;
                jwt::hmac_keys(&algorithms, secret.as_bytes())
            } else {
                Vec::new()
            };
            let issuer = substitute(&j.issuer, cx.stage_variables);
            let keys = if algorithms.iter().all(|a| a.is_hmac()) {
                None
            } else {
                let source = match &j.jwks_uri {
                    Some(uri) => KeySource::Jwks(
                        parse_uri(&substitute(uri, cx.stage_variables)).map_err(fail)?,
                    ),
                    None => KeySource::Discovery {
                        document: parse_uri(&format!(
                            "{}/.well-known/openid-configuration",
                            issuer.trim_end_matches('/')
                        ))
                        .map_err(fail)?,
                        issuer: issuer.clone().into(),
                    },
                };
                let client = client(cx)?;
                Some(Arc::new(KeyCache::new(
                    source,
                    client,
                    j.jwks_ttl.as_duration(),
                )))
            };
            Ok(Authorizer::Jwt(JwtAuth {
                name: name.into(),
                sources,
                rules: Rules {
                    issuer: issuer.into(),
                    audience: j.audience.iter().map(|a| a.as_ref().into()).collect(),
                    algorithms: algorithms.into(),
                    leeway: j.leeway.as_duration().as_secs(),
                    groups_as_scopes: j.token_use.is_some(),
                    token_use: j.token_use.as_deref().map(Into::into),
                    hmac,
                },
                keys,
            }))
        }
        ir::AuthorizerKind::Custom(c) => {
            let client = match &c.handler {
                None => Some(client(cx)?),
                Some(_) => None,
            };
            CustomAuth::compile(cx, name, c, || {
                client.ok_or_else(|| "no control-plane client".to_owned())
            })
            .map(Authorizer::Custom)
            .map_err(fail)
        }
        ir::AuthorizerKind::Iam(i) => sigv4::Iam::compile(name, i)
            .map(Authorizer::Iam)
            .map_err(fail),
    }
}

/// The control-plane client, with a TLS configuration from the deployment's trust settings.
fn client(cx: &mut BuildContext<'_>) -> Result<fetch::Client, BuildError> {
    if let Some(c) = &cx.authorizers.client {
        return Ok(c.clone());
    }
    let tls = tls::client_config(cx.args.upstream_roots, cx.args.upstream_ca_file.as_deref()).ok();
    let c = fetch::Client { tls };
    cx.authorizers.client = Some(c.clone());
    Ok(c)
}

fn parse_uri(text: &str) -> Result<Uri, String> {
    let uri: Uri = text
        .parse()
        .map_err(|e| format!("`{text}` is not a URI: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some() => Ok(uri),
        _ => Err(format!("`{text}` is not an http:// or https:// address")),
    }
}

/// `${stageVariables.NAME}` replaced by the stage's values (unknown names by nothing).
pub(crate) fn substitute(text: &str, vars: &std::collections::HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        match after.find('}') {
            Some(end) => {
                out.push_str(vars.get(&after[..end]).copied().unwrap_or(""));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// A secret's value, read at start-up (a trailing newline of a file is dropped).
pub(crate) fn resolve_secret(secret: &ir::Secret) -> Result<String, String> {
    match secret {
        ir::Secret::Env(name) => std::env::var(name.as_ref())
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("environment variable `{name}` is not set")),
        ir::Secret::File(path) => std::fs::read_to_string(path.as_ref())
            .map(|v| v.trim_end_matches(['\n', '\r']).to_owned())
            .map_err(|e| format!("secret file `{path}`: {e}")),
    }
}

/// base64url without padding (RFC 7515 §2); `None` on any other character.
pub(crate) fn b64url_decode(input: &[u8]) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    }
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    for chunk in input.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// 401 `Unauthorized`, with the bearer challenge (RFC 6750 §3).
fn unauthorized(
    detail: impl Into<std::borrow::Cow<'static, str>>,
    bearer: bool,
    invalid: bool,
) -> Box<GatewayError> {
    let e = GatewayError::new(ErrorType::Unauthorized, detail);
    if !bearer {
        return e;
    }
    e.with_header(
        WWW_AUTHENTICATE,
        HeaderValue::from_static(if invalid {
            "Bearer error=\"invalid_token\""
        } else {
            "Bearer"
        }),
    )
}

impl RequestStep for Auth {
    type Local = AuthLocal;
    type Resumed = Resumed;

    fn local(&self) -> AuthLocal {
        AuthLocal::default()
    }

    /// SigV4 signs the body's hash, so the IAM authorizer reads the body.
    fn needs_body(&self) -> bool {
        matches!(*self.authorizer, Authorizer::Iam(_))
    }

    fn check(
        &self,
        local: &AuthLocal,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<Resumed> {
        match &*self.authorizer {
            Authorizer::Jwt(j) => j.decide(self, local, ctx, req, true),
            Authorizer::Custom(c) => c.check(self, local, ctx, req),
            Authorizer::Iam(i) => Check::Done(i.check(ctx, req, &self.method_arn(req))),
        }
    }

    fn resume(
        &self,
        local: &AuthLocal,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
        resumed: Resumed,
    ) -> StepResult {
        match (&*self.authorizer, resumed) {
            (Authorizer::Jwt(j), Resumed::Keys) => match j.decide(self, local, ctx, req, false) {
                Check::Done(r) => r,
                Check::Pending(_) => Err(unauthorized("signing keys unavailable", true, true)),
            },
            (Authorizer::Custom(c), Resumed::Custom(r)) => c.resume(self, local, ctx, req, r),
            _ => Err(GatewayError::new(
                ErrorType::AuthorizerFailure,
                "authorizer slow path out of step",
            )),
        }
    }
}

impl JwtAuth {
    /// Decides on the request; with `may_fetch`, an unknown key starts the slow path.
    fn decide(
        &self,
        step: &Auth,
        local: &AuthLocal,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
        may_fetch: bool,
    ) -> Check<Resumed> {
        let Some(token) = self.sources.first().and_then(|s| s.read(req, ctx)) else {
            return Check::Done(Err(unauthorized("no token", true, false)));
        };
        let token = strip_bearer(&token);
        let refuse = |r: Refusal| -> Check<Resumed> {
            Check::Done(Err(if r == Refusal::Scope {
                GatewayError::new(ErrorType::AccessDenied, r.as_str()).with_header(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"insufficient_scope\""),
                )
            } else {
                unauthorized(
                    format!("authorizer {}: {}", self.name, r.as_str()),
                    true,
                    true,
                )
            }))
        };
        // A token this worker verified against the current keys: only the claim checks.
        let generation = self.keys.as_ref().map(|k| k.current().generation);
        if let Some(hit) = local.verified.borrow().get(token)
            && (hit.generation == u64::MAX || Some(hit.generation) == generation)
        {
            // Its other claim checks passed when it was cached, and cannot change.
            if let Err(r) = hit.window.check(&self.rules, jwt::now()) {
                return refuse(r);
            }
            if !hit.scoped {
                return refuse(Refusal::Scope);
            }
            ctx.identity = Some(Box::new(Identity {
                principal: hit.principal.clone(),
                claims: Arc::clone(&hit.claims),
                context: Vec::new(),
                usage_identifier_key: None,
            }));
            return Check::Done(Ok(Verdict::Continue));
        }
        let parsed = match jwt::parse(token, &self.rules) {
            Ok(p) => p,
            Err(r) => return refuse(r),
        };
        let mut verified_with = u64::MAX;
        let verified = match (&self.keys, parsed.alg.is_hmac()) {
            (_, true) | (None, _) => parsed.verify(&self.rules, &jwks::KeySet::default()),
            (Some(keys), false) => {
                let set = keys.current();
                verified_with = set.generation;
                if keys.expired(&set) && set.fetched.is_some() {
                    keys.refresh_in_background();
                }
                match parsed.verify(&self.rules, &set) {
                    Err(Refusal::UnknownKey) if may_fetch => {
                        let keys = Arc::clone(keys);
                        let seen = set.generation;
                        return Check::Pending(Box::pin(async move {
                            keys.refetch(seen, false).await;
                            Resumed::Keys
                        }));
                    }
                    other => other,
                }
            }
        };
        if let Err(r) = verified {
            return refuse(r);
        }
        if let Err(r) = parsed.validate(&self.rules, jwt::now()) {
            return refuse(r);
        }
        let scoped = parsed.has_scope(&self.rules, &step.scopes);
        let principal: Option<Box<str>> = parsed
            .claims
            .get("sub")
            .and_then(|s| s.as_str())
            .map(Into::into);
        let claims = Arc::new(parsed.claims);
        // `validate` passed, so the claims have a numeric `exp`.
        if let Some(window) = jwt::TimeWindow::of(&claims) {
            let mut cache = local.verified.borrow_mut();
            if cache.len() >= VERIFIED_CAPACITY {
                cache.clear();
            }
            cache.insert(
                token.into(),
                Verified {
                    claims: Arc::clone(&claims),
                    generation: verified_with,
                    window,
                    scoped,
                    principal: principal.clone(),
                },
            );
        }
        if !scoped {
            return refuse(Refusal::Scope);
        }
        ctx.identity = Some(Box::new(Identity {
            principal,
            claims,
            context: Vec::new(),
            usage_identifier_key: None,
        }));
        Check::Done(Ok(Verdict::Continue))
    }
}

/// The token without a `Bearer ` prefix (any case), as AWS's JWT authorizer accepts both.
fn strip_bearer(value: &str) -> &str {
    match value.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => value[7..].trim_start(),
        _ => value,
    }
}

#[cfg(test)]
mod tests;
