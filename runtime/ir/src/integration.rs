//! Integrations: what serves a matched request.

use serde::{Deserialize, Serialize};

use crate::Str;

/// A header name and value, kept in spec order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeaderPair {
    /// Header name as written (the runtime validates and lower-cases it at start-up).
    pub name: Str,
    /// Header value.
    pub value: Str,
}

/// What serves a route. Later kinds (direct HTTP with mapping, in-process Rust handlers) extend
/// this enum; the runtime matches on it once at start-up, never per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Integration {
    /// Pass the request through untouched to an HTTP backend.
    HttpProxy(HttpProxy),
    /// Answer from the gateway itself.
    Mock(Mock),
    /// Call a Rust function linked into the gateway, in-process (a `#[gateway]` handler).
    Rust(RustHandler),
}

impl Integration {
    /// Short name for route tables and logs (`http_proxy`, `mock`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Integration::HttpProxy(_) => "http_proxy",
            Integration::Mock(_) => "mock",
            Integration::Rust(_) => "rust",
        }
    }
}

impl Default for Integration {
    fn default() -> Self {
        Integration::Mock(Mock::default())
    }
}

/// An in-process Rust handler, named by its path (`orders::create`, `my_crate::orders::create`).
/// The runtime finds it by this name in the handler table the gateway was built with; the time it
/// has is the route's `timeout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RustHandler {
    /// The handler's Rust path, as written in the spec or by `#[gateway]`.
    pub handler: Str,
}

/// An HTTP proxy integration. The request's query string is appended to the URI unchanged; the
/// time the backend has is the route's `timeout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpProxy {
    /// Backend URL template, absolute `http://` or `https://` once stage variables are in.
    pub uri: UriTemplate,
}

/// A URI template parsed once by the compiler (where spans exist to report mistakes), so the
/// runtime never re-parses it: `${stageVariables.NAME}` is replaced at start-up from the deployed
/// stage (stages vary per deployment, so the scheme and authority are known only then), and
/// `{param}` / `{param+}` per request from the matched path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UriTemplate {
    /// The template as written, for logs, `gwc routes` and error messages.
    pub raw: Str,
    /// The pieces, in order; adjacent text is merged.
    pub parts: Vec<UriPart>,
}

/// One piece of a [`UriTemplate`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum UriPart {
    /// Text copied as is.
    Text(Str),
    /// `${stageVariables.NAME}`: replaced at start-up.
    StageVariable(Str),
    /// `{name}` or `{name+}`: a path parameter of the route, replaced per request.
    PathParam(Str),
}

/// Why a URI template was rejected; the message is shown to spec authors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    /// `${` or `{` without its `}`.
    #[error("unterminated `{0}` in `{1}`")]
    Unterminated(&'static str, String),
    /// `${x}` other than `${stageVariables.NAME}`.
    #[error("unknown variable `${{{0}}}`; only `${{stageVariables.NAME}}` is available here")]
    UnknownVariable(String),
    /// A stage variable name outside `[A-Za-z0-9_]+`.
    #[error("stage variable name `{0}` must be letters, digits and `_`")]
    BadStageVariable(String),
    /// `{}` or `{a/b}`.
    #[error("malformed path parameter `{{{0}}}`")]
    BadParam(String),
}

impl UriTemplate {
    /// Parses a template. A lone `$` is literal text.
    pub fn parse(raw: &str) -> Result<UriTemplate, UriError> {
        let mut parts: Vec<UriPart> = Vec::new();
        let mut text = String::new();
        let mut rest = raw;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${") {
                let end = after
                    .find('}')
                    .ok_or_else(|| UriError::Unterminated("${", raw.to_owned()))?;
                let inner = &after[..end];
                let name = inner
                    .strip_prefix("stageVariables.")
                    .ok_or_else(|| UriError::UnknownVariable(inner.to_owned()))?;
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return Err(UriError::BadStageVariable(name.to_owned()));
                }
                flush(&mut text, &mut parts);
                parts.push(UriPart::StageVariable(Str::Owned(name.to_owned())));
                rest = &after[end + 1..];
            } else if let Some(after) = rest.strip_prefix('{') {
                let end = after
                    .find('}')
                    .ok_or_else(|| UriError::Unterminated("{", raw.to_owned()))?;
                let name = after[..end].trim_end_matches('+');
                if name.is_empty() || name.contains(['{', '/']) {
                    return Err(UriError::BadParam(after[..end].to_owned()));
                }
                flush(&mut text, &mut parts);
                parts.push(UriPart::PathParam(Str::Owned(name.to_owned())));
                rest = &after[end + 1..];
            } else {
                let next = rest[1..].find(['$', '{']).map_or(rest.len(), |i| i + 1);
                text.push_str(&rest[..next]);
                rest = &rest[next..];
            }
        }
        flush(&mut text, &mut parts);
        Ok(UriTemplate {
            raw: Str::Owned(raw.to_owned()),
            parts,
        })
    }

    /// Path parameter names used, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            UriPart::PathParam(n) => Some(n.as_ref()),
            _ => None,
        })
    }

    /// Stage variable names used, in order.
    pub fn stage_variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            UriPart::StageVariable(n) => Some(n.as_ref()),
            _ => None,
        })
    }
}

fn flush(text: &mut String, parts: &mut Vec<UriPart>) {
    if !text.is_empty() {
        parts.push(UriPart::Text(Str::Owned(std::mem::take(text))));
    }
}

/// A mock integration: a fixed response, assembled at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mock {
    /// Response status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<HeaderPair>,
    /// Response body, sent as is.
    pub body: Str,
}

impl Default for Mock {
    fn default() -> Self {
        Mock {
            status: 200,
            headers: Vec::new(),
            body: Str::Borrowed(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uri_templates() {
        let t = UriTemplate::parse("${stageVariables.backend}/pets/{id}?x=$&y={p+}").unwrap();
        assert_eq!(
            t.parts,
            vec![
                UriPart::StageVariable("backend".into()),
                UriPart::Text("/pets/".into()),
                UriPart::PathParam("id".into()),
                UriPart::Text("?x=$&y=".into()),
                UriPart::PathParam("p".into()),
            ]
        );
        assert!(UriTemplate::parse("${stageVariables.a").is_err());
        assert!(UriTemplate::parse("${context.x}").is_err());
        assert!(UriTemplate::parse("http://h/{").is_err());
        assert!(UriTemplate::parse("http://h/{}").is_err());
    }
}
