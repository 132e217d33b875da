//! The attribute's grammar: `#[gateway(METHOD, "/path/{param}", key = value, key(…), …)]`.
//!
//! Keys carry the spec vocabulary's names and meanings (`docs/extensions.md`): `timeout` as
//! in `x-gateway-integration`, `auth(authorizer = …, scopes = […])` as `x-gateway-auth`,
//! `api_key = required` (or `true`) as `x-gateway-api-key`, `throttle(rate = …, burst = …,
//! per = …)` as `x-gateway-throttle`, `cache(ttl = …, key = […], shared = …)` as
//! `x-gateway-cache`, `validate(body, parameters)` (or `body = true`) as `x-gateway-validate`;
//! plus `id` (the operationId). Paths, durations, throttle scopes and numbers, and cache key
//! parts are read by `gwc-ir`'s own parsers, so the macro and the compiler cannot disagree on
//! them. Each key is lowered into the IR's policy slots, the same ones a spec route's keys
//! fill, so the runtime runs the same steps for both.

use gwc_ir::{
    AuthorizerId, CacheKeyPart, CachePolicy, CustomAuthorizer, Method, Millis, PathTemplate,
    RouteAuth, RoutePolicies, Str, Throttle, ThrottleScope,
};
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Token};

use crate::errors::ErrorSink;

/// Every key the attribute knows, for "did you mean".
pub(crate) const KEYS: &[&str] = &[
    "timeout", "id", "auth", "api_key", "throttle", "cache", "validate",
];

/// The keys of `#[gateway(authorizer = "NAME", …)]`, named as `x-gateway.authorizers.*`'s
/// `type: custom` settings.
pub(crate) const AUTHORIZER_KEYS: &[&str] = &[
    "authorizer",
    "identity_source",
    "result_ttl",
    "timeout",
    "event",
    "identity_validation",
];

/// What `#[gateway(authorizer = "NAME", …)]` says: a Rust custom authorizer and the settings
/// a Rust-first API gives it (a spec's own settings win in a spec-first one).
#[derive(Debug)]
pub(crate) struct AuthorizerAttr {
    pub(crate) name: String,
    pub(crate) authorizer: CustomAuthorizer,
}

/// True when the attribute declares an authorizer rather than a route.
pub(crate) fn is_authorizer(tokens: &TokenStream) -> bool {
    let mut iter = tokens.clone().into_iter();
    matches!(
        (iter.next(), iter.next()),
        (Some(proc_macro2::TokenTree::Ident(i)), Some(proc_macro2::TokenTree::Punct(p)))
            if i == "authorizer" && p.as_char() == '='
    )
}

/// Parses `authorizer = "NAME", identity_source = […], result_ttl = "5m", timeout = "10s",
/// event = token|request, identity_validation = "REGEX"`, with the spec's defaults.
pub(crate) fn parse_authorizer(tokens: TokenStream, errors: &mut ErrorSink) -> AuthorizerAttr {
    let mut out = AuthorizerAttr {
        name: String::new(),
        authorizer: CustomAuthorizer {
            identity_sources: vec![Str::Borrowed("$request.header.Authorization")],
            result_ttl: Millis(300_000),
            timeout: Millis(10_000),
            ..CustomAuthorizer::default()
        },
    };
    let settings = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(s) => s,
        Err(e) => {
            errors.push(e);
            return out;
        }
    };
    let a = &mut out.authorizer;
    for meta in &settings {
        match inner_key(meta, errors).as_deref() {
            Some("authorizer") => {
                if let Some(lit) = string_value(meta, errors) {
                    let name = lit.value();
                    if name.is_empty()
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    {
                        errors.error(
                            lit.span(),
                            "an authorizer's name is letters, digits, `_` and `-`, as the keys of `x-gateway.authorizers`",
                        );
                    }
                    out.name = name;
                }
            }
            Some("identity_source") => {
                let list = strings(meta, errors);
                for lit in &list {
                    let v = lit.value();
                    if !v.starts_with("$request.")
                        && !v.starts_with("$context.")
                        && !v.starts_with("$stageVariables.")
                    {
                        errors.error(
                            lit.span(),
                            "an identity source is `$request.header.NAME`, `$request.querystring.NAME`, `$context.NAME` or `$stageVariables.NAME`",
                        );
                    }
                }
                if list.is_empty() {
                    errors.error(meta.span(), "`identity_source` needs at least one value");
                }
                a.identity_sources = list.iter().map(|l| Str::Owned(l.value())).collect();
            }
            Some(key @ ("result_ttl" | "timeout")) => {
                if let Some(lit) = string_value(meta, errors) {
                    match Millis::parse(&lit.value()) {
                        Ok(ms) if key == "timeout" && ms.0 == 0 => {
                            errors.error(lit.span(), "`timeout` must be more than zero");
                        }
                        Ok(ms) if key == "timeout" => a.timeout = ms,
                        Ok(ms) => a.result_ttl = ms,
                        Err(e) => errors.error(lit.span(), format!("invalid duration: {e}")),
                    }
                }
            }
            Some("event") => {
                if let Some(w) = word_value(meta, errors) {
                    match w.to_string().as_str() {
                        "token" => a.token_event = true,
                        "request" => a.token_event = false,
                        _ => errors.error(w.span(), "`event` is `token` or `request`"),
                    }
                }
            }
            Some("identity_validation") => {
                if let Some(lit) = string_value(meta, errors) {
                    a.identity_validation = Some(Str::Owned(lit.value()));
                }
            }
            Some(other) => unknown(meta.path().span(), other, AUTHORIZER_KEYS, errors),
            None => {}
        }
    }
    out
}

/// What the attribute says about the route.
#[derive(Debug, Default)]
pub(crate) struct Attr {
    pub(crate) method: Option<(Method, Span)>,
    pub(crate) path: Option<(PathTemplate, LitStr)>,
    pub(crate) timeout: Option<Millis>,
    pub(crate) id: Option<String>,
    pub(crate) policies: RoutePolicies,
    /// `auth(authorizer = NAME)`: by name, resolved by the Rust-first API against its
    /// authorizers (the route's `policies.auth` carries the scopes and a placeholder id).
    pub(crate) authorizer: Option<String>,
    /// `validate(…)`: (body, parameters), turned by the Rust-first API into a validator of
    /// its own and the request model its extractors describe.
    pub(crate) validate: Option<(bool, bool)>,
}

/// The raw attribute: a method, a path literal, then `key = value` / `key(…)` settings.
struct Raw {
    method: Option<syn::Ident>,
    path: Option<LitStr>,
    settings: Punctuated<Meta, Token![,]>,
}

impl Parse for Raw {
    fn parse(input: ParseStream<'_>) -> syn::Result<Raw> {
        let mut raw = Raw {
            method: None,
            path: None,
            settings: Punctuated::new(),
        };
        if input.peek(syn::Ident) && !input.peek2(Token![=]) && !input.peek2(syn::token::Paren) {
            raw.method = Some(input.parse()?);
            if input.is_empty() {
                return Ok(raw);
            }
            input.parse::<Token![,]>()?;
        }
        if input.peek(LitStr) {
            raw.path = Some(input.parse()?);
            if input.is_empty() {
                return Ok(raw);
            }
            input.parse::<Token![,]>()?;
        }
        raw.settings = Punctuated::parse_terminated(input)?;
        Ok(raw)
    }
}

/// Parses the attribute, reporting every mistake into `errors`.
pub(crate) fn parse(tokens: TokenStream, errors: &mut ErrorSink) -> Attr {
    let mut attr = Attr::default();
    let raw = match Raw::parse.parse2(tokens) {
        Ok(raw) => raw,
        Err(e) => {
            errors.push(e);
            return attr;
        }
    };
    match &raw.method {
        Some(m) => match Method::parse(&m.to_string()) {
            Some(method) => attr.method = Some((method, m.span())),
            None => errors.error(
                m.span(),
                format!(
                    "unknown method `{m}`; expected one of GET, PUT, POST, DELETE, OPTIONS, HEAD, PATCH, TRACE, ANY"
                ),
            ),
        },
        None => errors.error(
            Span::call_site(),
            "missing method and path: write `#[gateway(GET, \"/path\")]`",
        ),
    }
    match &raw.path {
        Some(lit) => match PathTemplate::parse(&lit.value()) {
            Ok(path) => attr.path = Some((path, lit.clone())),
            Err(e) => errors.error(lit.span(), format!("invalid path template: {e}")),
        },
        None if raw.method.is_some() => errors.error(
            raw.method.span(),
            "missing path template after the method: write `#[gateway(GET, \"/path\")]`",
        ),
        None => {}
    }
    for setting in &raw.settings {
        setting_into(setting, &mut attr, errors);
    }
    attr
}

fn setting_into(meta: &Meta, attr: &mut Attr, errors: &mut ErrorSink) {
    let path = meta.path();
    let Some(key) = path.get_ident().map(ToString::to_string) else {
        errors.error(path.span(), "expected a setting name such as `timeout`");
        return;
    };
    match key.as_str() {
        "timeout" => {
            if let Some(lit) = string_value(meta, errors) {
                match Millis::parse(&lit.value()) {
                    Ok(ms) if ms.0 > 0 => attr.timeout = Some(ms),
                    Ok(_) => errors.error(lit.span(), "`timeout` must be more than zero"),
                    Err(e) => errors.error(lit.span(), format!("invalid duration: {e}")),
                }
            }
        }
        "id" => {
            if let Some(lit) = string_value(meta, errors) {
                attr.id = Some(lit.value());
            }
        }
        "api_key" => {
            // `api_key = required` as the spec writes it, or `api_key = true`.
            match value(meta, errors) {
                Some(Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                })) => attr.policies.api_key_required = b.value,
                Some(Expr::Path(p)) if p.path.is_ident("required") => {
                    attr.policies.api_key_required = true;
                }
                Some(Expr::Path(p)) if p.path.is_ident("not_required") => {
                    attr.policies.api_key_required = false;
                }
                Some(other) => errors.error(
                    other.span(),
                    "`api_key` is `required` or `not_required` (as `x-gateway-api-key`), or `true` or `false`",
                ),
                None => {}
            }
        }
        "throttle" => {
            let mut throttle = Throttle::default();
            let (mut has_rate, mut has_burst) = (false, false);
            for inner in list(meta, errors) {
                match inner_key(&inner, errors).as_deref() {
                    Some("rate") => {
                        if let Some((v, span)) = number(&inner, errors) {
                            throttle.rate = v;
                            has_rate = true;
                            let probe = Throttle {
                                rate: v,
                                ..Throttle::default()
                            };
                            if let Err(e) = probe.check() {
                                errors.error(span, e);
                            }
                        }
                    }
                    Some("burst") => {
                        if let Some((v, span)) = number(&inner, errors) {
                            if v.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&v) {
                                errors.error(
                                    span,
                                    "`burst` is a whole number of requests (at least 0)",
                                );
                            }
                            throttle.burst = v as u32;
                            has_burst = true;
                        }
                    }
                    Some("per") => {
                        // `per = ip` or `per = "header:x-tenant"`, read by the IR's parser.
                        let text = match value(&inner, errors) {
                            Some(Expr::Path(p)) if p.path.get_ident().is_some() => {
                                p.path.get_ident().map(|i| (i.to_string(), i.span()))
                            }
                            Some(Expr::Lit(ExprLit {
                                lit: Lit::Str(s), ..
                            })) => Some((s.value(), s.span())),
                            Some(other) => {
                                errors.error(
                                    other.span(),
                                    "expected a scope: `api`, `ip`, `api_key`, `principal` or \"header:NAME\"",
                                );
                                None
                            }
                            None => None,
                        };
                        if let Some((text, span)) = text {
                            match ThrottleScope::parse(&text) {
                                Ok(scope) => throttle.per = scope,
                                Err(e) => errors.error(span, e),
                            }
                        }
                    }
                    Some(other) => unknown(
                        inner.path().span(),
                        other,
                        &["rate", "burst", "per"],
                        errors,
                    ),
                    None => {}
                }
            }
            if !has_rate || !has_burst {
                errors.error(
                    meta.span(),
                    "`throttle` needs `rate` (requests per second) and `burst` (requests at once), as `x-gateway-throttle`",
                );
            }
            attr.policies.throttle = Some(throttle);
        }
        "cache" => {
            // The spec's root `cache.ttl` default, which an operation without `ttl` inherits.
            let mut cache = CachePolicy {
                ttl: Millis(300_000),
                ..CachePolicy::default()
            };
            for inner in list(meta, errors) {
                match inner_key(&inner, errors).as_deref() {
                    Some("ttl") => {
                        if let Some(lit) = string_value(&inner, errors) {
                            match Millis::parse(&lit.value()) {
                                Ok(ms) => cache.ttl = ms,
                                Err(e) => {
                                    errors.error(lit.span(), format!("invalid duration: {e}"))
                                }
                            }
                        }
                    }
                    Some("key") => cache.key = cache_key(&inner, errors),
                    Some("shared") => {
                        if let Some(b) = bool_value(&inner, errors) {
                            cache.shared = b;
                        }
                    }
                    Some(other) => unknown(
                        inner.path().span(),
                        other,
                        &["ttl", "key", "shared"],
                        errors,
                    ),
                    None => {}
                }
            }
            attr.policies.cache = Some(cache);
        }
        "auth" => {
            let mut scopes = Vec::new();
            for inner in list(meta, errors) {
                match inner_key(&inner, errors).as_deref() {
                    Some("authorizer") => {
                        if let Some(lit) = string_value(&inner, errors) {
                            attr.authorizer = Some(lit.value());
                        }
                    }
                    Some("scopes") => {
                        scopes = strings(&inner, errors)
                            .iter()
                            .map(|s| Str::Owned(s.value()))
                            .collect();
                    }
                    Some(other) => unknown(
                        inner.path().span(),
                        other,
                        &["authorizer", "scopes"],
                        errors,
                    ),
                    None => {}
                }
            }
            if attr.authorizer.is_none() {
                errors.error(meta.span(), "`auth` needs `authorizer = \"NAME\"`");
            }
            attr.policies.auth = Some(RouteAuth {
                authorizer: AuthorizerId(u32::MAX),
                scopes,
            });
        }
        "validate" => {
            // `validate(body)`, `validate(body, parameters)` or `validate(body = true, …)`.
            let (mut body, mut parameters) = (false, false);
            for inner in list(meta, errors) {
                let on = match &inner {
                    Meta::Path(_) => Some(true),
                    _ => None,
                };
                match inner_key(&inner, errors).as_deref() {
                    Some(key @ ("body" | "parameters")) => {
                        let on = on.or_else(|| bool_value(&inner, errors)).unwrap_or(false);
                        if key == "body" {
                            body = on;
                        } else {
                            parameters = on;
                        }
                    }
                    Some(other) => {
                        unknown(inner.path().span(), other, &["body", "parameters"], errors)
                    }
                    None => {}
                }
            }
            attr.validate = Some((body, parameters));
        }
        other => unknown(path.span(), other, KEYS, errors),
    }
}

/// Reports an unknown key with the closest known one.
pub(crate) fn unknown(span: Span, key: &str, known: &[&str], errors: &mut ErrorSink) {
    let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    let msg = match closest(key, known) {
        Some(best) => format!("unknown setting `{key}`; did you mean `{best}`?"),
        None => format!(
            "unknown setting `{key}`; expected one of {}",
            list.join(", ")
        ),
    };
    errors.error(span, msg);
}

/// The known name within edit distance 2 (or a third of the length) of `word`.
pub(crate) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn inner_key(meta: &Meta, errors: &mut ErrorSink) -> Option<String> {
    match meta.path().get_ident() {
        Some(i) => Some(i.to_string()),
        None => {
            errors.error(meta.path().span(), "expected a setting name");
            None
        }
    }
}

fn list(meta: &Meta, errors: &mut ErrorSink) -> Vec<Meta> {
    match meta {
        Meta::List(l) => match l.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
            Ok(items) => items.into_iter().collect(),
            Err(e) => {
                errors.push(e);
                Vec::new()
            }
        },
        _ => {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            errors.error(
                meta.span(),
                format!("write `{key}(…)` with its settings inside"),
            );
            Vec::new()
        }
    }
}

fn value<'m>(meta: &'m Meta, errors: &mut ErrorSink) -> Option<&'m Expr> {
    match meta {
        Meta::NameValue(nv) => Some(&nv.value),
        _ => {
            let key = meta
                .path()
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            errors.error(meta.span(), format!("write `{key} = …`"));
            None
        }
    }
}

fn string_value(meta: &Meta, errors: &mut ErrorSink) -> Option<LitStr> {
    match value(meta, errors)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        other => {
            errors.error(other.span(), "expected a string literal, e.g. \"2s\"");
            None
        }
    }
}

fn word_value(meta: &Meta, errors: &mut ErrorSink) -> Option<syn::Ident> {
    match value(meta, errors)? {
        Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().cloned(),
        other => {
            errors.error(other.span(), "expected a word, e.g. `required`");
            None
        }
    }
}

fn bool_value(meta: &Meta, errors: &mut ErrorSink) -> Option<bool> {
    match value(meta, errors)? {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        other => {
            errors.error(other.span(), "expected `true` or `false`");
            None
        }
    }
}

/// A number literal, negative ones included (so the IR's check can say why it is wrong).
fn number(meta: &Meta, errors: &mut ErrorSink) -> Option<(f64, Span)> {
    let expr = value(meta, errors)?;
    let (negative, lit) = match expr {
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => (true, &**expr),
        other => (false, other),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    match lit {
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i
            .base10_parse::<u64>()
            .ok()
            .map(|v| (sign * v as f64, expr.span())),
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f
            .base10_parse::<f64>()
            .ok()
            .map(|v| (sign * v, expr.span())),
        _ => {
            let other = expr;
            errors.error(other.span(), "expected a number");
            None
        }
    }
}

fn strings(meta: &Meta, errors: &mut ErrorSink) -> Vec<LitStr> {
    match value(meta, errors) {
        Some(Expr::Array(arr)) => arr
            .elems
            .iter()
            .filter_map(|e| match e {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.clone()),
                other => {
                    errors.error(other.span(), "expected a string literal");
                    None
                }
            })
            .collect(),
        Some(other) => {
            errors.error(
                other.span(),
                "expected a list of strings, e.g. [\"a\", \"b\"]",
            );
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// `key = ["path.id", "query.lang", "header.accept"]`, as `x-gateway-cache.key` (read by the
/// IR's parser).
fn cache_key(meta: &Meta, errors: &mut ErrorSink) -> Vec<CacheKeyPart> {
    strings(meta, errors)
        .into_iter()
        .filter_map(|lit| {
            let part = CacheKeyPart::parse(&lit.value());
            if part.is_none() {
                errors.error(
                    lit.span(),
                    format!(
                        "unknown cache key part `{}`: a part is `path.NAME`, `query.NAME` or `header.NAME`",
                        lit.value()
                    ),
                );
            }
            part
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse_ok(tokens: TokenStream) -> Attr {
        let mut errors = ErrorSink::new();
        let attr = parse(tokens, &mut errors);
        let errs = errors.finish();
        assert!(
            errs.is_empty(),
            "{:?}",
            errs.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
        attr
    }

    fn parse_err(tokens: TokenStream) -> Vec<String> {
        let mut errors = ErrorSink::new();
        let _ = parse(tokens, &mut errors);
        errors.finish().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn method_path_and_timeout() {
        let a = parse_ok(quote!(
            post,
            "/orders/{id}",
            timeout = "2s",
            id = "createOrder"
        ));
        assert_eq!(a.method.unwrap().0, Method::Post);
        assert_eq!(a.path.unwrap().0.params().collect::<Vec<_>>(), ["id"]);
        assert_eq!(a.timeout, Some(Millis(2000)));
        assert_eq!(a.id.as_deref(), Some("createOrder"));
    }

    #[test]
    fn policies_lower_into_the_ir_slots_a_spec_route_fills() {
        let a = parse_ok(quote!(
            GET,
            "/a/{id}",
            throttle(rate = 0.5, burst = 20, per = "header:X-Tenant"),
            api_key = true,
            cache(ttl = "60s", key = ["path.id", "query.lang"], shared = true),
            validate(body, parameters = false)
        ));
        let p = &a.policies;
        assert!(p.api_key_required);
        assert_eq!(
            p.throttle,
            Some(Throttle {
                rate: 0.5,
                burst: 20,
                per: ThrottleScope::Header(Str::Borrowed("x-tenant")),
            })
        );
        let cache = p.cache.clone().unwrap();
        assert_eq!(cache.ttl, Millis(60_000));
        assert_eq!(
            cache.key,
            [
                CacheKeyPart::Path(Str::Borrowed("id")),
                CacheKeyPart::Query(Str::Borrowed("lang"))
            ]
        );
        assert!(cache.shared);
        assert_eq!(a.validate, Some((true, false)));
        let a = parse_ok(quote!(GET, "/a", api_key = required, cache()));
        assert!(a.policies.api_key_required);
        assert_eq!(
            a.policies.cache.unwrap().ttl,
            Millis(300_000),
            "the spec's default"
        );
    }

    #[test]
    fn policy_mistakes_are_reported_with_the_irs_words() {
        let errs = parse_err(quote!(
            GET,
            "/a",
            throttle(rate = -1, burst = 2.5, per = everyone),
            cache(ttl = "soon", key = ["cookie.id"], tll = "1s"),
            validate(bdy),
            api_key = maybe
        ));
        assert_eq!(errs.len(), 8, "{errs:?}");
        assert!(
            errs[0].starts_with("a throttle rate of -1 requests a second: it must be more than 0"),
            "{errs:?}"
        );
        assert!(errs[1].starts_with("`burst` is a whole number"), "{errs:?}");
        assert!(
            errs[2].starts_with("unknown throttle scope `everyone`"),
            "{errs:?}"
        );
        assert!(errs[3].starts_with("invalid duration"), "{errs:?}");
        assert!(
            errs[4].starts_with("unknown cache key part `cookie.id`"),
            "{errs:?}"
        );
        assert_eq!(errs[5], "unknown setting `tll`; did you mean `ttl`?");
        assert_eq!(errs[6], "unknown setting `bdy`; did you mean `body`?");
        assert!(errs[7].starts_with("`api_key` is `required`"), "{errs:?}");
        let errs = parse_err(quote!(GET, "/a", throttle(rate = 1)));
        assert!(errs[0].contains("needs `rate`"), "{errs:?}");
    }

    #[test]
    fn mistakes_are_all_reported() {
        let errs = parse_err(quote!(
            FETCH,
            "orders",
            timout = "1s",
            timeout = "1 fortnight"
        ));
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].starts_with("unknown method `FETCH`"));
        assert!(errs[1].contains("must start with `/`"));
        assert_eq!(errs[2], "unknown setting `timout`; did you mean `timeout`?");
        assert!(errs[3].starts_with("invalid duration"));
    }

    #[test]
    fn closest_names() {
        assert_eq!(closest("timout", KEYS), Some("timeout"));
        assert_eq!(closest("apikey", KEYS), Some("api_key"));
        assert_eq!(closest("zzzzzzzz", KEYS), None);
    }
}
