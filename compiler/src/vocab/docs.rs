//! The reference page `docs/extensions.md`, generated so that it cannot drift from the code.
//!
//! The key tables come from the JSON Schema ([`super::schema::json_schema`]), which schemars
//! builds from the Rust types and their doc comments; the support table from
//! [`super::support::SUPPORTED`]; the diagnostic codes from [`super::codes::ALL`]. The prose
//! sections are templates written here, and the examples ([`EXAMPLES`]) are checked by a test
//! to read without errors, so the page shows only specs that work.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::ERROR_TYPE_NAMES;
use super::codes;
use super::support::SUPPORTED;

/// One example per area: a title and a YAML fragment of an OpenAPI document.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Endpoint, stages and limits",
        r#"x-gateway:
  name: pets
  kind: http
  endpoint: {type: regional, listen: 0.0.0.0:8080}
  base_path: /prod
  default_stage: prod
  stages:
    prod: {variables: {backend: "http://10.0.0.5:9000"}}
    dev: {variables: {backend: "http://127.0.0.1:9000"}}
  limits: {max_body: 10MiB, max_header: 16KiB, header_read_timeout: 10s, integration_timeout: 29s, idle_timeout: 60s}
"#,
    ),
    (
        "Gateway responses",
        r#"x-gateway:
  responses:
    INTEGRATION_TIMEOUT:
      status: 503
      headers: {retry-after: "5"}
      body: '{"error": "$context.error.message", "request": "$context.requestId"}'
    DEFAULT_4XX:
      headers: {access-control-allow-origin: "*"}
"#,
    ),
    (
        "Integrations",
        r#"paths:
  /pets/{id}:
    get:
      x-gateway-integration: {type: http_proxy, uri: "${stageVariables.backend}/pets/{id}", timeout: 10s}
    put:
      x-gateway-integration:
        type: http
        uri: "${stageVariables.backend}/v2/pets/{id}"
        method: POST
        request:
          headers: {x-tenant: "$request.header.x-tenant-id"}
          templates: {application/json: '{"pet": $input.json(''$'')}'}
        responses:
          "2\\d{2}": {status: 200}
          default: {status: 502}
    delete:
      x-gateway-integration: {type: rust, handler: "crate::handlers::delete_pet"}
  /status:
    get:
      x-gateway-integration: {type: mock, status: 200, headers: {content-type: application/json}, body: '{"ok": true}'}
  /files/{proxy+}:
    x-gateway-any-method:
      x-gateway-integration: {type: http_proxy, uri: "${stageVariables.backend}/files/{proxy}"}
"#,
    ),
    (
        "Authorizers",
        r#"x-gateway:
  authorizers:
    staff: {type: jwt, issuer: "https://id.example.com", audience: [pets-api]}
    pool: {type: cognito, user_pool_id: eu-west-1_AbCdEfGhI, client_ids: [3n4b5urk1ft4fl3mg5e62d9ado]}
    signed: {type: iam, region: eu-west-1, credentials: {AKIDEXAMPLE: {secret_env: PETS_SECRET_KEY}}}
    legacy: {type: custom, uri: "http://127.0.0.1:7000/authorize", result_ttl: 60s, payload_format: "1.0"}
  auth: {authorizer: staff}
paths:
  /pets:
    get:
      x-gateway-auth: {authorizer: staff, scopes: ["pets:read"]}
  /health:
    get:
      x-gateway-auth: {authorizer: none}
"#,
    ),
    (
        "API keys, usage plans and throttling",
        r#"x-gateway:
  api_key_source: header
  throttle: {rate: 1000, burst: 2000}
  stages:
    prod: {throttle: {rate: 100, burst: 200}}
  plans:
    basic:
      throttle: {rate: 10, burst: 20}
      quota: {limit: 1000, period: day}
      route_throttles: {"POST /pets": {rate: 1, burst: 2}}
      api_keys:
        - {name: partner-a, value_env: PARTNER_A_KEY}
paths:
  /pets:
    post:
      x-gateway-api-key: required
      x-gateway-throttle: {rate: 5, burst: 5, per: ip}
"#,
    ),
    (
        "Cache",
        r#"x-gateway:
  cache: {capacity: 256MiB, ttl: 5m, key: [header.Accept-Language]}
paths:
  /pets/{id}:
    get:
      x-gateway-cache: {ttl: 60s, key: [path.id, query.lang]}
  /pets/{id}/live:
    get:
      x-gateway-cache: {enabled: false}
"#,
    ),
    (
        "WAF",
        r#"x-gateway:
  waf:
    default_action: allow
    body_inspection_limit: 16KiB
    trusted_proxies: [10.0.0.0/8]
    geo_database: GeoLite2-Country.mmdb
    ip_sets: {blocked: [203.0.113.0/24, "2001:db8::/32"]}
    rules:
      - {type: ip_set, ip_set: blocked, priority: 1}
      - {type: geo, countries: [DE, FR, NL], matching: not_in}
      - {type: managed, group: core, overrides: {SizeRestrictions_BODY: count, NoUserAgent_HEADER: "off"}}
      - {type: managed, group: sql_database}
      - {type: xss, action: count}
      - type: and
        name: scripted_clients
        statements:
          - {type: regex_match, field: "header:user-agent", transformations: [lowercase], pattern: "^(curl|python-requests)/"}
          - {type: not, statement: {type: byte_match, field: path, positional: starts_with, value: /public/}}
        response: {status: 429, headers: {retry-after: "60"}, body: '{"message":"slow down"}'}
      - {type: size_constraint, field: body, comparison: gt, size: 8KiB, oversize: match}
      - {type: rate_based, limit: 2000, window: 5m}
paths:
  /search:
    get:
      x-gateway-waf: {rules: [{type: rate_based, limit: 100, window: 1m, key: "header:x-tenant"}]}
"#,
    ),
    (
        "CORS and request validation",
        r#"x-gateway:
  cors: {allow_origins: ["https://app.example.com"], allow_headers: [content-type, authorization], max_age: 10m}
  request_validators:
    all: {body: true, parameters: true}
    params: {parameters: true}
  default_request_validator: params
paths:
  /pets:
    post:
      x-gateway-validate: {validator: all}
      x-gateway-cors: {allow_origins: ["*"]}
"#,
    ),
    (
        "WebSocket",
        r#"x-gateway:
  kind: websocket
  websocket:
    route_selection: $request.body.action
    routes:
      $connect:
        integration: {type: http_proxy, uri: "http://127.0.0.1:9000/connect"}
        auth: {authorizer: staff}
      $default:
        integration: {type: http_proxy, uri: "http://127.0.0.1:9000/message"}
      sendmessage:
        integration: {type: rust, handler: "crate::chat::send"}
        respond: true
    management: {listen: 127.0.0.1:9100, authorizer: signed}
"#,
    ),
    (
        "State and observability",
        r#"x-gateway:
  state: {backend: "redis://127.0.0.1:6379", on_failure: open}
  observability:
    access_log: {format: clf, destination: stderr}
    metrics: {path: /metrics}
    tracing: {enabled: true, otlp_endpoint: "http://127.0.0.1:4318", sample_ratio: 0.05}
"#,
    ),
];

const INTRO: &str = r#"# The `x-gateway` vocabulary

<!-- Generated from compiler/src/vocab by `cargo test -p gwc` (tests/vocab/files.rs); do not edit by hand. -->

gwc reads an OpenAPI document (3.0, 3.1 or Swagger 2.0) and the `x-gateway` extensions in it.
This page lists every key: its type, its default and what it does.
It is generated from the Rust types in `compiler/src/vocab`, as is the JSON Schema `docs/x-gateway.schema.json`, which editors can use to complete and check these keys.

## Where the keys go

- **`x-gateway`** at the document root holds API-wide settings: name, endpoint, stages and variables, limits, gateway responses, authorizers, API keys and usage plans, throttling, cache, WAF, CORS, request validators, WebSocket routes, state backend and observability.
- **`x-gateway-<area>`** keys on an operation object (beside `operationId`, `parameters`, …) hold what varies by route: `x-gateway-integration`, `x-gateway-auth`, `x-gateway-api-key`, `x-gateway-throttle`, `x-gateway-cache`, `x-gateway-waf`, `x-gateway-validate`, `x-gateway-cors`.
- **`x-gateway-any-method`** on a path item (beside `get`, `post`, …) is an operation object served for GET, PUT, POST, DELETE, OPTIONS, HEAD and PATCH where the path item does not bind them explicitly (AWS's `ANY`: TRACE only when bound explicitly, CONNECT and other methods never). AWS's `x-amazon-apigateway-any-method` is read the same way.

Keys are `snake_case`.
An unknown key anywhere inside an `x-gateway*` value is an error (`gwc::lower::unknown_key`) with a "did you mean" hint, and every such key is reported in one run.
A key the vocabulary has but the runtime does not implement yet is an error too (`gwc::lower::not_supported`, see "Support status"): gwc never ignores a setting silently.

## A spec without `x-gateway`

A document with no `x-gateway` key and no `x-gateway-*` keys at all is valid.
It means:

- `kind: http`, a regional endpoint listening on `0.0.0.0:8080`, the default `limits`, no base path;
- a single stage named `default`, without variables;
- the gateway's name is `info.title` in lower case, with every run of characters other than ASCII letters and digits turned into `-` (at most 48 characters; `api-` in front when it would not start with a letter; `gateway` when nothing is left);
- every operation is an `http_proxy` integration to `servers[0].url` followed by the operation's path template, e.g. `http://api.example.com/v1/pets/{id}` for `GET /pets/{id}` with `servers: [{url: http://api.example.com/v1}]`; `x-gateway-any-method` and AWS's any-method likewise;
- no authorization, API keys, throttling, cache, WAF, CORS or validation.

With no `servers`, or when `servers[0].url` is not an absolute `http://` or `https://` URL (a relative URL, say), there is no backend to proxy to: `gwc check` warns (and `gwc routes` still shows where each route would go), while `gwc build` and `gwc serve` fail with an error.
An operation that has its own `x-gateway-integration` uses it; `servers[0]` is only the default.

## Durations and sizes

Durations and sizes are strings, written as people write them:

| kind | syntax | examples |
| --- | --- | --- |
| duration | a whole number and one of `ms`, `s`, `m`, `h`, `d`; a bare number means seconds | `250ms`, `29s`, `5m`, `1h` |
| size | a whole number and one of `B`, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers of 1024); a bare number means bytes | `512`, `16KiB`, `10MiB`, `1GB` |

Write them as strings in JSON (`"29s"`); YAML needs no quotes.
Spaces between the number and the unit are allowed (`10 MiB`).
A number without a unit must still be a string (`"10"`): an unquoted YAML number is an error, whose help line suggests the unit to add.

## Editor support

`docs/x-gateway.schema.json` describes the `x-gateway` keys of a whole OpenAPI document (and leaves OpenAPI's own keys alone), so an editor can complete and check them while you type.
With the YAML language server, put this line at the top of a spec (the path is relative to the spec):

```yaml
# yaml-language-server: $schema=../../docs/x-gateway.schema.json
```

Each type is also a `$defs` entry (`#/$defs/Root`, `#/$defs/Integration`, …) for tools that check one block at a time.
The schema checks shapes and spellings; `gwc check` checks the same and more (references between blocks, path templates, what the runtime supports).
"#;

/// How usage plans, keys and limits combine: what the key tables alone cannot say.
const PLANS: &str = r#"
## API keys, usage plans and throttling

- **Which key.** With `api_key_source: header` (the default) the key is the value of the `x-api-key` request header; `api_key_header` names another header (AWS's is fixed).
  With `api_key_source: authorizer` it is the `usageIdentifierKey` the route's custom authorizer returned (AWS's `AUTHORIZER` source), and the header is not read: a route that requires a key then needs a custom authorizer (`x-gateway-auth`), and a request whose authorizer returned no `usageIdentifierKey` is refused 403 like a missing key.
  A cached authorizer answer keeps its `usageIdentifierKey`.
  Key values never appear in a spec or a generated crate: a plan lists keys by name with `value_env` or `value_file`, read when the gateway starts (and on reload), kept only as SHA-256 digests and compared in constant time.
  A value is 20 to 128 visible ASCII characters, and belongs to one plan.
- **Which routes.** Only operations with `x-gateway-api-key: required` check a key; there a missing, unknown or disabled key is answered 403 `{"message":"Forbidden"}` (`INVALID_API_KEY`), and the key's plan limits apply.
  The key's name (never its value) is `$context.identity.apiKeyId` in the access log.
  `$context.identity.apiKey` is the key masked, `****` and its last four characters: AWS writes the whole value there, but a key is a secret and a log has more readers than should hold it, so gwc writes only enough to tell keys apart.
  `/metrics` counts the requests each key was identified on (known and enabled, before throttles and quota) in `gwc_api_key_requests_total{api, key}`, labelled by the key's name: one series per key the spec or the admin API made, never one per request value; `gwc_throttled_total`, `gwc_quota_exceeded_total` and `gwc_api_key_refused_total` count refusals per route.
- **Every applicable limit applies** (as in AWS).
  A request takes one token from each bucket that applies to it, in this order, and the first empty bucket answers 429 `{"message":"Too Many Requests"}` (`THROTTLED`) with `Retry-After` (whole seconds until a token is there):
  1. `x-gateway.throttle`: one bucket for the whole API, every route together (AWS's account-level limit);
  2. the route's bucket: the operation's `x-gateway-throttle`, else the deployed stage's `stages.NAME.throttle`, which gives each route of the stage its own bucket (AWS's stage default method throttling); the operation's setting replaces the stage's for that route;
  3. with a key, the plan's `throttle` (one bucket per key, across the plan's routes);
  4. with a key, the plan's `route_throttles` entry for the route (one bucket per key and route), on top of the plan's own.
  It is all or nothing: a refused request takes no token from any bucket and does not count against the quota (with a Redis Cluster, whose keys live on several nodes, tokens taken before the refusing bucket stay taken).
  With Redis, the whole check (every bucket and the quota) is one script: one round trip per request, however many limits apply.
- **`per`** splits a bucket: `api` (one bucket), `ip` (one per client address), `api_key` (one per key; requests without a key share one), `principal` (one per authorizer principal; requests without one share one), `header:NAME` (one per value of the request header `NAME`; requests without it share one).
  The client address of `ip` is the one the WAF sees: the connection's, or, from a proxy listed in `waf.trusted_proxies`, the right-most untrusted `X-Forwarded-For` (else `Forwarded`) hop, so a client cannot pick its bucket with a header.
  `api_key` counts per key only on operations that require one (`x-gateway-api-key: required`); elsewhere the key is not read and every request shares the `-` bucket.
  Inside a plan, buckets are always per key: omit `per` or write `api_key`; `ip`, `principal` and `header:NAME` there are errors (`gwc::lower::bad_throttle_scope`).
- **Token bucket.** `rate` tokens a second (fractions allowed) refill a bucket of `burst` tokens (GCRA, exact to the microsecond): after a quiet period `burst` requests pass at once, and over any interval of `t` seconds at most `burst + rate × t` do.
- **Quotas** count a key's admitted-by-throttle requests per `day`, `week` or `month` on the UTC calendar; `offset` moves the start of a week (days after Monday) or a month (days after the 1st, or the month's last day when shorter); it must be 0 for `day`.
  The request after the limit is answered 429 `{"message":"Limit Exceeded"}` (`QUOTA_EXCEEDED`) with `Retry-After` the seconds until the period ends.
  Throttles are checked first, so a throttled request does not use quota.
- **Where counts live.** In the process (`state.backend: memory`, kept across reloads) or in Redis, where every replica takes from the same buckets and quotas through atomic scripts on Redis's clock: a quota of N admits at most N across all replicas, and survives restarts.
  When Redis cannot be reached, `state.on_failure` decides: `open` admits without the limit that could not be checked, `closed` answers 503 `{"message":"Service Unavailable"}` (`STATE_UNAVAILABLE`); either way the failure is logged (at most once a second) and counted.
"#;

/// What the response cache stores and serves.
const CACHE: &str = r#"
## Response cache

- **The store** is the root `cache`: in memory, at most `capacity` bytes per gateway process (least recently used entries go first); with a Redis state backend, in Redis, shared by every replica (a response cached by one is a hit on another).
  An operation's `x-gateway-cache` on an API without a root `cache` is an error (`gwc::lower::cache_without_store`); `cache: {}` declares a store with the defaults.
- **Which routes.** The root's `methods` (default `[GET]`) are cached on every route; an operation's `x-gateway-cache` turns caching on for it (any method), tunes `ttl` and `key`, or turns it off (`enabled: false`).
- **The key** is the API, the stage, the route, and the values the key names: `path.NAME`, `query.NAME` (the first value, as sent), `header.NAME` (every value).
  Nothing else a request carries changes what it is served from the cache: a header or query parameter left out of the key cannot poison an entry, nor select another.
  On a route with an authorizer the principal is part of the key unless the operation says `shared: true`; AWS shares entries between callers by default, which serves one caller's response to another.
- **What is stored:** a 200 response without `Set-Cookie`, whose `Cache-Control` does not say `no-store` or `private`, with at most `max_entry` bytes of body, for `ttl`.
  The response streams to the client as usual and is copied on the way; the entry is written once the body ended cleanly.
- **`X-Cache: Hit` or `X-Cache: Miss`** is on every response of a cached route; `gwc_cache_hits_total` and `gwc_cache_misses_total` count them per route in `/metrics`.
- **`Cache-Control: max-age=0`** from a client skips the lookup and refreshes the entry when `client_invalidation` allows that client: `anyone`, `authorized` (an authorizer admitted the request; AWS's `requireAuthorizationForCacheControl`) or `nobody`.
  Other clients get what `unauthorized_invalidation` says, as AWS's `unauthorizedCacheControlHeaderStrategy`: `fail_with_403`, `succeed_with_response_header` (served as usual, with `Warning: 199 - "Cache-Control ignored"`) or `succeed_without_response_header`.
- A state failure is a miss (the request goes to the integration), whatever `state.on_failure` says.
"#;

/// The whole reference page.
pub fn reference() -> String {
    let schema = super::schema::json_schema();
    let empty = Map::new();
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = String::from(INTRO);
    out.push_str(PLANS);
    out.push_str(CACHE);
    support_section(&mut out);
    codes_section(&mut out);
    examples_section(&mut out);
    reference_section(&mut out, defs);
    out
}

fn support_section(out: &mut String) {
    out.push_str("\n## Support status\n\n");
    out.push_str(
        "The vocabulary is designed in full; the runtime implements it one area at a time.\n",
    );
    out.push_str("Today it implements exactly the keys below (`*` is any name, `key(variant)` one value of a `type`).\n");
    out.push_str("Any other key present in a spec is an error `gwc::lower::not_supported` naming the key.\n\n");
    for path in SUPPORTED {
        let _ = writeln!(out, "- `{path}`");
    }
    out.push_str(
        "\nThese values of listed keys are not implemented yet, and are the same error:\n\n",
    );
    for (path, value) in super::support::UNSUPPORTED_VALUES {
        let _ = writeln!(out, "- `{path}: {value}`");
    }
}

fn codes_section(out: &mut String) {
    out.push_str("\n## Diagnostics\n\n");
    out.push_str("Reading the vocabulary reports these codes, each at the line and column of the offending key or value:\n\n");
    out.push_str("| code | meaning |\n| --- | --- |\n");
    for (code, meaning) in codes::ALL {
        let _ = writeln!(out, "| `{code}` | {meaning} |");
    }
}

fn examples_section(out: &mut String) {
    out.push_str("\n## Examples\n\n");
    out.push_str("One example per area; each is checked by the test suite to read without errors (parts that are not supported yet aside).\n");
    for (title, yaml) in EXAMPLES {
        let _ = write!(out, "\n### {title}\n\n```yaml\n{yaml}```\n");
    }
}

/// Definitions in reading order: the root object, then the per-operation keys, each followed
/// by what it refers to (depth-first, first mention wins).
fn ordered_defs(defs: &Map<String, Value>) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    fn visit(
        name: &str,
        defs: &Map<String, Value>,
        order: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) {
        if !seen.insert(name.to_owned()) {
            return;
        }
        let Some(def) = defs.get(name) else { return };
        order.push(name.to_owned());
        let mut refs = Vec::new();
        collect_refs(def, &mut refs);
        for r in refs {
            visit(&r, defs, order, seen);
        }
    }
    // The three entry points first, then what they use.
    for start in ["Root", "Operation", "PathItem"] {
        if defs.contains_key(start) {
            order.push(start.to_owned());
        }
    }
    for start in ["Root", "Operation", "PathItem"] {
        seen.remove(start);
        let before = order.len();
        visit(start, defs, &mut order, &mut seen);
        // `visit` pushed the start again; keep the first position only.
        if order.len() > before {
            order.remove(before);
        }
    }
    for name in defs.keys() {
        visit(name, defs, &mut order, &mut seen);
    }
    order
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(ref_name)
                && !out.iter().any(|o| o == name)
            {
                out.push(name.to_owned());
            }
            for v in map.values() {
                collect_refs(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn ref_name(r: &str) -> Option<&str> {
    r.strip_prefix("#/$defs/")
}

fn anchor(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Doc comments keep their line breaks; a table cell needs one line.
fn one_line(text: &str) -> String {
    text.split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn description(schema: &Value) -> String {
    schema
        .get("description")
        .and_then(Value::as_str)
        .map(one_line)
        .unwrap_or_default()
}

/// Where each definition is used, for the headings.
fn heading(name: &str) -> String {
    match name {
        "Root" => "`x-gateway` (root object)".to_owned(),
        "PathItem" => "Path item keys".to_owned(),
        "Operation" => "Operation keys".to_owned(),
        other => format!("`{other}`"),
    }
}

fn reference_section(out: &mut String, defs: &Map<String, Value>) {
    out.push_str("\n## Reference\n\n");
    out.push_str(
        "Every type of the vocabulary, starting from the root object and the operation keys.\n",
    );
    out.push_str("\"required\" marks keys without a default.\n");
    for name in ordered_defs(defs) {
        let Some(def) = defs.get(&name) else { continue };
        let _ = write!(
            out,
            "\n<a id=\"{}\"></a>\n### {}\n\n",
            anchor(&name),
            heading(&name)
        );
        let desc = description(def);
        if !desc.is_empty() {
            let _ = writeln!(out, "{desc}\n");
        }
        render_def(out, &name, def);
    }
}

fn render_def(out: &mut String, name: &str, def: &Value) {
    if let Some(variants) = def.get("oneOf").and_then(Value::as_array) {
        if variants.iter().all(|v| v.get("const").is_some()) {
            out.push_str("| value | meaning |\n| --- | --- |\n");
            for v in variants {
                let _ = writeln!(
                    out,
                    "| `{}` | {} |",
                    scalar_text(v.get("const").unwrap_or(&Value::Null)),
                    description(v)
                );
            }
            return;
        }
        for v in variants {
            let tag = v
                .pointer("/properties/type/const")
                .map(scalar_text)
                .unwrap_or_default();
            let _ = write!(out, "#### `{name}` with `type: {tag}`\n\n");
            let desc = description(v);
            if !desc.is_empty() {
                let _ = writeln!(out, "{desc}\n");
            }
            properties_table(out, v, true);
        }
        return;
    }
    if let Some(values) = def.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values
            .iter()
            .map(|v| format!("`{}`", scalar_text(v)))
            .collect();
        let _ = writeln!(out, "One of: {}.", list.join(", "));
        return;
    }
    if def.get("properties").is_some() {
        properties_table(out, def, false);
        return;
    }
    let _ = writeln!(out, "Type: {}.", type_text(def));
}

fn properties_table(out: &mut String, def: &Value, skip_tag: bool) {
    let empty = Map::new();
    let props = def
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = def
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    out.push_str("| key | type | default | description |\n| --- | --- | --- | --- |\n");
    for (key, prop) in props {
        if skip_tag && key == "type" {
            continue;
        }
        let default = match prop.get("default") {
            Some(v) => default_text(v),
            None if required.contains(&key.as_str()) => "required".to_owned(),
            None => "—".to_owned(),
        };
        let _ = writeln!(
            out,
            "| `{key}` | {} | {default} | {} |",
            type_text(prop),
            description(prop)
        );
    }
    out.push('\n');
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn default_text(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => format!("`{s}`"),
        Value::Array(items) if items.is_empty() => "`[]`".to_owned(),
        Value::Object(map) if map.is_empty() => "`{}`".to_owned(),
        Value::Array(items) => {
            let list: Vec<String> = items.iter().map(scalar_text).collect();
            format!("`[{}]`", list.join(", "))
        }
        Value::Object(_) => "see the type".to_owned(),
        other => format!("`{other}`"),
    }
}

/// A short, linked description of a property's type.
fn type_text(schema: &Value) -> String {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(ref_name)
    {
        return format!("[{name}](#{})", anchor(name));
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let parts: Vec<String> = options
            .iter()
            .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
            .map(type_text)
            .collect();
        return parts.join(" or ");
    }
    if let Some(c) = schema.get("const") {
        return format!("`{}`", scalar_text(c));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| format!("`{}`", scalar_text(v)))
            .collect();
        return list.join(" \\| ");
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    };
    match types.as_slice() {
        ["array"] => match schema.get("items") {
            Some(items) => format!("list of {}", type_text(items)),
            None => "list".to_owned(),
        },
        ["object"] => {
            if let Some(props) = schema
                .get("properties")
                .and_then(Value::as_object)
                .filter(|p| p.keys().all(|k| ERROR_TYPE_NAMES.contains(&k.as_str())))
            {
                let value = props
                    .values()
                    .next()
                    .map(type_text)
                    .unwrap_or_else(|| "value".to_owned());
                return format!("map of [ErrorTypeName](#errortypename) → {value}");
            }
            match schema.get("additionalProperties") {
                Some(Value::Object(_)) => {
                    let value = schema
                        .get("additionalProperties")
                        .map(type_text)
                        .unwrap_or_default();
                    format!("map of name → {value}")
                }
                _ => "mapping".to_owned(),
            }
        }
        ["integer"] => {
            let min = schema.get("minimum").map(scalar_text);
            let max = schema.get("maximum").map(scalar_text);
            match (min, max) {
                (Some(a), Some(b)) => format!("integer ({a}–{b})"),
                (Some(a), None) => format!("integer (≥ {a})"),
                _ => "integer".to_owned(),
            }
        }
        ["number"] => "number".to_owned(),
        ["boolean"] => "boolean".to_owned(),
        ["string"] => match schema.get("pattern").and_then(Value::as_str) {
            Some(p) => format!("string matching `{p}`"),
            None => "string".to_owned(),
        },
        [] => "any".to_owned(),
        more => more.join(" or "),
    }
}
