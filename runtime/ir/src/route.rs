//! Routes: a method (or any method) on a path template, and what serves it.

use serde::{Deserialize, Serialize};

use crate::{BodyMapping, Integration, Mapping, Millis, RequestModel, RoutePolicies, Str};

/// HTTP methods a route can be bound to, or any of them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET
    #[default]
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
    /// Matches GET, PUT, POST, DELETE, OPTIONS, HEAD and PATCH (AWS's `ANY`) when not bound
    /// explicitly on the same path; never TRACE, CONNECT or extension methods.
    Any,
}

impl Method {
    /// Every concrete method, in a stable order (used for `Allow` headers and docs).
    pub const CONCRETE: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// Upper-case name as it appears on the wire (`ANY` for [`Method::Any`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Any => "ANY",
        }
    }

    /// Parses a method name case-insensitively, as OpenAPI path-item keys are lower case.
    pub fn parse(name: &str) -> Option<Method> {
        let m = match name.to_ascii_lowercase().as_str() {
            "get" => Method::Get,
            "put" => Method::Put,
            "post" => Method::Post,
            "delete" => Method::Delete,
            "options" => Method::Options,
            "head" => Method::Head,
            "patch" => Method::Patch,
            "trace" => Method::Trace,
            "any" => Method::Any,
            _ => return None,
        };
        Some(m)
    }
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Segment {
    /// Matches exactly this text (already percent-decoded form).
    Literal(Str),
    /// `{name}`, or `{name}` with literal text around it inside one segment (`{sid}.json`):
    /// matches one segment whose middle is non-empty.
    Param(Param),
    /// `{name+}`: matches one or more remaining segments; only valid last.
    Greedy(Str),
}

/// A path parameter, with the literal text allowed before and after it in the same segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Param {
    /// The parameter name.
    pub name: Str,
    /// Literal text before `{`, usually empty.
    pub prefix: Str,
    /// Literal text after `}`, such as `.json`; usually empty.
    pub suffix: Str,
}

/// A parsed path template such as `/pets/{id}` or `/files/{proxy+}`; the default is `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathTemplate {
    /// The template as written in the spec, for logs, metrics labels and `gwc routes`.
    pub raw: Str,
    /// Segments between `/`; empty for the root path `/`.
    pub segments: Vec<Segment>,
}

/// Why a path template was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Templates are absolute.
    #[error("path template must start with `/`")]
    NotAbsolute,
    /// `{}` or an unbalanced brace.
    #[error(
        "malformed parameter `{0}`: expected `{{name}}` or `{{name+}}` filling the whole segment"
    )]
    MalformedParam(String),
    /// A greedy parameter must be the last segment.
    #[error("greedy parameter `{{{0}+}}` must be the last segment")]
    GreedyNotLast(String),
    /// The same parameter twice.
    #[error("parameter `{0}` appears twice in the template")]
    DuplicateParam(String),
    /// `//` in the middle of a template.
    #[error("empty segment (`//`) in path template")]
    EmptySegment,
}

impl PathTemplate {
    /// Parses a template. A trailing `/` is ignored, as matching ignores it too.
    pub fn parse(raw: &str) -> Result<PathTemplate, PathError> {
        let rest = raw.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut segments = Vec::new();
        if !rest.is_empty() {
            let parts: Vec<&str> = rest.split('/').collect();
            let last = parts.len() - 1;
            for (i, part) in parts.iter().enumerate() {
                segments.push(parse_segment(part, i == last)?);
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for s in &segments {
            if let Segment::Param(Param { name: n, .. }) | Segment::Greedy(n) = s {
                if seen.contains(&n.as_ref()) {
                    return Err(PathError::DuplicateParam(n.to_string()));
                }
                seen.push(n);
            }
        }
        Ok(PathTemplate {
            raw: Str::Owned(raw.to_owned()),
            segments,
        })
    }

    /// Parameter names in order of appearance.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(Param { name: n, .. }) | Segment::Greedy(n) => Some(n.as_ref()),
            Segment::Literal(_) => None,
        })
    }

    /// The template with parameter names erased (`/pets/{}`), so `/pets/{id}` and `/pets/{name}`
    /// compare equal; greedy parameters erase to `{+}`.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(p) => {
                    out.push_str(&p.prefix);
                    out.push_str("{}");
                    out.push_str(&p.suffix);
                }
                Segment::Greedy(_) => out.push_str("{+}"),
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// True when the template ends in a greedy parameter.
    pub fn is_greedy(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Greedy(_)))
    }
}

fn parse_segment(part: &str, is_last: bool) -> Result<Segment, PathError> {
    if part.is_empty() {
        return Err(PathError::EmptySegment);
    }
    let Some(open) = part.find('{') else {
        if part.contains('}') {
            return Err(PathError::MalformedParam(part.to_owned()));
        }
        return Ok(Segment::Literal(Str::Owned(part.to_owned())));
    };
    let malformed = || PathError::MalformedParam(part.to_owned());
    let close = part[open..]
        .find('}')
        .map(|i| i + open)
        .ok_or_else(malformed)?;
    let (prefix, inner, suffix) = (&part[..open], &part[open + 1..close], &part[close + 1..]);
    if suffix.contains(['{', '}']) || prefix.contains('}') {
        return Err(malformed());
    }
    let (name, greedy) = match inner.strip_suffix('+') {
        Some(n) => (n, true),
        None => (inner, false),
    };
    if name.is_empty() || name.contains(['{', '/', '+']) {
        return Err(malformed());
    }
    if greedy {
        if !prefix.is_empty() || !suffix.is_empty() {
            return Err(malformed());
        }
        if !is_last {
            return Err(PathError::GreedyNotLast(name.to_owned()));
        }
        return Ok(Segment::Greedy(Str::Owned(name.to_owned())));
    }
    Ok(Segment::Param(Param {
        name: Str::Owned(name.to_owned()),
        prefix: Str::Owned(prefix.to_owned()),
        suffix: Str::Owned(suffix.to_owned()),
    }))
}

/// One operation the gateway serves.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Stable identifier: the operationId when the spec has one, else `METHOD path`.
    pub id: Str,
    /// The method, or [`Method::Any`].
    pub method: Method,
    /// The path template, relative to the base path.
    pub path: PathTemplate,
    /// What serves the request.
    pub integration: Integration,
    /// Time the integration has to answer (→ 504), resolved by the compiler: the integration's
    /// own `timeout`, else `limits.integration_timeout`. The one place the runtime reads it.
    pub timeout: Millis,
    /// Optional steps before the integration (auth, API key, throttle, cache, WAF, validation,
    /// CORS); empty for a public route.
    pub policies: RoutePolicies,
    /// What request validation checks (required parameters, body schemas); filled only when
    /// `policies.validation` names a validator.
    #[serde(default)]
    pub request: RequestModel,
    /// Parameter mapping of the integration request and the response (method, headers,
    /// query-string parameters); empty for a pass-through route.
    #[serde(default)]
    pub mapping: Mapping,
    /// Body mapping with VTL templates (request templates, integration responses).
    #[serde(default)]
    pub body_mapping: BodyMapping,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_templates() {
        let t = PathTemplate::parse("/pets/{id}/files/{proxy+}").unwrap();
        assert_eq!(t.params().collect::<Vec<_>>(), ["id", "proxy"]);
        assert!(t.is_greedy());
        assert_eq!(t.shape(), "/pets/{}/files/{+}");
        assert_eq!(PathTemplate::parse("/").unwrap().segments, vec![]);
        assert_eq!(PathTemplate::parse("/a/").unwrap().shape(), "/a");
    }

    #[test]
    fn rejects_bad_templates() {
        assert_eq!(PathTemplate::parse("pets"), Err(PathError::NotAbsolute));
        assert!(matches!(
            PathTemplate::parse("/{a+}/b"),
            Err(PathError::GreedyNotLast(_))
        ));
        assert!(matches!(
            PathTemplate::parse("/{}"),
            Err(PathError::MalformedParam(_))
        ));
        assert!(matches!(
            PathTemplate::parse("/{a}/{a}"),
            Err(PathError::DuplicateParam(_))
        ));
        assert!(matches!(
            PathTemplate::parse("/a//b"),
            Err(PathError::EmptySegment)
        ));
        assert!(matches!(
            PathTemplate::parse("/{a}{b}"),
            Err(PathError::MalformedParam(_))
        ));
        assert!(matches!(
            PathTemplate::parse("/x{a+}"),
            Err(PathError::MalformedParam(_))
        ));
    }

    #[test]
    fn mixed_segments() {
        let t = PathTemplate::parse("/Calls/{CallSid}.json").unwrap();
        assert_eq!(t.shape(), "/Calls/{}.json");
        assert_eq!(t.params().collect::<Vec<_>>(), ["CallSid"]);
    }
}
