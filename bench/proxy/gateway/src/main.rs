//! The benchmark gateway: `GET /hello` (and any method on `/{proxy+}`) proxied to
//! `${stageVariables.backend}`, exactly as a generated crate would serve it.

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::{
    ApiKind, Gateway, HttpProxy, Integration, Method, Millis, PathTemplate, Route, Stage,
    StageVariable, UriTemplate,
};

fn route(method: Method, path: &str, uri: &str) -> Route {
    Route {
        id: format!("{} {path}", method.as_str()).into(),
        method,
        path: PathTemplate::parse(path).expect("static template"),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse(uri).expect("static template"),
        }),
        timeout: Millis(29_000),
        ..Route::default()
    }
}

fn gateway() -> Gateway {
    Gateway {
        name: "bench".into(),
        kind: ApiKind::Http,
        listen: "127.0.0.1:18083".into(),
        default_stage: "bench".into(),
        stages: vec![Stage {
            name: "bench".into(),
            variables: vec![StageVariable {
                name: "backend".into(),
                value: "http://127.0.0.1:18081".into(),
            }],
        }],
        routes: vec![
            route(Method::Get, "/hello", "${stageVariables.backend}/hello"),
            route(Method::Any, "/{proxy+}", "${stageVariables.backend}/{proxy}"),
        ],
        ..Gateway::default()
    }
}

fn main() -> std::process::ExitCode {
    gwc_runtime::main(gateway())
}
