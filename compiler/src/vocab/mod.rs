//! The `x-gateway` vocabulary: typed Rust structs for every extension key, read from the
//! spanned document tree with diagnostics.
//!
//! The types are the single source of truth. The JSON Schema (`docs/x-gateway.schema.json`,
//! [`schema::json_schema`]) and the reference page (`docs/extensions.md`,
//! [`docs::reference`]) are generated from them, and a test fails when the committed files
//! drift. Reading goes through a node deserializer (`vocab::de`) so that every unknown key, type
//! error and bad value is reported at its own line and column in one run, and values that are
//! references (authorizer names, stage names) keep their span as [`Spanned`]. Keys the runtime
//! does not implement yet are reported by [`support`], never silently ignored.

mod convert;
mod de;
pub mod docs;
mod operation;
mod root;
pub mod schema;
mod spanned;
pub mod support;
mod units;

pub use convert::header_pairs;
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
    /// A note: reading one value stopped after many errors (each error costs a re-read).
    pub const TOO_MANY_ERRORS: &str = "gwc::lower::too_many_errors";

    /// Every code, for the reference page.
    pub const ALL: [(&str, &str); 6] = [
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
        (
            TOO_MANY_ERRORS,
            "a note: reading one value stopped after 100 errors; fix those and run again",
        ),
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
    /// `x-gateway-integration` (boxed: by far the largest variant).
    Integration(Box<Integration>),
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
        "x-gateway-integration" => {
            de::read(node, key, at, &ctx).map(|i| OperationExt::Integration(Box::new(i)))
        }
        "x-gateway-auth" => de::read(node, key, at, &ctx).map(OperationExt::Auth),
        "x-gateway-api-key" => de::read(node, key, at, &ctx).map(OperationExt::ApiKey),
        "x-gateway-throttle" => de::read(node, key, at, &ctx).map(OperationExt::Throttle),
        "x-gateway-cache" => de::read(node, key, at, &ctx).map(OperationExt::Cache),
        "x-gateway-waf" => de::read(node, key, at, &ctx).map(OperationExt::Waf),
        "x-gateway-validate" => de::read(node, key, at, &ctx).map(OperationExt::Validate),
        "x-gateway-cors" => de::read(node, key, at, &ctx).map(OperationExt::Cors),
        _ => {
            check_key_place(key, key_span, KeyPlace::Operation, diags);
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

/// Where in an OpenAPI document an `x-gateway*` key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    /// The document root (where `x-gateway` belongs).
    Document,
    /// A path item (where `x-gateway-any-method` belongs).
    PathItem,
    /// An operation object (where `x-gateway-<area>` keys belong).
    Operation,
}

/// Checks that an `x-gateway*` key belongs where it was found, reporting an unknown or
/// misplaced key (`gwc::lower::unknown_key`) with a hint ("did you mean", or where it goes).
/// Returns true when the key belongs there; keys outside the vocabulary
/// ([`is_vocabulary_key`] false) are not ours and give false without a finding.
///
/// The loader calls this for the document root and path items; [`read_operation_ext`] does
/// the same for operation keys itself.
pub fn check_key_place(
    key: &str,
    key_span: Span,
    place: KeyPlace,
    diags: &mut Diagnostics,
) -> bool {
    let any_method = PATH_ITEM_KEYS[0];
    if !is_vocabulary_key(key) {
        warn_near_miss(key, key_span, diags);
        return false;
    }
    let belongs = match place {
        KeyPlace::Document => key == ROOT_KEY,
        KeyPlace::PathItem => key == any_method,
        KeyPlace::Operation => OPERATION_KEYS.contains(&key),
    };
    if belongs {
        return true;
    }
    let (within, known): (&str, &[&str]) = match place {
        KeyPlace::Document => ("the document root", &[ROOT_KEY]),
        KeyPlace::PathItem => ("a path item", &[any_method]),
        KeyPlace::Operation => ("an operation", &OPERATION_KEYS),
    };
    let d = crate::Diagnostic::error(
        codes::UNKNOWN_KEY,
        format!("unknown key `{key}` in {within}"),
    )
    .with_span(key_span, "not a known key");
    let help = if OPERATION_KEYS.contains(&key) {
        format!("`{key}` belongs on an operation (under `get`, `post`, … or `{any_method}`)")
    } else if key == ROOT_KEY {
        "`x-gateway` belongs at the document root".to_owned()
    } else if key == any_method {
        format!("`{any_method}` belongs in a path item, beside `get`, `post`, …")
    } else {
        let candidates: Vec<&str> = match place {
            KeyPlace::Operation => OPERATION_KEYS.to_vec(),
            _ => [ROOT_KEY, any_method]
                .into_iter()
                .chain(OPERATION_KEYS)
                .collect(),
        };
        let stripped = |k: &'static str| k.strip_prefix("x-gateway-").unwrap_or(k);
        let suffix = key.strip_prefix("x-gateway-").unwrap_or(key);
        match de::did_you_mean(suffix, candidates.iter().map(|k| stripped(k))) {
            Some(best) => {
                let full = candidates
                    .iter()
                    .find(|k| stripped(k) == best)
                    .copied()
                    .unwrap_or(best);
                format!("did you mean `{full}`?")
            }
            None => format!("expected {}", de::one_of(known)),
        }
    };
    diags.push(d.with_help(help));
    false
}

/// Another vendor's extension is none of our business, but one spelled almost like ours
/// (`x-gatway`) is probably a typo that would otherwise be ignored silently: a warning.
fn warn_near_miss(key: &str, key_span: Span, diags: &mut Diagnostics) {
    if !key.starts_with("x-") || key.starts_with("x-amazon-") {
        return;
    }
    let ours = [ROOT_KEY, PATH_ITEM_KEYS[0]]
        .into_iter()
        .chain(OPERATION_KEYS);
    let best = ours
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score >= 0.93)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, best)) = best {
        diags.push(
            crate::Diagnostic::warning(
                codes::UNKNOWN_KEY,
                format!("`{key}` is not a gwc key and is ignored"),
            )
            .with_span(key_span, "ignored")
            .with_help(format!("did you mean `{best}`?")),
        );
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
/// ignored), reporting as [`read_operation_ext`] does. Takes `&[Entry]`, `&Vec<Entry>` or an
/// iterator of `&Entry` (e.g. only the extension entries of an operation view).
pub fn read_operation<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    diags: &mut Diagnostics,
) -> OperationExtensions {
    let mut out = OperationExtensions::default();
    for entry in entries {
        let Some(ext) = read_operation_ext(&entry.key, entry.key_span, &entry.value, diags) else {
            continue;
        };
        let span = entry.value.span;
        match ext {
            OperationExt::Integration(v) => out.integration = Some(Spanned::new(*v, span)),
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
