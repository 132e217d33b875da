//! The benchmark handler gateway: the same 12-byte answer from in-process `#[gateway]`
//! handlers, served Rust-first:
//!
//! - `GET /hello`: no request steps (the pipeline's bare cost plus the handler call), the
//!   route compared with bare axum (`bench/handler/axum`);
//! - `GET /hello-full`: the same handler behind a JWT authorizer (HS256, the secret from
//!   `GWC_BENCH_JWT_SECRET`) and a usage plan (API key from `GWC_BENCH_API_KEY`, a throttle
//!   far above the load), run with metrics on by `bench/handler/run`.

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::{
    ApiKey, Authorizer, AuthorizerKind, Gateway, JwtAuthorizer, Millis, Secret, Throttle,
    ThrottleScope, UsagePlan,
};
use gwc_runtime::{App, gateway};

#[gateway(GET, "/hello")]
async fn hello() -> &'static str {
    "Hello world!"
}

#[gateway(GET, "/hello-full", auth(authorizer = "jwt"))]
async fn hello_full() -> &'static str {
    "Hello world!"
}

fn settings() -> Gateway {
    Gateway {
        name: "bench-handler".into(),
        authorizers: vec![Authorizer {
            name: "jwt".into(),
            kind: AuthorizerKind::Jwt(JwtAuthorizer {
                issuer: "https://issuer.bench".into(),
                audience: vec!["bench".into()],
                identity_sources: vec!["$request.header.Authorization".into()],
                algorithms: vec!["HS256".into()],
                leeway: Millis(60_000),
                jwks_ttl: Millis(3_600_000),
                secret: Some(Secret::Env("GWC_BENCH_JWT_SECRET".into())),
                ..JwtAuthorizer::default()
            }),
        }],
        plans: vec![UsagePlan {
            name: "bench".into(),
            throttle: Some(Throttle {
                rate: 1_000_000.0,
                burst: 1_000_000,
                per: ThrottleScope::ApiKey,
            }),
            api_keys: vec![ApiKey {
                name: "bench".into(),
                value: Secret::Env("GWC_BENCH_API_KEY".into()),
                enabled: true,
            }],
            ..UsagePlan::default()
        }],
        ..Gateway::default()
    }
}

fn main() -> std::process::ExitCode {
    let app = App::new("bench-handler").with_settings(settings());
    let mut ir = app.ir();
    // The attribute's `api_key = required` is not accepted yet; the plan applies through the IR.
    for route in &mut ir.routes {
        if route.path.raw == "/hello-full" {
            route.policies.api_key_required = true;
        }
    }
    gwc_runtime::main_with_handlers(ir, app.handlers())
}
