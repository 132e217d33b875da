//! A small spanned JSON reader: JSON text → [`Node`] tree with byte spans.
//!
//! Why not read JSON through the YAML parser: the large real documents are JSON (Kubernetes is
//! 3.7 MB) and saphyr's character-at-a-time scanner is several times slower on them than this
//! byte-level reader (measured numbers are in `compiler/benches/load.rs`'s output and the loader
//! report). It is strict RFC 8259 JSON (no comments, no trailing commas) with the same limits
//! and duplicate-key check as the YAML path. Recursion is bounded by [`Limits::max_depth`].

use super::dedupe::check_duplicate_keys;
use super::tree::{Entry, Node, Value};
use super::{Limits, codes};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// Why parsing stopped, and where (byte offset).
pub(super) struct SyntaxError {
    at: usize,
    message: String,
    too_deep: bool,
}

impl SyntaxError {
    /// True when the nesting limit, not the syntax, stopped the reader.
    pub(super) fn is_too_deep(&self) -> bool {
        self.too_deep
    }

    /// The diagnostic for this error in `file`.
    pub(super) fn into_diagnostic(self, file: FileId, text: &str, limits: &Limits) -> Diagnostic {
        let at = self.at.min(text.len());
        let end = (at + 1..=text.len())
            .find(|&e| text.is_char_boundary(e))
            .unwrap_or(at);
        let span = Span::new(file, at, end);
        if self.too_deep {
            return Diagnostic::error(
                codes::TOO_DEEP,
                format!("nesting deeper than {} levels", limits.max_depth),
            )
            .with_span(span, "the limit is reached here")
            .with_help("no real OpenAPI document nests this deep; flatten it with `$ref`s");
        }
        Diagnostic::error(codes::SYNTAX, format!("JSON syntax error: {}", self.message))
            .with_span(span, "here")
            .with_help("JSON allows no comments, trailing commas or unquoted keys; check this spot and the line before")
    }
}

/// Parses JSON `text` of `file`. Duplicate keys go to `diags`; a syntax error is returned so the
/// caller can decide whether to report it or retry the text as YAML.
pub(super) fn parse(
    file: FileId,
    text: &str,
    limits: &Limits,
    diags: &mut Diagnostics,
) -> Result<Node, SyntaxError> {
    let mut p = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        file,
        max_depth: limits.max_depth,
        diags,
    };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected text after the end of the document"));
    }
    Ok(node)
}

struct Reader<'a, 'd> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    max_depth: usize,
    diags: &'d mut Diagnostics,
}

impl Reader<'_, '_> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            at: self.pos,
            message: message.into(),
            too_deep: false,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn value(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => return self.object(depth),
            Some(b'[') => return self.array(depth),
            Some(b'"') => Value::Str(self.string()?),
            Some(b't') => self.literal("true", Value::Bool(true))?,
            Some(b'f') => self.literal("false", Value::Bool(false))?,
            Some(b'n') => self.literal("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a value")),
            None => return Err(self.error("unexpected end of input, expected a value")),
        };
        Ok(Node {
            value,
            span: self.span(start),
        })
    }

    fn enter(&self, depth: usize) -> Result<usize, SyntaxError> {
        if depth >= self.max_depth {
            return Err(SyntaxError {
                at: self.pos,
                message: String::new(),
                too_deep: true,
            });
        }
        Ok(depth + 1)
    }

    fn object(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let depth = self.enter(depth)?;
        let start = self.pos;
        self.pos += 1; // '{'
        let mut entries = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a string key"));
                }
                let key_start = self.pos;
                let key = self.string()?;
                let key_span = self.span(key_start);
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.error("expected `:` after the key"));
                }
                self.pos += 1;
                self.skip_ws();
                let value = self.value(depth)?;
                entries.push(Entry {
                    key,
                    key_span,
                    value,
                });
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `}`")),
                }
            }
        }
        check_duplicate_keys(&mut entries, self.diags);
        Ok(Node {
            value: Value::Map(entries),
            span: self.span(start),
        })
    }

    fn array(&mut self, depth: usize) -> Result<Node, SyntaxError> {
        let depth = self.enter(depth)?;
        let start = self.pos;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                items.push(self.value(depth)?);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected `,` or `]`")),
                }
            }
        }
        Ok(Node {
            value: Value::Seq(items),
            span: self.span(start),
        })
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error(format!("expected `{word}`")))
        }
    }

    fn digits(&mut self) -> usize {
        let n = self.bytes[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.pos += n;
        n
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("expected a digit")),
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after `.`"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if integer && let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Int(i));
        }
        text.parse::<f64>()
            .map(Value::Float)
            .map_err(|_| SyntaxError {
                at: start,
                message: "not a number".to_owned(),
                too_deep: false,
            })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
        let n = u32::from_str_radix(digits, 16)
            .map_err(|_| self.error("expected four hex digits after `\\u`"))?;
        self.pos += 4;
        Ok(n)
    }

    /// Reads a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // '"'
        let start = self.pos;
        // Fast path: no escapes.
        let run = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        let Some(run) = run else {
            return Err(self.error("unterminated string"));
        };
        self.pos = start + run;
        if self.bytes[self.pos] == b'"' {
            self.pos += 1;
            return Ok(self.text[start..start + run].to_owned());
        }
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(esc) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            // A lone surrogate has no UTF-8 form: keep going with U+FFFD, as
                            // browsers and serde_json's lossy mode do.
                            out.push(c.unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.error("unknown escape sequence"));
                        }
                    }
                }
                b if b < 0x20 => {
                    return Err(self.error("control character in a string (escape it)"));
                }
                _ => {
                    let run = self.bytes[self.pos..]
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                        .unwrap_or(self.bytes.len() - self.pos);
                    out.push_str(&self.text[self.pos..self.pos + run]);
                    self.pos += run;
                }
            }
        }
    }
}
