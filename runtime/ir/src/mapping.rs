//! Parameter mapping: headers and query-string parameters of the integration request set,
//! appended or removed on the way to the backend, and response headers on the way back, from
//! request values, `$context` variables, stage variables and literal text.
//!
//! One spelling for request values, everywhere a mapping is written (AWS HTTP API's): a value
//! is literal text with references in it, `$request.header.NAME`, `$request.querystring.NAME`,
//! `$request.path.NAME`, `$response.header.NAME` (response mappings), `$context.NAME` and
//! `${stageVariables.NAME}`; `${...}` may wrap any reference to end it before text
//! (`${request.header.x}-suffix`). The compiler parses values once, with spans; the runtime
//! never re-parses them.

use serde::{Deserialize, Serialize};

use crate::Str;

/// A route's parameter mapping; the default changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The method sent to the backend; `None`: the request's.
    pub method: Option<Str>,
    /// Changes to the integration request, in spec order.
    pub request: Vec<ParamChange>,
    /// Changes to the response, in spec order.
    pub response: Vec<ParamChange>,
}

impl Mapping {
    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        *self == Mapping::default()
    }
}

/// One change to a header or query-string parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ParamChange {
    /// Set (replacing), append, or remove.
    pub action: ChangeAction,
    /// What is changed.
    pub target: MappedParam,
    /// The value (empty for `Remove`).
    pub value: Vec<ValuePart>,
}

/// What a [`ParamChange`] does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// Replace every value (AWS's `overwrite:`); a value that evaluates empty removes it.
    #[default]
    Set,
    /// Add a value after the present ones (AWS's `append:`).
    Append,
    /// Remove it (AWS's `remove:`).
    Remove,
}

/// A parameter a mapping writes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "in", content = "name", rename_all = "snake_case")]
pub enum MappedParam {
    /// A header.
    Header(Str),
    /// A query-string parameter (integration requests only).
    Query(Str),
}

/// One piece of a mapped value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum ValuePart {
    /// Literal text.
    Text(Str),
    /// `$request.header.NAME`: the request's header (values joined with `,`).
    RequestHeader(Str),
    /// `$request.querystring.NAME`: the first value of a query-string parameter, decoded.
    RequestQuery(Str),
    /// `$request.path.NAME`: a path parameter, decoded.
    RequestPath(Str),
    /// `$response.header.NAME`: the integration response's header (response mappings).
    ResponseHeader(Str),
    /// `$context.NAME`: one of [`CONTEXT_VARIABLES`], or an authorizer value
    /// (`authorizer.principalId`, `authorizer.claims.NAME`, `authorizer.KEY`; see
    /// [`is_context_variable`]).
    Context(Str),
    /// `${stageVariables.NAME}`: substituted at start-up.
    StageVariable(Str),
}

/// The `$context` variables a mapping can read.
pub const CONTEXT_VARIABLES: &[&str] = &[
    "requestId",
    "httpMethod",
    "path",
    "resourcePath",
    "routeKey",
    "stage",
    "domainName",
    "identity.sourceIp",
    "identity.userAgent",
    "authorizer.principalId",
    "requestTimeEpoch",
];

/// Whether mappings can read `$context.NAME`: one of [`CONTEXT_VARIABLES`], or what an
/// authorizer established (`authorizer.principalId`, a verified token's
/// `authorizer.claims.NAME`, a custom authorizer's context value `authorizer.KEY`), so the
/// backend can be told who the caller is under header names the spec chooses.
pub fn is_context_variable(name: &str) -> bool {
    CONTEXT_VARIABLES.contains(&name) || crate::AuthorizerValue::from_name(name).is_some()
}

/// Where a mapped value is evaluated, which decides the references it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingSide {
    /// The integration request.
    Request,
    /// The response.
    Response,
}

/// Why a mapped value was rejected; the message is shown to spec authors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// `${` without its `}`.
    #[error("unterminated `${{` in `{0}`")]
    Unterminated(String),
    /// A reference that is not one of the known forms.
    #[error("unknown reference `${0}`")]
    UnknownReference(String),
    /// `$response.*` in a request mapping.
    #[error("`${0}` is only available in response mappings")]
    ResponseOnly(String),
    /// `$request.*` in a response mapping.
    #[error("`${0}` is only available in request mappings")]
    RequestOnly(String),
    /// A `$context` variable mappings cannot read.
    #[error("unknown context variable `$context.{0}`")]
    UnknownContext(String),
    /// An empty name after the prefix.
    #[error("`${0}` names nothing")]
    EmptyName(String),
    /// A whole value written in another of the spellings request values have elsewhere (AWS
    /// REST's `method.request.header.NAME`, the cache key's `header.NAME`, the WAF's
    /// `header:NAME`): in a mapping it would be sent as literal text, which is never meant.
    #[error("`{found}` is not a reference in a mapping: it would be sent as this literal text")]
    OtherSpelling {
        /// The value as written.
        found: String,
        /// The mapping's spelling of the same value.
        write: String,
    },
}

impl MappingError {
    /// What to write instead.
    pub fn help(&self) -> String {
        match self {
            MappingError::OtherSpelling { write, .. } => format!(
                "write `{write}`: mappings spell request values `$request.header.NAME`, `$request.querystring.NAME`, `$request.path.NAME` (and `$response.header.NAME`, `$context.NAME`, `${{stageVariables.NAME}}`)"
            ),
            MappingError::UnknownContext(_) => format!(
                "mappings read $context.{}, $context.authorizer.claims.NAME and $context.authorizer.KEY",
                CONTEXT_VARIABLES.join(", $context.")
            ),
            _ => "write `$request.header.NAME`, `$request.querystring.NAME`, `$request.path.NAME`, `$response.header.NAME` (responses), `$context.NAME` or `${stageVariables.NAME}`; a lone `$` is text".to_owned(),
        }
    }
}

/// Name characters of a reference without braces: it ends at anything else.
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The mapping's spelling of a whole value written in another spelling of a request value:
/// AWS REST's `method.request.{header,querystring,path}.NAME`,
/// `integration.response.header.NAME`, `context.NAME` and `stageVariables.NAME` (its
/// `requestParameters`, without `$`), the cache key's `header.NAME`/`query.NAME`/`path.NAME`
/// and the WAF's `header:NAME`/`query_arg:NAME`. `None` for anything else.
fn other_spelling(raw: &str) -> Option<String> {
    const FORMS: [(&str, &str); 14] = [
        ("method.request.header.", "$request.header."),
        ("method.request.querystring.", "$request.querystring."),
        (
            "method.request.multivaluequerystring.",
            "$request.querystring.",
        ),
        ("method.request.multivalueheader.", "$request.header."),
        ("method.request.path.", "$request.path."),
        ("integration.response.header.", "$response.header."),
        ("context.", "$context."),
        ("header.", "$request.header."),
        ("querystring.", "$request.querystring."),
        ("query.", "$request.querystring."),
        ("path.", "$request.path."),
        ("header:", "$request.header."),
        ("query_arg:", "$request.querystring."),
        ("querystring:", "$request.querystring."),
    ];
    let raw = raw.trim();
    if let Some(name) = raw.strip_prefix("stageVariables.")
        && !name.is_empty()
        && name.bytes().all(is_name_byte)
    {
        return Some(format!("${{stageVariables.{name}}}"));
    }
    FORMS.iter().find_map(|(form, ours)| {
        let name = raw.strip_prefix(form)?;
        (!name.is_empty() && name.bytes().all(|b| is_name_byte(b) || b == b':'))
            .then(|| format!("{ours}{name}"))
    })
}

/// Parses a mapped value (see the module docs). A `$` not followed by a known prefix is text.
/// A whole value in another spelling of a request value (`method.request.header.X`,
/// `header.X`, `header:X`) is refused with the mapping's spelling, rather than sent as text.
pub fn parse_value(raw: &str, side: MappingSide) -> Result<Vec<ValuePart>, MappingError> {
    if let Some(write) = other_spelling(raw) {
        return Err(MappingError::OtherSpelling {
            found: raw.to_owned(),
            write,
        });
    }
    let mut parts: Vec<ValuePart> = Vec::new();
    let mut text = String::new();
    let mut rest = raw;
    while let Some(pos) = rest.find('$') {
        text.push_str(&rest[..pos]);
        rest = &rest[pos + 1..];
        let (reference, after) = if let Some(inner) = rest.strip_prefix('{') {
            let end = inner
                .find('}')
                .ok_or_else(|| MappingError::Unterminated(raw.to_owned()))?;
            (&inner[..end], &inner[end + 1..])
        } else {
            let end = rest
                .bytes()
                .position(|b| !is_name_byte(b))
                .unwrap_or(rest.len());
            // A trailing `.` ends a sentence, not a name.
            let end = rest[..end].trim_end_matches('.').len();
            (&rest[..end], &rest[end..])
        };
        let Some(part) = reference_part(reference, side)? else {
            text.push('$');
            continue;
        };
        if !text.is_empty() {
            parts.push(ValuePart::Text(Str::Owned(std::mem::take(&mut text))));
        }
        parts.push(part);
        rest = after;
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(ValuePart::Text(Str::Owned(text)));
    }
    Ok(parts)
}

fn reference_part(reference: &str, side: MappingSide) -> Result<Option<ValuePart>, MappingError> {
    type Make = fn(Str) -> ValuePart;
    const PREFIXES: [(&str, Make); 6] = [
        ("request.header.", ValuePart::RequestHeader),
        ("request.querystring.", ValuePart::RequestQuery),
        ("request.path.", ValuePart::RequestPath),
        ("response.header.", ValuePart::ResponseHeader),
        ("context.", ValuePart::Context),
        ("stageVariables.", ValuePart::StageVariable),
    ];
    for (prefix, make) in PREFIXES {
        if let Some(name) = reference.strip_prefix(prefix) {
            if name.is_empty() {
                return Err(MappingError::EmptyName(reference.to_owned()));
            }
            if prefix == "response.header." && side == MappingSide::Request {
                return Err(MappingError::ResponseOnly(reference.to_owned()));
            }
            if prefix.starts_with("request.") && side == MappingSide::Response {
                return Err(MappingError::RequestOnly(reference.to_owned()));
            }
            if prefix == "context." && !is_context_variable(name) {
                return Err(MappingError::UnknownContext(name.to_owned()));
            }
            return Ok(Some(make(Str::Owned(name.to_owned()))));
        }
    }
    if reference.starts_with("request.")
        || reference.starts_with("response.")
        || reference.starts_with("context")
        || reference.starts_with("stageVariables")
    {
        return Err(MappingError::UnknownReference(reference.to_owned()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_into_parts() {
        let parts = parse_value(
            "Bearer $request.header.x-token; ${request.querystring.q}x $5 ${stageVariables.v}.",
            MappingSide::Request,
        )
        .unwrap();
        assert_eq!(
            parts,
            vec![
                ValuePart::Text("Bearer ".into()),
                ValuePart::RequestHeader("x-token".into()),
                ValuePart::Text("; ".into()),
                ValuePart::RequestQuery("q".into()),
                ValuePart::Text("x $5 ".into()),
                ValuePart::StageVariable("v".into()),
                ValuePart::Text(".".into()),
            ]
        );
        assert_eq!(
            parse_value("$context.requestId", MappingSide::Response).unwrap(),
            vec![ValuePart::Context("requestId".into())]
        );
        assert_eq!(parse_value("", MappingSide::Request).unwrap(), vec![]);
        assert_eq!(
            parse_value(
                "$context.authorizer.claims.email/${context.authorizer.tier}",
                MappingSide::Request
            )
            .unwrap(),
            vec![
                ValuePart::Context("authorizer.claims.email".into()),
                ValuePart::Text("/".into()),
                ValuePart::Context("authorizer.tier".into()),
            ]
        );
    }

    #[test]
    fn other_spellings_are_refused_with_ours() {
        for (raw, ours) in [
            (
                "method.request.header.x-tenant-id",
                "$request.header.x-tenant-id",
            ),
            ("method.request.querystring.q", "$request.querystring.q"),
            ("method.request.path.id", "$request.path.id"),
            ("integration.response.header.etag", "$response.header.etag"),
            ("context.requestId", "$context.requestId"),
            ("stageVariables.backend", "${stageVariables.backend}"),
            ("header.Accept", "$request.header.Accept"),
            ("query.lang", "$request.querystring.lang"),
            ("path.id", "$request.path.id"),
            (" header:x-tenant ", "$request.header.x-tenant"),
        ] {
            let e = parse_value(raw, MappingSide::Request).unwrap_err();
            assert_eq!(
                e,
                MappingError::OtherSpelling {
                    found: raw.to_owned(),
                    write: ours.to_owned()
                },
                "{raw}"
            );
            assert!(e.help().starts_with(&format!("write `{ours}`")), "{raw}");
        }
        // Text that merely starts like one stays text.
        for raw in [
            "header value",
            "path.to/file",
            "context: none",
            "application/json",
        ] {
            assert_eq!(
                parse_value(raw, MappingSide::Request).unwrap(),
                vec![ValuePart::Text(raw.into())],
                "{raw}"
            );
        }
    }

    #[test]
    fn mistakes_are_named() {
        for (raw, side) in [
            ("$response.header.a", MappingSide::Request),
            ("$request.header.a", MappingSide::Response),
            ("$context.nope", MappingSide::Request),
            ("$context.authorizer.claims", MappingSide::Request),
            ("${context.authorizer.claims.}", MappingSide::Request),
            ("$request.body.x", MappingSide::Request),
            ("${request.header.a", MappingSide::Request),
            ("$request.header.", MappingSide::Request),
        ] {
            assert!(parse_value(raw, side).is_err(), "{raw}");
        }
    }
}

/// Body mapping with VTL templates (AWS's non-proxy integrations): the integration request's
/// body built from the request by a template chosen by content type, and the response
/// rewritten by the integration response its status selects. The default maps nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyMapping {
    /// Request templates by content type (lower case), in spec order.
    pub request_templates: Vec<ContentTemplate>,
    /// What happens to a request whose content type has no template.
    pub passthrough: Passthrough,
    /// Integration responses, in spec order; the one with pattern `default` is the fallback.
    pub responses: Vec<IntegrationResponse>,
    /// AWS's `contentHandling` of the integration request: the body converted between binary
    /// and base64 text before the backend gets it. `None`: passed through as it is.
    #[serde(default)]
    pub content_handling: Option<ContentHandling>,
}

/// AWS's `contentHandling`: how a payload crosses between binary and text (the rules of
/// AWS REST's content type conversions, with `Gateway::binary_media_types` deciding what
/// is binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentHandling {
    /// A binary payload becomes its base64 text; text passes as it is.
    ConvertToText,
    /// A text payload is read as base64 and decoded to bytes; binary passes as it is.
    ConvertToBinary,
}

impl BodyMapping {
    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        *self == BodyMapping::default()
    }
}

/// A template for one content type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentTemplate {
    /// The content type, e.g. `application/json`.
    pub content_type: Str,
    /// The VTL template, parsed by the compiler (and carried parsed into generated crates).
    pub template: crate::vtl::VtlTemplate,
}

/// AWS's `passthroughBehavior`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Passthrough {
    /// Send the body unchanged when no template matches its content type.
    #[default]
    WhenNoMatch,
    /// Send it unchanged only when there are no templates at all; else 415.
    WhenNoTemplates,
    /// Refuse a content type without a template with 415.
    Never,
}

/// One integration response: chosen when its pattern matches the backend's status code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IntegrationResponse {
    /// A regular expression matched against the whole status code (`2\d{2}`), or `default`.
    pub pattern: Str,
    /// The status sent to the client; `None`: the backend's.
    pub status: Option<u16>,
    /// Header changes (values may read `$response.header.NAME`).
    pub headers: Vec<ParamChange>,
    /// Body templates by content type, chosen by the client's `Accept` (its first media type
    /// naming one), else `application/json`, else the first. Empty: the body passes through.
    pub templates: Vec<ContentTemplate>,
    /// AWS's `contentHandling` of this response. `None`: the `Accept` rule of
    /// `Gateway::binary_media_types` decides.
    #[serde(default)]
    pub content_handling: Option<ContentHandling>,
}

/// Whether media type `ty` (lower case, without parameters) is one `pattern` names: exactly,
/// or through a `type/*` or `*/*` wildcard in the pattern (AWS's `binaryMediaTypes` rule; a
/// wildcard in `ty` itself, as in `Accept: */*`, is only matched by the same text or `*/*`).
pub fn media_type_matches(pattern: &str, ty: &str) -> bool {
    if pattern == "*/*" || pattern == ty {
        return true;
    }
    match pattern.strip_suffix("/*") {
        Some(main) => ty
            .split_once('/')
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case(main)),
        None => pattern.eq_ignore_ascii_case(ty),
    }
}

#[cfg(test)]
mod media_tests {
    use super::media_type_matches;

    #[test]
    fn wildcards_match_as_aws_does() {
        assert!(media_type_matches("image/*", "image/png"));
        assert!(media_type_matches("*/*", "text/plain"));
        assert!(media_type_matches("image/png", "image/png"));
        assert!(media_type_matches("image/png", "IMAGE/PNG"));
        assert!(!media_type_matches("image/png", "*/*"));
        assert!(!media_type_matches("image/*", "application/octet-stream"));
        assert!(!media_type_matches("image/png", "image/jpeg"));
        assert!(media_type_matches("image/*", "image/*"));
    }
}
