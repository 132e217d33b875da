//! The root `x-gateway` object: API-wide settings.
//!
//! One struct per area of DESIGN.md (endpoint, stages, limits, gateway responses, authorizers,
//! API keys and usage plans, throttling, cache, WAF, CORS, request validation, WebSocket, state,
//! observability). Every optional key has its default written twice: in the doc comment (which
//! becomes the schema description and the reference page) and in `#[serde(default = …)]`
//! (which becomes the schema's `default`), so the three can't disagree silently.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::operation::{Cors, Integration, OperationAuth, Throttle, WafRule};
use super::spanned::Spanned;
use super::units::{Duration, Size, StatusCode};

/// Serde and schema support for a string newtype checked by a parser, so that a bad value is
/// reported at its own span with the parser's message.
macro_rules! string_newtype {
    ($ty:ident, $parse:path, $expecting:literal, $schema:tt) => {
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        $parse(v).map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($ty).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}

/// A name → value map in spec order, with the span of each name.
pub type NamedMap<T> = IndexMap<Spanned<String>, T>;

/// The root `x-gateway` object: API-wide settings. Every key is optional; a spec with no
/// `x-gateway` at all is valid (see "A spec without `x-gateway`").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Root {
    /// Name of the gateway: the generated crate's package and binary name, and the `api` label
    /// of logs and metrics. Lower-case letters, digits and `-`, starting with a letter.
    /// Default: `info.title` in lower case with every run of other characters turned into `-`.
    #[serde(default)]
    #[schemars(with = "Option<GatewayName>")]
    pub name: Option<Spanned<String>>,
    /// API flavour: `http` (native: unknown route → 404 JSON, known path with another method
    /// → 405 JSON), `rest` (AWS REST behaviour: unknown route → 403 `Missing Authentication
    /// Token`) or `websocket`. Default: `http`.
    #[serde(default)]
    pub kind: ApiKind,
    /// Where and how clients connect. Default: a regional endpoint on `0.0.0.0:8080`.
    #[serde(default)]
    pub endpoint: Endpoint,
    /// Prefix every route is served under, e.g. `/prod`; `--base-path` overrides it.
    /// Default: none (routes are served at the root).
    #[serde(default)]
    #[schemars(with = "Option<BasePath>")]
    pub base_path: Option<Spanned<String>>,
    /// Stage deployed when `--stage` is not given.
    /// Default: the first stage in `stages`, or `default` when `stages` is empty.
    #[serde(default)]
    pub default_stage: Option<Spanned<String>>,
    /// Deployment targets (`dev`, `prod`) and their variables, used as
    /// `${stageVariables.NAME}` in integration URIs. Default: one stage `default` without
    /// variables.
    #[serde(default)]
    pub stages: NamedMap<Stage>,
    /// Protection limits. Default: the values listed under `Limits`.
    #[serde(default)]
    pub limits: Limits,
    /// Overrides of the gateway's own error responses, keyed by AWS's gateway-response type
    /// (`INTEGRATION_TIMEOUT`, `DEFAULT_5XX`, …). Default: none (AWS's statuses and
    /// `{"message": …}` bodies).
    #[serde(default)]
    pub responses: IndexMap<Spanned<ErrorTypeName>, GatewayResponse>,
    /// Named authorizers that operations reference with `x-gateway-auth`. Default: none.
    #[serde(default)]
    pub authorizers: NamedMap<Authorizer>,
    /// Authorization applied to every operation that has no `x-gateway-auth` of its own.
    /// Default: none (operations are public unless they say otherwise).
    #[serde(default)]
    pub auth: Option<OperationAuth>,
    /// Where the API key of a request is read from when an operation requires one: the
    /// `x-api-key` header, or the `usage_identifier_key` a custom authorizer returns.
    /// Default: `header`.
    #[serde(default)]
    pub api_key_source: ApiKeySource,
    /// The request header an API key is read from when `api_key_source` is `header`
    /// (case-insensitive; AWS's is fixed to `x-api-key`). Default: `x-api-key`.
    #[serde(default)]
    pub api_key_header: Option<String>,
    /// Usage plans: per-API-key throttling and quotas, and the keys each plan admits.
    /// Default: none.
    #[serde(default)]
    pub plans: NamedMap<UsagePlan>,
    /// One token bucket for the whole API: every request of every route takes a token from
    /// it (AWS's account-level limit), on top of every other applicable limit.
    /// Default: none (unlimited).
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Response cache for the whole API; operations opt out or tune it with
    /// `x-gateway-cache`. Default: none (no caching).
    #[serde(default)]
    pub cache: Option<Cache>,
    /// Web application firewall rules applied to every request, matched or not.
    /// Default: none.
    #[serde(default)]
    pub waf: Option<Waf>,
    /// CORS for every route: preflight `OPTIONS` answered by the gateway and CORS headers
    /// added to responses. Default: none (no CORS handling; `OPTIONS` goes to the routes).
    #[serde(default)]
    pub cors: Option<Cors>,
    /// Media types whose payloads are binary (AWS REST's `binaryMediaTypes`): `image/png`,
    /// or with wildcards, `image/*`, `*/*`. A response then reaches the client as bytes when
    /// the first media type of its `Accept` is binary, and as base64 text otherwise;
    /// `content_handling` on `http` integrations converts explicitly. Default: none (every
    /// payload passes through untouched).
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    /// Named request validators that operations reference with `x-gateway-validate`.
    /// Default: none.
    #[serde(default)]
    pub request_validators: NamedMap<RequestValidator>,
    /// Validator applied to operations without `x-gateway-validate`. Default: none (no
    /// validation).
    #[serde(default)]
    pub default_request_validator: Option<Spanned<String>>,
    /// The WebSocket side of a `kind: websocket` API: route selection and routes.
    /// Default: none.
    #[serde(default)]
    pub websocket: Option<WebSocket>,
    /// Where shared state lives (rate-limit counters, quotas, cache entries, authorizer
    /// results, WebSocket connections). Default: `backend: memory`.
    #[serde(default)]
    pub state: State,
    /// Access log, metrics and tracing. Default: JSON access log on stdout, metrics on the
    /// admin listener at `/metrics`, tracing off.
    #[serde(default)]
    pub observability: Observability,
    /// The Rust crates whose `#[gateway]` handlers `type: rust` integrations name, and the
    /// application state given to them at start-up. Default: none.
    #[serde(default)]
    pub rust: RustHandlers,
}

/// `rust`: where spec-first Rust handlers come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RustHandlers {
    /// Handler crates by crate name (as handler paths start, e.g. `orders_handlers`), each
    /// with `path`: its folder, relative to the spec's. `gwc build` writes a path dependency
    /// on it. Default: none.
    #[serde(default)]
    pub crates: NamedMap<RustCrate>,
    /// Functions called once at start-up, each returning a value handlers take as
    /// `State<T>` (e.g. `orders_handlers::store::open`, `fn open() -> Store`). Default: none.
    #[serde(default)]
    pub state: Vec<Spanned<String>>,
    /// The module holding the spec's typed models, as written by `gwc models` (e.g.
    /// `orders_handlers::models`). When set, the generated gateway checks at compile time that
    /// each handler's JSON body and response types are the models of its operation
    /// (`CreateOrderRequest`, or the component a `$ref` names). Default: unset (no check).
    #[serde(default)]
    pub models: Option<Spanned<String>>,
}

/// One handler crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RustCrate {
    /// Its folder (holding `Cargo.toml`), relative to the spec's folder.
    pub path: Spanned<String>,
}

/// API flavour; see `kind`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKind {
    /// Native behaviour: unknown route → 404 JSON, known path with another method → 405 JSON.
    #[default]
    Http,
    /// AWS REST API behaviour: unknown route or method → 403 `Missing Authentication Token`.
    Rest,
    /// A WebSocket API (see `websocket`).
    Websocket,
}

/// Where and how clients connect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Endpoint {
    /// Endpoint type, as AWS names them: `regional` (clients reach this gateway directly),
    /// `private` (reachable only from `allowed_sources`; the gateway refuses other peers) or
    /// `edge` (served by replicas in several `regions`). Default: `regional`.
    #[serde(rename = "type", default)]
    pub endpoint_type: EndpointType,
    /// Listen address, `HOST:PORT`: an IPv4 address (`0.0.0.0:8080` for every interface), an
    /// IPv6 address in brackets (`[::]:8080`) or a host name (`localhost:8080`, resolved when
    /// the gateway starts; the first address is bound); port 0 picks a free port.
    /// `--listen` / `GWC_LISTEN` override it, in the same grammar. Default: `0.0.0.0:8080`.
    #[serde(default = "default_listen")]
    pub listen: ListenAddr,
    /// Serve HTTPS. Default: none (plain HTTP; terminate TLS in front of the gateway).
    #[serde(default)]
    pub tls: Option<Tls>,
    /// Client networks allowed to connect, as CIDRs (`10.0.0.0/8`, `2001:db8::/32`); a
    /// connection from anywhere else is closed before a request is read.
    /// Default: empty (any source; a `private` endpoint requires at least one).
    #[serde(default)]
    pub allowed_sources: Vec<Spanned<String>>,
    /// Accept HTTP/2 (ALPN `h2` with TLS, prior knowledge without). Default: `false`.
    #[serde(default)]
    pub http2: bool,
    /// Compress responses the client accepts compressed. Default: none (no compression).
    #[serde(default)]
    pub compression: Option<Compression>,
    /// Regions this endpoint's replicas run in (e.g. `eu-west-1`); each replica reads its own
    /// with `--region` and exposes it as `$context.region` and as a metrics label.
    /// Default: empty (one unnamed region).
    #[serde(default)]
    pub regions: Vec<String>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            endpoint_type: EndpointType::default(),
            listen: default_listen(),
            tls: None,
            allowed_sources: Vec::new(),
            http2: false,
            compression: None,
            regions: Vec::new(),
        }
    }
}

/// Schema of `name`: it becomes a Rust package and binary name, so `[a-z][a-z0-9-]*`. Only
/// the schema uses it (editors flag a bad name as it is typed); lowering checks the same rule
/// and suggests a fixed name.
struct GatewayName;

impl JsonSchema for GatewayName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GatewayName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z]([a-z0-9-]{0,62}[a-z0-9])?$",
            "description": "A gateway name: lower-case letters, digits and `-`, starting with a letter; it becomes the generated crate's package and binary name.",
        })
    }
}

/// Schema of `base_path`: `/` and literal segments, no trailing `/`. Only the schema uses it;
/// lowering checks the same rule (`gwc_ir::valid_base_path`) and suggests a fixed path.
struct BasePath;

impl JsonSchema for BasePath {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BasePath".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^(/[^/{}?#]+)+$",
            "description": "A base path: `/` followed by literal segments, without a trailing `/`, e.g. `/prod`.",
        })
    }
}

fn default_listen() -> ListenAddr {
    ListenAddr("0.0.0.0:8080".to_owned())
}

/// A listen address, `HOST:PORT` (`0.0.0.0:8080`, `[::]:443`, `localhost:8080`), checked with
/// `gwc_ir::ListenAddr::parse`, the grammar the runtime reads at start-up, so that a bad one is
/// reported at its line with a hint instead of stopping the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListenAddr(pub String);

fn read_listen(text: &str) -> Result<ListenAddr, String> {
    match gwc_ir::ListenAddr::parse(text) {
        Ok(_) => Ok(ListenAddr(text.to_owned())),
        Err(e) => Err(format!("{e}{}{}", super::de::HELP_SEPARATOR, e.help())),
    }
}

string_newtype!(ListenAddr, read_listen, "a listen address `HOST:PORT`", {
    "type": "string",
    "pattern": r"^(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]+):[0-9]{1,5}$",
    "description": "A listen address `HOST:PORT`: an IPv4 address (`0.0.0.0:8080`), an IPv6 address in brackets (`[::]:8080`) or a host name resolved at start-up (`localhost:8080`).",
});

/// Endpoint type; see `endpoint.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointType {
    /// Clients reach this gateway directly.
    #[default]
    Regional,
    /// Only `allowed_sources` may connect.
    Private,
    /// Replicas in several `regions`.
    Edge,
}

/// TLS settings of the listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Tls {
    /// PEM certificate chain file, relative to the spec.
    pub cert: String,
    /// PEM private key file, relative to the spec.
    pub key: String,
    /// Oldest TLS version accepted: `1.2` or `1.3`. Default: `1.2`.
    #[serde(default)]
    pub min_version: TlsVersion,
    /// PEM bundle of CAs whose client certificates are accepted; when set, clients must
    /// present one (mutual TLS). Default: none (no client certificates).
    #[serde(default)]
    pub client_ca: Option<String>,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TlsVersion {
    /// TLS 1.2.
    #[default]
    #[serde(rename = "1.2")]
    V1_2,
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    V1_3,
}

/// Response compression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Compression {
    /// Smallest response body compressed (AWS's `minimumCompressionSize`). Default: `1KiB`.
    #[serde(default = "default_min_compress")]
    pub min_size: Size,
    /// Encodings offered, in order of preference. Default: `[gzip]`.
    #[serde(default = "default_encodings")]
    pub encodings: Vec<Encoding>,
}

fn default_min_compress() -> Size {
    Size::from_bytes(1024)
}

fn default_encodings() -> Vec<Encoding> {
    vec![Encoding::Gzip]
}

/// A content encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// `gzip`.
    Gzip,
    /// `br` (Brotli).
    Br,
    /// `zstd`.
    Zstd,
}

/// A deployment target and its variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Stage {
    /// Variables substituted into integration URIs as `${stageVariables.NAME}`;
    /// `--stage-variable NAME=VALUE` overrides one at start-up. Default: none.
    #[serde(default)]
    pub variables: NamedMap<String>,
    /// What the stage is for. Default: none.
    #[serde(default)]
    pub description: Option<String>,
    /// Default throttle of each route of this stage (AWS's stage default method throttling):
    /// every route gets its own bucket with these settings, unless its operation has an
    /// `x-gateway-throttle`, which replaces it. The API-wide and plan limits apply as well.
    /// Default: none.
    #[serde(default)]
    pub throttle: Option<Throttle>,
}

/// Protection limits. Every default is AWS's where AWS has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Limits {
    /// Largest request body accepted; larger → 413 (`REQUEST_TOO_LARGE`). Default: `10MiB`.
    #[serde(default = "default_max_body")]
    pub max_body: Size,
    /// Largest request head (request line plus headers); larger → 431. Default: `16KiB`.
    #[serde(default = "default_max_header")]
    pub max_header: Size,
    /// Time a client has to send a request head before the connection is closed: on a new
    /// connection counted from the accept, on a kept-alive one from the head's first byte
    /// (until that byte `idle_timeout` applies). Default: `10s`.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout: Duration,
    /// Time allowed between two reads of a request body (nginx's `client_body_timeout`); a
    /// client that sends nothing for longer gets 408 (`REQUEST_TIMEOUT`), the backend request
    /// is aborted and the connection closed. `0s` turns it off. Default: `10s`.
    #[serde(default = "default_body_read_timeout")]
    pub body_read_timeout: Duration,
    /// Time a backend has to answer, unless an integration sets its own `timeout`; longer →
    /// 504 (`INTEGRATION_TIMEOUT`). Default: `29s`.
    #[serde(default = "default_integration_timeout")]
    pub integration_timeout: Duration,
    /// Kept-alive client connections waiting for their next request are closed after this
    /// long. Default: `1m`.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout: Duration,
    /// Forward request headers whose names contain `_`. By default they are dropped, as nginx
    /// does (`underscores_in_headers off`): CGI, WSGI and PHP backends read `X_Forwarded_For`
    /// and `X-Forwarded-For` as one variable, so a client could override the gateway's
    /// headers. Default: `false`.
    #[serde(default)]
    pub underscores_in_headers: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: default_max_body(),
            max_header: default_max_header(),
            header_read_timeout: default_header_read_timeout(),
            body_read_timeout: default_body_read_timeout(),
            integration_timeout: default_integration_timeout(),
            idle_timeout: default_idle_timeout(),
            underscores_in_headers: false,
        }
    }
}

fn default_max_body() -> Size {
    Size::from_bytes(10 << 20)
}
fn default_max_header() -> Size {
    Size::from_bytes(16 << 10)
}
fn default_header_read_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_body_read_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_integration_timeout() -> Duration {
    Duration::from_secs(29)
}
fn default_idle_timeout() -> Duration {
    Duration::from_secs(60)
}

/// A gateway-response type name as AWS spells it (`INTEGRATION_TIMEOUT`), checked against
/// [`gwc_ir::ErrorType`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorTypeName(pub gwc_ir::ErrorType);

/// Every [`gwc_ir::ErrorType`] spelling, for "did you mean" and the schema.
pub const ERROR_TYPE_NAMES: [&str; gwc_ir::ErrorType::ALL.len()] = {
    let mut out = [""; gwc_ir::ErrorType::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = gwc_ir::ErrorType::ALL[i].as_str();
        i += 1;
    }
    out
};

impl Serialize for ErrorTypeName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorTypeName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ErrorTypeName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a gateway response type such as `INTEGRATION_TIMEOUT`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ErrorTypeName, E> {
                gwc_ir::ErrorType::parse(v)
                    .map(ErrorTypeName)
                    .ok_or_else(|| E::unknown_variant(v, &ERROR_TYPE_NAMES))
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for ErrorTypeName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorTypeName".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "enum": ERROR_TYPE_NAMES,
            "description": "A gateway response type, as AWS names them.",
        })
    }
}

/// An override of one gateway response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct GatewayResponse {
    /// Replacement status code. Default: the type's own (e.g. 504 for `INTEGRATION_TIMEOUT`).
    #[serde(default)]
    pub status: Option<StatusCode>,
    /// Headers added to the response. Default: none.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Replacement body: a VTL template (AWS's gateway-response templates) reading
    /// `$context.error.message`, `$context.error.messageString` (the message as a JSON string),
    /// `$context.error.responseType`, `$context.error.validationErrorString` (what request
    /// validation found wrong, as AWS words it: `[object has missing required properties
    /// (["name"])]` for a body, the `Missing required request parameters: [a]` message for
    /// parameters; empty otherwise), `$context.requestId`, `$context.stage` and
    /// `$stageVariables.NAME`, e.g. `{"error": $context.error.messageString}`.
    /// Default: `{"message": "<the type's message>"}`. The body for `application/json`.
    #[serde(default)]
    pub body: Option<String>,
    /// Bodies for other content types, as AWS's `responseTemplates` (content type → template):
    /// the response takes the one the request's `Accept` names, else `application/json`'s
    /// (`body`), else the first, and says its type in `Content-Type`. Default: none.
    #[serde(default)]
    pub templates: IndexMap<String, String>,
}

/// A named authorizer. `type` picks the kind; each kind has its own keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(tag = "type")]
pub enum Authorizer {
    /// Bearer JWTs checked against an OpenID Connect issuer's keys (AWS HTTP API JWT
    /// authorizer).
    Jwt(JwtAuthorizer),
    /// Tokens issued by an Amazon Cognito user pool.
    Cognito(CognitoAuthorizer),
    /// AWS Signature Version 4 (IAM) request signing, verified against configured credentials.
    Iam(IamAuthorizer),
    /// A custom (Lambda-style) authorizer: an HTTP endpoint or an in-process Rust handler that
    /// answers allow or deny.
    Custom(CustomAuthorizer),
}

/// `type: jwt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct JwtAuthorizer {
    /// Expected `iss` claim, e.g. `https://id.example.com`. May use
    /// `${stageVariables.NAME}`.
    pub issuer: String,
    /// Accepted `aud` values; a token must carry at least one. Default: empty (any audience).
    #[serde(default)]
    pub audience: Vec<String>,
    /// Where the signing keys are (may use `${stageVariables.NAME}`). Default: from the
    /// issuer's OpenID discovery document (`{issuer}/.well-known/openid-configuration`).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Where the token is read from. Default: `[$request.header.Authorization]` (with or
    /// without a `Bearer ` prefix).
    #[serde(default = "default_identity_source")]
    pub identity_source: Vec<String>,
    /// Accepted signing algorithms, of `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`,
    /// `ES256`, `ES384`, `EdDSA`, and `HS256`, `HS384`, `HS512` with `secret_env` or
    /// `secret_file`; `none` is never accepted. Default: `[RS256]`.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Clock skew allowed on `exp` and `nbf`. Default: `1m`.
    #[serde(default = "default_leeway")]
    pub leeway: Duration,
    /// How long fetched signing keys are kept before they are fetched again. Default: `1h`.
    #[serde(default = "default_jwks_ttl")]
    pub jwks_ttl: Duration,
    /// Environment variable holding the shared secret of HS256/384/512 tokens (needed when
    /// `algorithms` names one; secrets never appear in the spec). Default: none.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// File holding that secret instead (a trailing newline is ignored). Default: none.
    #[serde(default)]
    pub secret_file: Option<String>,
}

fn default_identity_source() -> Vec<String> {
    vec!["$request.header.Authorization".to_owned()]
}
fn default_algorithms() -> Vec<String> {
    vec!["RS256".to_owned()]
}
fn default_leeway() -> Duration {
    Duration::from_secs(60)
}
fn default_jwks_ttl() -> Duration {
    Duration::from_secs(3600)
}

/// `type: cognito`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct CognitoAuthorizer {
    /// User pool id, e.g. `eu-west-1_AbCdEfGhI`.
    pub user_pool_id: String,
    /// AWS region of the pool. Default: the prefix of `user_pool_id` before `_`.
    #[serde(default)]
    pub region: Option<String>,
    /// App client ids accepted (`client_id` of access tokens, `aud` of id tokens).
    /// Default: empty (any client of the pool).
    #[serde(default)]
    pub client_ids: Vec<String>,
    /// Which tokens are accepted: `access` or `id`. Default: `access`.
    #[serde(default)]
    pub token_use: TokenUse,
    /// Where the token is read from. Default: `[$request.header.Authorization]`.
    #[serde(default = "default_identity_source")]
    pub identity_source: Vec<String>,
    /// Expected `iss` instead of the pool's
    /// `https://cognito-idp.{region}.amazonaws.com/{user_pool_id}` (tests, private
    /// deployments that cannot reach AWS). May use `${stageVariables.NAME}`. Default: none.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Where the pool's signing keys are instead of `{issuer}/.well-known/jwks.json`.
    /// May use `${stageVariables.NAME}`. Default: none.
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

/// Cognito token kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    /// Access tokens (scopes are checked).
    #[default]
    Access,
    /// Id tokens.
    Id,
}

/// `type: iam`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct IamAuthorizer {
    /// Region in the credential scope. Default: `us-east-1`.
    #[serde(default = "default_region")]
    pub region: String,
    /// Service in the credential scope. Default: `execute-api`.
    #[serde(default = "default_service")]
    pub service: String,
    /// Largest difference allowed between `X-Amz-Date` and the gateway's clock (AWS: 5
    /// minutes). Default: `5m`.
    #[serde(default = "default_max_skew")]
    pub max_skew: Duration,
    /// Accepted access keys: access key id → where its secret is. Secrets never appear in the
    /// spec. Default: none (every request is refused).
    #[serde(default)]
    pub credentials: NamedMap<IamCredential>,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}
fn default_service() -> String {
    "execute-api".to_owned()
}
fn default_max_skew() -> Duration {
    Duration::from_secs(300)
}

/// One accepted access key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct IamCredential {
    /// Environment variable holding the secret access key. Exactly one of `secret_env` and
    /// `secret_file`. Default: none.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// File holding the secret access key (a trailing newline is ignored). Default: none.
    #[serde(default)]
    pub secret_file: Option<String>,
    /// For temporary credentials (as STS issues them): environment variable holding the
    /// session token that requests must carry in `X-Amz-Security-Token`, signed. At most one
    /// of `session_token_env` and `session_token_file`. Default: none (a request carrying a
    /// session token is refused).
    #[serde(default)]
    pub session_token_env: Option<String>,
    /// File holding the session token (a trailing newline is ignored). Default: none.
    #[serde(default)]
    pub session_token_file: Option<String>,
    /// Principal reported to integrations as `$context.identity.userArn`.
    /// Default: none (the access key id).
    #[serde(default)]
    pub principal: Option<String>,
    /// Method ARNs this key may call
    /// (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`, `*` and `?`
    /// wildcards). Default: `["*"]` (every route).
    #[serde(default = "default_allow")]
    pub allow: Vec<String>,
    /// Method ARNs this key may not call; an explicit deny beats any allow. Default: none.
    #[serde(default)]
    pub deny: Vec<String>,
}

fn default_allow() -> Vec<String> {
    vec!["*".to_owned()]
}

/// `type: custom`: exactly one of `uri` and `handler`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct CustomAuthorizer {
    /// HTTP endpoint called with the authorizer event (`POST`, JSON). May use
    /// `${stageVariables.NAME}`. Default: none.
    #[serde(default)]
    pub uri: Option<Spanned<String>>,
    /// Rust function called in-process instead, by its path in a handler crate of
    /// `x-gateway.rust.crates` (`my_crate::auth::check`): an `async fn` declared with
    /// `#[gateway(authorizer = "NAME")]` that takes the typed authorizer event and returns an
    /// allow/deny policy. Its answers are cached and evaluated exactly as an HTTP
    /// authorizer's; its error or panic is a 500 (`AUTHORIZER_FAILURE`). Default: none.
    #[serde(default)]
    pub handler: Option<Spanned<String>>,
    /// Request values that identify the caller; they form the event and the result-cache key.
    /// A request missing one is refused without calling the authorizer.
    /// Default: `[$request.header.Authorization]`.
    #[serde(default = "default_identity_source")]
    pub identity_source: Vec<String>,
    /// How long an answer is cached per identity; `0s` disables caching (AWS's
    /// `authorizerResultTtlInSeconds`). Default: `5m`.
    #[serde(default = "default_result_ttl")]
    pub result_ttl: Duration,
    /// Event and response format: `1.0` (IAM policy answers) or `2.0`. Default: `2.0`.
    #[serde(default)]
    pub payload_format: PayloadFormat,
    /// With payload format `2.0`, the authorizer answers `{isAuthorized, context}` instead
    /// of a policy. Default: `false`.
    #[serde(default)]
    pub simple_responses: bool,
    /// Time the authorizer has to answer; longer → 500 (`AUTHORIZER_FAILURE`).
    /// Default: `10s`.
    #[serde(default = "default_authorizer_timeout")]
    pub timeout: Duration,
    /// The event posted: `request` (AWS's REQUEST event of the payload format) or `token`
    /// (AWS REST's TOKEN event: `{type, authorizationToken, methodArn}`, the first identity
    /// source as the token). Default: `request`.
    #[serde(default)]
    pub event: CustomEvent,
    /// A regular expression the token (the first identity value) must match whole, else 401
    /// without calling the authorizer (AWS's `identityValidationExpression`). Default: none.
    #[serde(default)]
    pub identity_validation: Option<String>,
}

/// The event a custom authorizer receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomEvent {
    /// AWS's REQUEST event (headers, query string, path, method).
    #[default]
    Request,
    /// AWS REST's TOKEN event.
    Token,
}

fn default_result_ttl() -> Duration {
    Duration::from_secs(300)
}
fn default_authorizer_timeout() -> Duration {
    Duration::from_secs(10)
}

/// Custom authorizer payload format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum PayloadFormat {
    /// AWS's version 1.0 (REST-style event, IAM policy answer).
    #[serde(rename = "1.0")]
    V1,
    /// AWS's version 2.0.
    #[default]
    #[serde(rename = "2.0")]
    V2,
}

/// Where API keys are read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeySource {
    /// The `x-api-key` request header.
    #[default]
    Header,
    /// The `usage_identifier_key` returned by a custom authorizer.
    Authorizer,
}

/// A usage plan: limits per API key, and the keys it admits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct UsagePlan {
    /// What the plan is for. Default: none.
    #[serde(default)]
    pub description: Option<String>,
    /// Token bucket of each API key of the plan, across all routes; `per` must be `api_key`
    /// (the default inside a plan) or omitted. Default: none.
    #[serde(default)]
    pub throttle: Option<Throttle>,
    /// Requests allowed per key per period. Default: none (no quota).
    #[serde(default)]
    pub quota: Option<Quota>,
    /// Per-route throttles for this plan (each API key gets a bucket per route, on top of the
    /// plan's own throttle), keyed `METHOD /path` exactly as `gwc routes` prints
    /// the route: upper-case method (`ANY` for an any-method route) and the path template as
    /// written in `paths`, e.g. `GET /pets/{petId}` (not an operationId). Default: none.
    #[serde(default)]
    pub route_throttles: NamedMap<Throttle>,
    /// API keys admitted by this plan. Default: none.
    #[serde(default)]
    pub api_keys: Vec<ApiKey>,
}

/// A request quota.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Quota {
    /// Requests allowed per period; the next one → 429 (`QUOTA_EXCEEDED`).
    pub limit: u64,
    /// Period length: `day`, `week` or `month` (UTC).
    pub period: QuotaPeriod,
    /// Shift of the period start: days into the week (0 = Monday) or month (0 = the 1st);
    /// must be 0 for `day`. Default: `0`.
    #[serde(default)]
    pub offset: u32,
}

/// Quota period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    /// A UTC day.
    Day,
    /// A week.
    Week,
    /// A calendar month.
    Month,
}

/// An API key admitted by a plan. Exactly one of `value_env` and `value_file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ApiKey {
    /// Name used in logs and metrics (never the key itself).
    pub name: String,
    /// Refused (`gwc::lower::literal_secret`): a key written here would be compiled into the
    /// generated gateway, its binary and its history. Use `value_env` or `value_file`.
    /// Default: none.
    #[serde(default)]
    pub value: Option<String>,
    /// Environment variable holding the key (20–128 characters), read at start-up.
    /// Default: none.
    #[serde(default)]
    pub value_env: Option<String>,
    /// File holding the key (a trailing newline is ignored), read at start-up, e.g. a mounted
    /// secret. Default: none.
    #[serde(default)]
    pub value_file: Option<String>,
    /// A disabled key is refused with 403 (`INVALID_API_KEY`). Default: `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_true() -> bool {
    true
}

/// The response cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Cache {
    /// Memory for cached responses, per gateway process (or in Redis with a Redis state
    /// backend). Default: `64MiB`.
    #[serde(default = "default_cache_capacity")]
    pub capacity: Size,
    /// How long a response stays cached (AWS: 0–3600 s). Default: `5m`.
    #[serde(default = "default_cache_ttl")]
    pub ttl: Duration,
    /// Request values added to the cache key besides method and path, e.g. `query.lang`,
    /// `header.Accept`, `path.id`. Default: empty.
    #[serde(default)]
    pub key: Vec<Spanned<String>>,
    /// Methods cached unless an operation says otherwise. Default: `[GET]`.
    #[serde(default = "default_cache_methods")]
    pub methods: Vec<String>,
    /// Largest response body stored. Default: `1MiB`.
    #[serde(default = "default_cache_max_entry")]
    pub max_entry: Size,
    /// Encrypt entries at rest (matters with Redis). Default: `false`.
    #[serde(default)]
    pub encrypted: bool,
    /// Who may bypass (and so refresh) the cache with `Cache-Control: max-age=0`: `nobody`,
    /// `authorized` (callers an authorizer admitted; AWS's `requireAuthorizationForCacheControl`)
    /// or `anyone`. Default: `authorized`.
    #[serde(default)]
    pub client_invalidation: ClientInvalidation,
    /// What a client gets that sends `Cache-Control: max-age=0` without being allowed to
    /// bypass the cache (AWS's `unauthorizedCacheControlHeaderStrategy`): `fail_with_403`,
    /// `succeed_with_response_header` (served from the cache, with a `Warning` header) or
    /// `succeed_without_response_header`. Default: `succeed_with_response_header`.
    #[serde(default)]
    pub unauthorized_invalidation: UnauthorizedInvalidation,
}

/// AWS's `unauthorizedCacheControlHeaderStrategy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnauthorizedInvalidation {
    /// Refuse with 403 `{"message":"Forbidden"}`.
    FailWith403,
    /// Ignore the header and add `Warning: 199 - "Cache-Control ignored"` to the response.
    #[default]
    SucceedWithResponseHeader,
    /// Ignore the header.
    SucceedWithoutResponseHeader,
}

fn default_cache_capacity() -> Size {
    Size::from_bytes(64 << 20)
}
fn default_cache_ttl() -> Duration {
    Duration::from_secs(300)
}
fn default_cache_methods() -> Vec<String> {
    vec!["GET".to_owned()]
}
fn default_cache_max_entry() -> Size {
    Size::from_bytes(1 << 20)
}

/// Cache invalidation by clients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientInvalidation {
    /// `Cache-Control: max-age=0` is ignored.
    Nobody,
    /// Honoured for callers an authorizer allowed.
    #[default]
    Authorized,
    /// Honoured for everyone.
    Anyone,
}

/// The web application firewall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Waf {
    /// The firewall as a whole: `false` turns every rule off, the API-wide ones and each
    /// route's `x-gateway-waf` rules (a switch for a stage or an incident, which keeps the
    /// rules in the spec). Default: `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// What happens to a request no rule decided: `allow` or `block`. Default: `allow`.
    #[serde(default)]
    pub default_action: WafAction,
    /// Named lists of CIDRs for `ip_set` rules. Default: none.
    #[serde(default)]
    pub ip_sets: NamedMap<Vec<String>>,
    /// MaxMind country database (`.mmdb`) for `geo` rules, read when the gateway starts (a
    /// path relative to its working directory). Default: none (a `geo` rule then is an error).
    #[serde(default)]
    pub geo_database: Option<String>,
    /// How much of a body rules inspect (AWS began at 8 KiB and allows up to 64 KiB); what a
    /// larger body means is each rule's `oversize`. Default: `16KiB`.
    #[serde(default = "default_body_inspection")]
    pub body_inspection_limit: Size,
    /// CIDRs of the proxies (load balancers) in front of the gateway: from them, and only
    /// from them, `X-Forwarded-For` (else `Forwarded`) names the client, read from the right
    /// past trusted hops. Default: none (the client is the connection's address).
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Rules, evaluated in order; the first `allow` or `block` decides. Default: none.
    #[serde(default)]
    pub rules: Vec<WafRule>,
}

fn default_body_inspection() -> Size {
    Size::from_bytes(16 << 10)
}

/// What a WAF rule does when it matches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WafAction {
    /// Let the request through and stop evaluating.
    #[default]
    Allow,
    /// Refuse it with 403 (`WAF_FILTERED`).
    Block,
    /// Only count the match in metrics and go on.
    Count,
}

/// A named request validator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct RequestValidator {
    /// Check the body against the operation's request body schema → 400
    /// (`BAD_REQUEST_BODY`). Default: `false`.
    #[serde(default)]
    pub body: bool,
    /// Check that required parameters (path, query, header) are present, as AWS does → 400
    /// `Missing required request parameters: [a, b]` (`BAD_REQUEST_PARAMETERS`).
    /// Default: `false`.
    #[serde(default)]
    pub parameters: bool,
}

/// A WebSocket API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WebSocket {
    /// Path clients connect to. Default: `/`.
    #[serde(default = "default_ws_path")]
    pub path: String,
    /// Picks the route of an incoming message: `$request.body.<json path>`. A message that
    /// is not JSON or names no route goes to `$default`.
    /// Default: `$request.body.action`.
    #[serde(default = "default_route_selection")]
    pub route_selection: String,
    /// Routes by key: `$connect` (during the handshake; the only place authorization and API
    /// keys are checked), `$disconnect`, `$default` and custom keys. Default: none.
    #[serde(default)]
    pub routes: NamedMap<WebSocketRoute>,
    /// The `@connections` management API that backends use to post to clients.
    /// Default: none (disabled).
    #[serde(default)]
    pub management: Option<Management>,
    /// Connections idle this long are closed (AWS: 10 minutes). Default: `10m`.
    #[serde(default = "default_ws_idle")]
    pub idle_timeout: Duration,
    /// Connections are closed after this long (AWS: 2 hours). Default: `2h`.
    #[serde(default = "default_ws_max_duration")]
    pub max_duration: Duration,
    /// Largest message; larger → close code 1009 (AWS: 128 KiB). Default: `128KiB`.
    #[serde(default = "default_ws_max_message")]
    pub max_message: Size,
    /// Largest frame (AWS: 32 KiB). Default: `32KiB`.
    #[serde(default = "default_ws_max_frame")]
    pub max_frame: Size,
}

fn default_ws_path() -> String {
    "/".to_owned()
}
fn default_route_selection() -> String {
    "$request.body.action".to_owned()
}
fn default_ws_idle() -> Duration {
    Duration::from_secs(600)
}
fn default_ws_max_duration() -> Duration {
    Duration::from_secs(7200)
}
fn default_ws_max_message() -> Size {
    Size::from_bytes(128 << 10)
}
fn default_ws_max_frame() -> Size {
    Size::from_bytes(32 << 10)
}

/// One WebSocket route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct WebSocketRoute {
    /// Where messages of this route go; the integration sees the connection id as
    /// `$context.connectionId`.
    pub integration: Spanned<Integration>,
    /// Authorization, `$connect` only. Default: none.
    #[serde(default)]
    pub auth: Option<OperationAuth>,
    /// Require an API key, `$connect` only. Default: `false`.
    #[serde(default)]
    pub api_key_required: bool,
    /// Send the integration's answer back to the client (AWS's two-way route).
    /// Default: `false`.
    #[serde(default)]
    pub respond: bool,
}

/// The `@connections` management API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Management {
    /// Address of the management listener (kept off the public one). Default: the admin
    /// listener.
    #[serde(default)]
    pub listen: Option<String>,
    /// Authorizer callers must pass, usually an `iam` one. Default: none (the listener must
    /// then be private).
    #[serde(default)]
    pub authorizer: Option<Spanned<String>>,
}

/// Where shared state lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct State {
    /// `memory` (one process, nothing to install) or a Redis URL (`redis://host:6379`,
    /// `redis+cluster://…`) shared by every replica; `--state` overrides it. Redis over TLS
    /// (`rediss://`) is not supported yet. Default: `memory`.
    #[serde(default = "default_backend")]
    pub backend: StateBackend,
    /// When Redis cannot be reached: `open` (serve without the state-backed checks: no
    /// throttling, quotas or cache) or `closed` (answer 503). Default: `closed`.
    #[serde(default)]
    pub on_failure: FailMode,
    /// Prefix of every Redis key, so gateways can share one Redis. Default: `gwc:`.
    #[serde(default = "default_key_prefix")]
    pub key_prefix: String,
    /// Time a state operation may take before it counts as a failure. Default: `100ms`.
    #[serde(default = "default_state_timeout")]
    pub timeout: Duration,
}

impl Default for State {
    fn default() -> Self {
        State {
            backend: default_backend(),
            on_failure: FailMode::default(),
            key_prefix: default_key_prefix(),
            timeout: default_state_timeout(),
        }
    }
}

fn default_backend() -> StateBackend {
    StateBackend("memory".to_owned())
}

/// `memory` or a Redis URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StateBackend(pub String);

impl StateBackend {
    /// True for the in-process backend.
    pub fn is_memory(&self) -> bool {
        self.0 == "memory"
    }
}

/// URL schemes accepted for Redis.
pub const REDIS_SCHEMES: [&str; 2] = ["redis://", "redis+cluster://"];

fn parse_backend(text: &str) -> Result<StateBackend, String> {
    if text.starts_with("rediss://") {
        return Err(format!(
            "`{text}`: Redis over TLS (`rediss://`) is not supported yet; use `redis://` on a trusted network"
        ));
    }
    if text == "memory"
        || REDIS_SCHEMES
            .iter()
            .any(|s| text.starts_with(s) && text.len() > s.len())
    {
        Ok(StateBackend(text.to_owned()))
    } else {
        Err(format!(
            "`{text}` is not a state backend: expected `memory` or a URL starting with `redis://` or `redis+cluster://`"
        ))
    }
}

string_newtype!(StateBackend, parse_backend, "`memory` or a Redis URL", {
    "type": "string",
    "pattern": r"^(memory|(redis|redis\+cluster)://.+)$",
    "description": "`memory` or a Redis URL (`redis://`, `redis+cluster://`).",
});
fn default_key_prefix() -> String {
    "gwc:".to_owned()
}
fn default_state_timeout() -> Duration {
    Duration::from_millis(100)
}

/// Behaviour when the state backend fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailMode {
    /// Serve without the state-backed checks.
    Open,
    /// Refuse with 503.
    #[default]
    Closed,
}

/// Access log, metrics and tracing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Observability {
    /// One line per request. Default: on, JSON, stdout.
    #[serde(default)]
    pub access_log: AccessLog,
    /// Prometheus metrics. Default: on, at `/metrics` of the admin listener.
    #[serde(default)]
    pub metrics: Metrics,
    /// Distributed tracing (OpenTelemetry). Default: off.
    #[serde(default)]
    pub tracing: Tracing,
    /// The response headers that carry the request id, in order. The first is also read from
    /// the request: a caller's own id there (1–128 letters, digits and `-_.:`) is kept, so
    /// traces join across hops. `[]` sends none (the access log still names the id, and the
    /// caller's `x-request-id` is still kept). Default: `[x-request-id]`, and
    /// `[x-request-id, x-amzn-requestid]` for `kind: rest`, whose clients may read AWS's
    /// `x-amzn-RequestId`.
    #[serde(default)]
    pub request_id_headers: Option<Vec<String>>,
}

/// The access log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct AccessLog {
    /// Write it. Default: `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// `json` (one object per line: requestId, ip, requestTime, requestTimeEpoch, httpMethod,
    /// routeKey, resourcePath, path, protocol, status, responseLength, responseLatency and
    /// integrationLatency in milliseconds, integrationStatus, userAgent, principalId, apiKeyId,
    /// errorMessage, errorType, stage, and validationErrorString when request validation refused
    /// the request), `clf` (AWS's Common Log Format preset), or a template
    /// of `$context.*` variables as AWS writes them (an unknown variable is an error).
    /// `--access-log-format` overrides it. Default: `json`.
    #[serde(default = "default_log_format")]
    pub format: String,
    /// `stdout`, `stderr` or a file path (appended to). `--access-log off|on|stdout|stderr|PATH`
    /// overrides it and `enabled`. Default: `stdout`.
    #[serde(default = "default_log_destination")]
    pub destination: String,
}

impl Default for AccessLog {
    fn default() -> Self {
        AccessLog {
            enabled: true,
            format: default_log_format(),
            destination: default_log_destination(),
        }
    }
}

fn default_log_format() -> String {
    "json".to_owned()
}
fn default_log_destination() -> String {
    "stdout".to_owned()
}

/// Prometheus metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Metrics {
    /// Collect and serve them; `--metrics on|off` overrides it. Default: `true`.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Path on the admin listener. Default: `/metrics`.
    #[serde(default = "default_metrics_path")]
    pub path: String,
    /// Label request metrics with the route template (bounded cardinality).
    /// Default: `true`.
    #[serde(default = "default_true")]
    pub route_label: bool,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: true,
            path: default_metrics_path(),
            route_label: true,
        }
    }
}

fn default_metrics_path() -> String {
    "/metrics".to_owned()
}

/// Tracing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Tracing {
    /// Export spans. Default: `false`.
    #[serde(default)]
    pub enabled: bool,
    /// OTLP/HTTP collector endpoint. Default: `http://127.0.0.1:4318`.
    #[serde(default = "default_otlp")]
    pub otlp_endpoint: String,
    /// Fraction of requests traced (0.0–1.0) when the caller sent no sampling decision.
    /// Default: `0.1`.
    #[serde(default = "default_sample_ratio")]
    pub sample_ratio: f64,
}

impl Default for Tracing {
    fn default() -> Self {
        Tracing {
            enabled: false,
            otlp_endpoint: default_otlp(),
            sample_ratio: default_sample_ratio(),
        }
    }
}

fn default_otlp() -> String {
    "http://127.0.0.1:4318".to_owned()
}
fn default_sample_ratio() -> f64 {
    0.1
}
