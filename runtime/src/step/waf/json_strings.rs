//! The strings of a JSON body (keys and values), read in one pass without building a tree.
//!
//! Detectors inspect a JSON body string by string, as AWS WAF's JSON body inspection does:
//! the structure around them (`{"`, `":`) is syntax, not data, and scanned raw it reads as
//! quotes and operators. Building a `serde_json::Value` for that cost an allocation per node
//! and failed outright on a body cut at the inspection limit (most large bodies), which then
//! fell back to scanning the raw text. This scanner reads the strings as they come, tolerates
//! a body cut mid-way when told it was cut, and refuses anything that is not JSON, so a
//! payload written outside any string (invalid JSON) is still seen by the raw scan.

/// How a scan ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Every string was given to the callback and none matched.
    Clean,
    /// The callback matched on a string.
    Matched,
    /// The body is not JSON (or not a JSON object or array): inspect it as text.
    NotJson,
}

/// Calls `f` on every string of `body` (keys and values, escapes decoded) until it returns
/// true. With `truncated`, the body may end anywhere (its last string is given as far as it
/// goes); otherwise it must be complete JSON.
pub(crate) fn scan(body: &[u8], truncated: bool, f: &mut dyn FnMut(&[u8]) -> bool) -> Scan {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    if !matches!(start.map(|i| body[i]), Some(b'{' | b'[')) {
        return Scan::NotJson;
    }
    let mut depth = 0usize;
    let mut scratch = Vec::new();
    let mut i = start.unwrap_or(0);
    while i < body.len() {
        match body[i] {
            b'"' => {
                let (value, next, complete) = string_at(body, i + 1, &mut scratch);
                if !complete && !truncated {
                    return Scan::NotJson;
                }
                let Some(value) = value else {
                    return Scan::NotJson;
                };
                if f(value) {
                    return Scan::Matched;
                }
                i = next;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = match depth.checked_sub(1) {
                    Some(d) => d,
                    None => return Scan::NotJson,
                };
                if depth == 0 && body[i + 1..].iter().any(|b| !b.is_ascii_whitespace()) {
                    return Scan::NotJson;
                }
            }
            b',' | b':' | b'-' | b'+' | b'.' | b'0'..=b'9' => {}
            b'e' | b'E' | b't' | b'r' | b'u' | b'f' | b'a' | b'l' | b's' | b'n' => {}
            b if b.is_ascii_whitespace() => {}
            _ => return Scan::NotJson,
        }
        i += 1;
    }
    if depth != 0 && !truncated {
        return Scan::NotJson;
    }
    Scan::Clean
}

/// The string starting at `at` (just after its opening quote): its bytes (in `scratch` when
/// it has escapes), the index after its closing quote, and whether it was closed. `None` for a
/// malformed escape.
fn string_at<'a>(
    body: &'a [u8],
    at: usize,
    scratch: &'a mut Vec<u8>,
) -> (Option<&'a [u8]>, usize, bool) {
    let rest = &body[at..];
    let Some(end) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
        return (Some(rest), body.len(), false);
    };
    if rest[end] == b'"' {
        return (Some(&rest[..end]), at + end + 1, true);
    }
    scratch.clear();
    scratch.extend_from_slice(&rest[..end]);
    let mut i = at + end;
    while i < body.len() {
        match body[i] {
            b'"' => return (Some(scratch), i + 1, true),
            b'\\' => {
                let Some(&e) = body.get(i + 1) else {
                    return (Some(scratch), body.len(), false);
                };
                i += 2;
                match e {
                    b'"' | b'\\' | b'/' => scratch.push(e),
                    b'b' => scratch.push(0x08),
                    b'f' => scratch.push(0x0c),
                    b'n' => scratch.push(b'\n'),
                    b'r' => scratch.push(b'\r'),
                    b't' => scratch.push(b'\t'),
                    b'u' => match unicode_escape(body, i, scratch) {
                        Ok(next) => i = next,
                        Err(Cut) => return (Some(scratch), body.len(), false),
                        Err(Malformed) => return (None, i, false),
                    },
                    _ => return (None, i, false),
                }
            }
            b => {
                scratch.push(b);
                i += 1;
            }
        }
    }
    (Some(scratch), body.len(), false)
}

/// Why a `\u` escape could not be read.
enum EscapeError {
    /// The body ends inside it.
    Cut,
    /// It is not four hex digits.
    Malformed,
}
use EscapeError::{Cut, Malformed};

/// Decodes the four hex digits of a `\u` escape at `at` (and a following low surrogate) into UTF-8.
fn unicode_escape(body: &[u8], at: usize, out: &mut Vec<u8>) -> Result<usize, EscapeError> {
    let unit = |i: usize| -> Result<u32, EscapeError> {
        let digits = body.get(i..i + 4).ok_or(Cut)?;
        let text = std::str::from_utf8(digits).map_err(|_| Malformed)?;
        u32::from_str_radix(text, 16).map_err(|_| Malformed)
    };
    let hi = unit(at)?;
    let mut next = at + 4;
    let code = if (0xD800..0xDC00).contains(&hi) && body.get(next..next + 2) == Some(b"\\u") {
        match unit(next + 2) {
            Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                next += 6;
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            }
            _ => hi,
        }
    } else {
        hi
    };
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    let mut buf = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(body: &str, truncated: bool) -> (Scan, Vec<String>) {
        let mut seen = Vec::new();
        let scan = scan(body.as_bytes(), truncated, &mut |s| {
            seen.push(String::from_utf8_lossy(s).into_owned());
            false
        });
        (scan, seen)
    }

    #[test]
    fn keys_and_values_in_order_with_escapes_decoded() {
        let (scan, seen) = strings(
            r#" {"a": "x", "n": [1, -2.5e3, true, null, {"q": "it\"s \\ \u00e9 \ud83d\ude00 \n"}]} "#,
            false,
        );
        assert_eq!(scan, Scan::Clean);
        assert_eq!(seen, ["a", "x", "n", "q", "it\"s \\ é 😀 \n"]);
    }

    #[test]
    fn a_cut_body_gives_what_it_has_only_when_cut() {
        let body = r#"{"items": [{"name": "trail sh"#;
        assert_eq!(
            strings(body, true),
            (
                Scan::Clean,
                vec!["items".into(), "name".into(), "trail sh".into()]
            )
        );
        assert_eq!(strings(body, false).0, Scan::NotJson);
        assert_eq!(strings(r#"{"a": "b\u00"#, true).0, Scan::Clean);
    }

    #[test]
    fn text_outside_strings_is_not_json() {
        for body in [
            r#"{"a": 1 OR 1=1}"#,
            r#"{"a": "b"} <script>"#,
            "' OR 1=1 --",
            r#"{"a": "\q"}"#,
            r#"{"a": "b"}}"#,
            "",
            "42",
        ] {
            assert_eq!(strings(body, false).0, Scan::NotJson, "{body}");
        }
    }

    #[test]
    fn the_callback_stops_the_scan() {
        let mut calls = 0;
        let scan = scan(br#"["a", "evil", "c"]"#, false, &mut |s| {
            calls += 1;
            s == b"evil"
        });
        assert_eq!((scan, calls), (Scan::Matched, 2));
    }
}
