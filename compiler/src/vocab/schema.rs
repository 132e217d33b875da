//! The vocabulary's JSON Schema, generated from the Rust types with schemars.
//!
//! One document (`docs/x-gateway.schema.json`) that editors can attach to an OpenAPI file: it
//! describes the root `x-gateway` object and, through `paths`, the per-operation keys and
//! `x-gateway-any-method`, leaving every other OpenAPI key alone. Each type is a `$defs`
//! entry, so tools can also validate a single block against `#/$defs/<Type>`.

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::{
    ApiKeyRequirement, Cors, Integration, OPERATION_KEYS, OperationAuth, OperationCache,
    OperationValidate, OperationWaf, PATH_ITEM_KEYS, Root, Throttle,
};

/// HTTP methods of an OpenAPI path item.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What each per-operation key does and what an operation without it gets.
pub const OPERATION_KEY_DOCS: [(&str, &str); 8] = [
    (
        "x-gateway-integration",
        "Where the request goes. Default: `http_proxy` to `servers[0].url` followed by the operation's path template.",
    ),
    (
        "x-gateway-auth",
        "Which authorizer guards the operation. Default: the root `auth`, else none (public).",
    ),
    (
        "x-gateway-api-key",
        "Whether a usage-plan API key is required. Default: `not_required`.",
    ),
    (
        "x-gateway-throttle",
        "Token bucket for this operation. Default: the root `throttle`, else none (unlimited).",
    ),
    (
        "x-gateway-cache",
        "Response caching for this operation. Default: the root `cache` for its `methods`, else none.",
    ),
    (
        "x-gateway-waf",
        "Per-route firewall settings. Default: the API-wide `waf` rules only.",
    ),
    (
        "x-gateway-validate",
        "Request validation. Default: the root `default_request_validator`, else none.",
    ),
    (
        "x-gateway-cors",
        "CORS for this operation, replacing the root `cors`. Default: the root `cors`, else none.",
    ),
];

/// The whole schema document.
pub fn json_schema() -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let root = generator.subschema_for::<Root>().to_value();
    let per_key: Vec<(&str, Value)> = vec![
        (
            OPERATION_KEYS[0],
            generator.subschema_for::<Integration>().to_value(),
        ),
        (
            OPERATION_KEYS[1],
            generator.subschema_for::<OperationAuth>().to_value(),
        ),
        (
            OPERATION_KEYS[2],
            generator.subschema_for::<ApiKeyRequirement>().to_value(),
        ),
        (
            OPERATION_KEYS[3],
            generator.subschema_for::<Throttle>().to_value(),
        ),
        (
            OPERATION_KEYS[4],
            generator.subschema_for::<OperationCache>().to_value(),
        ),
        (
            OPERATION_KEYS[5],
            generator.subschema_for::<OperationWaf>().to_value(),
        ),
        (
            OPERATION_KEYS[6],
            generator.subschema_for::<OperationValidate>().to_value(),
        ),
        (
            OPERATION_KEYS[7],
            generator.subschema_for::<Cors>().to_value(),
        ),
    ];
    let per_key: Vec<(&str, Value)> = per_key
        .into_iter()
        .map(|(key, mut schema)| {
            let doc = OPERATION_KEY_DOCS
                .iter()
                .find(|(k, _)| *k == key)
                .map_or("", |(_, d)| *d);
            if let Value::Object(map) = &mut schema {
                map.insert("description".to_owned(), Value::String(doc.to_owned()));
            }
            (key, schema)
        })
        .collect();
    let mut defs: Map<String, Value> = generator.take_definitions(true);

    let operation_props: Map<String, Value> = per_key
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    defs.insert(
        "Operation".to_owned(),
        json!({
            "description": "The `x-gateway-*` keys of an OpenAPI operation object; other keys are OpenAPI's.",
            "properties": operation_props,
            "propertyNames": {
                "if": {"pattern": "^x-gateway"},
                "then": {"enum": OPERATION_KEYS},
            },
        }),
    );
    let mut path_item_props = Map::new();
    path_item_props.insert(
        PATH_ITEM_KEYS[0].to_owned(),
        json!({
            "$ref": "#/$defs/Operation",
            "description": "An operation object served for every method this path item does not bind explicitly (IR `Method::Any`). Default: none (unbound methods → 405 for `http`, 403 for `rest`).",
        }),
    );
    path_item_props.insert(
        PATH_ITEM_KEYS[1].to_owned(),
        json!({
            "$ref": "#/$defs/Operation",
            "description": "AWS's spelling of `x-gateway-any-method`, read the same way. Default: none.",
        }),
    );
    for method in METHODS {
        path_item_props.insert(
            method.to_owned(),
            json!({
                "$ref": "#/$defs/Operation",
                "description": "An OpenAPI operation; its `x-gateway-*` keys are the operation keys. Default: none.",
            }),
        );
    }
    defs.insert(
        "PathItem".to_owned(),
        json!({
            "description": "An OpenAPI path item: its operations, and `x-gateway-any-method` for every method not bound explicitly.",
            "properties": path_item_props,
            "propertyNames": {
                "if": {"pattern": "^x-gateway"},
                "then": {"enum": PATH_ITEM_KEYS[..1]},
            },
        }),
    );
    let defs: Map<String, Value> = {
        let mut sorted: Vec<(String, Value)> = defs.into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        sorted.into_iter().collect()
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gwc x-gateway vocabulary",
        "description": "The x-gateway extensions of an OpenAPI document, as gwc reads them. Generated from the Rust types in compiler/src/vocab; see docs/extensions.md.",
        "type": "object",
        "properties": {
            "x-gateway": root,
            "paths": {
                "type": "object",
                "additionalProperties": {"$ref": "#/$defs/PathItem"},
            },
        },
        "$defs": defs,
    })
}

/// The schema as committed: pretty JSON with a final newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
