//! SQL injection and cross-site scripting detection, built from the structure of the two
//! languages rather than from lists of attack strings.
//!
//! **SQL.** A value is injected into a query in one of three places: inside a single-quoted
//! string, inside a double-quoted string, or as a bare (numeric) operand. The value is
//! tokenised as SQL from each of those starting points ([`sql::sql_tokens`]), and the token stream
//! is then judged: did the value leave its string (a quote followed by SQL syntax rather than
//! a letter, as in `O'Reilly`), and does what follows form SQL — a boolean operator with an
//! operand, a comparison, a statement terminator with a new statement, a comment that cuts
//! the rest of the query off, `UNION SELECT`, a time or file function. English text with
//! apostrophes, `and`/`or` and parentheses does not have that shape.
//!
//! **XSS.** The value is decoded (entities, JS and CSS escapes), then read as HTML: a tag
//! whose name is markup that runs script or loads content, an event-handler attribute
//! (`on…=`), a `javascript:`/`vbscript:`/`data:` URL in attribute position, a breakout from
//! an attribute or a script string into a call of a script sink, CSS `expression(`.

mod sql;
mod sql_high;
mod xss;

#[cfg(test)]
pub(crate) use sql::explain as explain_sqli;
pub(crate) use sql::sqli;
#[cfg(test)]
pub(crate) use sql::{JUDGE_ONLY, fast_path_and_judge};
#[cfg(test)]
pub(crate) use sql_high::high_signature;
pub(crate) use sql_high::sqli_high;
pub(crate) use xss::xss;

use super::transform;

/// Decoding passes a value goes through before detection (attackers encode twice).
fn decoded_forms(v: &[u8]) -> [Option<Vec<u8>>; 2] {
    let once = transform::url_decode(v, false);
    let twice = once
        .as_deref()
        .and_then(|o| transform::url_decode(o, false));
    [once, twice]
}

/// Each `="…"` attribute value of a markup document, until `f` says yes.
fn markup_attributes(v: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    let mut i = 0;
    while let Some(p) = v[i..].windows(2).position(|w| w == b"=\"") {
        let start = i + p + 2;
        let Some(len) = v[start..].iter().position(|&b| b == b'"') else {
            return false;
        };
        if len > 0 && f(&v[start..start + len]) {
            return true;
        }
        i = start + len + 1;
    }
    false
}

/// `v` with typographic single quotes and primes as `'`, typographic double quotes as `"`,
/// and zero-width characters removed; `None` when nothing changed.
fn fold_unicode(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        let (rep, len): (Option<u8>, usize) = match &v[i..] {
            [0xe2, 0x80, 0x98 | 0x99 | 0x9b | 0xb2, ..] | [0xef, 0xbc, 0x87, ..] => {
                (Some(b'\''), 3)
            }
            [0xc2, 0xb4, ..] | [0xca, 0xbc, ..] => (Some(b'\''), 2),
            [0xe2, 0x80, 0x9c | 0x9d, ..] => (Some(b'"'), 3),
            [0xe2, 0x80, 0x8b..=0x8f, ..] | [0xef, 0xbb, 0xbf, ..] => (None, 3),
            [b, ..] => {
                out.push(*b);
                i += 1;
                continue;
            }
            [] => break,
        };
        out.extend(rep);
        i += len;
        changed = true;
    }
    changed.then_some(out)
}
