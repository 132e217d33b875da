//! References between parts of the vocabulary: an operation's authorizer must be declared under
//! `x-gateway.authorizers`, and a plan's per-route throttles must name routes that exist, as
//! `METHOD /path` exactly as `gwc routes` prints them (`GET /pets/{petId}`; `ANY` for
//! `x-gateway-any-method`). AWS keys its method throttles by resource path and method too;
//! operationIds are not accepted, so one key names one route whatever the operations are called.
//! (Stage references are checked where stages are lowered, URI stage variables in `check`.)

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::Node;
use crate::lower::names;
use crate::openapi::Api;
use crate::vocab;

/// Diagnostic code for a name that refers to nothing declared.
pub const UNDEFINED_REFERENCE: &str = "gwc::check::undefined_reference";

/// The key naming an operation's route in `route_throttles`: `METHOD /path`.
pub(crate) fn route_key(method: gwc_ir::Method, path: &str) -> String {
    format!("{} {path}", method.as_str())
}

/// Checks authorizer and route references.
pub(super) fn check_references(api: &Api<'_>, root: &vocab::Root, diags: &mut Diagnostics) {
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

    let keys: Vec<String> = api
        .operations
        .iter()
        .map(|op| route_key(op.method, &op.path))
        .collect();
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    for (plan, body) in &root.plans {
        for route in body.route_throttles.keys() {
            let wanted = route.value.as_str();
            if keys.contains(&wanted) {
                continue;
            }
            let by_operation_id = api.operations.iter().zip(&keys).find(|(op, _)| {
                op.operation_id
                    .as_ref()
                    .is_some_and(|id| id.value == wanted)
            });
            let help = match by_operation_id {
                Some((_, key)) => format!(
                    "routes are keyed `METHOD /path`, as `gwc routes` prints them: write `{key}`"
                ),
                None => match names::closest(wanted, &keys) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "name a route as `METHOD /path`, as `gwc routes` prints it (e.g. `GET /pets/{petId}`)".to_owned(),
                },
            };
            diags.push(
                Diagnostic::error(
                    UNDEFINED_REFERENCE,
                    format!(
                        "plan `{}` throttles route `{wanted}`, which does not exist",
                        plan.value
                    ),
                )
                .with_span(route.span, "no such route")
                .with_help(help),
            );
        }
    }
}
