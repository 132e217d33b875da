//! A Velocity (VTL) engine with AWS API Gateway's surface: mapping templates and
//! gateway-response templates.
//!
//! It lives in `gwc-ir` because both sides need it: the compiler parses every template while
//! spans exist ([`parse`] gives the byte offset of a syntax error, which the compiler turns
//! into the spec's line and column), and the runtime evaluates the parsed form. Parsing has no
//! dependency beyond the standard library; evaluation uses `regex` for Java's `replaceAll`,
//! `split` and `matches`.
//!
//! The surface: text; references `$a`, `$!a`, `${a}`, with properties, indexes and method
//! calls; `#set`, `#if`/`#elseif`/`#else`, `#foreach` (with `$foreach.index`, `.count`,
//! `.hasNext`, `.first`, `.last` and AWS's cap of 1,000 iterations), `#break`, `#stop`;
//! `##` and `#* *#` comments; single-quoted (literal) and double-quoted (interpolated)
//! strings, numbers, booleans, lists, maps and ranges; Java string, list and map methods.
//! `$input.body`, `$input.json(path)`, `$input.path(path)`, `$input.params()` and
//! `params(name)`; `$util.escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`,
//! `base64Encode`, `base64Decode`, `toJson`; `$context` (a map the caller builds, which
//! `#set($context.responseOverride.status = 400)` and friends write to, returned in
//! [`Output::context`]) and `$stageVariables`. AWS's quirks: an undefined value prints as
//! nothing, `escapeJavaScript` escapes `'`, maps and lists print as Java does.
//!
//! Not implemented (absent from AWS's documented surface or rarely used): `#macro`,
//! `#define`, `#parse`/`#include`, `#evaluate`.
//!
//! Evaluation never panics and is bounded ([`Limits`]): steps, output size, loop length.

mod ast;
mod eval;
mod parse;
mod value;

pub use ast::{BinOp, Expr, Node, Template};
pub use value::{Value, parse_json};

/// A template syntax error (or an evaluation that hit a limit), with the byte offset into the
/// template where parsing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct VtlError {
    /// Byte offset into the template (0 for evaluation errors).
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a template.
pub fn parse(source: &str) -> Result<Template, VtlError> {
    parse::parse(source)
}

/// Bounds on one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most nodes and expressions evaluated.
    pub max_steps: u64,
    /// Largest output, in bytes.
    pub max_output: usize,
    /// Most iterations of one `#foreach` (AWS: 1,000).
    pub max_iterations: usize,
    /// Most bytes of values built by one evaluation, printed or not (strings, and the strings
    /// inside lists and maps, counted each time an expression yields them): a template that
    /// doubles a string in a loop is stopped here, not by the machine's memory.
    pub max_allocated: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 1_000_000,
            max_output: 10 << 20,
            max_iterations: 1_000,
            max_allocated: 80 << 20,
        }
    }
}

/// What a template sees.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `$input.body`: the raw body as text.
    pub body: String,
    /// `$input.params().path`.
    pub path: Vec<(String, String)>,
    /// `$input.params().querystring`.
    pub querystring: Vec<(String, String)>,
    /// `$input.params().header`.
    pub header: Vec<(String, String)>,
    /// `$context`: a map (`requestId`, `httpMethod`, `error`, `authorizer`, …).
    pub context: Value,
    /// `$stageVariables`: a map.
    pub stage_variables: Value,
}

impl Env {
    fn params_value(&self) -> Value {
        let m = |pairs: &[(String, String)]| {
            Value::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                    .collect(),
            )
        };
        Value::map([
            ("path", m(&self.path)),
            ("querystring", m(&self.querystring)),
            ("header", m(&self.header)),
        ])
    }

    /// `$input.params('x')`: path, then query string, then header (case-insensitive).
    fn param(&self, name: &str) -> Option<String> {
        let find = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        find(&self.path)
            .or_else(|| find(&self.querystring))
            .or_else(|| {
                self.header
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
    }
}

/// What an evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The rendered text.
    pub body: String,
    /// `$context` after the template's `#set`s (`responseOverride`, `requestOverride`);
    /// `None` when the template wrote nothing to it (the caller's `Env::context` stands).
    pub context: Option<Value>,
}

impl Template {
    /// Evaluates the template.
    pub fn render(&self, env: &Env, limits: Limits) -> Result<Output, VtlError> {
        eval::Eval::run(self, env, limits)
    }
}

/// Standard base64 with padding (what `$util.base64Encode` and `CONVERT_TO_TEXT` produce).
pub fn base64_encode(data: &[u8]) -> String {
    eval::base64_encode(data)
}

/// Decodes standard base64 (padding optional); `None` when `s` is not base64
/// (`CONVERT_TO_BINARY` of text that is not base64 fails).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    eval::base64_decode(s)
}

/// A JSON string literal of `s` (what `$context.error.messageString` is).
pub fn json_quoted(s: &str) -> String {
    eval::json_quoted(s)
}

#[cfg(test)]
mod tests;

/// A template as the IR carries it: the spec's source text and, once parsed, the parsed form.
///
/// The compiler parses every template while lowering (a syntax error is a diagnostic at the
/// spec's line), keeps the result here, and `gwc build` writes it into the generated crate as
/// Rust data, so a generated gateway parses no template at start-up. An IR read from JSON has
/// only the source; the runtime parses it at start-up then. Equality, hashing and serde look
/// at the source alone: the parsed form is a function of it.
#[derive(Debug, Clone, Default)]
pub struct VtlTemplate {
    /// The template as the spec wrote it.
    pub source: crate::Str,
    /// Its parsed form, when parsed.
    pub parsed: Option<std::sync::Arc<Template>>,
}

impl VtlTemplate {
    /// A template from its source, parsed now when it parses (a template that does not keeps
    /// only its source; the runtime then refuses it at start-up with the parser's message).
    pub fn new(source: impl Into<crate::Str>) -> VtlTemplate {
        let source = source.into();
        let parsed = parse(&source).ok().map(std::sync::Arc::new);
        VtlTemplate { source, parsed }
    }

    /// A template whose source is not parsed (yet).
    pub fn unparsed(source: impl Into<crate::Str>) -> VtlTemplate {
        VtlTemplate {
            source: source.into(),
            parsed: None,
        }
    }

    /// What generated code writes: the source with its parsed nodes, built by the compiler
    /// from [`parse`]'s output.
    pub fn prepared(source: crate::Str, nodes: Vec<Node>) -> VtlTemplate {
        VtlTemplate {
            source,
            parsed: Some(std::sync::Arc::new(Template::new(nodes))),
        }
    }

    /// The parsed form: the one carried, else the source parsed now.
    pub fn template(&self) -> Result<std::sync::Arc<Template>, VtlError> {
        match &self.parsed {
            Some(t) => Ok(t.clone()),
            None => parse(&self.source).map(std::sync::Arc::new),
        }
    }
}

impl std::ops::Deref for VtlTemplate {
    type Target = str;

    fn deref(&self) -> &str {
        &self.source
    }
}

impl PartialEq for VtlTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for VtlTemplate {}

impl std::hash::Hash for VtlTemplate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

impl From<&'static str> for VtlTemplate {
    fn from(source: &'static str) -> Self {
        VtlTemplate::new(source)
    }
}

impl From<String> for VtlTemplate {
    fn from(source: String) -> Self {
        VtlTemplate::new(source)
    }
}

impl serde::Serialize for VtlTemplate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for VtlTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(VtlTemplate::unparsed)
    }
}
