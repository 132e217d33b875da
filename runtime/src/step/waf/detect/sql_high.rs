//! SQL injection at high sensitivity (AWS WAF's `SensitivityLevel: HIGH`): everything the
//! default level flags, and SQL *fragments* that carry no complete breakout on their own but
//! have no business in ordinary input. Each signature is a piece of SQL's surface, not a
//! list of attack strings:
//! - a name from a database's system catalogue or its attack-only procedures
//!   (`information_schema`, `sysobjects`, `pg_shadow`, `xp_cmdshell`, …);
//! - a statement verb opening the value and followed by an object (`exec sp_x`,
//!   `truncate [t`, `drop table`);
//! - a string or identifier delimiter set among SQL punctuation rather than among words:
//!   a probe (`'`, `"'`, `^'`, `')`), a quoted word alone (`'x'`, `` `x` ``), an escaped
//!   quote glued to an operator (`\'and`);
//! - a call of a built-in SQL function with something other than one space between the name
//!   and its parenthesis (`char(`, `year]=(`, `ln) (`);
//! - a value dense with SQL's metacharacters, or a long run of one of them.
//!
//! The price is measured in `BENCHMARKS.md` (WAF detection quality): more of the attack
//! corpus caught, and more benign text flagged, which is why it is a per-rule choice.

use super::{decoded_forms, fold_unicode, sqli};

/// True when the value carries SQL injection or a SQL fragment (high sensitivity).
pub(crate) fn sqli_high(v: &[u8]) -> bool {
    sqli(v) || fragment_in_forms(v)
}

fn fragment_in_forms(v: &[u8]) -> bool {
    if fragment_in_pairs(v) {
        return true;
    }
    let [once, twice] = decoded_forms(v);
    let forms = [once.as_deref(), twice.as_deref()];
    if forms.iter().flatten().any(|f| fragment_in_pairs(f)) {
        return true;
    }
    !v.is_ascii() && fold_unicode(v).is_some_and(|f| fragment_in_pairs(&f))
}

/// The value, and when it reads as `name=value&…` each value too (a form or query string
/// sent whole in one field).
fn fragment_in_pairs(v: &[u8]) -> bool {
    if fragment(v) {
        return true;
    }
    if !v.contains(&b'=') {
        return false;
    }
    v.split(|&b| b == b'&').any(|pair| {
        let Some(eq) = pair.iter().position(|&b| b == b'=') else {
            return false;
        };
        let name = &pair[..eq];
        !name.is_empty()
            && name.iter().all(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']')
            })
            && fragment(&pair[eq + 1..])
    })
}

fn fragment(v: &[u8]) -> bool {
    signature(v).is_some()
}

type Signature = fn(&[u8]) -> bool;

/// The signatures, by name (the name is for the report and the tests), each with the bytes
/// it needs: a quote, a parenthesis, or four metacharacters. One pass over the value counts
/// them, so most values (prose, ids, numbers) run only the two word-level signatures.
const SIGNATURES: [(&str, Needs, Signature); 5] = [
    ("catalogue name", Needs::Nothing, catalogue_name),
    ("statement probe", Needs::Nothing, statement_probe),
    ("delimiter probe", Needs::Quote, delimiter_probe),
    ("function call", Needs::Paren, function_call),
    ("metacharacters", Needs::Metachars, metacharacters),
];

#[derive(Clone, Copy)]
enum Needs {
    Nothing,
    Quote,
    Paren,
    Metachars,
}

fn signature(v: &[u8]) -> Option<&'static str> {
    let v = v.trim_ascii();
    if v.is_empty() {
        return None;
    }
    let (mut quote, mut paren, mut meta) = (false, false, 0usize);
    for &b in v {
        quote |= matches!(b, b'\'' | b'"' | b'`');
        paren |= b == b'(';
        meta += usize::from(metachar(b));
    }
    SIGNATURES
        .iter()
        .find(|(_, needs, f)| {
            let possible = match needs {
                Needs::Nothing => true,
                Needs::Quote => quote,
                Needs::Paren => paren,
                Needs::Metachars => meta >= 4,
            };
            possible && f(v)
        })
        .map(|(name, ..)| *name)
}

/// The first high-sensitivity signature the value (as is or decoded) shows, for the report.
#[cfg(test)]
pub(crate) fn high_signature(v: &[u8]) -> Option<&'static str> {
    let [once, twice] = decoded_forms(v);
    std::iter::once(Some(v.to_vec()))
        .chain([once, twice, fold_unicode(v)])
        .flatten()
        .find_map(|f| {
            signature(&f).or_else(|| {
                f.split(|&b| b == b'&').find_map(|p| {
                    p.iter()
                        .position(|&b| b == b'=')
                        .and_then(|e| signature(&p[e + 1..]))
                })
            })
        })
}

/// System catalogue objects, attack-only procedures and providers of the common engines,
/// sorted (looked up by binary search).
const CATALOGUE: &[&[u8]] = &[
    b"all_tab_columns",
    b"all_tables",
    b"column_name",
    b"dba_tables",
    b"dba_users",
    b"dbms_pipe",
    b"dbms_xmlgen",
    b"information_schema",
    b"load_file",
    b"msdasql",
    b"msysaccessobjects",
    b"msysobjects",
    b"opendatasource",
    b"openrowset",
    b"pg_attribute",
    b"pg_catalog",
    b"pg_class",
    b"pg_database",
    b"pg_namespace",
    b"pg_read_file",
    b"pg_shadow",
    b"pg_sleep",
    b"pg_user",
    b"schema_name",
    b"sp_executesql",
    b"sp_makewebtask",
    b"sp_oacreate",
    b"sqlite_master",
    b"sqlite_schema",
    b"sqlite_temp_master",
    b"sqloledb",
    b"syscolumns",
    b"sysdatabases",
    b"syslogins",
    b"sysobjects",
    b"sysprocesses",
    b"sysusers",
    b"table_name",
    b"table_schema",
    b"user_tab_columns",
    b"user_tables",
    b"utl_http",
    b"utl_inaddr",
    b"xp_cmdshell",
    b"xp_dirtree",
    b"xp_regread",
];

/// System variables of MySQL and SQL Server, read as `@@name`, sorted.
const SYSTEM_VARIABLES: &[&[u8]] = &[
    b"basedir",
    b"datadir",
    b"hostname",
    b"servername",
    b"version",
];

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The value's words (runs of letters, digits, `_` and `$`) with their offsets.
fn words(v: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i + v.get(i..)?.iter().position(|&b| is_word(b))?;
        let len = v[start..]
            .iter()
            .position(|&b| !is_word(b))
            .unwrap_or(v.len() - start);
        i = start + len;
        Some((start, &v[start..i]))
    })
}

/// The shortest and longest name of a list, so most words are refused by length.
const fn lengths(names: &[&[u8]]) -> (usize, usize) {
    let (mut min, mut max, mut i) = (usize::MAX, 0, 0);
    while i < names.len() {
        let n = names[i].len();
        if n < min {
            min = n;
        }
        if n > max {
            max = n;
        }
        i += 1;
    }
    (min, max)
}

const CATALOGUE_LENGTHS: (usize, usize) = lengths(CATALOGUE);
const VARIABLE_LENGTHS: (usize, usize) = lengths(SYSTEM_VARIABLES);
const FUNCTION_LENGTHS: (usize, usize) = lengths(FUNCTIONS);

/// `word` in the sorted list `names` (whose name lengths are `len`), ignoring ASCII case.
fn listed(names: &[&[u8]], len: (usize, usize), word: &[u8]) -> bool {
    if word.len() < len.0 || word.len() > len.1 {
        return false;
    }
    let mut lower = [0u8; 24];
    let Some(buf) = lower.get_mut(..word.len()) else {
        return false;
    };
    for (d, s) in buf.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    names.binary_search(&&*buf).is_ok()
}

/// A catalogue name as a whole word (the `_` inside most of them keeps prose out), or a
/// system variable after `@@`.
fn catalogue_name(v: &[u8]) -> bool {
    words(v).any(|(at, word)| {
        listed(CATALOGUE, CATALOGUE_LENGTHS, word)
            || (at >= 2
                && &v[at - 2..at] == b"@@"
                && listed(SYSTEM_VARIABLES, VARIABLE_LENGTHS, word))
    })
}

/// Verbs that start a statement changing or running something.
const VERBS: &[&[u8]] = &[
    b"exec",
    b"execute",
    b"truncate",
    b"drop",
    b"alter",
    b"shutdown",
    b"declare",
    b"grant",
    b"revoke",
    b"waitfor",
];

/// The value opens (after punctuation and comment marks) with a statement verb followed by
/// an object: `exec master`, `truncate[t`, `--alter`, `;drop table`.
fn statement_probe(v: &[u8]) -> bool {
    let start = v
        .iter()
        .position(|&b| b.is_ascii_alphanumeric())
        .unwrap_or(v.len());
    let lead = &v[..start];
    let rest = &v[start..];
    let end = rest.iter().position(|&b| !is_word(b)).unwrap_or(rest.len());
    let (word, after) = rest.split_at(end);
    if !VERBS.iter().any(|verb| word.eq_ignore_ascii_case(verb)) {
        return false;
    }
    // `--alter`, `;drop`: a comment mark or a terminator before the verb is SQL already.
    if lead.windows(2).any(|w| w == b"--" || w == b"/*") || lead.contains(&b';') {
        return true;
    }
    let after_sep = after.trim_ascii_start();
    let sep = &after[..after.len() - after_sep.len()];
    let bracket = after
        .first()
        .is_some_and(|&b| matches!(b, b'[' | b'(' | b'@'));
    let object_len = after_sep
        .iter()
        .position(|&b| !(is_word(b) || b == b'.'))
        .unwrap_or(after_sep.len());
    // The object ends the value or SQL follows it; a verb opening a sentence does not.
    let object_ends = after_sep[object_len..]
        .first()
        .is_none_or(|&b| b != b' ' && sql_punct(b));
    lead.is_empty()
        && (bracket || (!sep.is_empty() && sep.len() <= 5 && object_len > 0 && object_ends))
}

fn sql_punct(b: u8) -> bool {
    matches!(
        b,
        b';' | b'#'
            | b'='
            | b'('
            | b')'
            | b'|'
            | b'&'
            | b'^'
            | b'<'
            | b'>'
            | b'~'
            | b'!'
            | b'?'
            | b','
            | b'*'
            | b'/'
            | b'+'
            | b'-'
            | b'%'
            | b'@'
            | b'\\'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'.'
            | b'`'
            | b'\''
            | b'"'
    )
}

/// A delimiter used as a probe rather than to quote something. Quotes inside a word
/// (`O'Reilly`, `don't`) are apostrophes; the others pair up in order, and a pair around a
/// letter or digit is a quotation (`'tag'`, `"$(cmd)"`, `` `f()` ``). What is left — a
/// lone quote, or a pair around nothing but punctuation — is a probe when the nearest
/// non-blank byte on each side is the value's edge or SQL punctuation (`^'`, `"'`,
/// `' ', 7`, `';print'`). Also a quoted word that is the whole value (`'x'`, `` `x` ``),
/// and an escaped quote glued to a word (`\'and`).
fn delimiter_probe(v: &[u8]) -> bool {
    if let [q, inner @ .., last] = v
        && matches!(q, b'\'' | b'`')
        && q == last
        && !inner.is_empty()
        && inner.iter().all(|&b| is_word(b))
    {
        return true;
    }
    let mut open: [Option<usize>; 3] = [None; 3];
    for (i, &b) in v.iter().enumerate() {
        let Some(k) = [b'\'', b'"', b'`'].iter().position(|&q| q == b) else {
            continue;
        };
        let before = i.checked_sub(1).map(|j| v[j]);
        let after = v.get(i + 1).copied();
        if before == Some(b'\\') && after.is_some_and(|n| n.is_ascii_alphabetic()) {
            return true;
        }
        if before.is_some_and(|c| c.is_ascii_alphanumeric())
            && after.is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        match open[k].take() {
            None => open[k] = Some(i),
            Some(o) => {
                let inner = &v[o + 1..i];
                // `''`, `""`: an empty string, as JSON and CSV write it; `"../"`: a path.
                let quotes_nothing = !inner.is_empty()
                    && !inner.iter().any(u8::is_ascii_alphanumeric)
                    && !inner.iter().all(|b| b"./-_~".contains(b));
                if (quotes_nothing && probe_at(v, o, i))
                    || (b == b'\''
                        && inner.first().is_some_and(|&c| breakout(c))
                        && probe_at(v, o, o))
                    || value_list(&v[i + 1..])
                {
                    return true;
                }
            }
        }
    }
    open.iter().flatten().any(|&o| probe_at(v, o, o))
}

/// The nearest non-blank bytes before `from` and after `to` are edges or SQL punctuation
/// (before a quote, not the punctuation that ends a sentence: `kidding."`).
fn probe_at(v: &[u8], from: usize, to: usize) -> bool {
    let left = v[..from].iter().rev().find(|b| !b.is_ascii_whitespace());
    let right = v[to + 1..].iter().find(|b| !b.is_ascii_whitespace());
    left.is_none_or(|&l| sql_punct(l) && !matches!(l, b'.' | b',' | b'!' | b'?'))
        && right.is_none_or(|&r| sql_punct(r))
}

/// A single-quoted string that opens by ending a statement or an expression rather than on
/// text: `';print'`, `')or('`, `'||'`.
fn breakout(first: u8) -> bool {
    matches!(first, b';' | b')' | b'|')
}

/// After a closing quote, the rest of a SQL value list ending the value: `, 0x1a`, `, (5)`,
/// `,7)` — a string literal followed by another literal, as an `INSERT … VALUES` row.
fn value_list(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii();
    let Some(rest) = rest.strip_prefix(b",") else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let rest = rest.strip_prefix(b"(").unwrap_or(rest).trim_ascii_start();
    let literal = match rest {
        [b'0', b'x' | b'X', hex @ ..] => {
            hex.iter().take_while(|b| b.is_ascii_hexdigit()).count() + 2
        }
        _ => rest.iter().take_while(|b| b.is_ascii_digit()).count(),
    };
    literal > 0
        && rest[literal..]
            .iter()
            .all(|&b| b == b')' || b.is_ascii_whitespace())
}

/// Built-in functions of the common engines that an injection calls to read, convert,
/// compare or stall; sorted (looked up by binary search).
const FUNCTIONS: &[&[u8]] = &[
    b"ascii",
    b"bin",
    b"cast",
    b"char",
    b"chr",
    b"concat",
    b"concat_ws",
    b"convert",
    b"database",
    b"day",
    b"elt",
    b"extractvalue",
    b"find_in_set",
    b"group_concat",
    b"hex",
    b"ifnull",
    b"instr",
    b"isnull",
    b"length",
    b"ln",
    b"locate",
    b"lpad",
    b"make_set",
    b"md5",
    b"mid",
    b"nullif",
    b"ord",
    b"rpad",
    b"sha1",
    b"sleep",
    b"strcmp",
    b"substr",
    b"substring",
    b"sysdate",
    b"unhex",
    b"updatexml",
    b"user",
    b"version",
    b"year",
];

/// `name(`, or `name` and `(` with punctuation between (`year]=(`, `ln) (`); a name and its
/// parenthesis separated by blanks only is prose (`the day (Monday)`).
fn function_call(v: &[u8]) -> bool {
    words(v).any(|(at, word)| {
        let gap = &v[at + word.len()..];
        word[0].is_ascii_alphabetic()
            && listed(FUNCTIONS, FUNCTION_LENGTHS, word)
            && gap
                .iter()
                .take(6)
                .position(|&b| b == b'(' || b.is_ascii_alphanumeric())
                .is_some_and(|p| {
                    gap[p] == b'(' && (p == 0 || gap[..p].iter().any(|b| !b.is_ascii_whitespace()))
                })
    })
}

/// Characters SQL uses as operators, delimiters and comment marks (`+` and `-` are left
/// out: they join the words of form-encoded and hyphenated text).
fn metachar(b: u8) -> bool {
    matches!(
        b,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'$'
            | b'%'
            | b'^'
            | b'&'
            | b'*'
            | b'('
            | b')'
            | b'='
            | b'{'
            | b'}'
            | b'['
            | b']'
            | b'|'
            | b':'
            | b';'
            | b'"'
            | b'\''
            | b'`'
            | b'<'
            | b'>'
    )
}

/// Metacharacters that text does not repeat: prose repeats `!`, Markdown `#`, `*`, `=` and
/// `-`, code `(`/`)`/`{`/`}`; four `@`, quotes, `;`, `|` or `^` in a row are fuzzing.
fn repeated_metachar(b: u8) -> bool {
    matches!(
        b,
        b'@' | b'\'' | b'"' | b'`' | b';' | b'|' | b'^' | b'~' | b'$'
    )
}

/// A value made of metacharacters (four or more of at least three kinds, at least four in
/// five of its non-blank bytes: `!@#$%^`, `')||('`), or four of one in a row (`@@@@`, `;;;;`): the shape of
/// fuzzing and of obfuscated payloads, not of text or data.
fn metacharacters(v: &[u8]) -> bool {
    let mut run = 0;
    let mut prev = 0u8;
    let (mut meta, mut solid) = (0usize, 0usize);
    for &b in v {
        if b.is_ascii_whitespace() {
            prev = 0;
            continue;
        }
        solid += 1;
        if metachar(b) {
            meta += 1;
            run = if b == prev { run + 1 } else { 1 };
            if run >= 4 && repeated_metachar(b) {
                return true;
            }
        } else {
            run = 0;
        }
        prev = b;
    }
    meta >= 4 && meta * 5 >= solid * 4 && distinct_metachars(v) >= 3
}

/// How many different metacharacters the value holds (a rule of `=` or `~` under a title
/// is one).
fn distinct_metachars(v: &[u8]) -> usize {
    let mut seen = [false; 128];
    v.iter()
        .filter(|&&b| metachar(b) && !std::mem::replace(&mut seen[usize::from(b)], true))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_flagged_at_high_sensitivity_only() {
        for v in [
            "information_schema",
            "x in (select schema_name)",
            "exec xp_cmdshell",
            "truncate[logs",
            "--alter",
            "^'",
            "\"'",
            "' ', 7",
            "'probe'",
            "`col`",
            "\\'or",
            "';print'",
            "name = 'abc', 0x1f",
            "item = 'x', (7)",
            "year]=(",
            "char(65)",
            "@@@@@@",
            "@@version",
        ] {
            assert!(sqli_high(v.as_bytes()), "{v} should be flagged at high");
        }
        for v in ["'probe'", "@@@@@@", "year]=(", "sysobjects"] {
            assert!(!sqli(v.as_bytes()), "{v} is for high only");
        }
    }

    #[test]
    fn word_lists_are_sorted_lower_case_and_fit_the_lookup_buffer() {
        for list in [CATALOGUE, SYSTEM_VARIABLES, FUNCTIONS] {
            assert!(list.is_sorted());
            assert!(
                list.iter()
                    .all(|w| w.len() <= 24 && !w.iter().any(u8::is_ascii_uppercase))
            );
        }
    }

    #[test]
    fn ordinary_values_pass_at_high_sensitivity() {
        for v in [
            "O'Reilly",
            "don't stop",
            "the day (Monday) was long",
            "a new 'tag' style",
            "{\"name\":\"\",\"tags\":[\"a\",\"b\"]}",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            "gzip, deflate, br",
            "en-GB,en;q=0.9",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl",
            "https://example.com/search?q=rust+lang&page=2",
            "execute the plan tomorrow",
            "Call `_read()` first, then `push()`",
            "newest=\"$(git rev-list -1 $candidates)\"",
            "she knits 'morning to night, every day.'",
            "[`Cow<'a, T>`] and [`ZeroVec<'a, T>`]",
            "==========",
            "a simple benchmark of maps",
            "junk <a href=\"../\">up</a>",
            "I was kidding.\"",
            "he said 'abc', 12 times over",
            "cd '/usr/share'",
            "This crate is `#![no_std]`, from `&[u8]`",
            "the option '--intl' is gone; \"^1.1.5\"",
            "user manual",
            "2024-01-01T00:00:00Z",
        ] {
            assert!(
                !sqli_high(v.as_bytes()),
                "{v} should pass at high (default level: {}, signature {:?})",
                sqli(v.as_bytes()),
                high_signature(v.as_bytes())
            );
        }
    }
}
