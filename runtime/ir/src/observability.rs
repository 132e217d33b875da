//! Telemetry settings: the access log and the metrics endpoint, plus the table of `$context`
//! variables an access-log format may name.
//!
//! The variable table lives here rather than in the runtime so that `gwc check` can reject an
//! unknown variable at its spec line, and the runtime can trust a format that validated.

use serde::{Deserialize, Serialize};

use crate::Str;

/// Access log, metrics and request-id settings, API-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observability {
    /// One line per request.
    #[serde(default)]
    pub access_log: AccessLog,
    /// Prometheus metrics on the admin listener.
    #[serde(default)]
    pub metrics: Metrics,
    /// The response headers that carry the request id (lower case), in order; the first is
    /// also where a caller's own id is read from. Empty: none is sent, and the caller's id is
    /// read from `x-request-id` (the id still names the request in logs).
    #[serde(default = "default_request_id_headers")]
    pub request_id_headers: Vec<Str>,
}

impl Default for Observability {
    fn default() -> Self {
        Observability {
            access_log: AccessLog::default(),
            metrics: Metrics::default(),
            request_id_headers: default_request_id_headers(),
        }
    }
}

/// Where a caller's request id is read from, and the one response header that carries it
/// unless the spec says otherwise.
pub const X_REQUEST_ID: &str = "x-request-id";

/// The header AWS's REST APIs carry the request id in (`x-amzn-RequestId`), which the `rest`
/// kind sends as well, for clients written against AWS.
pub const X_AMZN_REQUEST_ID: &str = "x-amzn-requestid";

/// Headers the request id cannot go in: HTTP's framing and hop-by-hop headers, and those the
/// gateway or an integration writes for their own purpose (the compiler and the runtime both
/// refuse them).
pub const RESERVED_REQUEST_ID_HEADERS: [&str; 15] = [
    "allow",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "date",
    "host",
    "keep-alive",
    "location",
    "proxy-connection",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

fn default_request_id_headers() -> Vec<Str> {
    vec![Str::Borrowed(X_REQUEST_ID)]
}

/// The access log: on by default, JSON, stdout (the vocabulary's documented defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLog {
    /// Write it at all (`--access-log` overrides).
    pub enabled: bool,
    /// `json`, `clf`, or a template of `$context.*` variables (see [`parse_log_format`]).
    pub format: Str,
    /// `stdout`, `stderr` or a file path.
    pub destination: Str,
}

impl Default for AccessLog {
    fn default() -> Self {
        AccessLog {
            enabled: true,
            format: Str::Borrowed("json"),
            destination: Str::Borrowed("stdout"),
        }
    }
}

/// Prometheus metrics: on by default at `/metrics` of the admin listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// Collect and serve them (`--metrics` overrides).
    pub enabled: bool,
    /// Path on the admin listener.
    pub path: Str,
    /// Label request series with method and route template; off folds every route into one
    /// series per API and stage.
    pub route_label: bool,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: true,
            path: Str::Borrowed("/metrics"),
            route_label: true,
        }
    }
}

/// The AWS Common Log Format preset, as AWS's console writes it.
pub const CLF_FORMAT: &str = "$context.identity.sourceIp $context.identity.caller \
$context.identity.user [$context.requestTime] \"$context.httpMethod $context.resourcePath \
$context.protocol\" $context.status $context.responseLength $context.requestId";

/// One `$context` variable an access-log line can carry: AWS's names, the subset a gateway on
/// its own machine can fill. Variables for steps that do not exist yet render `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextVar {
    /// `requestId` (also `extendedRequestId`): the `x-request-id` of the response.
    RequestId,
    /// `requestTime`: CLF time, `10/Mar/2026:12:00:00 +0000`.
    RequestTime,
    /// `requestTimeEpoch`: milliseconds since the Unix epoch.
    RequestTimeEpoch,
    /// `httpMethod`.
    HttpMethod,
    /// `resourcePath`: the matched route's template (`-` when no route matched).
    ResourcePath,
    /// `routeKey`: `METHOD /template` of the matched route (`-` when none matched).
    RouteKey,
    /// `path`: the request path as the client sent it.
    Path,
    /// `protocol`: `HTTP/1.1`.
    Protocol,
    /// `status`: the response status.
    Status,
    /// `responseLength`: the response body's length (a streamed body's is counted as it is
    /// sent; its line is written once the body ended).
    ResponseLength,
    /// `responseLatency`: milliseconds from request to response head.
    ResponseLatency,
    /// `integrationLatency` (also `integration.latency`): milliseconds spent in the integration.
    IntegrationLatency,
    /// `integration.status`: the status the integration answered with.
    IntegrationStatus,
    /// `identity.sourceIp`: the client's address.
    SourceIp,
    /// `identity.userAgent`.
    UserAgent,
    /// `identity.caller` (IAM caller; `-` here).
    Caller,
    /// `identity.user` (IAM user; `-` here).
    User,
    /// `identity.apiKeyId`: the id of the API key used (never the key).
    ApiKeyId,
    /// `identity.apiKey`: the API key used, masked: `****` and its last four characters.
    /// AWS logs the whole value; a key is a secret and a log is read by more people than
    /// should hold it, so only enough to tell keys apart is written.
    ApiKey,
    /// `authorizer.principalId`: the principal the authorizer returned.
    PrincipalId,
    /// `error.message`: the gateway response's message.
    ErrorMessage,
    /// `error.messageString`: the message as a quoted JSON string.
    ErrorMessageString,
    /// `error.validationErrorString`: what request validation found wrong, when it refused the
    /// request (`[object has missing required properties (["name"])]`, or the
    /// `Missing required request parameters: [a]` message); `-` otherwise.
    ErrorValidationErrorString,
    /// `error.responseType`: the gateway response type (`THROTTLED`…).
    ErrorResponseType,
    /// `stage`: the deployed stage.
    Stage,
    /// `apiId`: the gateway's name.
    ApiId,
    /// `domainName`: the `Host` the client asked for.
    DomainName,
    /// `wafResponseCode`: `WAF_ALLOW` or `WAF_BLOCK` when a WAF rule set ran.
    WafResponseCode,
    /// `waf.rule`: the WAF rule that decided (`-` for the default action).
    WafRule,
}

impl ContextVar {
    /// Every accepted spelling (without `$context.`), with the variable it names.
    pub const NAMES: &'static [(&'static str, ContextVar)] = &[
        ("requestId", ContextVar::RequestId),
        ("extendedRequestId", ContextVar::RequestId),
        ("requestTime", ContextVar::RequestTime),
        ("requestTimeEpoch", ContextVar::RequestTimeEpoch),
        ("httpMethod", ContextVar::HttpMethod),
        ("resourcePath", ContextVar::ResourcePath),
        ("routeKey", ContextVar::RouteKey),
        ("path", ContextVar::Path),
        ("protocol", ContextVar::Protocol),
        ("status", ContextVar::Status),
        ("responseLength", ContextVar::ResponseLength),
        ("responseLatency", ContextVar::ResponseLatency),
        ("integrationLatency", ContextVar::IntegrationLatency),
        ("integration.latency", ContextVar::IntegrationLatency),
        ("integration.status", ContextVar::IntegrationStatus),
        ("identity.sourceIp", ContextVar::SourceIp),
        ("identity.userAgent", ContextVar::UserAgent),
        ("identity.caller", ContextVar::Caller),
        ("identity.user", ContextVar::User),
        ("identity.apiKeyId", ContextVar::ApiKeyId),
        ("identity.apiKey", ContextVar::ApiKey),
        ("authorizer.principalId", ContextVar::PrincipalId),
        ("error.message", ContextVar::ErrorMessage),
        ("error.messageString", ContextVar::ErrorMessageString),
        (
            "error.validationErrorString",
            ContextVar::ErrorValidationErrorString,
        ),
        ("error.responseType", ContextVar::ErrorResponseType),
        ("stage", ContextVar::Stage),
        ("apiId", ContextVar::ApiId),
        ("domainName", ContextVar::DomainName),
        ("wafResponseCode", ContextVar::WafResponseCode),
        ("waf.rule", ContextVar::WafRule),
    ];

    /// The variable a name (without `$context.`) spells.
    pub fn from_name(name: &str) -> Option<ContextVar> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
    }
}

/// A parsed access-log template: literal text and variables, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogPiece {
    /// Text copied as is.
    Literal(String),
    /// A `$context.*` variable.
    Var(ContextVar),
    /// `$context.authorizer.claims.NAME` or `$context.authorizer.KEY`: open-ended names, so
    /// not a [`ContextVar`].
    Authorizer(AuthorizerValue),
}

/// A value an authorizer established, by name, besides its principal: what access logs,
/// mappings and templates read as `$context.authorizer.claims.NAME` (a verified token's
/// claim) and `$context.authorizer.KEY` (a custom authorizer's context value).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthorizerValue {
    /// `authorizer.claims.NAME`.
    Claim(String),
    /// `authorizer.KEY`.
    Context(String),
}

impl AuthorizerValue {
    /// The value `name` (without `$context.`) spells, if it is one; `authorizer.principalId`
    /// is the principal, not one of these.
    pub fn from_name(name: &str) -> Option<AuthorizerValue> {
        let key = name.strip_prefix("authorizer.")?;
        match key.strip_prefix("claims.") {
            Some(claim) if !claim.is_empty() => Some(AuthorizerValue::Claim(claim.to_owned())),
            Some(_) => None,
            None if key.is_empty() || key == "claims" || key == "principalId" => None,
            None => Some(AuthorizerValue::Context(key.to_owned())),
        }
    }
}

/// Why an access-log format was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogFormatError {
    /// A `$context.NAME` the table does not have.
    #[error("unknown access log variable `$context.{0}`")]
    UnknownVariable(String),
    /// A template without a single variable is almost certainly a mistake.
    #[error(
        "access log format `{0}` names no `$context` variable (expected `json`, `clf` or a template)"
    )]
    NoVariable(String),
}

/// Parses `clf` or a template of `$context.*` variables into pieces, once, at build time
/// (`json` is not a template: callers check it first). A variable name is the longest run of
/// letters, digits, `_` and inner `.` after `$context.`; a trailing `.` stays literal text.
pub fn parse_log_format(format: &str) -> Result<Vec<LogPiece>, LogFormatError> {
    let template = if format == "clf" { CLF_FORMAT } else { format };
    const PREFIX: &str = "$context.";
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = template;
    let mut vars = 0;
    while let Some(at) = rest.find(PREFIX) {
        literal.push_str(&rest[..at]);
        let after = &rest[at + PREFIX.len()..];
        // Claim names may hold `:` and `-` too (`cognito:groups`).
        let claim = after.starts_with("authorizer.claims.");
        let mut len = after
            .find(|c: char| {
                !(c.is_ascii_alphanumeric()
                    || c == '_'
                    || c == '.'
                    || claim && matches!(c, ':' | '-'))
            })
            .unwrap_or(after.len());
        while len > 0 && after.as_bytes()[len - 1] == b'.' {
            len -= 1;
        }
        let name = &after[..len];
        let piece = match ContextVar::from_name(name) {
            Some(var) => LogPiece::Var(var),
            None => LogPiece::Authorizer(
                AuthorizerValue::from_name(name)
                    .ok_or_else(|| LogFormatError::UnknownVariable(name.to_owned()))?,
            ),
        };
        if !literal.is_empty() {
            pieces.push(LogPiece::Literal(std::mem::take(&mut literal)));
        }
        pieces.push(piece);
        vars += 1;
        rest = &after[len..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(LogPiece::Literal(literal));
    }
    if vars == 0 {
        return Err(LogFormatError::NoVariable(format.to_owned()));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_to_its_variable() {
        for (name, var) in ContextVar::NAMES {
            let pieces = parse_log_format(&format!("<$context.{name}>")).unwrap();
            assert_eq!(
                pieces,
                [
                    LogPiece::Literal("<".into()),
                    LogPiece::Var(*var),
                    LogPiece::Literal(">".into())
                ],
                "{name}"
            );
        }
    }

    #[test]
    fn trailing_dot_is_text_and_unknown_names_fail() {
        assert_eq!(
            parse_log_format("$context.status.").unwrap(),
            [
                LogPiece::Var(ContextVar::Status),
                LogPiece::Literal(".".into())
            ]
        );
        assert_eq!(
            parse_log_format("$context.status $context.nope"),
            Err(LogFormatError::UnknownVariable("nope".into()))
        );
        assert!(matches!(
            parse_log_format("plain"),
            Err(LogFormatError::NoVariable(_))
        ));
        assert_eq!(parse_log_format("clf").unwrap().len(), 19);
    }

    #[test]
    fn authorizer_values_parse() {
        assert_eq!(
            parse_log_format(
                "$context.authorizer.principalId $context.authorizer.claims.cognito:groups \
                 $context.authorizer.tier."
            )
            .unwrap(),
            [
                LogPiece::Var(ContextVar::PrincipalId),
                LogPiece::Literal(" ".into()),
                LogPiece::Authorizer(AuthorizerValue::Claim("cognito:groups".into())),
                LogPiece::Literal(" ".into()),
                LogPiece::Authorizer(AuthorizerValue::Context("tier".into())),
                LogPiece::Literal(".".into()),
            ]
        );
        for bad in [
            "$context.authorizer.claims",
            "$context.authorizer.claims.",
            "$context.authorizer.",
        ] {
            assert!(parse_log_format(bad).is_err(), "{bad}");
        }
    }
}
