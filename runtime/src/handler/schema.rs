//! JSON Schemas of handler bodies, from their Rust types (`schemars::JsonSchema`).
//!
//! A Rust-first API has no spec to take its request schemas from, so it derives them from the
//! types its handlers read: `Json<T>` with `T: schemars::JsonSchema`. The same schema serves
//! two readers, so they cannot drift: `--print-openapi` writes it under `components/schemas`
//! (the operation's `requestBody` refers to it), and a route whose attribute says
//! `validate(body)` checks every body against it before the handler runs (400
//! `Invalid request body` for a field out of range, a missing field, a wrong type).
//!
//! `validate(body)` on a `Json<T>` handler *requires* `T: JsonSchema` ([`ValidatedBody`], whose
//! compile error says what to derive); without `validate(body)` the schema is used when the
//! type has one ([`SchemaProbe`], autoref specialisation) and the document falls back to a
//! named object otherwise.
//!
//! What users write: `#[derive(serde::Deserialize, schemars::JsonSchema)]` with `schemars = "1"`
//! in their `[dependencies]`, or, without that dependency, the runtime's re-export:
//! `#[derive(gwc_runtime::schemars::JsonSchema)]` plus `#[schemars(crate = "gwc_runtime::schemars")]`.

use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::respond::Json;

/// Writes a type's schema into a generator: its own schema (or a `$ref` to
/// `#/components/schemas/NAME`) with the named schemas it reaches added to the generator's
/// definitions. A plain function pointer, so route records stay `static` data.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A body type `validate(body)` can check: one with a JSON Schema.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no JSON Schema, so `validate(body)` cannot check request bodies against it",
    label = "`validate(body)` checks the body against this type's schema",
    note = "derive it beside `Deserialize`: `#[derive(serde::Deserialize, schemars::JsonSchema)]` with `schemars = \"1\"` in [dependencies] (or, without that dependency, `#[derive(gwc_runtime::schemars::JsonSchema)]` and `#[schemars(crate = \"gwc_runtime::schemars\")]`)",
    note = "or drop `body` from `validate(…)`: the `Json` extractor still refuses a body that does not deserialise"
)]
pub trait ValidatedBody {
    /// The type's schema writer.
    const SCHEMA: SchemaFn;
}

impl<T: JsonSchema> ValidatedBody for T {
    const SCHEMA: SchemaFn = schema_of::<T>;
}

/// Type-checks (never run) that a `validate(body)` handler's body type has a schema: written by
/// `#[gateway]` with the span of the body type, so the error points at it.
pub const fn body_has_schema<T: ValidatedBody + ?Sized>() {}

/// Autoref-specialisation probe: the schema of an extractor's body type when it has one.
/// `(&SchemaProbe::<Json<T>>::NEW).gwc_body_schema()` is `Some` for `T: JsonSchema`
/// ([`ViaJsonSchema`]) and `None` for everything else ([`ViaNoSchema`]).
pub struct SchemaProbe<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

impl<T: ?Sized> SchemaProbe<T> {
    /// The probe (a constant: it holds nothing).
    pub const NEW: SchemaProbe<T> = SchemaProbe(PhantomData);
}

impl<T: ?Sized> std::fmt::Debug for SchemaProbe<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SchemaProbe")
    }
}

/// The probe's first choice: a JSON body whose type has a schema.
pub trait ViaJsonSchema {
    /// The body type's schema writer.
    fn gwc_body_schema(&self) -> Option<SchemaFn>;
}

impl<T: JsonSchema> ViaJsonSchema for SchemaProbe<Json<T>> {
    fn gwc_body_schema(&self) -> Option<SchemaFn> {
        Some(schema_of::<T>)
    }
}

/// The probe's fallback: no schema (another extractor, or a type without `JsonSchema`).
pub trait ViaNoSchema {
    /// `None`.
    fn gwc_body_schema(&self) -> Option<SchemaFn>;
}

impl<T: ?Sized> ViaNoSchema for &SchemaProbe<T> {
    fn gwc_body_schema(&self) -> Option<SchemaFn> {
        None
    }
}

/// The generator every handler schema comes from: JSON Schema 2020-12 (OpenAPI 3.1's dialect,
/// and the validator's), named schemas under `#/components/schemas/`, where an OpenAPI
/// document keeps them and where the compiler's self-contained request schemas keep them too.
pub(crate) fn generator() -> SchemaGenerator {
    schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

/// A self-contained schema for the validator: the type's schema with every named schema it
/// reaches carried under `components.schemas`, the form the compiler gives a spec's routes.
pub(crate) fn self_contained(schema: SchemaFn) -> serde_json::Value {
    let mut generator = generator();
    let mut value = schema(&mut generator).to_value();
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        // `subschema_for` of a named type is `{"$ref": …}`; a `true`/`false` schema has no
        // room for the definitions, so wrap it (the compiler does the same).
        if !value.is_object() {
            value = serde_json::json!({ "allOf": [value] });
        }
        if let serde_json::Value::Object(map) = &mut value {
            map.insert(
                "components".to_owned(),
                serde_json::json!({ "schemas": definitions }),
            );
        }
    }
    value
}
