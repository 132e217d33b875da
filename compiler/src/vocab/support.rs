//! Which vocabulary keys the runtime implements today: one table, [`SUPPORTED`].
//!
//! The vocabulary is designed in full so that later work fits, but the runtime grows one area
//! at a time. Any key present in a spec that the table does not list is an error
//! (`gwc::lower::not_supported`) naming the key path, never silently ignored. Later issues
//! flip areas on by adding their paths here (and the reference page's "Support status"
//! section, generated from this table, follows).
//!
//! Paths are dotted keys from the extension's own name. `*` matches any one key (a stage
//! name, a header name). `key(variant)` names one variant of a tagged object (the value of its
//! `type`): `x-gateway-integration(mock).body`. A present key is supported when its path, or a
//! longer path it starts, is listed.

use super::codes;
use super::de::Ctx;
use crate::diagnostics::Diagnostic;
use crate::load::{Entry, Node};
use crate::source::Span;

/// The keys the runtime implements now (the contract's core subset).
pub const SUPPORTED: &[&str] = &[
    "x-gateway.name",
    "x-gateway.kind",
    "x-gateway.endpoint.type",
    "x-gateway.endpoint.listen",
    "x-gateway.base_path",
    "x-gateway.default_stage",
    "x-gateway.stages.*.variables.*",
    "x-gateway.limits.max_body",
    "x-gateway.limits.max_header",
    "x-gateway.limits.header_read_timeout",
    "x-gateway.limits.body_read_timeout",
    "x-gateway.limits.integration_timeout",
    "x-gateway.limits.idle_timeout",
    "x-gateway.limits.underscores_in_headers",
    "x-gateway.responses.*.status",
    "x-gateway.responses.*.headers.*",
    "x-gateway.responses.*.body",
    "x-gateway.responses.*.templates.*",
    "x-gateway.observability.access_log.enabled",
    "x-gateway.observability.access_log.format",
    "x-gateway.observability.access_log.destination",
    "x-gateway.observability.metrics.enabled",
    "x-gateway.observability.metrics.path",
    "x-gateway.observability.metrics.route_label",
    "x-gateway.observability.request_id_headers",
    "x-gateway.state.backend",
    "x-gateway.state.on_failure",
    "x-gateway.state.key_prefix",
    "x-gateway.state.timeout",
    "x-gateway.api_key_source",
    "x-gateway.api_key_header",
    "x-gateway.plans.*.description",
    "x-gateway.plans.*.throttle.*",
    "x-gateway.plans.*.quota.*",
    "x-gateway.plans.*.route_throttles.*.*",
    "x-gateway.plans.*.api_keys",
    "x-gateway.throttle.*",
    "x-gateway.stages.*.throttle.*",
    "x-gateway.stages.*.description",
    "x-gateway.cache.capacity",
    "x-gateway.cache.ttl",
    "x-gateway.cache.key",
    "x-gateway.cache.methods",
    "x-gateway.cache.max_entry",
    "x-gateway.cache.client_invalidation",
    "x-gateway.cache.unauthorized_invalidation",
    "x-gateway-cache.*",
    "x-gateway-api-key",
    "x-gateway-throttle.*",
    "x-gateway.authorizers.*(jwt).issuer",
    "x-gateway.authorizers.*(jwt).audience",
    "x-gateway.authorizers.*(jwt).jwks_uri",
    "x-gateway.authorizers.*(jwt).identity_source",
    "x-gateway.authorizers.*(jwt).algorithms",
    "x-gateway.authorizers.*(jwt).leeway",
    "x-gateway.authorizers.*(jwt).jwks_ttl",
    "x-gateway.authorizers.*(jwt).secret_env",
    "x-gateway.authorizers.*(jwt).secret_file",
    "x-gateway.authorizers.*(cognito).user_pool_id",
    "x-gateway.authorizers.*(cognito).region",
    "x-gateway.authorizers.*(cognito).client_ids",
    "x-gateway.authorizers.*(cognito).token_use",
    "x-gateway.authorizers.*(cognito).identity_source",
    "x-gateway.authorizers.*(cognito).issuer",
    "x-gateway.authorizers.*(cognito).jwks_uri",
    "x-gateway.authorizers.*(custom).uri",
    "x-gateway.authorizers.*(custom).handler",
    "x-gateway.authorizers.*(custom).identity_source",
    "x-gateway.authorizers.*(custom).result_ttl",
    "x-gateway.authorizers.*(custom).payload_format",
    "x-gateway.authorizers.*(custom).simple_responses",
    "x-gateway.authorizers.*(custom).timeout",
    "x-gateway.authorizers.*(custom).event",
    "x-gateway.authorizers.*(custom).identity_validation",
    "x-gateway.authorizers.*(iam).region",
    "x-gateway.authorizers.*(iam).service",
    "x-gateway.authorizers.*(iam).max_skew",
    "x-gateway.authorizers.*(iam).credentials.*.secret_env",
    "x-gateway.authorizers.*(iam).credentials.*.secret_file",
    "x-gateway.authorizers.*(iam).credentials.*.session_token_env",
    "x-gateway.authorizers.*(iam).credentials.*.session_token_file",
    "x-gateway.authorizers.*(iam).credentials.*.principal",
    "x-gateway.authorizers.*(iam).credentials.*.allow",
    "x-gateway.authorizers.*(iam).credentials.*.deny",
    "x-gateway.auth.authorizer",
    "x-gateway.auth.scopes",
    "x-gateway-auth.authorizer",
    "x-gateway-auth.scopes",
    "x-gateway.waf.enabled",
    "x-gateway.waf.default_action",
    "x-gateway.waf.ip_sets.*",
    "x-gateway.waf.geo_database",
    "x-gateway.waf.body_inspection_limit",
    "x-gateway.waf.trusted_proxies",
    "x-gateway.waf.rules",
    "x-gateway-waf.enabled",
    "x-gateway-waf.rules",
    "x-gateway.binary_media_types",
    "x-gateway.cors.allow_origins",
    "x-gateway.cors.allow_methods",
    "x-gateway.cors.allow_headers",
    "x-gateway.cors.expose_headers",
    "x-gateway.cors.max_age",
    "x-gateway.cors.allow_credentials",
    "x-gateway-cors.allow_origins",
    "x-gateway-cors.allow_methods",
    "x-gateway-cors.allow_headers",
    "x-gateway-cors.expose_headers",
    "x-gateway-cors.max_age",
    "x-gateway-cors.allow_credentials",
    "x-gateway.request_validators.*.body",
    "x-gateway.request_validators.*.parameters",
    "x-gateway.default_request_validator",
    "x-gateway-validate.validator",
    "x-gateway-validate.body",
    "x-gateway-validate.parameters",
    "x-gateway.rust.crates.*.path",
    "x-gateway.rust.state",
    "x-gateway.rust.models",
    "x-gateway-integration(http_proxy).uri",
    "x-gateway-integration(http_proxy).timeout",
    "x-gateway-integration(http_proxy).method",
    "x-gateway-integration(http_proxy).request_headers.set.*",
    "x-gateway-integration(http_proxy).request_headers.append.*",
    "x-gateway-integration(http_proxy).request_headers.remove",
    "x-gateway-integration(http_proxy).request_query.set.*",
    "x-gateway-integration(http_proxy).request_query.append.*",
    "x-gateway-integration(http_proxy).request_query.remove",
    "x-gateway-integration(http_proxy).response_headers.set.*",
    "x-gateway-integration(http_proxy).response_headers.append.*",
    "x-gateway-integration(http_proxy).response_headers.remove",
    "x-gateway-integration(http).uri",
    "x-gateway-integration(http).method",
    "x-gateway-integration(http).timeout",
    "x-gateway-integration(http).request.headers.*",
    "x-gateway-integration(http).request.query.*",
    "x-gateway-integration(http).request.templates.*",
    "x-gateway-integration(http).request.passthrough",
    "x-gateway-integration(http).request.content_handling",
    "x-gateway-integration(http).responses.*.status",
    "x-gateway-integration(http).responses.*.headers.*",
    "x-gateway-integration(http).responses.*.templates.*",
    "x-gateway-integration(http).responses.*.content_handling",
    "x-gateway-integration(mock).status",
    "x-gateway-integration(mock).headers.*",
    "x-gateway-integration(mock).body",
    "x-gateway-integration(mock).request_templates.*",
    "x-gateway-integration(mock).responses.*.status",
    "x-gateway-integration(mock).responses.*.headers.*",
    "x-gateway-integration(mock).responses.*.templates.*",
    "x-gateway-integration(mock).responses.*.content_handling",
    "x-gateway-integration(rust).handler",
    "x-gateway-integration(rust).timeout",
];

/// Values of supported keys that the runtime does not implement yet; lowering reports each as
/// `gwc::lower::not_supported` at the value.
pub const UNSUPPORTED_VALUES: &[(&str, &str)] = &[
    ("x-gateway.kind", "websocket"),
    ("x-gateway.endpoint.type", "private"),
    ("x-gateway.endpoint.type", "edge"),
];

/// One parsed path segment: a key pattern and, for tagged objects, the variant.
fn split_segment(seg: &str) -> (&str, Option<&str>) {
    match seg.split_once('(') {
        Some((key, rest)) => (key, Some(rest.trim_end_matches(')'))),
        None => (seg, None),
    }
}

/// A present key path: keys, each with the variant when the object is tagged.
type Path<'a> = Vec<(&'a str, Option<&'a str>)>;

fn segment_matches(pattern: &str, key: &str, variant: Option<&str>) -> bool {
    let (pkey, pvariant) = split_segment(pattern);
    (pkey == "*" || pkey == key) && pvariant == variant
}

/// True when `path` is listed or starts a listed path.
fn is_supported(path: &Path<'_>) -> bool {
    SUPPORTED.iter().any(|entry| {
        let segs: Vec<&str> = entry.split('.').collect();
        segs.len() >= path.len()
            && path
                .iter()
                .zip(&segs)
                .all(|((key, variant), pattern)| segment_matches(pattern, key, *variant))
    })
}

/// True when some listed path names variants for an object at `path` + `key`.
fn is_tagged(path: &Path<'_>, key: &str) -> bool {
    SUPPORTED.iter().any(|entry| {
        let segs: Vec<&str> = entry.split('.').collect();
        segs.len() > path.len()
            && path
                .iter()
                .zip(&segs)
                .all(|((k, v), pattern)| segment_matches(pattern, k, *v))
            && {
                let (pkey, pvariant) = split_segment(segs[path.len()]);
                (pkey == "*" || pkey == key) && pvariant.is_some()
            }
    })
}

/// The supported variants of the tagged object at `path` + `key`, for the help line.
fn supported_variants(path: &Path<'_>, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in SUPPORTED {
        let segs: Vec<&str> = entry.split('.').collect();
        if segs.len() <= path.len()
            || !path
                .iter()
                .zip(&segs)
                .all(|((k, v), pattern)| segment_matches(pattern, k, *v))
        {
            continue;
        }
        if let (pkey, Some(variant)) = split_segment(segs[path.len()])
            && (pkey == "*" || pkey == key)
            && !out.iter().any(|o| o == variant)
        {
            out.push(variant.to_owned());
        }
    }
    out
}

fn display(path: &Path<'_>) -> String {
    path.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(".")
}

fn not_supported(path: &Path<'_>, span: Span) -> Diagnostic {
    let shown = display(path);
    Diagnostic::error(
        codes::NOT_SUPPORTED,
        format!("`{shown}` is not supported yet"),
    )
    .with_span(span, "not implemented by the runtime yet")
    .with_help(
        "remove it for now; docs/extensions.md (\"Support status\") lists what the runtime implements",
    )
}

/// The variant (value of `type`) of a mapping, with the span of that value.
fn variant_of(node: &Node) -> Option<(&str, Span)> {
    let tag = node.get("type")?;
    Some((tag.as_str()?, tag.span))
}

/// Checks one extension value: `key` is the extension's name (`x-gateway`,
/// `x-gateway-integration`), `node` its value. Keys in `unknown` were already reported as
/// unknown and are skipped.
pub(crate) fn check(key: &str, key_span: Span, node: &Node, ctx: &Ctx, unknown: &[Span]) {
    let mut path: Path<'_> = Vec::new();
    visit(&mut path, key, key_span, node, ctx, unknown);
}

fn visit<'a>(
    path: &mut Path<'a>,
    key: &'a str,
    key_span: Span,
    node: &'a Node,
    ctx: &Ctx,
    unknown: &[Span],
) {
    let tagged = is_tagged(path, key);
    let variant = if tagged { variant_of(node) } else { None };
    if tagged && variant.is_none() {
        // No usable `type`: the reader reported that already.
        return;
    }
    path.push((key, variant.map(|(v, _)| v)));
    if !is_supported(path) {
        match variant {
            Some((name, span)) => {
                path.pop();
                let supported = supported_variants(path, key);
                let list: Vec<String> = supported.iter().map(|v| format!("`{v}`")).collect();
                path.push((key, Some(name)));
                ctx.report(
                    Diagnostic::error(
                        codes::NOT_SUPPORTED,
                        format!("`{}` of type `{name}` is not supported yet", display(path)),
                    )
                    .with_span(span, "not implemented by the runtime yet")
                    .with_help(format!("supported types today: {}", list.join(", "))),
                );
            }
            None => ctx.report(not_supported(path, key_span)),
        }
        path.pop();
        return;
    }
    if let Some(entries) = node.as_map() {
        for Entry {
            key: child,
            key_span: child_span,
            value,
        } in entries
        {
            if unknown.contains(child_span) || (tagged && child == "type") {
                continue;
            }
            visit(path, child, *child_span, value, ctx, unknown);
        }
    }
    path.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_paths_are_well_formed() {
        for entry in SUPPORTED {
            assert!(entry.starts_with("x-gateway"), "{entry}");
            assert!(!entry.contains(".."), "{entry}");
        }
    }

    #[test]
    fn prefixes_and_wildcards() {
        let p: Path<'_> = vec![("x-gateway", None), ("stages", None), ("prod", None)];
        assert!(is_supported(&p));
        let p: Path<'_> = vec![("x-gateway", None), ("websocket", None)];
        assert!(!is_supported(&p));
        let p: Path<'_> = vec![
            ("x-gateway", None),
            ("authorizers", None),
            ("staff", Some("jwt")),
            ("issuer", None),
        ];
        assert!(is_supported(&p));
        let p: Path<'_> = vec![("x-gateway-integration", Some("mock"))];
        assert!(is_supported(&p));
        let p: Path<'_> = vec![("x-gateway-integration", Some("rust"))];
        assert!(is_supported(&p));
        assert!(is_tagged(&Vec::new(), "x-gateway-integration"));
        assert!(!is_tagged(&Vec::new(), "x-gateway"));
        assert_eq!(
            supported_variants(&Vec::new(), "x-gateway-integration"),
            ["http_proxy", "http", "mock", "rust"]
        );
    }
}
