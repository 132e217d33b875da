//! The SQLi detector at high sensitivity ([`detect::sqli_high`]) over the same corpus, the
//! same split and the same independent benign texts as the default level, so the report
//! shows what the extra signatures buy and what they cost.

use super::{Row, by_family, detect, load, rate, show};

/// Prints the high level's figures for the tuning half (and the held-out half unless
/// `GWC_WAF_HALF=tuning`), its independent-benign count, and with `GWC_WAF_MISSES` its
/// tuning-half misses and flags.
pub(super) fn report(held_out: bool) {
    let f = detect::sqli_high as fn(&[u8]) -> bool;
    let attacks = load("sqli-attacks.jsonl");
    let benign = load("sqli-benign.jsonl");
    let halves: &[(&str, bool)] = if held_out {
        &[("tuning", true), ("held-out", false)]
    } else {
        &[("tuning", true)]
    };
    println!("== SQLi at high sensitivity ==");
    for &(half, tune) in halves {
        let a: Vec<&Row> = attacks.iter().filter(|r| r.tune == tune).collect();
        let b: Vec<&Row> = benign.iter().filter(|r| r.tune == tune).collect();
        let hard: Vec<&Row> = b.iter().copied().filter(|r| r.hard).collect();
        println!(
            "sqli gwc-high {half:8} {} | {} | {}",
            show("detection", rate(&a, &f)),
            show("false positives", rate(&b, &f)),
            show("hard negatives blocked", rate(&hard, &f))
        );
        println!(
            "sqli gwc-high {half:8} by source family: {}",
            by_family("sqli", tune, &f)
        );
    }
    let texts = super::super::benign_text::independent_benign();
    let print = std::env::var_os("GWC_WAF_MISSES").is_some();
    let mut flagged = 0;
    let mut by_signature = std::collections::BTreeMap::new();
    for t in &texts {
        let forms = super::super::benign_text::traffic_forms(&t.text);
        let hit = forms.iter().find(|(_, v)| f(v));
        if let Some((form, v)) = hit {
            flagged += 1;
            if !detect::sqli(v) {
                let sig = detect::high_signature(v).unwrap_or("?");
                *by_signature.entry(sig).or_insert(0usize) += 1;
            }
            if print {
                println!(
                    "BENIGN sqli-high {} {form}: {}",
                    t.source,
                    String::from_utf8_lossy(v)
                );
            }
        }
    }
    println!(
        "sqli gwc-high {}",
        show("independent benign flagged", (flagged, texts.len()))
    );
    println!("sqli gwc-high independent benign flagged by signature: {by_signature:?}");
    if print {
        for r in attacks.iter().filter(|r| r.tune && !f(&r.payload)) {
            println!("MISS sqli-high: {}", super::printable(&r.payload));
        }
        for r in benign.iter().filter(|r| r.tune && f(&r.payload)) {
            println!("FP sqli-high: {}", super::printable(&r.payload));
        }
    }
}
