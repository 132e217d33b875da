//! Per-operation keys (`x-gateway-integration`, `x-gateway-auth`, …) and the pieces they
//! share with the root object (throttles, CORS, WAF rules, integrations of WebSocket routes).
//!
//! An operation object may hold any of [`OPERATION_KEYS`]; a path item may hold
//! `x-gateway-any-method` (an operation object served for every method the path item does not
//! bind), which the loader turns into an operation with IR `Method::Any`.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::root::WafAction;
use super::spanned::Spanned;
use super::units::{Duration, Size, StatusCode};

/// Every per-operation key, in reference order.
pub const OPERATION_KEYS: [&str; 8] = [
    "x-gateway-integration",
    "x-gateway-auth",
    "x-gateway-api-key",
    "x-gateway-throttle",
    "x-gateway-cache",
    "x-gateway-waf",
    "x-gateway-validate",
    "x-gateway-cors",
];

/// Path-item keys: an operation object for every method not bound explicitly. AWS's spelling
/// is accepted too.
pub const PATH_ITEM_KEYS: [&str; 2] = ["x-gateway-any-method", "x-amazon-apigateway-any-method"];

/// `x-gateway-integration`: where a request goes. `type` picks the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(tag = "type")]
pub enum Integration {
    /// Pass the request through to an HTTP backend untouched and stream the answer back.
    HttpProxy(HttpProxyIntegration),
    /// Call an HTTP backend with a request built by mapping, and map its answer (AWS's
    /// non-proxy `http` integration).
    Http(HttpIntegration),
    /// Answer from the gateway itself.
    Mock(MockIntegration),
    /// Call a Rust function linked into the generated gateway (the in-process equivalent of a
    /// Lambda integration).
    Rust(RustIntegration),
}

/// `type: http_proxy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct HttpProxyIntegration {
    /// Backend URL. May use `${stageVariables.NAME}` and the operation's path parameters as
    /// `{name}` (a greedy `{proxy+}` as `{proxy}`); the request's query string is appended.
    pub uri: Spanned<String>,
    /// Time the backend has to answer → 504 (`INTEGRATION_TIMEOUT`).
    /// Default: `limits.integration_timeout` (`29s`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// Method sent to the backend, e.g. `POST`. Default: the request's method.
    #[serde(default)]
    pub method: Option<String>,
    /// Header changes on the way to the backend (AWS HTTP API parameter mapping). Values may
    /// read the request. Default: none.
    #[serde(default)]
    pub request_headers: ParamChanges,
    /// Query-string changes on the way to the backend; names and values are percent-encoded
    /// as needed. Default: none.
    #[serde(default)]
    pub request_query: ParamChanges,
    /// Header changes on the way back to the client (gateway errors are not changed). Values
    /// may read the response: `$response.header.NAME`. Default: none.
    #[serde(default)]
    pub response_headers: ParamChanges,
}

/// Parameter changes, applied in the order `set`, `append`, `remove`, each in spec order.
/// Values are text with references: `$request.header.NAME`, `$request.querystring.NAME`,
/// `$request.path.NAME` (request mappings), `$response.header.NAME` (response mappings),
/// `$context.NAME` (`requestId`, `httpMethod`, `path`, `resourcePath`, `routeKey`, `stage`,
/// `domainName`, `identity.sourceIp`, `identity.userAgent`, `requestTimeEpoch`, and what the
/// route's authorizer established: `authorizer.principalId`, a verified token's
/// `authorizer.claims.NAME`, a custom authorizer's context value `authorizer.KEY`) and
/// `${stageVariables.NAME}`; `${...}` ends a reference before text (and allows any character
/// in a claim name: `${context.authorizer.claims.cognito:groups}`). A request mapping reads
/// the request as the client sent it, before any change; setting a header from the
/// authorizer's result replaces whatever the client sent under that name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ParamChanges {
    /// Set, replacing any present value; an empty value removes it. Default: none.
    #[serde(default)]
    pub set: IndexMap<String, String>,
    /// Appended to any present values. Default: none.
    #[serde(default)]
    pub append: IndexMap<String, String>,
    /// Removed. Default: none.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// `type: http`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct HttpIntegration {
    /// Backend URL, as for `http_proxy`.
    pub uri: Spanned<String>,
    /// Method sent to the backend. Default: the request's method.
    #[serde(default)]
    pub method: Option<String>,
    /// Time the backend has to answer. Default: `limits.integration_timeout` (`29s`).
    #[serde(default)]
    pub timeout: Option<Duration>,
    /// How the backend request is built. Default: the request passed through.
    #[serde(default)]
    pub request: RequestMapping,
    /// Integration responses keyed by a regular expression matched against the backend's
    /// status code (`2\d{2}`, `404`), or `default`. Default: none (the backend's answer is
    /// passed through).
    #[serde(default)]
    pub responses: NamedResponses,
}

/// Integration responses by selection pattern.
pub type NamedResponses = IndexMap<Spanned<String>, ResponseMapping>;

/// How a backend request is built (AWS's `requestParameters` and `requestTemplates`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RequestMapping {
    /// Backend headers → value, written as in `http_proxy`'s `request_headers`
    /// (`$request.header.X`, `$request.querystring.X`, `$request.path.X`, `$context.X`,
    /// `${stageVariables.X}`, literal text). Default: none.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Backend query-string parameters → source. Default: none.
    #[serde(default)]
    pub query: IndexMap<String, String>,
    /// Backend path parameters (used in `uri`) → source. Default: none.
    #[serde(default)]
    pub path: IndexMap<String, String>,
    /// Body templates (VTL) by request content type. Default: none.
    #[serde(default)]
    pub templates: IndexMap<String, String>,
    /// What to do when the request's content type has no template: `when_no_match` (pass
    /// the body through), `when_no_templates` (pass through only if there are no templates,
    /// else 415) or `never` (415). Default: `when_no_match`.
    #[serde(default)]
    pub passthrough: Passthrough,
    /// AWS's `contentHandling`: `convert_to_text` (a binary body, by
    /// `binary_media_types`, is sent base64-encoded) or `convert_to_binary` (a text body is
    /// read as base64 and sent decoded; not base64 → 500). Templates read a binary body as
    /// base64. Default: none (the body passes as it came).
    #[serde(default)]
    pub content_handling: Option<ContentHandling>,
}

/// AWS's `contentHandling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContentHandling {
    /// Binary → base64 text.
    ConvertToText,
    /// Base64 text → binary.
    ConvertToBinary,
}

/// AWS's `passthroughBehavior`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Passthrough {
    /// Pass the body through when no template matches.
    #[default]
    WhenNoMatch,
    /// Pass through only when no templates are defined; else 415.
    WhenNoTemplates,
    /// Refuse unmapped content types with 415.
    Never,
}

/// One integration response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ResponseMapping {
    /// Status sent to the client. Default: the backend's.
    #[serde(default)]
    pub status: Option<StatusCode>,
    /// Response headers → value (`$response.header.X`, `$context.X`, literal text).
    /// Default: none.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Body templates (VTL) by response content type; the client's `Accept` chooses one,
    /// else `application/json`, else the first. Default: none (body passed through).
    #[serde(default)]
    pub templates: IndexMap<String, String>,
    /// AWS's `contentHandling` for this response (`convert_to_text`, `convert_to_binary`).
    /// Default: none (the `Accept` rule of `binary_media_types` decides).
    #[serde(default)]
    pub content_handling: Option<ContentHandling>,
}

/// `type: mock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct MockIntegration {
    /// Response status. Default: `200`.
    #[serde(default = "default_mock_status")]
    pub status: StatusCode,
    /// Response headers. Default: none.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Response body, sent as written. Default: empty.
    #[serde(default)]
    pub body: String,
    /// Request templates (VTL) by request content type, as AWS's mock integration has: the
    /// output is `{"statusCode": N}`, and N selects one of `responses`. Default: none (the
    /// fixed `status`, `headers` and `body`).
    #[serde(default)]
    pub request_templates: IndexMap<String, String>,
    /// Integration responses keyed by a regular expression matched against the status the
    /// request template chose, or `default`, as for `http`. Default: none.
    #[serde(default)]
    pub responses: NamedResponses,
}

fn default_mock_status() -> StatusCode {
    StatusCode(200)
}

/// `type: rust`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RustIntegration {
    /// Path of the handler function, e.g. `crate::handlers::get_pet` or
    /// `pets_handlers::get_pet` (a dependency of the generated crate).
    pub handler: Spanned<String>,
    /// Time the handler has to answer. Default: `limits.integration_timeout` (`29s`).
    #[serde(default)]
    pub timeout: Option<Duration>,
}

/// `x-gateway-auth` (and the root `auth` default): which authorizer guards the operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct OperationAuth {
    /// Name of an authorizer in `x-gateway.authorizers`, or `none` to make the operation
    /// public when the root `auth` guards every other one.
    pub authorizer: Spanned<String>,
    /// OAuth scopes the token must carry (any one of them; AWS's rule). Default: empty (no
    /// scope check).
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `x-gateway-api-key`: whether the operation needs an API key of a usage plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyRequirement {
    /// Requests need a valid, enabled key of a plan → else 403 (`INVALID_API_KEY`); the plan's
    /// throttle and quota apply.
    Required,
    /// No key needed (the default for operations without this key).
    NotRequired,
}

/// A token bucket (`x-gateway-throttle`, plans, stages and the root `throttle`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Throttle {
    /// Steady rate in requests per second (may be fractional, more than 0 and at most
    /// 1,000,000: the bucket counts in microseconds); when the bucket is empty → 429
    /// (`THROTTLED`).
    #[serde(deserialize_with = "throttle_rate")]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rate: f64,
    /// Bucket size: requests served at once after a quiet period.
    pub burst: u32,
    /// Whom the bucket counts: `api` (one bucket), `ip` (per client address, read through
    /// `waf.trusted_proxies`), `api_key` (per key), `principal` (per authorizer principal) or
    /// `header:NAME` (per value of the request header `NAME`). Default: `api`, except inside a
    /// plan, where buckets are always per API key.
    #[serde(default)]
    pub per: ThrottleScope,
}

/// Reads a throttle rate, refusing one the runtime's buckets cannot count, so `gwc check`
/// says so at the value instead of the gateway refusing to start.
fn throttle_rate<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let rate = f64::deserialize(d)?;
    gwc_ir::Throttle::check_rate(rate).map_err(serde::de::Error::custom)?;
    Ok(rate)
}

/// What one token bucket counts: `api`, `ip`, `api_key`, `principal` or `header:NAME`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum ThrottleScope {
    /// One bucket for everyone.
    #[default]
    Api,
    /// One bucket per client IP (through `waf.trusted_proxies`).
    Ip,
    /// One bucket per API key (requests without a key share one bucket).
    ApiKey,
    /// One bucket per authorizer principal (requests without one share one bucket).
    Principal,
    /// One bucket per value of this request header, lower-cased (requests without it share
    /// one bucket).
    Header(String),
}

/// The scope words besides `header:NAME`, for messages and the schema.
const THROTTLE_SCOPES: [&str; 4] = ["api", "ip", "api_key", "principal"];

impl ThrottleScope {
    /// Reads `api`, `ip`, `api_key`, `principal` or `header:NAME` with `gwc_ir`'s parser, the
    /// one the `#[gateway]` attribute uses, so the two cannot drift.
    fn parse(text: &str) -> Result<ThrottleScope, String> {
        Ok(match gwc_ir::ThrottleScope::parse(text)? {
            gwc_ir::ThrottleScope::Api => ThrottleScope::Api,
            gwc_ir::ThrottleScope::Ip => ThrottleScope::Ip,
            gwc_ir::ThrottleScope::ApiKey => ThrottleScope::ApiKey,
            gwc_ir::ThrottleScope::Principal => ThrottleScope::Principal,
            gwc_ir::ThrottleScope::Header(name) => ThrottleScope::Header(name.to_string()),
        })
    }
}

impl Serialize for ThrottleScope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ThrottleScope::Api => s.serialize_str("api"),
            ThrottleScope::Ip => s.serialize_str("ip"),
            ThrottleScope::ApiKey => s.serialize_str("api_key"),
            ThrottleScope::Principal => s.serialize_str("principal"),
            ThrottleScope::Header(name) => s.serialize_str(&format!("header:{name}")),
        }
    }
}

impl<'de> Deserialize<'de> for ThrottleScope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ThrottleScope;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("`api`, `ip`, `api_key`, `principal` or `header:NAME`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ThrottleScope, E> {
                ThrottleScope::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for ThrottleScope {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ThrottleScope".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "anyOf": [
                {"enum": THROTTLE_SCOPES},
                {"pattern": "^header:[!#$%&'*+.^_`|~0-9A-Za-z-]+$"}
            ],
            "description": "Whom one token bucket counts: `api` (one bucket), `ip` (per client address), `api_key` (per API key), `principal` (per authorizer principal) or `header:NAME` (per value of a request header).",
        })
    }
}

/// `x-gateway-cache`: the operation's use of the root `cache`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct OperationCache {
    /// Cache this operation's responses. Default: `true` (the key's presence opts in, also
    /// for methods other than the root's `methods`).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Time to live. Default: the root `cache.ttl`.
    #[serde(default)]
    pub ttl: Option<Duration>,
    /// Request values added to the cache key: `path.NAME`, `query.NAME`, `header.NAME`.
    /// Default: the root `cache.key`.
    #[serde(default)]
    pub key: Option<Vec<Spanned<String>>>,
    /// On a route with an authorizer: serve one cached response to every caller. Otherwise the
    /// principal is part of the cache key (AWS shares by default; here a response computed for
    /// one caller is never served to another unless the spec says so). Default: `false`.
    #[serde(default)]
    pub shared: bool,
}

fn default_true() -> bool {
    true
}

/// `x-gateway-waf`: per-route firewall settings, evaluated after the API-wide rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct OperationWaf {
    /// Apply the API-wide rules (`x-gateway.waf.rules`) to this route; `false` exempts it,
    /// e.g. an endpoint that receives SQL or markup by design (its own `rules` still run).
    /// Default: `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Extra rules for this route. Default: none.
    #[serde(default)]
    pub rules: Vec<WafRule>,
}

/// One WAF rule. `type` picks what it matches. Every rule also takes `name` (in metrics and
/// the access log), `priority` (lower runs first; rules without one keep their order, after
/// those with one), `action` and, for `block`, an optional custom `response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(tag = "type")]
pub enum WafRule {
    /// Client address in a named IP set, inline CIDRs or CIDR files.
    IpSet(IpSetRule),
    /// Client country (from `waf.geo_database`).
    Geo(GeoRule),
    /// More than `limit` requests per `window` from one key.
    RateBased(RateBasedRule),
    /// SQL injection in the inspected parts.
    Sqli(DetectionRule),
    /// Cross-site scripting in the inspected parts.
    Xss(DetectionRule),
    /// A string in one request field, after transformations.
    ByteMatch(ByteMatchRule),
    /// A regular expression on one request field, after transformations.
    RegexMatch(RegexMatchRule),
    /// The size of one request field.
    SizeConstraint(SizeConstraintRule),
    /// Every nested statement matches (their own `name`, `priority`, `action` are ignored).
    And(LogicalRule),
    /// Some nested statement matches.
    Or(LogicalRule),
    /// The nested statement does not match.
    Not(NotRule),
    /// A built-in rule group by name: `core`, `sql_database`, `known_bad_inputs`,
    /// `ip_reputation`.
    Managed(ManagedRule),
}

/// A custom answer for a blocked request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WafResponse {
    /// Status code. Default: `403`.
    #[serde(default = "default_waf_status")]
    pub status: StatusCode,
    /// Headers. Default: none.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Body. Default: empty.
    #[serde(default)]
    pub body: String,
}

fn default_waf_status() -> StatusCode {
    StatusCode(403)
}

/// What a rule makes of a body larger than `waf.body_inspection_limit` (AWS's oversize
/// handling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Oversize {
    /// Inspect the first `body_inspection_limit` bytes.
    #[default]
    Continue,
    /// The rule matches.
    Match,
    /// The rule does not match.
    NoMatch,
}

/// `type: ip_set`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct IpSetRule {
    /// Name in metrics and logs. Default: `ip_set:<ip_set>` (or `ip_set`).
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// Name of a set in `waf.ip_sets`. Default: none.
    #[serde(default)]
    pub ip_set: Option<Spanned<String>>,
    /// CIDRs (or addresses) inline. Default: none.
    #[serde(default)]
    pub cidrs: Vec<Spanned<String>>,
    /// Files of CIDRs, one per line (`#` comments), read when the gateway starts; paths
    /// relative to its working directory. Default: none.
    #[serde(default)]
    pub files: Vec<String>,
    /// Accepted for AWS compatibility: the client address is always the one resolved through
    /// `waf.trusted_proxies`, so a header from anyone else is never believed. Default: `false`.
    #[serde(default)]
    pub forwarded: bool,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
}

fn default_block() -> WafAction {
    WafAction::Block
}

/// `type: geo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct GeoRule {
    /// Name in metrics and logs. Default: `geo`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// ISO 3166-1 alpha-2 country codes, e.g. `DE`.
    pub countries: Vec<String>,
    /// Match requests from these countries (`in`) or from everywhere else (`not_in`).
    /// Default: `in`.
    #[serde(default)]
    pub matching: GeoMatch,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
}

/// Which side of a country list a geo rule matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GeoMatch {
    /// Requests from a listed country.
    #[default]
    In,
    /// Requests from any other country (and unknown addresses).
    NotIn,
}

/// `type: rate_based`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RateBasedRule {
    /// Name in metrics and logs. Default: `rate_based`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// Requests allowed per key per window; the rule matches above it.
    pub limit: u64,
    /// Window length (AWS WAF: 1, 2, 5 or 10 minutes). The rate is the trailing window's
    /// (a sliding window: this window's count plus the previous one's, weighted), counted in
    /// the shared state, so replicas sharing Redis share the count. Default: `5m`.
    #[serde(default = "default_rate_window")]
    pub window: Duration,
    /// What is counted: `ip` (the client address through trusted proxies), `forwarded_ip`
    /// (the same), `api_key` (`x-api-key`) or `header:<name>`. Default: `ip`.
    #[serde(default = "default_rate_key")]
    pub key: String,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
}

fn default_rate_window() -> Duration {
    Duration::from_secs(300)
}
fn default_rate_key() -> String {
    "ip".to_owned()
}

/// `type: sqli` and `type: xss`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct DetectionRule {
    /// Name in metrics and logs. Default: the type.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// Request parts inspected (decoded): `path`, `query`, `headers`, `cookies`, `body`.
    /// Default: all of them.
    #[serde(default = "default_scope")]
    pub scope: Vec<InspectedPart>,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
    /// A body over the inspection limit. Default: `continue`.
    #[serde(default)]
    pub oversize: Oversize,
    /// `sqli` only, as AWS WAF's `SensitivityLevel`: `high` adds weaker SQL signatures,
    /// catching more attacks at the price of more false positives. Default: `low`.
    #[serde(default)]
    pub sensitivity: Option<Spanned<Sensitivity>>,
}

/// How eagerly a `sqli` rule matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// SQL by structure only: a breakout followed by SQL syntax.
    #[default]
    Low,
    /// Also SQL fragments on their own: catalogue names, quoted-word probes, statement
    /// verbs, function calls and runs of SQL punctuation.
    High,
}

fn default_scope() -> Vec<InspectedPart> {
    vec![
        InspectedPart::Path,
        InspectedPart::Query,
        InspectedPart::Headers,
        InspectedPart::Cookies,
        InspectedPart::Body,
    ]
}

/// A text transformation applied before a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Transformation {
    /// `%XX` and `+` decoded.
    UrlDecode,
    /// `&lt;`, `&#60;`, `&#x3c;` decoded.
    HtmlEntityDecode,
    /// ASCII lower case.
    Lowercase,
    /// Runs of whitespace become one space.
    CompressWhitespace,
    /// Base64 (standard or URL-safe) decoded.
    Base64Decode,
    /// JavaScript escapes decoded.
    JsDecode,
    /// CSS escapes decoded.
    CssDecode,
}

/// Where a string must sit in the field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Positional {
    /// Anywhere.
    #[default]
    Contains,
    /// As a word (bounded by non-alphanumerics or the ends).
    ContainsWord,
    /// The whole value.
    Exactly,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// `type: byte_match`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ByteMatchRule {
    /// Name in metrics and logs. Default: `byte_match`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The request field: `method`, `path`, `query_string`, `query_arg:<name>`,
    /// `query_args` (every value), `header:<name>`, `headers` (every value), `cookies`,
    /// `body`, `json_body` (every string) or `json_body:<JSON pointer>`.
    pub field: Spanned<String>,
    /// Applied in order before matching. Default: none.
    #[serde(default)]
    pub transformations: Vec<Transformation>,
    /// Where `value` must sit. Default: `contains`.
    #[serde(default)]
    pub positional: Positional,
    /// The string.
    pub value: String,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
    /// A body over the inspection limit. Default: `continue`.
    #[serde(default)]
    pub oversize: Oversize,
}

/// `type: regex_match`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RegexMatchRule {
    /// Name in metrics and logs. Default: `regex_match`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The request field, as for `byte_match`.
    pub field: Spanned<String>,
    /// Applied in order before matching. Default: none.
    #[serde(default)]
    pub transformations: Vec<Transformation>,
    /// A regular expression in the Rust `regex` crate's syntax (linear time: no
    /// backreferences or look-around, so no catastrophic backtracking).
    pub pattern: Spanned<String>,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
    /// A body over the inspection limit. Default: `continue`.
    #[serde(default)]
    pub oversize: Oversize,
}

/// A size comparison.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizeComparison {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    #[default]
    Gt,
    /// Greater than or equal.
    Ge,
}

/// `type: size_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct SizeConstraintRule {
    /// Name in metrics and logs. Default: `size_constraint`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The request field, as for `byte_match`.
    pub field: Spanned<String>,
    /// Applied in order before measuring. Default: none.
    #[serde(default)]
    pub transformations: Vec<Transformation>,
    /// How the field's size compares with `size`. Default: `gt`.
    #[serde(default)]
    pub comparison: SizeComparison,
    /// The size, e.g. `8KiB`.
    pub size: Size,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
    /// A body over the inspection limit. Default: `continue`.
    #[serde(default)]
    pub oversize: Oversize,
}

/// `type: and` and `type: or`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct LogicalRule {
    /// Name in metrics and logs. Default: the type.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The nested statements (rules whose `name`, `priority`, `action` and `response` are
    /// ignored; `managed` cannot be nested).
    pub statements: Vec<WafRule>,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
}

/// `type: not`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct NotRule {
    /// Name in metrics and logs. Default: `not`.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The negated statement.
    pub statement: Box<WafRule>,
    /// Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Answer of a `block`. Default: the `WAF_FILTERED` gateway response.
    #[serde(default)]
    pub response: Option<WafResponse>,
}

/// What an overridden managed rule does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManagedOverride {
    /// Only count its matches.
    #[default]
    Count,
    /// Not evaluated.
    Off,
}

/// `type: managed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ManagedRule {
    /// Name in metrics and logs (a matching group rule is `<name>/<rule>`). Default: the group.
    #[serde(default)]
    pub name: Option<String>,
    /// Evaluation order; lower first. Default: the rule's place in the list.
    #[serde(default)]
    pub priority: Option<i64>,
    /// The group: `core`, `sql_database`, `known_bad_inputs` or `ip_reputation`.
    pub group: Spanned<String>,
    /// `block`: each rule of the group does what it does (block); `count`: every rule only
    /// counts (AWS's override to count). Default: `block`.
    #[serde(default = "default_block")]
    pub action: WafAction,
    /// Rules of the group set to `count` or `off`, by name. Default: none.
    #[serde(default)]
    pub overrides: IndexMap<String, ManagedOverride>,
    /// For `ip_reputation`: files of CIDRs, one per line. Default: none.
    #[serde(default)]
    pub lists: Vec<String>,
}

/// A request part a detection rule inspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectedPart {
    /// The URL path.
    Path,
    /// Query-string names and values.
    Query,
    /// Header values.
    Headers,
    /// Cookie values.
    Cookies,
    /// The body, up to `waf.body_inspection_limit`.
    Body,
}

/// `x-gateway-validate`: request validation for the operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct OperationValidate {
    /// Name of a validator in `x-gateway.request_validators`; `body` and `parameters` below
    /// override its settings. Default: `x-gateway.default_request_validator`.
    #[serde(default)]
    pub validator: Option<Spanned<String>>,
    /// Validate the body against the operation's request body schema. Default: the
    /// validator's, else `false`.
    #[serde(default)]
    pub body: Option<bool>,
    /// Validate required parameters. Default: the validator's, else `false`.
    #[serde(default)]
    pub parameters: Option<bool>,
}

/// CORS (`x-gateway-cors` and the root `cors`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Cors {
    /// Allowed origins (`https://app.example.com`, or `*`). Default: empty (no origin is
    /// allowed).
    #[serde(default)]
    pub allow_origins: Vec<String>,
    /// Allowed methods. Default: empty (the methods the path serves).
    #[serde(default)]
    pub allow_methods: Vec<String>,
    /// Allowed request headers. Default: empty.
    #[serde(default)]
    pub allow_headers: Vec<String>,
    /// Response headers exposed to scripts. Default: empty.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// How long browsers may cache a preflight answer. Default: none (no `Access-Control-Max-Age`).
    #[serde(default)]
    pub max_age: Option<Duration>,
    /// Send `Access-Control-Allow-Credentials: true` (not allowed with origin `*`).
    /// Default: `false`.
    #[serde(default)]
    pub allow_credentials: bool,
}
