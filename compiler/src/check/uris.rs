//! Integration URI templates: `${stageVariables.NAME}` must be defined in every stage, and
//! `{param}` must name a parameter of the route's path template.

use gwc_ir::{Gateway, Integration, Stage};

use super::RouteSite;
use crate::diagnostics::{Diagnostic, Diagnostics};

/// One piece of a URI template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriPart<'a> {
    /// Text copied as is.
    Literal(&'a str),
    /// `${stageVariables.NAME}`, resolved at start-up.
    StageVariable(&'a str),
    /// `{name}` or `{name+}`, resolved per request from the matched path.
    PathParam(&'a str),
}

/// Splits a URI template into parts; `Err` carries a message for a malformed placeholder.
pub fn parse_uri_template(uri: &str) -> Result<Vec<UriPart<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = uri;
    while !rest.is_empty() {
        let next = rest.find(['$', '{']).unwrap_or(rest.len());
        if next > 0 {
            parts.push(UriPart::Literal(&rest[..next]));
            rest = &rest[next..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| format!("unterminated `${{` in `{uri}`"))?;
            let inner = &after[..end];
            let name = inner.strip_prefix("stageVariables.").ok_or_else(|| {
                format!("unknown variable `${{{inner}}}`; only `${{stageVariables.NAME}}` is available here")
            })?;
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "stage variable name `{name}` must be letters, digits and `_`"
                ));
            }
            parts.push(UriPart::StageVariable(name));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or_else(|| format!("unterminated `{{` in `{uri}`"))?;
            let name = after[..end].trim_end_matches('+');
            if name.is_empty() || name.contains(['{', '/']) {
                return Err(format!("malformed path parameter `{{{}}}`", &after[..end]));
            }
            parts.push(UriPart::PathParam(name));
            rest = &after[end + 1..];
        } else {
            // A lone `$` is literal text.
            parts.push(UriPart::Literal(&rest[..1]));
            rest = &rest[1..];
        }
    }
    Ok(parts)
}

pub(super) fn check_uris(gateway: &Gateway, sites: &[RouteSite], diags: &mut Diagnostics) {
    for (route, site) in gateway.routes.iter().zip(sites) {
        let Integration::HttpProxy(proxy) = &route.integration else {
            continue;
        };
        if site.describe_only {
            continue;
        }
        let span = site.uri.unwrap_or(site.integration);
        let parts = match parse_uri_template(&proxy.uri) {
            Ok(parts) => parts,
            Err(message) => {
                diags.push(
                    Diagnostic::error("gwc::check::bad_uri_template", message)
                        .with_span(span, "in this URI")
                        .with_help("placeholders are `${stageVariables.NAME}` and `{pathParam}`"),
                );
                continue;
            }
        };
        let params: Vec<&str> = route.path.params().collect();
        for part in &parts {
            match part {
                UriPart::StageVariable(name) => {
                    let missing: Vec<&str> = gateway
                        .stages
                        .iter()
                        .filter(|s| !defines(s, name))
                        .map(|s| s.name.as_ref())
                        .collect();
                    if !missing.is_empty() {
                        diags.push(
                            Diagnostic::error(
                                "gwc::check::undefined_stage_variable",
                                format!(
                                    "stage variable `{name}` is not defined in stage{} {}",
                                    if missing.len() > 1 { "s" } else { "" },
                                    missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                                ),
                            )
                            .with_span(span, "used here")
                            .with_help(format!(
                                "add `{name}` under `x-gateway.stages.<stage>.variables`, or pass `--stage-variable {name}=VALUE` when you start the gateway"
                            )),
                        );
                    }
                }
                UriPart::PathParam(name) if !params.contains(name) => {
                    diags.push(
                        Diagnostic::error(
                            "gwc::check::unknown_uri_param",
                            format!(
                                "`{{{name}}}` is not a parameter of the path `{}`",
                                route.path.raw
                            ),
                        )
                        .with_span(span, "used here")
                        .with_secondary(site.path, "path template")
                        .with_help(format!(
                            "path parameters of this route: {}",
                            if params.is_empty() {
                                "none".to_owned()
                            } else {
                                params
                                    .iter()
                                    .map(|p| format!("`{{{p}}}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        )),
                    );
                }
                _ => {}
            }
        }
        if !proxy.uri.starts_with("http://")
            && !proxy.uri.starts_with("https://")
            && !proxy.uri.starts_with("${")
        {
            diags.push(
                Diagnostic::error(
                    "gwc::check::unsupported_uri_scheme",
                    format!("integration URI `{}` must start with `http://` or `https://`", proxy.uri),
                )
                .with_span(span, "not an http(s) URL")
                .with_help("write an absolute URL such as `https://api.example.com/pets/{id}`, or start with `${stageVariables.NAME}`"),
            );
        }
    }
}

fn defines(stage: &Stage, name: &str) -> bool {
    stage.variables.iter().any(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_templates() {
        assert_eq!(
            parse_uri_template("${stageVariables.backend}/pets/{id}?x=$"),
            Ok(vec![
                UriPart::StageVariable("backend"),
                UriPart::Literal("/pets/"),
                UriPart::PathParam("id"),
                UriPart::Literal("?x="),
                UriPart::Literal("$"),
            ])
        );
        assert_eq!(
            parse_uri_template("http://h/{proxy+}").unwrap()[1],
            UriPart::PathParam("proxy")
        );
        assert!(parse_uri_template("${stageVariables.a").is_err());
        assert!(parse_uri_template("${context.x}").is_err());
        assert!(parse_uri_template("http://h/{").is_err());
    }
}
