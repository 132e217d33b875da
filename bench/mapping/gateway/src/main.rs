//! The mapping benchmark gateway: one backend (`${stageVariables.backend}/orders`, nginx
//! answering a fixed JSON order) reached through two routes that differ only in the body
//! mapping, so their ratio is the mapping's cost:
//!
//! - `POST /proxy`: the request and the answer pass through untouched (the baseline);
//! - `POST /mapped`: AWS's non-proxy `http` integration: a request template reshapes the
//!   client's JSON order (renamed fields, a loop over its lines, an escaped string, the request
//!   id) and the default integration response's template reshapes the backend's answer.
//!
//! Templates are parsed here, at start-up, as `gwc serve` does; a generated crate carries them
//! parsed. Either way nothing is parsed per request but the bodies.

#[global_allocator]
static GLOBAL: ::gwc_runtime::__private::MiMalloc = ::gwc_runtime::__private::MiMalloc;

use gwc_runtime::ir::vtl::VtlTemplate;
use gwc_runtime::ir::{
    ApiKind, BodyMapping, ContentTemplate, Gateway, HttpProxy, Integration, IntegrationResponse,
    Method, Millis, Passthrough, PathTemplate, Route, Stage, StageVariable, UriTemplate,
};

/// The request template: the client's order in the backend's shape.
const REQUEST_TEMPLATE: &str = r#"#set($b = $input.path('$'))
{"customerId": "$b.customer", "lines": [#foreach($i in $b.items){"sku": "$i.sku", "qty": $i.quantity}#if($foreach.hasNext), #end#end], "note": "$util.escapeJavaScript($b.note)", "requestId": "$context.requestId"}"#;

/// The response template: the backend's answer in the client's shape.
const RESPONSE_TEMPLATE: &str = r#"#set($r = $input.path('$'))
{"id": "$r.orderId", "state": "$r.status.toLowerCase()", "lines": $r.lines.size()}"#;

fn route(path: &str, body_mapping: BodyMapping) -> Route {
    Route {
        id: format!("POST {path}").into(),
        method: Method::Post,
        path: PathTemplate::parse(path).expect("static template"),
        integration: Integration::HttpProxy(HttpProxy {
            uri: UriTemplate::parse("${stageVariables.backend}/orders").expect("static template"),
        }),
        timeout: Millis(29_000),
        body_mapping,
        ..Route::default()
    }
}

fn mapped() -> BodyMapping {
    let json = |source: &str| ContentTemplate {
        content_type: "application/json".into(),
        template: VtlTemplate::new(source.to_owned()),
    };
    BodyMapping {
        request_templates: vec![json(REQUEST_TEMPLATE)],
        passthrough: Passthrough::Never,
        responses: vec![IntegrationResponse {
            pattern: "default".into(),
            templates: vec![json(RESPONSE_TEMPLATE)],
            ..IntegrationResponse::default()
        }],
        content_handling: None,
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
        routes: vec![route("/proxy", BodyMapping::default()), route("/mapped", mapped())],
        ..Gateway::default()
    }
}

fn main() -> std::process::ExitCode {
    gwc_runtime::main(gateway())
}
