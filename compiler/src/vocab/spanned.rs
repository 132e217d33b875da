//! [`Spanned<T>`]: a vocabulary value together with where the spec writes it.
//!
//! Later stages must point at the exact text of a reference (the authorizer name an operation
//! uses, the stage named by `default_stage`), long after the typed value was read. Like
//! `serde_spanned` does for TOML, `Spanned<T>` deserializes through a struct with a reserved
//! name that only our node deserializer ([`super::de`]) understands: it answers with the
//! node's file and byte range, then with the value itself.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use schemars::{JsonSchema, SchemaGenerator};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};

use crate::source::{FileId, Span};

/// Reserved struct name recognised by the node deserializer.
pub(crate) const NAME: &str = "$gwc::private::Spanned";
/// Field carrying the file id.
pub(crate) const FILE: &str = "$gwc::private::Spanned::file";
/// Field carrying the start byte offset.
pub(crate) const START: &str = "$gwc::private::Spanned::start";
/// Field carrying the end byte offset.
pub(crate) const END: &str = "$gwc::private::Spanned::end";
/// Field carrying the value itself.
pub(crate) const VALUE: &str = "$gwc::private::Spanned::value";
/// The fields, in the order the deserializer yields them.
pub(crate) const FIELDS: &[&str] = &[FILE, START, END, VALUE];

/// A value and the span of the spec text it was read from.
///
/// Equality, ordering and hashing look at the value only, so `Spanned<String>` works as a map
/// key and `map.get("prod")` finds the entry written as `prod:` anywhere.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written (for a mapping key: the key text).
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Wraps a value with a span, e.g. for values a lowering step synthesises.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }

    /// The value, by reference.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// The value, dropping the span.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

impl<T: Hash> Hash for Spanned<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T: PartialOrd> PartialOrd for Spanned<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for Spanned<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

// `String`'s `Hash`/`Eq` agree with `str`'s, and ours delegate to `String`'s.
impl Borrow<str> for Spanned<String> {
    fn borrow(&self) -> &str {
        &self.value
    }
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// The schema of a spanned value is the schema of the value: spans are not written by authors.
impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(NAME, FIELDS, SpannedVisitor(PhantomData))
    }
}

struct SpannedVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SpannedVisitor<T> {
    type Value = Spanned<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value read by gwc's spec reader (spans are only known there)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Spanned<T>, A::Error> {
        let mut next_u32 = |name: &'static str| -> Result<u32, A::Error> {
            match map.next_key::<&str>()? {
                Some(k) if k == name => map.next_value::<u32>(),
                _ => Err(de::Error::custom("spanned value read outside gwc's reader")),
            }
        };
        let file = next_u32(FILE)?;
        let start = next_u32(START)?;
        let end = next_u32(END)?;
        match map.next_key::<&str>()? {
            Some(k) if k == VALUE => {}
            _ => return Err(de::Error::custom("spanned value read outside gwc's reader")),
        }
        let value = map.next_value::<T>()?;
        Ok(Spanned {
            value,
            span: Span {
                file: FileId(file),
                start,
                end,
            },
        })
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}
