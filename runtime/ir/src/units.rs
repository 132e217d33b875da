//! Durations and sizes as humans write them in specs (`29s`, `5m`, `256MiB`).
//!
//! The IR stores plain integers ([`Millis`], [`ByteSize`]) so the runtime never re-parses; the
//! parsers live here so the compiler and the `#[gateway]` macro accept exactly the same forms.

use serde::{Deserialize, Serialize};

/// A duration in milliseconds; integer so that it is `Copy`, `Eq` and emitted as a literal.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Millis(pub u64);

/// A size in bytes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ByteSize(pub u64);

/// Why a duration or size string was rejected; the message is shown to spec authors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The text has no leading number.
    #[error("`{0}` does not start with a number")]
    NoNumber(String),
    /// The suffix is not one we know.
    #[error("unknown unit `{unit}` in `{text}`; expected one of {expected}")]
    UnknownUnit {
        /// The whole text.
        text: String,
        /// The suffix that was not recognised.
        unit: String,
        /// The accepted suffixes, for the help line.
        expected: &'static str,
    },
    /// The value does not fit in 64 bits.
    #[error("`{0}` is too large")]
    Overflow(String),
}

/// Suffixes accepted by [`Millis::parse`], for messages and docs.
pub const DURATION_UNITS: &str = "`ms`, `s`, `m`, `h`, `d`";
/// Suffixes accepted by [`ByteSize::parse`], for messages and docs.
pub const SIZE_UNITS: &str = "`B`, `KB`, `MB`, `GB`, `KiB`, `MiB`, `GiB`";

fn split_number(text: &str) -> Result<(u64, &str), UnitError> {
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(UnitError::NoNumber(text.to_owned()));
    }
    let number = trimmed[..digits]
        .parse::<u64>()
        .map_err(|_| UnitError::Overflow(text.to_owned()))?;
    Ok((number, trimmed[digits..].trim_start()))
}

impl Millis {
    /// Parses `250ms`, `29s`, `5m`, `1h`, `1d`; a bare number means seconds (as AWS's fields do).
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        let (n, unit) = split_number(text)?;
        let factor = match unit {
            "ms" => 1,
            "" | "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            other => {
                return Err(UnitError::UnknownUnit {
                    text: text.to_owned(),
                    unit: other.to_owned(),
                    expected: DURATION_UNITS,
                });
            }
        };
        n.checked_mul(factor)
            .map(Millis)
            .ok_or_else(|| UnitError::Overflow(text.to_owned()))
    }

    /// As a `std::time::Duration`, for timers.
    pub const fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.0)
    }
}

impl ByteSize {
    /// Parses `512`, `10MB`, `256MiB`, `1GiB`; a bare number means bytes.
    pub fn parse(text: &str) -> Result<Self, UnitError> {
        let (n, unit) = split_number(text)?;
        let factor: u64 = match unit {
            "" | "B" => 1,
            "KB" | "kB" => 1_000,
            "MB" => 1_000_000,
            "GB" => 1_000_000_000,
            "KiB" => 1 << 10,
            "MiB" => 1 << 20,
            "GiB" => 1 << 30,
            other => {
                return Err(UnitError::UnknownUnit {
                    text: text.to_owned(),
                    unit: other.to_owned(),
                    expected: SIZE_UNITS,
                });
            }
        };
        n.checked_mul(factor)
            .map(ByteSize)
            .ok_or_else(|| UnitError::Overflow(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(Millis::parse("29s"), Ok(Millis(29_000)));
        assert_eq!(Millis::parse("250ms"), Ok(Millis(250)));
        assert_eq!(Millis::parse("5m"), Ok(Millis(300_000)));
        assert_eq!(Millis::parse("10"), Ok(Millis(10_000)));
        assert!(matches!(
            Millis::parse("5 weeks"),
            Err(UnitError::UnknownUnit { .. })
        ));
        assert!(matches!(Millis::parse("s"), Err(UnitError::NoNumber(_))));
        assert!(matches!(
            Millis::parse("99999999999999999999d"),
            Err(UnitError::Overflow(_))
        ));
    }

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("10MiB"), Ok(ByteSize(10 << 20)));
        assert_eq!(ByteSize::parse("1 GB"), Ok(ByteSize(1_000_000_000)));
        assert_eq!(ByteSize::parse("512"), Ok(ByteSize(512)));
        assert!(ByteSize::parse("12 parsecs").is_err());
    }
}
