//! The orders service, Rust-first: every `#[gateway]` handler of `orders_handlers`, served
//! with the runtime's flags (`--listen`, `--admin-listen`, `--stage`, …); `--print-openapi`
//! prints the OpenAPI document with its `x-gateway` extensions.
//!
//! The partners' routes need an API key of the `partners` usage plan: its key `partner-1` is
//! the value of the environment variable `ORDERS_PARTNER_KEY` (20 to 128 characters); without
//! it the plan has no key and those routes refuse every request. `--print-openapi` writes the
//! plan as `x-gateway.plans.partners` (the key by its variable's name, never its value).

use std::process::ExitCode;

use gwc_runtime::App;
use gwc_runtime::ir::{ApiKey, Quota, QuotaPeriod, Secret, Throttle, ThrottleScope, UsagePlan};
use orders_handlers::{Calls, Store};

// Every generated gateway uses mimalloc too.
#[global_allocator]
static GLOBAL: gwc_runtime::__private::MiMalloc = gwc_runtime::__private::MiMalloc;

fn main() -> ExitCode {
    let api_keys = match std::env::var_os("ORDERS_PARTNER_KEY") {
        Some(_) => vec![ApiKey {
            name: "partner-1".into(),
            value: Secret::Env("ORDERS_PARTNER_KEY".into()),
            enabled: true,
        }],
        None => Vec::new(),
    };
    let app = App::new("orders")
        .version("1.0.0")
        .state(Store::default())
        .state(Calls::default())
        .plan(UsagePlan {
            name: "partners".into(),
            // Each partner key: 20 requests at once, 10 a second after that, 10,000 a day.
            throttle: Some(Throttle {
                rate: 10.0,
                burst: 20,
                per: ThrottleScope::ApiKey,
            }),
            quota: Some(Quota {
                limit: 10_000,
                period: QuotaPeriod::Day,
                offset: 0,
            }),
            api_keys,
            ..UsagePlan::default()
        });
    gwc_runtime::serve(app)
}
