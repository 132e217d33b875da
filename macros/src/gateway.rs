//! `#[gateway]`'s expansion: parse → model (gwc-ir pieces) → check → emit, all on
//! `proc_macro2`, so it is unit-tested without a compiler in the loop.
//!
//! The user's function is always emitted unchanged. Beside it, when there is no error:
//! - a braced struct of the same name (type namespace only, so it coexists with the function,
//!   as Rocket's routes do), which implements `__private::Handler`: spec-first code reaches the
//!   handler's route record through the handler's own path;
//! - in a `const _: () = { … };` block (serde's pattern): the argument table, the function that
//!   calls the handler (extractors, the call, the response conversion), the start-up check and
//!   OpenAPI description of its extractors, the IR route (written by `gwc-ir`'s one emitter),
//!   and the `RouteDef` registered in the link-time list `__private::ROUTES`.
//!
//! Every path in the expansion is absolute (`::gwc_runtime::__private::…`), so it never depends
//! on what the user imported. With errors, only the function and the `compile_error!`s are
//! emitted, so the user's own code still type-checks and one mistake does not cascade.

use gwc_ir::{Integration, Millis, Route, RustHandler, Str};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, Type};

use crate::attr::{self, Attr};
use crate::errors::ErrorSink;

/// One handler argument, as the expansion needs it.
struct Arg {
    /// The name extractors see (`id` for `id: Path<u64>` or `Path(id): Path<u64>`).
    name: String,
    ty: Type,
    /// The path parameter's index, for a `Path<…>` argument.
    index: usize,
}

/// Expands `#[gateway(attr)] item` into the item plus its registration, and the errors.
pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> (TokenStream, Vec<syn::Error>) {
    let mut errors = ErrorSink::new();
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            errors.error(
                Span::call_site(),
                "`#[gateway]` goes on an `async fn` (a free function, not a method or other item)",
            );
            return (item, errors.finish());
        }
    };
    if attr::is_authorizer(&attr) {
        let attr = attr::parse_authorizer(attr, &mut errors);
        check_authorizer_signature(&func, &mut errors);
        if !errors.is_empty() {
            return (quote!(#func), errors.finish());
        }
        return (emit_authorizer(&func, &attr), errors.finish());
    }
    let attr = attr::parse(attr, &mut errors);
    let args = check_signature(&func, &attr, &mut errors);
    if !errors.is_empty() {
        return (quote!(#func), errors.finish());
    }
    let out = emit(&func, &attr, &args);
    (out, errors.finish())
}

/// The signature's rules: `async`, no generics or receiver, every path parameter with its
/// `Path<…>` argument and every `Path<…>` argument with its parameter.
fn check_signature(func: &ItemFn, attr: &Attr, errors: &mut ErrorSink) -> Vec<Arg> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.error(
            sig.fn_token.span,
            format!(
                "`#[gateway]` handlers are `async fn`s: write `async fn {}`",
                sig.ident
            ),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.error(
            sig.generics.span(),
            "`#[gateway]` handlers cannot be generic: the gateway calls one concrete function",
        );
    }
    if let Some(v) = &sig.variadic {
        errors.error(v.span(), "`#[gateway]` handlers cannot be variadic");
    }
    let params: Vec<&str> = attr
        .path
        .as_ref()
        .map(|(p, _)| p.params().collect())
        .unwrap_or_default();
    let mut args = Vec::new();
    let mut seen_params: Vec<&str> = Vec::new();
    for input in &sig.inputs {
        let typed = match input {
            FnArg::Receiver(r) => {
                errors.error(
                    r.span(),
                    "`#[gateway]` handlers are free functions: take shared values as `State<T>` instead of `self`",
                );
                continue;
            }
            FnArg::Typed(t) => t,
        };
        let name = arg_name(&typed.pat);
        let is_path = last_segment(&typed.ty).as_deref() == Some("Path");
        let mut index = 0;
        if is_path {
            match params.iter().position(|p| Some(*p) == name.as_deref()) {
                Some(i) => {
                    index = i;
                    seen_params.push(params[i]);
                }
                None if attr.path.is_some() => {
                    let shown = name.as_deref().unwrap_or("_");
                    let template = attr
                        .path
                        .as_ref()
                        .map(|(p, _)| p.raw.to_string())
                        .unwrap_or_default();
                    let hint = match name.as_deref().and_then(|n| attr::closest(n, &params)) {
                        Some(best) => format!("; did you mean `{best}`?"),
                        None if params.is_empty() => "; the template has no parameters".to_owned(),
                        None => format!(
                            "; its parameters are {}",
                            params
                                .iter()
                                .map(|p| format!("`{{{p}}}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    errors.error(
                        typed.pat.span(),
                        format!("`{shown}` is a `Path` argument but `{template}` has no parameter `{{{shown}}}`{hint}"),
                    );
                }
                None => {}
            }
        }
        args.push(Arg {
            name: name.unwrap_or_else(|| "_".to_owned()),
            ty: (*typed.ty).clone(),
            index,
        });
    }
    if let Some((_, lit)) = &attr.path {
        for p in &params {
            if !seen_params.contains(p) {
                errors.error(
                    lit.span(),
                    format!("path parameter `{{{p}}}` has no argument: add `{p}: Path<String>` (or another `FromStr` type) to `{}`", sig.ident),
                );
            }
        }
    }
    args
}

/// A Rust authorizer is `async fn NAME(req: AuthorizerRequest, state: State<T>, …) -> …`:
/// async, not generic, the event first and then shared state (the argument types and the
/// return value's are checked by rustc, with `FromAuthorizerRequest`'s and
/// `IntoAuthorization`'s notes).
fn check_authorizer_signature(func: &ItemFn, errors: &mut ErrorSink) {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.error(
            sig.fn_token.span,
            format!(
                "`#[gateway(authorizer = …)]` functions are `async fn`s: write `async fn {}`",
                sig.ident
            ),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.error(
            sig.generics.span(),
            "`#[gateway(authorizer = …)]` functions cannot be generic: the gateway calls one concrete function",
        );
    }
    let typed = sig
        .inputs
        .iter()
        .filter(|i| matches!(i, FnArg::Typed(_)))
        .count();
    if typed == 0 || sig.receiver().is_some() {
        let span = if sig.inputs.is_empty() {
            sig.ident.span()
        } else {
            sig.inputs.span()
        };
        errors.error(
            span,
            format!(
                "a Rust authorizer takes the event first, then any shared state: `async fn {}(req: AuthorizerRequest, db: State<Db>)`",
                sig.ident
            ),
        );
    }
}

/// The authorizer's record: its settings as IR (for Rust-first APIs), the call, the
/// registration in `__private::AUTHORIZERS`, and the path-reachable marker type.
fn emit_authorizer(func: &ItemFn, attr: &attr::AuthorizerAttr) -> TokenStream {
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let function = ident.to_string();
    let name = &attr.name;
    let ir = gwc_ir::Authorizer {
        name: Str::Owned(name.clone()),
        kind: gwc_ir::AuthorizerKind::Custom(attr.authorizer.clone()),
    };
    let ir_tokens = gwc_ir::tokens::scoped(&ir);
    let p = quote!(::gwc_runtime::__private);
    let ret_span = match &func.sig.output {
        syn::ReturnType::Default => func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let answer = quote_spanned! {ret_span=>
        #p::IntoAuthorization::into_authorization(__gwc_out)
    };
    // Arguments after the event: shared state, read from the event's application state.
    let mut extract = Vec::new();
    let mut checks = Vec::new();
    let mut names = Vec::new();
    for (i, input) in func.sig.inputs.iter().skip(1).enumerate() {
        let FnArg::Typed(t) = input else { continue };
        let ty = &t.ty;
        let span = ty.span();
        let var = format_ident!("__gwc_arg{}", i + 1);
        extract.push(quote_spanned! {span=>
            let #var = <#ty as #p::FromAuthorizerRequest>::from_authorizer_request(&__gwc_req)?;
        });
        checks.push(quote_spanned!(span=> <#ty as #p::FromAuthorizerRequest>::check(__gwc_app)?;));
        names.push(var);
    }
    let check_app = if checks.is_empty() {
        quote!(_)
    } else {
        quote!(__gwc_app)
    };
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        #vis struct #ident {}

        const _: () = {
            fn __gwc_authorizer() -> ::gwc_runtime::ir::Authorizer {
                let mut authorizer: ::gwc_runtime::ir::Authorizer = #ir_tokens;
                if let ::gwc_runtime::ir::AuthorizerKind::Custom(c) = &mut authorizer.kind {
                    c.handler = ::core::option::Option::Some(::std::borrow::Cow::Borrowed(
                        ::core::concat!(::core::module_path!(), "::", #function),
                    ));
                }
                authorizer
            }

            fn __gwc_call(__gwc_req: ::gwc_runtime::handler::AuthorizerRequest) -> #p::AuthorizerFuture {
                ::std::boxed::Box::pin(async move {
                    #(#extract)*
                    let __gwc_out = #ident(__gwc_req #(, #names)*).await;
                    #answer
                })
            }

            fn __gwc_check(#check_app: &::gwc_runtime::handler::AppState) -> ::core::result::Result<(), ::std::string::String> {
                #(#checks)*
                ::core::result::Result::Ok(())
            }

            #[#p::linkme::distributed_slice(#p::AUTHORIZERS)]
            #[linkme(crate = #p::linkme)]
            static __GWC_AUTHORIZER: #p::AuthorizerDef = #p::AuthorizerDef {
                name: #name,
                function: #function,
                module: ::core::module_path!(),
                authorizer: __gwc_authorizer,
                call: __gwc_call,
                check: __gwc_check,
            };

            impl #p::AuthorizerHandler for #ident {
                const DEF: &'static #p::AuthorizerDef = &__GWC_AUTHORIZER;
            }
        };
    }
}

/// The name an argument's pattern binds: `id`, `mut id`, `Path(id)`, `Header(user_agent)`.
fn arg_name(pat: &Pat) -> Option<String> {
    match pat {
        Pat::Ident(i) => Some(i.ident.to_string().trim_start_matches('_').to_owned()),
        Pat::TupleStruct(t) if t.elems.len() == 1 => arg_name(&t.elems[0]),
        Pat::Reference(r) => arg_name(&r.pat),
        _ => None,
    }
}

/// True when `impl Trait` appears anywhere in a type (such a type cannot be named in the
/// expansion's probe).
fn mentions_impl_trait(ty: &Type) -> bool {
    fn walk(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == "impl",
            proc_macro2::TokenTree::Group(g) => walk(g.stream()),
            _ => false,
        })
    }
    walk(quote!(#ty))
}

/// The last path segment of a type (`Path` for `gwc_runtime::handler::Path<u64>`).
fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `T` of a `Json<T>` argument (written `Json<T>` or `path::to::Json<T>`).
fn json_body_type(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Json" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn emit(func: &ItemFn, attr: &Attr, args: &[Arg]) -> TokenStream {
    let ident = &func.sig.ident;
    let vis = &func.vis;
    let name = ident.to_string();
    let (method, _) = attr
        .method
        .unwrap_or((gwc_ir::Method::Get, Span::call_site()));
    let path = attr
        .path
        .as_ref()
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let method_str = method.as_str();
    let path_str = path.raw.to_string();
    let route = Route {
        id: Str::Owned(attr.id.clone().unwrap_or_else(|| name.clone())),
        method,
        path,
        integration: Integration::Rust(RustHandler {
            handler: Str::Borrowed(""),
        }),
        timeout: attr.timeout.unwrap_or(Millis(0)),
        policies: attr.policies.clone(),
        ..Route::default()
    };
    let route_tokens = gwc_ir::tokens::scoped(&route);
    let authorizer = match &attr.authorizer {
        Some(a) => quote!(::core::option::Option::Some(#a)),
        None => quote!(::core::option::Option::None),
    };
    let p = quote!(::gwc_runtime::__private);
    let validate = match attr.validate {
        Some((body, parameters)) => quote!(::core::option::Option::Some(#p::ValidateDef {
            body: #body,
            parameters: #parameters,
        })),
        None => quote!(::core::option::Option::None),
    };

    let arg_table = args.iter().map(|a| {
        let n = &a.name;
        let i = a.index;
        quote!(#p::Arg { name: #n, index: #i })
    });
    let count = args.len();
    let last = args.len().saturating_sub(1);
    let mut extract = Vec::new();
    let mut checks = Vec::new();
    let mut docs = Vec::new();
    let mut names = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let var = format_ident!("__gwc_arg{}", i);
        let ty = &a.ty;
        let span = ty.span();
        if i == last {
            extract.push(quote_spanned! {span=>
                let #var = <#ty as #p::FromRequest<_>>::from_request(__gwc_req, &__GWC_ARGS[#i]).await?;
            });
            checks.push(quote_spanned!(span=> <#ty as #p::FromRequest<_>>::check(__gwc_app)?;));
            docs.push(quote_spanned!(span=> <#ty as #p::FromRequest<_>>::document(&__GWC_ARGS[#i], __gwc_op);));
        } else {
            extract.push(quote_spanned! {span=>
                let #var = <#ty as #p::FromRequestParts>::from_parts(&mut __gwc_req, &__GWC_ARGS[#i])?;
            });
            checks.push(quote_spanned!(span=> <#ty as #p::FromRequestParts>::check(__gwc_app)?;));
            docs.push(quote_spanned!(span=> <#ty as #p::FromRequestParts>::document(&__GWC_ARGS[#i], __gwc_op);));
        }
        names.push(var);
        // A `Query<T>` whose `T` has a JSON Schema: its fields are the query parameters the
        // document lists.
        docs.push(quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #p::{ViaNoQuerySchema as _, ViaQuerySchema as _};
                if let ::core::option::Option::Some(schema) =
                    (&#p::QueryProbe::<#ty>::NEW).gwc_query_schema()
                {
                    __gwc_op.query_schemas.push(schema);
                }
            }
        });
    }
    // The body type's JSON Schema (`Json<T>` with `T: JsonSchema`), for the OpenAPI document
    // and the validator; under `validate(body)` a `Json<T>` body must have one, checked with
    // the span of `T` so the error points at it.
    if let Some(a) = args.last() {
        let ty = &a.ty;
        let span = ty.span();
        docs.push(quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #p::{ViaJsonSchema as _, ViaNoSchema as _};
                __gwc_op.body_schema = (&#p::SchemaProbe::<#ty>::NEW).gwc_body_schema();
            }
        });
        if let (Some((true, _)), Some(inner)) = (attr.validate, json_body_type(ty)) {
            let span = inner.span();
            docs.push(quote_spanned!(span=> #p::body_has_schema::<#inner>();));
        }
    }
    // The return type's JSON Schema, for the document's `responses.200`: only for a type that
    // can be named here (not `impl Trait`, not the function's own generics).
    if let syn::ReturnType::Type(_, ret) = &func.sig.output
        && func.sig.generics.params.is_empty()
        && !mentions_impl_trait(ret)
    {
        let span = ret.span();
        docs.push(quote_spanned! {span=>
            {
                #[allow(unused_imports)]
                use #p::{
                    ViaJsonResponse as _, ViaNoResponseSchema as _, ViaPlainResponse as _,
                    ViaSerializeResultSchema as _, ViaSerializeSchema as _,
                };
                __gwc_op.response_schema =
                    (&&&&&#p::ResponseProbe::<#ret>::NEW).gwc_response_schema();
            }
        });
    }
    let req_binding = if args.len() > 1 {
        quote!(mut __gwc_req)
    } else if args.is_empty() {
        quote!(_)
    } else {
        quote!(__gwc_req)
    };
    let ret_span = match &func.sig.output {
        syn::ReturnType::Default => func.sig.ident.span(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    };
    let respond = quote_spanned! {ret_span=>
        (&&&#p::Responder::new(__gwc_out)).gwc_respond()
    };
    let doc = func
        .attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    let doc = doc.trim();
    let check_app = if checks.is_empty() {
        quote!(_)
    } else {
        quote!(__gwc_app)
    };
    let doc_op = if docs.is_empty() {
        quote!(_)
    } else {
        quote!(__gwc_op)
    };
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        #vis struct #ident {}

        const _: () = {
            static __GWC_ARGS: [#p::Arg; #count] = [#(#arg_table),*];

            fn __gwc_route() -> ::gwc_runtime::ir::Route {
                let mut route: ::gwc_runtime::ir::Route = #route_tokens;
                route.integration = ::gwc_runtime::ir::Integration::Rust(::gwc_runtime::ir::RustHandler {
                    handler: ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #name)),
                });
                route
            }

            fn __gwc_call<'a>(#req_binding: #p::Request<'a>) -> #p::HandlerFuture<'a> {
                ::std::boxed::Box::pin(async move {
                    #(#extract)*
                    let __gwc_out = #ident(#(#names),*).await;
                    #[allow(unused_imports)]
                    use #p::{ViaIntoResponse as _, ViaSerialize as _, ViaSerializeResult as _};
                    #respond
                })
            }

            fn __gwc_check(#check_app: &::gwc_runtime::handler::AppState) -> ::core::result::Result<(), ::std::string::String> {
                #(#checks)*
                ::core::result::Result::Ok(())
            }

            fn __gwc_document(#doc_op: &mut #p::OperationDoc) {
                #(#docs)*
            }

            #[#p::linkme::distributed_slice(#p::ROUTES)]
            #[linkme(crate = #p::linkme)]
            static __GWC_DEF: #p::RouteDef = #p::RouteDef {
                name: #name,
                authorizer: #authorizer,
                validate: #validate,
                module: ::core::module_path!(),
                method: #method_str,
                path: #path_str,
                route: __gwc_route,
                call: __gwc_call,
                check: __gwc_check,
                document: __gwc_document,
                doc: #doc,
            };

            impl #p::Handler for #ident {
                const DEF: &'static #p::RouteDef = &__GWC_DEF;
            }
        };
    }
}

#[cfg(test)]
mod tests;
