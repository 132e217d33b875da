//! `#[gateway]`: declares an `async fn` as an in-process handler of the gateway, with its route
//! and gateway settings. Use it through `gwc_runtime::gateway`, where it is documented.
//!
//! The entry point only converts token streams; the expansion (`gateway::expand`) works on
//! `proc_macro2` and is unit-tested.

mod attr;
mod errors;
mod gateway;

use proc_macro::TokenStream;

/// See `gwc_runtime::gateway`.
#[proc_macro_attribute]
pub fn gateway(attr: TokenStream, item: TokenStream) -> TokenStream {
    let (mut out, errors) = gateway::expand(attr.into(), item.into());
    for e in errors {
        out.extend(e.to_compile_error());
    }
    out.into()
}
