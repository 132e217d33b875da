//! A Velocity (VTL) engine with AWS API Gateway's surface: mapping templates and
//! gateway-response templates.
//!
//! It is a crate of its own because it is a language: a lexer and parser with spans, an
//! evaluator, its own fuzz target (`fuzz/`) and benchmark (`examples/vtl_bench.rs`). Both
//! sides of gwc use it: the compiler parses every template at build time while spans exist
//! ([`parse`] gives the byte offset of a syntax error, which the compiler turns into the
//! spec's line and column), and the runtime evaluates the parsed form. `gwc-ir` re-exports it
//! as `gwc_ir::vtl`, beside the IR's carrier of a template, so generated gateways still depend
//! on `gwc-runtime` alone. Parsing needs nothing beyond the standard library; evaluation uses
//! `regex` for Java's `replaceAll`, `replaceFirst`, `split` and `matches`.
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

#![deny(missing_docs)]

mod ast;
mod eval;
mod parse;
mod regexes;
mod value;

/// Borrowed in generated code (string literals of the parsed form), owned when parsed at run
/// time; the same type as `gwc_ir::Str`.
pub type Str = std::borrow::Cow<'static, str>;

pub use ast::{BinOp, ContextReads, Expr, Node, Template};
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
