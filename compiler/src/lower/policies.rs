//! Per-route policies and the API-wide tables they name by typed id (authorizers, usage plans,
//! WAF rule sets, validators, CORS policies), lowered from what the vocabulary already reads.
//!
//! The runtime implements none of these steps yet, so `vocab::support` still reports their
//! keys as "not supported yet" and `gwc build` refuses them; lowering fills the IR anyway so
//! that each feature issue adds behaviour without reshaping the contract, and so `gwc check`
//! and `gwc routes` can describe them. Unknown authorizer names and plan route keys are
//! reported by `references`; here they are skipped.
//!
//! Secrets are references: an API key's `value` written into the spec is an error, because it
//! would be compiled into the generated `gateway.rs` (and the binary and its git history).

use gwc_ir::{
    ApiKey, ApiKeySource, Authorizer, AuthorizerId, AuthorizerKind, CacheKeyPart, CachePolicy,
    CacheSettings, ClientInvalidation, CorsId, CorsPolicy, CustomAuthorizer, IamAuthorizer,
    IamCredential, InspectedPart, JwtAuthorizer, Millis, Quota, QuotaPeriod, Route, RouteAuth,
    RouteId, RoutePolicies, RouteThrottle, Secret, StageThrottle, Str, Throttle, ThrottleScope,
    UnauthorizedInvalidation, UriTemplate, UsagePlan, Validator, ValidatorId, WafAction,
    WafCondition, WafRule, WafRuleSet, WafRuleSetId,
};
use gwc_ir::{
    ByteSize, Comparison, HeaderPair, ManagedGroup, MatchTest, OverrideAction, Oversize,
    RuleOverride, SizeTest, SqliSensitivity, Transform, WafField, WafInspection, WafMatch,
};

use super::codes;
use super::references::route_key;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::Span;
use crate::vocab;

fn owned(s: &str) -> Str {
    Str::Owned(s.to_owned())
}

fn strs(v: &[String]) -> Vec<Str> {
    v.iter().map(|s| owned(s)).collect()
}

fn id(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// The tables being built, and the ids of the API-wide defaults routes inherit.
pub(super) struct Tables {
    pub(super) authorizers: Vec<Authorizer>,
    pub(super) api_key_source: ApiKeySource,
    pub(super) api_key_header: Option<Str>,
    pub(super) throttle: Option<Throttle>,
    pub(super) stage_throttles: Vec<StageThrottle>,
    pub(super) plans: Vec<UsagePlan>,
    pub(super) cache: Option<CacheSettings>,
    pub(super) waf: Option<WafRuleSetId>,
    pub(super) waf_rule_sets: Vec<WafRuleSet>,
    pub(super) validators: Vec<Validator>,
    pub(super) cors_policies: Vec<CorsPolicy>,
    pub(super) root_cors: Option<CorsId>,
    root_cache_key: Vec<CacheKeyPart>,
}

impl Tables {
    /// The API-wide tables that do not depend on routes.
    pub(super) fn new(root: &vocab::Root, diags: &mut Diagnostics) -> Tables {
        let authorizers = root
            .authorizers
            .iter()
            .map(|(name, a)| Authorizer {
                name: owned(&name.value),
                kind: authorizer_kind(a, name.span, diags),
            })
            .collect();
        let validators = root
            .request_validators
            .iter()
            .map(|(name, v)| Validator {
                name: owned(&name.value),
                body: v.body,
                parameters: v.parameters,
            })
            .collect();
        let mut waf_rule_sets = Vec::new();
        let waf = root.waf.as_ref().filter(|w| w.enabled).map(|w| {
            waf_rule_sets.push(WafRuleSet {
                name: Str::Borrowed("api"),
                default_action: waf_action(w.default_action),
                rules: waf_rules(&w.rules, root, diags),
                inspection: waf_inspection(root),
            });
            WafRuleSetId(0)
        });
        let mut cors_policies = Vec::new();
        let root_cors = root.cors.as_ref().map(|c| {
            cors_policies.push(cors_policy(c));
            CorsId(0)
        });
        let root_cache_key = root
            .cache
            .as_ref()
            .map(|c| cache_key(&c.key, diags))
            .unwrap_or_default();
        Tables {
            authorizers,
            api_key_source: match root.api_key_source {
                vocab::ApiKeySource::Header => ApiKeySource::Header,
                vocab::ApiKeySource::Authorizer => ApiKeySource::Authorizer,
            },
            api_key_header: api_key_header(root, diags),
            throttle: root.throttle.as_ref().map(throttle),
            stage_throttles: root
                .stages
                .iter()
                .filter_map(|(name, stage)| {
                    Some(StageThrottle {
                        stage: owned(&name.value),
                        throttle: throttle(stage.throttle.as_ref()?),
                    })
                })
                .collect(),
            plans: Vec::new(),
            cache: root.cache.as_ref().map(|c| CacheSettings {
                capacity: c.capacity.0,
                max_entry: c.max_entry.0,
                encrypted: c.encrypted,
                client_invalidation: match c.client_invalidation {
                    vocab::ClientInvalidation::Nobody => ClientInvalidation::Nobody,
                    vocab::ClientInvalidation::Authorized => ClientInvalidation::Authorized,
                    vocab::ClientInvalidation::Anyone => ClientInvalidation::Anyone,
                },
                unauthorized_invalidation: match c.unauthorized_invalidation {
                    vocab::UnauthorizedInvalidation::FailWith403 => {
                        UnauthorizedInvalidation::FailWith403
                    }
                    vocab::UnauthorizedInvalidation::SucceedWithResponseHeader => {
                        UnauthorizedInvalidation::SucceedWithResponseHeader
                    }
                    vocab::UnauthorizedInvalidation::SucceedWithoutResponseHeader => {
                        UnauthorizedInvalidation::SucceedWithoutResponseHeader
                    }
                },
            }),
            waf,
            waf_rule_sets,
            validators,
            cors_policies,
            root_cors,
            root_cache_key,
        }
    }

    /// A route's policies: the operation's keys, else the API-wide defaults.
    pub(super) fn route_policies(
        &mut self,
        root: &vocab::Root,
        route: &Route,
        exts: &vocab::OperationExtensions,
        diags: &mut Diagnostics,
    ) -> RoutePolicies {
        let auth = exts
            .auth
            .as_ref()
            .map(|a| &a.value)
            .or(root.auth.as_ref())
            .and_then(|a| {
                let index = root
                    .authorizers
                    .keys()
                    .position(|k| k.value == a.authorizer.value)?;
                Some(RouteAuth {
                    authorizer: AuthorizerId(id(index)),
                    scopes: strs(&a.scopes),
                })
            });
        let throttle = exts.throttle.as_ref().map(|t| throttle(&t.value));
        if root.cache.is_none()
            && let Some(op) = &exts.cache
            && op.value.enabled
        {
            diags.push(
                Diagnostic::error(
                    codes::CACHE_WITHOUT_STORE,
                    "`x-gateway-cache` on an API without a response cache",
                )
                .with_span(op.span, "this operation asks to be cached")
                .with_help(
                    "declare the store at the root: `x-gateway: {cache: {}}` takes the defaults (64MiB, 5m)",
                ),
            );
        }
        let cache = root.cache.as_ref().and_then(|c| match &exts.cache {
            Some(op) if !op.value.enabled => None,
            Some(op) => Some(CachePolicy {
                ttl: op.value.ttl.map_or(c.ttl.0, |t| t.0),
                key: match &op.value.key {
                    Some(key) => cache_key(key, diags),
                    None => self.root_cache_key.clone(),
                },
                shared: op.value.shared,
            }),
            None => c
                .methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(route.method.as_str()))
                .then(|| CachePolicy {
                    ttl: c.ttl.0,
                    key: self.root_cache_key.clone(),
                    shared: false,
                }),
        });
        // `x-gateway.waf.enabled: false` turns every rule set off, this route's too.
        let waf_on = root.waf.as_ref().is_none_or(|w| w.enabled);
        let waf = exts.waf.as_ref().and_then(|w| {
            if w.value.rules.is_empty() || !waf_on {
                return None;
            }
            self.waf_rule_sets.push(WafRuleSet {
                name: route.id.clone(),
                default_action: WafAction::Allow,
                rules: waf_rules(&w.value.rules, root, diags),
                inspection: waf_inspection(root),
            });
            Some(WafRuleSetId(id(self.waf_rule_sets.len() - 1)))
        });
        let validation = self.validation(root, route, exts);
        let cors = match &exts.cors {
            Some(c) => {
                check_cors(&c.value, c.span, diags);
                self.cors_policies.push(cors_policy(&c.value));
                Some(CorsId(id(self.cors_policies.len() - 1)))
            }
            None => self.root_cors,
        };
        let api_key_required = matches!(
            exts.api_key.as_ref().map(|k| k.value),
            Some(vocab::ApiKeyRequirement::Required)
        );
        if api_key_required && root.api_key_source == vocab::ApiKeySource::Authorizer {
            let custom = auth.as_ref().is_some_and(|a| {
                matches!(
                    root.authorizers.get_index(a.authorizer.index()),
                    Some((_, vocab::Authorizer::Custom(_)))
                )
            });
            if !custom && let Some(k) = &exts.api_key {
                diags.push(
                    Diagnostic::error(
                        codes::KEY_WITHOUT_AUTHORIZER,
                        "this operation requires an API key, which `api_key_source: authorizer` reads from a custom authorizer, and it has none",
                    )
                    .with_span(k.span, "requires an API key")
                    .with_help("add `x-gateway-auth: {authorizer: NAME}` naming a `type: custom` authorizer that returns `usageIdentifierKey`, or use `api_key_source: header`"),
                );
            }
        }
        RoutePolicies {
            auth,
            api_key_required,
            throttle,
            cache,
            waf,
            api_waf_off: exts.waf.as_ref().is_some_and(|w| !w.value.enabled),
            validation,
            cors,
        }
    }

    /// The named validator (the operation's, else the default), with the operation's
    /// `body`/`parameters` overrides as a validator of its own when they change it.
    fn validation(
        &mut self,
        root: &vocab::Root,
        route: &Route,
        exts: &vocab::OperationExtensions,
    ) -> Option<ValidatorId> {
        let op = exts.validate.as_ref().map(|v| &v.value);
        let name = op
            .and_then(|v| v.validator.as_ref())
            .or(root.default_request_validator.as_ref());
        let named = name.and_then(|n| {
            root.request_validators
                .keys()
                .position(|k| k.value == n.value)
        });
        let base = named.map(|i| self.validators[i].clone());
        let (body, parameters) = (
            op.and_then(|v| v.body)
                .or(base.as_ref().map(|b| b.body))
                .unwrap_or(false),
            op.and_then(|v| v.parameters)
                .or(base.as_ref().map(|b| b.parameters))
                .unwrap_or(false),
        );
        match (named, base) {
            (Some(i), Some(b)) if b.body == body && b.parameters == parameters => {
                Some(ValidatorId(id(i)))
            }
            _ if !body && !parameters => None,
            _ => {
                self.validators.push(Validator {
                    name: route.id.clone(),
                    body,
                    parameters,
                });
                Some(ValidatorId(id(self.validators.len() - 1)))
            }
        }
    }

    /// Adds the usage plans (whose per-route throttles need the route list).
    pub(super) fn finish(
        mut self,
        root: &vocab::Root,
        routes: &[Route],
        diags: &mut Diagnostics,
    ) -> Tables {
        let keys: Vec<String> = routes
            .iter()
            .map(|r| route_key(r.method, &r.path.raw))
            .collect();
        self.plans = root
            .plans
            .iter()
            .map(|(name, plan)| UsagePlan {
                name: owned(&name.value),
                throttle: plan
                    .throttle
                    .as_ref()
                    .map(|t| plan_throttle(t, &name.value, name.span, diags)),
                quota: plan.quota.as_ref().map(|q| Quota {
                    limit: q.limit,
                    period: match q.period {
                        vocab::QuotaPeriod::Day => QuotaPeriod::Day,
                        vocab::QuotaPeriod::Week => QuotaPeriod::Week,
                        vocab::QuotaPeriod::Month => QuotaPeriod::Month,
                    },
                    offset: q.offset,
                }),
                route_throttles: plan
                    .route_throttles
                    .iter()
                    .filter_map(|(key, t)| {
                        let index = keys.iter().position(|k| *k == key.value)?;
                        Some(RouteThrottle {
                            route: RouteId(id(index)),
                            throttle: plan_throttle(t, &name.value, key.span, diags),
                        })
                    })
                    .collect(),
                api_keys: plan
                    .api_keys
                    .iter()
                    .filter_map(|k| api_key(k, &name.value, name.span, diags))
                    .collect(),
            })
            .collect();
        self
    }
}

/// An API key's value as a reference; a literal is refused.
fn api_key(key: &vocab::ApiKey, plan: &str, span: Span, diags: &mut Diagnostics) -> Option<ApiKey> {
    let value = match (&key.value, &key.value_env, &key.value_file) {
        (Some(_), _, _) => {
            diags.push(
                Diagnostic::error(
                    codes::LITERAL_SECRET,
                    format!(
                        "API key `{}` of plan `{plan}` is written into the spec",
                        key.name
                    ),
                )
                .with_span(span, "in this plan")
                .with_help(
                    "a key in the spec would be compiled into the generated gateway; put it in an environment variable or a file and write `value_env: NAME` or `value_file: PATH`",
                ),
            );
            return None;
        }
        (None, Some(env), _) => Secret::Env(owned(env)),
        (None, None, Some(file)) => Secret::File(owned(file)),
        (None, None, None) => return None,
    };
    Some(ApiKey {
        name: owned(&key.name),
        value,
        enabled: key.enabled,
    })
}

fn authorizer_kind(a: &vocab::Authorizer, name: Span, diags: &mut Diagnostics) -> AuthorizerKind {
    match a {
        vocab::Authorizer::Jwt(j) => AuthorizerKind::Jwt(JwtAuthorizer {
            issuer: owned(&j.issuer),
            audience: strs(&j.audience),
            jwks_uri: j.jwks_uri.as_deref().map(owned),
            identity_sources: strs(&j.identity_source),
            algorithms: strs(&j.algorithms),
            leeway: j.leeway.0,
            jwks_ttl: j.jwks_ttl.0,
            token_use: None,
            secret: match (&j.secret_env, &j.secret_file) {
                (Some(env), _) => Some(Secret::Env(owned(env))),
                (None, Some(file)) => Some(Secret::File(owned(file))),
                (None, None) => None,
            },
        }),
        // A Cognito user pool is an OpenID issuer with a known address; the IR knows only JWTs.
        vocab::Authorizer::Cognito(c) => {
            let region = c.region.clone().unwrap_or_else(|| {
                c.user_pool_id
                    .split_once('_')
                    .map_or_else(String::new, |(r, _)| r.to_owned())
            });
            let issuer = c.issuer.clone().unwrap_or_else(|| {
                format!(
                    "https://cognito-idp.{region}.amazonaws.com/{}",
                    c.user_pool_id
                )
            });
            // Cognito serves its keys at a fixed address (no discovery round trip).
            let jwks_uri = c.jwks_uri.clone().unwrap_or_else(|| {
                format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/'))
            });
            AuthorizerKind::Jwt(JwtAuthorizer {
                issuer: Str::Owned(issuer),
                audience: strs(&c.client_ids),
                jwks_uri: Some(Str::Owned(jwks_uri)),
                identity_sources: strs(&c.identity_source),
                algorithms: vec![Str::Borrowed("RS256")],
                leeway: Millis(60_000),
                jwks_ttl: Millis(3_600_000),
                token_use: Some(Str::Borrowed(match c.token_use {
                    vocab::TokenUse::Access => "access",
                    vocab::TokenUse::Id => "id",
                })),
                secret: None,
            })
        }
        vocab::Authorizer::Iam(i) => AuthorizerKind::Iam(IamAuthorizer {
            region: owned(&i.region),
            service: owned(&i.service),
            max_skew: i.max_skew.0,
            credentials: i
                .credentials
                .iter()
                .map(|(key_id, c)| IamCredential {
                    access_key_id: owned(&key_id.value),
                    secret: match (&c.secret_env, &c.secret_file) {
                        (_, Some(file)) => Secret::File(owned(file)),
                        (env, None) => Secret::Env(owned(env.as_deref().unwrap_or(""))),
                    },
                    session_token: match (&c.session_token_env, &c.session_token_file) {
                        (Some(env), _) => Some(Secret::Env(owned(env))),
                        (None, Some(file)) => Some(Secret::File(owned(file))),
                        (None, None) => None,
                    },
                    principal: c.principal.as_deref().map(owned),
                    allow: strs(&c.allow),
                    deny: strs(&c.deny),
                })
                .collect(),
        }),
        vocab::Authorizer::Custom(c) => AuthorizerKind::Custom(CustomAuthorizer {
            handler: custom_handler(c, name, diags),
            uri: c.uri.as_ref().map_or_else(UriTemplate::default, |u| {
                UriTemplate::parse(&u.value).unwrap_or_else(|e| {
                    diags.push(
                        Diagnostic::error(codes::BAD_URI_TEMPLATE, e.to_string())
                            .with_span(u.span, "in this URI")
                            .with_help("placeholders are `${stageVariables.NAME}`"),
                    );
                    UriTemplate::default()
                })
            }),
            identity_sources: strs(&c.identity_source),
            result_ttl: c.result_ttl.0,
            timeout: c.timeout.0,
            payload_v2: c.payload_format == vocab::PayloadFormat::V2,
            simple_responses: c.simple_responses,
            token_event: c.event == vocab::CustomEvent::Token,
            identity_validation: c.identity_validation.as_deref().map(owned),
        }),
    }
}

/// A custom authorizer's Rust `handler`: exactly one of `uri` and `handler`, and a path.
fn custom_handler(c: &vocab::CustomAuthorizer, name: Span, diags: &mut Diagnostics) -> Option<Str> {
    match (&c.uri, &c.handler) {
        (Some(_), Some(h)) => {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    "a custom authorizer names both a `uri` and a `handler`",
                )
                .with_span(h.span, "the Rust handler")
                .with_help("give exactly one: `uri` for an HTTP authorizer, `handler` for a `#[gateway(authorizer = …)]` Rust function"),
            );
            None
        }
        (None, None) => {
            diags.push(
                Diagnostic::error(
                    vocab::codes::MISSING_KEY,
                    "a custom authorizer needs a `uri` or a `handler`",
                )
                .with_span(name, "this authorizer")
                .with_help("write `uri: https://…` (an HTTP authorizer) or `handler: my_crate::auth::check` (a `#[gateway(authorizer = …)]` Rust function)"),
            );
            None
        }
        (Some(_), None) => None,
        (None, Some(h)) if !super::valid_rust_path(&h.value) => {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("`{}` is not a Rust path", h.value),
                )
                .with_span(h.span, "expected `crate_name::module::function`")
                .with_help("name the `#[gateway(authorizer = …)]` function by its path, e.g. `orders_handlers::auth::check`"),
            );
            None
        }
        (None, Some(h)) => Some(owned(&h.value)),
    }
}

/// The header an API key is read from, lower-cased; a name that is not a header token is
/// reported and `x-api-key` used.
fn api_key_header(root: &vocab::Root, diags: &mut Diagnostics) -> Option<Str> {
    let name = root.api_key_header.as_ref()?;
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        diags.push(
            Diagnostic::error(
                codes::BAD_HEADER,
                format!("`{name}` is not a header name (`x-gateway.api_key_header`)"),
            )
            .with_help("write a header name such as `x-api-key`"),
        );
        return None;
    }
    Some(Str::Owned(name.to_ascii_lowercase()))
}

/// A plan's bucket, always per API key: `per` may be omitted or `api_key`; any other scope
/// makes no sense under one key's plan and is reported.
fn plan_throttle(t: &vocab::Throttle, plan: &str, span: Span, diags: &mut Diagnostics) -> Throttle {
    if !matches!(
        t.per,
        vocab::ThrottleScope::Api | vocab::ThrottleScope::ApiKey
    ) {
        diags.push(
            Diagnostic::error(
                codes::BAD_THROTTLE_SCOPE,
                format!("a throttle of plan `{plan}` counts per API key"),
            )
            .with_span(span, "in this plan")
            .with_help("omit `per` (or write `per: api_key`) inside a plan; put client-address, principal or header limits on the route or the API"),
        );
    }
    Throttle {
        per: ThrottleScope::ApiKey,
        ..throttle(t)
    }
}

fn throttle(t: &vocab::Throttle) -> Throttle {
    Throttle {
        rate: t.rate,
        burst: t.burst,
        per: match &t.per {
            vocab::ThrottleScope::Api => ThrottleScope::Api,
            vocab::ThrottleScope::Ip => ThrottleScope::Ip,
            vocab::ThrottleScope::ApiKey => ThrottleScope::ApiKey,
            vocab::ThrottleScope::Principal => ThrottleScope::Principal,
            vocab::ThrottleScope::Header(name) => ThrottleScope::Header(owned(name)),
        },
    }
}

fn cache_key(parts: &[vocab::Spanned<String>], diags: &mut Diagnostics) -> Vec<CacheKeyPart> {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        let parsed = part.value.split_once('.').and_then(|(kind, name)| {
            if name.is_empty() {
                return None;
            }
            match kind {
                "path" => Some(CacheKeyPart::Path(owned(name))),
                "query" => Some(CacheKeyPart::Query(owned(name))),
                "header" => Some(CacheKeyPart::Header(owned(name))),
                _ => None,
            }
        });
        match parsed {
            Some(p) => out.push(p),
            None => diags.push(
                Diagnostic::error(
                    codes::BAD_CACHE_KEY,
                    format!("`{}` is not a cache key part", part.value),
                )
                .with_span(part.span, "in this cache key")
                .with_help("write `path.NAME`, `query.NAME` or `header.NAME`"),
            ),
        }
    }
    out
}

fn waf_action(a: vocab::WafAction) -> WafAction {
    match a {
        vocab::WafAction::Allow => WafAction::Allow,
        vocab::WafAction::Block => WafAction::Block,
        vocab::WafAction::Count => WafAction::Count,
    }
}

fn parts(scope: &[vocab::InspectedPart]) -> Vec<InspectedPart> {
    scope
        .iter()
        .map(|p| match p {
            vocab::InspectedPart::Path => InspectedPart::Path,
            vocab::InspectedPart::Query => InspectedPart::Query,
            vocab::InspectedPart::Headers => InspectedPart::Headers,
            vocab::InspectedPart::Cookies => InspectedPart::Cookies,
            vocab::InspectedPart::Body => InspectedPart::Body,
        })
        .collect()
}

/// The inspection settings every rule set shares (from the root `waf`).
fn waf_inspection(root: &vocab::Root) -> WafInspection {
    match &root.waf {
        Some(w) => WafInspection {
            body_limit: ByteSize(w.body_inspection_limit.0.0),
            trusted_proxies: strs(&w.trusted_proxies),
            geo_database: w.geo_database.as_deref().map(owned),
        },
        None => WafInspection::default(),
    }
}

/// The rules in evaluation order: by `priority` (lower first), rules without one after, in
/// their written order.
fn waf_rules(
    rules: &[vocab::WafRule],
    root: &vocab::Root,
    diags: &mut Diagnostics,
) -> Vec<WafRule> {
    let mut out: Vec<(i64, WafRule)> = rules
        .iter()
        .filter_map(|r| {
            let c = common(r);
            let condition = waf_condition(r, root, diags, true)?;
            Some((
                c.priority.unwrap_or(i64::MAX),
                WafRule {
                    name: owned(&c.name),
                    action: waf_action(c.action),
                    condition,
                    response: c.response.map(|r| gwc_ir::WafResponse {
                        status: r.status.0,
                        headers: r
                            .headers
                            .iter()
                            .map(|(k, v)| HeaderPair {
                                name: owned(k),
                                value: owned(v),
                            })
                            .collect(),
                        body: owned(&r.body),
                    }),
                    oversize: match c.oversize {
                        vocab::Oversize::Continue => Oversize::Continue,
                        vocab::Oversize::Match => Oversize::Match,
                        vocab::Oversize::NoMatch => Oversize::NoMatch,
                    },
                },
            ))
        })
        .collect();
    out.sort_by_key(|(p, _)| *p);
    out.into_iter().map(|(_, r)| r).collect()
}

/// What every rule kind has.
struct Common<'a> {
    name: String,
    priority: Option<i64>,
    action: vocab::WafAction,
    response: Option<&'a vocab::WafResponse>,
    oversize: vocab::Oversize,
}

fn common(rule: &vocab::WafRule) -> Common<'_> {
    use vocab::WafRule as R;
    let named = |n: &Option<String>, d: &str| n.clone().unwrap_or_else(|| d.to_owned());
    let (name, priority, action, response, oversize) = match rule {
        R::IpSet(r) => (
            r.name.clone().unwrap_or_else(|| match &r.ip_set {
                Some(s) => format!("ip_set:{}", s.value),
                None => "ip_set".to_owned(),
            }),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::Geo(r) => (
            named(&r.name, "geo"),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::RateBased(r) => (
            named(&r.name, "rate_based"),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::Sqli(r) => (
            named(&r.name, "sqli"),
            r.priority,
            r.action,
            r.response.as_ref(),
            r.oversize,
        ),
        R::Xss(r) => (
            named(&r.name, "xss"),
            r.priority,
            r.action,
            r.response.as_ref(),
            r.oversize,
        ),
        R::ByteMatch(r) => (
            named(&r.name, "byte_match"),
            r.priority,
            r.action,
            r.response.as_ref(),
            r.oversize,
        ),
        R::RegexMatch(r) => (
            named(&r.name, "regex_match"),
            r.priority,
            r.action,
            r.response.as_ref(),
            r.oversize,
        ),
        R::SizeConstraint(r) => (
            named(&r.name, "size_constraint"),
            r.priority,
            r.action,
            r.response.as_ref(),
            r.oversize,
        ),
        R::And(r) => (
            named(&r.name, "and"),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::Or(r) => (
            named(&r.name, "or"),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::Not(r) => (
            named(&r.name, "not"),
            r.priority,
            r.action,
            r.response.as_ref(),
            vocab::Oversize::Continue,
        ),
        R::Managed(r) => (
            r.name.clone().unwrap_or_else(|| r.group.value.clone()),
            r.priority,
            r.action,
            None,
            vocab::Oversize::Continue,
        ),
    };
    Common {
        name,
        priority,
        action,
        response,
        oversize,
    }
}

fn bad_rule(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(codes::BAD_WAF_RULE, message)
        .with_span(span, "in this WAF rule")
        .with_help(help.to_owned())
}

/// A WAF regex the runtime would refuse at start-up (compiled exactly as it compiles them),
/// reported at the offending character when the scalar is written without escapes (its span
/// is the pattern, or the pattern in quotes), else at the scalar, with the column in the text.
pub(crate) fn regex_error(pattern: &vocab::Spanned<String>) -> Option<Diagnostic> {
    let err = regex::bytes::RegexBuilder::new(&pattern.value)
        .size_limit(1 << 22)
        .build()
        .err()?;
    let text = err.to_string();
    // The syntax error's own rendering: the pattern on one line, carets under the fault, then
    // `error: <what>`.
    let lines: Vec<&str> = text.lines().collect();
    let what = lines
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.as_str())
        .to_owned();
    // The pattern's own line (indented by four), then a line of carets under the fault.
    let shown = lines
        .iter()
        .position(|l| l.strip_prefix("    ") == Some(pattern.value.as_str()));
    let at = shown.and_then(|i| {
        let carets = lines.get(i + 1)?;
        let marks = carets.trim();
        (!marks.is_empty() && marks.bytes().all(|b| b == b'^')).then_some(())?;
        let col = carets.find('^')?.checked_sub(4)?;
        let byte = pattern.value.char_indices().nth(col).map(|(b, _)| b)?;
        Some((byte, marks.len()))
    });
    let span = pattern.span;
    let quoted = span.len() == pattern.value.len() + 2;
    let precise = match at {
        Some((byte, width)) if span.len() == pattern.value.len() || quoted => {
            let start = span.start as usize + usize::from(quoted) + byte;
            Some(Span::new(span.file, start, start + width.max(1)))
        }
        _ => None,
    };
    let (span, label) = match (precise, at) {
        (Some(s), _) => (s, what.clone()),
        (None, Some((byte, _))) => (
            span,
            format!("{what} (at character {} of the pattern)", byte + 1),
        ),
        (None, None) => (span, what.clone()),
    };
    Some(
        Diagnostic::error(codes::BAD_WAF_RULE, format!("the WAF regex does not compile: {what}"))
            .with_span(span, label)
            .with_help("patterns use the Rust `regex` syntax, which runs in linear time: no look-around (`(?=`, `(?<!`) and no backreferences (`\\1`); escape literal metacharacters"),
    )
}

/// A CIDR (`198.51.100.0/24`, `2001:db8::/32`) or an address.
fn is_cidr(text: &str) -> bool {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let Ok(ip) = addr.trim().parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    len.is_none_or(|l| l.trim().parse::<u8>().is_ok_and(|l| l <= max))
}

/// A field name as written: `header:user-agent`, `query_arg:id`, `json_body:/a/b`, ….
fn waf_field(field: &vocab::Spanned<String>, diags: &mut Diagnostics) -> Option<WafField> {
    let text = field.value.as_str();
    let (kind, arg) = match text.split_once(':') {
        Some((k, a)) => (k, Some(a)),
        None => (text, None),
    };
    let parsed = match (kind, arg) {
        ("method", None) => Some(WafField::Method),
        ("path", None) => Some(WafField::Path),
        ("query_string", None) => Some(WafField::QueryString),
        ("query_args", None) => Some(WafField::AllQueryArgs),
        ("headers", None) => Some(WafField::AllHeaders),
        ("cookies", None) => Some(WafField::Cookies),
        ("body", None) => Some(WafField::Body),
        ("json_body", None) => Some(WafField::JsonBody(Str::Borrowed(""))),
        ("json_body", Some(p)) if p.is_empty() || p.starts_with('/') => {
            Some(WafField::JsonBody(owned(p)))
        }
        ("query_arg", Some(n)) if !n.is_empty() => Some(WafField::QueryArg(owned(n))),
        ("header", Some(n))
            if !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) =>
        {
            Some(WafField::Header(Str::Owned(n.to_ascii_lowercase())))
        }
        _ => None,
    };
    if parsed.is_none() {
        diags.push(bad_rule(
            field.span,
            format!("`{text}` is not a request field"),
            "write `method`, `path`, `query_string`, `query_arg:NAME`, `query_args`, `header:NAME`, `headers`, `cookies`, `body`, `json_body` or `json_body:/json/pointer`",
        ));
    }
    parsed
}

fn transforms(t: &[vocab::Transformation]) -> Vec<Transform> {
    t.iter()
        .map(|t| match t {
            vocab::Transformation::UrlDecode => Transform::UrlDecode,
            vocab::Transformation::HtmlEntityDecode => Transform::HtmlEntityDecode,
            vocab::Transformation::Lowercase => Transform::Lowercase,
            vocab::Transformation::CompressWhitespace => Transform::CompressWhitespace,
            vocab::Transformation::Base64Decode => Transform::Base64Decode,
            vocab::Transformation::JsDecode => Transform::JsDecode,
            vocab::Transformation::CssDecode => Transform::CssDecode,
        })
        .collect()
}

/// A rule's statement; `top` is false inside `and`/`or`/`not`, where rate-based rules and
/// managed groups cannot stand.
fn waf_condition(
    rule: &vocab::WafRule,
    root: &vocab::Root,
    diags: &mut Diagnostics,
    top: bool,
) -> Option<WafCondition> {
    use vocab::WafRule as R;
    Some(match rule {
        R::IpSet(r) => {
            let mut checked: Vec<(&str, Span)> =
                r.cidrs.iter().map(|c| (c.value.as_str(), c.span)).collect();
            if let Some(set) = &r.ip_set {
                match root
                    .waf
                    .as_ref()
                    .and_then(|w| w.ip_sets.iter().find(|(k, _)| k.value == set.value))
                {
                    Some((k, v)) => checked.extend(v.iter().map(|c| (c.as_str(), k.span))),
                    None => {
                        diags.push(bad_rule(
                            set.span,
                            format!("no IP set `{}` in `x-gateway.waf.ip_sets`", set.value),
                            "declare it under `x-gateway.waf.ip_sets`, or list `cidrs` inline",
                        ));
                        return None;
                    }
                }
            }
            if let Some((bad, span)) = checked.iter().find(|(c, _)| !is_cidr(c)) {
                diags.push(bad_rule(
                    *span,
                    format!("`{bad}` is not a CIDR or an IP address"),
                    "write `198.51.100.0/24`, `2001:db8::/32` or a single address",
                ));
                return None;
            }
            WafCondition::IpSet {
                cidrs: checked.iter().map(|(c, _)| owned(c)).collect(),
                files: strs(&r.files),
                forwarded: r.forwarded,
            }
        }
        R::Geo(r) => WafCondition::Geo {
            countries: strs(&r.countries),
            negate: r.matching == vocab::GeoMatch::NotIn,
        },
        R::RateBased(r) => WafCondition::RateBased {
            limit: r.limit,
            window: r.window.0,
            key: owned(&r.key),
        },
        R::Sqli(r) => WafCondition::Sqli {
            parts: parts(&r.scope),
            sensitivity: match r.sensitivity.as_ref().map(|s| s.value) {
                None | Some(vocab::Sensitivity::Low) => SqliSensitivity::Low,
                Some(vocab::Sensitivity::High) => SqliSensitivity::High,
            },
        },
        R::Xss(r) => {
            if let Some(s) = &r.sensitivity {
                diags.push(bad_rule(
                    s.span,
                    "`sensitivity` applies to `sqli` rules only".to_owned(),
                    "remove it: the XSS detector has one level, as AWS WAF's `XssMatchStatement`",
                ));
                return None;
            }
            WafCondition::Xss {
                parts: parts(&r.scope),
            }
        }
        R::ByteMatch(r) => WafCondition::Match(WafMatch {
            field: waf_field(&r.field, diags)?,
            transforms: transforms(&r.transformations),
            test: match r.positional {
                vocab::Positional::Contains => MatchTest::Contains(owned(&r.value)),
                vocab::Positional::ContainsWord => MatchTest::ContainsWord(owned(&r.value)),
                vocab::Positional::Exactly => MatchTest::Exactly(owned(&r.value)),
                vocab::Positional::StartsWith => MatchTest::StartsWith(owned(&r.value)),
                vocab::Positional::EndsWith => MatchTest::EndsWith(owned(&r.value)),
            },
        }),
        R::RegexMatch(r) => {
            let field = waf_field(&r.field, diags)?;
            if let Some(d) = regex_error(&r.pattern) {
                diags.push(d);
                return None;
            }
            WafCondition::Match(WafMatch {
                field,
                transforms: transforms(&r.transformations),
                test: MatchTest::Regex(owned(&r.pattern.value)),
            })
        }
        R::SizeConstraint(r) => WafCondition::Match(WafMatch {
            field: waf_field(&r.field, diags)?,
            transforms: transforms(&r.transformations),
            test: MatchTest::Size(SizeTest {
                op: match r.comparison {
                    vocab::SizeComparison::Eq => Comparison::Eq,
                    vocab::SizeComparison::Ne => Comparison::Ne,
                    vocab::SizeComparison::Lt => Comparison::Lt,
                    vocab::SizeComparison::Le => Comparison::Le,
                    vocab::SizeComparison::Gt => Comparison::Gt,
                    vocab::SizeComparison::Ge => Comparison::Ge,
                },
                size: r.size.0.0,
            }),
        }),
        R::And(r) => WafCondition::And {
            all: r
                .statements
                .iter()
                .map(|s| waf_condition(s, root, diags, false))
                .collect::<Option<_>>()?,
        },
        R::Or(r) => WafCondition::Or {
            any: r
                .statements
                .iter()
                .map(|s| waf_condition(s, root, diags, false))
                .collect::<Option<_>>()?,
        },
        R::Not(r) => WafCondition::Not {
            not: Box::new(waf_condition(&r.statement, root, diags, false)?),
        },
        R::Managed(r) if top => {
            let Some(rules) = gwc_ir::managed_group_rules(&r.group.value) else {
                let names: Vec<String> = gwc_ir::MANAGED_GROUPS
                    .iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect();
                diags.push(bad_rule(
                    r.group.span,
                    format!("no managed rule group `{}`", r.group.value),
                    &format!("the groups are {}", names.join(", ")),
                ));
                return None;
            };
            let mut overrides = Vec::new();
            for (rule, action) in &r.overrides {
                if !rules.contains(&rule.as_str()) {
                    diags.push(bad_rule(
                        r.group.span,
                        format!("managed group `{}` has no rule `{rule}`", r.group.value),
                        &format!("its rules are {}", rules.join(", ")),
                    ));
                    return None;
                }
                overrides.push(RuleOverride {
                    rule: owned(rule),
                    action: match action {
                        vocab::ManagedOverride::Count => OverrideAction::Count,
                        vocab::ManagedOverride::Off => OverrideAction::Off,
                    },
                });
            }
            if r.group.value == "ip_reputation" && r.lists.is_empty() {
                diags.push(bad_rule(
                    r.group.span,
                    "the `ip_reputation` group needs `lists`".to_owned(),
                    "list files of CIDRs, one per line, under `lists`",
                ));
                return None;
            }
            WafCondition::Managed(ManagedGroup {
                name: owned(&r.group.value),
                overrides,
                lists: strs(&r.lists),
            })
        }
        R::Managed(r) => {
            diags.push(bad_rule(
                r.group.span,
                "a managed group cannot be nested in `and`, `or` or `not`".to_owned(),
                "make it a rule of its own",
            ));
            return None;
        }
    })
}

/// Settings a browser would refuse, reported at the spec line: credentials with origin `*`,
/// an origin pattern with more than one `*`.
pub(super) fn check_cors(c: &vocab::Cors, span: Span, diags: &mut Diagnostics) {
    if c.allow_credentials && c.allow_origins.iter().any(|o| o.trim() == "*") {
        diags.push(
            Diagnostic::error(
                vocab::codes::INVALID_VALUE,
                "`allow_credentials: true` cannot be combined with the origin `*`",
            )
            .with_span(span, "in these CORS settings")
            .with_help("browsers refuse credentialed answers for `*`; list the origins, e.g. `https://app.example.com` or `https://*.example.com`"),
        );
    }
    for origin in &c.allow_origins {
        if origin.trim() != "*" && origin.matches('*').count() > 1 {
            diags.push(
                Diagnostic::error(
                    vocab::codes::INVALID_VALUE,
                    format!("origin pattern `{origin}` has more than one `*`"),
                )
                .with_span(span, "in these CORS settings")
                .with_help("one `*` stands for any text, e.g. `https://*.example.com`"),
            );
        }
    }
}

fn cors_policy(c: &vocab::Cors) -> CorsPolicy {
    CorsPolicy {
        allow_origins: strs(&c.allow_origins),
        allow_methods: strs(&c.allow_methods),
        allow_headers: strs(&c.allow_headers),
        expose_headers: strs(&c.expose_headers),
        max_age: c.max_age.map(|d| d.0),
        allow_credentials: c.allow_credentials,
    }
}
