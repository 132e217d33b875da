//! Test input: YAML (or JSON) text → the loader's spanned [`Node`] tree, exactly as `gwc check`
//! reads a spec file.

use std::path::Path;

use gwc::Diagnostics;
use gwc::load::{Limits, Node, parse_text};
use gwc::source::{FileId, SourceMap};

/// Adds `text` to `sources` as `name` and parses it; panics on a syntax error (test input).
pub(crate) fn parse(sources: &mut SourceMap, name: &str, text: &str) -> Node {
    let file = sources.add(Path::new(name), text);
    parse_in(file, Path::new(name), text)
        .unwrap_or_else(|e| panic!("test input does not parse: {e}"))
}

/// Parses `text` of `file` (named `path`, which picks the JSON or YAML reader).
pub(crate) fn parse_in(file: FileId, path: &Path, text: &str) -> Result<Node, String> {
    let mut diags = Diagnostics::new();
    let node = parse_text(file, path, text, &Limits::default(), &mut diags);
    match node {
        Some(node) if !diags.has_errors() => Ok(node),
        _ => Err(diags
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}
