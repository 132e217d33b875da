//! The benchmark handler gateway: `GET /hello` answered in-process by a `#[gateway]` handler
//! with the same 12-byte body the proxy benchmark's backend sends, served with no request
//! steps (the pipeline's bare cost plus the handler call).

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::{App, gateway};

#[gateway(GET, "/hello")]
async fn hello() -> &'static str {
    "Hello world!"
}

fn main() -> std::process::ExitCode {
    gwc_runtime::serve(App::new("bench-handler"))
}
