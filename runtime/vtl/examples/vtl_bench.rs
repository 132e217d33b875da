//! VTL evaluation cost per template, for `callgrind` (instruction counts are steady on a
//! shared, noisy machine where wall time is not).
//!
//! `vtl_bench N` parses each template once and renders it `N` times. The cost of one render
//! is `(Ir(N) - Ir(0)) / N`, both runs measured in the same session; the `text` template is
//! the baseline the others are given as a ratio of (see BENCHMARKS.md, "VTL evaluation").
//!
//! ```sh
//! cargo build --release -p gwc-vtl --example vtl_bench
//! for n in 0 1000; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!   target/release/examples/vtl_bench $n 2>&1 | grep 'Collected'; done
//! ```

use gwc_vtl::{self as vtl, Env, Limits, Value};

/// The templates measured: AWS documentation shapes (passthrough, a reshaped body, a loop).
const TEMPLATES: &[(&str, &str)] = &[
    ("text", r#"{"static": true}"#),
    (
        "reshape",
        r#"#set($b = $input.path('$'))
{"product": "$input.params('sku')", "units": $b.quantity, "tenant": "$util.escapeJavaScript($input.params('x-tenant'))"}"#,
    ),
    (
        "passthrough",
        r##"#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
},
"context" : {
    "http-method" : "$context.httpMethod",
    "request-id" : "$context.requestId",
    "resource-path" : "$context.resourcePath"
}
}"##,
    ),
    (
        "loop",
        r#"{"items": [#foreach($i in $input.path('$.items'))
{"id": "$i.id", "name": "$i.name.toUpperCase()"}#if($foreach.hasNext),#end
#end]}"#,
    ),
];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let only = std::env::args().nth(2);
    let items: Vec<String> = (0..20)
        .map(|i| format!(r#"{{"id": "{i}", "name": "item {i}"}}"#))
        .collect();
    let env = Env {
        body: format!(r#"{{"quantity": 3, "items": [{}]}}"#, items.join(",")),
        path: vec![("sku".into(), "tea-01".into())],
        querystring: vec![("page".into(), "2".into())],
        header: vec![
            ("x-tenant".into(), "o'brien".into()),
            ("content-type".into(), "application/json".into()),
        ],
        context: Value::map([
            ("httpMethod", Value::str("POST")),
            ("requestId", Value::str("req-1")),
            ("resourcePath", Value::str("/quotes/{sku}")),
        ]),
        stage_variables: Value::map([("backend", Value::str("http://127.0.0.1:9000"))]),
    };
    let mut total = 0usize;
    for (name, source) in TEMPLATES {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let template = vtl::parse(source).expect("benchmark templates parse");
        for _ in 0..n {
            let out = template
                .render(std::hint::black_box(&env), Limits::default())
                .expect("benchmark templates render");
            total += out.body.len();
        }
    }
    println!("{total}");
}
