//! The usage-plan benchmark gateway: one proxied backend (`${stageVariables.backend}/hello`)
//! reached through three routes that differ only in what stands before it, so their
//! throughput ratios are those steps' cost:
//!
//! - `GET /none`: nothing (the baseline, a bare proxy route);
//! - `GET /plan`: an API key (`x-api-key`, the value from `GWC_BENCH_KEY`) and its usage
//!   plan's throttle (a million a second, never empty: the check is measured, not refusals),
//!   counted in the state the process was started with (`--state memory` or a Redis URL);
//! - `GET /cached`: the response cache, 300 s (after the first request every request is a hit).

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::{
    ApiKey, ApiKind, ByteSize, CachePolicy, CacheSettings, Gateway, HttpProxy, Integration,
    Method, Millis, PathTemplate, Route, RoutePolicies, Secret, Stage, StageVariable, Throttle,
    ThrottleScope, UriTemplate, UsagePlan,
};

fn route(path: &str, policies: RoutePolicies) -> Route {
    Route {
        id: format!("GET {path}").into(),
        method: Method::Get,
        path: PathTemplate::parse(path).expect("static template"),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse("${stageVariables.backend}/hello").expect("static template"),
        }),
        timeout: Millis(29_000),
        policies,
        ..Route::default()
    }
}

fn gateway() -> Gateway {
    Gateway {
        name: "bench".into(),
        kind: ApiKind::Rest,
        listen: "127.0.0.1:18084".into(),
        default_stage: "bench".into(),
        stages: vec![Stage {
            name: "bench".into(),
            variables: vec![StageVariable {
                name: "backend".into(),
                value: "http://127.0.0.1:18081".into(),
            }],
        }],
        plans: vec![UsagePlan {
            name: "bench".into(),
            throttle: Some(Throttle {
                rate: 1_000_000.0,
                burst: 1_000_000,
                per: ThrottleScope::ApiKey,
            }),
            api_keys: vec![ApiKey {
                name: "bench-key".into(),
                value: Secret::Env("GWC_BENCH_KEY".into()),
                enabled: true,
            }],
            ..UsagePlan::default()
        }],
        cache: Some(CacheSettings {
            capacity: ByteSize(16 << 20),
            max_entry: ByteSize(64 << 10),
            ..CacheSettings::default()
        }),
        routes: vec![
            route("/none", RoutePolicies::default()),
            route(
                "/plan",
                RoutePolicies {
                    api_key_required: true,
                    ..RoutePolicies::default()
                },
            ),
            route(
                "/cached",
                RoutePolicies {
                    cache: Some(CachePolicy {
                        ttl: Millis(300_000),
                        ..CachePolicy::default()
                    }),
                    ..RoutePolicies::default()
                },
            ),
        ],
        ..Gateway::default()
    }
}

fn main() -> std::process::ExitCode {
    gwc_runtime::main(gateway())
}
