//! A `serde::Deserializer` over the spanned [`Node`] tree that reports every problem.
//!
//! serde's derive stops at the first error. The reader needs more: every unknown key anywhere
//! in an `x-gateway*` block, and every type error, each pointing at its own text. Three things
//! get us there:
//! - **Unknown keys never fail.** `deserialize_struct` is told the struct's field names, so the
//!   map it hands to the derived visitor simply skips keys that are not among them, after
//!   reporting each with a "did you mean" hint. `deny_unknown_fields` on the types is then only
//!   what the JSON Schema says (`additionalProperties: false`).
//! - **Errors are located where they happen.** Every deserializer method wraps the visitor's
//!   error with the span of the node it was reading, reports it once, and passes on a
//!   "reported" marker naming the mapping entry (or sequence item) that failed.
//! - **Retry without the failed entry.** [`read`] runs the derived code again with that entry
//!   hidden, until it succeeds; each round finds the next error. A "missing key" error caused
//!   by hiding an entry is not reported. The number of rounds is bounded by the node count.
//!
//! Internally tagged enums (`{type: mock, status: 200}`) are read through `deserialize_enum`:
//! the `type` entry names the variant and the rest of the same mapping is the variant's
//! struct, so spans and unknown-key reports survive (serde's own `#[serde(tag)]` would buffer
//! the mapping and lose both). The vocabulary types therefore derive plain (externally tagged)
//! enums for serde and say `#[schemars(tag = "type")]` for the schema; they are meant to be
//! read through this module only.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, U32Deserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::codes;
use super::spanned;
use crate::diagnostics::Diagnostic;
use crate::load::{Entry, Node, Value};
use crate::source::Span;

/// State shared by every deserializer of one read: findings and the entries hidden for retry.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    diags: RefCell<Vec<Diagnostic>>,
    /// (code, span, message) of every finding, so retries do not repeat one.
    seen: RefCell<HashSet<(&'static str, Option<Span>, String)>>,
    skipped: RefCell<HashSet<Span>>,
    unknown: RefCell<Vec<Span>>,
}

impl Ctx {
    pub(crate) fn new() -> Ctx {
        Ctx::default()
    }

    /// Records a finding unless the same one was already recorded (retries see errors again).
    pub(crate) fn report(&self, d: Diagnostic) {
        let key = (
            d.code,
            d.primary.as_ref().map(|l| l.span),
            d.message.clone(),
        );
        if self.seen.borrow_mut().insert(key) {
            self.diags.borrow_mut().push(d);
        }
    }

    fn is_skipped(&self, span: Span) -> bool {
        self.skipped.borrow().contains(&span)
    }

    fn error_count(&self) -> usize {
        self.diags
            .borrow()
            .iter()
            .filter(|d| d.severity == crate::Severity::Error)
            .count()
    }

    /// Key spans reported as unknown, so later walks do not report them again.
    pub(crate) fn unknown_keys(&self) -> Vec<Span> {
        self.unknown.borrow().clone()
    }

    /// Everything recorded, in order.
    pub(crate) fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.diags.borrow_mut())
    }
}

/// The best candidate close to `word`, for "did you mean" hints.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| !c.starts_with('$'))
        .map(|c| {
            let score = if c.eq_ignore_ascii_case(word) {
                2.0
            } else {
                strsim::jaro_winkler(&lower, &c.to_ascii_lowercase())
            };
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// "one of `a`, `b`, `c`" for help lines.
pub(crate) fn one_of(candidates: &[&str]) -> String {
    let list: Vec<String> = candidates
        .iter()
        .filter(|c| !c.starts_with('$'))
        .map(|c| format!("`{c}`"))
        .collect();
    match list.len() {
        0 => "nothing".to_owned(),
        1 => list.concat(),
        _ => format!("one of {}", list.join(", ")),
    }
}

/// The unknown-key finding, shared with the per-operation key check.
pub(crate) fn unknown_key(key: &str, span: Span, within: &str, known: &[&str]) -> Diagnostic {
    let d = Diagnostic::error(
        codes::UNKNOWN_KEY,
        format!("unknown key `{key}` in `{within}`"),
    )
    .with_span(span, "not a known key");
    match did_you_mean(key, known.iter().copied()) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None => d.with_help(format!("expected {}", one_of(known))),
    }
}

/// The error type of the node deserializer: either a finding not yet tied to a span, or the
/// marker that it has been reported, plus which entry to hide on the next round.
/// Separates a value parser's message from its help line (`"bad\nhelp: write this"`), so
/// that parsers of string values can say what to write instead.
pub(crate) const HELP_SEPARATOR: &str = "\nhelp: ";

#[derive(Debug)]
pub(crate) struct Error {
    kind: Kind,
    target: Option<Span>,
}

#[derive(Debug)]
enum Kind {
    Invalid {
        code: &'static str,
        message: String,
        help: Option<String>,
    },
    WrongType {
        expected: String,
    },
    MissingField(&'static str),
    Reported,
}

impl Error {
    fn new(kind: Kind) -> Error {
        Error { kind, target: None }
    }

    fn reported(target: Option<Span>) -> Error {
        Error {
            kind: Kind::Reported,
            target,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Invalid { message, .. } => f.write_str(message),
            Kind::WrongType { expected } => write!(f, "expected {expected}"),
            Kind::MissingField(name) => write!(f, "missing key `{name}`"),
            Kind::Reported => f.write_str("already reported"),
        }
    }
}

impl std::error::Error for Error {}

/// Turns serde's "expected" wording into what a spec author reads.
fn humanize_expected(exp: &str) -> String {
    match exp {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a map" => "a mapping".to_owned(),
        "unit" => "null".to_owned(),
        other if other.starts_with("struct ") || other.starts_with("map ") => {
            "a mapping".to_owned()
        }
        other if other.starts_with("enum ") => "one of the listed values".to_owned(),
        other => other.to_owned(),
    }
}

impl de::Error for Error {
    /// A message may carry its help line after [`HELP_SEPARATOR`].
    fn custom<T: fmt::Display>(msg: T) -> Error {
        let msg = msg.to_string();
        let (message, help) = match msg.split_once(HELP_SEPARATOR) {
            Some((message, help)) => (message.to_owned(), Some(help.to_owned())),
            None => (msg, None),
        };
        Error::new(Kind::Invalid {
            code: codes::INVALID_VALUE,
            message,
            help,
        })
    }

    fn invalid_type(_unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Error {
        Error::new(Kind::WrongType {
            expected: humanize_expected(&exp.to_string()),
        })
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Error {
        Error::new(Kind::Invalid {
            code: codes::INVALID_VALUE,
            message: format!(
                "invalid value {unexp}, expected {}",
                humanize_expected(&exp.to_string())
            ),
            help: None,
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Error {
        Error::new(Kind::Invalid {
            code: codes::INVALID_VALUE,
            message: format!("unknown value `{variant}`"),
            help: Some(match did_you_mean(variant, expected.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("expected {}", one_of(expected)),
            }),
        })
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Error {
        Error::new(Kind::Invalid {
            code: codes::UNKNOWN_KEY,
            message: format!("unknown key `{field}`"),
            help: Some(match did_you_mean(field, expected.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None => format!("expected {}", one_of(expected)),
            }),
        })
    }

    fn missing_field(field: &'static str) -> Error {
        Error::new(Kind::MissingField(field))
    }
}

/// Enums written as a mapping whose `type` names the variant; every other enum is a plain
/// string. (serde tells `deserialize_enum` the enum's name, not its shape.)
const TAGGED_ENUMS: [&str; 3] = ["Integration", "Authorizer", "WafRule"];

/// Deserializes one node. `Copy`: it is only references.
#[derive(Clone, Copy)]
pub(crate) struct NodeDe<'a> {
    node: &'a Node,
    ctx: &'a Ctx,
    /// Dotted key path for messages, e.g. `x-gateway.limits.max_body`.
    path: &'a str,
    /// The key this node is the value of, for "missing key" labels.
    key_span: Option<Span>,
    /// Reading a tagged enum's variant struct: the `type` entry is not a field.
    skip_tag: bool,
}

impl<'a> NodeDe<'a> {
    pub(crate) fn new(node: &'a Node, path: &'a str, key_span: Option<Span>, ctx: &'a Ctx) -> Self {
        NodeDe {
            node,
            ctx,
            path,
            key_span,
            skip_tag: false,
        }
    }

    /// Ties a pending error to this node and reports it.
    fn fail(self, err: Error) -> Error {
        let target = err.target;
        let diag = match err.kind {
            Kind::Reported => return err,
            Kind::WrongType { expected } => Diagnostic::error(
                codes::INVALID_TYPE,
                format!(
                    "`{}` must be {expected}, not {}",
                    self.path,
                    self.node.kind_name()
                ),
            )
            .with_span(self.node.span, format!("expected {expected}"))
            .with_help_if(
                yaml11_boolean_hint(&expected, self.node)
                    .or_else(|| quote_hint(&expected, self.node))
                    .or_else(|| empty_hint(&expected, self.node))
                    .or_else(|| unit_hint(&expected, self.node)),
            ),
            Kind::Invalid {
                code,
                message,
                help,
            } => {
                let d = Diagnostic::error(code, format!("`{}`: {message}", self.path))
                    .with_span(self.node.span, "invalid value");
                match help {
                    Some(h) => d.with_help(h),
                    None => d,
                }
            }
            Kind::MissingField(name) => {
                let hidden = self.node.as_map().is_some_and(|entries| {
                    entries
                        .iter()
                        .any(|e| e.key == name && self.ctx.is_skipped(e.key_span))
                });
                if hidden {
                    return Error::reported(target);
                }
                Diagnostic::error(
                    codes::MISSING_KEY,
                    format!("`{}` is missing the required key `{name}`", self.path),
                )
                .with_span(
                    self.key_span.unwrap_or(self.node.span),
                    format!("`{name}` is required here"),
                )
            }
        };
        self.ctx.report(diag);
        Error::reported(target)
    }

    fn wrong_type(self, expected: &str) -> Error {
        self.fail(Error::new(Kind::WrongType {
            expected: expected.to_owned(),
        }))
    }

    fn map_access(
        self,
        entries: &'a [Entry],
        fields: Option<&'static [&'static str]>,
    ) -> MapDe<'a> {
        MapDe {
            de: self,
            entries,
            fields,
            next: 0,
            current: None,
        }
    }
}

/// YAML 1.1 read `yes`/`no`/`on`/`off` as booleans; YAML 1.2 (and so gwc) reads strings.
fn yaml11_boolean_hint(expected: &str, node: &Node) -> Option<String> {
    let text = node.as_str()?;
    let truthy = match text.to_ascii_lowercase().as_str() {
        "yes" | "on" | "y" => true,
        "no" | "off" | "n" => false,
        _ => return None,
    };
    (expected == "a boolean")
        .then(|| format!("YAML 1.2 reads `{text}` as a string; write `{truthy}`"))
}

/// A number or boolean where a string is expected: YAML read it as such; quotes keep it text.
fn quote_hint(expected: &str, node: &Node) -> Option<String> {
    let text = match &node.value {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (expected == "a string").then(|| format!("write it in quotes to make it text: `\"{text}\"`"))
}

/// A bare number where a duration or size is expected: say which unit to add.
fn unit_hint(expected: &str, node: &Node) -> Option<String> {
    let Value::Int(n) = node.value else {
        return None;
    };
    if expected.starts_with("a duration") {
        Some(format!("add a unit: `{n}s` (or `{n}ms`, `{n}m`, …)"))
    } else if expected.starts_with("a size") {
        Some(format!("add a unit: `{n}B` (or `{n}KiB`, `{n}MiB`, …)"))
    } else {
        None
    }
}

/// `key:` with nothing after it is null in YAML, not an empty mapping or list.
fn empty_hint(expected: &str, node: &Node) -> Option<String> {
    if !matches!(node.value, Value::Null) {
        return None;
    }
    match expected {
        "a mapping" => Some("write `{}` for an empty mapping".to_owned()),
        "a sequence" => Some("write `[]` for an empty list".to_owned()),
        _ => None,
    }
}

/// Adds an optional help line.
trait WithHelpIf {
    fn with_help_if(self, help: Option<String>) -> Self;
}

impl WithHelpIf for Diagnostic {
    fn with_help_if(self, help: Option<String>) -> Diagnostic {
        match help {
            Some(h) => self.with_help(h),
            None => self,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

impl<'de> Deserializer<'de> for NodeDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let result = match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqDe {
                de: self,
                items,
                next: 0,
            }),
            Value::Map(entries) => visitor.visit_map(self.map_access(entries, None)),
        };
        result.map_err(|e| self.fail(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e| self.fail(e))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.node.value {
            Value::Null => visitor.visit_unit().map_err(|e| self.fail(e)),
            _ => Err(self.wrong_type("null")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self).map_err(|e| self.fail(e))
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Seq(items) => visitor
                .visit_seq(SeqDe {
                    de: self,
                    items,
                    next: 0,
                })
                .map_err(|e| self.fail(e)),
            _ => Err(self.wrong_type("a sequence")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.node.value {
            Value::Map(entries) => visitor
                .visit_map(self.map_access(entries, None))
                .map_err(|e| self.fail(e)),
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if name == spanned::NAME {
            return visitor
                .visit_map(SpannedDe { de: self, next: 0 })
                .map_err(|e| self.fail(e));
        }
        match &self.node.value {
            Value::Map(entries) => visitor
                .visit_map(self.map_access(entries, Some(fields)))
                .map_err(|e| self.fail(e)),
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let unknown = |value: &str, at: NodeDe<'_>| {
            at.fail(Error::new(Kind::Invalid {
                code: codes::INVALID_VALUE,
                message: format!("unknown value `{value}`"),
                help: Some(match did_you_mean(value, variants.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("expected {}", one_of(variants)),
                }),
            }))
        };
        match &self.node.value {
            Value::Str(s) => {
                if !variants.contains(&s.as_str()) {
                    return Err(unknown(s, self));
                }
                visitor
                    .visit_enum(UnitEnum { de: self })
                    .map_err(|e| self.fail(e))
            }
            Value::Map(_) if !TAGGED_ENUMS.contains(&name) => {
                Err(self.wrong_type(&one_of(variants)))
            }
            Value::Map(entries) => {
                let Some(tag) = entries.iter().find(|e| e.key == "type") else {
                    self.ctx.report(
                        Diagnostic::error(
                            codes::MISSING_KEY,
                            format!("`{}` is missing the required key `type`", self.path),
                        )
                        .with_span(
                            self.key_span.unwrap_or(self.node.span),
                            "`type` is required here",
                        )
                        .with_help(format!("`type` is {}", one_of(variants))),
                    );
                    return Err(Error::reported(None));
                };
                let tag_path = join(self.path, "type");
                let tag_de = NodeDe {
                    node: &tag.value,
                    path: &tag_path,
                    key_span: Some(tag.key_span),
                    skip_tag: false,
                    ctx: self.ctx,
                };
                match tag.value.as_str() {
                    None => return Err(tag_de.wrong_type(&one_of(variants))),
                    Some(s) if !variants.contains(&s) => return Err(unknown(s, tag_de)),
                    Some(_) => {}
                }
                visitor
                    .visit_enum(TaggedEnum {
                        de: self,
                        tag: tag_de,
                    })
                    .map_err(|e| self.fail(e))
            }
            _ => Err(self.wrong_type(&one_of(variants))),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit().map_err(|e| self.fail(e))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit_struct tuple tuple_struct identifier
    }
}

/// Entries of a mapping; for a struct, unknown keys are reported and skipped.
struct MapDe<'a> {
    de: NodeDe<'a>,
    entries: &'a [Entry],
    fields: Option<&'static [&'static str]>,
    next: usize,
    current: Option<&'a Entry>,
}

impl<'de> MapAccess<'de> for MapDe<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while let Some(entry) = self.entries.get(self.next) {
            self.next += 1;
            if self.de.ctx.is_skipped(entry.key_span) || (self.de.skip_tag && entry.key == "type") {
                continue;
            }
            if let Some(fields) = self.fields
                && !fields.contains(&entry.key.as_str())
            {
                self.de.ctx.report(unknown_key(
                    &entry.key,
                    entry.key_span,
                    self.de.path,
                    fields,
                ));
                self.de.ctx.unknown.borrow_mut().push(entry.key_span);
                continue;
            }
            self.current = Some(entry);
            let key_node = Node {
                value: Value::Str(entry.key.clone()),
                span: entry.key_span,
            };
            let key_de = NodeDe {
                node: &key_node,
                path: self.de.path,
                key_span: None,
                skip_tag: false,
                ctx: self.de.ctx,
            };
            return seed.deserialize(key_de).map(Some).map_err(|e| {
                let mut e = key_de.fail(e);
                e.target.get_or_insert(entry.key_span);
                e
            });
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom("a value was read before its key"));
        };
        let path = join(self.de.path, &entry.key);
        let value_de = NodeDe {
            node: &entry.value,
            path: &path,
            key_span: Some(entry.key_span),
            skip_tag: false,
            ctx: self.de.ctx,
        };
        seed.deserialize(value_de).map_err(|e| {
            let mut e = value_de.fail(e);
            e.target.get_or_insert(entry.key_span);
            e
        })
    }
}

/// Items of a sequence.
struct SeqDe<'a> {
    de: NodeDe<'a>,
    items: &'a [Node],
    next: usize,
}

impl<'de> SeqAccess<'de> for SeqDe<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        while let Some(item) = self.items.get(self.next) {
            let index = self.next;
            self.next += 1;
            if self.de.ctx.is_skipped(item.span) {
                continue;
            }
            let path = format!("{}[{index}]", self.de.path);
            let item_de = NodeDe {
                node: item,
                path: &path,
                key_span: None,
                skip_tag: false,
                ctx: self.de.ctx,
            };
            return seed.deserialize(item_de).map(Some).map_err(|e| {
                let mut e = item_de.fail(e);
                e.target.get_or_insert(item.span);
                e
            });
        }
        Ok(None)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len().saturating_sub(self.next))
    }
}

/// Answers [`spanned::Spanned`]'s reserved struct: file, start, end, then the value.
struct SpannedDe<'a> {
    de: NodeDe<'a>,
    next: usize,
}

impl<'de> MapAccess<'de> for SpannedDe<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match spanned::FIELDS.get(self.next) {
            Some(name) => seed
                .deserialize(BorrowedStrDeserializer::<Error>::new(name))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let span = self.de.node.span;
        let index = self.next;
        self.next += 1;
        match index {
            0 => seed.deserialize(U32Deserializer::<Error>::new(span.file.0)),
            1 => seed.deserialize(U32Deserializer::<Error>::new(span.start)),
            2 => seed.deserialize(U32Deserializer::<Error>::new(span.end)),
            _ => seed.deserialize(self.de),
        }
    }
}

/// A plain string naming a unit variant (`type: regional`).
struct UnitEnum<'a> {
    de: NodeDe<'a>,
}

impl<'de, 'a> EnumAccess<'de> for UnitEnum<'a> {
    type Error = Error;
    type Variant = UnitEnum<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let v = seed.deserialize(self.de)?;
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for UnitEnum<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        let name = self.de.node.as_str().unwrap_or_default().to_owned();
        Err(self
            .de
            .wrong_type(&format!("a mapping with `type: {name}`")))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(self.de.wrong_type("a mapping"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(self.de.wrong_type("a mapping"))
    }
}

/// A mapping whose `type` entry names the variant; the other entries are the variant's fields.
struct TaggedEnum<'a> {
    de: NodeDe<'a>,
    tag: NodeDe<'a>,
}

impl<'de, 'a> EnumAccess<'de> for TaggedEnum<'a> {
    type Error = Error;
    type Variant = TaggedEnum<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let v = seed.deserialize(self.tag)?;
        Ok((v, self))
    }
}

impl<'de> VariantAccess<'de> for TaggedEnum<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        let entries = self.de.node.as_map().unwrap_or_default();
        for e in entries.iter().filter(|e| e.key != "type") {
            self.de
                .ctx
                .report(unknown_key(&e.key, e.key_span, self.de.path, &["type"]));
            self.de.ctx.unknown.borrow_mut().push(e.key_span);
        }
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(NodeDe {
            skip_tag: true,
            ..self.de
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(self.de.wrong_type("a mapping"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let de = NodeDe {
            skip_tag: true,
            ..self.de
        };
        let entries = de.node.as_map().unwrap_or_default();
        visitor.visit_map(de.map_access(entries, Some(fields)))
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count_nodes(&e.value)).sum(),
        _ => 0,
    }
}

/// Each retry reads the whole value again, so a value with thousands of bad entries would cost
/// thousands of rounds; after this many errors in one value the reader stops and says so.
pub(crate) const MAX_ERRORS: usize = 100;

/// Reads a `T` from `node`, reporting every problem into `ctx`. `None` if any error was found
/// while reading this value (unknown keys alone do not make it `None`).
pub(crate) fn read<T: DeserializeOwned>(
    node: &Node,
    path: &str,
    key_span: Option<Span>,
    ctx: &Ctx,
) -> Option<T> {
    let mut failed = false;
    for _ in 0..count_nodes(node) + 1 {
        let de = NodeDe::new(node, path, key_span, ctx);
        match T::deserialize(de) {
            Ok(value) => return (!failed).then_some(value),
            Err(e) => {
                failed = true;
                let e = de.fail(e);
                if ctx.error_count() >= MAX_ERRORS {
                    ctx.report(
                        Diagnostic::note(
                            codes::TOO_MANY_ERRORS,
                            format!("stopped reading `{path}` after {MAX_ERRORS} errors"),
                        )
                        .with_span(key_span.unwrap_or(node.span), "in this value")
                        .with_help("fix the errors above and run again"),
                    );
                    return None;
                }
                match e.target {
                    Some(span) if !ctx.is_skipped(span) => {
                        ctx.skipped.borrow_mut().insert(span);
                    }
                    _ => return None,
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use schemars::{JsonSchema, SchemaGenerator};

    use super::TAGGED_ENUMS;
    use crate::vocab::{Authorizer, Integration, WafRule};

    /// The list must name exactly the enums whose schema is tagged by `type`.
    #[test]
    fn tagged_enums_are_the_ones_with_a_type_tag() {
        fn tagged<T: JsonSchema>() -> bool {
            let schema = T::json_schema(&mut SchemaGenerator::default()).to_value();
            schema["oneOf"].as_array().is_some_and(|v| {
                v.iter()
                    .all(|b| b.pointer("/properties/type/const").is_some())
            })
        }
        assert!(tagged::<Integration>() && tagged::<Authorizer>() && tagged::<WafRule>());
        assert_eq!(
            TAGGED_ENUMS,
            [
                Integration::schema_name(),
                Authorizer::schema_name(),
                WafRule::schema_name()
            ]
        );
    }
}
