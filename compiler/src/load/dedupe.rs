//! Duplicate mapping keys: an error in both YAML 1.2 and OpenAPI, and a classic source of "my
//! change had no effect" (the parser silently kept one of the two). Shared by the YAML and JSON
//! readers so both report it the same way: primary label on the repeat, secondary on the first.

use std::collections::HashMap;

use super::codes;
use super::tree::Entry;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// Below this many entries a quadratic scan beats building a hash map.
const LINEAR_LIMIT: usize = 16;

/// Reports every repeated key and removes the repeats, keeping the first occurrence (so that
/// `Node::get` and later stages see one value per key).
pub(super) fn check_duplicate_keys(entries: &mut Vec<Entry>, diags: &mut Diagnostics) {
    let mut repeats: Vec<(usize, usize)> = Vec::new(); // (first, repeat)
    if entries.len() <= LINEAR_LIMIT {
        for (i, e) in entries.iter().enumerate() {
            if let Some(first) = entries[..i].iter().position(|f| f.key == e.key) {
                repeats.push((first, i));
            }
        }
    } else {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if let Some(&first) = seen.get(e.key.as_str()) {
                repeats.push((first, i));
            } else {
                seen.insert(&e.key, i);
            }
        }
    }
    if repeats.is_empty() {
        return;
    }
    for &(first, repeat) in &repeats {
        let (f, r) = (&entries[first], &entries[repeat]);
        diags.push(
            Diagnostic::error(codes::DUPLICATE_KEY, format!("duplicate key `{}`", r.key))
                .with_span(r.key_span, "repeated here")
                .with_secondary(f.key_span, "first defined here")
                .with_help("a mapping holds each key once: merge the two or remove one"),
        );
    }
    let mut drop = vec![false; entries.len()];
    for &(_, repeat) in &repeats {
        drop[repeat] = true;
    }
    let mut i = 0;
    entries.retain(|_| {
        let keep = !drop[i];
        i += 1;
        keep
    });
}
