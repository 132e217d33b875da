//! SQL injection and cross-site scripting detection, built from the structure of the two
//! languages rather than from lists of attack strings.
//!
//! **SQL.** A value is injected into a query in one of three places: inside a single-quoted
//! string, inside a double-quoted string, or as a bare (numeric) operand. The value is
//! tokenised as SQL from each of those starting points ([`sql_tokens`]), and the token stream
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

use std::borrow::Cow;

use super::transform;

/// Decoding passes a value goes through before detection (attackers encode twice).
fn decoded_forms(v: &[u8]) -> [Option<Vec<u8>>; 2] {
    let once = transform::url_decode(v, false);
    let twice = once
        .as_deref()
        .and_then(|o| transform::url_decode(o, false));
    [once, twice]
}

/// True when the value carries SQL injection.
pub(crate) fn sqli(v: &[u8]) -> bool {
    if sqli_one(v) {
        return true;
    }
    decoded_forms(v).iter().flatten().any(|d| sqli_one(d))
}

/// True when the value carries cross-site scripting.
pub(crate) fn xss(v: &[u8]) -> bool {
    if xss_one(v) {
        return true;
    }
    decoded_forms(v).iter().flatten().any(|d| xss_one(d))
}

// ---------------------------------------------------------------- SQL

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A string literal; `true` when it was closed by a quote in the value.
    Str,
    /// A string the value closed first (the breakout), from a quoted starting context.
    Breakout,
    Num,
    /// A plain identifier.
    Ident,
    /// `AND`, `OR`, `XOR`, `&&`, `||`, `NOT`
    Logic,
    /// `=`, `<>`, `!=`, `<`, `>`, `LIKE`, `IN`, `IS`, `BETWEEN`, `REGEXP`, `RLIKE`, `SOUNDS`
    Cmp,
    /// `+ - * / % & | ^ ~ <<`
    Arith,
    LParen,
    RParen,
    Comma,
    Semi,
    /// `--`, `#`, `/*`
    Comment,
    /// `@x`, `@@x`
    Var,
    /// Keywords that start or shape a statement.
    Select,
    Union,
    From,
    Where,
    Stmt,
    Clause,
    /// A function known for injection (time, file, error-based, string building).
    Func,
    /// `NULL`, `TRUE`, `FALSE`
    Const,
    Dot,
    Other,
}

fn keyword(word: &[u8]) -> Tok {
    let mut buf = [0u8; 24];
    if word.len() > buf.len() {
        return Tok::Ident;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    match &*lower {
        b"and" | b"or" | b"xor" | b"not" | b"div" => Tok::Logic,
        b"like" | b"rlike" | b"regexp" | b"in" | b"is" | b"between" | b"sounds" | b"glob" => {
            Tok::Cmp
        }
        b"select" => Tok::Select,
        b"union" | b"intersect" | b"except" => Tok::Union,
        b"from" => Tok::From,
        b"where" | b"having" => Tok::Where,
        b"insert" | b"update" | b"delete" | b"drop" | b"create" | b"alter" | b"truncate"
        | b"exec" | b"execute" | b"declare" | b"shutdown" | b"grant" | b"revoke" | b"replace"
        | b"merge" | b"call" | b"waitfor" | b"load" | b"handler" | b"rename" | b"set" => {
            Tok::Stmt
        }
        b"order" | b"group" | b"limit" | b"offset" | b"procedure" | b"into" | b"join"
        | b"case" | b"when" | b"then" | b"else" | b"end" | b"values" | b"top" | b"distinct"
        | b"all" | b"by" | b"asc" | b"desc" | b"table" | b"database" | b"delay"
        | b"outfile" | b"dumpfile" | b"collate" | b"escape" | b"if" | b"cast" | b"convert"
        | b"as" => Tok::Clause,
        b"sleep" | b"benchmark" | b"pg_sleep" | b"load_file" | b"extractvalue"
        | b"updatexml" | b"char" | b"chr" | b"concat" | b"concat_ws" | b"group_concat"
        | b"substring" | b"substr" | b"mid" | b"ascii" | b"ord" | b"hex" | b"unhex"
        | b"version" | b"user" | b"current_user" | b"system_user" | b"database_name"
        | b"db_name" | b"schema" | b"count" | b"length" | b"len" | b"xp_cmdshell"
        | b"dbms_pipe" | b"utl_inaddr" | b"randomblob" | b"name_const" | b"exp"
        | b"floor" | b"rand" | b"md5" | b"sha1" | b"lower" | b"upper" | b"ifnull"
        | b"isnull" | b"nullif" | b"coalesce" | b"iif" | b"elt" | b"make_set"
        | b"json_keys" | b"polygon" | b"geometrycollection" | b"multipoint" | b"linestring"
        | b"sqlite_version" | b"information_schema" | b"sysobjects" | b"syscolumns"
        | b"mysql" | b"pg_catalog" | b"all_tables" | b"dual" | b"openrowset"
        | b"opendatasource" => Tok::Func,
        b"null" | b"true" | b"false" => Tok::Const,
        _ => Tok::Ident,
    }
}

/// Tokens of `v` read as SQL, starting inside a string quoted by `quote` (or bare, `0`).
/// Whitespace is dropped; at most `limit` tokens.
fn sql_tokens(v: &[u8], quote: u8, out: &mut Vec<Tok>) {
    out.clear();
    let mut i = 0;
    let n = v.len();
    if quote != 0 {
        // Inside a string: up to the first unescaped closing quote.
        let mut j = 0;
        let mut closed = false;
        while j < n {
            if v[j] == b'\\' {
                j += 2;
                continue;
            }
            if v[j] == quote {
                if v.get(j + 1) == Some(&quote) {
                    j += 2;
                    continue;
                }
                closed = true;
                break;
            }
            j += 1;
        }
        if !closed {
            return;
        }
        out.push(Tok::Breakout);
        i = j + 1;
    }
    while i < n && out.len() < 64 {
        let c = v[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' | 0xa0 | 0 => {
                i += 1;
            }
            b'\'' | b'"' | b'`' => {
                let mut j = i + 1;
                while j < n {
                    if v[j] == b'\\' {
                        j += 2;
                        continue;
                    }
                    if v[j] == c {
                        if v.get(j + 1) == Some(&c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                out.push(if c == b'`' { Tok::Ident } else { Tok::Str });
                i = j + 1;
            }
            b'0'..=b'9' => {
                let mut j = i + 1;
                if c == b'0' && matches!(v.get(j), Some(b'x' | b'X' | b'b' | b'B')) {
                    j += 1;
                }
                while j < n && (v[j].is_ascii_alphanumeric() || v[j] == b'.') {
                    j += 1;
                }
                out.push(Tok::Num);
                i = j;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' | 0x80..=0xff => {
                let mut j = i + 1;
                while j < n && (v[j].is_ascii_alphanumeric() || v[j] == b'_' || v[j] == b'$') {
                    j += 1;
                }
                if c >= 0x80 {
                    while j < n && v[j] >= 0x80 {
                        j += 1;
                    }
                    out.push(Tok::Other);
                } else {
                    out.push(keyword(&v[i..j]));
                }
                i = j;
            }
            b'@' => {
                let mut j = i + 1;
                while j < n && (v[j] == b'@' || v[j].is_ascii_alphanumeric() || v[j] == b'_') {
                    j += 1;
                }
                out.push(if j > i + 1 { Tok::Var } else { Tok::Other });
                i = j;
            }
            b'(' | b'{' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' | b'}' => {
                out.push(Tok::RParen);
                i += 1;
            }
            b',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            b';' => {
                out.push(Tok::Semi);
                i += 1;
            }
            b'.' => {
                out.push(Tok::Dot);
                i += 1;
            }
            b'#' => {
                out.push(Tok::Comment);
                return;
            }
            b'-' if v.get(i + 1) == Some(&b'-') => {
                out.push(Tok::Comment);
                return;
            }
            b'/' if v.get(i + 1) == Some(&b'*') => {
                // MySQL's `/*!50000 select */` runs its content: read on inside it.
                if v.get(i + 2) == Some(&b'!') {
                    i += 3;
                    while i < n && v[i].is_ascii_digit() {
                        i += 1;
                    }
                    continue;
                }
                match v[i + 2..].windows(2).position(|w| w == b"*/") {
                    Some(end) => {
                        // An inline comment between tokens is whitespace to SQL.
                        i += 2 + end + 4;
                        if out.is_empty() {
                            out.push(Tok::Comment);
                        } else if v[i - 4..].starts_with(b"*/") {
                            // keep going
                        }
                    }
                    None => {
                        out.push(Tok::Comment);
                        return;
                    }
                }
            }
            b'*' if v.get(i + 1) == Some(&b'/') => {
                i += 2;
            }
            b'=' | b'<' | b'>' | b'!' => {
                let mut j = i + 1;
                while j < n && matches!(v[j], b'=' | b'<' | b'>' | b'!') {
                    j += 1;
                }
                let op = &v[i..j];
                out.push(if op == b"<<" || op == b">>" {
                    Tok::Arith
                } else if op == b"!" {
                    Tok::Logic
                } else {
                    Tok::Cmp
                });
                i = j;
            }
            b'&' | b'|' => {
                if v.get(i + 1) == Some(&c) {
                    out.push(Tok::Logic);
                    i += 2;
                } else {
                    out.push(Tok::Arith);
                    i += 1;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'~' => {
                out.push(Tok::Arith);
                i += 1;
            }
            b'\\' => {
                i += 1;
            }
            _ => {
                out.push(Tok::Other);
                i += 1;
            }
        }
    }
}

fn is_operand(t: Tok) -> bool {
    matches!(
        t,
        Tok::Str | Tok::Num | Tok::Ident | Tok::Var | Tok::Func | Tok::Const | Tok::LParen
    )
}

fn is_value(t: Tok) -> bool {
    matches!(
        t,
        Tok::Str | Tok::Num | Tok::Var | Tok::Func | Tok::Const | Tok::RParen | Tok::Ident
    )
}

/// Structures that are SQL wherever they appear.
fn sql_shape(t: &[Tok], breakout: bool) -> bool {
    let at = |i: usize| t.get(i).copied().unwrap_or(Tok::Other);
    for i in 0..t.len() {
        match t[i] {
            // UNION [ALL|DISTINCT] (SELECT
            Tok::Union => {
                let mut j = i + 1;
                while matches!(at(j), Tok::Clause | Tok::LParen) {
                    j += 1;
                }
                if at(j) == Tok::Select {
                    return true;
                }
            }
            // SELECT <expr> FROM, SELECT <function>(, SELECT <value> at a statement start
            Tok::Select => {
                let prev = if i == 0 { Tok::Semi } else { at(i - 1) };
                let next = at(i + 1);
                if matches!(next, Tok::Func | Tok::Var) && (i + 2 >= t.len() || at(i + 2) != Tok::Ident) {
                    return true;
                }
                if matches!(prev, Tok::LParen | Tok::Semi | Tok::Breakout | Tok::Union)
                    && (matches!(next, Tok::Num | Tok::Var | Tok::Func | Tok::Const | Tok::Str)
                        || (next == Tok::Arith && i > 0)
                        || (next == Tok::Clause && i > 0))
                {
                    return true;
                }
                // select a,b from / select * from / select x from y where
                let mut j = i + 1;
                let mut commas = 0;
                let mut star = false;
                while j < t.len() && j < i + 12 && t[j] != Tok::From {
                    commas += usize::from(t[j] == Tok::Comma);
                    star |= t[j] == Tok::Arith;
                    j += 1;
                }
                if at(j) == Tok::From
                    && (commas > 0 || star || matches!(at(j + 2), Tok::Where | Tok::Clause | Tok::Comment | Tok::Semi | Tok::Dot))
                {
                    return true;
                }
            }
            // ; followed by a statement
            Tok::Semi => {
                if matches!(at(i + 1), Tok::Stmt | Tok::Select)
                    && (breakout || i == 0 || matches!(at(i - 1), Tok::Num | Tok::Str | Tok::RParen | Tok::Ident))
                    && matches!(at(i + 2), Tok::Ident | Tok::Clause | Tok::Num | Tok::Str | Tok::Var | Tok::Select | Tok::Arith | Tok::Func | Tok::Comment | Tok::Other)
                {
                    return true;
                }
            }
            // Time, file and error functions called
            Tok::Func => {
                if at(i + 1) == Tok::LParen
                    && (breakout
                        || matches!(at(i + 2), Tok::Num | Tok::Select | Tok::Var | Tok::Func | Tok::Str)
                            && i > 0
                            && matches!(at(i - 1), Tok::Logic | Tok::Cmp | Tok::Semi | Tok::Select | Tok::Arith | Tok::LParen | Tok::Comma))
                {
                    return true;
                }
            }
            // waitfor delay / exec master..xp_
            Tok::Stmt => {
                if matches!(at(i + 1), Tok::Clause | Tok::Func) && (i == 0 || breakout || at(i - 1) == Tok::Semi) && matches!(at(i + 2), Tok::Str | Tok::Num | Tok::Ident | Tok::Dot) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// After a breakout (or a numeric operand): does SQL syntax follow?
fn continues_sql(t: &[Tok], from: usize) -> bool {
    let at = |i: usize| t.get(i).copied().unwrap_or(Tok::Other);
    let mut i = from;
    // closing parentheses of the surrounding query
    while at(i) == Tok::RParen {
        i += 1;
    }
    let next = at(i);
    let end = i >= t.len();
    match next {
        // `'--`, `')#`, `1/*`
        Tok::Comment => true,
        // `'; DROP`, `'; --`
        Tok::Semi => matches!(at(i + 1), Tok::Stmt | Tok::Select | Tok::Comment | Tok::Func) || i + 1 >= t.len(),
        // `' OR 1=1`, `' AND sleep(5)`, `' || 'x`
        Tok::Logic => {
            let mut j = i + 1;
            while matches!(at(j), Tok::Logic | Tok::LParen | Tok::Arith) {
                j += 1;
            }
            let operand = at(j);
            if !is_operand(operand) {
                return false;
            }
            // An English word after `and`/`or` is not enough: SQL follows with a comparison, a
            // comment, another value or the end of the value.
            match operand {
                Tok::Ident => {
                    matches!(at(j + 1), Tok::Cmp | Tok::Comment | Tok::Semi | Tok::Logic | Tok::LParen | Tok::Arith | Tok::Dot)
                        || (j + 1 >= t.len() && at(j - 1) != Tok::Logic && false)
                }
                _ => true,
            }
        }
        // `'='`, `' = '1`, `1=1`, `' LIKE '%`
        Tok::Cmp => {
            let mut j = i + 1;
            while matches!(at(j), Tok::Arith | Tok::Cmp | Tok::LParen) {
                j += 1;
            }
            is_value(at(j)) || j >= t.len()
        }
        Tok::Union | Tok::Select | Tok::Stmt => true,
        Tok::Clause => matches!(at(i + 1), Tok::Clause | Tok::Num | Tok::Ident | Tok::Func | Tok::Str | Tok::LParen | Tok::Var),
        Tok::Where => true,
        Tok::Arith => {
            // `'+(select ...)`, `'||version()`, `' * 1`
            matches!(at(i + 1), Tok::Func | Tok::Select | Tok::LParen | Tok::Num | Tok::Str | Tok::Var)
                && (i + 2 >= t.len() || !matches!(at(i + 2), Tok::Other))
        }
        Tok::Comma => matches!(at(i + 1), Tok::Func | Tok::Select | Tok::Num | Tok::Const | Tok::Var) && t[i..].contains(&Tok::Comment),
        _ => end && false,
    }
}

fn sqli_one(v: &[u8]) -> bool {
    if v.len() < 2 || !v.iter().any(|b| !b.is_ascii_alphanumeric() && *b != b'_' && *b != b'.') {
        return false;
    }
    let mut toks = Vec::with_capacity(32);
    // Bare context: the value is an operand (a number or a column) or free text.
    sql_tokens(v, 0, &mut toks);
    if sql_shape(&toks, false) {
        return true;
    }
    if matches!(toks.first(), Some(Tok::Num | Tok::Var | Tok::RParen | Tok::Const))
        && continues_sql(&toks, 1)
        && !(toks.len() == 3 && toks[1] == Tok::Arith)
    {
        return true;
    }
    if toks.first() == Some(&Tok::Ident)
        && toks.len() >= 2
        && toks[1] == Tok::RParen
        && continues_sql(&toks, 1)
    {
        return true;
    }
    for quote in [b'\'', b'"'] {
        let Some(at) = v.iter().position(|&b| b == quote) else {
            continue;
        };
        // `O'Reilly`, `don't`: a quote between letters is an apostrophe, not a breakout.
        if quote == b'\''
            && at > 0
            && v[at - 1].is_ascii_alphabetic()
            && v.get(at + 1).is_some_and(u8::is_ascii_alphabetic)
        {
            // look for a later quote that could break out
            let later = v[at + 1..].iter().position(|&b| b == quote);
            if later.is_none() {
                continue;
            }
        }
        sql_tokens(v, quote, &mut toks);
        if toks.first() != Some(&Tok::Breakout) {
            continue;
        }
        if continues_sql(&toks, 1) || sql_shape(&toks, true) {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------- XSS

/// Elements that run script, load content or restyle the page.
const DANGEROUS_TAGS: &[&[u8]] = &[
    b"script", b"iframe", b"frame", b"frameset", b"object", b"embed", b"applet", b"svg",
    b"math", b"style", b"link", b"meta", b"base", b"form", b"isindex", b"xml", b"xss",
    b"import", b"template", b"portal", b"noscript", b"video", b"audio", b"source", b"img",
    b"image", b"body", b"html", b"marquee", b"input", b"button", b"select", b"textarea",
    b"details", b"dialog", b"keygen", b"bgsound", b"layer", b"ilayer", b"set", b"animate",
    b"handler", b"listener", b"a", b"div", b"table", b"td", b"x", b"title",
];

/// Functions and properties a script payload calls or reads.
const SINKS: &[&[u8]] = &[
    b"alert", b"prompt", b"confirm", b"eval", b"settimeout", b"setinterval", b"function",
    b"fetch", b"import", b"atob", b"fromcharcode", b"write", b"writeln", b"open",
    b"constructor", b"top", b"print", b"console.log",
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
    cur.iter()
        .filter(|&&b| b != 0)
        .map(u8::to_ascii_lowercase)
        .collect()
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':'
}

fn starts_word(v: &[u8], at: usize) -> bool {
    at == 0 || !v[at - 1].is_ascii_alphanumeric()
}

/// `javascript:` with tabs, newlines and spaces allowed between its letters.
fn script_scheme_at(v: &[u8], at: usize) -> bool {
    for scheme in [&b"javascript:"[..], b"vbscript:", b"livescript:", b"data:text/html", b"data:image/svg", b"data:application/x"] {
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
    for i in 0..n {
        match s[i] {
            b'<' => {
                // `<tag`, `</tag`, `<!--`, `<?`
                let mut j = i + 1;
                if s.get(j) == Some(&b'/') {
                    j += 1;
                }
                let start = j;
                while j < n && is_name_byte(s[j]) {
                    j += 1;
                }
                let name = &s[start..j];
                if name.is_empty() {
                    if s[i + 1..].starts_with(b"!--") && s[i..].windows(3).any(|w| w == b"-->") && has_script_text(&s[i..]) {
                        return true;
                    }
                    continue;
                }
                // The name must end as a tag name ends.
                let after = s.get(j).copied().unwrap_or(b'>');
                if !matches!(after, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'"' | b'\'') && j < n {
                    continue;
                }
                let rest = &s[j..];
                let strong = matches!(
                    name,
                    b"script" | b"iframe" | b"frame" | b"frameset" | b"object" | b"embed" | b"applet" | b"svg" | b"math" | b"xss" | b"isindex" | b"portal" | b"import" | b"bgsound" | b"layer" | b"ilayer" | b"xml" | b"base" | b"meta" | b"link" | b"style" | b"template" | b"handler" | b"listener"
                );
                if strong && (j >= n || matches!(after, b' ' | b'/' | b'>' | b'\t' | b'\n' | b'\r' | b'\x0c')) {
                    return true;
                }
                if has_event_handler(rest) || has_script_url(rest) {
                    return true;
                }
                if DANGEROUS_TAGS.contains(&name) && (rest.starts_with(b" src=") || rest.contains(&b'`')) && has_script_text(rest) {
                    return true;
                }
            }
            b'o' if s[i..].starts_with(b"on") && starts_word(&s, i) && i > 0 => {
                // An attribute breakout: `" onmouseover=alert(1)`, `' autofocus onfocus=`
                if matches!(s[i - 1], b' ' | b'"' | b'\'' | b'/' | b'\t' | b'\n' | b'\x0c')
                    && event_handler_at(&s, i)
                    && s[..i].iter().any(|&b| b == b'"' || b == b'\'' || b == b'>' || b == b'<' || b == b'/')
                {
                    return true;
                }
            }
            b'j' | b'v' | b'l' | b'd' => {
                if (i == 0 || matches!(s[i - 1], b'=' | b'"' | b'\'' | b'(' | b' ' | b'`' | b'[')) && script_scheme_at(&s, i) {
                    return true;
                }
            }
            b'"' | b'\'' | b';' | b'`' => {
                // Leaving a script string into a sink call: `";alert(1)//`, `'-alert(1)-'`
                if script_breakout(&s, i) {
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
            b'{' if s[i..].starts_with(b"{{") && s[i..].windows(11).any(|w| w == b"constructor") => {
                return true;
            }
            _ => {}
        }
    }
    false
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
            && matches!(rest[i - 1], b' ' | b'/' | b'"' | b'\'' | b'\t' | b'\n' | b'\r' | b'\x0c' | b';')
            && event_handler_at(rest, i)
    })
}

fn has_script_url(rest: &[u8]) -> bool {
    let end = rest.iter().position(|&b| b == b'>').unwrap_or(rest.len());
    let rest = &rest[..end.min(rest.len())];
    (0..rest.len()).any(|i| {
        matches!(rest[i], b'=' | b'(')
            && {
                let mut j = i + 1;
                while j < rest.len() && matches!(rest[j], b' ' | b'"' | b'\'' | b'`' | b'\t' | b'\n') {
                    j += 1;
                }
                script_scheme_at(rest, j)
            }
    })
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
    while j < s.len() && matches!(s[j], b';' | b'+' | b'-' | b'|' | b'&' | b')' | b' ' | b'*' | b'/' | b'}' | b'\'' | b'"' | b',') {
        if s[j] != b' ' {
            ops += 1;
        }
        j += 1;
    }
    if ops == 0 && s[at] != b';' {
        return false;
    }
    let rest = &s[j..];
    SINKS.iter().any(|sink| {
        rest.starts_with(sink) && {
            let mut k = sink.len();
            while k < rest.len() && rest[k] == b' ' {
                k += 1;
            }
            matches!(rest.get(k), Some(b'(' | b'`'))
        }
    }) || rest.starts_with(b"document.") || rest.starts_with(b"window.") || rest.starts_with(b"location")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_injections_are_detected() {
        for attack in [
            "1' OR '1'='1",
            "admin'--",
            "1 UNION SELECT username, password FROM users",
            "' union all select null,null--",
            "1; DROP TABLE users",
            "1' AND SLEEP(5)#",
            "') or ('a'='a",
            "1 or 1=1",
            "\" or \"\"=\"",
            "-1' union select 1,@@version-- -",
            "1' waitfor delay '0:0:5'--",
        ] {
            assert!(sqli(attack.as_bytes()), "{attack}");
        }
    }

    #[test]
    fn english_is_not_sql() {
        for text in [
            "O'Reilly and sons",
            "Tom's and Jerry's",
            "rock 'n' roll",
            "7 AND A HALF",
            "Please select an item from the list",
            "I'm afraid so. You're entirely bonkers",
            "1950's dresses",
            "(null)",
            "x, @x, @x",
        ] {
            assert!(!sqli(text.as_bytes()), "{text}");
        }
    }

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
        ] {
            assert!(xss(attack.as_bytes()), "{attack}");
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
        ] {
            assert!(!xss(text.as_bytes()), "{text}");
        }
    }
}
