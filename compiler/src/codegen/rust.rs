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
pub(super) fn gateway_rs(ir: &gwc_ir::Gateway, header: &str) -> String {
    let route_count = ir.routes.len();
    let module_doc = format!(
        " The `{}` gateway as Rust data: {route_count} route{}.",
        ir.name,
        if route_count == 1 { "" } else { "s" }
    );
    let prelude = gwc_ir::tokens::prelude();
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
    };
    format(header, &tokens)
}

/// `src/main.rs`: allocator, module and the runtime's entry point; everything else (flags,
/// environment, logging, signals) is the runtime's, so generated crates stay thin.
pub(super) fn main_rs(package: &str, header: &str) -> String {
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
            ::gwc_runtime::main(gateway::gateway())
        }
    };
    format(header, &tokens)
}
