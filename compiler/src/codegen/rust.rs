//! The generated crate's Rust modules: `quote!` for structure, the IR's `ToTokens` for data,
//! prettyplease for layout.
//!
//! Building a `syn::File` before printing proves the output is syntactically valid Rust; the
//! `examples_fresh` tests prove it compiles and is clippy-clean.

use proc_macro2::TokenStream;
use quote::quote;

/// Formats a module. `tokens` always parses, because it comes from `quote!` and literal
/// constructors; should a gwc bug ever break that, the unformatted tokens are still valid input
/// for rustc, which will point at the problem, so no panic is needed here.
fn format(header: &str, tokens: &TokenStream) -> String {
    let body = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => format!("{tokens}\n"),
    };
    format!("// {header}\n\n{body}")
}

/// `src/gateway.rs`: the IR as one Rust expression.
pub(super) fn gateway_rs(
    ir: &gwc_ir::Gateway,
    header: &str,
    handlers: Option<&super::HandlerSettings>,
) -> String {
    let route_count = ir.routes.len();
    let module_doc = format!(
        " The `{}` gateway as Rust data: {route_count} route{}.",
        ir.name,
        if route_count == 1 { "" } else { "s" }
    );
    let prelude = gwc_ir::tokens::prelude();
    let handlers = handlers
        .map(|h| handlers_tokens(ir, &h.state, h.models.as_ref()))
        .unwrap_or_default();
    let tokens = quote! {
        #![doc = #module_doc]
        #![doc = ""]
        //! Built once at start-up: no spec is read or parsed when the gateway starts.

        #prelude

        /// The gateway IR, handed to `gwc_runtime::main` by `main.rs`. Strings are borrowed
        /// literals, so building it allocates only the vectors.
        pub fn gateway() -> ir::Gateway {
            #ir
        }

        #handlers
    };
    format(header, &tokens)
}

/// The handler table of a spec-first gateway: each handler the spec names, reached by its
/// path (a missing handler is a compile error at that path; a function without `#[gateway]`
/// one that says so), with a compile-time check that its attribute's method and path are the
/// spec's, plus the state functions' values.
fn handlers_tokens(
    ir: &gwc_ir::Gateway,
    state: &[String],
    models: Option<&super::ModelChecks>,
) -> TokenStream {
    let mut routes = Vec::new();
    let mut asserts = Vec::new();
    let mut signatures = Vec::new();
    let module = models.and_then(|m| syn::parse_str::<syn::Path>(&m.module).ok());
    for route in &ir.routes {
        let gwc_ir::Integration::Rust(r) = &route.integration else {
            continue;
        };
        let Ok(path) = syn::parse_str::<syn::Path>(&r.handler) else {
            continue;
        };
        let method = route.method.as_str();
        let template = route.path.raw.as_ref();
        routes.push(quote! {
            .route(<#path as ::gwc_runtime::__private::Handler>::DEF)
        });
        asserts.push(quote! {
            ::gwc_runtime::__private::assert_route(
                <#path as ::gwc_runtime::__private::Handler>::DEF, #method, #template,
            );
        });
        let op = models.and_then(|m| m.operations.iter().find(|o| o.id == route.id.as_ref()));
        if let (Some(module), Some(op)) = (&module, op) {
            let model = |name: &str| {
                let ident = quote::format_ident!("{}", name);
                quote!(#module::#ident)
            };
            if let Some(req) = op.request.as_deref() {
                let ty = model(req);
                signatures.push(quote! {
                    ::gwc_runtime::__private::expect_request::<#ty, _, _>(#path);
                });
            }
            if let Some(resp) = op.response.as_deref() {
                let ty = model(resp);
                signatures.push(quote! {
                    ::gwc_runtime::__private::expect_response::<#ty, _, _>(#path);
                });
            }
        }
    }
    let signatures = if signatures.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            // Each handler reads and answers the spec's typed models (never called: rustc
            // checks the types).
            #[allow(dead_code)]
            fn signatures() {
                #(#signatures)*
            }
        }
    };
    // Custom authorizers whose `handler` is a Rust function, reached by its path (a missing
    // one is a compile error there, a function without `#[gateway(authorizer = …)]` one that
    // says so).
    for a in &ir.authorizers {
        if let gwc_ir::AuthorizerKind::Custom(c) = &a.kind
            && let Some(handler) = &c.handler
            && let Ok(path) = syn::parse_str::<syn::Path>(handler)
        {
            routes.push(quote! {
                .authorizer(<#path as ::gwc_runtime::__private::AuthorizerHandler>::DEF)
            });
        }
    }
    if routes.is_empty() {
        return TokenStream::new();
    }
    let states = state
        .iter()
        .filter_map(|s| syn::parse_str::<syn::Path>(s).ok())
        .map(|f| quote!(.state(#f())));
    quote! {
        /// The Rust handlers (and authorizers) this spec names, and the state they are given.
        pub fn handlers() -> ::gwc_runtime::handler::Handlers {
            ::gwc_runtime::handler::Handlers::new()
                #(#routes)*
                #(#states)*
        }

        // Each handler's `#[gateway]` method and path must be the spec's.
        const _: () = {
            #(#asserts)*
        };

        #signatures
    }
}

/// `src/main.rs`: allocator, module and the runtime's entry point; everything else (flags,
/// environment, logging, signals) is the runtime's, so generated crates stay thin.
pub(super) fn main_rs(package: &str, header: &str, has_handlers: bool) -> String {
    let call = if has_handlers {
        quote!(::gwc_runtime::main_with_handlers(
            gateway::gateway(),
            &gateway::handlers()
        ))
    } else {
        quote!(::gwc_runtime::main(gateway::gateway()))
    };
    let module_doc = format!(" The `{package}` gateway binary.");
    let tokens = quote! {
        #![doc = #module_doc]
        #![doc = ""]
        //! Deployment settings (listen address, stage, base path, state backend, log format,
        //! worker threads) come from flags and `GWC_*` environment variables: run with `--help`.

        /// The gateway as data. Laid out by prettyplease, one value per line; rustfmt would
        /// reflow it for no reader's benefit, so `cargo fmt` skips it and stays a no-op.
        #[rustfmt::skip]
        mod gateway;

        /// mimalloc: measurably faster than the system allocator on the proxy hot path.
        #[global_allocator]
        static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

        fn main() -> ::std::process::ExitCode {
            #call
        }
    };
    format(header, &tokens)
}
