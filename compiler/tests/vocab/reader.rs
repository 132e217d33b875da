//! The reader: every diagnostic kind as rendered text, several errors in one run, "did you
//! mean", "not supported yet", defaults and spans.

use expect_test::{Expect, expect};
use gwc::Diagnostics;
use gwc::source::SourceMap;
use gwc::vocab::{self, OperationExt, Root};

use super::yaml;

/// Reads the `x-gateway` of a YAML document; returns the value and the rendered findings.
fn root(text: &str) -> (Option<Root>, String) {
    let mut sources = SourceMap::new();
    let doc = yaml::parse(&mut sources, "spec.yaml", text);
    let mut diags = Diagnostics::new();
    let node = doc
        .get("x-gateway")
        .unwrap_or_else(|| panic!("no x-gateway in test"));
    let value = vocab::read_root(node, &mut diags);
    (value, diags.render(&sources, false))
}

/// Reads every `x-gateway*` key of the operation at `paths./p.get`.
fn operation(text: &str) -> (vocab::OperationExtensions, String) {
    let mut sources = SourceMap::new();
    let doc = yaml::parse(&mut sources, "spec.yaml", text);
    let mut diags = Diagnostics::new();
    let op = doc
        .get("paths")
        .and_then(|p| p.get("/p"))
        .and_then(|p| p.get("get"))
        .and_then(|o| o.as_map())
        .unwrap_or_else(|| panic!("no operation in test"));
    let value = vocab::read_operation(op, &mut diags);
    (value, diags.render(&sources, false))
}

// `expect![[…]]` is written inline at each call, so the snapshot helpers take it by value.
#[allow(clippy::needless_pass_by_value)]
fn check_root(text: &str, expect: Expect) {
    let (_, rendered) = root(text);
    expect.assert_eq(&rendered);
}

#[allow(clippy::needless_pass_by_value)]
fn check_operation(text: &str, expect: Expect) {
    let (_, rendered) = operation(text);
    expect.assert_eq(&rendered);
}

#[test]
fn petstore_reads_cleanly() {
    let text = include_str!("../../../specs/petstore/spec.yaml");
    let (value, rendered) = root(text);
    assert_eq!(rendered, "");
    let root = value.unwrap_or_else(|| panic!("petstore root not read"));
    assert_eq!(root.name.as_ref().map(|n| n.as_str()), Some("petstore"));
    assert_eq!(root.kind, vocab::ApiKind::Http);
    assert_eq!(root.endpoint.listen.0, "0.0.0.0:8080");
    let stages: Vec<&str> = root.stages.keys().map(|k| k.as_str()).collect();
    assert_eq!(stages, ["prod", "dev"]);
    assert_eq!(
        root.stages["dev"].variables["backend"],
        "http://127.0.0.1:9001"
    );
    assert_eq!(
        root.default_stage.as_ref().map(|s| s.as_str()),
        Some("prod")
    );
    assert_eq!(root.limits.max_body.bytes(), 10 << 20);
    assert_eq!(root.limits.integration_timeout.millis(), 29_000);
}

#[test]
fn defaults_match_the_ir_and_the_docs() {
    let (value, rendered) = root("x-gateway: {}\n");
    assert_eq!(rendered, "");
    let root = value.unwrap_or_else(|| panic!("empty root not read"));
    let ir = gwc_ir::Limits::default();
    assert_eq!(root.limits.max_body.0, ir.max_body);
    assert_eq!(root.limits.max_header.0, ir.max_header);
    assert_eq!(root.limits.header_read_timeout.0, ir.header_read_timeout);
    assert_eq!(root.limits.integration_timeout.0, ir.integration_timeout);
    assert_eq!(root.limits.idle_timeout.0, ir.idle_timeout);
    assert_eq!(root.limits.body_read_timeout.0, ir.body_read_timeout);
    assert_eq!(
        root.limits.underscores_in_headers,
        ir.underscores_in_headers
    );
    assert_eq!(root.kind, vocab::ApiKind::Http);
    assert_eq!(root.endpoint.endpoint_type, vocab::EndpointType::Regional);
    assert_eq!(root.endpoint.listen.0, "0.0.0.0:8080");
    assert!(root.stages.is_empty() && root.default_stage.is_none());
    assert!(root.state.backend.is_memory());
    assert_eq!(root.state.on_failure, vocab::FailMode::Closed);
    assert_eq!(root.api_key_source, vocab::ApiKeySource::Header);
    assert!(root.observability.access_log.enabled);
    assert_eq!(root.observability.metrics.path, "/metrics");
    assert!(!root.observability.tracing.enabled);
    // Defaults written by serde attributes equal the `Default` impls the lowering may use.
    assert_eq!(root.endpoint, vocab::Endpoint::default());
    assert_eq!(root.limits, vocab::Limits::default());
    assert_eq!(root.state, vocab::State::default());
    assert_eq!(root.observability, vocab::Observability::default());
}

#[test]
fn nested_defaults_are_filled() {
    let (ops, rendered) =
        operation("paths:\n  /p:\n    get:\n      x-gateway-integration: {type: mock}\n");
    assert_eq!(rendered, "");
    match ops.integration.map(|i| i.value) {
        Some(vocab::Integration::Mock(m)) => {
            assert_eq!(m.status.0, 200);
            assert!(m.headers.is_empty());
            assert_eq!(m.body, "");
        }
        other => panic!("expected a mock, got {other:?}"),
    }
}

#[test]
fn unknown_keys_everywhere_in_one_run() {
    check_root(
        r#"x-gateway:
  nmae: pets
  endpoint:
    type: regional
    listen: 0.0.0.0:8080
  stages:
    prod:
      varaibles: {backend: "http://127.0.0.1:9000"}
  limits:
    max_bdy: 1MiB
    completely_new: 1
"#,
        expect![[r#"
            gwc::lower::unknown_key

              × spec.yaml:2:3: unknown key `nmae` in `x-gateway`
               ╭─[spec.yaml:2:3]
             1 │ x-gateway:
             2 │   nmae: pets
               ·   ──┬─
               ·     ╰── not a known key
             3 │   endpoint:
               ╰────
              help: did you mean `name`?

            gwc::lower::unknown_key

              × spec.yaml:8:7: unknown key `varaibles` in `x-gateway.stages.prod`
               ╭─[spec.yaml:8:7]
             7 │     prod:
             8 │       varaibles: {backend: "http://127.0.0.1:9000"}
               ·       ────┬────
               ·           ╰── not a known key
             9 │   limits:
               ╰────
              help: did you mean `variables`?

            gwc::lower::unknown_key

              × spec.yaml:10:5: unknown key `max_bdy` in `x-gateway.limits`
                ╭─[spec.yaml:10:5]
              9 │   limits:
             10 │     max_bdy: 1MiB
                ·     ───┬───
                ·        ╰── not a known key
             11 │     completely_new: 1
                ╰────
              help: did you mean `max_body`?

            gwc::lower::unknown_key

              × spec.yaml:11:5: unknown key `completely_new` in `x-gateway.limits`
                ╭─[spec.yaml:11:5]
             10 │     max_bdy: 1MiB
             11 │     completely_new: 1
                ·     ───────┬──────
                ·            ╰── not a known key
                ╰────
              help: expected one of `max_body`, `max_header`, `header_read_timeout`, `body_read_timeout`,
                    `integration_timeout`, `idle_timeout`, `underscores_in_headers`
        "#]],
    );
}

#[test]
fn type_errors_in_several_blocks_and_in_one_block() {
    let (value, rendered) = root(
        r#"x-gateway:
  name: 42
  limits:
    max_body: 10 parsecs
    idle_timeout: 5 weeks
  endpoint: {listen: "8080"}
  stages:
    prod:
      variables: [backend]
"#,
    );
    assert!(value.is_none());
    expect![[r#"
        gwc::lower::invalid_type

          × spec.yaml:2:9: `x-gateway.name` must be a string, not a number
           ╭─[spec.yaml:2:9]
         1 │ x-gateway:
         2 │   name: 42
           ·         ─┬
           ·          ╰── expected a string
         3 │   limits:
           ╰────
          help: write it in quotes to make it text: `"42"`

        gwc::lower::invalid_value

          × spec.yaml:4:15: `x-gateway.limits.max_body`: invalid size: unknown unit `parsecs` in `10
          │ parsecs`; expected one of `B`, `KB`, `MB`, `GB`, `KiB`, `MiB`, `GiB`
           ╭─[spec.yaml:4:15]
         3 │   limits:
         4 │     max_body: 10 parsecs
           ·               ─────┬────
           ·                    ╰── invalid value
         5 │     idle_timeout: 5 weeks
           ╰────

        gwc::lower::invalid_value

          × spec.yaml:5:19: `x-gateway.limits.idle_timeout`: invalid duration: unknown unit `weeks` in `5
          │ weeks`; expected one of `ms`, `s`, `m`, `h`, `d`
           ╭─[spec.yaml:5:19]
         4 │     max_body: 10 parsecs
         5 │     idle_timeout: 5 weeks
           ·                   ───┬───
           ·                      ╰── invalid value
         6 │   endpoint: {listen: "8080"}
           ╰────

        gwc::lower::invalid_value

          × spec.yaml:6:22: `x-gateway.endpoint.listen`: `8080` has no host
           ╭─[spec.yaml:6:22]
         5 │     idle_timeout: 5 weeks
         6 │   endpoint: {listen: "8080"}
           ·                      ───┬──
           ·                         ╰── invalid value
         7 │   stages:
           ╰────
          help: write `0.0.0.0:8080` (every IPv4 interface), `[::]:8080` or `127.0.0.1:8080`

        gwc::lower::invalid_type

          × spec.yaml:9:18: `x-gateway.stages.prod.variables` must be a mapping, not a sequence
           ╭─[spec.yaml:9:18]
         8 │     prod:
         9 │       variables: [backend]
           ·                  ────┬────
           ·                      ╰── expected a mapping
           ╰────
    "#]].assert_eq(&rendered);
}

#[test]
fn missing_and_unknown_integration_type() {
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-integration: {uri: "http://b/p"}
      x-gateway-cache: {ttl: 5m, enabled: yes}
"#,
        expect![[r#"
            gwc::lower::missing_key

              × spec.yaml:4:7: `x-gateway-integration` is missing the required key `type`
               ╭─[spec.yaml:4:7]
             3 │     get:
             4 │       x-gateway-integration: {uri: "http://b/p"}
               ·       ──────────┬──────────
               ·                 ╰── `type` is required here
             5 │       x-gateway-cache: {ttl: 5m, enabled: yes}
               ╰────
              help: `type` is one of `http_proxy`, `http`, `mock`, `rust`

            gwc::lower::invalid_type

              × spec.yaml:5:43: `x-gateway-cache.enabled` must be a boolean, not a string
               ╭─[spec.yaml:5:43]
             4 │       x-gateway-integration: {uri: "http://b/p"}
             5 │       x-gateway-cache: {ttl: 5m, enabled: yes}
               ·                                           ─┬─
               ·                                            ╰── expected a boolean
               ╰────
              help: YAML 1.2 reads `yes` as a string; write `true`
        "#]],
    );
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-integration: {type: htpp_proxy, uri: "http://b/p"}
"#,
        expect![[r#"
            gwc::lower::invalid_value

              × spec.yaml:4:37: `x-gateway-integration.type`: unknown value `htpp_proxy`
               ╭─[spec.yaml:4:37]
             3 │     get:
             4 │       x-gateway-integration: {type: htpp_proxy, uri: "http://b/p"}
               ·                                     ─────┬────
               ·                                          ╰── invalid value
               ╰────
              help: did you mean `http_proxy`?
        "#]],
    );
}

#[test]
fn missing_required_key() {
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-integration:
        type: http_proxy
        timeout: 10s
"#,
        expect![[r#"
            gwc::lower::missing_key

              × spec.yaml:4:7: `x-gateway-integration` is missing the required key `uri`
               ╭─[spec.yaml:4:7]
             3 │     get:
             4 │       x-gateway-integration:
               ·       ──────────┬──────────
               ·                 ╰── `uri` is required here
             5 │         type: http_proxy
               ╰────
        "#]],
    );
}

#[test]
fn unknown_operation_keys() {
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-auht: {authorizer: staff}
      x-gateway-foo: 1
      x-gateway: {}
      x-other-vendor: fine
      x-gateway-integration: {type: mock, stauts: 201}
"#,
        expect![[r#"
            gwc::lower::unknown_key

              × spec.yaml:4:7: unknown key `x-gateway-auht` in an operation
               ╭─[spec.yaml:4:7]
             3 │     get:
             4 │       x-gateway-auht: {authorizer: staff}
               ·       ───────┬──────
               ·              ╰── not a known key
             5 │       x-gateway-foo: 1
               ╰────
              help: did you mean `x-gateway-auth`?

            gwc::lower::unknown_key

              × spec.yaml:5:7: unknown key `x-gateway-foo` in an operation
               ╭─[spec.yaml:5:7]
             4 │       x-gateway-auht: {authorizer: staff}
             5 │       x-gateway-foo: 1
               ·       ──────┬──────
               ·             ╰── not a known key
             6 │       x-gateway: {}
               ╰────
              help: expected one of `x-gateway-integration`, `x-gateway-auth`, `x-gateway-api-key`, `x-
                    gateway-throttle`, `x-gateway-cache`, `x-gateway-waf`, `x-gateway-validate`, `x-gateway-
                    cors`

            gwc::lower::unknown_key

              × spec.yaml:6:7: unknown key `x-gateway` in an operation
               ╭─[spec.yaml:6:7]
             5 │       x-gateway-foo: 1
             6 │       x-gateway: {}
               ·       ────┬────
               ·           ╰── not a known key
             7 │       x-other-vendor: fine
               ╰────
              help: `x-gateway` belongs at the document root

            gwc::lower::unknown_key

              × spec.yaml:8:43: unknown key `stauts` in `x-gateway-integration`
               ╭─[spec.yaml:8:43]
             7 │       x-other-vendor: fine
             8 │       x-gateway-integration: {type: mock, stauts: 201}
               ·                                           ───┬──
               ·                                              ╰── not a known key
               ╰────
              help: did you mean `status`?
        "#]],
    );
}

#[test]
fn not_supported_yet() {
    check_root(
        r#"x-gateway:
  name: pets
  authorizers:
    staff: {type: jwt, issuer: "https://id.example.com"}
  endpoint:
    listen: 0.0.0.0:8080
    tls: {cert: c.pem, key: k.pem}
  stages:
    prod:
      throttle: {rate: 10, burst: 20}
  state: {backend: "redis://127.0.0.1:6379"}
"#,
        expect![[r#"
            gwc::lower::not_supported

              × spec.yaml:7:5: `x-gateway.endpoint.tls` is not supported yet
               ╭─[spec.yaml:7:5]
             6 │     listen: 0.0.0.0:8080
             7 │     tls: {cert: c.pem, key: k.pem}
               ·     ─┬─
               ·      ╰── not implemented by the runtime yet
             8 │   stages:
               ╰────
              help: remove it for now; docs/extensions.md ("Support status") lists what the runtime implements
        "#]],
    );
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-integration: {type: rust, handler: "crate::h"}
      x-gateway-auth: {authorizer: staff}
      x-gateway-api-key: required
"#,
        expect![""],
    );
}

#[test]
fn bad_values() {
    check_root(
        r#"x-gateway:
  kind: graphql
  responses:
    INTEGRATION_TIMOUT: {status: 503}
    DEFAULT_5XX: {status: 700}
  state: {backend: "postgres://db"}
"#,
        expect![[r#"
            gwc::lower::invalid_value

              × spec.yaml:2:9: `x-gateway.kind`: unknown value `graphql`
               ╭─[spec.yaml:2:9]
             1 │ x-gateway:
             2 │   kind: graphql
               ·         ───┬───
               ·            ╰── invalid value
             3 │   responses:
               ╰────
              help: expected one of `http`, `rest`, `websocket`

            gwc::lower::invalid_value

              × spec.yaml:4:5: `x-gateway.responses`: unknown value `INTEGRATION_TIMOUT`
               ╭─[spec.yaml:4:5]
             3 │   responses:
             4 │     INTEGRATION_TIMOUT: {status: 503}
               ·     ─────────┬────────
               ·              ╰── invalid value
             5 │     DEFAULT_5XX: {status: 700}
               ╰────
              help: did you mean `INTEGRATION_TIMEOUT`?

            gwc::lower::invalid_value

              × spec.yaml:5:27: `x-gateway.responses.DEFAULT_5XX.status`: 700 is not an HTTP status code (100–
              │ 599)
               ╭─[spec.yaml:5:27]
             4 │     INTEGRATION_TIMOUT: {status: 503}
             5 │     DEFAULT_5XX: {status: 700}
               ·                           ─┬─
               ·                            ╰── invalid value
             6 │   state: {backend: "postgres://db"}
               ╰────

            gwc::lower::invalid_value

              × spec.yaml:6:20: `x-gateway.state.backend`: `postgres://db` is not a state backend: expected
              │ `memory` or a URL starting with `redis://` or `redis+cluster://`
               ╭─[spec.yaml:6:20]
             5 │     DEFAULT_5XX: {status: 700}
             6 │   state: {backend: "postgres://db"}
               ·                    ───────┬───────
               ·                           ╰── invalid value
               ╰────
        "#]],
    );
}

#[test]
fn references_keep_their_span() {
    let mut sources = SourceMap::new();
    let text = "paths:\n  /p:\n    get:\n      x-gateway-auth: {authorizer: staff, scopes: [a]}\n";
    let doc = yaml::parse(&mut sources, "spec.yaml", text);
    let entry = doc
        .get("paths")
        .and_then(|p| p.get("/p"))
        .and_then(|p| p.get("get"))
        .and_then(|o| o.entry("x-gateway-auth"))
        .unwrap_or_else(|| panic!("no auth"));
    let mut diags = Diagnostics::new();
    let ext = vocab::read_operation_ext(&entry.key, entry.key_span, &entry.value, &mut diags);
    let Some(OperationExt::Auth(auth)) = ext else {
        panic!("expected auth, got {ext:?}");
    };
    assert_eq!(auth.authorizer.value, "staff");
    assert_eq!(sources.snippet(auth.authorizer.span), "staff");
    assert_eq!(sources.location(auth.authorizer.span), "spec.yaml:4:36");
}

#[test]
fn not_a_mapping_at_all() {
    check_root(
        "x-gateway: [1, 2]\n",
        expect![[r#"
        gwc::lower::invalid_type

          × spec.yaml:1:12: `x-gateway` must be a mapping, not a sequence
           ╭─[spec.yaml:1:12]
         1 │ x-gateway: [1, 2]
           ·            ───┬──
           ·               ╰── expected a mapping
           ╰────
    "#]],
    );
    check_root(
        "x-gateway:\n  stages: prod\n",
        expect![[r#"
        gwc::lower::invalid_type

          × spec.yaml:2:11: `x-gateway.stages` must be a mapping, not a string
           ╭─[spec.yaml:2:11]
         1 │ x-gateway:
         2 │   stages: prod
           ·           ──┬─
           ·             ╰── expected a mapping
           ╰────
    "#]],
    );
}

#[test]
fn keys_in_the_wrong_place() {
    let text = r#"x-gatway: {name: pets}
x-gateway-integration: {type: mock}
x-gateway: {}
paths:
  /p:
    x-gateway-any-methods: {}
    x-gateway-auth: {authorizer: a}
    x-gateway-any-method: {}
"#;
    let mut sources = SourceMap::new();
    let doc = yaml::parse(&mut sources, "spec.yaml", text);
    let mut diags = Diagnostics::new();
    let mut belongs = Vec::new();
    for e in doc.as_map().unwrap_or_default() {
        if vocab::check_key_place(&e.key, e.key_span, vocab::KeyPlace::Document, &mut diags) {
            belongs.push(e.key.clone());
        }
    }
    let item = doc.get("paths").and_then(|p| p.get("/p"));
    for e in item.and_then(|i| i.as_map()).unwrap_or_default() {
        if vocab::check_key_place(&e.key, e.key_span, vocab::KeyPlace::PathItem, &mut diags) {
            belongs.push(e.key.clone());
        }
    }
    assert_eq!(belongs, ["x-gateway", "x-gateway-any-method"]);
    expect![[r#"
        gwc::lower::unknown_key

          ⚠ spec.yaml:1:1: `x-gatway` is not a gwc key and is ignored
           ╭─[spec.yaml:1:1]
         1 │ x-gatway: {name: pets}
           · ────┬───
           ·     ╰── ignored
         2 │ x-gateway-integration: {type: mock}
           ╰────
          help: did you mean `x-gateway`?

        gwc::lower::unknown_key

          × spec.yaml:2:1: unknown key `x-gateway-integration` in the document root
           ╭─[spec.yaml:2:1]
         1 │ x-gatway: {name: pets}
         2 │ x-gateway-integration: {type: mock}
           · ──────────┬──────────
           ·           ╰── not a known key
         3 │ x-gateway: {}
           ╰────
          help: `x-gateway-integration` belongs on an operation (under `get`, `post`, … or `x-gateway-any-
                method`)

        gwc::lower::unknown_key

          × spec.yaml:6:5: unknown key `x-gateway-any-methods` in a path item
           ╭─[spec.yaml:6:5]
         5 │   /p:
         6 │     x-gateway-any-methods: {}
           ·     ──────────┬──────────
           ·               ╰── not a known key
         7 │     x-gateway-auth: {authorizer: a}
           ╰────
          help: did you mean `x-gateway-any-method`?

        gwc::lower::unknown_key

          × spec.yaml:7:5: unknown key `x-gateway-auth` in a path item
           ╭─[spec.yaml:7:5]
         6 │     x-gateway-any-methods: {}
         7 │     x-gateway-auth: {authorizer: a}
           ·     ───────┬──────
           ·            ╰── not a known key
         8 │     x-gateway-any-method: {}
           ╰────
          help: `x-gateway-auth` belongs on an operation (under `get`, `post`, … or `x-gateway-any-
                method`)
    "#]].assert_eq(&diags.render(&sources, false));
}

#[test]
fn empty_yaml_value_is_null() {
    check_root(
        "x-gateway:\n  stages:\n    prod:\n",
        expect![[r#"
        gwc::lower::invalid_type

          × spec.yaml:3:9: `x-gateway.stages.prod` must be a mapping, not null
           ╭─[spec.yaml:3:9]
         2 │   stages:
         3 │     prod:
           ·         ▲
           ·         ╰── expected a mapping
           ╰────
          help: write `{}` for an empty mapping
    "#]],
    );
}

#[test]
fn mapping_where_a_word_is_expected() {
    check_operation(
        r#"paths:
  /p:
    get:
      x-gateway-api-key: {required: true}
"#,
        expect![[r#"
            gwc::lower::invalid_type

              × spec.yaml:4:26: `x-gateway-api-key` must be one of `required`, `not_required`, not a mapping
               ╭─[spec.yaml:4:26]
             3 │     get:
             4 │       x-gateway-api-key: {required: true}
               ·                          ────────┬───────
               ·                                  ╰── expected one of `required`, `not_required`
               ╰────
        "#]],
    );
}

#[test]
fn names_and_references_in_the_root_keep_their_spans() {
    let text = "x-gateway:\n  default_stage: prod\n  stages:\n    prod: {variables: {backend: \"http://b\"}}\n  responses:\n    DEFAULT_5XX: {status: 503}\n";
    let mut sources = SourceMap::new();
    let doc = yaml::parse(&mut sources, "spec.yaml", text);
    let mut diags = Diagnostics::new();
    let root = doc
        .get("x-gateway")
        .and_then(|n| vocab::read_root(n, &mut diags))
        .unwrap_or_else(|| panic!("not read: {}", diags.render(&sources, false)));
    let stage = root
        .stages
        .keys()
        .next()
        .unwrap_or_else(|| panic!("no stage"));
    assert_eq!(sources.location(stage.span), "spec.yaml:4:5");
    assert_eq!(sources.snippet(stage.span), "prod");
    let chosen = root
        .default_stage
        .as_ref()
        .unwrap_or_else(|| panic!("no default"));
    assert_eq!(sources.location(chosen.span), "spec.yaml:2:18");
    let variable = root.stages["prod"]
        .variables
        .keys()
        .next()
        .unwrap_or_else(|| panic!("no var"));
    assert_eq!(sources.snippet(variable.span), "backend");
    let (error_type, response) = root
        .responses
        .iter()
        .next()
        .unwrap_or_else(|| panic!("none"));
    assert_eq!(error_type.value.0, gwc_ir::ErrorType::Default5xx);
    assert_eq!(sources.snippet(error_type.span), "DEFAULT_5XX");
    assert_eq!(response.status.map(|s| s.0), Some(503));
}

/// Through the whole front end: `x-gateway*` keys at the document root and on path items are
/// checked too (misplaced or misspelt keys are not ignored).
#[test]
fn misplaced_keys_through_the_front_end() {
    let text = r#"openapi: 3.0.3
info: {title: Misplaced, version: 1.0.0}
servers: [{url: "http://127.0.0.1:9000"}]
x-gateway: {name: misplaced}
x-gateway-integration: {type: mock}
x-gatway: {}
paths:
  /p:
    x-gateway-auth: {authorizer: a}
    get:
      responses: {"200": {description: ok}}
"#;
    let dir = std::env::temp_dir().join(format!("gwc-vocab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let spec = dir.join("misplaced.yaml");
    std::fs::write(&spec, text).unwrap_or_else(|e| panic!("{e}"));
    let front = gwc::frontend(&spec);
    let _ = std::fs::remove_dir_all(&dir);
    let found: Vec<(gwc::Severity, String, Option<String>)> = front
        .diagnostics
        .iter()
        .filter(|d| d.code == vocab::codes::UNKNOWN_KEY)
        .map(|d| (d.severity, d.message.clone(), d.help.clone()))
        .collect();
    expect![[r#"
        [
            (
                Error,
                "unknown key `x-gateway-integration` in the document root",
                Some(
                    "`x-gateway-integration` belongs on an operation (under `get`, `post`, … or `x-gateway-any-method`)",
                ),
            ),
            (
                Warning,
                "`x-gatway` is not a gwc key and is ignored",
                Some(
                    "did you mean `x-gateway`?",
                ),
            ),
            (
                Error,
                "unknown key `x-gateway-auth` in a path item",
                Some(
                    "`x-gateway-auth` belongs on an operation (under `get`, `post`, … or `x-gateway-any-method`)",
                ),
            ),
        ]
    "#]].assert_debug_eq(&found);
}

#[test]
fn bare_numbers_for_units() {
    check_root(
        "x-gateway:\n  limits: {integration_timeout: 10, max_body: 1048576}\n",
        expect![[r#"
            gwc::lower::invalid_type

              × spec.yaml:2:33: `x-gateway.limits.integration_timeout` must be a duration such as `29s`,
              │ `250ms` or `5m`, not a number
               ╭─[spec.yaml:2:33]
             1 │ x-gateway:
             2 │   limits: {integration_timeout: 10, max_body: 1048576}
               ·                                 ─┬
               ·                                  ╰── expected a duration such as `29s`, `250ms` or `5m`
               ╰────
              help: add a unit: `10s` (or `10ms`, `10m`, …)

            gwc::lower::invalid_type

              × spec.yaml:2:47: `x-gateway.limits.max_body` must be a size such as `10MiB`, `16KiB` or `512B`,
              │ not a number
               ╭─[spec.yaml:2:47]
             1 │ x-gateway:
             2 │   limits: {integration_timeout: 10, max_body: 1048576}
               ·                                               ───┬───
               ·                                                  ╰── expected a size such as `10MiB`, `16KiB` or `512B`
               ╰────
              help: add a unit: `1048576B` (or `1048576KiB`, `1048576MiB`, …)
        "#]],
    );
}
