//! Durations and sizes as spec authors write them (`29s`, `5m`, `256MiB`).
//!
//! The parsing is `gwc_ir`'s ([`gwc_ir::Millis::parse`], [`gwc_ir::ByteSize::parse`]) so the
//! compiler, the `#[gateway]` macro and the runtime accept exactly the same forms. Here the
//! values get serde and JSON Schema support: in the schema they are strings with a pattern, so
//! editors flag `29 seconds` before `gwc check` does.

use std::fmt;

use gwc_ir::{ByteSize, Millis};
use schemars::{JsonSchema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// JSON Schema pattern of a duration; mirrors [`Millis::parse`].
pub const DURATION_PATTERN: &str = r"^\s*[0-9]+\s*(ms|s|m|h|d)?\s*$";
/// JSON Schema pattern of a size; mirrors [`ByteSize::parse`].
pub const SIZE_PATTERN: &str = r"^\s*[0-9]+\s*(B|KB|kB|MB|GB|KiB|MiB|GiB)?\s*$";

/// A duration such as `250ms`, `29s`, `5m`, `1h` or `1d`; a bare number means seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub Millis);

/// A size such as `512`, `16KiB`, `10MiB` or `1GB`; a bare number means bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size(pub ByteSize);

impl Duration {
    /// A duration of `n` milliseconds (for defaults).
    pub const fn from_millis(n: u64) -> Duration {
        Duration(Millis(n))
    }

    /// A duration of `n` seconds (for defaults).
    pub const fn from_secs(n: u64) -> Duration {
        Duration(Millis(n * 1000))
    }

    /// Milliseconds.
    pub const fn millis(self) -> u64 {
        self.0.0
    }
}

impl Size {
    /// A size of `n` bytes (for defaults).
    pub const fn from_bytes(n: u64) -> Size {
        Size(ByteSize(n))
    }

    /// Bytes.
    pub const fn bytes(self) -> u64 {
        self.0.0
    }
}

/// Writes the largest unit that divides the value exactly, so defaults read as authors write them.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis();
        const UNITS: [(u64, &str); 4] = [
            (86_400_000, "d"),
            (3_600_000, "h"),
            (60_000, "m"),
            (1_000, "s"),
        ];
        for (factor, unit) in UNITS {
            if ms != 0 && ms.is_multiple_of(factor) {
                return write!(f, "{}{unit}", ms / factor);
            }
        }
        if ms == 0 {
            f.write_str("0s")
        } else {
            write!(f, "{ms}ms")
        }
    }
}

/// Prefers binary units (`10MiB`), then decimal ones (`10MB`), then bytes.
impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.bytes();
        const UNITS: [(u64, &str); 6] = [
            (1 << 30, "GiB"),
            (1 << 20, "MiB"),
            (1 << 10, "KiB"),
            (1_000_000_000, "GB"),
            (1_000_000, "MB"),
            (1_000, "KB"),
        ];
        for (factor, unit) in UNITS {
            if b != 0 && b.is_multiple_of(factor) {
                return write!(f, "{}{unit}", b / factor);
            }
        }
        write!(f, "{b}B")
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as `29s`, `250ms` or `5m`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
        Millis::parse(v)
            .map(Duration)
            .map_err(|e| E::custom(format!("invalid duration: {e}")))
    }
}

struct SizeVisitor;

impl Visitor<'_> for SizeVisitor {
    type Value = Size;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a size such as `10MiB`, `16KiB` or `512B`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
        ByteSize::parse(v)
            .map(Size)
            .map_err(|e| E::custom(format!("invalid size: {e}")))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_str(DurationVisitor)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Size, D::Error> {
        d.deserialize_str(SizeVisitor)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration: a whole number followed by `ms`, `s`, `m`, `h` or `d` (a bare number means seconds), e.g. `250ms`, `29s`, `5m`.",
        })
    }
}

impl JsonSchema for Size {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        json_schema!({
            "type": "string",
            "pattern": SIZE_PATTERN,
            "description": "A size: a whole number followed by `B`, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024); a bare number means bytes, e.g. `16KiB`, `10MiB`.",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips_through_the_parser() {
        for text in ["29s", "250ms", "5m", "1h", "2d", "0s", "1500ms"] {
            let d = Duration(Millis::parse(text).unwrap_or(Millis(u64::MAX)));
            assert_eq!(d.to_string(), text);
        }
        for text in ["10MiB", "16KiB", "1GiB", "10MB", "512B", "1500B"] {
            let s = Size(ByteSize::parse(text).unwrap_or(ByteSize(u64::MAX)));
            assert_eq!(s.to_string(), text);
        }
    }
}

/// An HTTP status code, 100–599, checked where it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StatusCode(pub u16);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StatusCode, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an HTTP status code (100–599)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusCode, E> {
                match u16::try_from(v) {
                    Ok(code @ 100..=599) => Ok(StatusCode(code)),
                    _ => Err(E::custom(format!(
                        "{v} is not an HTTP status code (100–599)"
                    ))),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
        d.deserialize_u16(V)
    }
}

impl JsonSchema for StatusCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusCode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> schemars::Schema {
        json_schema!({
            "type": "integer",
            "minimum": 100,
            "maximum": 599,
            "description": "An HTTP status code, 100–599.",
        })
    }
}
