//! Detection quality on the project's WAF corpus (`../shared/corpus/waf`, or `GWC_CORPUS`),
//! scored as its SCORING.md says: `urlencoded` rows percent-decoded (`+` as space) first, per
//! class, detection rate on the attacks and false-positive rate on the benign rows, hard
//! negatives (`naive_hits` non-empty) reported apart, with 95 % Wilson intervals; libinjection
//! (`libinjectionrs`) scored in the same run as the baseline.
//!
//! The corpus is split by a hash of each payload: the *tuning* half (FNV-1a even) is the only
//! one looked at while the detector was written; the *held-out* half (odd) is the one the
//! figures in BENCHMARKS.md quote. Run with
//! `cargo test -p gwc-runtime --release waf_corpus -- --ignored --nocapture`.
//! The always-on test checks only floors (on the held-out half), so a regression fails CI.

use std::path::PathBuf;

use super::detect;
use super::transform;

mod sql;
mod sql_benign;
mod sql_high;
mod xss;

struct Row {
    payload: Vec<u8>,
    hard: bool,
    tune: bool,
    family: Family,
}

/// Where a row comes from, coarsely: the report breaks its rates down by family because the
/// sets differ in kind. CRS's positives above paranoia level 1 test rules CRS itself keeps
/// off by default (many flag bare punctuation such as `!@#`, not SQL or script), and CRS's
/// negatives are cases *one* rule must not match, some of them real injections.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Libinjection,
    CrsParanoia1,
    CrsParanoia2,
    CrsParanoia3Up,
    CrsNegative,
    Other,
}

impl Family {
    const ALL: [Family; 6] = [
        Family::Libinjection,
        Family::CrsParanoia1,
        Family::CrsParanoia2,
        Family::CrsParanoia3Up,
        Family::CrsNegative,
        Family::Other,
    ];

    fn of(row: &serde_json::Value) -> Family {
        let source = row["source"].as_str().unwrap_or("");
        if source.starts_with("libinjection/") {
            Family::Libinjection
        } else if source.starts_with("coreruleset/") {
            match (row["class"].as_str(), row["crs"]["paranoia_level"].as_u64()) {
                (Some("benign"), _) => Family::CrsNegative,
                (_, Some(1)) => Family::CrsParanoia1,
                (_, Some(2)) => Family::CrsParanoia2,
                _ => Family::CrsParanoia3Up,
            }
        } else {
            Family::Other
        }
    }

    fn label(self) -> &'static str {
        match self {
            Family::Libinjection => "libinjection data",
            Family::CrsParanoia1 => "CRS paranoia 1",
            Family::CrsParanoia2 => "CRS paranoia 2",
            Family::CrsParanoia3Up => "CRS paranoia 3-4",
            Family::CrsNegative => "CRS negatives",
            Family::Other => "other sources",
        }
    }
}

/// The corpus's `waf/` folder, or `None` after recording the running test as skipped.
pub(super) fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("GWC_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    let waf = dir.join("waf");
    if waf.is_dir() {
        Some(waf)
    } else {
        // Recorded in `GWC_SKIP_LOG`, so `scripts/test` lists the test as having checked
        // nothing rather than letting it read `ok`.
        crate::tests::skip(&format!(
            "WAF corpus not found at {} (set GWC_CORPUS)",
            waf.display()
        ));
        None
    }
}

/// FNV-1a, 64 bits: the corpus split and the benign samples' order.
pub(super) fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn load(file: &str) -> Vec<Row> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(dir.join(file)).expect("corpus file readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus row is JSON");
            let raw = v["payload"].as_str().unwrap_or("").as_bytes().to_vec();
            let payload = if v["encoding"] == "urlencoded" {
                transform::url_decode(&raw, true).unwrap_or(raw)
            } else {
                raw
            };
            let hard = v["naive_hits"].as_array().is_some_and(|a| !a.is_empty());
            let tune = fnv(v["payload"].as_str().unwrap_or("").as_bytes()).is_multiple_of(2);
            Row {
                payload,
                hard,
                tune,
                family: Family::of(&v),
            }
        })
        .collect()
}

/// A payload to print: as is when it is UTF-8, else with its bytes escaped (`\xbc`), so a
/// non-UTF-8 row shows what it holds rather than replacement characters.
fn printable(p: &[u8]) -> String {
    match std::str::from_utf8(p) {
        Ok(s) => s.to_owned(),
        Err(_) => p.escape_ascii().to_string(),
    }
}

/// 95 % Wilson score interval, in percent.
fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let (k, n) = (k as f64, n as f64);
    let z = 1.96;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * ((p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt()) / denom;
    (
        100.0 * (centre - half).max(0.0),
        100.0 * (centre + half).min(1.0),
    )
}

fn rate(rows: &[&Row], f: &dyn Fn(&[u8]) -> bool) -> (usize, usize) {
    (rows.iter().filter(|r| f(&r.payload)).count(), rows.len())
}

fn show(label: &str, (k, n): (usize, usize)) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{label}: {:.1} % ({k}/{n}, 95 % CI {lo:.1}–{hi:.1})",
        100.0 * k as f64 / n.max(1) as f64
    )
}

struct Figures {
    detection: (usize, usize),
    fp: (usize, usize),
    hard_fp: (usize, usize),
}

fn score(class: &str, tune: bool, f: &dyn Fn(&[u8]) -> bool) -> Figures {
    let attacks = load(&format!("{class}-attacks.jsonl"));
    let benign = load(&format!("{class}-benign.jsonl"));
    let a: Vec<&Row> = attacks.iter().filter(|r| r.tune == tune).collect();
    let b: Vec<&Row> = benign.iter().filter(|r| r.tune == tune).collect();
    let hard: Vec<&Row> = b.iter().copied().filter(|r| r.hard).collect();
    Figures {
        detection: rate(&a, f),
        fp: rate(&b, f),
        hard_fp: rate(&hard, f),
    }
}

fn libinjection_sqli(v: &[u8]) -> bool {
    libinjectionrs::detect_sqli(v).is_injection()
}

fn libinjection_xss(v: &[u8]) -> bool {
    libinjectionrs::detect_xss(v).is_injection()
}

fn report(half: &str, tune: bool) {
    println!(
        "== WAF corpus, {half} half (split: FNV-1a of the payload, {} ) ==",
        if tune { "even" } else { "odd" }
    );
    type Detector = fn(&[u8]) -> bool;
    let engines: [(&str, &str, Detector); 4] = [
        ("sqli", "gwc", detect::sqli),
        ("sqli", "libinjection", libinjection_sqli),
        ("xss", "gwc", detect::xss),
        ("xss", "libinjection", libinjection_xss),
    ];
    for (class, engine, f) in engines {
        let s = score(class, tune, &f);
        println!(
            "{class:4} {engine:12} {} | {} | {}",
            show("detection", s.detection),
            show("false positives", s.fp),
            show("hard negatives blocked", s.hard_fp)
        );
    }
    for (class, f) in [
        ("sqli", detect::sqli as fn(&[u8]) -> bool),
        ("xss", detect::xss),
    ] {
        println!(
            "{class:4} gwc by source family: {}",
            by_family(class, tune, &f)
        );
    }
}

/// Detection and false positives per [`Family`]: counts only, never a row.
fn by_family(class: &str, tune: bool, f: &dyn Fn(&[u8]) -> bool) -> String {
    let attacks = load(&format!("{class}-attacks.jsonl"));
    let benign = load(&format!("{class}-benign.jsonl"));
    let mut parts = Vec::new();
    for family in Family::ALL {
        let pick = |rows: &[Row]| -> (usize, usize) {
            let rows: Vec<&Row> = rows
                .iter()
                .filter(|r| r.tune == tune && r.family == family)
                .collect();
            rate(&rows, f)
        };
        let (hit, attacks) = pick(&attacks);
        let (flagged, benign) = pick(&benign);
        if attacks + benign == 0 {
            continue;
        }
        let mut part = format!("{}:", family.label());
        if attacks > 0 {
            part.push_str(&format!(" detected {hit}/{attacks}"));
        }
        if benign > 0 {
            part.push_str(&format!(" flagged {flagged}/{benign}"));
        }
        parts.push(part);
    }
    parts.join("; ")
}

/// CRS's regression cases for rules 941 (XSS) and 942 (SQLi) as rule-level cases: paranoia
/// level 1 attacks should be detected by the detector of their class, benign cases by neither.
fn crs_regression() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let text =
        std::fs::read_to_string(dir.join("crs-941-942-regression.jsonl")).unwrap_or_default();
    let (mut hit, mut attacks, mut clean, mut benign) = (0, 0, 0, 0);
    for line in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let raw = v["payload"].as_str().unwrap_or("").as_bytes().to_vec();
        let payload = if v["encoding"] == "urlencoded" {
            transform::url_decode(&raw, true).unwrap_or(raw)
        } else {
            raw
        };
        let pl1 = v["crs"]["paranoia_level"].as_u64() == Some(1);
        // While tuning, only the tuning half's cases are printed (the corpus files take
        // their benign CRS rows from these cases, split by the same hash).
        let printable_half = std::env::var_os("GWC_WAF_HALF").is_none_or(|h| h != "tuning")
            || fnv(v["payload"].as_str().unwrap_or("").as_bytes()).is_multiple_of(2);
        match v["class"].as_str() {
            Some("sqli") if pl1 => {
                attacks += 1;
                hit += usize::from(detect::sqli(&payload));
            }
            Some("xss") if pl1 => {
                attacks += 1;
                hit += usize::from(detect::xss(&payload));
            }
            Some("benign") => {
                benign += 1;
                let (sqli, xss) = (detect::sqli(&payload), detect::xss(&payload));
                let passed = !sqli && !xss;
                if !passed && printable_half && std::env::var_os("GWC_WAF_MISSES").is_some() {
                    let by = match (sqli, xss) {
                        (true, true) => "sqli, xss",
                        (true, false) => "sqli",
                        _ => "xss",
                    };
                    println!("CRS benign flagged ({by}): {}", printable(&payload));
                }
                clean += usize::from(passed);
            }
            _ => {}
        }
    }
    println!(
        "CRS 941/942 regression cases: {} | {}",
        show("paranoia-1 attacks detected", (hit, attacks)),
        show("benign cases passed", (clean, benign))
    );
}

/// The figures, both halves, against libinjection (run on demand; prints).
#[test]
#[ignore = "prints the corpus figures; run with --ignored --nocapture"]
fn waf_corpus_report() {
    if corpus_dir().is_none() {
        return;
    }
    report("tuning", true);
    // `GWC_WAF_HALF=tuning` while tuning: the held-out figures stay unseen until the end.
    if std::env::var_os("GWC_WAF_HALF").is_none_or(|h| h != "tuning") {
        report("held-out", false);
    }
    crs_regression();
    independent_benign_report();
    if std::env::var_os("GWC_WAF_PERTURB").is_some() {
        perturbed_benign();
    }
    if std::env::var_os("GWC_WAF_VARIANTS").is_some() {
        sqli_attack_variants();
    }
    sqli_fast_path_agrees();
    if std::env::var_os("GWC_WAF_XSS").is_some() {
        xss::report();
    }
    if std::env::var_os("GWC_WAF_SQLI_MATRIX").is_some() {
        sql::report();
    }
    if std::env::var_os("GWC_WAF_SQLI_BENIGN").is_some() {
        sql_benign::report();
    }
    if std::env::var_os("GWC_WAF_HIGH").is_some() {
        sql_high::report(std::env::var_os("GWC_WAF_HALF").is_none_or(|h| h != "tuning"));
    }
    if std::env::var_os("GWC_WAF_MISSES").is_some() {
        for (class, f) in [
            ("sqli", detect::sqli as fn(&[u8]) -> bool),
            ("xss", detect::xss),
        ] {
            for r in load(&format!("{class}-attacks.jsonl"))
                .iter()
                .filter(|r| r.tune && !f(&r.payload))
            {
                println!(
                    "MISS {class} [{}]: {}",
                    r.family.label(),
                    printable(&r.payload)
                );
            }
            for r in load(&format!("{class}-benign.jsonl"))
                .iter()
                .filter(|r| r.tune && f(&r.payload))
            {
                println!(
                    "FP {class} [{}]: {}",
                    r.family.label(),
                    printable(&r.payload)
                );
            }
        }
    }
}

/// The false-positive rate of each detector on the independent benign set
/// ([`super::benign_text`]): per source, per traffic form, and over all texts (a text counts
/// once when any of its forms is flagged). `GWC_WAF_MISSES=1` prints the flagged texts
/// (they are not corpus rows, so looking at them tunes nothing on the held-out half).
fn independent_benign_report() {
    let texts = super::benign_text::independent_benign();
    if texts.is_empty() {
        crate::tests::skip("no independent benign text on this machine (/usr/share/doc, …)");
        return;
    }
    let mut sources: Vec<&str> = texts.iter().map(|t| t.source).collect();
    sources.dedup();
    println!(
        "== independent benign set: {} texts from {} sources, 4 forms each ==",
        texts.len(),
        sources.len()
    );
    let print = std::env::var_os("GWC_WAF_MISSES").is_some();
    for (class, f) in [
        ("sqli", detect::sqli as fn(&[u8]) -> bool),
        ("xss", detect::xss),
    ] {
        let mut per_form = [0usize; 4];
        let mut any = 0;
        let mut line = String::new();
        for source in &sources {
            let (mut k, mut n) = (0, 0);
            for t in texts.iter().filter(|t| t.source == *source) {
                n += 1;
                let forms = super::benign_text::traffic_forms(&t.text);
                let mut flagged = false;
                for (i, (form, v)) in forms.iter().enumerate() {
                    if f(v) {
                        per_form[i] += 1;
                        flagged = true;
                        if print {
                            println!(
                                "BENIGN {class} {source} {form}: {}",
                                String::from_utf8_lossy(v)
                            );
                        }
                    }
                }
                k += usize::from(flagged);
            }
            any += k;
            line.push_str(&format!(" {source} {k}/{n};"));
        }
        let forms = super::benign_text::traffic_forms("");
        let per_form: Vec<String> = forms
            .iter()
            .zip(per_form)
            .map(|((form, _), k)| format!("{form} {k}"))
            .collect();
        println!(
            "{class:4} gwc          {} | by source:{line} | flagged per form: {}",
            show("independent benign flagged", (any, texts.len())),
            per_form.join(", ")
        );
    }
}

type Vary = fn(&[u8]) -> Vec<u8>;

/// The ways attackers vary an SQLi payload (see [`sqli_attack_variants`]).
fn variant_kinds() -> [(&'static str, Vary); 12] {
    fn replace_ci(v: &[u8], from: &str, to: &str) -> Vec<u8> {
        let (from, mut out, mut i) = (from.as_bytes(), Vec::with_capacity(v.len()), 0);
        while i < v.len() {
            if v.len() - i >= from.len() && v[i..i + from.len()].eq_ignore_ascii_case(from) {
                out.extend_from_slice(to.as_bytes());
                i += from.len();
            } else {
                out.push(v[i]);
                i += 1;
            }
        }
        out
    }
    [
        ("upper", |v| v.to_ascii_uppercase()),
        ("lower", |v| v.to_ascii_lowercase()),
        ("alternating case", |v| {
            v.iter()
                .enumerate()
                .map(|(i, b)| {
                    if i % 2 == 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b.to_ascii_lowercase()
                    }
                })
                .collect()
        }),
        ("space as /**/", |v| replace_ci(v, " ", "/**/")),
        ("space as tab", |v| replace_ci(v, " ", "\t")),
        ("space as newline", |v| replace_ci(v, " ", "\n")),
        ("quote swapped", |v| {
            v.iter()
                .map(|&b| match b {
                    b'\'' => b'"',
                    b'"' => b'\'',
                    _ => b,
                })
                .collect()
        }),
        ("percent-encoded", |v| {
            v.iter()
                .flat_map(|&b| {
                    if b.is_ascii_alphanumeric() {
                        vec![b]
                    } else {
                        format!("%{b:02X}").into_bytes()
                    }
                })
                .collect()
        }),
        ("OR/AND as ||/&&", |v| {
            replace_ci(&replace_ci(v, " or ", " || "), " and ", " && ")
        }),
        ("= as LIKE", |v| {
            // the comparisons only, not a parameter's `name=`
            let name = v
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'[' | b']'))
                .count();
            let keep = if v.get(name) == Some(&b'=') {
                name + 1
            } else {
                0
            };
            let mut out = v[..keep].to_vec();
            for (i, &b) in v.iter().enumerate().skip(keep) {
                let op = |j: Option<usize>| {
                    j.and_then(|j| v.get(j))
                        .is_some_and(|c| matches!(c, b'<' | b'>' | b'!' | b'='))
                };
                if b == b'=' && !op(i.checked_sub(1)) && !op(Some(i + 1)) {
                    out.extend_from_slice(b" LIKE ");
                } else {
                    out.push(b);
                }
            }
            out
        }),
        ("UNION as UNION ALL", |v| {
            replace_ci(v, "union select", "UNION ALL SELECT")
        }),
        ("other delay", |v| {
            let v = replace_ci(v, "pg_sleep(", "sleep(");
            replace_ci(
                &replace_ci(&v, "sleep(", "pg_sleep("),
                "waitfor delay",
                "WAITFOR TIME",
            )
        }),
    ]
}

/// Each variant of `v` that differs from it.
fn sqli_variants(v: &[u8]) -> Vec<Vec<u8>> {
    variant_kinds()
        .iter()
        .map(|(_, vary)| vary(v))
        .filter(|x| x != v)
        .collect()
}

/// Each detected SQLi tuning attack varied the way attackers vary a payload (case,
/// whitespace as comments or other blanks, the other quote, percent-encoding, and sibling
/// constructs from the SQL references: `||`/`&&` for `OR`/`AND`, `LIKE` for `=`, `UNION ALL`
/// for `UNION`, other delay functions), reported as "variants detected when their row is
/// detected" per kind. `GWC_WAF_MISSES=1` prints the variants lost.
fn sqli_attack_variants() {
    let kinds = variant_kinds();
    let attacks = load("sqli-attacks.jsonl");
    let detected: Vec<&Row> = attacks
        .iter()
        .filter(|r| r.tune && detect::sqli(&r.payload))
        .collect();
    let print = std::env::var_os("GWC_WAF_MISSES").is_some();
    let (mut all_k, mut all_n) = (0, 0);
    let mut line = String::new();
    for (kind, vary) in kinds {
        let (mut k, mut n) = (0, 0);
        for r in &detected {
            let v = vary(&r.payload);
            if v == r.payload {
                continue;
            }
            n += 1;
            if detect::sqli(&v) {
                k += 1;
            } else if print {
                println!("VARIANT LOST sqli {kind}: {}", String::from_utf8_lossy(&v));
            }
        }
        all_k += k;
        all_n += n;
        line.push_str(&format!(" {kind} {k}/{n};"));
    }
    println!(
        "sqli attack variants: {} | by kind:{line}",
        show(
            "variants detected when their row is detected",
            (all_k, all_n)
        )
    );
}

/// The SQLi fast path against the full judge on every tuning row of both classes, every
/// text of the independent benign set in each of its forms, and each tuning attack's
/// variants: a value the fast path accepts must be one the judge passes. Panics otherwise.
fn sqli_fast_path_agrees() {
    let mut values: Vec<Vec<u8>> = Vec::new();
    for file in [
        "sqli-attacks.jsonl",
        "sqli-benign.jsonl",
        "xss-attacks.jsonl",
        "xss-benign.jsonl",
    ] {
        for r in load(file).into_iter().filter(|r| r.tune) {
            for v in sqli_variants(&r.payload) {
                values.push(v);
            }
            values.push(r.payload);
        }
    }
    for t in super::benign_text::independent_benign() {
        for (_, v) in super::benign_text::traffic_forms(&t.text) {
            values.push(v);
        }
    }
    let mut accepted = 0;
    for v in &values {
        let (plain, flagged) = detect::fast_path_and_judge(v);
        assert!(
            !(plain && flagged),
            "the fast path passed what the judge flags: {}",
            String::from_utf8_lossy(v)
        );
        accepted += usize::from(plain);
    }
    println!(
        "sqli fast path: {accepted} of {} values taken by the fast path, none of them flagged by the judge",
        values.len()
    );
}

/// Benign tuning rows changed the way real traffic varies (case, digits, a parameter name,
/// `+` for space): a rule that flags a variant but not the row is brittle, and the held-out
/// half will hold such variants. Prints the flagged variants.
fn perturbed_benign() {
    let variants = |p: &[u8]| -> Vec<Vec<u8>> {
        let digits: Vec<u8> = p
            .iter()
            .map(|&b| {
                if b.is_ascii_digit() {
                    b'0' + (b - b'0' + 3) % 10
                } else {
                    b
                }
            })
            .collect();
        let mut q = b"q=".to_vec();
        q.extend_from_slice(p);
        vec![
            p.to_ascii_lowercase(),
            p.to_ascii_uppercase(),
            digits,
            q,
            p.iter()
                .map(|&b| if b == b' ' { b'+' } else { b })
                .collect(),
            p.iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect(),
        ]
    };
    let (mut flagged, mut total) = (0, 0);
    for (class, f) in [
        ("sqli", detect::sqli as fn(&[u8]) -> bool),
        ("xss", detect::xss),
    ] {
        for r in load(&format!("{class}-benign.jsonl"))
            .iter()
            .filter(|r| r.tune)
        {
            if f(&r.payload) {
                continue;
            }
            for v in variants(&r.payload) {
                total += 1;
                if f(&v) {
                    flagged += 1;
                    println!("VARIANT {class}: {}", String::from_utf8_lossy(&v));
                }
            }
        }
    }
    println!("benign variants flagged: {flagged}/{total}");
}

/// Floors on the held-out half, so a change that loses detection or gains false positives
/// fails CI. The floors sit a little under what was measured (BENCHMARKS.md).
#[test]
fn waf_corpus_floors() {
    if corpus_dir().is_none() {
        return;
    }
    let pct = |(k, n): (usize, usize)| 100.0 * k as f64 / n.max(1) as f64;
    let sqli = score("sqli", false, &detect::sqli);
    let xss = score("xss", false, &detect::xss);
    assert!(
        pct(sqli.detection) >= SQLI_DETECTION_FLOOR,
        "{}",
        show("sqli detection", sqli.detection)
    );
    assert!(
        pct(sqli.fp) <= SQLI_FP_CEILING,
        "{}",
        show("sqli fp", sqli.fp)
    );
    assert!(
        pct(xss.detection) >= XSS_DETECTION_FLOOR,
        "{}",
        show("xss detection", xss.detection)
    );
    assert!(pct(xss.fp) <= XSS_FP_CEILING, "{}", show("xss fp", xss.fp));
}

// Measured on the held-out half on 2026-12-02 (BENCHMARKS.md, fourth round): SQLi 84.0 % at
// 6.7 % false positives, XSS 94.8 % at 1.7 %. Fifth round (waf-sqli): SQLi 83.8 % (863/1030)
// at 5.9 % (21/358). Sixth round (waf-sqli, held-out run once): 84.9 % (874/1030) at 5.9 %.
// Seventh round (waf-sqli, held-out run once): 85.6 % (882/1030) at 5.6 % (20/358).
// Eighth round (waf-sqli8, held-out run once): 85.9 % (885/1030) at 5.6 % (20/358).
// Ninth round (waf-sqli9, held-out run once): 86.4 % (890/1030) at 5.6 % (20/358).
// Eleventh round (waf-sqli11, held-out run once): 86.8 % (894/1030) at 5.6 % (20/358).
// Eleventh round (waf-sqlfp11, held-out run once): 86.6 % (892/1030) at 5.6 % (20/358); the
// floor stays.
const SQLI_DETECTION_FLOOR: f64 = 86.3;
const SQLI_FP_CEILING: f64 = 6.2;
// XSS after the fifth round (waf-xss, held-out run once): 95.7 % at 1.7 %. Sixth round
// (waf-xss, held-out run once): 96.3 % (931/967) at 1.7 % (2/117). Seventh round (waf-xss,
// held-out run once): 96.3 % (931/967) at 0.9 % (1/117). Eighth round (waf-xss8, held-out run
// once): 96.9 % (937/967) at 0.9 % (1/117). Ninth round (waf-xss9, held-out run once): 96.9 %
// (937/967) at 0.9 % (1/117), so the floor stays. Eleventh round (waf-xss11, held-out run
// once): the same 96.9 % (937/967) at 0.9 % (1/117); the floor stays.
const XSS_DETECTION_FLOOR: f64 = 96.4;
// The bound: two false positives of 117 pass, a third fails.
const XSS_FP_CEILING: f64 = 2.0;

/// Hand-written SQLi forms checked one by one: each line of the file `GWC_WAF_SQLI_PROBE`
/// names (read by [`unescape`]; `##` lines skipped) is judged and printed
/// with `HIT` (and the judgements that fired) or `pass`. Never fed corpus rows.
#[test]
#[ignore = "prints the judge's answer for each line of GWC_WAF_SQLI_PROBE"]
fn waf_sqli_probe() {
    probe("GWC_WAF_SQLI_PROBE", &|v| detect::explain_sqli(v));
}

/// Judges each line of the file the environment variable `var` names (read by [`unescape`];
/// empty and `##` lines skipped) and prints `HIT` with the judge's reason, or `pass`.
fn probe(var: &str, judge: &dyn Fn(&[u8]) -> Option<String>) {
    let Some(path) = std::env::var_os(var) else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("probe file readable");
    let (mut hits, mut total) = (0, 0);
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("##"))
    {
        let why = judge(&unescape(line));
        hits += usize::from(why.is_some());
        total += 1;
        match why {
            Some(w) if w.is_empty() => println!("HIT  {line}"),
            Some(w) => println!("HIT  {line}    <- {w}"),
            None => println!("pass {line}"),
        }
    }
    println!("probe: {hits}/{total} flagged");
}

/// A probe line with its escapes read: `\n`, `\t`, `\r`, `\\`, `\xNN` (a raw byte) and `\u{…}`
/// (a character as UTF-8).
fn unescape(line: &str) -> Vec<u8> {
    let b = line.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    if let Ok(x) = u8::from_str_radix(&line[i + 2..i + 4], 16) {
                        out.push(x);
                        i += 4;
                        continue;
                    }
                    out.push(b'\\');
                    i += 1;
                    continue;
                }
                b'u' if b.get(i + 2) == Some(&b'{') => {
                    if let Some(end) = line[i + 3..].find('}')
                        && let Ok(cp) = u32::from_str_radix(&line[i + 3..i + 3 + end], 16)
                        && let Some(c) = char::from_u32(cp)
                    {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        i += 4 + end;
                        continue;
                    }
                    out.push(b'\\');
                    i += 1;
                    continue;
                }
                _ => {
                    out.push(b'\\');
                    i += 1;
                    continue;
                }
            }
            i += 2;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}
