//! No panic on any input: random trees built from vocabulary keys, junk keys and random
//! scalars go through every reader; whatever is rejected comes with an error, and every
//! finding renders.

use gwc::Diagnostics;
use gwc::load::{Entry, Node, Value};
use gwc::source::{FileId, SourceMap, Span};
use gwc::vocab;
use proptest::prelude::*;

/// Keys that occur somewhere in the vocabulary, plus near misses and junk.
const KEYS: &[&str] = &[
    "name",
    "kind",
    "endpoint",
    "type",
    "listen",
    "tls",
    "base_path",
    "default_stage",
    "stages",
    "variables",
    "limits",
    "max_body",
    "idle_timeout",
    "integration_timeout",
    "responses",
    "DEFAULT_5XX",
    "INTEGRATION_TIMEOUT",
    "status",
    "headers",
    "body",
    "authorizers",
    "issuer",
    "audience",
    "plans",
    "throttle",
    "rate",
    "burst",
    "quota",
    "limit",
    "period",
    "cache",
    "ttl",
    "key",
    "waf",
    "rules",
    "ip_sets",
    "scope",
    "action",
    "cors",
    "allow_origins",
    "websocket",
    "routes",
    "$connect",
    "integration",
    "state",
    "backend",
    "observability",
    "metrics",
    "uri",
    "timeout",
    "handler",
    "nmae",
    "stauts",
    "x",
    "",
    "\u{1F600}",
    "type\0",
    "prod",
];

/// Scalars that are valid somewhere, or nearly.
const STRINGS: &[&str] = &[
    "http",
    "rest",
    "regional",
    "http_proxy",
    "mock",
    "http",
    "rust",
    "jwt",
    "iam",
    "custom",
    "cognito",
    "29s",
    "10MiB",
    "5 weeks",
    "0.0.0.0:8080",
    "8080",
    "memory",
    "redis://r:1",
    "postgres://x",
    "day",
    "required",
    "sqli",
    "query",
    "block",
    "GET",
    "",
    "∞",
    "1.0",
    "2.0",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0i64),
            Just(200),
            Just(700),
            Just(-1),
            Just(i64::MAX),
            any::<i64>()
        ]
        .prop_map(Value::Int),
        prop_oneof![Just(0.5f64), Just(f64::NAN), Just(1e300)].prop_map(Value::Float),
        prop::sample::select(STRINGS).prop_map(|s| Value::Str(s.to_owned())),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                Value::Seq(
                    items
                        .into_iter()
                        .map(|v| Node {
                            value: v,
                            span: dummy(),
                        })
                        .collect(),
                )
            }),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                Value::Map(
                    entries
                        .into_iter()
                        .map(|(k, v)| Entry {
                            key: k.to_owned(),
                            key_span: dummy(),
                            value: Node {
                                value: v,
                                span: dummy(),
                            },
                        })
                        .collect(),
                )
            }),
        ]
    })
}

fn dummy() -> Span {
    Span::new(FileId(0), 0, 0)
}

/// Gives every node and key a distinct span inside a synthetic file, as the loader would.
fn number(node: &mut Node, next: &mut usize) {
    node.span = Span::new(FileId(0), *next, *next + 1);
    *next += 1;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| number(n, next)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span = Span::new(FileId(0), *next, *next + 1);
                *next += 1;
                number(&mut e.value, next);
            }
        }
        _ => {}
    }
}

fn run(value: Value) {
    let mut node = Node {
        value,
        span: dummy(),
    };
    let mut next = 0;
    number(&mut node, &mut next);
    let mut sources = SourceMap::new();
    sources.add(std::path::Path::new("fuzz.yaml"), "x".repeat(next + 1));

    let mut diags = Diagnostics::new();
    let root = vocab::read_root(&node, &mut diags);
    if root.is_none() {
        assert!(diags.has_errors(), "rejected without an error");
    }
    for key in vocab::OPERATION_KEYS
        .iter()
        .chain(["x-gateway-nope"].iter())
    {
        let mut op_diags = Diagnostics::new();
        let ext = vocab::read_operation_ext(key, node.span, &node, &mut op_diags);
        if ext.is_none() {
            assert!(op_diags.has_errors(), "{key} rejected without an error");
        }
        diags.extend(op_diags.into_vec());
    }
    let _ = diags.render(&sources, false);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(value in tree()) {
        run(value);
    }
}

/// Thousands of bad entries: bounded work and a note instead of thousands of re-reads.
#[test]
fn many_errors_stop_early() {
    let mut text = String::from("x-gateway:\n  stages:\n    prod:\n      variables:\n");
    for i in 0..3000 {
        text.push_str(&format!("        v{i}: [{i}]\n"));
    }
    let mut sources = SourceMap::new();
    let doc = super::yaml::parse(&mut sources, "many.yaml", &text);
    let mut diags = Diagnostics::new();
    let started = std::time::Instant::now();
    let root = doc
        .get("x-gateway")
        .and_then(|n| vocab::read_root(n, &mut diags));
    assert!(root.is_none());
    assert_eq!(diags.count(gwc::Severity::Error), 100);
    assert!(
        diags
            .iter()
            .any(|d| d.code == vocab::codes::TOO_MANY_ERRORS)
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}
