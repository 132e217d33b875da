//! One broken spec per file in `specs/invalid/`, each with its exact rendered diagnostics
//! (no colour) in a `.stderr` file beside it.

use crate::support::{ensure_file_contents, workspace_root};

#[test]
fn invalid_specs_render_their_diagnostics() {
    let dir = workspace_root().join("specs/invalid");
    let mut specs: Vec<_> = std::fs::read_dir(&dir)
        .expect("specs/invalid exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "json")
            )
        })
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 15,
        "expected at least 15 broken specs, found {}",
        specs.len()
    );

    // Paths outside the working directory print in full; strip the checkout's location so the
    // snapshots are the same on every machine.
    let root = format!("{}/", workspace_root().display());
    let mut failures = Vec::new();
    for spec in &specs {
        let front = gwc::frontend(spec);
        if !front.diagnostics.has_errors() {
            failures.push(format!(
                "{}: expected at least one error, got none",
                spec.display()
            ));
        }
        let rendered = front
            .diagnostics
            .render(&front.sources, false)
            .replace(&root, "");
        if let Err(e) = ensure_file_contents(&spec.with_extension("stderr"), &rendered) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
