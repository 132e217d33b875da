//! Gateway error types (AWS's gateway-response table) and their spec overrides.

use serde::{Deserialize, Serialize};

use crate::HeaderPair;

/// The kinds of error the gateway itself answers, as AWS names them, so that specs written for
/// AWS can override the same responses and the `rest` kind can answer as AWS does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)] // The variants are AWS's names; `default_status` and `message` say what each means.
pub enum ErrorType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestParameters,
    BadRequestBody,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
    /// Our own: a known path with a method it does not serve (`http` kind only).
    MethodNotAllowed,
    /// Our own: request headers too large or the client too slow to send them.
    RequestHeaderFieldsTooLarge,
    /// Our own: the client stopped sending its request body (`limits.body_read_timeout`) or
    /// was still sending it when the integration timeout elapsed. 408 (RFC 9110 §15.5.9);
    /// AWS has no gateway-response type for it.
    RequestTimeout,
    /// Our own: a check that needs the shared state (throttling, quotas, API keys kept in
    /// Redis) could not reach it, and the state fails closed (`x-gateway.state.on_failure`).
    /// 503.
    StateUnavailable,
}

impl ErrorType {
    /// Every type, for docs, the JSON Schema and exhaustive tests.
    pub const ALL: [ErrorType; 25] = [
        ErrorType::AccessDenied,
        ErrorType::ApiConfigurationError,
        ErrorType::AuthorizerConfigurationError,
        ErrorType::AuthorizerFailure,
        ErrorType::BadRequestParameters,
        ErrorType::BadRequestBody,
        ErrorType::Default4xx,
        ErrorType::Default5xx,
        ErrorType::ExpiredToken,
        ErrorType::IntegrationFailure,
        ErrorType::IntegrationTimeout,
        ErrorType::InvalidApiKey,
        ErrorType::InvalidSignature,
        ErrorType::MissingAuthenticationToken,
        ErrorType::QuotaExceeded,
        ErrorType::RequestTooLarge,
        ErrorType::ResourceNotFound,
        ErrorType::Throttled,
        ErrorType::Unauthorized,
        ErrorType::UnsupportedMediaType,
        ErrorType::WafFiltered,
        ErrorType::MethodNotAllowed,
        ErrorType::RequestHeaderFieldsTooLarge,
        ErrorType::RequestTimeout,
        ErrorType::StateUnavailable,
    ];

    /// The spec spelling, e.g. `INTEGRATION_TIMEOUT`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorType::AccessDenied => "ACCESS_DENIED",
            ErrorType::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            ErrorType::AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            ErrorType::AuthorizerFailure => "AUTHORIZER_FAILURE",
            ErrorType::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            ErrorType::BadRequestBody => "BAD_REQUEST_BODY",
            ErrorType::Default4xx => "DEFAULT_4XX",
            ErrorType::Default5xx => "DEFAULT_5XX",
            ErrorType::ExpiredToken => "EXPIRED_TOKEN",
            ErrorType::IntegrationFailure => "INTEGRATION_FAILURE",
            ErrorType::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            ErrorType::InvalidApiKey => "INVALID_API_KEY",
            ErrorType::InvalidSignature => "INVALID_SIGNATURE",
            ErrorType::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            ErrorType::QuotaExceeded => "QUOTA_EXCEEDED",
            ErrorType::RequestTooLarge => "REQUEST_TOO_LARGE",
            ErrorType::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ErrorType::Throttled => "THROTTLED",
            ErrorType::Unauthorized => "UNAUTHORIZED",
            ErrorType::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorType::WafFiltered => "WAF_FILTERED",
            ErrorType::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorType::RequestHeaderFieldsTooLarge => "REQUEST_HEADER_FIELDS_TOO_LARGE",
            ErrorType::RequestTimeout => "REQUEST_TIMEOUT",
            ErrorType::StateUnavailable => "STATE_UNAVAILABLE",
        }
    }

    /// Parses the spec spelling.
    pub fn parse(name: &str) -> Option<ErrorType> {
        ErrorType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Status used when the spec does not override it. Native `http` APIs answer a backend
    /// connection failure with 502 (AWS says 504); the runtime picks per API kind.
    pub const fn default_status(self) -> u16 {
        match self {
            ErrorType::AccessDenied
            | ErrorType::ExpiredToken
            | ErrorType::InvalidApiKey
            | ErrorType::InvalidSignature
            | ErrorType::MissingAuthenticationToken
            | ErrorType::WafFiltered => 403,
            ErrorType::ApiConfigurationError
            | ErrorType::AuthorizerConfigurationError
            | ErrorType::AuthorizerFailure
            | ErrorType::Default5xx => 500,
            ErrorType::BadRequestParameters | ErrorType::BadRequestBody | ErrorType::Default4xx => {
                400
            }
            ErrorType::IntegrationFailure | ErrorType::IntegrationTimeout => 504,
            ErrorType::QuotaExceeded | ErrorType::Throttled => 429,
            ErrorType::RequestTooLarge => 413,
            ErrorType::ResourceNotFound => 404,
            ErrorType::Unauthorized => 401,
            ErrorType::UnsupportedMediaType => 415,
            ErrorType::MethodNotAllowed => 405,
            ErrorType::RequestHeaderFieldsTooLarge => 431,
            ErrorType::RequestTimeout => 408,
            ErrorType::StateUnavailable => 503,
        }
    }

    /// The client-safe default message (AWS's wording).
    pub const fn message(self) -> &'static str {
        match self {
            ErrorType::AccessDenied => "User is not authorized to access this resource",
            ErrorType::ApiConfigurationError | ErrorType::Default5xx => "Internal server error",
            ErrorType::AuthorizerConfigurationError | ErrorType::AuthorizerFailure => {
                "Authorizer error"
            }
            ErrorType::BadRequestParameters => "Missing required request parameters",
            ErrorType::BadRequestBody => "Invalid request body",
            ErrorType::Default4xx => "Bad request",
            ErrorType::ExpiredToken => "The security token included in the request is expired",
            ErrorType::IntegrationFailure => "Network error communicating with endpoint",
            ErrorType::IntegrationTimeout => "Endpoint request timed out",
            ErrorType::InvalidApiKey => "Forbidden",
            ErrorType::InvalidSignature => {
                "The request signature we calculated does not match the signature you provided"
            }
            ErrorType::MissingAuthenticationToken => "Missing Authentication Token",
            ErrorType::QuotaExceeded => "Limit Exceeded",
            ErrorType::RequestTooLarge => "Request Too Long",
            ErrorType::ResourceNotFound => "Not Found",
            ErrorType::Throttled => "Too Many Requests",
            ErrorType::Unauthorized => "Unauthorized",
            ErrorType::UnsupportedMediaType => "Unsupported Media Type",
            ErrorType::WafFiltered => "Forbidden",
            ErrorType::MethodNotAllowed => "Method Not Allowed",
            ErrorType::RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
            ErrorType::RequestTimeout => "Request Timeout",
            ErrorType::StateUnavailable => "Service Unavailable",
        }
    }

    /// The `x-amzn-ErrorType` header value.
    pub const fn aws_error_type(self) -> &'static str {
        match self {
            ErrorType::AccessDenied => "AccessDeniedException",
            ErrorType::ApiConfigurationError => "ApiConfigurationException",
            ErrorType::AuthorizerConfigurationError => "AuthorizerConfigurationException",
            ErrorType::AuthorizerFailure => "AuthorizerFailureException",
            ErrorType::BadRequestParameters
            | ErrorType::BadRequestBody
            | ErrorType::UnsupportedMediaType
            | ErrorType::Default4xx
            | ErrorType::MethodNotAllowed
            | ErrorType::RequestHeaderFieldsTooLarge
            | ErrorType::RequestTimeout => "BadRequestException",
            ErrorType::ExpiredToken => "ExpiredTokenException",
            ErrorType::IntegrationFailure
            | ErrorType::IntegrationTimeout
            | ErrorType::Default5xx => "InternalServerErrorException",
            ErrorType::StateUnavailable => "ServiceUnavailableException",
            ErrorType::InvalidApiKey => "ForbiddenException",
            ErrorType::InvalidSignature => "InvalidSignatureException",
            ErrorType::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorType::QuotaExceeded => "LimitExceededException",
            ErrorType::RequestTooLarge => "RequestTooLargeException",
            ErrorType::ResourceNotFound => "ResourceNotFoundException",
            ErrorType::Throttled => "TooManyRequestsException",
            ErrorType::Unauthorized => "UnauthorizedException",
            ErrorType::WafFiltered => "WafFilteredException",
        }
    }

    /// True for the 5xx family, which falls back to `DEFAULT_5XX` overrides.
    pub const fn is_server_error(self) -> bool {
        self.default_status() >= 500
    }
}

/// A spec override of one gateway response (AWS's `x-amazon-apigateway-gateway-responses`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayResponse {
    /// Which error this overrides; `DEFAULT_4XX`/`DEFAULT_5XX` apply to every member without
    /// an override of its own.
    pub error_type: ErrorType,
    /// Replacement status.
    pub status: Option<u16>,
    /// Extra response headers.
    pub headers: Vec<HeaderPair>,
    /// Replacement bodies by content type, in spec order (AWS's `responseTemplates`): the one
    /// the request's `Accept` names, else `application/json`'s, else the first; none keeps
    /// the type's default body. Templates read `$context.error.*`, `$context.requestId`,
    /// `$context.authorizer.*` and `$stageVariables.*`.
    #[serde(default)]
    pub templates: Vec<crate::ContentTemplate>,
}

/// Why an IR value is inconsistent; the compiler reports these with spans before they can
/// reach here, so the runtime sees them only for hand-built IR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// Two routes with the same method and path shape.
    #[error("routes `{first}` and `{second}` both serve {method} {shape}")]
    DuplicateRoute {
        /// First route id.
        first: String,
        /// Second route id.
        second: String,
        /// Method.
        method: &'static str,
        /// Path shape with names erased.
        shape: String,
    },
    /// The deployed stage is not declared.
    #[error("stage `{0}` is not declared")]
    UnknownStage(String),
    /// A base path must look like `/prod`.
    #[error("base path `{0}` must start with `/`, not end with `/`, and contain no parameters")]
    BadBasePath(String),
    /// A status code outside 100..=599.
    #[error("status {0} is not a valid HTTP status")]
    BadStatus(u16),
    /// A typed id past the end of its table.
    #[error("{owner} refers to {table}[{id}], which does not exist")]
    BadId {
        /// Who holds the id (`route getPet`, `plan basic`).
        owner: String,
        /// The table's field name on `Gateway`.
        table: &'static str,
        /// The id.
        id: u32,
    },
    /// A URI template names a path parameter the route does not have (a custom authorizer's
    /// URI may name none).
    #[error("{route}: URI parameter `{{{name}}}` is not a parameter of the path")]
    UnknownUriParam {
        /// Route id (or authorizer).
        route: String,
        /// Parameter name.
        name: String,
    },
    /// A route is cached but the gateway has no cache store.
    #[error("route {0} has a cache policy but `Gateway.cache` is `None`")]
    NoCache(String),
    /// The state backend is empty.
    #[error("the state backend must be `memory` or a Redis URL")]
    EmptyStateBackend,
    /// The listen address is not `HOST:PORT`.
    #[error("listen address: {0}; {help}", help = .0.help())]
    BadListen(crate::ListenError),
    /// An access-log format the runtime cannot render.
    #[error(transparent)]
    BadLogFormat(crate::LogFormatError),
}
