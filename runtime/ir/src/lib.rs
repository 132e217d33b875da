//! The gateway IR: the one contract between the gwc compiler and its runtime.
//!
//! Plain data with public fields, `serde`, and [`Gateway::validate`]. Nothing here knows about
//! OpenAPI, AWS, YAML, tokio or hyper: both spec dialects lower into these types, and both the
//! generated crates and `gwc serve` hand them to `gwc-runtime`.
//!
//! Strings are [`Str`] (`Cow<'static, str>`) so that generated gateways borrow literals while
//! `gwc serve` owns the strings it built at start-up.
#![deny(missing_docs)]

mod api;
mod auth;
mod error;
mod integration;
mod listen;
mod mapping;
mod observability;
mod plan;
mod policy;
mod route;
mod state;
/// IR values as Rust expressions, for codegen and the `#[gateway]` macro.
#[cfg(feature = "tokens")]
pub mod tokens;
mod units;
mod validate;
pub mod vtl;
mod waf;

pub use api::{
    ApiKind, CacheSettings, ClientInvalidation, Gateway, Limits, Stage, StageThrottle,
    StageVariable, UnauthorizedInvalidation, valid_base_path,
};
pub use auth::{
    Authorizer, AuthorizerKind, CustomAuthorizer, IamAuthorizer, IamCredential, JwtAuthorizer,
};
pub use error::{ErrorType, GatewayResponse, ValidationError};
pub use integration::{
    HeaderPair, HttpProxy, Integration, Mock, RustHandler, UriError, UriPart, UriTemplate,
};
pub use listen::{ListenAddr, ListenError, ListenHost};
pub use mapping::{
    BodyMapping, CONTEXT_VARIABLES, ChangeAction, ContentHandling, ContentTemplate,
    IntegrationResponse, MappedParam, Mapping, MappingError, MappingSide, ParamChange, Passthrough,
    ValuePart, is_context_variable, media_type_matches, parse_value,
};
pub use observability::{
    AccessLog, AuthorizerValue, CLF_FORMAT, ContextVar, LogFormatError, LogPiece, Metrics,
    Observability, RESERVED_REQUEST_ID_HEADERS, X_AMZN_REQUEST_ID, X_REQUEST_ID, parse_log_format,
};
pub use plan::{ApiKey, ApiKeySource, Quota, QuotaPeriod, RouteThrottle, UsagePlan};
pub use policy::{
    AuthorizerId, CacheKeyPart, CachePolicy, CorsId, CorsPolicy, PlanId, RouteAuth, RouteId,
    RoutePolicies, Secret, Throttle, ThrottleScope, ValidatorId, WafRuleSetId,
};
pub use route::{Method, Param, PathError, PathTemplate, Route, Segment};
pub use state::{FailMode, StateConfig};
pub use units::{ByteSize, DURATION_UNITS, Millis, SIZE_UNITS, UnitError};
pub use validate::{BodySchema, ParamIn, RequestModel, RequiredParam, Validator};
pub use waf::{
    Comparison, InspectedPart, MANAGED_GROUPS, ManagedGroup, MatchTest, OverrideAction, Oversize,
    RuleOverride, SizeTest, SqliSensitivity, Transform, WafAction, WafCondition, WafField,
    WafInspection, WafMatch, WafResponse, WafRule, WafRuleSet, managed_group_rules,
};

/// Borrowed in generated code, owned in `gwc serve`.
pub type Str = std::borrow::Cow<'static, str>;
