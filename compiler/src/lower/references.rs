//! References between parts of the vocabulary: an operation's authorizer must be declared under
//! `x-gateway.authorizers`, and a plan's per-route throttles must name routes that exist.
//! (Stage references are checked where stages are lowered, URI stage variables in `check`.)

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::Node;
use crate::lower::names;
use crate::openapi::Api;
use crate::vocab;

/// Diagnostic code for a name that refers to nothing declared.
pub const UNDEFINED_REFERENCE: &str = "gwc::check::undefined_reference";

/// Checks authorizer and route references; `route_ids` are the lowered routes' ids.
pub(super) fn check_references(
    api: &Api<'_>,
    root: &vocab::Root,
    route_ids: &[&str],
    diags: &mut Diagnostics,
) {
    let authorizers: Vec<&str> = root.authorizers.keys().map(|k| k.value.as_str()).collect();
    let mut auth_nodes: Vec<&Node> = Vec::new();
    if let Some(auth) = api.gateway.and_then(|g| g.value.get("auth")) {
        auth_nodes.push(auth);
    }
    auth_nodes.extend(
        api.operations
            .iter()
            .filter_map(|op| op.extension("x-gateway-auth"))
            .map(|e| &e.value),
    );
    for auth in auth_nodes {
        let Some(name_node) = auth.get("authorizer") else {
            continue;
        };
        let Some(name) = name_node.as_str() else {
            continue;
        };
        if name == "none" || authorizers.contains(&name) {
            continue;
        }
        let help = match names::closest(name, &authorizers) {
            Some(best) => format!("did you mean `{best}`?"),
            None if authorizers.is_empty() => format!(
                "declare it under `x-gateway.authorizers`, e.g. `authorizers: {{{name}: {{type: jwt, issuer: …, audience: […]}}}}`"
            ),
            None => format!("declared authorizers: {}", names::quoted_list(&authorizers)),
        };
        diags.push(
            Diagnostic::error(
                UNDEFINED_REFERENCE,
                format!("authorizer `{name}` is not declared"),
            )
            .with_span(name_node.span, "no such authorizer")
            .with_help(help),
        );
    }

    for (plan, body) in &root.plans {
        for route in body.route_throttles.keys() {
            if route_ids.contains(&route.value.as_str()) {
                continue;
            }
            let help = match names::closest(&route.value, route_ids) {
                Some(best) => format!("did you mean `{best}`?"),
                None => {
                    "name a route by its operationId, or `METHOD /path` when it has none".to_owned()
                }
            };
            diags.push(
                Diagnostic::error(
                    UNDEFINED_REFERENCE,
                    format!(
                        "plan `{}` throttles route `{}`, which does not exist",
                        plan.value, route.value
                    ),
                )
                .with_span(route.span, "no such route")
                .with_help(help),
            );
        }
    }
}
