//! A row-independent **benign** reference set for the SQLi judge, the mirror of the attack
//! matrix (`sql.rs`): texts of the kinds SQLi detectors trip on, written from how people
//! write (names with apostrophes, measures, codes, prose with SQL words, search syntax,
//! Markdown, math, query strings, …), not from corpus rows. Each form is the product of
//!
//! - a **kind** (a list of templates with slots `{w}` a word, `{W}` the word capitalised,
//!   `{n}` a number, `{p}` a person's surname, `{t}` a second word);
//! - a **filler** (one tuple of slot values, the same list for every kind);
//! - a **carrier**: as is, upper-cased, behind `q=`, and URL-encoded behind `q=`.
//!
//! Run with `GWC_WAF_SQLI_BENIGN=1` beside `waf_corpus_report`; `GWC_WAF_MISSES=1` also
//! prints each flagged template once, with how many of its forms are flagged and a sample.

use std::collections::BTreeMap;

use super::{detect, show};

/// The slot values: (word, second word, number, surname). Surnames include the apostrophe
/// and prefix forms English, Irish, Italian and French names take.
const FILLERS: [(&str, &str, &str, &str); 20] = [
    ("coffee", "milk", "2", "O'Brien"),
    ("garden", "hose", "12", "Smith"),
    ("report", "draft", "3", "D'Angelo"),
    ("table", "chair", "4", "O'Neil"),
    ("order", "invoice", "150", "Nguyen"),
    ("union", "station", "7", "D'Souza"),
    ("select", "menu", "1", "L'Amour"),
    ("user", "group", "25", "McDonald"),
    ("drop", "shipping", "99", "Van der Berg"),
    ("sleep", "timer", "8", "N'Diaye"),
    ("window", "door", "30", "Dell'Orto"),
    ("version", "update", "10", "O'Connor-Hayes"),
    ("case", "study", "5", "García"),
    ("char", "grill", "6", "Mc'Kay"),
    ("database", "backup", "2024", "D'Arcy"),
    ("bike", "helmet", "0", "O'Hara"),
    ("exec", "summary", "42", "Al-Hassan"),
    ("delete", "key", "11", "St. John"),
    ("having", "fun", "100", "d'Artagnan"),
    ("like", "button", "64", "Fitz'Gerald"),
];

/// The kinds, each a list of templates.
const KINDS: &[(&str, &[&str])] = &[
    (
        "names with apostrophes",
        &[
            "{p}",
            "Mr. {p}",
            "{p}, Jr.",
            "Mary {p}",
            "{p} & Sons",
            "{p}'s {w}",
            "Ask for {p}",
            "{p} ({n})",
            "Dr {p} MD",
            "'{p}'",
            "{p} - {W}",
            "Contact: {p}, {n} Main St",
            "{p} or {p}",
            "{p} and {p}",
        ],
    ),
    (
        "titles with apostrophes",
        &[
            "Rock 'n' roll {w}",
            "the '{n}0s",
            "'90s {w} revival",
            "Don't stop the {w}",
            "I'm {n} and I'll {w} it",
            "Rock 'n' Roll Hall of Fame",
            "It's a {w}'s life",
            "Can't buy me {w}",
            "Ol' {W} Road",
            "y'all {w} tonight",
            "Fish 'n' chips, {n} pcs",
            "'Tis the season for {w}",
            "Winners' {w} cup",
            "the kids' {w} and the dogs' {t}",
            "rock'n'roll {w} '{n}",
        ],
    ),
    (
        "quoted words and nicknames",
        &[
            "Robert \"{W}\" {p}",
            "the so-called '{w}'",
            "He said \"{w}\" twice",
            "'{w}' or '{t}'?",
            "\"{w}\" and \"{t}\"",
            "a '{w}' is not a '{t}'",
            "Jim 'The {W}' {p}",
            "type '{w}' to continue",
            "the word \"{w}\" means {t}",
            "click \"{W}\" then \"{T}\"",
            "'{w}', '{t}', '{n}'",
            "my '{w}' = your '{t}'",
        ],
    ),
    (
        "measures",
        &[
            "5'10\"",
            "{n}' x {n}'",
            "12\" x 8'",
            "{n}\" {w} pipe",
            "6' 2\" tall",
            "{n} ft 3 in",
            "{n}'-{n}\" {w}",
            "{n}\" screen, 1080p",
            "{n}-{n} lbs",
            "3/4\" {w}",
            "{n}°C to {n}°F",
            "{n} m² {w}",
            "{n}' long, {n}\" wide",
            "{n}\" or {n}'",
            "size {n}' - {n}'",
        ],
    ),
    (
        "product codes and SKUs",
        &[
            "SKU-{n}-{W}",
            "#{n}-A",
            "{W}-{n}/B",
            "ABC-{n}-XL",
            "Part no. {n}-{n}-{n}",
            "item#{n}",
            "REF: {W}#{n}",
            "{W}_{n}_{T}",
            "MOD-{n}--{W}",
            "ISBN 978-3-16-148410-{n}",
            "P/N {n}-{n}A",
            "{n}x{n}-{W}",
            "ORD-{n}; ORD-{n}",
            "{W}-{n} or {T}-{n}",
        ],
    ),
    (
        "versions",
        &[
            "v{n}.0.1",
            "{w} {n}.2.3-beta",
            "version {n}.1 (build {n})",
            "{W} {n}.x or later",
            ">= {n}.0, < {n}.0",
            "{w}=={n}.4",
            "{w}@^{n}.0.0",
            "{n}.0.0-rc.1+build.{n}",
            "Version: {n}.10",
            "from {n}.1 to {n}.2",
            "{w} v{n} -> v{n}",
        ],
    ),
    (
        "dates and times",
        &[
            "2024-03-{n}",
            "{n}/12/2023",
            "12:{n} PM",
            "2023-01-01T10:{n}:00Z",
            "Mon, {n} Jan 2024 08:00:00 GMT",
            "{n} - 15 May",
            "from 9:00 to {n}:30",
            "Q{n} 2024",
            "'{n}-'{n}",
            "{n}h{n}m",
            "between {n} and {n} pm",
            "since 1999 - until {n}",
        ],
    ),
    (
        "hyphenated and all-caps phrases",
        &[
            "STATE-OF-THE-ART {W}",
            "{W}-FREE AND {T}-FREE",
            "DO NOT {W}",
            "BUY ONE {W}, GET ONE FREE",
            "SALE - {n}% OFF",
            "LIMITED EDITION {W} -- {n} LEFT",
            "ONE-OF-A-KIND {W} OR {T}",
            "FROM {n} TO {n}",
            "NEW! {W} & {T}",
            "SELECT {W} COLOUR",
            "ORDER NOW -- {n} IN STOCK",
            "TABLE FOR {n}",
            "UNION JACK {W}",
            "UPDATE: {W} IS BACK",
            "DROP-DOWN {W}",
        ],
    ),
    (
        "sentences with SQL words",
        &[
            "Please select a {w} from the list",
            "select the {w} and {t} you like",
            "Union members will vote on the {w}",
            "the union of {w} and {t}",
            "Order by phone or by {w}",
            "order {n} {w} from the shop",
            "Drop the {w} on the table",
            "drop table tennis and {w}",
            "Insert the {w} into slot {n}",
            "Update your {w} where possible",
            "delete old {w} from your phone",
            "It's like {w}, but better",
            "between {w} and {t}",
            "exec meeting at {n} where we discuss {w}",
            "Declare your {w} at customs",
            "having a {w} and a {t}",
            "group the {w} by colour",
            "in case of {w}, call {n}",
            "when the {w} is ready",
            "sleep {n} hours and wake up",
            "char the {w} on the grill",
            "user guide for {w} version {n}",
            "the database of {w} and {t}",
            "select all from the {w} menu where it says {t}",
            "Where is the {w}? Or the {t}?",
            "and then {w} or {t} or both",
            "I'd like to select {w} from {t}",
            "union select committee on {w}",
            "insert coin, select {w}",
            "{W} and {T} from {n} to {n}",
            "sleep(ing) with the {w} on",
            "Case 1: when {w} is empty",
            "where {w} = {t}",
            "if {w} then {t} else nothing",
        ],
    ),
    (
        "questions and exclamations",
        &[
            "What is {w}?!",
            "Why?? {W}!!",
            "{W}!!!",
            "really??? {n} {w}?",
            "Is it {w} or {t}?",
            "OMG!!! {W}!!!",
            "can I order {n}?",
            "who's {p}?",
            "{w}?! no way!",
            "where's my {w}??",
            "WHAT?! {W} = {T}?",
        ],
    ),
    (
        "emoticons and punctuation runs",
        &[
            ":-) {w}",
            ";-) see you",
            "{w} :'(",
            "^_^ {w}",
            "<3 {w}",
            "{w} ;) ;)",
            "-_- {w}",
            "{w}...!!!",
            "--- {w} ---",
            "*** {W} ***",
            "=== {w} ===",
            "!!!???",
            "{w} ~~ {t}",
            "({w}) [{t}] {{n}}",
            ">> {w} <<",
            "{w} :-P",
            "x'D {w}",
            "o_O {w}?!",
            "{w} ;-)--",
            "...and {w}...",
        ],
    ),
    (
        "markdown and code in prose",
        &[
            "use `{w}` here",
            "run `ls -la` then `{w}`",
            "pass --{w} and --{t}={n}",
            "flags: --verbose --dry-run",
            "#{w} #{t}",
            "thanks @{w}!",
            "@{w} @{t} see #{n}",
            "a comment /* like {w} */ in text",
            "**{W}** and _{t}_",
            "[{w}](https://example.com/{t})",
            "> quoted {w}",
            "- {w}\n- {t}",
            "1. {w}\n2. {t}",
            "`{w} = {n}`",
            "call {w}() then {t}()",
            "{w}.{t}({n})",
            "// {w} comment",
            "# {W} heading",
            "{w}; {t}; done",
            "the `--` flag ends options",
            "see issue #{n} by @{w}",
            "set {w}={n} in the config",
        ],
    ),
    (
        "math",
        &[
            "a = b + {n}",
            "{n} - 2",
            "1 - {n}",
            "x < {n} or y > 3",
            "{n} + {n} = ?",
            "2 * {n} / 4",
            "{w} = {n} * {t}",
            "f(x) = x^2 + {n}",
            "{n}% of {n}",
            "{n} >= {n}",
            "if x = {n} then y",
            "sum({w}) / count({t})",
            "{n}/{n} = 0.5",
            "a != b and b <> c",
            "(a + b) * {n}",
            "-{n} + {n}",
            "{n} mod 3",
            "{n} != {n}",
            "{w} ~ {t}",
            "1 = 1",
        ],
    ),
    (
        "search queries",
        &[
            "\"{w} {t}\" -{w}",
            "{w} OR {t}",
            "{w} AND {t} NOT {n}",
            "site:example.com {w}",
            "{w} -{t} -\"{p}\"",
            "intitle:{w} filetype:pdf",
            "\"{p}\" {w}",
            "{w}* {t}?",
            "{w} +{t} -{n}",
            "({w} OR {t}) AND {n}",
            "{w} near {t}",
            "best {w} {n} review",
            "{w} vs {t}",
            "how to {w} a {t}",
            "{w} -site:example.com",
        ],
    ),
    (
        "csv and json fragments",
        &[
            "{w},{t},{n}",
            "\"{w}\",\"{t}\",{n}",
            "'{w}','{t}',{n}",
            "{n};{n};{w}",
            "{\"{w}\": {n}}",
            "{\"name\": \"{p}\", \"qty\": {n}}",
            "[\"{w}\", \"{t}\"]",
            "[{n}, {n}, {n}]",
            "{\"q\": \"{w} or {t}\"}",
            "{w}\t{t}\t{n}",
            "id,name\n{n},{p}",
            "{\"where\": \"{w}\", \"order\": \"{t}\"}",
        ],
    ),
    (
        "query strings and paths",
        &[
            "/{w}/{t}/{n}",
            "/api/v{n}/{w}?id={n}",
            "?{w}={n}&{t}={n}",
            "{w}={t}&page={n}",
            "/{w}/{n}/edit",
            "sort={w}&order=desc",
            "https://example.com/{w}?q={t}#{n}",
            "../{w}/{t}.html",
            "/search?q={w}+{t}",
            "C:\\{W}\\{T}.txt",
            "~/{w}/{t}",
            "/{w}--{t}/",
            "{w}.php?id={n}",
            "/select/{w}/union/{t}",
        ],
    ),
    (
        "e-mail addresses",
        &[
            "{w}@example.com",
            "{w}.{t}@example.org",
            "{w}+{t}@mail.example",
            "\"{w}\"@example.com",
            "{w}_{n}@example.net",
            "{p} <{w}@example.com>",
            "{w}-{t}@{t}.example",
            "o'{w}@example.ie",
        ],
    ),
    (
        "passwords with symbols",
        &[
            "{W}#{n}!",
            "P@ss'{n}",
            "{w}--{n}",
            "{W}'{n}\"",
            "#{w}{n}",
            "{w};{n}",
            "{W}={n}",
            "{w}/*{n}",
            "{n}&{W}|",
            "{w}'or'{t}",
            "{W}$%^{n}",
            "({w}){n}",
            "!{W}@{n}#",
            "{w}<{n}>",
            "{W}`{n}",
        ],
    ),
];

/// The carriers: how a value reaches the judge.
const CARRIERS: [&str; 4] = ["as-is", "upper", "q=", "q=urlencoded"];

fn fill(template: &str, (w, t, n, p): (&str, &str, &str, &str)) -> String {
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    template
        .replace("{w}", w)
        .replace("{t}", t)
        .replace("{W}", &cap(w))
        .replace("{T}", &cap(t))
        .replace("{n}", n)
        .replace("{p}", p)
}

fn carry(text: &str, carrier: usize) -> Vec<u8> {
    match carrier {
        0 => text.as_bytes().to_vec(),
        1 => text.to_uppercase().into_bytes(),
        2 => format!("q={text}").into_bytes(),
        _ => {
            let mut v = b"q=".to_vec();
            for &b in text.as_bytes() {
                match b {
                    b' ' => v.push(b'+'),
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                        v.push(b);
                    }
                    _ => v.extend_from_slice(format!("%{b:02X}").as_bytes()),
                }
            }
            v
        }
    }
}

/// One form of the benign matrix.
pub(super) struct Form {
    pub kind: usize,
    pub template: usize,
    pub carrier: usize,
    pub value: Vec<u8>,
}

/// The benign matrix: every kind's template × filler × carrier, duplicates dropped.
pub(super) fn forms() -> Vec<Form> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (ki, (_, templates)) in KINDS.iter().enumerate() {
        for (ti, t) in templates.iter().enumerate() {
            for f in FILLERS {
                let text = fill(t, f);
                for c in 0..CARRIERS.len() {
                    let value = carry(&text, c);
                    if seen.insert(value.clone()) {
                        out.push(Form {
                            kind: ki,
                            template: ti,
                            carrier: c,
                            value,
                        });
                    }
                }
            }
        }
    }
    out
}

/// Prints the benign matrix's figures (called from `waf_corpus_report`).
pub(super) fn report() {
    let forms = forms();
    let hit: Vec<bool> = forms.iter().map(|f| detect::sqli(&f.value)).collect();
    let total = (hit.iter().filter(|&&h| h).count(), forms.len());
    println!("== SQLi benign matrix (kind × filler × carrier, written from how people write) ==");
    println!("sqli benign matrix: {}", show("flagged", total));
    let mut by_kind = vec![(0usize, 0usize); KINDS.len()];
    let mut by_carrier = [(0usize, 0usize); CARRIERS.len()];
    for (f, &h) in forms.iter().zip(&hit) {
        by_kind[f.kind].0 += usize::from(h);
        by_kind[f.kind].1 += 1;
        by_carrier[f.carrier].0 += usize::from(h);
        by_carrier[f.carrier].1 += 1;
    }
    let kinds: Vec<String> = KINDS
        .iter()
        .zip(&by_kind)
        .map(|((k, _), (h, n))| format!("{k} {h}/{n}"))
        .collect();
    println!("sqli benign matrix by kind: {}", kinds.join("; "));
    let carriers: Vec<String> = CARRIERS
        .iter()
        .zip(&by_carrier)
        .map(|(c, (h, n))| format!("{c} {h}/{n}"))
        .collect();
    println!("sqli benign matrix by carrier: {}", carriers.join("; "));
    if std::env::var_os("GWC_WAF_MISSES").is_none() {
        return;
    }
    let mut groups: BTreeMap<(usize, usize), (usize, usize, Option<&Form>)> = BTreeMap::new();
    for (f, &h) in forms.iter().zip(&hit) {
        let e = groups.entry((f.kind, f.template)).or_insert((0, 0, None));
        e.1 += 1;
        if h {
            e.0 += 1;
            e.2.get_or_insert(f);
        }
    }
    for ((k, t), (flagged, n, sample)) in &groups {
        if let Some(s) = sample {
            println!(
                "BENIGN MATRIX FP {flagged}/{n} [{} | {:?} | {}]: {}",
                KINDS[*k].0,
                KINDS[*k].1[*t],
                CARRIERS[s.carrier],
                String::from_utf8_lossy(&s.value).replace('\n', "\\n")
            );
        }
    }
}
