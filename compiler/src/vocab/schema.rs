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
    for key in PATH_ITEM_KEYS.iter().chain(METHODS.iter()) {
        path_item_props.insert((*key).to_owned(), json!({"$ref": "#/$defs/Operation"}));
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
