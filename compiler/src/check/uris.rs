//! Integration URI templates (parsed by lowering, which reports malformed ones):
//! `${stageVariables.NAME}` must be defined in every stage, and `{param}` must name a parameter
//! of the route's path template.

use gwc_ir::{Gateway, Integration, Stage, UriPart};

use super::RouteSite;
use crate::diagnostics::{Diagnostic, Diagnostics};

pub(super) fn check_uris(gateway: &Gateway, sites: &[RouteSite], diags: &mut Diagnostics) {
    for (route, site) in gateway.routes.iter().zip(sites) {
        let Integration::HttpProxy(proxy) = &route.integration else {
            continue;
        };
        if site.describe_only {
            continue;
        }
        let span = site.uri.unwrap_or(site.integration);
        if site.bad_uri {
            continue;
        }
        let params: Vec<&str> = route.path.params().collect();
        for part in &proxy.uri.parts {
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
                UriPart::PathParam(name) if !params.contains(&name.as_ref()) => {
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
        let raw = &proxy.uri.raw;
        if !raw.starts_with("http://") && !raw.starts_with("https://") && !raw.starts_with("${") {
            diags.push(
                Diagnostic::error(
                    "gwc::check::unsupported_uri_scheme",
                    format!("integration URI `{raw}` must start with `http://` or `https://`"),
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
