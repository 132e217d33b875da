//! Parameter mapping of `http_proxy` integrations: the vocabulary's `set`/`append`/`remove`
//! maps → `gwc_ir::Mapping`, each value parsed once here ([`gwc_ir::parse_value`]) so a
//! mistake is reported at the integration with the value and what it may read.

use gwc_ir::{
    BodyMapping, ChangeAction, ContentHandling, ContentTemplate, IntegrationResponse, MappedParam,
    Mapping, MappingSide, ParamChange, Passthrough, Str,
};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::Span;
use crate::vocab;

/// The route's mapping from its `http_proxy` integration.
pub(super) fn lower_proxy_mapping(
    p: &vocab::HttpProxyIntegration,
    span: Span,
    diags: &mut Diagnostics,
) -> Mapping {
    let mut m = Mapping {
        method: p.method.as_ref().and_then(|name| {
            let upper = name.to_ascii_uppercase();
            if http::Method::from_bytes(upper.as_bytes()).is_ok() && !upper.is_empty() {
                Some(Str::Owned(upper))
            } else {
                diags.push(
                    Diagnostic::error(
                        vocab::codes::INVALID_VALUE,
                        format!("`{name}` is not an HTTP method"),
                    )
                    .with_span(span, "in this integration")
                    .with_help("write a method such as `GET` or `POST`"),
                );
                None
            }
        }),
        ..Mapping::default()
    };
    changes(
        &p.request_headers,
        MappedParam::Header,
        MappingSide::Request,
        span,
        &mut m.request,
        diags,
    );
    changes(
        &p.request_query,
        MappedParam::Query,
        MappingSide::Request,
        span,
        &mut m.request,
        diags,
    );
    changes(
        &p.response_headers,
        MappedParam::Header,
        MappingSide::Response,
        span,
        &mut m.response,
        diags,
    );
    m
}

fn changes(
    c: &vocab::ParamChanges,
    target: fn(Str) -> MappedParam,
    side: MappingSide,
    span: Span,
    out: &mut Vec<ParamChange>,
    diags: &mut Diagnostics,
) {
    let is_header = matches!(target(Str::Borrowed("")), MappedParam::Header(_));
    let name_ok = |name: &str, diags: &mut Diagnostics| {
        let ok = !name.is_empty()
            && (!is_header || http::HeaderName::from_bytes(name.as_bytes()).is_ok());
        if !ok {
            diags.push(
                Diagnostic::error(
                    super::codes::BAD_HEADER,
                    format!("`{name}` cannot be mapped: not a valid name"),
                )
                .with_span(span, "in this integration's mapping")
                .with_help("header names are letters, digits and `!#$%&'*+-.^_`|~`"),
            );
        }
        ok
    };
    for (action, entries) in [
        (ChangeAction::Set, &c.set),
        (ChangeAction::Append, &c.append),
    ] {
        for (name, raw) in entries {
            if !name_ok(name, diags) {
                continue;
            }
            match gwc_ir::parse_value(raw, side) {
                Ok(value) => out.push(ParamChange {
                    action,
                    target: target(Str::Owned(name.clone())),
                    value,
                }),
                Err(e) => diags.push(
                    Diagnostic::error(
                        super::codes::BAD_MAPPING,
                        format!("mapping of `{name}`: {e}"),
                    )
                    .with_span(span, "in this integration's mapping")
                    .with_help(e.help()),
                ),
            }
        }
    }
    for name in &c.remove {
        if name_ok(name, diags) {
            out.push(ParamChange {
                action: ChangeAction::Remove,
                target: target(Str::Owned(name.clone())),
                value: Vec::new(),
            });
        }
    }
}

/// The mapping of an `http` (non-proxy) integration: parameters (set), request templates and
/// passthrough, integration responses. Every template is parsed now for its diagnostics.
pub(super) fn lower_http_mapping(
    h: &vocab::HttpIntegration,
    span: Span,
    diags: &mut Diagnostics,
) -> (Mapping, BodyMapping) {
    let proxy_like = vocab::HttpProxyIntegration {
        uri: h.uri.clone(),
        timeout: h.timeout,
        method: h.method.clone(),
        request_headers: vocab::ParamChanges {
            set: h.request.headers.clone(),
            ..vocab::ParamChanges::default()
        },
        request_query: vocab::ParamChanges {
            set: h.request.query.clone(),
            ..vocab::ParamChanges::default()
        },
        response_headers: vocab::ParamChanges::default(),
    };
    let mapping = lower_proxy_mapping(&proxy_like, span, diags);
    let templates =
        |map: &indexmap::IndexMap<String, String>, what: &str, diags: &mut Diagnostics| {
            map.iter()
                .map(|(content_type, template)| ContentTemplate {
                    content_type: Str::Owned(content_type.to_ascii_lowercase()),
                    template: super::check_template(template, span, what, diags),
                })
                .collect::<Vec<_>>()
        };
    let body = BodyMapping {
        request_templates: templates(&h.request.templates, "in this integration's request templates", diags),
        passthrough: match h.request.passthrough {
            vocab::Passthrough::WhenNoMatch => Passthrough::WhenNoMatch,
            vocab::Passthrough::WhenNoTemplates => Passthrough::WhenNoTemplates,
            vocab::Passthrough::Never => Passthrough::Never,
        },
        content_handling: h.request.content_handling.map(content_handling),
        responses: h
            .responses
            .iter()
            .map(|(pattern, r)| {
                if pattern.value != "default"
                    && let Err(e) = regex_syntax_check(&pattern.value)
                {
                    diags.push(
                        Diagnostic::error(
                            super::codes::BAD_MAPPING,
                            format!("selection pattern `{}` is not a regular expression: {e}", pattern.value),
                        )
                        .with_span(pattern.span, "this selection pattern")
                        .with_help("patterns match the backend's whole status code, e.g. `2\\d{2}` or `404`; `default` matches anything else"),
                    );
                }
                let mut headers = Vec::new();
                changes(
                    &vocab::ParamChanges {
                        set: r.headers.clone(),
                        ..vocab::ParamChanges::default()
                    },
                    MappedParam::Header,
                    MappingSide::Response,
                    pattern.span,
                    &mut headers,
                    diags,
                );
                IntegrationResponse {
                    pattern: Str::Owned(pattern.value.clone()),
                    status: r.status.map(|s| s.0),
                    headers,
                    templates: templates(&r.templates, "in this integration response's templates", diags),
                    content_handling: r.content_handling.map(content_handling),
                }
            })
            .collect(),
    };
    (mapping, body)
}

/// The body mapping of a `mock` integration: request templates that choose the status
/// (`{"statusCode": N}`) and the integration responses it selects, lowered as `http`'s are.
pub(super) fn lower_mock_mapping(
    m: &vocab::MockIntegration,
    span: Span,
    diags: &mut Diagnostics,
) -> BodyMapping {
    let as_http = vocab::HttpIntegration {
        uri: vocab::Spanned::new(String::new(), span),
        method: None,
        timeout: None,
        request: vocab::RequestMapping {
            templates: m.request_templates.clone(),
            ..vocab::RequestMapping::default()
        },
        responses: m.responses.clone(),
    };
    lower_http_mapping(&as_http, span, diags).1
}

fn content_handling(c: vocab::ContentHandling) -> ContentHandling {
    match c {
        vocab::ContentHandling::ConvertToText => ContentHandling::ConvertToText,
        vocab::ContentHandling::ConvertToBinary => ContentHandling::ConvertToBinary,
    }
}

/// Whether `pattern` is a regular expression the runtime accepts.
fn regex_syntax_check(pattern: &str) -> Result<(), String> {
    regex::Regex::new(&format!("^(?:{pattern})$"))
        .map(drop)
        .map_err(|e| e.to_string())
}
