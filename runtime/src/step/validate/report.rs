//! `$context.error.validationErrorString`: the text AWS gives a refused body, so that a
//! spec's `BAD_REQUEST_BODY` template (and the access log) can tell the client what is wrong.
//!
//! AWS validates with a draft-4 validator whose messages clients and tests have come to read:
//! a bracketed list, comma-space separated, one message per failure, such as
//! `[object has missing required properties (["name"]), instance value ("x") not found in enum
//! (possible values: ["a","b"])]`. We validate with the `jsonschema` crate (2020-12), so the
//! common keywords (type, enum, required, additional properties, bounds, lengths, pattern,
//! item and property counts, unique items, the combinators) are reworded here to that form,
//! values written as compact JSON; a keyword without an established wording keeps the
//! crate's own message. Missing properties of one object are reported together, as draft-4
//! validators do. Built only when a request is refused: never on an accepted request.

use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};

/// At most this many failures are listed (the rest would only lengthen the answer).
const MAX_ERRORS: usize = 10;

/// The validation error string of a value that fails `schema`, and the log-only detail
/// (each failure with its JSON pointer).
pub(super) fn body_errors(
    schema: &jsonschema::Validator,
    value: &serde_json::Value,
) -> (String, String) {
    let mut messages: Vec<String> = Vec::new();
    let mut detail = String::from("body fails its schema:");
    // Missing properties are gathered per object (pointer → names), in first-seen order.
    let mut missing: Vec<(String, Vec<serde_json::Value>, usize)> = Vec::new();
    for error in schema.iter_errors(value).take(MAX_ERRORS * 2) {
        let pointer = error.instance_path().to_string();
        if messages.len() < 3 {
            let _ = write!(detail, " [{pointer}: {error}]");
        }
        if let ValidationErrorKind::Required { property } = error.kind() {
            match missing.iter_mut().find(|(p, _, _)| *p == pointer) {
                Some((_, names, _)) => names.push(property.clone()),
                None => {
                    // A placeholder keeps the message's place in the list.
                    missing.push((pointer, vec![property.clone()], messages.len()));
                    messages.push(String::new());
                }
            }
            continue;
        }
        if messages.len() >= MAX_ERRORS {
            continue;
        }
        messages.push(message(error.kind(), error.instance(), &error.to_string()));
    }
    for (_, mut names, at) in missing {
        names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        names.dedup();
        messages[at] = format!(
            "object has missing required properties ({})",
            serde_json::Value::Array(names)
        );
    }
    messages.truncate(MAX_ERRORS);
    (list(&messages), detail)
}

/// `[a, b]`: the list form AWS's string takes.
pub(super) fn list<S: AsRef<str>>(messages: &[S]) -> String {
    let mut out = String::from("[");
    for (i, m) in messages.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(m.as_ref());
    }
    out.push(']');
    out
}

/// One failure in the draft-4 validator's words; `fallback` (the crate's message) for a
/// keyword that has none.
fn message(kind: &ValidationErrorKind, instance: &serde_json::Value, fallback: &str) -> String {
    use ValidationErrorKind as K;
    let json = |v: &serde_json::Value| v.to_string();
    match kind {
        K::Type { kind } => {
            let allowed: Vec<serde_json::Value> = match kind {
                TypeKind::Single(t) => vec![t.as_str().into()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.as_str().into()).collect(),
            };
            format!(
                "instance type ({}) does not match any allowed primitive type (allowed: {})",
                type_name(instance),
                serde_json::Value::Array(allowed)
            )
        }
        K::Enum { options } => format!(
            "instance value ({}) not found in enum (possible values: {})",
            json(instance),
            json(options)
        ),
        K::Constant { expected_value } => format!(
            "instance value ({}) not found in enum (possible values: [{}])",
            json(instance),
            json(expected_value)
        ),
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            format!(
                "object instance has properties which are not allowed by the schema: {}",
                serde_json::Value::from(unexpected.clone())
            )
        }
        K::Minimum { limit } => format!(
            "numeric instance is lower than the required minimum (minimum: {limit}, found: {instance})"
        ),
        K::Maximum { limit } => format!(
            "numeric instance is greater than the required maximum (maximum: {limit}, found: {instance})"
        ),
        K::ExclusiveMinimum { limit } => {
            format!("numeric instance is not strictly greater than the required minimum {limit}")
        }
        K::ExclusiveMaximum { limit } => {
            format!("numeric instance is not strictly lower than the required maximum {limit}")
        }
        K::MinLength { limit } => match instance.as_str() {
            Some(s) => format!(
                "string {} is too short (length: {}, required minimum: {limit})",
                json(instance),
                s.chars().count()
            ),
            None => fallback.to_owned(),
        },
        K::MaxLength { limit } => match instance.as_str() {
            Some(s) => format!(
                "string {} is too long (length: {}, maximum allowed: {limit})",
                json(instance),
                s.chars().count()
            ),
            None => fallback.to_owned(),
        },
        K::Pattern { pattern } => format!(
            "ECMA 262 regex {} does not match input string {}",
            serde_json::Value::from(pattern.as_str()),
            json(instance)
        ),
        K::MinItems { limit } => format!(
            "array is too short: must have at least {limit} elements but instance has {} elements",
            instance.as_array().map_or(0, Vec::len)
        ),
        K::MaxItems { limit } => format!(
            "array is too long: must have at most {limit} elements but instance has {} elements",
            instance.as_array().map_or(0, Vec::len)
        ),
        K::UniqueItems => "array must not contain duplicate elements".to_owned(),
        K::MinProperties { limit } => format!(
            "object has too few properties (found {} but schema requires at least {limit})",
            instance.as_object().map_or(0, serde_json::Map::len)
        ),
        K::MaxProperties { limit } => format!(
            "object has too many properties (found {} but schema requires at most {limit})",
            instance.as_object().map_or(0, serde_json::Map::len)
        ),
        K::AnyOf { context } => format!(
            "instance failed to match at least one required schema among {}",
            context.len()
        ),
        K::OneOfNotValid { context } => format!(
            "instance failed to match exactly one schema (matched 0 out of {})",
            context.len()
        ),
        K::OneOfMultipleValid { .. } => {
            "instance failed to match exactly one schema (matched several)".to_owned()
        }
        K::Not { .. } => "instance matched a schema which it should not have".to_owned(),
        _ => fallback.to_owned(),
    }
}

/// The draft-4 name of a value's type (`integer` for a whole number).
fn type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}
