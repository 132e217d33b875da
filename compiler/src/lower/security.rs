//! OpenAPI's own `security` requirements as authorizers, where the mapping is unambiguous.
//!
//! An operation with no `x-gateway-auth` (and no root `x-gateway.auth`) takes its `security`
//! requirement (the operation's, else the document's). One requirement naming one scheme maps
//! onto the authorizer of the same name in `x-gateway.authorizers`, with the requirement's
//! scopes: OpenAPI says which scheme and scopes, `x-gateway` says what OpenAPI cannot (the
//! issuer, the audiences, where keys are). `security: []` or `[{}]` is public. Anything else
//! (a scheme without such an authorizer, alternatives `[{a: []}, {b: []}]` — OpenAPI's OR —
//! or several schemes in one requirement `[{a: [], b: []}]` — its AND) is reported, naming
//! the schemes and which reading it is, so that a plain OpenAPI document with `security` is
//! never served as if it had none.

use gwc_ir::{AuthorizerId, RouteAuth, Str};

use super::Purpose;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::Node;
use crate::openapi::{Api, Operation};
use crate::vocab;

/// The route's authorization from `security`, if it has a requirement to enforce.
pub(super) fn route_auth(
    api: &Api<'_>,
    op: &Operation<'_>,
    root: &vocab::Root,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> Option<RouteAuth> {
    let doc_root = api.document().root();
    let requirement = op
        .node
        .get("security")
        .or_else(|| doc_root.get("security"))?;
    let alternatives = requirement.as_seq()?;
    let report = |diags: &mut Diagnostics, message: String, help: String| {
        let d = match purpose {
            Purpose::Serve => Diagnostic::error(vocab::codes::NOT_SUPPORTED, message),
            Purpose::Check => Diagnostic::warning(vocab::codes::NOT_SUPPORTED, message),
        };
        diags.push(
            d.with_span(requirement.span, "this security requirement")
                .with_help(help),
        );
    };
    let required: Vec<&[crate::load::Entry]> =
        alternatives.iter().filter_map(Node::as_map).collect();
    match required.as_slice() {
        [] => None,
        [[]] => None,
        [one] if one.len() == 1 => {
            let scheme = &one[0];
            let scopes: Vec<Str> = scheme
                .value
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|s| s.as_str().map(|s| Str::Owned(s.to_owned())))
                .collect();
            match root.authorizers.keys().position(|k| k.value == scheme.key) {
                Some(index) => Some(RouteAuth {
                    authorizer: AuthorizerId(u32::try_from(index).unwrap_or(u32::MAX)),
                    scopes,
                }),
                None => {
                    let kind = scheme_type(api, &scheme.key);
                    report(
                        diags,
                        format!(
                            "the security scheme `{}`{} has no authorizer to enforce it",
                            scheme.key,
                            kind.as_ref()
                                .map_or_else(String::new, |k| format!(" (`{k}`)"))
                        ),
                        format!(
                            "add `x-gateway.authorizers.{}` ({}), or `x-gateway-auth: {{authorizer: none}}` to serve the operation without authorization",
                            scheme.key,
                            match kind.as_deref() {
                                Some("openIdConnect" | "oauth2" | "http") => {
                                    "`type: jwt` with the issuer and audiences, or `type: cognito`"
                                }
                                Some("apiKey") => {
                                    "a `type: custom` authorizer reading the key; API keys of usage plans are not supported yet"
                                }
                                _ => "`type: jwt`, `cognito`, `custom` or `iam`",
                            }
                        ),
                    );
                    None
                }
            }
        }
        [_, _, ..] => {
            // `{}` among alternatives is OpenAPI's optional authentication.
            let names: Vec<String> = required
                .iter()
                .map(|r| match r {
                    [] => "anonymous".to_owned(),
                    r => r
                        .iter()
                        .map(|e| e.key.as_str())
                        .collect::<Vec<_>>()
                        .join(" and "),
                })
                .collect();
            report(
                diags,
                format!(
                    "alternative security requirements ({}) cannot be enforced yet: OpenAPI admits a request that meets any one of them, and an operation has one authorizer",
                    names.join(" or ")
                ),
                "keep one requirement here (the others can go to operations of their own), or choose the authorizer with `x-gateway-auth`".to_owned(),
            );
            None
        }
        [combined] => {
            let names: Vec<&str> = combined.iter().map(|e| e.key.as_str()).collect();
            report(
                diags,
                format!(
                    "combined security requirements ({}) cannot be enforced yet: OpenAPI requires every scheme of one requirement, and an operation has one authorizer",
                    names.join(" and ")
                ),
                "name one scheme per requirement, or choose the authorizer with `x-gateway-auth`"
                    .to_owned(),
            );
            None
        }
    }
}

/// The scheme's `type` from `components.securitySchemes` (2.0: `securityDefinitions`).
fn scheme_type(api: &Api<'_>, name: &str) -> Option<String> {
    let root = api.document().root();
    let schemes = root
        .pointer("/components/securitySchemes")
        .or_else(|| root.get("securityDefinitions"))?;
    schemes.get(name)?.get_str("type").map(str::to_owned)
}
