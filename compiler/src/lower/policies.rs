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
    RouteId, RoutePolicies, RouteThrottle, Secret, Str, Throttle, ThrottleScope, UriTemplate,
    UsagePlan, Validator, ValidatorId, WafAction, WafCondition, WafRule, WafRuleSet, WafRuleSetId,
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
                kind: authorizer_kind(a, diags),
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
        let waf = root.waf.as_ref().map(|w| {
            waf_rule_sets.push(WafRuleSet {
                name: Str::Borrowed("api"),
                default_action: waf_action(w.default_action),
                rules: w.rules.iter().map(|r| waf_rule(r, root)).collect(),
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
        let throttle = exts
            .throttle
            .as_ref()
            .map(|t| &t.value)
            .or(root.throttle.as_ref())
            .map(throttle);
        let cache = root.cache.as_ref().and_then(|c| match &exts.cache {
            Some(op) if !op.value.enabled => None,
            Some(op) => Some(CachePolicy {
                ttl: op.value.ttl.map_or(c.ttl.0, |t| t.0),
                key: match &op.value.key {
                    Some(key) => cache_key(key, diags),
                    None => self.root_cache_key.clone(),
                },
            }),
            None => c
                .methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(route.method.as_str()))
                .then(|| CachePolicy {
                    ttl: c.ttl.0,
                    key: self.root_cache_key.clone(),
                }),
        });
        let waf = exts.waf.as_ref().and_then(|w| {
            if w.value.rules.is_empty() {
                return None;
            }
            self.waf_rule_sets.push(WafRuleSet {
                name: route.id.clone(),
                default_action: WafAction::Allow,
                rules: w.value.rules.iter().map(|r| waf_rule(r, root)).collect(),
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
        RoutePolicies {
            auth,
            api_key_required: matches!(
                exts.api_key.as_ref().map(|k| k.value),
                Some(vocab::ApiKeyRequirement::Required)
            ),
            throttle,
            cache,
            waf,
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
                throttle: plan.throttle.as_ref().map(throttle),
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
                            throttle: throttle(t),
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

fn authorizer_kind(a: &vocab::Authorizer, diags: &mut Diagnostics) -> AuthorizerKind {
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
        }),
        // A Cognito user pool is an OpenID issuer with a known address; the IR knows only JWTs.
        vocab::Authorizer::Cognito(c) => {
            let region = c.region.clone().unwrap_or_else(|| {
                c.user_pool_id
                    .split_once('_')
                    .map_or_else(String::new, |(r, _)| r.to_owned())
            });
            AuthorizerKind::Jwt(JwtAuthorizer {
                issuer: Str::Owned(format!(
                    "https://cognito-idp.{region}.amazonaws.com/{}",
                    c.user_pool_id
                )),
                audience: strs(&c.client_ids),
                jwks_uri: None,
                identity_sources: strs(&c.identity_source),
                algorithms: vec![Str::Borrowed("RS256")],
                leeway: Millis(60_000),
                jwks_ttl: Millis(3_600_000),
                token_use: Some(Str::Borrowed(match c.token_use {
                    vocab::TokenUse::Access => "access",
                    vocab::TokenUse::Id => "id",
                })),
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
                    secret: Secret::Env(owned(&c.secret_env)),
                    principal: c.principal.as_deref().map(owned),
                })
                .collect(),
        }),
        vocab::Authorizer::Custom(c) => AuthorizerKind::Custom(CustomAuthorizer {
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
        }),
    }
}

fn throttle(t: &vocab::Throttle) -> Throttle {
    Throttle {
        rate: t.rate,
        burst: t.burst,
        per: match t.per {
            vocab::ThrottleScope::Api => ThrottleScope::Api,
            vocab::ThrottleScope::Ip => ThrottleScope::Ip,
            vocab::ThrottleScope::ApiKey => ThrottleScope::ApiKey,
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

/// One rule; an `ip_set` rule carries its set's CIDRs (an unknown set, none).
fn waf_rule(rule: &vocab::WafRule, root: &vocab::Root) -> WafRule {
    let name = |n: &Option<String>, default: String| Str::Owned(n.clone().unwrap_or(default));
    match rule {
        vocab::WafRule::IpSet(r) => WafRule {
            name: name(&r.name, format!("ip_set:{}", r.ip_set.value)),
            action: waf_action(r.action),
            condition: WafCondition::IpSet {
                cidrs: root
                    .waf
                    .as_ref()
                    .and_then(|w| w.ip_sets.iter().find(|(k, _)| k.value == r.ip_set.value))
                    .map(|(_, v)| strs(v))
                    .unwrap_or_default(),
                forwarded: r.forwarded,
            },
        },
        vocab::WafRule::Geo(r) => WafRule {
            name: name(&r.name, "geo".to_owned()),
            action: waf_action(r.action),
            condition: WafCondition::Geo {
                countries: strs(&r.countries),
                negate: r.matching == vocab::GeoMatch::NotIn,
            },
        },
        vocab::WafRule::RateBased(r) => WafRule {
            name: name(&r.name, "rate_based".to_owned()),
            action: waf_action(r.action),
            condition: WafCondition::RateBased {
                limit: r.limit,
                window: r.window.0,
                key: owned(&r.key),
            },
        },
        vocab::WafRule::Sqli(r) => WafRule {
            name: name(&r.name, "sqli".to_owned()),
            action: waf_action(r.action),
            condition: WafCondition::Sqli {
                parts: parts(&r.scope),
            },
        },
        vocab::WafRule::Xss(r) => WafRule {
            name: name(&r.name, "xss".to_owned()),
            action: waf_action(r.action),
            condition: WafCondition::Xss {
                parts: parts(&r.scope),
            },
        },
    }
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
