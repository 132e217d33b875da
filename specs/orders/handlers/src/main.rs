//! The orders service, Rust-first: every `#[gateway]` handler of `orders_handlers`, served
//! with the runtime's flags (`--listen`, `--admin-listen`, `--stage`, …); `--print-openapi`
//! prints the OpenAPI document with its `x-gateway` extensions.

use std::process::ExitCode;

use gwc_runtime::App;
use orders_handlers::Store;

// Every generated gateway uses mimalloc too.
#[global_allocator]
static GLOBAL: gwc_runtime::__private::MiMalloc = gwc_runtime::__private::MiMalloc;

fn main() -> ExitCode {
    gwc_runtime::serve(App::new("orders").version("1.0.0").state(Store::default()))
}
