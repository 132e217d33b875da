//! Cross-site scripting: the value decoded and read as HTML, JS and CSS (see the parent
//! module).

// Each match arm below is one rule of the judge, its condition inside; guards would read worse.
#![allow(clippy::collapsible_match)]

use std::borrow::Cow;

use super::{decoded_forms, transform};

/// True when the value carries cross-site scripting.
pub(crate) fn xss(v: &[u8]) -> bool {
    if !xss_candidate(v) {
        return false;
    }
    if xss_one(v) || xss_variants(v) {
        return true;
    }
    let forms = decoded_forms(v);
    if forms
        .iter()
        .flatten()
        .any(|d| xss_one(d) || xss_variants(d))
    {
        return true;
    }
    // Encoded more than twice: decode on while escapes remain (a fixed number of rounds).
    let mut deeper = forms[1].clone();
    for _ in 0..2 {
        match deeper
            .as_deref()
            .and_then(|d| transform::url_decode(d, false))
        {
            Some(d) => {
                if xss_one(&d) || xss_variants(&d) {
                    return true;
                }
                deeper = Some(d);
            }
            None => break,
        }
    }
    false
}

/// False when no rule of [`xss_one`] or [`xss_variants`] can fire on `v` or on any decoding of
/// it: one pass over the bytes, no allocation. Every rule needs markup, an attribute's `=`, a
/// scheme's `:`, a call's `(` or `` ` ``, an index `[`, a template `{`, an escape (`&`, `\`,
/// `%`), a non-ASCII or NUL byte (decoded or dropped before reading), a member access of a
/// script object or sink (`document.`, `alert.call`), `-moz-binding`, a string left for
/// `location`, or a base64 value; prose and ids have none of these, and most strings of a
/// JSON body are prose and ids.
fn xss_candidate(v: &[u8]) -> bool {
    if v.len() < 4 {
        return false;
    }
    let mut quote = false;
    for (i, &b) in v.iter().enumerate() {
        match b {
            b'<'
            | b'>'
            | b'='
            | b':'
            | b'('
            | b'`'
            | b'['
            | b'{'
            | b'&'
            | b'\\'
            | b'%'
            | 0
            | 0x80..=0xff => return true,
            b'.' if dotted_script_name(&v[..i]) => return true,
            b'-' if v[i + 1..].len() >= 11
                && v[i + 1..12 + i].eq_ignore_ascii_case(b"moz-binding") =>
            {
                return true;
            }
            b'!' if v[i + 1..].len() >= 6 && v[i + 1..i + 7].eq_ignore_ascii_case(b"entity") => {
                return true;
            }
            b'"' | b'\'' | b';' => quote = true,
            b'*' if i > 0 && v[i - 1] == b'/' => return true,
            b'@' if v.len() > i + 6 && v[i + 1..i + 7].eq_ignore_ascii_case(b"import") => {
                return true;
            }
            // UTF-7's shifted run for a character below U+0080 (`+ADw-` is `<`).
            b'+' if matches!(v.get(i + 1..i + 3), Some(b"AD" | b"AC")) => return true,
            _ => {}
        }
    }
    // A base64 value (spaces only around it), which [`xss_variants`] decodes.
    let t = v.trim_ascii();
    (t.len() >= 16
        && t.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')))
        || quote && contains_ignore_case(v, b"location")
}

/// `document`, `window` or a sink's name just before a `.` (spaces and `)` between allowed).
fn dotted_script_name(before: &[u8]) -> bool {
    let end = before.len()
        - before
            .iter()
            .rev()
            .take_while(|&&b| b == b' ' || b == b')')
            .count();
    let word = &before[..end];
    let len = word
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let word = &word[end - len..];
    [
        &b"document"[..],
        b"window",
        b"alert",
        b"prompt",
        b"confirm",
        b"eval",
        b"settimeout",
        b"setinterval",
        b"fromcharcode",
        b"function",
    ]
    .iter()
    .any(|w| word.eq_ignore_ascii_case(w))
}

fn contains_ignore_case(v: &[u8], needle: &[u8]) -> bool {
    v.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Readings of `v` a browser or a back end may also make, built only when `v` has what each
/// undoes: IIS's `%uHHHH` escapes, CSS escapes (`\0075rl(`), short tags that split a word
/// (`o<x>nerror`, which a filter stripping tags joins again), and a base64 body.
fn xss_variants(v: &[u8]) -> bool {
    // One pass finds which readings apply.
    let (mut percent_u, mut backslash, mut split_tag, mut base64) = (false, false, false, true);
    let (mut comment, mut utf7, mut high_bit, mut legacy_refs) = (false, false, false, false);
    for (i, &b) in v.iter().enumerate() {
        match b {
            // `<`, `>`, `=`, quotes and parentheses with the top bit set.
            0xa2 | 0xa7..=0xa9 | 0xbc..=0xbe => high_bit = true,
            b'+' => utf7 |= matches!(v.get(i + 1..i + 3), Some(b"AD" | b"AC")),
            b'%' => percent_u |= matches!(v.get(i + 1), Some(b'u' | b'U')),
            b'\\' => {
                backslash = true;
                legacy_refs |= v[i..].starts_with(b"\\u0026") && legacy_ref(&v[i + 6..]).is_some();
            }
            b'<' => split_tag |= i > 0 && v[i - 1].is_ascii_alphanumeric(),
            b'*' => comment |= i > 0 && v[i - 1] == b'/',
            // `&lt`, or `&amp;lt` and `\u0026lt` (the same escaped once more).
            b'&' => {
                legacy_refs |= legacy_ref(&v[i + 1..]).is_some()
                    || v[i + 1..].starts_with(b"amp;") && legacy_ref(&v[i + 5..]).is_some();
            }
            _ => {}
        }
        base64 &= b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b' ');
    }
    // UTF-8 text spells U+00BC and U+00BE as C2 BC and C2 BE: a back end that stores
    // Latin-1 hands a US-ASCII page the same bytes, so a whole element in those characters
    // is read as well.
    if high_bit && utf8_high_bit_element(v) {
        return true;
    }
    // The same characters written as JS escapes (`\xbc`, `\u00bc`), which a script string
    // turns into them.
    if backslash
        && contains_ignore_case(v, b"bc")
        && let Some(d) = transform::js_decode(v)
        && utf8_high_bit_element(&d)
    {
        return true;
    }
    // Text in UTF-8 holds the bytes themselves inside its characters: only a value that is
    // not UTF-8 is read byte by byte.
    if high_bit && std::str::from_utf8(v).is_err() {
        if high_bit_element(v) {
            return true;
        }
        // The reading is markup like any other: comments inside it stand for nothing, too.
        if high_bit_markup(v)
            && let Some(d) = high_bit_stripped(v)
            && (xss_one(&d) || strip_block_comments(&d).is_some_and(|e| xss_one(&e)))
        {
            return true;
        }
    }
    if legacy_refs {
        // Escapes around them (a JSON string's, an XML text's) undone first.
        let mut cur = Cow::Borrowed(v);
        if backslash && let Some(d) = transform::js_decode(&cur) {
            cur = Cow::Owned(d);
        }
        if let Some(d) = transform::html_entity_decode(&cur) {
            cur = Cow::Owned(d);
        }
        if let Some(d) = legacy_refs_decode(&cur)
            && xss_one(&d)
        {
            return true;
        }
    }
    // A decoded value is read again without the short tags inside its words, as the raw
    // value is below (`+ADw-x+AD4-` inside `o…nmouseover`).
    let decoded_read = |d: &[u8]| xss_one(d) || strip_split_tags(d).is_some_and(|e| xss_one(&e));
    if utf7
        && let Some(d) = utf7_decode(v)
        && decoded_read(&d)
    {
        return true;
    }
    if percent_u
        && let Some(d) = percent_u_decode(v)
        && decoded_read(&d)
    {
        return true;
    }
    if backslash && (escaped_style_property(v) || escaped_at_import(v)) {
        return true;
    }
    if backslash
        && let Some(d) = transform::css_decode(v)
        && xss_one(&d)
    {
        return true;
    }
    if split_tag
        && let Some(d) = strip_split_tags(v)
        && xss_one(&d)
    {
        return true;
    }
    // Block comments stand for nothing (CSS in old IE: `expr/**/ession(`) or for a space (JS:
    // `alert/**/(1)`); read without them.
    if comment
        && let Some(d) = strip_block_comments(v)
        && xss_one(&d)
    {
        return true;
    }
    // Only a decoded value with markup or a call can hold script; a session id or a token
    // decodes to noise and is not read again.
    if base64
        && v.len() >= 16
        && let Some(d) = transform::base64_decode(v.trim_ascii())
        && d.iter().any(|&b| b == b'<' || b == b'(')
        && xss_one(&d)
    {
        return true;
    }
    v.len() >= 18 && base64_token_xss(v, base64)
}

/// A base64 token inside a value (a form field's, a JSON string's, a cookie's) that decodes
/// to script: an application that decodes the field hands the page what the whole-value
/// reading above would have read. Only a decoded token with markup or a call is judged, and
/// not the body of a `data:` URL; `whole_read` says the whole value was read as one already.
fn base64_token_xss(v: &[u8], whole_read: bool) -> bool {
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    let mut i = 0;
    while i < v.len() {
        if !is_b64(v[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < v.len() && is_b64(v[i]) {
            i += 1;
        }
        let mut end = i;
        while end < v.len() && end - i < 2 && v[end] == b'=' {
            end += 1;
        }
        let opens = start == 0
            || matches!(
                v[start - 1],
                b'=' | b':'
                    | b'"'
                    | b'\''
                    | b' '
                    | b','
                    | b';'
                    | b'&'
                    | b'['
                    | b'('
                    | b'\t'
                    | b'\n'
            );
        let closes = end == v.len()
            || matches!(
                v[end],
                b'&' | b'"'
                    | b'\''
                    | b','
                    | b'}'
                    | b']'
                    | b' '
                    | b';'
                    | b')'
                    | b'\t'
                    | b'\r'
                    | b'\n'
            );
        // A `data:` URL's base64 body is judged with its media type (an image is no
        // script), not alone.
        if i - start >= 16
            && opens
            && closes
            && !(whole_read && start == 0 && end == v.len())
            && !(start >= 7 && v[start - 7..start].eq_ignore_ascii_case(b"base64,"))
            && let Some(d) = transform::base64_decode(&v[start..end])
            && d.iter().any(|&b| b == b'<' || b == b'(')
            && (xss_one(&d) || xss_variants(&d))
        {
            return true;
        }
        i = end;
    }
    false
}

/// HTML's legacy character references written without their `;` (`&lt`, `&GT`, `&quot`,
/// `&amp`): the tokenizer reads them in text all the same. Returns the character and the
/// name's length when `rest` (after `&`) starts with one and no `;` follows it.
fn legacy_ref(rest: &[u8]) -> Option<(u8, usize)> {
    [
        (&b"lt"[..], b'<'),
        (b"LT", b'<'),
        (b"gt", b'>'),
        (b"GT", b'>'),
        (b"quot", b'"'),
        (b"QUOT", b'"'),
        (b"amp", b'&'),
        (b"AMP", b'&'),
    ]
    .into_iter()
    .find(|(name, _)| rest.starts_with(name) && rest.get(name.len()) != Some(&b';'))
    .map(|(name, ch)| (ch, name.len()))
}

/// `v` with the legacy references of [`legacy_ref`] read (`&ampl` stays `&l`: one pass, as the
/// tokenizer makes it).
fn legacy_refs_decode(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        if v[i] == b'&'
            && let Some((ch, len)) = legacy_ref(&v[i + 1..])
        {
            out.push(ch);
            i += 1 + len;
            changed = true;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// A CSS `@import` whose keyword is written with escapes (`@\i\m\port`, `@im\70 ort`): CSS
/// reads the rule, a filter looking for the word does not, and nothing but evasion escapes
/// the letters of an at-rule's name.
fn escaped_at_import(v: &[u8]) -> bool {
    v.iter().enumerate().any(|(i, &b)| {
        b == b'@' && {
            let run = v[i + 1..]
                .iter()
                .take(40)
                .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'\\' || c == b' ')
                .count();
            let name = &v[i + 1..i + 1 + run];
            name.contains(&b'\\')
                && transform::css_decode(name)
                    .is_some_and(|d| d.len() >= 6 && d[..6].eq_ignore_ascii_case(b"import"))
        }
    })
}

/// `v` without `/* … */` (an unclosed one runs to the end).
fn strip_block_comments(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        if v[i..].starts_with(b"/*") {
            let end = v[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(v.len(), |p| i + 2 + p + 2);
            i = end;
            changed = true;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// A whole element spelled in top-bit bytes: 0xBC, a name, 0xBE (attributes between
/// allowed), then later 0xBC `/` the same name 0xBE; or 0xBC and the name of an element that
/// acts at once ([`strong_tag`]: `script`, `iframe`, `svg`, …). A page read as US-ASCII sees an element
/// opened and closed; text in a single-byte encoding (Latin-1's `¼`, `¾`) never closes a
/// "tag" it opened, by name, so only markup smuggled past a filter has this shape.
fn high_bit_element(v: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = v[i..].iter().position(|&b| b == 0xbc) {
        let at = i + p + 1;
        i = at;
        let name = v[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name == 0 || !v[at].is_ascii_alphabetic() {
            continue;
        }
        let n = &v[at..at + name];
        // An element that runs script or loads a document needs no closing tag.
        let mut low = [0u8; 16];
        if name <= low.len() {
            for (l, b) in low.iter_mut().zip(n) {
                *l = b.to_ascii_lowercase();
            }
            if strong_tag(&low[..name])
                && matches!(v.get(at + name), Some(0xbe | b' ' | b'/' | b'\t' | b'\n'))
            {
                return true;
            }
        }
        let Some(end) = v[at + name..].iter().position(|&b| b == 0xbc || b == 0xbe) else {
            return false;
        };
        if v[at + name + end] != 0xbe {
            continue;
        }
        if v[at + name + end + 1..].windows(name + 3).any(|w| {
            w[0] == 0xbc
                && w[1] == b'/'
                && w[2..2 + name].eq_ignore_ascii_case(n)
                && w[name + 2] == 0xbe
        }) {
            return true;
        }
    }
    false
}

/// [`high_bit_element`] on UTF-8 text read as Latin-1 (C2 BC is `¼`, read as 0xBC).
fn utf8_high_bit_element(v: &[u8]) -> bool {
    if !v.windows(2).any(|w| w == [0xc2, 0xbc]) || std::str::from_utf8(v).is_err() {
        return false;
    }
    let latin1: Vec<u8> = v
        .iter()
        .enumerate()
        .filter(|&(k, &b)| !(b == 0xc2 && v.get(k + 1).is_some_and(|n| (0x80..0xc0).contains(n))))
        .map(|(_, &b)| b)
        .collect();
    high_bit_element(&latin1)
}

/// A `style` attribute whose property name is written with CSS escapes or character
/// references (`\63 olor`, `c&#9;olor`): CSS lets any character of an identifier be escaped,
/// so a filter looking for `expression` or `behavior` reads another name than the browser.
/// No author escapes a property name; checked on the value as sent, before decoding.
fn escaped_style_property(v: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = v[i..]
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b"style"))
    {
        let at = i + p;
        i = at + 5;
        if at == 0
            || !matches!(
                v[at - 1],
                b' ' | b'/' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'\x0c'
            )
        {
            continue;
        }
        let Some(value) = v[at + 5..].trim_ascii_start().strip_prefix(b"=") else {
            continue;
        };
        let value = value.trim_ascii_start();
        let (q, value) = match value.first() {
            Some(&q @ (b'"' | b'\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        let end = value
            .iter()
            .position(|&b| Some(b) == q || b == b'>' || q.is_none() && b.is_ascii_whitespace())
            .unwrap_or(value.len());
        // Each declaration's name: from the start or a `;` to its `:` (the `;` of a
        // character reference, `&#9;`, ends no declaration).
        let value = &value[..end];
        let mut from = 0;
        let decls = std::iter::from_fn(|| {
            if from > value.len() {
                return None;
            }
            let mut k = from;
            while k < value.len() {
                if value[k] == b';' {
                    let word = value[from..k]
                        .iter()
                        .rev()
                        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'#')
                        .count();
                    if !(word > 0 && k > word && value[k - word - 1] == b'&') {
                        break;
                    }
                }
                k += 1;
            }
            let decl = &value[from..k];
            from = k + 1;
            Some(decl)
        });
        if decls.into_iter().any(|decl| {
            decl.iter().position(|&b| b == b':').is_some_and(|c| {
                let name = &decl[..c];
                name.contains(&b'\\') || name.windows(2).any(|w| w == b"&#")
            })
        }) {
            return true;
        }
    }
    false
}

/// `v` read as old Internet Explorer read a page served as US-ASCII: the top bit of a byte
/// dropped, so 0xBC is `<`, 0xBE is `>`, 0xBD is `=`, 0xA2 is `"`, 0xA7 is `'` and 0xA8,
/// 0xA9 are parentheses. Only those bytes are read so (another byte stays non-ASCII, as does
/// a character of UTF-8 text), so a sink glued to a foreign letter stays glued.
fn high_bit_stripped(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let b = v[i];
        if b >= 0xc2 {
            let len = 2 + usize::from(b >= 0xe0) + usize::from(b >= 0xf0);
            if let Some(seq) = v.get(i..i + len)
                && seq[1..].iter().all(|c| (0x80..=0xbf).contains(c))
            {
                out.extend_from_slice(seq);
                i += len;
                continue;
            }
        }
        out.push(match b {
            0xa2 | 0xa7..=0xa9 | 0xbc..=0xbe => b & 0x7f,
            _ => b,
        });
        i += 1;
    }
    (out != v).then_some(out)
}

/// Markup spelled whole in top-bit bytes, as a page meant to be read as US-ASCII carries it:
/// a tag (0xBC, a name, then 0xBE or `>` before another `<`), an attribute
/// (`onload` 0xBD), a call (`confirm` 0xA8 … 0xA9) or a quoted name (0xA2 `cookie` 0xA2).
/// A single top-bit byte beside ASCII markup is text in another encoding (Latin-1's `¼`
/// before a word), so the US-ASCII reading is only taken when such a whole piece is there.
fn high_bit_markup(v: &[u8]) -> bool {
    let name_len = |from: usize| {
        v[from..]
            .iter()
            .take_while(|&&b| is_name_byte(b) || b.is_ascii_uppercase())
            .count()
    };
    (0..v.len()).any(|i| match v[i] {
        0xbc => {
            let mut j = i + 1;
            while matches!(v.get(j), Some(b'/' | b'?' | b'!' | b' ' | b'\t')) {
                j += 1;
            }
            let name = name_len(j);
            // A tag name spelled with spaces (`\xbci f r a m e`), left open.
            let mut low = [0u8; 24];
            let len = v[j..].len().min(low.len());
            for (l, b) in low.iter_mut().zip(&v[j..j + len]) {
                *l = b.to_ascii_lowercase();
            }
            name == 1 && spaced_tag(&low[..len], 0)
                || name > 0
                    && v[j + name..]
                        .iter()
                        .take(512)
                        .find(|&&b| matches!(b, 0xbc | 0xbe | b'<' | b'>'))
                        .is_some_and(|&b| matches!(b, 0xbe | b'>'))
        }
        0xbd => {
            let word = v[..i]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_alphabetic())
                .count();
            let w = &v[i - word..i];
            word >= 5 && w[..2].eq_ignore_ascii_case(b"on")
                || [&b"formaction"[..], b"href", b"src", b"action", b"style"]
                    .iter()
                    .any(|a| w.eq_ignore_ascii_case(a))
        }
        0xa8 => {
            i > 0
                && (v[i - 1].is_ascii_alphanumeric()
                    || matches!(v[i - 1], b'_' | b'$' | b']' | b')' | b'`' | 0xa9))
                && v[i + 1..].iter().take(256).any(|&b| b == 0xa9)
                // CSS `url(` with a script scheme in it, the `)` left out.
                || v[..i].len() >= 3 && v[i - 3..i].eq_ignore_ascii_case(b"url") && {
                    let t = &v[i + 1..];
                    let t = &t[t
                        .iter()
                        .take_while(|&&b| matches!(b, b' ' | 0xa2 | 0xa7))
                        .count()..];
                    [&b"javascript"[..], b"vbscript"]
                        .iter()
                        .any(|w| t.len() >= w.len() && t[..w.len()].eq_ignore_ascii_case(w))
                }
        }
        q @ (0xa2 | 0xa7) => {
            let len = v[i + 1..]
                .iter()
                .take(64)
                .take_while(|&&b| b > b' ' && b < 0x80)
                .count();
            len > 0 && v.get(i + 1 + len) == Some(&q)
        }
        _ => false,
    })
}

/// UTF-7 (RFC 2152) as UTF-8: a `+` opens a run of modified base64 holding UTF-16 code
/// units, which ends at the first other byte (a `-` there is dropped). A page served without
/// a charset was read as UTF-7 by old Internet Explorer, so `+ADw-script+AD4-` was markup.
fn utf7_decode(v: &[u8]) -> Option<Vec<u8>> {
    let b64 = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        if v[i] == b'+' {
            let run = v[i + 1..].iter().take_while(|&&b| b64(b).is_some()).count();
            if run == 0 && v.get(i + 1) == Some(&b'-') {
                out.push(b'+');
                i += 2;
                changed = true;
                continue;
            }
            if run >= 2 {
                let (mut acc, mut bits) = (0u32, 0u32);
                let mut units = Vec::with_capacity(run * 6 / 16);
                for &b in &v[i + 1..i + 1 + run] {
                    acc = (acc << 6 | u32::from(b64(b).unwrap_or(0))) & 0x3f_ffff;
                    bits += 6;
                    if bits >= 16 {
                        bits -= 16;
                        units.push((acc >> bits) as u16);
                    }
                }
                for c in char::decode_utf16(units) {
                    let mut buf = [0u8; 4];
                    let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                i += 1 + run;
                if v.get(i) == Some(&b'-') {
                    i += 1;
                }
                changed = true;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// `%uHHHH` (IIS's Unicode escape) as UTF-8.
fn percent_u_decode(v: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        if v[i] == b'%' && matches!(v.get(i + 1), Some(b'u' | b'U')) && i + 6 <= v.len() {
            let cp = v[i + 2..i + 6]
                .iter()
                .try_fold(0u32, |acc, &b| Some(acc << 4 | hex(b)?));
            if let Some(c) = cp.and_then(char::from_u32) {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += 6;
                changed = true;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// `v` without the short tags and comments that sit inside a word (`o<x>nfocus`,
/// `alert<b>(`, `javas<!-- -->cript:`).
fn strip_split_tags(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        // A comment inside a word (`javas<!-- -->cript:`): a filter that drops comments
        // joins the word again.
        if v[i] == b'<'
            && i > 0
            && v[i - 1].is_ascii_alphanumeric()
            && v[i + 1..].starts_with(b"!--")
            && let Some(p) = v[i + 4..(i + 68).min(v.len())]
                .windows(3)
                .position(|w| w == b"-->")
        {
            i += 4 + p + 3;
            changed = true;
            continue;
        }
        if v[i] == b'<' && i > 0 && v[i - 1].is_ascii_alphanumeric() {
            let end = v[i + 1..]
                .iter()
                .take(8)
                .position(|&b| b == b'>')
                .map(|p| i + 1 + p);
            if let Some(end) = end
                && v[i + 1..end]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'/')
            {
                i = end + 1;
                changed = true;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

/// Elements that run script, load content or restyle the page.
const DANGEROUS_TAGS: &[&[u8]] = &[
    b"script",
    b"iframe",
    b"frame",
    b"frameset",
    b"object",
    b"embed",
    b"applet",
    b"svg",
    b"math",
    b"style",
    b"link",
    b"meta",
    b"base",
    b"form",
    b"isindex",
    b"xml",
    b"xss",
    b"import",
    b"template",
    b"portal",
    b"noscript",
    b"video",
    b"audio",
    b"source",
    b"img",
    b"image",
    b"body",
    b"html",
    b"marquee",
    b"input",
    b"button",
    b"select",
    b"textarea",
    b"details",
    b"dialog",
    b"keygen",
    b"bgsound",
    b"layer",
    b"ilayer",
    b"set",
    b"animate",
    b"handler",
    b"listener",
    b"a",
    b"div",
    b"table",
    b"td",
    b"x",
    b"title",
];

/// Functions and properties a script payload calls or reads.
const SINKS: &[&[u8]] = &[
    b"alert",
    b"prompt",
    b"confirm",
    b"eval",
    b"settimeout",
    b"setinterval",
    b"function",
    b"fetch",
    b"import",
    b"atob",
    b"fromcharcode",
    b"write",
    b"writeln",
    b"open",
    b"constructor",
    b"top",
    b"print",
    b"console.log",
];

fn lower_clean(v: &[u8]) -> Vec<u8> {
    // Entities, JS and CSS escapes decoded; NUL and the control characters browsers skip
    // inside URL schemes removed; lower case.
    let mut cur: Cow<'_, [u8]> = Cow::Borrowed(v);
    for _ in 0..2 {
        let mut changed = false;
        if let Some(d) = transform::html_entity_decode(&cur) {
            cur = Cow::Owned(d);
            changed = true;
        }
        if let Some(d) = transform::js_decode(&cur) {
            cur = Cow::Owned(d);
            changed = true;
        }
        if !changed {
            break;
        }
    }
    // Fullwidth forms (U+FF01–U+FF5E) fold to ASCII, as a back end applying NFKC folds
    // them; overlong UTF-8 for ASCII (`C0 BC` for `<`), which a lenient decoder accepts,
    // too.
    let mut out = Vec::with_capacity(cur.len());
    let mut i = 0;
    while i < cur.len() {
        match &cur[i..] {
            &[0xef, b1 @ (0xbc | 0xbd), b2 @ 0x80..=0xbf, ..]
                if (0xff01..=0xff5e)
                    .contains(&(0xf000 | u32::from(b1 & 0x3f) << 6 | u32::from(b2 & 0x3f))) =>
            {
                let cp = 0xf000 | u32::from(b1 & 0x3f) << 6 | u32::from(b2 & 0x3f);
                out.push(((cp - 0xfee0) as u8).to_ascii_lowercase());
                i += 3;
            }
            &[b0 @ (0xc0 | 0xc1), b1 @ 0x80..=0xbf, ..] => {
                out.push((((b0 & 1) << 6) | (b1 & 0x3f)).to_ascii_lowercase());
                i += 2;
            }
            &[0xe0, b1 @ 0x80..=0x81, b2 @ 0x80..=0xbf, ..] => {
                out.push((((b1 & 1) << 6) | (b2 & 0x3f)).to_ascii_lowercase());
                i += 3;
            }
            [0, ..] => i += 1,
            // JS reads U+2028 and U+2029 as line terminators (they end a `//` comment) and
            // the no-break and typographic spaces as white space: `\u{2028}confirm(1)` is a
            // call on a line of its own.
            [0xe2, 0x80, 0xa8 | 0xa9, ..] => {
                out.push(b'\n');
                i += 3;
            }
            [0xc2, 0xa0, ..] => {
                out.push(b' ');
                i += 2;
            }
            [0xe2, 0x80, 0x80..=0x8a | 0xaf, ..]
            | [0xe2, 0x81, 0x9f, ..]
            | [0xe3, 0x80, 0x80, ..]
            | [0xe1, 0x9a, 0x80, ..] => {
                out.push(b' ');
                i += 3;
            }
            // Zero-width and bidirectional format characters (U+200B–U+200F, U+202A–U+202E,
            // U+2060–U+2064, U+FEFF) render as nothing: a tag name split by one still reads.
            [0xe2, 0x80, 0x8b..=0x8f | 0xaa..=0xae, ..]
            | [0xe2, 0x81, 0xa0..=0xa4, ..]
            | [0xef, 0xbb, 0xbf, ..] => i += 3,
            [b, ..] => {
                out.push(b.to_ascii_lowercase());
                i += 1;
            }
            [] => break,
        }
    }
    out
}

/// Script sinks called without markup (`alert(1)`, `(alert)(1)`, `alert.call(…)`,
/// ``alert`1` ``), and the DOM objects a payload reaches for (`document.cookie`,
/// `window.location`).
fn script_call(s: &[u8], i: usize) -> bool {
    // A word start, and not glued to text of another script (bytes of a non-ASCII letter).
    if !starts_word(s, i) || (i > 0 && s[i - 1] >= 0x80) {
        return false;
    }
    for sink in [
        &b"alert"[..],
        b"prompt",
        b"confirm",
        b"eval",
        b"settimeout",
        b"setinterval",
        b"fromcharcode",
        b"new function",
        b"execscript",
    ] {
        if sink[0] == s[i]
            && s[i..].starts_with(sink)
            && s.get(i + sink.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric())
            && !declared(s, i)
        {
            let mut j = i + sink.len();
            while j < s.len() && matches!(s[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b')') {
                j += 1;
            }
            let rest = &s[j.min(s.len())..];
            let timer = sink.starts_with(b"set");
            if rest.starts_with(b"(") && (!timer || timer_runs_string(&rest[1..]))
                || rest.starts_with(b"`") && !in_code_span(s, i)
                || rest.starts_with(b"?.(")
                || rest.starts_with(b".call")
                || rest.starts_with(b".apply")
                || rest.starts_with(b".bind")
            {
                return true;
            }
            // The sink handed over as a value: a callback (`[1].find(alert)`,
            // `.then(alert)`), a template substitution (`${alert}`).
            if !timer && sink_as_value(s, i, i + sink.len()) {
                return true;
            }
        }
    }
    // `new` and `Function` with any white space between (JS allows line ends and tabs).
    if s[i..].starts_with(b"new") {
        let ws = s[i + 3..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if ws > 0
            && s[i + 3 + ws..].starts_with(b"function")
            && s[i + 11 + ws..].trim_ascii_start().starts_with(b"(")
        {
            return true;
        }
    }
    // A dynamic import of a module (not one of Node's `node:` built-ins, which no browser
    // loads).
    if s[i..].starts_with(b"import(")
        && matches!(s.get(i + 7), Some(b'\'' | b'"' | b'`'))
        && !s[i + 8..].starts_with(b"node:")
    {
        return true;
    }
    // A script element made through the DOM: `createElement('script')`.
    if s[i..].starts_with(b"createelement(") {
        let arg = s[i + 14..].trim_ascii_start();
        if matches!(arg.first(), Some(b'\'' | b'"' | b'`'))
            && (arg[1..].starts_with(b"script") || arg[1..].starts_with(b"iframe"))
        {
            return true;
        }
    }
    // A template literal's substitution that calls a sink or navigates: `${print()}`.
    if s[i..].starts_with(b"${") {
        let inner = s[i + 2..].trim_ascii_start();
        if SINKS
            .iter()
            .any(|k| inner.starts_with(k) && inner[k.len()..].trim_ascii_start().starts_with(b"("))
            || inner.starts_with(b"location") && location_written(&inner[8..])
        {
            return true;
        }
    }
    // `x.constructor('code')()`, `x['constructor']('code')`: the Function constructor
    // reached through any object; `Function('code')`: called by name. A function
    // declaration or expression never takes a string literal for a parameter.
    let member =
        i > 0 && s[i - 1] == b'.' || i > 1 && matches!(s[i - 1], b'\'' | b'"') && s[i - 2] == b'[';
    for (name, needs_member) in [(&b"constructor"[..], true), (b"function", false)] {
        if (member || !needs_member) && s[i..].starts_with(name) {
            let mut after = s[i + name.len()..].trim_ascii_start();
            if member && needs_member && matches!(after.first(), Some(b'\'' | b'"')) {
                after = after[1..]
                    .strip_prefix(b"]")
                    .unwrap_or(b"")
                    .trim_ascii_start();
            }
            if after.starts_with(b"(")
                && matches!(
                    after[1..].trim_ascii_start().first(),
                    Some(b'\'' | b'"' | b'`')
                )
            {
                return true;
            }
            // `Function(x)()`: a function expression needs a body before it can be called, so
            // a call glued to the argument list is the constructor's function run at once.
            if !needs_member
                && !member
                && after.starts_with(b"(")
                && let Some(e) = balanced_end(after, 0)
                && after.get(e) == Some(&b'(')
            {
                return true;
            }
        }
    }
    // `self['al'+'ert']`, `top[/**/"x"]`: a global object indexed by a computed name.
    for global in [
        &b"self"[..],
        b"top",
        b"window",
        b"parent",
        b"frames",
        b"globalthis",
    ] {
        if global[0] == s[i] && s[i..].starts_with(global) {
            let mut j = i + global.len();
            while j < s.len() && s[j] == b' ' {
                j += 1;
            }
            if s.get(j) == Some(&b'[')
                && matches!(s.get(j + 1), Some(b'\'' | b'"' | b'/' | b'[' | b'`'))
            {
                return true;
            }
            // `top[…](1)`: a member of the global object, computed, then called.
            if s.get(j) == Some(&b'[')
                && let Some(close) = s[j..].iter().take(64).position(|&b| b == b']')
                && matches!(s.get(j + close + 1), Some(b'(' | b'`'))
                && s[j + 1..j + close].iter().any(|b| !b.is_ascii_digit())
            {
                return true;
            }
        }
    }
    // A segment of a URL path (`/docs/document.cookie`) names a page, not the object.
    let path_segment = i >= 2
        && s[i - 1] == b'/'
        && (s[i - 2].is_ascii_alphanumeric() || matches!(s[i - 2], b'-' | b'_' | b'.'));
    for object in [&b"document"[..], b"window"] {
        if !path_segment && object[0] == s[i] && s[i..].starts_with(object) {
            let mut j = i + object.len();
            while j < s.len() && s[j] == b' ' {
                j += 1;
            }
            if matches!(s.get(j), Some(b'.' | b'[')) {
                // JS allows whitespace around a member's `.`: `document . cookie`.
                let rest = s[j + 1..].trim_ascii_start();
                let rest = rest
                    .strip_prefix(b"\"")
                    .or_else(|| rest.strip_prefix(b"'"))
                    .unwrap_or(rest);
                // `location` navigates when written (`location=`, `.href=`, `.assign('…')`)
                // and leaks when handed over whole; reading a member of it
                // (`window.location.hash`) is ordinary code.
                if rest.starts_with(b"location")
                    && (location_written(&rest[8..])
                        || !rest[8..].trim_ascii_start().starts_with(b"."))
                {
                    return true;
                }
                for prop in [
                    &b"cookie"[..],
                    b"domain",
                    b"write",
                    b"body",
                    b"createelement",
                    b"open",
                    b"name",
                    b"documentelement",
                    b"queryselector",
                    b"getelementby",
                    b"innerhtml",
                    b"outerhtml",
                ] {
                    if rest.starts_with(prop) {
                        return true;
                    }
                }
            }
        }
    }
    false
}

/// `alert` in `fn alert(`, `function alert(`, `def alert(`: a declaration, not a call.
fn declared(s: &[u8], at: usize) -> bool {
    let before = s[..at].trim_ascii_end();
    before.len() < at
        && [&b"fn"[..], b"function", b"def"].iter().any(|k| {
            before.ends_with(k)
                && (before.len() == k.len()
                    || !before[before.len() - k.len() - 1].is_ascii_alphanumeric())
        })
}

/// The word at `at` is inside a Markdown code span: a backtick opens it with only name
/// characters between (`` `--eval` ``, `` `window.alert` ``), so the backtick after the word
/// closes the span and is no tagged template.
fn in_code_span(s: &[u8], at: usize) -> bool {
    let run = s[..at]
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'*'))
        .count();
    at > run && s[at - run - 1] == b'`'
}

/// After `setTimeout(`: the timer evaluates a string, or is handed a sink or a decoder;
/// a function (`() => …`, `function`, a callback's name) is ordinary code.
fn timer_runs_string(arg: &[u8]) -> bool {
    let arg = arg.trim_ascii_start();
    matches!(arg.first(), Some(b'\'' | b'"' | b'`'))
        || [
            &b"alert"[..],
            b"prompt",
            b"confirm",
            b"eval",
            b"atob",
            b"unescape",
            b"decodeuri",
            b"string.fromcharcode",
            b"name",
            b"location",
        ]
        .iter()
        .any(|w| arg.starts_with(w) && arg.get(w.len()).is_none_or(|b| !b.is_ascii_alphanumeric()))
}

/// The sink between `start` and `end` is an argument of a call (`(alert)`, `(0,alert)`,
/// `,alert,`) or a template substitution (`${alert}`).
fn sink_as_value(s: &[u8], start: usize, end: usize) -> bool {
    let before = s[..start].trim_ascii_end();
    let after = s[end..].trim_ascii_start();
    if before.ends_with(b"${") && after.starts_with(b"}") {
        return true;
    }
    // An array holding the sink, indexed and called: `[alert][0](1)`.
    if before.ends_with(b"[")
        && let Some(idx) = after.strip_prefix(b"][")
    {
        let digits = idx.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0
            && idx[digits..].starts_with(b"]")
            && matches!(idx.get(digits + 1), Some(b'(' | b'`'))
        {
            return true;
        }
    }
    // Assigned to a name that is then called: `x=alert,x(1)`, `a=alert;a(1)`.
    if let Some(lhs) = before.strip_suffix(b"=")
        && matches!(after.first(), Some(b',' | b';'))
    {
        let lhs = lhs.trim_ascii_end();
        let len = lhs
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$'))
            .count();
        let name = &lhs[lhs.len() - len..];
        let next = after[1..].trim_ascii_start();
        if len > 0 && next.starts_with(name) && next[len..].trim_ascii_start().starts_with(b"(") {
            return true;
        }
    }
    if !matches!(before.last(), Some(b'(' | b',')) || !matches!(after.first(), Some(b')' | b',')) {
        return false;
    }
    // A call's argument list: an opening `(` glued to a callee, close by.
    let from = before.len().saturating_sub(64);
    before[from..].windows(2).any(|w| {
        w[1] == b'(' && (w[0].is_ascii_alphanumeric() || matches!(w[0], b'_' | b'$' | b')' | b']'))
    })
}

/// After `location`: an assignment, or a navigation by `href=`, `assign(` or `replace(` with
/// a literal.
fn location_written(rest: &[u8]) -> bool {
    let r = rest.trim_ascii_start();
    let assigned = |r: &[u8]| r.starts_with(b"=") && !r.starts_with(b"==");
    if assigned(r) {
        return true;
    }
    let r = r.strip_prefix(b".").unwrap_or(r);
    if let Some(h) = r.strip_prefix(b"href") {
        return assigned(h.trim_ascii_start());
    }
    [&b"assign("[..], b"replace("].iter().any(|m| {
        r.strip_prefix(*m)
            .is_some_and(|a| matches!(a.trim_ascii_start().first(), Some(b'\'' | b'"' | b'`')))
    })
}

/// `at` starts the target of a CSS `url(` (after an optional quote).
fn in_css_url(s: &[u8], at: usize) -> bool {
    let b = s[..at].trim_ascii_end();
    let b = b
        .strip_suffix(b"\"")
        .or_else(|| b.strip_suffix(b"'"))
        .unwrap_or(b);
    b.trim_ascii_end().ends_with(b"url(")
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':'
}

fn starts_word(v: &[u8], at: usize) -> bool {
    at == 0 || !v[at - 1].is_ascii_alphanumeric()
}

/// `javascript:` with tabs, newlines and spaces allowed between its letters.
fn script_scheme_at(v: &[u8], at: usize) -> bool {
    for scheme in [
        &b"javascript:"[..],
        b"vbscript:",
        b"livescript:",
        b"data:text/html",
        b"data:image/svg",
        b"data:application/x",
        // Script and document types a `src`, `data` or navigation runs (and none: `data:,`).
        b"data:,",
        b"data:;",
        b"data:text/javascript",
        b"data:text/ecmascript",
        b"data:application/javascript",
        b"data:application/ecmascript",
        b"data:text/xml",
        b"data:application/xml",
        b"data:text/xsl",
        b"data:text/vbscript",
        // The rest of the HTML standard's JavaScript MIME types, and IE's scriptlet and
        // HTML component types.
        b"data:text/jscript",
        b"data:text/livescript",
        b"data:text/x-javascript",
        b"data:text/x-ecmascript",
        b"data:text/x-scriptlet",
        b"data:text/x-component",
    ] {
        let mut i = at;
        let mut ok = true;
        for &want in scheme {
            while i < v.len() && matches!(v[i], b'\t' | b'\n' | b'\r' | b' ') && want != b' ' {
                i += 1;
            }
            if v.get(i) != Some(&want) {
                ok = false;
                break;
            }
            i += 1;
        }
        if ok {
            return true;
        }
    }
    false
}

fn xss_one(v: &[u8]) -> bool {
    if v.len() < 4 {
        return false;
    }
    let s = lower_clean(v);
    let n = s.len();
    // U+2028 or U+2029 in the value ([`lower_clean`] reads them as `\n`).
    let line_separator = v.contains(&0xe2)
        && v.windows(3)
            .any(|w| w[0] == 0xe2 && w[1] == 0x80 && matches!(w[2], 0xa8 | 0xa9));
    for i in 0..n {
        match s[i] {
            b'<' => {
                // `<tag`, `</tag`, `<!--`, `<?`
                let mut j = i + 1;
                if s.get(j) == Some(&b'/') {
                    j += 1;
                }
                if htc_import(&s[j..])
                    || s[j..].starts_with(b"?xml-stylesheet")
                    || s[j..].starts_with(b"!entity")
                    || s[j..].starts_with(b"!doctype") && s[j..].windows(6).any(|w| w == b"system")
                {
                    return true;
                }
                while j < n
                    && matches!(s[j], b' ' | b'\t')
                    && s[j..].trim_ascii_start().starts_with(b"script")
                {
                    j += 1;
                }
                let start = j;
                while j < n && is_name_byte(s[j]) {
                    j += 1;
                }
                let full = &s[start..j];
                // A namespaced name (`svg:script`) is judged by its local part.
                // `v:vmlframe` by its local part (VML's frame loads a document).
                let name = match full.iter().rposition(|&b| b == b':') {
                    Some(c)
                        if c + 1 < full.len()
                            && (DANGEROUS_TAGS.contains(&&full[c + 1..])
                                || strong_tag(&full[c + 1..])) =>
                    {
                        &full[c + 1..]
                    }
                    Some(c) if DANGEROUS_TAGS.contains(&&full[..c]) => &full[..c],
                    Some(c) if c + 1 < full.len() => &full[c + 1..],
                    _ => full,
                };
                if name.len() == 1
                    && s.get(j)
                        .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0c'))
                    && spaced_tag(&s, start)
                {
                    return true;
                }
                if name.is_empty() {
                    if s[i + 1..].starts_with(b"!--")
                        && s[i..].windows(3).any(|w| w == b"-->")
                        && has_script_text(&s[i..])
                    {
                        return true;
                    }
                    continue;
                }
                // The name must end as a tag name ends.
                let after = s.get(j).copied().unwrap_or(b'>');
                if !matches!(
                    after,
                    b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'"' | b'\''
                ) && j < n
                {
                    continue;
                }
                let rest = &s[j..];
                if strong_tag(name)
                    && (j >= n
                        || matches!(after, b' ' | b'/' | b'>' | b'\t' | b'\n' | b'\r' | b'\x0c'))
                    && strong_tag_acts(&s, i, name, rest)
                {
                    return true;
                }
                if has_event_handler(rest)
                    || framework_handler(rest)
                    || has_script_url(rest)
                    || styled_url(rest)
                    || active_attribute(rest)
                    || clobbers(rest)
                {
                    return true;
                }
                if DANGEROUS_TAGS.contains(&name)
                    && (rest.starts_with(b" src=") || rest.contains(&b'`'))
                    && has_script_text(rest)
                {
                    return true;
                }
            }
            b'o' if s[i..].starts_with(b"on")
                && starts_word(&s, i)
                && known_handler_runs(&s, i) =>
            {
                return true;
            }
            b'o' if s[i..].starts_with(b"on") && starts_word(&s, i) && i > 0 => {
                // An attribute breakout: `" onmouseover=alert(1)`, `' autofocus onfocus=`
                if matches!(
                    s[i - 1],
                    b' ' | b'"' | b'\'' | b'/' | b'\t' | b'\n' | b'\x0c'
                ) && event_handler_at(&s, i)
                    && (s[..i]
                        .iter()
                        .any(|&b| b == b'"' || b == b'\'' || b == b'>' || b == b'<')
                        // `  onx=…`: an attribute written into an unquoted attribute value
                        || s[..i].iter().all(u8::is_ascii_whitespace)
                            && s[i + 2..].iter().take_while(|b| b.is_ascii_lowercase()).count() <= 48)
                {
                    return true;
                }
            }
            // `'formaction=`: leaving an attribute for one that sets where a form submits.
            b'f' if s[i..].starts_with(b"formaction")
                && i > 0
                && matches!(s[i - 1], b' ' | b'"' | b'\'' | b'/')
                && s[i + 10..].trim_ascii_start().starts_with(b"=") =>
            {
                return true;
            }
            // CSS `url(javascript…`: a script URL where a style loads a resource.
            b'u' if s[i..].starts_with(b"url(") => {
                let mut j = i + 4;
                while j < n && matches!(s[j], b' ' | b'"' | b'\'' | b'\t') {
                    j += 1;
                }
                if s[j..].starts_with(b"javascript") || s[j..].starts_with(b"vbscript") {
                    return true;
                }
            }
            // An XML entity declaration that pulls in an external resource.
            b'!' if s[i..].starts_with(b"!entity")
                && s[i..].windows(6).any(|w| w == b"system" || w == b"public") =>
            {
                return true;
            }
            b'j' | b'v' | b'l' | b'd'
                if (i == 0
                    || matches!(
                        s[i - 1],
                        b'=' | b'"' | b'\'' | b'(' | b' ' | b'`' | b'[' | b':' | b'<'
                    ))
                    && script_scheme_at(&s, i)
                    // A CSS `url(data:image/…)` is an image, which runs no script.
                    && !(s[i..].starts_with(b"data:image") && in_css_url(&s, i)) =>
            {
                return true;
            }
            // `*/` with no `/*` before it closes a comment the page opened: what follows is
            // code (`*/print()/*`). U+2028 and U+2029 (read as a line end) close a `//` one.
            b'/' if i > 0
                && s[i - 1] == b'*'
                && (i < 2 || s[i - 2] != b'*')
                && !s[..i].windows(2).any(|w| w == b"/*")
                && (script_breakout(&s, i) || comment_breakout_call(&s, i + 1)) =>
            {
                return true;
            }
            b'\n'
                if line_separator
                    && (script_breakout(&s, i) || comment_breakout_call(&s, i + 1)) =>
            {
                return true;
            }
            // An empty `//` comment ended by a line end, a call, an empty comment again: the
            // whole value is a line of script run after a comment the page left open.
            b'\n'
                if s[..i].trim_ascii() == b"//"
                    && s[i + 1..].trim_ascii_end().ends_with(b"//")
                    && comment_breakout_call(&s, i + 1)
                    && s.iter().filter(|&&b| b == b'\n').count() == 1 =>
            {
                return true;
            }
            // Netscape's JavaScript entity as an attribute value: `size="&{code};"`.
            b'&' if s[i..].starts_with(b"&{")
                && (s[..i].ends_with(b"=")
                    || s[..i].ends_with(b"=\"")
                    || s[..i].ends_with(b"='"))
                && s[i + 2..]
                    .iter()
                    .take(256)
                    .position(|&b| b == b'}')
                    .is_some_and(|e| s[i + 2..i + 2 + e].contains(&b'(')) =>
            {
                return true;
            }
            b'"' | b'\'' | b';' | b'`' => {
                // Leaving a script string into a sink call: `";alert(1)//`, `'-alert(1)-'`
                if script_breakout(&s, i) {
                    return true;
                }
                // A sink reached as a computed member and called: `this['alert'](1)`.
                if s[i] != b';' && i > 0 && s[i - 1] == b'[' && quoted_sink_called(&s[i..]) {
                    return true;
                }
                // A tagged template with a substitution calls its tag: ``Function`${…}` ``,
                // ``x.call`${…}` ``.
                if s[i] == b'`'
                    && i > 0
                    && (s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_')
                    && (s[i + 1..].starts_with(b"${")
                        || s[..i].ends_with(b"function") && !in_code_span(&s, i - 8))
                {
                    return true;
                }
            }
            b'e' if s[i..].starts_with(b"expression") && starts_word(&s, i) => {
                let mut j = i + 10;
                while j < n && s[j] == b' ' {
                    j += 1;
                }
                if s.get(j) == Some(&b'(') && s[..i].contains(&b':') {
                    return true;
                }
            }
            b'{' if s[i..].starts_with(b"{{") && template_escapes(&s[i + 2..]) => {
                return true;
            }
            // JSFuck's atoms: `!![]` is true, `!+[]` is true (`![]` alone is a Markdown image).
            b'!' if s[i..].starts_with(b"!![]") || s[i..].starts_with(b"!+[]") => return true,
            // `location` written with a script URL, a name that carries one, or a decoded
            // string: `location=name`, `location.href='javas'+'cript:…'`.
            b'l' if s[i..].starts_with(b"location") && starts_word(&s, i) => {
                if location_scripted(&s[i + 8..]) {
                    return true;
                }
            }
            // JSFuck: script spelled with `[]`, `!` and `+` only (`[][(![]+[])…]`).
            b'[' if s[i..].starts_with(b"[][")
                && s.windows(3).filter(|w| w == b"![]").count() >= 2 =>
            {
                return true;
            }
            // JSFuck written in any order: a run of its six characters only.
            b'[' | b'(' | b'!' | b'+'
                if (i == 0 || !is_jsfuck_byte(s[i - 1])) && jsfuck_run(&s[i..]) =>
            {
                return true;
            }
            // The page's error handler set to a function, then an exception thrown: the
            // handler runs with the exception as its argument, a call without parentheses
            // (`onerror=f;throw 1`, `throw onerror=f,1`).
            b't' if s[i..].starts_with(b"throw")
                && starts_word(&s, i)
                && s.get(i + 5).is_none_or(|b| !is_name_byte(*b))
                && error_handler_assigned(&s) =>
            {
                return true;
            }
            b'a' | b'p' | b'c' | b'e' | b's' | b'f' | b'd' | b'w' | b't' | b'g' | b'n' | b'i'
            | b'$'
                if script_call(&s, i) =>
            {
                return true;
            }
            b'b' if s[i..].starts_with(b"behavior:") || s[i..].starts_with(b"behaviour:") => {
                return true;
            }
            b'-' if s[i..].starts_with(b"-moz-binding") => return true,
            // A DOM sink that parses markup: `x.innerHTML=…`, `insertAdjacentHTML(`.
            b'.' if html_sink_written(&s[i + 1..]) => return true,
            // A style sheet imported from another origin or by a script URL.
            b'@' if s[i..].starts_with(b"@import") && css_import_remote(&s[i + 7..]) => {
                return true;
            }
            _ => {}
        }
    }
    string_breakout_call(&s)
}

fn is_jsfuck_byte(b: u8) -> bool {
    matches!(b, b'[' | b']' | b'(' | b')' | b'!' | b'+')
}

/// JSFuck: a run of `[`, `]`, `(`, `)`, `!` and `+` only, at least 12 long, with an empty
/// array at least three times and an atom that turns one into a value (`![]`, `+[]`). JS
/// reads such a run as code that builds strings and calls; text and Markdown (`![](…)`)
/// put words between these characters.
fn jsfuck_run(t: &[u8]) -> bool {
    let len = t.iter().take_while(|&&b| is_jsfuck_byte(b)).count();
    let run = &t[..len];
    len >= 12
        && run.windows(2).filter(|w| w == b"[]").count() >= 3
        && run.windows(3).any(|w| w == b"![]" || w == b"+[]")
}

/// `onerror` (the global error handler, alone or as a member) assigned, not compared, a
/// name somewhere in `s` (not `null`, which takes the handler away, nor a function written
/// out, which is how pages set their own handler).
fn error_handler_assigned(s: &[u8]) -> bool {
    s.windows(7).enumerate().any(|(i, w)| {
        w == b"onerror" && starts_word_or_member(s, i) && {
            let a = s[i + 7..].trim_ascii_start();
            a.strip_prefix(b"=").is_some_and(|v| {
                let v = v.trim_ascii_start();
                v.first()
                    .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
                    && !v.starts_with(b"null")
                    && !v.starts_with(b"undefined")
                    && !v.starts_with(b"function")
            })
        }
    })
}

fn starts_word_or_member(s: &[u8], at: usize) -> bool {
    starts_word(s, at) || s[at - 1] == b'.'
}

/// After a member's `.`: a DOM property or method that parses its value as markup
/// (`innerHTML`, `outerHTML`, `srcdoc` assigned; `insertAdjacentHTML(`,
/// `createContextualFragment(` called). Reading the property (`x.innerHTML;`, `==`) is not
/// writing it.
fn html_sink_written(r: &[u8]) -> bool {
    for prop in [&b"innerhtml"[..], b"outerhtml", b"srcdoc"] {
        if let Some(a) = r.strip_prefix(prop) {
            let a = a.trim_ascii_start();
            let a = a.strip_prefix(b"+").unwrap_or(a);
            return a.starts_with(b"=") && !a.starts_with(b"==");
        }
    }
    [&b"insertadjacenthtml"[..], b"createcontextualfragment"]
        .iter()
        .any(|m| {
            r.strip_prefix(*m)
                .is_some_and(|a| a.trim_ascii_start().starts_with(b"("))
        })
}

/// After `@import`: a `url(…)` or a quoted URL that names another origin (`//`, a scheme):
/// the page takes a whole style sheet from elsewhere (CSS can read attribute values out and
/// run script in old engines). A preprocessor's partial (`@import "base";`) is local.
fn css_import_remote(r: &[u8]) -> bool {
    let r = r.trim_ascii_start();
    let r = r.strip_prefix(b"url(").map_or(r, <[u8]>::trim_ascii_start);
    let r = r
        .strip_prefix(b"\"")
        .or_else(|| r.strip_prefix(b"'"))
        .unwrap_or(r)
        .trim_ascii_start();
    r.starts_with(b"//")
        || r.starts_with(b"http:")
        || r.starts_with(b"https:")
        || script_scheme_at(r, 0)
}

/// A value that leaves a script string, runs a call and keeps the page's script valid: the
/// string closed by its quote (`'`, `"`, `` ` ``; `\'` where the page escapes quotes) with
/// only a word before it, closing brackets and at least one operator or `;`, a call of any
/// function (`x()`, `a.b(1)`), then the rest of the line commented out (`//`, `<!--`) or a
/// string reopened with the same quote (`'-x()-'`, `');x();('`). Text and code put a quote
/// at the start of a string, not at its end.
fn string_breakout_call(s: &[u8]) -> bool {
    let t = s.trim_ascii();
    let Some(p) = t.iter().position(|&b| matches!(b, b'\'' | b'"' | b'`')) else {
        return false;
    };
    if p > 64
        || !t[..p]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-' | b'.' | b'\\'))
    {
        return false;
    }
    let q = t[p];
    let is_op = |b: u8| matches!(b, b';' | b'+' | b'-' | b'*' | b'|' | b'&' | b',' | b'/');
    // Closers and operators up to the callee.
    let mut j = p + 1;
    let mut ops = 0;
    while j < t.len() && (matches!(t[j], b')' | b']' | b'}' | b' ') || is_op(t[j])) {
        if t[j] == b'/' && t.get(j + 1).is_some_and(|&b| b == b'/' || b == b'*') {
            return false;
        }
        ops += usize::from(is_op(t[j]));
        j += 1;
    }
    if ops == 0 {
        return false;
    }
    let Some(j) = call_chain(t, j) else {
        return false;
    };
    // The end: a comment to the end of the line, or the string reopened.
    let rest = &t[j..];
    let r = rest.trim_ascii_start();
    let r = r
        .iter()
        .position(|&b| b != b';' && b != b' ')
        .map_or(&r[r.len()..], |k| &r[k..]);
    if (r.starts_with(b"//") && !r.contains(&b'\n')) || r.starts_with(b"<!--") {
        return true;
    }
    let mut k = 0;
    let mut ops = 0;
    while k < rest.len() && (is_op(rest[k]) || matches!(rest[k], b' ' | b'(' | b'[' | b'{')) {
        ops += usize::from(is_op(rest[k]));
        k += 1;
    }
    ops > 0 && rest.get(k) == Some(&q) && rest[k + 1..].trim_ascii().is_empty()
}

/// From `j`: a call of any function (a dotted name, its arguments with brackets balanced and
/// strings skipped, or a template), more calls or members chained; the index after it.
fn call_chain(t: &[u8], mut j: usize) -> Option<usize> {
    let mut calls = 0;
    loop {
        let name = t[j..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
            .count();
        if name == 0 || t[j].is_ascii_digit() || t[j] == b'.' {
            break;
        }
        let mut k = j + name;
        while k < t.len() && t[k] == b' ' {
            k += 1;
        }
        match t.get(k) {
            Some(b'(') => j = balanced_end(t, k)?,
            Some(b'`') => j = k + 2 + t[k + 1..].iter().position(|&b| b == b'`')?,
            _ => break,
        }
        calls += 1;
        if t.get(j) != Some(&b'.') {
            break;
        }
        j += 1;
    }
    (calls > 0).then_some(j)
}

/// At `at`, after a comment or line the page's script had open was ended (`*/`, a line
/// terminator): a call of any function, then the rest of the value commented out again
/// (`*/x()/*`, `\u{2028}x()//`).
fn comment_breakout_call(s: &[u8], at: usize) -> bool {
    let mut j = at;
    while j < s.len() && matches!(s[j], b' ' | b'\t' | b';') {
        j += 1;
    }
    let Some(e) = call_chain(s, j) else {
        return false;
    };
    let r = &s[e..];
    let k = r
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b';'))
        .count();
    let r = &r[k..];
    r.starts_with(b"//") && !r.contains(&b'\n')
        || r.starts_with(b"/*") && !r.windows(2).any(|w| w == b"*/")
        || r.starts_with(b"<!--")
}

/// The index after the bracket that closes the `(` at `at` (strings inside skipped), within
/// 512 bytes.
fn balanced_end(t: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut string: Option<u8> = None;
    for (k, &b) in t.iter().enumerate().skip(at).take(512) {
        match string {
            Some(q) if b == q => string = None,
            Some(_) => {}
            None => match b {
                b'\'' | b'"' | b'`' => string = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(k + 1);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// `import` or `?import` (after `<`) with an `implementation` attribute: old IE's import of
/// an HTML component (`.htc`), which runs its script.
fn htc_import(t: &[u8]) -> bool {
    let t = t.strip_prefix(b"?").unwrap_or(t);
    let Some(rest) = t.strip_prefix(b"import") else {
        return false;
    };
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    rest[..end]
        .windows(14)
        .position(|w| w == b"implementation")
        .is_some_and(|p| rest[p + 14..].trim_ascii_start().starts_with(b"="))
}

/// The inside of a client-side template's `{{ … }}` (AngularJS, Vue) reaches out of the
/// expression sandbox: the Function constructor, the framework's evaluators and scope
/// internals, prototype tampering, or the window.
fn template_escapes(t: &[u8]) -> bool {
    let end = t
        .windows(2)
        .take(512)
        .position(|w| w == b"}}")
        .unwrap_or(t.len().min(512));
    let t = &t[..end];
    let has = |w: &[u8]| t.windows(w.len()).any(|x| x == w);
    has(b"constructor")
        || has(b"$eval")
        || has(b"$on.")
        || has(b"$event.")
        || has(b"$parent.")
        || has(b"$root.")
        || has(b"$el.")
        || has(b"$emit.")
        || has(b"_c.")
        || has(b"_v.")
        || has(b"_openblock")
        || has(b"_createelementblock")
        || has(b"prototype")
        || has(b"defaultview")
        || has(b"fromcharcode")
        || has(b"__proto__")
}

/// At a quote after `[`: a dialog or evaluation sink's name, the quote, `]`, then a call.
fn quoted_sink_called(t: &[u8]) -> bool {
    let q = t[0];
    [
        &b"alert"[..],
        b"prompt",
        b"confirm",
        b"eval",
        b"print",
        b"settimeout",
        b"setinterval",
    ]
    .iter()
    .any(|name| {
        t[1..].starts_with(name)
            && t.get(1 + name.len()) == Some(&q)
            && t.get(2 + name.len()) == Some(&b']')
            && matches!(
                t[3 + name.len()..].trim_ascii_start().first(),
                Some(b'(' | b'`')
            )
    })
}

/// After `location` (and an optional `.href`): assigned a script URL, a string built from
/// pieces or decoded, or a name that carries one (`window.name`).
fn location_scripted(rest: &[u8]) -> bool {
    let r = rest.trim_ascii_start();
    let r = r.strip_prefix(b".href").map_or(r, <[u8]>::trim_ascii_start);
    let Some(v) = r.strip_prefix(b"=").filter(|v| !v.starts_with(b"=")) else {
        return false;
    };
    let v = v.trim_ascii_start();
    let word = |w: &[u8]| {
        v.starts_with(w)
            && v.get(w.len())
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_')
    };
    if word(b"name")
        || word(b"window.name")
        || word(b"self.name")
        || word(b"top.name")
        || word(b"opener.name")
        || [
            &b"atob("[..],
            b"unescape(",
            b"decodeuri",
            b"string.fromcharcode(",
        ]
        .iter()
        .any(|w| v.starts_with(w))
    {
        return true;
    }
    let Some(&q) = v.first().filter(|q| matches!(q, b'\'' | b'"' | b'`')) else {
        return false;
    };
    let lit = &v[1..];
    let close = lit.iter().position(|&b| b == q).unwrap_or(lit.len());
    // A scheme written out, or a literal concatenated with more (`'javas'+'cript:'`).
    script_scheme_at(lit, 0)
        || lit[..close].starts_with(b"java")
            && lit
                .get(close + 1..)
                .is_some_and(|a| a.trim_ascii_start().starts_with(b"+"))
}

/// Elements that run script, load a document, plug-in or style, or change how the page
/// around them is read, whatever their attributes.
fn strong_tag(name: &[u8]) -> bool {
    matches!(
        name,
        b"script"
            | b"plaintext"
            | b"vmlframe"
            | b"iframe"
            | b"frame"
            | b"frameset"
            | b"object"
            | b"embed"
            | b"applet"
            | b"svg"
            | b"math"
            | b"xss"
            | b"isindex"
            | b"portal"
            | b"import"
            | b"bgsound"
            | b"layer"
            | b"ilayer"
            | b"xml"
            | b"base"
            | b"meta"
            | b"link"
            | b"style"
            | b"template"
            | b"handler"
            | b"listener"
    )
}

/// Whether a strong element at `at` (its name `name`, then `rest`) acts. Elements whose
/// content is code (`script`, `style`) or that change parsing act as soon as they open,
/// unless the `<…>` is a type parameter glued to a name (`Vec<Script>`, `::<Style>`) with no
/// markup or closing tag after it. Elements that load something need an attribute to say what
/// (a bare `<iframe>` or `<object>` in prose names the element); `meta` acts with
/// `http-equiv` (refresh, `Link`, cookies), a `charset` or a URL, not as a `name`/`content`
/// pair of document metadata.
fn strong_tag_acts(s: &[u8], at: usize, name: &[u8], rest: &[u8]) -> bool {
    let closed_at_once = rest.starts_with(b">");
    match name {
        b"script" | b"style" | b"plaintext" | b"xss" | b"xml" | b"template" | b"svg" | b"math" => {
            let glued = at > 0 && (s[at - 1].is_ascii_alphanumeric() || s[at - 1] == b':');
            !(glued && closed_at_once) || rest[1..].trim_ascii_start().starts_with(b"<") || {
                let mut close = b"</".to_vec();
                close.extend_from_slice(name);
                s[at..].windows(close.len()).any(|w| w == close.as_slice())
            }
        }
        b"meta" => {
            let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
            let tag = &rest[..end];
            let has = |w: &[u8]| tag.windows(w.len()).any(|x| x == w);
            has(b"http-equiv")
                || has(b"charset")
                || has(b"url")
                || end == rest.len() && !has(b"name")
        }
        _ => {
            // An attribute after the name, or the value ends inside the tag.
            let t = rest.trim_ascii_start();
            let t = t.strip_prefix(b"/").unwrap_or(t).trim_ascii_start();
            t.is_empty() || t.first().is_some_and(|b| b.is_ascii_alphabetic())
        }
    }
}

/// `<f o r m`: a tag name spelled with a space between its letters (a filter that removes
/// spaces, or one that looks for the name, reads it differently from the next one).
fn spaced_tag(s: &[u8], at: usize) -> bool {
    let mut buf = [0u8; 12];
    let mut len = 0;
    let mut j = at;
    while j < s.len() && s[j].is_ascii_lowercase() && len < buf.len() {
        buf[len] = s[j];
        len += 1;
        if s.get(j + 1)
            .is_some_and(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0c'))
            && s.get(j + 2).is_some_and(u8::is_ascii_lowercase)
        {
            j += 2;
        } else {
            j += 1;
            break;
        }
    }
    len >= 3
        && s.get(j).is_none_or(|b| !b.is_ascii_alphanumeric())
        && DANGEROUS_TAGS.contains(&&buf[..len])
}

/// The rest of the tag (up to `>`) from each place an attribute name can start: after a
/// space, a slash or a quote that ended the previous value.
fn attribute_starts(rest: &[u8]) -> impl Iterator<Item = &[u8]> {
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let tag = &rest[..end];
    (1..tag.len())
        .filter(move |&i| {
            matches!(
                tag[i - 1],
                b' ' | b'/' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'\x0c'
            )
        })
        .map(move |i| &tag[i..])
}

/// An attribute a client-side framework evaluates as script on an event or at start-up
/// (AngularJS `ng-click`, Vue `v-on:click` and `@click`, Alpine `x-on:click` and `x-init`),
/// its value a call, an assignment or a template.
fn framework_handler(rest: &[u8]) -> bool {
    attribute_starts(rest).any(|t| {
        let t = t.strip_prefix(b"data-").unwrap_or(t);
        let name = [&b"ng-"[..], b"v-on:", b"@", b"x-on:", b"x-init"]
            .into_iter()
            .find(|p| t.starts_with(p));
        let Some(p) = name else {
            return false;
        };
        let len = p.len()
            + t[p.len()..]
                .iter()
                .take_while(|&&b| is_name_byte(b) || b == b'.')
                .count();
        let Some(v) = t[len..].trim_ascii_start().strip_prefix(b"=") else {
            return false;
        };
        attribute_value(v.trim_ascii_start())
            .iter()
            .any(|&b| matches!(b, b'(' | b'`' | b'='))
    })
}

/// An attribute's value written from its first byte (after `=`): inside its quotes up to
/// the closing one, or unquoted up to white space.
fn attribute_value(v: &[u8]) -> &[u8] {
    let (q, v) = match v.first() {
        Some(&q @ (b'"' | b'\'')) => (Some(q), &v[1..]),
        _ => (None, v),
    };
    let end = v
        .iter()
        .position(|&b| Some(b) == q || q.is_none() && b.is_ascii_whitespace())
        .unwrap_or(v.len());
    &v[..end]
}

/// Attributes other than event handlers that make a tag load or run something: a form's
/// submit target, IE's data binding, an XML schema location, XML Events' handler, an SVG
/// animation that rewrites a link.
fn active_attribute(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let tag = &rest[..end];
    (1..tag.len()).any(|i| {
        matches!(
            tag[i - 1],
            b' ' | b'/' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'\x0c'
        ) && {
            let t = &tag[i..];
            let attr = |name: &[u8]| {
                t.starts_with(name) && t[name.len()..].trim_ascii_start().starts_with(b"=")
            };
            attr(b"formaction")
                || attr(b"datasrc")
                || attr(b"dataformatas")
                || attr(b"xsi:schemalocation")
                || attr(b"ev:handler")
                || attr(b"attributename") && {
                    let v = t[13..].trim_ascii_start()[1..].trim_ascii_start();
                    let v = v
                        .strip_prefix(b"\"")
                        .or_else(|| v.strip_prefix(b"'"))
                        .unwrap_or(v);
                    v.starts_with(b"xlink:href") || v.starts_with(b"href")
                }
        }
    })
}

/// Properties of `document`, forms and nodes that scripts and HTML sanitizers read, and that
/// an element's `id` or `name` shadows (the DOM's named properties): `<img name=getElementById>`
/// breaks `document.getElementById`, `<input name=attributes>` inside a form hides its
/// attributes from a sanitizer walking them. Field names a real form uses (`action`, `body`,
/// `domain`, `location`, `submit`) are left out.
const CLOBBERED: &[&[u8]] = &[
    b"__proto__",
    b"appendchild",
    b"attributes",
    b"childnodes",
    b"children",
    b"cookie",
    b"createelement",
    b"currentscript",
    b"defaultview",
    b"documentelement",
    b"firstchild",
    b"getattribute",
    b"getelementbyid",
    b"getelementsbyclassname",
    b"getelementsbyname",
    b"getelementsbytagname",
    b"hasattribute",
    b"implementation",
    b"innerhtml",
    b"insertbefore",
    b"lastchild",
    b"localname",
    b"namespaceuri",
    b"nextsibling",
    b"nodename",
    b"nodetype",
    b"outerhtml",
    b"ownerdocument",
    b"parentelement",
    b"parentnode",
    b"previoussibling",
    b"queryselector",
    b"queryselectorall",
    b"removeattribute",
    b"removechild",
    b"replacechild",
    b"setattribute",
    b"tagname",
    b"textcontent",
];

/// DOM clobbering: an attribute `id` or `name` in the tag whose value is one of [`CLOBBERED`].
fn clobbers(rest: &[u8]) -> bool {
    attribute_starts(rest).any(|t| {
        let Some(v) = t
            .strip_prefix(b"id")
            .or_else(|| t.strip_prefix(b"name"))
            .and_then(|v| v.trim_ascii_start().strip_prefix(b"="))
        else {
            return false;
        };
        let v = v.trim_ascii_start();
        let (q, v) = match v.first() {
            Some(&q @ (b'"' | b'\'' | b'`')) => (Some(q), &v[1..]),
            _ => (None, v),
        };
        let value_end = v
            .iter()
            .position(|&b| Some(b) == q || q.is_none() && (b.is_ascii_whitespace() || b == b'/'))
            .unwrap_or(v.len());
        CLOBBERED.contains(&&v[..value_end])
    })
}

/// Event-handler content attributes the HTML standard defines (global, window and document
/// handlers), with Pointer Events, CSS animation and transition, Touch Events, selection,
/// fullscreen and SVG animation (SMIL) events, and old IE's; sorted for a binary search.
const EVENT_HANDLERS: &[&[u8]] = &[
    b"onabort",
    b"onactivate",
    b"onafterprint",
    b"onafterscriptexecute",
    b"onanimationcancel",
    b"onanimationend",
    b"onanimationiteration",
    b"onanimationstart",
    b"onauxclick",
    b"onbeforeactivate",
    b"onbeforecopy",
    b"onbeforecut",
    b"onbeforedeactivate",
    b"onbeforeinput",
    b"onbeforematch",
    b"onbeforepaste",
    b"onbeforeprint",
    b"onbeforescriptexecute",
    b"onbeforetoggle",
    b"onbeforeunload",
    b"onbegin",
    b"onblur",
    b"onbounce",
    b"oncancel",
    b"oncanplay",
    b"oncanplaythrough",
    b"onchange",
    b"onclick",
    b"onclose",
    b"oncommand",
    b"oncontentvisibilityautostatechange",
    b"oncontextlost",
    b"oncontextmenu",
    b"oncontextrestored",
    b"oncopy",
    b"oncuechange",
    b"oncut",
    b"ondblclick",
    b"ondeactivate",
    b"ondrag",
    b"ondragend",
    b"ondragenter",
    b"ondragexit",
    b"ondragleave",
    b"ondragover",
    b"ondragstart",
    b"ondrop",
    b"ondurationchange",
    b"onemptied",
    b"onend",
    b"onended",
    b"onerror",
    b"onfilterchange",
    b"onfinish",
    b"onfocus",
    b"onfocusin",
    b"onfocusout",
    b"onformdata",
    b"onfullscreenchange",
    b"onfullscreenerror",
    b"ongotpointercapture",
    b"onhashchange",
    b"onhelp",
    b"oninput",
    b"oninvalid",
    b"onkeydown",
    b"onkeypress",
    b"onkeyup",
    b"onlanguagechange",
    b"onload",
    b"onloadeddata",
    b"onloadedmetadata",
    b"onloadend",
    b"onloadstart",
    b"onlosecapture",
    b"onlostpointercapture",
    b"onmessage",
    b"onmessageerror",
    b"onmousedown",
    b"onmouseenter",
    b"onmouseleave",
    b"onmousemove",
    b"onmouseout",
    b"onmouseover",
    b"onmouseup",
    b"onmousewheel",
    b"onmove",
    b"onmoveend",
    b"onmovestart",
    b"onoffline",
    b"ononline",
    b"onpagehide",
    b"onpagereveal",
    b"onpageshow",
    b"onpageswap",
    b"onpaste",
    b"onpause",
    b"onplay",
    b"onplaying",
    b"onpointercancel",
    b"onpointerdown",
    b"onpointerenter",
    b"onpointerleave",
    b"onpointermove",
    b"onpointerout",
    b"onpointerover",
    b"onpointerrawupdate",
    b"onpointerup",
    b"onpopstate",
    b"onprogress",
    b"onpropertychange",
    b"onratechange",
    b"onreadystatechange",
    b"onrejectionhandled",
    b"onrepeat",
    b"onreset",
    b"onresize",
    b"onscroll",
    b"onscrollend",
    b"onsearch",
    b"onsecuritypolicyviolation",
    b"onseeked",
    b"onseeking",
    b"onselect",
    b"onselectionchange",
    b"onselectstart",
    b"onshow",
    b"onslotchange",
    b"onstalled",
    b"onstart",
    b"onstorage",
    b"onsubmit",
    b"onsuspend",
    b"ontimeupdate",
    b"ontoggle",
    b"ontouchcancel",
    b"ontouchend",
    b"ontouchmove",
    b"ontouchstart",
    b"ontransitioncancel",
    b"ontransitionend",
    b"ontransitionrun",
    b"ontransitionstart",
    b"onunhandledrejection",
    b"onunload",
    b"onvolumechange",
    b"onwaiting",
    b"onwebkitanimationend",
    b"onwebkitanimationiteration",
    b"onwebkitanimationstart",
    b"onwebkittransitionend",
    b"onwheel",
];

/// A handler attribute the standard defines (`onerror=`, `ontoggle =`) whose value is
/// script: a call, a template, an assignment, or a sink handed over (`onerror=alert`). No
/// quote or tag is needed around it: written into an unquoted attribute value, it is one.
fn known_handler_runs(s: &[u8], at: usize) -> bool {
    let len = s[at..]
        .iter()
        .take_while(|b| b.is_ascii_lowercase())
        .count();
    if EVENT_HANDLERS.binary_search(&&s[at..at + len]).is_err() {
        return false;
    }
    let mut rest = s[at + len..].trim_ascii_start();
    if !rest.starts_with(b"=") {
        // Punctuation glued to the name inside a start tag (`onload!#$%…=`): old Gecko
        // ended the name there, today's tokenizer does not; text never writes it.
        let glued = rest
            .iter()
            .take_while(|&&b| {
                b.is_ascii_punctuation() && !matches!(b, b'=' | b'<' | b'>' | b'"' | b'\'')
            })
            .count();
        if glued == 0 || s[at + len] == b' ' || !in_start_tag(s, at) {
            return false;
        }
        rest = &rest[glued..];
    }
    let Some(v) = rest.strip_prefix(b"=") else {
        return false;
    };
    let v = v.trim_ascii_start();
    let v = match v.first() {
        Some(b'"' | b'\'' | b'`') => &v[1..],
        _ => v,
    };
    let end = v
        .iter()
        .take(256)
        .position(|&b| b.is_ascii_whitespace() || matches!(b, b'>' | b'"' | b'\''))
        .unwrap_or(v.len().min(256));
    let value = &v[..end];
    value.iter().any(|&b| matches!(b, b'(' | b'`' | b'='))
        || SINKS.iter().any(|k| value.starts_with(k))
}

/// Whether `at` sits inside a start tag: after `<` and a letter, with no `>` between.
fn in_start_tag(s: &[u8], at: usize) -> bool {
    s[..at]
        .iter()
        .rposition(|&b| b == b'<' || b == b'>')
        .is_some_and(|lt| s[lt] == b'<' && s.get(lt + 1).is_some_and(u8::is_ascii_alphabetic))
}

/// `on<letters>=` (with optional whitespace) at `at`.
fn event_handler_at(s: &[u8], at: usize) -> bool {
    let mut j = at + 2;
    let start = j;
    while j < s.len() && s[j].is_ascii_lowercase() {
        j += 1;
    }
    if j - start < 3 {
        return false;
    }
    while j < s.len() && matches!(s[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
        j += 1;
    }
    s.get(j) == Some(&b'=')
}

fn has_event_handler(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'<').unwrap_or(rest.len());
    let rest = &rest[..end];
    (0..rest.len()).any(|i| {
        rest[i..].starts_with(b"on")
            && i > 0
            && matches!(
                rest[i - 1],
                b' ' | b'/' | b'"' | b'\'' | b'`' | b'\t' | b'\n' | b'\r' | b'\x0c' | b';'
            )
            && event_handler_at(rest, i)
    })
}

fn has_script_url(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let rest = &rest[..end.min(rest.len())];
    (0..rest.len()).any(|i| {
        matches!(rest[i], b'=' | b'(') && {
            let mut j = i + 1;
            // Browsers skip leading controls and spaces (and the no-break kinds) in a URL.
            while j < rest.len()
                && (rest[j] <= b' ' || rest[j] >= 0x80 || matches!(rest[j], b'"' | b'\'' | b'`'))
            {
                j += 1;
            }
            script_scheme_at(rest, j)
        }
    })
}

/// A `style` attribute inside the tag that loads or runs something (`url(`, `expression(`,
/// CSS escapes that hide either).
fn styled_url(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let tag = &rest[..end];
    let Some(at) = tag.windows(6).position(|w| w == b"style=") else {
        return false;
    };
    let value = &tag[at + 6..];
    value.windows(4).any(|w| w == b"url(")
        || value.windows(10).any(|w| w == b"expression")
        || value.iter().filter(|&&b| b == b'\\').count() >= 3
        // The attribute itself (not a framework's `:style`, `v-bind:style`).
        || at > 0
            && matches!(tag[at - 1], b' ' | b'/' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'\x0c')
            && style_confused(value)
}

/// A `style` value (from after `style=`) that CSS parsers read apart: a declaration list holds
/// no blocks, so `{`, `}` or `[` before a property's `:` only make a filter and a browser
/// disagree on where a declaration starts; a quoted string that holds a whole declaration
/// (`'x;color:red'`) does the same in parsers that end strings early. Template markers
/// (`{{ }}`, `${ }`) are left alone.
fn style_confused(value: &[u8]) -> bool {
    let value = attribute_value(value);
    if value.windows(2).any(|w| w == b"{{" || w == b"${") {
        return false;
    }
    let mut string: Option<u8> = None;
    let mut in_name = true;
    for (i, &b) in value.iter().enumerate() {
        match string {
            Some(sq) if b == sq => string = None,
            Some(_) => {
                // `;` then `name:` inside a string.
                if b == b';' {
                    let rest = value[i + 1..].trim_ascii_start();
                    let name = rest
                        .iter()
                        .take_while(|&&c| c.is_ascii_lowercase() || c == b'-')
                        .count();
                    if name >= 2 && rest[name..].trim_ascii_start().starts_with(b":") {
                        return true;
                    }
                }
            }
            None => match b {
                b'"' | b'\'' => string = Some(b),
                b':' => in_name = false,
                b';' => in_name = true,
                b'{' | b'}' => return true,
                b'[' | b']' if in_name => return true,
                _ => {}
            },
        }
    }
    false
}

fn has_script_text(s: &[u8]) -> bool {
    SINKS.iter().any(|sink| {
        s.windows(sink.len() + 1)
            .any(|w| &w[..sink.len()] == *sink && matches!(w[sink.len()], b'(' | b'`'))
    })
}

/// From a quote or `;` at `at`: `;`/`+`/`-`/`||`/`)` then a sink call (`alert(`, `eval(`…).
fn script_breakout(s: &[u8], at: usize) -> bool {
    let mut j = at + 1;
    let mut ops = 0;
    while j < s.len()
        && matches!(
            s[j],
            b';' | b'+'
                | b'-'
                | b'|'
                | b'&'
                | b')'
                | b' '
                | b'*'
                | b'/'
                | b'}'
                | b'\''
                | b'"'
                | b','
        )
    {
        if s[j] != b' ' {
            ops += 1;
        }
        j += 1;
    }
    // `"in valueOf=`: the `in` operator leaves a string as well as a symbol does.
    let mut keyword = false;
    if ops == 0
        && let Some(r) = s[j..].strip_prefix(b"in")
        && r.first().is_some_and(|&b| b == b' ')
    {
        j += 2 + r.iter().take_while(|&&b| b == b' ').count();
        keyword = true;
    }
    // A `;`, a comment's end or a line end needs no operator after it: a statement follows.
    if ops == 0 && !keyword && !matches!(s[at], b';' | b'/' | b'\n') {
        return false;
    }
    let rest = &s[j..];
    if keyword {
        return [&b"valueof"[..], b"tostring", b"location", b"onerror"]
            .iter()
            .any(|w| {
                rest.starts_with(w) && {
                    let a = rest[w.len()..].trim_ascii_start();
                    a.starts_with(b"=") && !a.starts_with(b"==")
                }
            });
    }
    // A function expression alone runs nothing (`', function() {` is an argument list).
    SINKS
        .iter()
        .filter(|sink| **sink != b"function")
        .any(|sink| {
            rest.starts_with(sink) && {
                let mut k = sink.len();
                while k < rest.len() && matches!(rest[k], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                    k += 1;
                }
                matches!(rest.get(k), Some(b'('))
                    || rest.get(k) == Some(&b'`') && !in_code_span(s, j)
                    || rest[k..].starts_with(b"?.(")
            }
        })
        || rest.starts_with(b"document.")
        || rest.starts_with(b"window.")
        || rest.starts_with(b"location")
        // A conversion hook replaced: `'-valueOf=alert-'` runs it when the page converts.
        || [&b"valueof"[..], b"tostring"].iter().any(|w| {
            rest.starts_with(w) && {
                let a = rest[w.len()..].trim_ascii_start();
                a.starts_with(b"=") && !a.starts_with(b"==")
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_detected() {
        for attack in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "\"><svg/onload=alert(1)>",
            "javascript:alert(document.cookie)",
            "\" onmouseover=\"alert(1)",
            "';alert(String.fromCharCode(88,83,83))//",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "<iframe src=//evil>",
            // a tag split by a tag a filter strips, IIS `%u` escapes, a bidi mark in a name
            "<img src=x o<b>nerror=prompt(2)>",
            "%uff1ciframe src=//x%uff1e",
            "<sc\u{202e}ript>confirm(3)</script>",
            // script without markup: computed globals, tagged templates, JSFuck
            "parent['con'+'firm'](4)",
            "x.bind`${y}`",
            "[][(![]+[])[+[]]+(![]+[])[!+[]+!+[]]]",
            // third round
            "<w:vmlframe src=\"a.fml\"/>",
            "$<i f r a m e",
            "<b datasrc=#d dataformatas=html>",
            "k:url(javascript",
            "  onpointerrawupdate= =v",
            "parent[7..toString(9)](1)",
            "Function`$${1}`",
            // fifth round: JS grammar (comments, optional calls, sinks as values, DOM
            // script creation, template substitutions), the standard's handler list,
            // namespaced script, data: script URLs, deep percent encoding
            "prompt/* x */(3)",
            "<p style=\"width:expr/**/ession(confirm(2))\">",
            "<video src=x onerror=confirm?.(5)>",
            "[7].map(prompt)",
            "'-(y=confirm,y(4))-'",
            "';document.body.append(document.createElement(\"script\"))//",
            "`${print()}`",
            "ontoggle=prompt;throw 9",
            "<h:script xmlns:h=\"http://www.w3.org/1999/xhtml\" src=\"data:,print()\"/>",
            "%2525253Csvg%25252Fonload%25253Dprint()%25253E",
            "window . name",
            "[].constructor.constructor(\"print()\")()",
            "[]['filter']['constructor']('print()')()",
            "Function(\"prompt(8)\")()",
            "execScript(\"x\")",
            // sixth round: markup in UTF-7, overlong UTF-8 and fullwidth forms
            "+ADw-svg onload+AD0-confirm+ACg-7+ACk-+AD4-",
            "%C0%BCsvg onload=confirm(2)%C0%BE",
            "\u{ff1c}\u{ff53}\u{ff56}\u{ff47} \u{ff4f}\u{ff4e}\u{ff4c}\u{ff4f}\u{ff41}\u{ff44}\u{ff1d}x()\u{ff1e}",
            "%BCsvg onload%BDconfirm%A89%A9%BE",
            "<?import namespace=t implementation=\"#default#time2\">",
            "x=!+[]+!![]",
            "{{$on.constructor('confirm(1)')()}}",
            "{{x=''.__proto__;x.charAt=[].join}}",
            "location=window.name",
            "location.href='java'+'script:confirm(1)'",
            "'-valueOf=confirm-'",
            "\"in valueOf=x",
            "<b @mouseover=\"$root.x()\">",
            "this['confirm'](1)",
            "[confirm][0](1)",
            "<f\to\tr\tm",
            // seventh round: US-ASCII markup only as whole pieces (a tag, a sink's call), JS
            // line terminators, DOM clobbering
            "%BCscript%BEconfirm(1)%BC/script%BE",
            "%A2 autofocus onfocus%BD%A2confirm%A82%A9",
            "'\u{2028}confirm(1)//",
            "//\u{2029}prompt(3)",
            "<form id=f><input name=attributes></form>",
            "<img name=\"getElementById\">",
            "<a id=currentScript href=//x.example/x.js>",
            "<embed name=createElement>",
            // eighth round: a comment or line closed before a call, Netscape's JS entities,
            // style attributes a CSS parser and a filter split differently, a whole element
            // in US-ASCII characters (as UTF-8 characters and as JS escapes)
            "*/print()/*",
            "new\n\tFunction(x)()",
            "\u{2029}print()//",
            "<hr width=\"&{go()};\">",
            "<p style=\"b\\61 ckground:red\">x</p>",
            "<p style=\"[k]color:red\">x</p>",
            "<p style=\"font-family:'q;color:red'\">x</p>",
            "\u{bc}em\u{be}hi\u{bc}/em\u{be}",
            "\\xbcem\\xbehi\\xbc/em\\xbe",
            // ninth round: a script string left, any call run, the rest kept valid; DOM
            // parsing sinks written; style sheets imported by URL or an escaped keyword;
            // the Function constructor's function called at once
            "';go();//",
            "abc\\\";x.y(1)//",
            "'-go()-'",
            "');go(1);('",
            "\"}));a.b('c');<!--",
            "q.innerHTML = '<b>'",
            "el.outerHTML+=x",
            "n.insertAdjacentHTML('beforeend', h)",
            "@import url(//x.example/a.css);",
            "@\\i\\m\\p\\o\\r\\t 'x.css';",
            "Function(x)()",
            "*/go(1)/*",
            "\u{2028}a.b()//",
            "//\nrun(1)//",
        ] {
            assert!(xss(attack.as_bytes()), "{attack}");
        }
        // Not UTF-8: bytes that a US-ASCII page reads as markup.
        for attack in [
            &b"\xbcsvg/onload\xbdconfirm(1)\xbe"[..],
            b"x\xa7;prompt\xa82\xa9//",
            b"\xbcb\xbex\xbc/b\xbe",
            b"\xbciframe src=//x.example",
            b"k\xbdv:url\xa8javascript",
        ] {
            assert!(xss(attack), "{}", attack.escape_ascii());
        }
    }

    #[test]
    fn top_bit_bytes_beside_ascii_markup_are_text() {
        // Latin-1 (or another single-byte encoding) with `¼`, `½`, `¾`: a top-bit byte that
        // would glue or unglue ASCII markup is no tag of its own.
        for text in [
            &b"caf\xe9 \xbcconfirm(2)"[..],
            b"\xbcx\xbe",
            b"1\xbc lb \xbcdiv\xa0 x\xbe",
            b"r\xe9sum\xe9 \xbc/style \xbd value",
            b"price \xbc lb \xbe 3 \xbc/ lb",
            b"caf\xe9 \xbcmenu\xbe \xbc/carte\xbe",
        ] {
            assert!(!xss(text), "{}", text.escape_ascii());
        }
    }

    #[test]
    fn markup_free_text_is_not_xss() {
        for text in [
            "BLAH <A HREF=\"/FOO.HTML\">FOO</A>",
            "x/void(1)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
            "a < b and c > d",
            "evaluate the expression",
            "the top [3] items",
            "we import (and export) goods",
            "![](image.png) and ![](other.png)",
            "Light, grippy and made for long days; recycled upper.",
            "on the form page",
            "a < i f",
            // fifth round: code and prose the independent benign text showed
            "pass `--eval` or `--import` on the command line",
            "the `Function` object",
            "setTimeout(() => done(), 100);",
            "const { readFile } = await import('node:fs');",
            "let url = new URL(path, window.location.href);",
            "fn alert(msg: &str) {}",
            "the `<iframe>` and `<object>` elements",
            "let t = Vec::<Script>::new();",
            "<meta name=\"viewport\" content=\"width=device-width\">",
            "background: url(data:image/png;base64,iVBORw0KGgo=)",
            "document.addEventListener('load', function() {",
            "levels=alert,warn,info",
            "a function (or a closure) with a constructor (see below)",
            // sixth round: text near the new readings
            "C++ and +ADD mode, +ACK-flag",
            "f\u{fc}r 1\u{bc} cups, \u{bd} < \u{be}",
            "Hello {{ user.name }}, {{ $t('greeting') }}",
            "a --> b, see ![](x.png)",
            "location=Paris&radius=20",
            "@import \"custom\";",
            "1\u{bc} in x 2\u{be} in",
            "<input ng-model=\"user.name\"> and [ALERT][0] (see log)",
            "\u{ff21}\u{ff22}\u{ff23}\u{ff08}\u{30ce}\u{30fc}\u{30c8}\u{ff09}\u{ff1a}\u{ff11}\u{ff10}",
            // seventh round: paths naming script objects, form fields, typographic spaces
            "/docs/web-api/document.cookie",
            "/wiki/window.location",
            "<input name=\"body\"> <input name=domain> <input id=location>",
            "<form name=\"search\"><input name=\"q\"></form>",
            "Please confirm\u{a0}the order \u{2014} 3\u{2009}items",
            // eighth round: globs and comments, framework style bindings, fractions
            "\"projects/*/locations/*/print\"",
            "/* note */ print(x)",
            "see **/print() in the glob",
            "<div :style=\"{color: c}\" v-bind:style=\"{ x: y }\">",
            "<div style=\"width: {{ width }}px\">",
            "<span style=\"content:'\\201C'\">",
            "my $x = &{$code}(1);",
            "1\u{bc} cups flour, \u{be} cup sugar, \u{bc}inch \u{be}inch \u{bc}/inch",
            // ninth round: quotes that open strings, reading a DOM property, local imports,
            // function expressions and prose with brackets
            "'x' + f() + 'y' // join",
            "it's -- go(1) // note",
            "\"hello\", she said (quietly) // end",
            "if (a.innerHTML == b) return;",
            "the element.innerHTML property",
            "@import \"base\"; @import 'theme/colors';",
            "(function(x) { return x; })(1)",
            "see the function(s) (below)",
            "email me@\\host or @ \\x",
            "see */ above and a */ b() c",
            "// note\nrun() // twice",
            "//\nrun()//\nmore()//",
            // eleventh round: brackets, bangs and pluses in text, error handlers in code,
            // ampersands before letters
            "![](a.png)![](b.png)![](c.png)",
            "C++ [] () !! ++ [x] (y)",
            "[[]] + [[]] + (!)",
            "window.onerror = null; // then throw below",
            "if (x == onerror) throw err;",
            "throw new Error('bad onerror value')",
            "AT&T &ltd; fish &amp chips &gt 5 &quotes",
            "onload!! is fired (see onclick?) = handler",
            "<!-- note --> a<!-- b -->c and x<!--y-->z",
            "price &dollar;5 &commat;home &lbrack;1&rbrack; &Hat;",
            "id=dGhpcyBpcyBqdXN0IHRleHQgKHJlYWxseSk=&sig=c29tZSA8c2lnbmF0dXJlPg==",
            "{\"token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc\"}",
        ] {
            assert!(!xss(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn jsfuck_error_handlers_and_legacy_references_are_read() {
        for attack in [
            "(![]+[])[+!+[]]+(!![]+[])[+[]]",
            "q=[][(![]+[])[+[]]+(!![]+[])[+!+[]]]",
            "onerror=print;throw 7",
            "throw onerror=confirm,'x'",
            "x=1;window.onerror=eval;throw'=go()'",
            "&ltscript&gtgo()&lt/script&gt",
            "&LTimg src=x onerror=go()&GT",
            "&ltsvg onload=&quotgo()&quot&gt",
            "<body onpageshow!#$%&()*~+-_.,:;?@[/|\\]^`=go()>",
            "<img src=\"java<!-- x -->script:go()\">",
            "<img src=x onerror=top&lbrack;'go'&rbrack;()>",
            "<svg onload=go&DiacriticalGrave;1&DiacriticalGrave;>",
            // `<svg onload=go()>` and `<script>go()</script>` in base64, inside a field
            "q=PHN2ZyBvbmxvYWQ9Z28oKT4=&page=2",
            "q=PHN2ZyBvbmxvYWQ9Z28oKT4=",
            "+ACI-o+ADw-b+AD4-nfocus+AD0-go()+ACI-",
            "<script src=\"data:text/x-javascript,go()\"></script>",
            "<object data=\"data:text/x-scriptlet,x\"></object>",
            "{\"note\":\"PHNjcmlwdD5nbygpPC9zY3JpcHQ+\"}",
        ] {
            assert!(xss(attack.as_bytes()), "{attack}");
        }
    }
}
