//! Per-route policies and the typed ids they use to refer to API-wide tables.
//!
//! A route carries only small, optional settings; anything shared by many routes (an
//! authorizer, a usage plan, a WAF rule set, a validator, a CORS policy) lives once in a table
//! on [`crate::Gateway`] and is named by a typed index, so a 1,000-route gateway does not repeat
//! it 1,000 times and the runtime compiles each entry once. [`crate::Gateway::validate`] checks
//! every id is in range.

use serde::{Deserialize, Serialize};

use crate::{Millis, Str};

macro_rules! table_id {
    ($(#[$doc:meta])* $name:ident, $table:literal) => {
        $(#[$doc])*
        #[doc = concat!("An index into `Gateway.", $table, "`; ids are dense and stable for one IR value.")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for indexing the table.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

table_id!(
    /// Which authorizer guards a route.
    AuthorizerId,
    "authorizers"
);
table_id!(
    /// A usage plan.
    PlanId,
    "plans"
);
table_id!(
    /// A WAF rule set.
    WafRuleSetId,
    "waf_rule_sets"
);
table_id!(
    /// A request validator.
    ValidatorId,
    "validators"
);
table_id!(
    /// A CORS policy.
    CorsId,
    "cors_policies"
);
table_id!(
    /// A route, in `Gateway.routes` order (usage plans' per-route throttles use it).
    RouteId,
    "routes"
);

/// What the gateway checks and applies on one route before its integration, each step optional
/// so a route pays only for what its spec enables. The default is "nothing": a public route.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutePolicies {
    /// Authorization: an authorizer and the scopes the caller must have.
    pub auth: Option<RouteAuth>,
    /// A valid, enabled API key of some usage plan is required (its throttle and quota apply).
    pub api_key_required: bool,
    /// Token bucket for this route (the operation's own); it replaces the stage's default
    /// route throttle for this route. The API-wide and plan limits apply as well.
    pub throttle: Option<Throttle>,
    /// Response caching; `None` when the route is not cached.
    pub cache: Option<CachePolicy>,
    /// Firewall rules evaluated after matching, on top of the API-wide `Gateway.waf`.
    pub waf: Option<WafRuleSetId>,
    /// The API-wide rules (`Gateway.waf`) skip this route (`x-gateway-waf.enabled: false`),
    /// e.g. an endpoint that receives SQL or markup by design. Default: `false`.
    #[serde(default)]
    pub api_waf_off: bool,
    /// Request validation.
    pub validation: Option<ValidatorId>,
    /// CORS handling (preflight answers and response headers).
    pub cors: Option<CorsId>,
}

impl RoutePolicies {
    /// True when no policy is enabled (codegen then omits the field).
    pub fn is_empty(&self) -> bool {
        *self == RoutePolicies::default()
    }
}

/// A route's authorization.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteAuth {
    /// The authorizer that admits the request.
    pub authorizer: AuthorizerId,
    /// OAuth scopes; the caller needs at least one of them. Empty: no scope check.
    pub scopes: Vec<Str>,
}

/// A token bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    /// Steady rate in requests per second (may be fractional).
    pub rate: f64,
    /// Requests served at once after a quiet period.
    pub burst: u32,
    /// Whom one bucket counts.
    pub per: ThrottleScope,
}

impl Throttle {
    /// Checks a bucket's numbers, the rule every spelling of a throttle (a spec's
    /// `x-gateway-throttle`, a `#[gateway(throttle(…))]` attribute) shares.
    pub fn check(&self) -> Result<(), String> {
        Throttle::check_rate(self.rate)
    }

    /// A rate the runtime's buckets can count: more than 0 and at most 1,000,000 requests a
    /// second (they count in microseconds), fractions allowed.
    pub fn check_rate(rate: f64) -> Result<(), String> {
        if rate.is_finite() && rate > 0.0 && rate <= 1_000_000.0 {
            Ok(())
        } else {
            Err(format!(
                "a throttle rate of {rate} requests a second: it must be more than 0 and at most 1000000 (to refuse every request, remove the route or use a WAF rule)"
            ))
        }
    }
}

impl ThrottleScope {
    /// Reads `api`, `ip`, `api_key`, `principal` or `header:NAME` (a header token, kept
    /// lower-cased since header names are case-insensitive): one parser for the spec and the
    /// `#[gateway]` attribute, so the two cannot drift.
    pub fn parse(text: &str) -> Result<ThrottleScope, String> {
        match text {
            "api" => return Ok(ThrottleScope::Api),
            "ip" => return Ok(ThrottleScope::Ip),
            "api_key" => return Ok(ThrottleScope::ApiKey),
            "principal" => return Ok(ThrottleScope::Principal),
            _ => {}
        }
        if let Some(name) = text.strip_prefix("header:") {
            if name.is_empty() {
                return Err("`header:` needs a header name, such as `header:x-tenant`".to_owned());
            }
            let valid = name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            return if valid {
                Ok(ThrottleScope::Header(Str::Owned(name.to_ascii_lowercase())))
            } else {
                Err(format!(
                    "`{name}` is not a header name: write `header:` and a header such as `header:x-tenant`"
                ))
            };
        }
        Err(format!(
            "unknown throttle scope `{text}`, expected one of `api`, `ip`, `api_key`, `principal` or `header:NAME`"
        ))
    }
}

/// What one token bucket counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleScope {
    /// One bucket for everyone.
    #[default]
    Api,
    /// One bucket per client IP.
    Ip,
    /// One bucket per API key (requests without one share one bucket).
    ApiKey,
    /// One bucket per authorizer principal (requests without one share one bucket).
    Principal,
    /// One bucket per value of this request header, a lower-case name (requests without it
    /// share one bucket).
    Header(Str),
}

/// How one route's responses are cached (the store itself is `Gateway.cache`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachePolicy {
    /// Time to live of an entry.
    pub ttl: Millis,
    /// Request values in the key besides method and path, in spec order.
    pub key: Vec<CacheKeyPart>,
    /// On a route with an authorizer, whether callers share entries. `false` (the default)
    /// puts the principal in the key, so one caller is never served another's response.
    #[serde(default)]
    pub shared: bool,
}

/// One request value in a cache key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "in", content = "name", rename_all = "snake_case")]
pub enum CacheKeyPart {
    /// A path parameter.
    Path(Str),
    /// A query-string parameter.
    Query(Str),
    /// A request header (case-insensitive).
    Header(Str),
}

impl CacheKeyPart {
    /// Reads `path.NAME`, `query.NAME` or `header.NAME` (`x-gateway-cache.key`'s entries and
    /// `#[gateway(cache(key = […]))]`'s): one parser for both spellings.
    pub fn parse(text: &str) -> Option<CacheKeyPart> {
        let (kind, name) = text.split_once('.')?;
        if name.is_empty() {
            return None;
        }
        let name = Str::Owned(name.to_owned());
        match kind {
            "path" => Some(CacheKeyPart::Path(name)),
            "query" => Some(CacheKeyPart::Query(name)),
            "header" => Some(CacheKeyPart::Header(name)),
            _ => None,
        }
    }
}

/// CORS settings shared by the routes that name them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsPolicy {
    /// Allowed origins, or `*`.
    pub allow_origins: Vec<Str>,
    /// Allowed methods; empty: the methods the path serves.
    pub allow_methods: Vec<Str>,
    /// Allowed request headers.
    pub allow_headers: Vec<Str>,
    /// Response headers exposed to scripts.
    pub expose_headers: Vec<Str>,
    /// `Access-Control-Max-Age`; `None`: not sent.
    pub max_age: Option<Millis>,
    /// Send `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
}

/// A secret, held as a reference and resolved by the runtime at start-up, so that no secret is
/// ever written into a spec's generated `gateway.rs` (or its binary, or its git history).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "from", content = "name", rename_all = "snake_case")]
pub enum Secret {
    /// The value of an environment variable.
    Env(Str),
    /// The contents of a file (a trailing newline is ignored), e.g. a mounted Kubernetes secret.
    File(Str),
}

impl Default for Secret {
    fn default() -> Self {
        Secret::Env(Str::Borrowed(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_what_the_buckets_can_count() {
        for ok in [0.001, 1.0, 2.5, 1_000_000.0] {
            assert!(Throttle::check_rate(ok).is_ok(), "{ok}");
        }
        for bad in [0.0, -1.0, 1_000_000.5, f64::NAN, f64::INFINITY] {
            assert!(Throttle::check_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_parse_as_the_reference_says() {
        assert_eq!(ThrottleScope::parse("ip"), Ok(ThrottleScope::Ip));
        assert_eq!(
            ThrottleScope::parse("header:X-Tenant"),
            Ok(ThrottleScope::Header(Str::Owned("x-tenant".to_owned())))
        );
        assert!(ThrottleScope::parse("header:").is_err());
        assert!(ThrottleScope::parse("header:a b").is_err());
        assert!(ThrottleScope::parse("user").is_err());
    }
}
