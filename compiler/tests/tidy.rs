//! Tidy checks run as tests: every diagnostic code the compiler can emit is documented in
//! `docs/diagnostics.md`, and every documented code is still emitted.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::workspace_root;

fn codes_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("gwc::") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c == ':'))
            .unwrap_or(tail.len());
        let code = &tail[..end];
        if code.matches("::").count() == 2 && !code.ends_with(':') {
            out.insert(code.to_owned());
        }
        rest = &tail[end.max(5)..];
    }
    out
}

fn rust_sources(dir: &Path, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[test]
fn every_diagnostic_code_is_documented() {
    let root = workspace_root();
    let mut source = String::new();
    rust_sources(&root.join("compiler/src"), &mut source);
    // Only string literals count as emitted codes: `"gwc::…"`.
    let emitted: BTreeSet<String> = codes_in(&source)
        .into_iter()
        .filter(|c| source.contains(&format!("\"{c}\"")))
        .collect();
    let docs =
        std::fs::read_to_string(root.join("docs/diagnostics.md")).expect("docs/diagnostics.md");
    let documented = codes_in(&docs);
    let undocumented: Vec<_> = emitted.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&emitted).collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from docs/diagnostics.md: {undocumented:?}"
    );
    assert!(
        stale.is_empty(),
        "docs/diagnostics.md lists codes the compiler no longer emits: {stale:?}"
    );
}
