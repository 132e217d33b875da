//! The authorizer benchmark gateway: one proxied backend (`${stageVariables.backend}/hello`),
//! reached through five routes that differ only in their authorizer, so their throughput
//! ratios are the authorizers' cost:
//!
//! - `GET /none`: no authorizer (the baseline);
//! - `GET /jwt`: a JWT authorizer accepting RS256 and ES256 (keys from `${backend}/jwks`);
//! - `GET /iam`: SigV4 (`execute-api`, `eu-west-1`), the secret from `GWC_BENCH_IAM_SECRET`;
//! - `GET /custom`: a custom TOKEN authorizer at `${backend}/authorize`, answers cached 300 s.

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::{
    ApiKind, Authorizer, AuthorizerId, AuthorizerKind, CustomAuthorizer, Gateway, HttpProxy,
    IamAuthorizer, IamCredential, Integration, JwtAuthorizer, Method, Millis, PathTemplate,
    Route, RouteAuth, RoutePolicies, Secret, Stage, StageVariable, UriTemplate,
};

fn route(path: &str, authorizer: Option<u32>) -> Route {
    Route {
        id: format!("GET {path}").into(),
        method: Method::Get,
        path: PathTemplate::parse(path).expect("static template"),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse("${stageVariables.backend}/hello").expect("static template"),
        }),
        timeout: Millis(29_000),
        policies: RoutePolicies {
            auth: authorizer.map(|i| RouteAuth {
                authorizer: AuthorizerId(i),
                scopes: Vec::new(),
            }),
            ..RoutePolicies::default()
        },
        ..Route::default()
    }
}

fn gateway() -> Gateway {
    Gateway {
        name: "bench".into(),
        kind: ApiKind::Http,
        listen: "127.0.0.1:18084".into(),
        default_stage: "bench".into(),
        stages: vec![Stage {
            name: "bench".into(),
            variables: vec![StageVariable {
                name: "backend".into(),
                value: "http://127.0.0.1:18081".into(),
            }],
        }],
        authorizers: vec![
            Authorizer {
                name: "jwt".into(),
                kind: AuthorizerKind::Jwt(JwtAuthorizer {
                    issuer: "https://issuer.bench".into(),
                    audience: vec!["bench".into()],
                    jwks_uri: Some("${stageVariables.backend}/jwks".into()),
                    identity_sources: vec!["$request.header.Authorization".into()],
                    algorithms: vec!["RS256".into(), "ES256".into()],
                    leeway: Millis(60_000),
                    jwks_ttl: Millis(3_600_000),
                    token_use: None,
                    secret: None,
                }),
            },
            Authorizer {
                name: "iam".into(),
                kind: AuthorizerKind::Iam(IamAuthorizer {
                    region: "eu-west-1".into(),
                    service: "execute-api".into(),
                    max_skew: Millis(300_000),
                    credentials: vec![IamCredential {
                        access_key_id: "AKIDBENCH".into(),
                        secret: Secret::Env("GWC_BENCH_IAM_SECRET".into()),
                        allow: vec!["*".into()],
                        ..IamCredential::default()
                    }],
                }),
            },
            Authorizer {
                name: "custom".into(),
                kind: AuthorizerKind::Custom(CustomAuthorizer {
                    uri: UriTemplate::parse("${stageVariables.backend}/authorize")
                        .expect("static template"),
                    identity_sources: vec!["$request.header.Authorization".into()],
                    result_ttl: Millis(300_000),
                    timeout: Millis(2_000),
                    payload_v2: false,
                    simple_responses: false,
                    token_event: true,
                    identity_validation: None,
                    handler: None,
                }),
            },
        ],
        routes: vec![
            route("/none", None),
            route("/jwt", Some(0)),
            route("/iam", Some(1)),
            route("/custom", Some(2)),
        ],
        ..Gateway::default()
    }
}

fn main() -> std::process::ExitCode {
    gwc_runtime::main(gateway())
}
