//! Text transformations (AWS WAF's `TextTransformation`s), applied in order to a field's value
//! before a test. Each returns the input borrowed when it changes nothing, so a clean value
//! costs no allocation.

use std::borrow::Cow;

use crate::ir::Transform;

/// Applies `transforms` in order.
pub(crate) fn apply<'a>(value: &'a [u8], transforms: &[Transform]) -> Cow<'a, [u8]> {
    let mut out = Cow::Borrowed(value);
    for t in transforms {
        let next = match t {
            Transform::UrlDecode => url_decode(&out, true),
            Transform::HtmlEntityDecode => html_entity_decode(&out),
            Transform::Lowercase => lowercase(&out),
            Transform::CompressWhitespace => compress_whitespace(&out),
            Transform::Base64Decode => base64_decode(&out),
            Transform::JsDecode => js_decode(&out),
            Transform::CssDecode => css_decode(&out),
        };
        if let Some(next) = next {
            out = Cow::Owned(next);
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` (and `+` as space when `plus`); malformed escapes stay as they are. `None`: unchanged.
pub(crate) fn url_decode(v: &[u8], plus: bool) -> Option<Vec<u8>> {
    // `contains` on bytes is a word-at-a-time search: most values have nothing to decode.
    if !(v.contains(&b'%') || plus && v.contains(&b'+')) {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'%' if i + 2 < v.len() => match (hex(v[i + 1]), hex(v[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    (out != v).then_some(out)
}

/// Named entities worth knowing for attacks (the ones that spell markup and script syntax).
const ENTITIES: &[(&[u8], u8)] = &[
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"amp", b'&'),
    (b"quot", b'"'),
    (b"apos", b'\''),
    (b"nbsp", b' '),
    (b"colon", b':'),
    (b"lpar", b'('),
    (b"rpar", b')'),
    (b"sol", b'/'),
    (b"bsol", b'\\'),
    (b"tab", b'\t'),
    (b"newline", b'\n'),
    (b"equals", b'='),
    (b"grave", b'`'),
    (b"semi", b';'),
    (b"comma", b','),
    (b"period", b'.'),
    (b"excl", b'!'),
    (b"quest", b'?'),
    (b"num", b'#'),
    (b"percnt", b'%'),
    (b"plus", b'+'),
    (b"lsqb", b'['),
    (b"rsqb", b']'),
    (b"lcub", b'{'),
    (b"rcub", b'}'),
    (b"dollar", b'$'),
    (b"ast", b'*'),
    (b"midast", b'*'),
    (b"commat", b'@'),
    (b"lbrack", b'['),
    (b"rbrack", b']'),
    (b"lbrace", b'{'),
    (b"rbrace", b'}'),
    (b"verbar", b'|'),
    (b"vert", b'|'),
    (b"verticalline", b'|'),
    (b"lowbar", b'_'),
    (b"underbar", b'_'),
    (b"hat", b'^'),
    (b"diacriticalgrave", b'`'),
    (b"nonbreakingspace", b' '),
];

fn push_char(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// `&name;`, `&#DD;`, `&#xHH;` (the `;` optional for numeric references, as browsers allow).
pub(crate) fn html_entity_decode(v: &[u8]) -> Option<Vec<u8>> {
    if !v.contains(&b'&') {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    let mut changed = false;
    while i < v.len() {
        if v[i] == b'&' {
            let rest = &v[i + 1..];
            if let Some(r) = rest.strip_prefix(b"#") {
                let (radix, digits) = match r.first() {
                    Some(b'x' | b'X') => (16, &r[1..]),
                    _ => (10, r),
                };
                let n = digits
                    .iter()
                    .take_while(|b| {
                        if radix == 16 {
                            b.is_ascii_hexdigit()
                        } else {
                            b.is_ascii_digit()
                        }
                    })
                    .count();
                if n > 0 {
                    let text = std::str::from_utf8(&digits[..n]).unwrap_or("0");
                    let cp = u32::from_str_radix(text, radix).unwrap_or(0xfffd);
                    push_char(&mut out, cp.min(0x10ffff));
                    let mut used = 1 + usize::from(radix == 16) + n;
                    if digits.get(n) == Some(&b';') {
                        used += 1;
                    }
                    i += 1 + used;
                    changed = true;
                    continue;
                }
            } else if let Some(&(name, ch)) = ENTITIES.iter().find(|(name, _)| {
                rest.len() > name.len()
                    && rest[..name.len()].eq_ignore_ascii_case(name)
                    && rest[name.len()] == b';'
            }) {
                out.push(ch);
                i += 2 + name.len();
                changed = true;
                continue;
            }
        }
        out.push(v[i]);
        i += 1;
    }
    changed.then_some(out)
}

fn lowercase(v: &[u8]) -> Option<Vec<u8>> {
    v.iter()
        .any(u8::is_ascii_uppercase)
        .then(|| v.to_ascii_lowercase())
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

fn compress_whitespace(v: &[u8]) -> Option<Vec<u8>> {
    let needs = v.windows(2).any(|w| is_space(w[0]) && is_space(w[1]))
        || v.iter().any(|&b| is_space(b) && b != b' ');
    if !needs {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut last_space = false;
    for &b in v {
        if is_space(b) {
            if !last_space {
                out.push(b' ');
            }
            last_space = true;
        } else {
            out.push(b);
            last_space = false;
        }
    }
    Some(out)
}

fn b64_value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Base64, standard or URL-safe, padding optional; `None` when the input is not base64.
pub(crate) fn base64_decode(v: &[u8]) -> Option<Vec<u8>> {
    let data: &[u8] = {
        let mut end = v.len();
        while end > 0 && v[end - 1] == b'=' {
            end -= 1;
        }
        &v[..end]
    };
    if data.is_empty() || data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in data {
        acc = acc << 6 | u32::from(b64_value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// JavaScript string escapes.
pub(crate) fn js_decode(v: &[u8]) -> Option<Vec<u8>> {
    if !v.contains(&b'\\') {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 1 < v.len() {
            let c = v[i + 1];
            let hex_at = |from: usize, n: usize| -> Option<u32> {
                let digits = v.get(from..from + n)?;
                digits
                    .iter()
                    .try_fold(0u32, |acc, &d| Some(acc << 4 | u32::from(hex(d)?)))
            };
            match c {
                b'x' => {
                    if let Some(cp) = hex_at(i + 2, 2) {
                        push_char(&mut out, cp);
                        i += 4;
                        continue;
                    }
                }
                b'u' => {
                    if v.get(i + 2) == Some(&b'{') {
                        let end = v[i + 3..].iter().position(|&b| b == b'}');
                        if let Some(n) = end.filter(|&n| (1..=6).contains(&n))
                            && let Some(cp) = hex_at(i + 3, n)
                        {
                            push_char(&mut out, cp);
                            i += 4 + n;
                            continue;
                        }
                    } else if let Some(cp) = hex_at(i + 2, 4) {
                        push_char(&mut out, cp);
                        i += 6;
                        continue;
                    }
                }
                b'n' => {
                    out.push(b'\n');
                    i += 2;
                    continue;
                }
                b't' => {
                    out.push(b'\t');
                    i += 2;
                    continue;
                }
                b'r' => {
                    out.push(b'\r');
                    i += 2;
                    continue;
                }
                b'0'..=b'7' => {
                    let n = v[i + 1..]
                        .iter()
                        .take(3)
                        .take_while(|b| (b'0'..=b'7').contains(b))
                        .count();
                    let cp = v[i + 1..i + 1 + n]
                        .iter()
                        .fold(0u32, |acc, &d| acc * 8 + u32::from(d - b'0'));
                    push_char(&mut out, cp);
                    i += 1 + n;
                    continue;
                }
                _ => {
                    out.push(c);
                    i += 2;
                    continue;
                }
            }
        }
        out.push(v[i]);
        i += 1;
    }
    (out != v).then_some(out)
}

/// CSS escapes: `\` then 1–6 hex digits (and one optional space), or `\` before any other
/// character, which stands for itself.
pub(crate) fn css_decode(v: &[u8]) -> Option<Vec<u8>> {
    if !v.contains(&b'\\') {
        return None;
    }
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' && i + 1 < v.len() {
            let n = v[i + 1..]
                .iter()
                .take(6)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if n > 0 {
                let cp = v[i + 1..i + 1 + n]
                    .iter()
                    .fold(0u32, |acc, &d| acc << 4 | u32::from(hex(d).unwrap_or(0)));
                push_char(&mut out, cp);
                i += 1 + n;
                if v.get(i) == Some(&b' ') {
                    i += 1;
                }
                continue;
            }
            if v[i + 1] != b'\n' {
                out.push(v[i + 1]);
            }
            i += 2;
            continue;
        }
        out.push(v[i]);
        i += 1;
    }
    (out != v).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(input: &str, transforms: &[Transform]) -> String {
        String::from_utf8_lossy(&apply(input.as_bytes(), transforms)).into_owned()
    }

    #[test]
    fn each_transformation() {
        use Transform::*;
        assert_eq!(t("a%20b+c%2", &[UrlDecode]), "a b c%2");
        assert_eq!(
            t("&lt;script&gt;&#60;&#x3C;&#x3c", &[HtmlEntityDecode]),
            "<script><<<"
        );
        assert_eq!(t("SeLeCt", &[Lowercase]), "select");
        assert_eq!(t("a \t\n b", &[CompressWhitespace]), "a b");
        assert_eq!(t("PHNjcmlwdD4=", &[Base64Decode]), "<script>");
        assert_eq!(t("not base64!", &[Base64Decode]), "not base64!");
        assert_eq!(t(r"\x3cscript\u003e\u{41}\101", &[JsDecode]), "<script>AA");
        assert_eq!(t(r"java\73 cript\:x", &[CssDecode]), "javascript:x");
        assert_eq!(t("%253Cscript", &[UrlDecode, UrlDecode]), "<script");
        assert_eq!(t("%3CSCRIPT", &[UrlDecode, Lowercase]), "<script");
    }

    #[test]
    fn unchanged_values_are_borrowed() {
        let all = [
            Transform::UrlDecode,
            Transform::HtmlEntityDecode,
            Transform::Lowercase,
            Transform::CompressWhitespace,
            Transform::JsDecode,
            Transform::CssDecode,
        ];
        assert!(matches!(apply(b"plain value", &all), Cow::Borrowed(_)));
    }
}
