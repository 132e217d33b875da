//! AWS's dialect (`x-amazon-apigateway-*`) is read in a later release. Until then its keys are
//! not silently ignored: an AWS export would otherwise "check clean" and serve every operation
//! as a proxy to `servers[0]`, which is not what its integrations say.

use std::collections::HashSet;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::Entry;
use crate::lower::Purpose;
use crate::openapi::Api;

/// Diagnostic code for AWS dialect keys.
pub const AWS_DIALECT: &str = "gwc::lower::aws_dialect_not_supported";

const PREFIX: &str = "x-amazon-apigateway-";

/// Reports each distinct `x-amazon-apigateway-*` key once, at its first use, with how often it
/// appears: a warning when describing the spec, an error when serving it.
/// (`x-amazon-apigateway-any-method` is an operation, read by the OpenAPI view.)
pub(super) fn report_aws_keys(api: &Api<'_>, purpose: Purpose, diags: &mut Diagnostics) {
    let mut entries: Vec<&Entry> = api.extensions.clone();
    let mut seen_paths = HashSet::new();
    for op in &api.operations {
        if seen_paths.insert(op.path_span) {
            entries.extend(op.path_extensions.iter().copied());
        }
        entries.extend(op.extensions.iter().copied());
    }
    // (first entry, count) per key, in order of first appearance.
    let mut keys: Vec<(&Entry, usize)> = Vec::new();
    for entry in entries {
        if !entry.key.starts_with(PREFIX) || entry.key == "x-amazon-apigateway-any-method" {
            continue;
        }
        match keys.iter_mut().find(|(first, _)| first.key == entry.key) {
            Some((_, count)) => *count += 1,
            None => keys.push((entry, 1)),
        }
    }
    for (entry, count) in keys {
        let message = format!(
            "`{}` (AWS API Gateway's dialect) is not supported yet{}",
            entry.key,
            if count > 1 {
                format!("; used {count} times")
            } else {
                String::new()
            }
        );
        let (d, help) = match purpose {
            Purpose::Check => (
                Diagnostic::warning(AWS_DIALECT, message),
                "until gwc reads AWS's dialect, operations without `x-gateway-integration` proxy to `servers[0]`; add `x-gateway-*` keys to serve this spec as intended",
            ),
            Purpose::Serve => (
                Diagnostic::error(AWS_DIALECT, message),
                "serving would ignore what this key says; translate it to `x-gateway-*` keys (docs/extensions.md) or remove it",
            ),
        };
        diags.push(d.with_span(entry.key_span, "first use").with_help(help));
    }
}
