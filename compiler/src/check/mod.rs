//! Semantic checks over the lowered IR: what the types cannot rule out.
//!
//! Lowering keeps a [`RouteSite`] per route (the spans the IR itself does not carry), so every
//! finding points at the spec line that causes it. Checks never stop at the first finding.

mod routes;
mod uris;

pub use routes::check_routes;

use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// Where a route came from in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSite {
    /// The path key (`/pets/{id}`).
    pub path: Span,
    /// The method key (`get`, `x-gateway-any-method`).
    pub method: Span,
    /// The integration block, or the method key when the integration is the default proxy.
    pub integration: Span,
    /// The `uri` value of an HTTP integration, for URI-template findings.
    pub uri: Option<Span>,
    /// Declared `in: path` parameters, with the span of each declaration.
    pub declared_path_params: Vec<(String, Span)>,
    /// The route is described but cannot be served (its default upstream is missing or not
    /// `http://`; lowering already said so once), so its URI is not checked.
    pub describe_only: bool,
    /// The URI template is malformed (lowering reported it), so its parts are not checked.
    pub bad_uri: bool,
}

/// Runs every check over a lowered gateway.
pub fn check(gateway: &gwc_ir::Gateway, sites: &[RouteSite], diags: &mut Diagnostics) {
    check_routes(gateway, sites, diags);
    uris::check_uris(gateway, sites, diags);
}
