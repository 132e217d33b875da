//! One broken spec per file in `specs/invalid/`, each with its exact rendered diagnostics
//! (no colour) in a `.stderr` file beside it.

use std::path::Path;

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

    // Load through a path relative to the test's working directory (`compiler/`), so file names
    // print the same wherever the repository is checked out (also where lines wrap).
    let mut failures = Vec::new();
    for spec in &specs {
        let relative = Path::new("..").join(spec.strip_prefix(workspace_root()).unwrap_or(spec));
        let front = gwc::frontend(&relative);
        if !front.diagnostics.has_errors() {
            failures.push(format!(
                "{}: expected at least one error, got none",
                spec.display()
            ));
        }
        let rendered = front.diagnostics.render(&front.sources, false);
        if let Err(e) = ensure_file_contents(&spec.with_extension("stderr"), &rendered) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
