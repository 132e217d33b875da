//! `quote::ToTokens` for IR values, so `gwc build` and `#[gateway]` emit IR as Rust through one
//! emitter and cannot drift.
//!
//! Every value becomes a plain Rust *expression* that rebuilds it: struct literals, enum variants,
//! `Cow::Borrowed` string literals and `Vec::from([..])` arrays. That is data, not a chain of
//! builder calls, so a 1,000-route gateway stays cheap for rustc to compile.
//!
//! The expressions name IR types as `ir::Route` and strings as `Cow::Borrowed("…")`, relying on
//! the names [`PRELUDE`] brings into scope (plus the standard prelude's `Vec`, `Some`, `None`).
//! Fully qualified paths everywhere (`::gwc_runtime::ir::Route`,
//! `::std::borrow::Cow::Borrowed`) made a 1,000-route module 2.5 times as many tokens, and
//! parsing those tokens was most of `gwc build`'s time. Generated modules put [`PRELUDE`] at
//! their top; anything else (the `#[gateway]` macro) uses [`scoped`], which wraps a value in a
//! block carrying its own imports, so the output never depends on what the surrounding code has
//! in scope.
//!
//! Enum variant identifiers come from the derived `Debug` names, so adding a variant to the IR
//! needs no change here (a new variant with fields does, and the compiler says so).

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{ToTokens, quote};

use crate::{
    ApiKind, ByteSize, ErrorType, Gateway, GatewayResponse, HeaderPair, HttpProxy, Integration,
    Limits, Method, Millis, Mock, Observability, Param, PathTemplate, Route, Segment, Stage,
    StageVariable, Str,
};

/// The imports emitted IR expressions rely on: `ir` is `gwc_runtime`'s re-export of this crate,
/// which every generated crate and macro user depends on.
pub fn prelude() -> TokenStream {
    quote! {
        use ::gwc_runtime::ir;
        use ::std::borrow::Cow;
    }
}

/// `value` as a self-contained expression: a block with the [`prelude`] imports and the
/// standard-prelude names pinned, valid wherever an expression is.
pub fn scoped(value: &impl ToTokens) -> TokenStream {
    let prelude = prelude();
    quote! {
        {
            #prelude
            #[allow(unused_imports)]
            use ::std::{option::Option::{None, Some}, vec::Vec};
            #value
        }
    }
}

/// `ir`: the name through which emitted code reaches IR types (see [`prelude`]).
fn ir() -> TokenStream {
    quote!(ir)
}

/// A string literal as `Cow::Borrowed("…")`, which is `const` and allocates nothing at start-up.
struct Borrowed<'a>(&'a str);

impl ToTokens for Borrowed<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let lit = Literal::string(self.0);
        tokens.extend(quote!(Cow::Borrowed(#lit)));
    }
}

fn str_tokens(s: &Str) -> Borrowed<'_> {
    Borrowed(s)
}

/// `Option<Str>`.
fn opt_str(s: Option<&Str>) -> TokenStream {
    match s {
        Some(s) => {
            let s = str_tokens(s);
            quote!(Some(#s))
        }
        None => quote!(None),
    }
}

/// `Option<T>` for any emitted `T`.
fn opt<T: ToTokens>(v: Option<&T>) -> TokenStream {
    match v {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// A `Vec` as `Vec::new()` or `Vec::from([..])`: an array literal is data that prettyplease
/// formats one element per line, unlike the token soup inside a `vec![]` macro call.
fn vec_of<I>(items: I) -> TokenStream
where
    I: IntoIterator,
    I::Item: ToTokens,
{
    let items: Vec<I::Item> = items.into_iter().collect();
    if items.is_empty() {
        quote!(Vec::new())
    } else {
        quote!(Vec::from([#(#items),*]))
    }
}

/// A unit variant `ir::Type::Variant`, the variant named by its `Debug` output.
fn unit_variant(ty: &str, variant: &impl std::fmt::Debug) -> TokenStream {
    let ir = ir();
    let ty = Ident::new(ty, Span::call_site());
    let variant = Ident::new(&format!("{variant:?}"), Span::call_site());
    quote!(#ir::#ty::#variant)
}

impl ToTokens for ApiKind {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(unit_variant("ApiKind", self));
    }
}

impl ToTokens for Method {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(unit_variant("Method", self));
    }
}

impl ToTokens for ErrorType {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(unit_variant("ErrorType", self));
    }
}

impl ToTokens for Millis {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let n = Literal::u64_unsuffixed(self.0);
        tokens.extend(quote!(#ir::Millis(#n)));
    }
}

impl ToTokens for ByteSize {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let n = Literal::u64_unsuffixed(self.0);
        tokens.extend(quote!(#ir::ByteSize(#n)));
    }
}

impl ToTokens for StageVariable {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (name, value) = (str_tokens(&self.name), str_tokens(&self.value));
        tokens.extend(quote!(#ir::StageVariable { name: #name, value: #value }));
    }
}

impl ToTokens for Stage {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let name = str_tokens(&self.name);
        let variables = vec_of(&self.variables);
        tokens.extend(quote!(#ir::Stage { name: #name, variables: #variables }));
    }
}

impl ToTokens for Limits {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let Limits {
            max_body,
            max_header,
            header_read_timeout,
            body_read_timeout,
            integration_timeout,
            idle_timeout,
            underscores_in_headers,
        } = self;
        tokens.extend(quote!(#ir::Limits {
            max_body: #max_body,
            max_header: #max_header,
            header_read_timeout: #header_read_timeout,
            body_read_timeout: #body_read_timeout,
            integration_timeout: #integration_timeout,
            idle_timeout: #idle_timeout,
            underscores_in_headers: #underscores_in_headers,
        }));
    }
}

impl ToTokens for HeaderPair {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (name, value) = (str_tokens(&self.name), str_tokens(&self.value));
        tokens.extend(quote!(#ir::HeaderPair { name: #name, value: #value }));
    }
}

impl ToTokens for GatewayResponse {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let error_type = self.error_type;
        let status = opt(self.status.map(Literal::u16_unsuffixed).as_ref());
        let headers = vec_of(&self.headers);
        let body = opt_str(self.body.as_ref());
        tokens.extend(quote!(#ir::GatewayResponse {
            error_type: #error_type,
            status: #status,
            headers: #headers,
            body: #body,
        }));
    }
}

impl ToTokens for Param {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (name, prefix, suffix) = (
            str_tokens(&self.name),
            str_tokens(&self.prefix),
            str_tokens(&self.suffix),
        );
        tokens.extend(quote!(#ir::Param { name: #name, prefix: #prefix, suffix: #suffix }));
    }
}

impl ToTokens for Segment {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            Segment::Literal(s) => {
                let s = str_tokens(s);
                quote!(#ir::Segment::Literal(#s))
            }
            Segment::Param(p) => quote!(#ir::Segment::Param(#p)),
            Segment::Greedy(s) => {
                let s = str_tokens(s);
                quote!(#ir::Segment::Greedy(#s))
            }
        });
    }
}

impl ToTokens for PathTemplate {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let raw = str_tokens(&self.raw);
        let segments = vec_of(&self.segments);
        tokens.extend(quote!(#ir::PathTemplate { raw: #raw, segments: #segments }));
    }
}

impl ToTokens for HttpProxy {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let uri = str_tokens(&self.uri);
        let timeout = self.timeout;
        tokens.extend(quote!(#ir::HttpProxy { uri: #uri, timeout: #timeout }));
    }
}

impl ToTokens for Mock {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let status = Literal::u16_unsuffixed(self.status);
        let headers = vec_of(&self.headers);
        let body = str_tokens(&self.body);
        tokens.extend(quote!(#ir::Mock { status: #status, headers: #headers, body: #body }));
    }
}

impl ToTokens for Integration {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            Integration::HttpProxy(p) => quote!(#ir::Integration::HttpProxy(#p)),
            Integration::Mock(m) => quote!(#ir::Integration::Mock(#m)),
        });
    }
}

impl ToTokens for Route {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        // Destructured in full so a new IR field is a compile error here, not a silent omission.
        let Route {
            id,
            method,
            path,
            integration,
            timeout,
        } = self;
        let id = str_tokens(id);
        let timeout = opt(timeout.as_ref());
        tokens.extend(quote!(#ir::Route {
            id: #id,
            method: #method,
            path: #path,
            integration: #integration,
            timeout: #timeout,
        }));
    }
}

impl ToTokens for Gateway {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let Gateway {
            name,
            kind,
            listen,
            default_stage,
            stages,
            base_path,
            limits,
            responses,
            routes,
            observability,
        } = self;
        let name = str_tokens(name);
        let listen = str_tokens(listen);
        let default_stage = str_tokens(default_stage);
        let stages = vec_of(stages);
        let base_path = opt_str(base_path.as_ref());
        let responses = vec_of(responses);
        let routes = vec_of(routes);
        tokens.extend(quote!(#ir::Gateway {
            name: #name,
            kind: #kind,
            listen: #listen,
            default_stage: #default_stage,
            stages: #stages,
            base_path: #base_path,
            limits: #limits,
            responses: #responses,
            routes: #routes,
            observability: #observability,
        }));
    }
}

impl ToTokens for Observability {
    /// The defaults as one call, so the crate of a spec that does not configure telemetry
    /// (most of them) stays short; anything else as a full literal.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        if *self == Observability::default() {
            tokens.extend(quote!(#ir::Observability::default()));
            return;
        }
        let Observability {
            access_log,
            metrics,
        } = self;
        let (enabled, format, destination) = (
            access_log.enabled,
            str_tokens(&access_log.format),
            str_tokens(&access_log.destination),
        );
        let (m_enabled, path, route_label) = (
            metrics.enabled,
            str_tokens(&metrics.path),
            metrics.route_label,
        );
        tokens.extend(quote!(#ir::Observability {
            access_log: #ir::AccessLog {
                enabled: #enabled,
                format: #format,
                destination: #destination,
            },
            metrics: #ir::Metrics {
                enabled: #m_enabled,
                path: #path,
                route_label: #route_label,
            },
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Gateway {
        Gateway {
            name: "pets".into(),
            kind: ApiKind::Rest,
            listen: "0.0.0.0:8080".into(),
            default_stage: "prod".into(),
            stages: vec![Stage {
                name: "prod".into(),
                variables: vec![StageVariable {
                    name: "backend".into(),
                    value: "http://127.0.0.1:9000".into(),
                }],
            }],
            base_path: Some("/prod".into()),
            limits: Limits::default(),
            responses: vec![GatewayResponse {
                error_type: ErrorType::IntegrationTimeout,
                status: Some(504),
                headers: vec![],
                body: Some("{\"message\":\"slow \\\"backend\\\"\"}".into()),
            }],
            routes: vec![Route {
                id: "getPet".into(),
                method: Method::Any,
                path: PathTemplate::parse("/pets/{id}.json/{proxy+}").unwrap(),
                integration: Integration::HttpProxy(HttpProxy {
                    uri: "${stageVariables.backend}/pets/{id}".into(),
                    timeout: Millis(10_000),
                }),
                timeout: None,
            }],
            observability: Observability::default(),
        }
    }

    #[test]
    fn emits_one_expression_naming_ir_through_the_prelude() {
        let tokens = sample().to_token_stream().to_string();
        assert!(tokens.starts_with("ir :: Gateway {"), "{tokens}");
        assert!(tokens.contains("ir :: Method :: Any"));
        assert!(tokens.contains("ir :: ErrorType :: IntegrationTimeout"));
        assert!(tokens.contains("ir :: ApiKind :: Rest"));
        assert!(tokens.contains("base_path : Some (Cow :: Borrowed (\"/prod\"))"));
    }

    #[test]
    fn scoped_values_carry_their_imports() {
        let tokens = scoped(&Method::Get).to_string();
        assert_eq!(
            tokens,
            "{ use :: gwc_runtime :: ir ; use :: std :: borrow :: Cow ; # [allow (unused_imports)] \
             use :: std :: { option :: Option :: { None , Some } , vec :: Vec } ; \
             ir :: Method :: Get }"
        );
    }

    #[test]
    fn variant_names_follow_debug_for_every_unit_enum() {
        for e in ErrorType::ALL {
            let t = e.to_token_stream().to_string();
            assert_eq!(t, format!("ir :: ErrorType :: {e:?}"));
        }
        for m in Method::CONCRETE.into_iter().chain([Method::Any]) {
            let t = m.to_token_stream().to_string();
            assert_eq!(t, format!("ir :: Method :: {m:?}"));
        }
    }

    #[test]
    fn strings_are_escaped_literals() {
        let t = Borrowed("a\"b\\c\n").to_token_stream().to_string();
        assert_eq!(t, r#"Cow :: Borrowed ("a\"b\\c\n")"#);
    }

    #[test]
    fn deterministic() {
        let a = sample().to_token_stream().to_string();
        let b = sample().to_token_stream().to_string();
        assert_eq!(a, b);
    }
}
