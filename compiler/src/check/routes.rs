//! Route-table checks: duplicates (also up to parameter names) and path parameters that the
//! template and the declared parameters disagree on.

use std::collections::HashMap;

use gwc_ir::{Gateway, Method};

use super::RouteSite;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// Duplicate routes and path-parameter mismatches.
pub fn check_routes(gateway: &Gateway, sites: &[RouteSite], diags: &mut Diagnostics) {
    let mut first_by_key: HashMap<(Method, String), usize> = HashMap::new();
    for (i, (route, site)) in gateway.routes.iter().zip(sites).enumerate() {
        let key = (route.method, route.path.shape());
        if let Some(&j) = first_by_key.get(&key) {
            let first = &gateway.routes[j];
            let same_text = first.path.raw == route.path.raw;
            let message = if same_text {
                format!(
                    "{} {} is defined twice",
                    route.method.as_str(),
                    route.path.raw
                )
            } else {
                format!(
                    "{} {} and {} {} are the same route: path templates equal up to parameter names",
                    first.method.as_str(),
                    first.path.raw,
                    route.method.as_str(),
                    route.path.raw
                )
            };
            diags.push(
                Diagnostic::error("gwc::check::duplicate_route", message)
                    .with_span(site.method, "this route")
                    .with_secondary(sites[j].method, "first defined here")
                    .with_help(
                        "a request could match either; remove one, or merge them (parameter names do not distinguish routes)",
                    ),
            );
        } else {
            first_by_key.insert(key, i);
        }

        let template: Vec<&str> = route.path.params().collect();
        for (name, span) in &site.declared_path_params {
            if !template.contains(&name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        "gwc::check::extra_path_param",
                        format!("path parameter `{name}` is not in the path template `{}`", route.path.raw),
                    )
                    .with_span(*span, "declared here")
                    .with_secondary(site.path, "template")
                    .with_help(format!(
                        "add `{{{name}}}` to the template, or change the parameter's `in` (template parameters: {})",
                        list(&template)
                    )),
                );
            }
        }
        for name in &template {
            if !site.declared_path_params.iter().any(|(n, _)| n == name) {
                diags.push(
                    Diagnostic::warning(
                        "gwc::check::undeclared_path_param",
                        format!("path parameter `{name}` of `{}` is not declared", route.path.raw),
                    )
                    .with_span(site.method, format!("{} has no `in: path` parameter `{name}`", route.method.as_str()))
                    .with_help(format!(
                        "declare it: `parameters: [{{name: {name}, in: path, required: true, schema: {{type: string}}}}]`"
                    )),
                );
            }
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
