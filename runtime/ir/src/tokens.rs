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
    AccessLog, ApiKey, ApiKeySource, ApiKind, Authorizer, AuthorizerId, AuthorizerKind,
    BodyMapping, BodySchema, ByteSize, CacheKeyPart, CachePolicy, CacheSettings, ChangeAction,
    ClientInvalidation, Comparison, ContentHandling, ContentTemplate, CorsId, CorsPolicy,
    CustomAuthorizer, ErrorType, FailMode, Gateway, GatewayResponse, HeaderPair, HttpProxy,
    IamAuthorizer, IamCredential, InspectedPart, Integration, IntegrationResponse, JwtAuthorizer,
    Limits, ManagedGroup, MappedParam, Mapping, MatchTest, Method, Metrics, Millis, Mock,
    Observability, OverrideAction, Oversize, Param, ParamChange, ParamIn, Passthrough,
    PathTemplate, PlanId, Quota, QuotaPeriod, RequestModel, RequiredParam, Route, RouteAuth,
    RouteId, RoutePolicies, RouteThrottle, RuleOverride, RustHandler, Secret, Segment, SizeTest,
    SqliSensitivity, Stage, StageThrottle, StageVariable, StateConfig, Str, Throttle,
    ThrottleScope, Transform, UnauthorizedInvalidation, UriPart, UriTemplate, UsagePlan, Validator,
    ValidatorId, ValuePart, WafAction, WafCondition, WafField, WafInspection, WafMatch,
    WafResponse, WafRule, WafRuleSet, WafRuleSetId,
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

/// A field value as a Rust expression. `ToTokens` cannot serve here: `Cow<str>`'s own
/// `ToTokens` writes a bare literal, and `Vec`/`Option` have none.
trait Emit {
    fn emit(&self) -> TokenStream;
}

impl Emit for Str {
    fn emit(&self) -> TokenStream {
        Borrowed(self).to_token_stream()
    }
}

impl Emit for bool {
    fn emit(&self) -> TokenStream {
        self.to_token_stream()
    }
}

macro_rules! emit_int {
    ($($t:ty => $lit:ident),*) => {$(
        impl Emit for $t {
            fn emit(&self) -> TokenStream {
                Literal::$lit(*self).to_token_stream()
            }
        }
    )*};
}
emit_int!(u16 => u16_unsuffixed, u32 => u32_unsuffixed, u64 => u64_unsuffixed, f64 => f64_unsuffixed);

/// `Option<T>` for any emitted `T`.
impl<T: Emit> Emit for Option<T> {
    fn emit(&self) -> TokenStream {
        match self {
            Some(v) => {
                let v = v.emit();
                quote!(Some(#v))
            }
            None => quote!(None),
        }
    }
}

/// A `Vec` as `Vec::new()` or `Vec::from([..])`: an array literal is data that prettyplease
/// formats one element per line, unlike the token soup inside a `vec![]` macro call.
impl<T: Emit> Emit for Vec<T> {
    fn emit(&self) -> TokenStream {
        if self.is_empty() {
            quote!(Vec::new())
        } else {
            let items = self.iter().map(Emit::emit);
            quote!(Vec::from([#(#items),*]))
        }
    }
}

/// `Emit` through `ToTokens`, for the IR's own types.
macro_rules! emit_via_tokens {
    ($($t:ty),* $(,)?) => {$(
        impl Emit for $t {
            fn emit(&self) -> TokenStream {
                self.to_token_stream()
            }
        }
    )*};
}

/// `ToTokens` for a struct as a literal `ir::Name { field: value, .. }`. The struct is
/// destructured in full, so a new IR field is a compile error here rather than a silent
/// omission. Fields after `;` are left out when they equal their `Default` (with
/// `..Default::default()` closing the literal), so a spec that uses no feature emits no noise
/// for it; fields before `;` are always written, so what a generated gateway does never
/// depends on a default that a later runtime might change.
macro_rules! struct_tokens {
    ($ty:ident { $($f:ident),* $(,)? $(; $($d:ident),* $(,)?)? }) => {
        impl ToTokens for $ty {
            fn to_tokens(&self, tokens: &mut TokenStream) {
                let ir = ir();
                let $ty { $($f,)* $($($d,)*)? } = self;
                #[allow(unused_mut)]
                let mut fields: Vec<TokenStream> = Vec::new();
                $(
                    let v = Emit::emit($f);
                    fields.push(quote!($f: #v));
                )*
                #[allow(unused_mut)]
                let mut rest = TokenStream::new();
                $($(
                    if !is_default($d) {
                        let v = Emit::emit($d);
                        fields.push(quote!($d: #v));
                    } else {
                        rest = quote!(..Default::default());
                    }
                )*)?
                tokens.extend(quote!(#ir::$ty { #(#fields,)* #rest }));
            }
        }
        emit_via_tokens!($ty);
    };
}

/// True when `v` is its type's default.
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// `ToTokens` for a unit-variant enum, the variant named by its `Debug` output.
macro_rules! unit_enum_tokens {
    ($($ty:ident),* $(,)?) => {$(
        impl ToTokens for $ty {
            fn to_tokens(&self, tokens: &mut TokenStream) {
                tokens.extend(unit_variant(stringify!($ty), self));
            }
        }
        emit_via_tokens!($ty);
    )*};
}

/// `ToTokens` for a tuple newtype over an integer (`Millis(29000)`, `RouteId(3)`).
macro_rules! newtype_tokens {
    ($($ty:ident),* $(,)?) => {$(
        impl ToTokens for $ty {
            fn to_tokens(&self, tokens: &mut TokenStream) {
                let ir = ir();
                let v = self.0.emit();
                tokens.extend(quote!(#ir::$ty(#v)));
            }
        }
        emit_via_tokens!($ty);
    )*};
}

/// `ThrottleScope`: unit variants, and `Header` with its name.
impl ToTokens for ThrottleScope {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            ThrottleScope::Header(name) => {
                let ir = ir();
                let name = name.emit();
                tokens.extend(quote!(#ir::ThrottleScope::Header(#name)));
            }
            other => tokens.extend(unit_variant("ThrottleScope", other)),
        }
    }
}
emit_via_tokens!(ThrottleScope);

/// A unit variant `ir::Type::Variant`, the variant named by its `Debug` output.
fn unit_variant(ty: &str, variant: &impl std::fmt::Debug) -> TokenStream {
    let ir = ir();
    let ty = Ident::new(ty, Span::call_site());
    let variant = Ident::new(&format!("{variant:?}"), Span::call_site());
    quote!(#ir::#ty::#variant)
}

unit_enum_tokens!(
    ApiKind,
    Method,
    ErrorType,
    ApiKeySource,
    QuotaPeriod,
    WafAction,
    InspectedPart,
    Oversize,
    Transform,
    Comparison,
    OverrideAction,
    ClientInvalidation,
    UnauthorizedInvalidation,
    FailMode,
    ParamIn,
    ChangeAction,
    Passthrough,
    ContentHandling,
);

newtype_tokens!(
    Millis,
    ByteSize,
    AuthorizerId,
    PlanId,
    WafRuleSetId,
    ValidatorId,
    CorsId,
    RouteId,
);

struct_tokens!(StageVariable { name, value });
struct_tokens!(Stage { name, variables });
struct_tokens!(Limits {
    max_body,
    max_header,
    header_read_timeout,
    body_read_timeout,
    integration_timeout,
    idle_timeout,
    underscores_in_headers,
});
struct_tokens!(HeaderPair { name, value });
struct_tokens!(GatewayResponse {
    error_type,
    status,
    headers,
    templates
});
struct_tokens!(Param {
    name,
    prefix,
    suffix
});
struct_tokens!(PathTemplate { raw, segments });
struct_tokens!(UriTemplate { raw, parts });
struct_tokens!(HttpProxy { uri });
struct_tokens!(RustHandler { handler });
struct_tokens!(Mock {
    status,
    headers,
    body
});
struct_tokens!(Route {
    id,
    method,
    path,
    integration,
    timeout;
    policies,
    request,
    mapping,
    body_mapping
});
struct_tokens!(BodyMapping {
    request_templates,
    passthrough,
    responses;
    content_handling
});
struct_tokens!(ContentTemplate {
    content_type,
    template
});
struct_tokens!(IntegrationResponse {
    pattern,
    status,
    headers,
    templates;
    content_handling
});
struct_tokens!(Mapping {
    method,
    request,
    response
});
struct_tokens!(ParamChange {
    action,
    target,
    value
});
struct_tokens!(RequestModel {
    required,
    body_required,
    bodies
});
struct_tokens!(RequiredParam { location, name });
struct_tokens!(BodySchema {
    content_type,
    schema
});
struct_tokens!(RoutePolicies {
    ;
    auth,
    api_key_required,
    throttle,
    cache,
    waf,
    api_waf_off,
    validation,
    cors
});
struct_tokens!(RouteAuth { authorizer, scopes });
struct_tokens!(Throttle { rate, burst, per });
struct_tokens!(CachePolicy { ttl, key; shared });
struct_tokens!(StageThrottle { stage, throttle });
struct_tokens!(CorsPolicy {
    allow_origins,
    allow_methods,
    allow_headers,
    expose_headers,
    max_age,
    allow_credentials,
});
struct_tokens!(CacheSettings {
    capacity,
    max_entry,
    encrypted,
    client_invalidation;
    unauthorized_invalidation,
});
struct_tokens!(Authorizer { name, kind });
struct_tokens!(JwtAuthorizer {
    issuer,
    audience,
    jwks_uri,
    identity_sources,
    algorithms,
    leeway,
    jwks_ttl,
    token_use,
    secret,
});
struct_tokens!(IamAuthorizer {
    region,
    service,
    max_skew,
    credentials
});
struct_tokens!(IamCredential {
    access_key_id,
    secret,
    session_token,
    principal,
    allow,
    deny,
});
struct_tokens!(CustomAuthorizer {
    uri,
    identity_sources,
    result_ttl,
    timeout,
    payload_v2,
    simple_responses,
    token_event,
    identity_validation;
    handler
});
struct_tokens!(UsagePlan {
    name,
    throttle,
    quota,
    route_throttles,
    api_keys
});
struct_tokens!(RouteThrottle { route, throttle });
struct_tokens!(Quota {
    limit,
    period,
    offset
});
struct_tokens!(ApiKey {
    name,
    value,
    enabled
});
struct_tokens!(WafRuleSet {
    name,
    default_action,
    rules,
    inspection
});
struct_tokens!(WafInspection {
    body_limit,
    trusted_proxies,
    geo_database
});
struct_tokens!(WafRule {
    name,
    action,
    condition;
    response,
    oversize
});
struct_tokens!(WafResponse {
    status,
    headers,
    body
});
struct_tokens!(WafMatch {
    field,
    transforms,
    test
});
struct_tokens!(SizeTest { op, size });
struct_tokens!(ManagedGroup {
    name;
    overrides,
    lists
});
struct_tokens!(RuleOverride { rule, action });
struct_tokens!(Validator {
    name,
    body,
    parameters
});
struct_tokens!(StateConfig {
    backend,
    on_failure,
    key_prefix,
    timeout
});
struct_tokens!(Gateway {
    name,
    kind,
    listen,
    default_stage,
    stages,
    base_path,
    limits,
    responses,
    routes,
    state;
    authorizers,
    api_key_source,
    api_key_header,
    throttle,
    stage_throttles,
    plans,
    cache,
    waf,
    waf_rule_sets,
    validators,
    cors_policies,
    cors,
    observability,
    binary_media_types,
});
// Only what differs from the defaults, so a spec that changes one setting reads as that.
struct_tokens!(Observability {
    ;
    access_log,
    metrics,
    request_id_headers
});
struct_tokens!(AccessLog {
    enabled,
    format,
    destination
});
struct_tokens!(Metrics {
    enabled,
    path,
    route_label
});

impl ToTokens for Segment {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            Segment::Literal(s) => {
                let s = s.emit();
                quote!(#ir::Segment::Literal(#s))
            }
            Segment::Param(p) => quote!(#ir::Segment::Param(#p)),
            Segment::Greedy(s) => {
                let s = s.emit();
                quote!(#ir::Segment::Greedy(#s))
            }
        });
    }
}

impl ToTokens for UriPart {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, s) = match self {
            UriPart::Text(s) => (quote!(Text), s),
            UriPart::StageVariable(s) => (quote!(StageVariable), s),
            UriPart::PathParam(s) => (quote!(PathParam), s),
        };
        let s = s.emit();
        tokens.extend(quote!(#ir::UriPart::#variant(#s)));
    }
}

impl ToTokens for MappedParam {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, s) = match self {
            MappedParam::Header(s) => (quote!(Header), s),
            MappedParam::Query(s) => (quote!(Query), s),
        };
        let s = s.emit();
        tokens.extend(quote!(#ir::MappedParam::#variant(#s)));
    }
}
emit_via_tokens!(MappedParam);

impl ToTokens for ValuePart {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, s) = match self {
            ValuePart::Text(s) => (quote!(Text), s),
            ValuePart::RequestHeader(s) => (quote!(RequestHeader), s),
            ValuePart::RequestQuery(s) => (quote!(RequestQuery), s),
            ValuePart::RequestPath(s) => (quote!(RequestPath), s),
            ValuePart::ResponseHeader(s) => (quote!(ResponseHeader), s),
            ValuePart::Context(s) => (quote!(Context), s),
            ValuePart::StageVariable(s) => (quote!(StageVariable), s),
        };
        let s = s.emit();
        tokens.extend(quote!(#ir::ValuePart::#variant(#s)));
    }
}
emit_via_tokens!(ValuePart);

impl ToTokens for CacheKeyPart {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, s) = match self {
            CacheKeyPart::Path(s) => (quote!(Path), s),
            CacheKeyPart::Query(s) => (quote!(Query), s),
            CacheKeyPart::Header(s) => (quote!(Header), s),
        };
        let s = s.emit();
        tokens.extend(quote!(#ir::CacheKeyPart::#variant(#s)));
    }
}

impl ToTokens for Secret {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, s) = match self {
            Secret::Env(s) => (quote!(Env), s),
            Secret::File(s) => (quote!(File), s),
        };
        let s = s.emit();
        tokens.extend(quote!(#ir::Secret::#variant(#s)));
    }
}

impl ToTokens for Integration {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            Integration::HttpProxy(p) => quote!(#ir::Integration::HttpProxy(#p)),
            Integration::Mock(m) => quote!(#ir::Integration::Mock(#m)),
            Integration::Rust(r) => quote!(#ir::Integration::Rust(#r)),
        });
    }
}

impl ToTokens for AuthorizerKind {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            AuthorizerKind::Jwt(a) => quote!(#ir::AuthorizerKind::Jwt(#a)),
            AuthorizerKind::Iam(a) => quote!(#ir::AuthorizerKind::Iam(#a)),
            AuthorizerKind::Custom(a) => quote!(#ir::AuthorizerKind::Custom(#a)),
        });
    }
}

impl ToTokens for WafCondition {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            WafCondition::IpSet {
                cidrs,
                files,
                forwarded,
            } => {
                let (cidrs, files) = (cidrs.emit(), files.emit());
                quote!(#ir::WafCondition::IpSet { cidrs: #cidrs, files: #files, forwarded: #forwarded })
            }
            WafCondition::Geo { countries, negate } => {
                let countries = countries.emit();
                quote!(#ir::WafCondition::Geo { countries: #countries, negate: #negate })
            }
            WafCondition::RateBased { limit, window, key } => {
                let (limit, key) = (limit.emit(), key.emit());
                quote!(#ir::WafCondition::RateBased { limit: #limit, window: #window, key: #key })
            }
            WafCondition::Sqli { parts, sensitivity } => {
                let parts = parts.emit();
                let sensitivity = match sensitivity {
                    SqliSensitivity::Low => quote!(#ir::SqliSensitivity::Low),
                    SqliSensitivity::High => quote!(#ir::SqliSensitivity::High),
                };
                quote!(#ir::WafCondition::Sqli { parts: #parts, sensitivity: #sensitivity })
            }
            WafCondition::Xss { parts } => {
                let parts = parts.emit();
                quote!(#ir::WafCondition::Xss { parts: #parts })
            }
            WafCondition::Match(m) => quote!(#ir::WafCondition::Match(#m)),
            WafCondition::And { all } => {
                let all = all.emit();
                quote!(#ir::WafCondition::And { all: #all })
            }
            WafCondition::Or { any } => {
                let any = any.emit();
                quote!(#ir::WafCondition::Or { any: #any })
            }
            WafCondition::Not { not } => {
                let not = not.emit();
                quote!(#ir::WafCondition::Not { not: ::std::boxed::Box::new(#not) })
            }
            WafCondition::Managed(g) => quote!(#ir::WafCondition::Managed(#g)),
        });
    }
}

impl ToTokens for WafField {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        tokens.extend(match self {
            WafField::QueryArg(n) => {
                let n = n.emit();
                quote!(#ir::WafField::QueryArg(#n))
            }
            WafField::Header(n) => {
                let n = n.emit();
                quote!(#ir::WafField::Header(#n))
            }
            WafField::JsonBody(n) => {
                let n = n.emit();
                quote!(#ir::WafField::JsonBody(#n))
            }
            other => unit_variant("WafField", other),
        });
    }
}

impl ToTokens for MatchTest {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let ir = ir();
        let (variant, value) = match self {
            MatchTest::Exactly(v) => ("Exactly", v.emit()),
            MatchTest::StartsWith(v) => ("StartsWith", v.emit()),
            MatchTest::EndsWith(v) => ("EndsWith", v.emit()),
            MatchTest::Contains(v) => ("Contains", v.emit()),
            MatchTest::ContainsWord(v) => ("ContainsWord", v.emit()),
            MatchTest::Regex(v) => ("Regex", v.emit()),
            MatchTest::Size(t) => ("Size", t.emit()),
        };
        let variant = Ident::new(variant, Span::call_site());
        tokens.extend(quote!(#ir::MatchTest::#variant(#value)));
    }
}

impl Emit for Box<WafCondition> {
    fn emit(&self) -> TokenStream {
        (**self).to_token_stream()
    }
}

emit_via_tokens!(
    Segment,
    UriPart,
    CacheKeyPart,
    Secret,
    Integration,
    AuthorizerKind,
    WafCondition,
    WafField,
    MatchTest
);

/// A template as its source plus its parsed nodes, so the generated gateway parses nothing at
/// start-up: `ir::vtl::VtlTemplate::prepared(source, nodes)` inside a block that names the
/// node types briefly (`N::Text`, `E::Var`, `Op::Eq`). A template carried unparsed is parsed
/// here; one that does not parse (the compiler has reported it) is written as its source alone.
impl ToTokens for crate::vtl::VtlTemplate {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let source = Borrowed(&self.source);
        let parsed = match &self.parsed {
            Some(t) => Some(t.clone()),
            None => crate::vtl::parse(&self.source)
                .ok()
                .map(std::sync::Arc::new),
        };
        let Some(template) = parsed else {
            tokens.extend(quote!(ir::vtl::VtlTemplate::unparsed(#source)));
            return;
        };
        let nodes = vtl_nodes(template.nodes());
        tokens.extend(quote! {
            {
                #[allow(unused_imports)]
                use ir::vtl::{BinOp as Op, Expr as E, Node as N};
                ir::vtl::VtlTemplate::prepared(#source, #nodes)
            }
        });
    }
}
emit_via_tokens!(crate::vtl::VtlTemplate);

fn vec_tokens(items: impl ExactSizeIterator<Item = TokenStream>) -> TokenStream {
    if items.len() == 0 {
        quote!(Vec::new())
    } else {
        quote!(Vec::from([#(#items),*]))
    }
}

fn vtl_nodes(nodes: &[crate::vtl::Node]) -> TokenStream {
    vec_tokens(nodes.iter().map(vtl_node))
}

fn vtl_exprs(exprs: &[crate::vtl::Expr]) -> TokenStream {
    vec_tokens(exprs.iter().map(vtl_expr))
}

fn vtl_node(node: &crate::vtl::Node) -> TokenStream {
    use crate::vtl::Node;
    match node {
        Node::Text(t) => {
            let t = Borrowed(t);
            quote!(N::Text(#t))
        }
        Node::Print { expr, quiet } => {
            let expr = vtl_expr(expr);
            quote!(N::Print { expr: #expr, quiet: #quiet })
        }
        Node::Set(target, value) => {
            let (target, value) = (vtl_expr(target), vtl_expr(value));
            quote!(N::Set(#target, #value))
        }
        Node::If(branches, otherwise) => {
            let branches = vec_tokens(branches.iter().map(|(cond, body)| {
                let (cond, body) = (vtl_expr(cond), vtl_nodes(body));
                quote!((#cond, #body))
            }));
            let otherwise = match otherwise {
                Some(body) => {
                    let body = vtl_nodes(body);
                    quote!(Some(#body))
                }
                None => quote!(None),
            };
            quote!(N::If(#branches, #otherwise))
        }
        Node::Foreach(var, list, body) => {
            let (var, list, body) = (Borrowed(var), vtl_expr(list), vtl_nodes(body));
            quote!(N::Foreach(#var, #list, #body))
        }
        Node::Break => quote!(N::Break),
        Node::Stop => quote!(N::Stop),
    }
}

fn vtl_expr(expr: &crate::vtl::Expr) -> TokenStream {
    use crate::vtl::Expr;
    let boxed = |e: &Expr| {
        let e = vtl_expr(e);
        quote!(Box::new(#e))
    };
    match expr {
        Expr::Null => quote!(E::Null),
        Expr::Bool(b) => quote!(E::Bool(#b)),
        Expr::Int(i) => {
            let i = if *i == i64::MIN {
                quote!(i64::MIN)
            } else if *i < 0 {
                let lit = Literal::i64_unsuffixed(-*i);
                quote!(-#lit)
            } else {
                Literal::i64_unsuffixed(*i).to_token_stream()
            };
            quote!(E::Int(#i))
        }
        Expr::Float(f) => {
            let f = if f.is_nan() {
                quote!(f64::NAN)
            } else if f.is_infinite() {
                if *f > 0.0 {
                    quote!(f64::INFINITY)
                } else {
                    quote!(f64::NEG_INFINITY)
                }
            } else if f.is_sign_negative() {
                let lit = Literal::f64_unsuffixed(-*f);
                quote!(-#lit)
            } else {
                Literal::f64_unsuffixed(*f).to_token_stream()
            };
            quote!(E::Float(#f))
        }
        Expr::Str(s) => {
            let s = Borrowed(s);
            quote!(E::Str(#s))
        }
        Expr::Interp(nodes) => {
            let nodes = vtl_nodes(nodes);
            quote!(E::Interp(#nodes))
        }
        Expr::Var(name) => {
            let name = Borrowed(name);
            quote!(E::Var(#name))
        }
        Expr::Prop(base, key) => {
            let (base, key) = (boxed(base), Borrowed(key));
            quote!(E::Prop(#base, #key))
        }
        Expr::Index(base, index) => {
            let (base, index) = (boxed(base), boxed(index));
            quote!(E::Index(#base, #index))
        }
        Expr::Call(base, method, args) => {
            let (base, method, args) = (boxed(base), Borrowed(method), vtl_exprs(args));
            quote!(E::Call(#base, #method, #args))
        }
        Expr::List(items) => {
            let items = vtl_exprs(items);
            quote!(E::List(#items))
        }
        Expr::Map(entries) => {
            let entries = vec_tokens(entries.iter().map(|(k, v)| {
                let (k, v) = (vtl_expr(k), vtl_expr(v));
                quote!((#k, #v))
            }));
            quote!(E::Map(#entries))
        }
        Expr::Range(a, b) => {
            let (a, b) = (boxed(a), boxed(b));
            quote!(E::Range(#a, #b))
        }
        Expr::Not(e) => {
            let e = boxed(e);
            quote!(E::Not(#e))
        }
        Expr::Neg(e) => {
            let e = boxed(e);
            quote!(E::Neg(#e))
        }
        Expr::Bin(op, l, r) => {
            let op = Ident::new(&format!("{op:?}"), Span::call_site());
            let (l, r) = (boxed(l), boxed(r));
            quote!(E::Bin(Op::#op, #l, #r))
        }
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
                templates: vec![ContentTemplate {
                    content_type: "application/json".into(),
                    template: "{\"message\":\"slow \\\"backend\\\"\"}".into(),
                }],
            }],
            routes: vec![Route {
                id: "getPet".into(),
                method: Method::Any,
                path: PathTemplate::parse("/pets/{id}.json/{proxy+}").unwrap(),
                integration: Integration::HttpProxy(HttpProxy {
                    uri: crate::UriTemplate::parse("${stageVariables.backend}/pets/{id}").unwrap(),
                }),
                timeout: Millis(10_000),
                ..Default::default()
            }],
            ..Default::default()
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
        // Empty tables and policies are left to `Default`.
        assert!(!tokens.contains("authorizers"), "{tokens}");
        assert!(!tokens.contains("policies"), "{tokens}");
        assert!(tokens.contains(".. Default :: default ()"), "{tokens}");
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
