//! The `x-gateway` vocabulary: typed Rust structs for every extension key, read from the
//! spanned document tree with diagnostics.
//!
//! The types are the single source of truth. The JSON Schema (`docs/x-gateway.schema.json`,
//! [`schema::json_schema`]) and the reference page (`docs/extensions.md`,
//! [`docs::reference`]) are generated from them, and a test fails when the committed files
//! drift. Reading goes through a node deserializer ([`de`]) so that every unknown key, type
//! error and bad value is reported at its own line and column in one run, and values that are
//! references (authorizer names, stage names) keep their span as [`Spanned`]. Keys the runtime
//! does not implement yet are reported by [`support`], never silently ignored.

mod de;
pub mod docs;
mod operation;
mod root;
pub mod schema;
mod spanned;
pub mod support;
mod units;

pub use operation::*;
pub use root::*;
pub use spanned::Spanned;
pub use units::{DURATION_PATTERN, Duration, SIZE_PATTERN, Size, StatusCode};

use crate::diagnostics::Diagnostics;
use crate::load::{Entry, Node};
use crate::source::Span;

/// Diagnostic codes reported while reading the vocabulary (stable; listed in the reference).
pub mod codes {
    /// A key that the vocabulary does not have, with "did you mean" when one is close.
    pub const UNKNOWN_KEY: &str = "gwc::lower::unknown_key";
    /// A key the vocabulary has but the runtime does not implement yet.
    pub const NOT_SUPPORTED: &str = "gwc::lower::not_supported";
    /// A value of the wrong type (a number where a string is expected, …).
    pub const INVALID_TYPE: &str = "gwc::lower::invalid_type";
    /// A value of the right type that is not acceptable (`29 seconds`, an unknown `type`, …).
    pub const INVALID_VALUE: &str = "gwc::lower::invalid_value";
    /// A required key is absent.
    pub const MISSING_KEY: &str = "gwc::lower::missing_key";

    /// Every code, for the reference page.
    pub const ALL: [(&str, &str); 5] = [
        (
            UNKNOWN_KEY,
            "a key the vocabulary does not have; the help line suggests the closest one",
        ),
        (
            NOT_SUPPORTED,
            "a key the vocabulary has but the runtime does not implement yet",
        ),
        (
            INVALID_TYPE,
            "a value of the wrong type, e.g. a number where a string is expected",
        ),
        (
            INVALID_VALUE,
            "a value of the right type that is not acceptable, e.g. `29 seconds` or an unknown `type`",
        ),
        (MISSING_KEY, "a required key is absent"),
    ];
}

/// The root extension's name.
pub const ROOT_KEY: &str = "x-gateway";

/// Reads the value of the root `x-gateway` key.
///
/// Every problem is pushed into `diags`: all unknown keys (with "did you mean"), every type
/// error and bad value, each at its own span, and every key the runtime does not support yet.
/// Returns `None` when a value could not be read (a type error, a bad value, a missing
/// required key); unknown or unsupported keys alone still give `Some`, with errors in
/// `diags`, so later checks can run.
pub fn read_root(node: &Node, diags: &mut Diagnostics) -> Option<Root> {
    let ctx = de::Ctx::new();
    let root = de::read::<Root>(node, ROOT_KEY, None, &ctx);
    let unknown = ctx.unknown_keys();
    support::check(ROOT_KEY, node.span, node, &ctx, &unknown);
    diags.extend(ctx.take_diagnostics());
    root
}

/// One per-operation extension, as read by [`read_operation_ext`].
#[derive(Debug, Clone, PartialEq)]
pub enum OperationExt {
    /// `x-gateway-integration`.
    Integration(Integration),
    /// `x-gateway-auth`.
    Auth(OperationAuth),
    /// `x-gateway-api-key`.
    ApiKey(ApiKeyRequirement),
    /// `x-gateway-throttle`.
    Throttle(Throttle),
    /// `x-gateway-cache`.
    Cache(OperationCache),
    /// `x-gateway-waf`.
    Waf(OperationWaf),
    /// `x-gateway-validate`.
    Validate(OperationValidate),
    /// `x-gateway-cors`.
    Cors(Cors),
}

/// True for keys this module owns on an operation object: `x-gateway` and `x-gateway-*`.
pub fn is_vocabulary_key(key: &str) -> bool {
    key == ROOT_KEY || key.starts_with("x-gateway-")
}

/// Reads one `x-gateway-*` key of an operation object.
///
/// `key_span` is where the key is written and `node` its value. An unknown `x-gateway-*` key
/// (or `x-gateway` itself, which belongs at the document root) is reported as
/// `gwc::lower::unknown_key` with "did you mean"; keys outside the vocabulary
/// ([`is_vocabulary_key`] false) are not ours and give `None` without a finding. Returns
/// `None` when the value could not be read; see [`read_root`] for what is reported.
pub fn read_operation_ext(
    key: &str,
    key_span: Span,
    node: &Node,
    diags: &mut Diagnostics,
) -> Option<OperationExt> {
    if !is_vocabulary_key(key) {
        return None;
    }
    let ctx = de::Ctx::new();
    let at = Some(key_span);
    let value = match key {
        "x-gateway-integration" => de::read(node, key, at, &ctx).map(OperationExt::Integration),
        "x-gateway-auth" => de::read(node, key, at, &ctx).map(OperationExt::Auth),
        "x-gateway-api-key" => de::read(node, key, at, &ctx).map(OperationExt::ApiKey),
        "x-gateway-throttle" => de::read(node, key, at, &ctx).map(OperationExt::Throttle),
        "x-gateway-cache" => de::read(node, key, at, &ctx).map(OperationExt::Cache),
        "x-gateway-waf" => de::read(node, key, at, &ctx).map(OperationExt::Waf),
        "x-gateway-validate" => de::read(node, key, at, &ctx).map(OperationExt::Validate),
        "x-gateway-cors" => de::read(node, key, at, &ctx).map(OperationExt::Cors),
        _ => {
            diags.push(unknown_operation_key(key, key_span));
            return None;
        }
    };
    if value.is_some() {
        let unknown = ctx.unknown_keys();
        support::check(key, key_span, node, &ctx, &unknown);
    }
    diags.extend(ctx.take_diagnostics());
    value
}

/// The unknown-key finding for an operation's `x-gateway-*` key. The shared `x-gateway-`
/// prefix is left out of the comparison, so `x-gateway-auht` suggests `x-gateway-auth` while
/// `x-gateway-foo` suggests nothing and lists the keys.
fn unknown_operation_key(key: &str, span: Span) -> crate::Diagnostic {
    let suffix = key.strip_prefix("x-gateway-").unwrap_or(key);
    let suffixes = OPERATION_KEYS.map(|k| k.trim_start_matches("x-gateway-"));
    let d = crate::Diagnostic::error(
        codes::UNKNOWN_KEY,
        format!("unknown key `{key}` in an operation"),
    )
    .with_span(span, "not a known key");
    if key == ROOT_KEY {
        return d.with_help(
            "`x-gateway` belongs at the document root; operations take `x-gateway-<area>` keys",
        );
    }
    if PATH_ITEM_KEYS.contains(&key) {
        return d
            .with_help("`x-gateway-any-method` belongs in a path item, beside `get`, `post`, …");
    }
    match de::did_you_mean(suffix, suffixes) {
        Some(best) => d.with_help(format!("did you mean `x-gateway-{best}`?")),
        None => d.with_help(format!("expected {}", de::one_of(&OPERATION_KEYS))),
    }
}

/// Every per-operation extension of one operation, each with the span of its value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OperationExtensions {
    /// `x-gateway-integration`.
    pub integration: Option<Spanned<Integration>>,
    /// `x-gateway-auth`.
    pub auth: Option<Spanned<OperationAuth>>,
    /// `x-gateway-api-key`.
    pub api_key: Option<Spanned<ApiKeyRequirement>>,
    /// `x-gateway-throttle`.
    pub throttle: Option<Spanned<Throttle>>,
    /// `x-gateway-cache`.
    pub cache: Option<Spanned<OperationCache>>,
    /// `x-gateway-waf`.
    pub waf: Option<Spanned<OperationWaf>>,
    /// `x-gateway-validate`.
    pub validate: Option<Spanned<OperationValidate>>,
    /// `x-gateway-cors`.
    pub cors: Option<Spanned<Cors>>,
}

/// Reads every `x-gateway*` key among an operation object's entries (other keys are
/// ignored), reporting as [`read_operation_ext`] does.
pub fn read_operation(entries: &[Entry], diags: &mut Diagnostics) -> OperationExtensions {
    let mut out = OperationExtensions::default();
    for entry in entries {
        let Some(ext) = read_operation_ext(&entry.key, entry.key_span, &entry.value, diags) else {
            continue;
        };
        let span = entry.value.span;
        match ext {
            OperationExt::Integration(v) => out.integration = Some(Spanned::new(v, span)),
            OperationExt::Auth(v) => out.auth = Some(Spanned::new(v, span)),
            OperationExt::ApiKey(v) => out.api_key = Some(Spanned::new(v, span)),
            OperationExt::Throttle(v) => out.throttle = Some(Spanned::new(v, span)),
            OperationExt::Cache(v) => out.cache = Some(Spanned::new(v, span)),
            OperationExt::Waf(v) => out.waf = Some(Spanned::new(v, span)),
            OperationExt::Validate(v) => out.validate = Some(Spanned::new(v, span)),
            OperationExt::Cors(v) => out.cors = Some(Spanned::new(v, span)),
        }
    }
    out
}
