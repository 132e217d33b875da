//! Identity sources: where an authorizer reads the caller's token or identity, in AWS's two
//! spellings (`$request.header.X`, `$request.querystring.X`, `$stageVariables.X` of HTTP APIs;
//! `method.request.header.X`, `method.request.querystring.X`, `stageVariables.X` of REST APIs).

use std::borrow::Cow;
use std::collections::HashMap;

use http::{HeaderName, Request};
use percent_encoding::percent_decode_str;

use crate::body::RequestBody;
use crate::pipeline::RequestContext;

/// One compiled identity source.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A request header (the first value).
    Header(HeaderName),
    /// A query-string parameter (the first, percent-decoded).
    Query(Box<str>),
    /// A stage variable's value, fixed for the deployment.
    Fixed(Box<str>),
}

impl Source {
    /// Compiles `$request.header.X` and its kin; stage variables are resolved now.
    pub(crate) fn compile(text: &str, vars: &HashMap<&str, &str>) -> Result<Source, String> {
        let t = text.trim();
        let (kind, name) = if let Some(rest) = t.strip_prefix("$request.") {
            rest.split_once('.').unwrap_or((rest, ""))
        } else if let Some(rest) = t.strip_prefix("method.request.") {
            rest.split_once('.').unwrap_or((rest, ""))
        } else if let Some(name) = t
            .strip_prefix("$stageVariables.")
            .or_else(|| t.strip_prefix("stageVariables."))
        {
            ("stage", name)
        } else {
            ("", "")
        };
        match (kind, name) {
            (_, "") => Err(format!(
                "identity source `{t}`: write `$request.header.NAME`, `$request.querystring.NAME` or `$stageVariables.NAME`"
            )),
            ("header", n) => HeaderName::from_bytes(n.to_ascii_lowercase().as_bytes())
                .map(Source::Header)
                .map_err(|e| format!("identity source `{t}`: {e}")),
            ("querystring", n) => Ok(Source::Query(n.into())),
            ("stage", n) => Ok(Source::Fixed(vars.get(n).copied().unwrap_or("").into())),
            _ => Err(format!(
                "identity source `{t}` is not supported (headers, query-string parameters and stage variables are)"
            )),
        }
    }

    /// The source's value in this request; `None` when it is missing or empty. Borrowed from
    /// the request where it can be (a header: a JWT is read on every request, and copying a
    /// token of a few hundred bytes cost an allocation each time).
    pub(crate) fn read<'r>(
        &'r self,
        req: &'r Request<RequestBody>,
        _ctx: &RequestContext,
    ) -> Option<Cow<'r, str>> {
        let value = match self {
            Source::Header(name) => Cow::Borrowed(req.headers().get(name)?.to_str().ok()?),
            Source::Query(name) => {
                let query = req.uri().query()?;
                let mut found = None;
                for pair in query.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if percent_decode_str(k).decode_utf8().ok().as_deref() == Some(&**name) {
                        let v = v.replace('+', " ");
                        found = Some(percent_decode_str(&v).decode_utf8().ok()?.into_owned());
                        break;
                    }
                }
                Cow::Owned(found?)
            }
            Source::Fixed(v) => Cow::Borrowed(&**v),
        };
        (!value.trim().is_empty()).then_some(value)
    }
}

/// Compiles a list of sources.
pub(crate) fn compile_all(
    texts: &[crate::ir::Str],
    vars: &HashMap<&str, &str>,
) -> Result<Box<[Source]>, String> {
    texts.iter().map(|t| Source::compile(t, vars)).collect()
}
