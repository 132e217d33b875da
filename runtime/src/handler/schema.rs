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

use http::{HeaderMap, StatusCode};
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

/// Autoref-specialisation probe of a handler's *return* type, for the OpenAPI document's
/// `responses.200` schema: what the response conversion sends as JSON and can describe.
/// `(&&&&&ResponseProbe::<R>::NEW).gwc_response_schema()` picks, in order:
/// `Json<T>` with `T: JsonSchema`, bare, in a status/headers tuple or in a `Result`
/// ([`ViaJsonResponse`], [`JsonAnswer`]); any other [`super::IntoResponse`] (text, bytes, a
/// bare status, a body without a schema: no schema, [`ViaPlainResponse`]);
/// `Result<T, E>` or `T` sent by the `Serialize` convention with `T: JsonSchema`
/// ([`ViaSerializeResultSchema`], [`ViaSerializeSchema`]); nothing ([`ViaNoResponseSchema`]).
/// The order mirrors the response conversion's own ([`super::Responder`]).
pub struct ResponseProbe<R: ?Sized>(PhantomData<fn() -> PhantomData<R>>);

impl<R: ?Sized> ResponseProbe<R> {
    /// The probe (a constant: it holds nothing).
    pub const NEW: ResponseProbe<R> = ResponseProbe(PhantomData);
}

impl<R: ?Sized> std::fmt::Debug for ResponseProbe<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseProbe")
    }
}

/// First choice: a `Json<T>` answer whose `T` has a schema ([`JsonAnswer`]).
pub trait ViaJsonResponse {
    /// The answer's schema writer.
    fn gwc_response_schema(&self) -> Option<SchemaFn>;
}

impl<R: JsonAnswer> ViaJsonResponse for &&&&ResponseProbe<R> {
    fn gwc_response_schema(&self) -> Option<SchemaFn> {
        Some(R::SCHEMA)
    }
}

/// An answer whose body is a `Json<T>` with `T: JsonSchema`, bare or with the status and
/// headers the response conversion puts around it (`(StatusCode, Json<T>)`, `(HeaderMap,
/// Json<T>)`, `(StatusCode, HeaderMap, Json<T>)`), or a `Result` of one. A tuple's status is
/// chosen at run time, so the document can only describe the body, under the route's
/// success code.
pub trait JsonAnswer {
    /// The body type's schema writer.
    const SCHEMA: SchemaFn;
}

impl<T: JsonSchema> JsonAnswer for Json<T> {
    const SCHEMA: SchemaFn = schema_of::<T>;
}

impl<R: JsonAnswer> JsonAnswer for (StatusCode, R) {
    const SCHEMA: SchemaFn = R::SCHEMA;
}

impl<R: JsonAnswer> JsonAnswer for (HeaderMap, R) {
    const SCHEMA: SchemaFn = R::SCHEMA;
}

impl<R: JsonAnswer> JsonAnswer for (StatusCode, HeaderMap, R) {
    const SCHEMA: SchemaFn = R::SCHEMA;
}

impl<R: JsonAnswer, E> JsonAnswer for Result<R, E> {
    const SCHEMA: SchemaFn = R::SCHEMA;
}

/// Second: any other `IntoResponse` value, which is not described.
pub trait ViaPlainResponse {
    /// `None`.
    fn gwc_response_schema(&self) -> Option<SchemaFn>;
}

impl<R: super::IntoResponse> ViaPlainResponse for &&&ResponseProbe<R> {
    fn gwc_response_schema(&self) -> Option<SchemaFn> {
        None
    }
}

/// Third: `Result<T, E>` sent as JSON by the `Serialize` convention.
pub trait ViaSerializeResultSchema {
    /// The `Ok` value's schema writer.
    fn gwc_response_schema(&self) -> Option<SchemaFn>;
}

impl<T: serde::Serialize + JsonSchema, E> ViaSerializeResultSchema
    for &&ResponseProbe<Result<T, E>>
{
    fn gwc_response_schema(&self) -> Option<SchemaFn> {
        Some(schema_of::<T>)
    }
}

/// Fourth: a value sent as JSON by the `Serialize` convention.
pub trait ViaSerializeSchema {
    /// The value's schema writer.
    fn gwc_response_schema(&self) -> Option<SchemaFn>;
}

impl<T: serde::Serialize + JsonSchema> ViaSerializeSchema for &ResponseProbe<T> {
    fn gwc_response_schema(&self) -> Option<SchemaFn> {
        Some(schema_of::<T>)
    }
}

/// Last: no schema (a type without `JsonSchema`).
pub trait ViaNoResponseSchema {
    /// `None`.
    fn gwc_response_schema(&self) -> Option<SchemaFn>;
}

impl<R: ?Sized> ViaNoResponseSchema for ResponseProbe<R> {
    fn gwc_response_schema(&self) -> Option<SchemaFn> {
        None
    }
}

/// Autoref-specialisation probe of an argument: the schema of `T` for a `Query<T>` whose `T`
/// has one, so the OpenAPI document lists `T`'s fields as `in: query` parameters.
/// `(&QueryProbe::<A>::NEW).gwc_query_schema()`.
pub struct QueryProbe<A: ?Sized>(PhantomData<fn() -> PhantomData<A>>);

impl<A: ?Sized> QueryProbe<A> {
    /// The probe (a constant: it holds nothing).
    pub const NEW: QueryProbe<A> = QueryProbe(PhantomData);
}

impl<A: ?Sized> std::fmt::Debug for QueryProbe<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryProbe")
    }
}

/// The probe's first choice: a `Query<T>` with `T: JsonSchema`.
pub trait ViaQuerySchema {
    /// `T`'s schema writer.
    fn gwc_query_schema(&self) -> Option<SchemaFn>;
}

impl<T: JsonSchema> ViaQuerySchema for QueryProbe<super::Query<T>> {
    fn gwc_query_schema(&self) -> Option<SchemaFn> {
        Some(schema_of::<T>)
    }
}

/// The probe's fallback: another argument, or a query type without a schema.
pub trait ViaNoQuerySchema {
    /// `None`.
    fn gwc_query_schema(&self) -> Option<SchemaFn>;
}

impl<A: ?Sized> ViaNoQuerySchema for &QueryProbe<A> {
    fn gwc_query_schema(&self) -> Option<SchemaFn> {
        None
    }
}

/// The query parameters a `Query<T>` type's schema describes: each property of the (inlined)
/// object schema, with its schema and whether `required` lists it. A schema that is not an
/// object of properties (a map, say) gives none.
pub(crate) fn query_parameters(schema: SchemaFn) -> Vec<(String, bool, serde_json::Value)> {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let value = schema(&mut generator).to_value();
    let required: Vec<&str> = value
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|n| n.as_str()).collect())
        .unwrap_or_default();
    let Some(properties) = value.get("properties").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| {
            (
                name.clone(),
                required.contains(&name.as_str()),
                schema.clone(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, StatusCode};
    use schemars::JsonSchema;

    use super::{ResponseProbe, generator};
    use crate::handler::{Error, Json};

    /// Has a schema.
    #[derive(serde::Serialize, JsonSchema)]
    struct Receipt {
        id: u64,
    }

    /// Has none.
    #[derive(serde::Serialize)]
    struct Plain {
        id: u64,
    }

    /// What the expansion's response probe finds for a return type, written out as the
    /// document would write it (`None`: no schema).
    macro_rules! response_schema {
        ($ret:ty) => {{
            #[allow(unused_imports)]
            use super::{
                ViaJsonResponse as _, ViaNoResponseSchema as _, ViaPlainResponse as _,
                ViaSerializeResultSchema as _, ViaSerializeSchema as _,
            };
            (&&&&&ResponseProbe::<$ret>::NEW)
                .gwc_response_schema()
                .map(|schema| schema(&mut generator()).to_value())
        }};
    }

    /// A `Json<T>` answer is described whatever status or headers travel with it, and inside
    /// a `Result`; the status is a run-time value, so only the body is.
    #[test]
    fn json_bodies_in_tuples_are_described() {
        let receipt = Some(serde_json::json!({"$ref": "#/components/schemas/Receipt"}));
        assert_eq!(response_schema!(Json<Receipt>), receipt);
        assert_eq!(response_schema!((StatusCode, Json<Receipt>)), receipt);
        assert_eq!(response_schema!((HeaderMap, Json<Receipt>)), receipt);
        assert_eq!(
            response_schema!((StatusCode, HeaderMap, Json<Receipt>)),
            receipt
        );
        assert_eq!(
            response_schema!(Result<(StatusCode, Json<Receipt>), Error>),
            receipt
        );
        assert_eq!(
            response_schema!(Result<(StatusCode, HeaderMap, Json<Receipt>), Error>),
            receipt
        );
        assert_eq!(response_schema!(Result<Json<Receipt>, Error>), receipt);
        // The `Serialize` convention, as before.
        assert_eq!(response_schema!(Result<Receipt, Error>), receipt);
        assert_eq!(response_schema!(Receipt), receipt);
    }

    /// Answers without a JSON body whose type has a schema stay undescribed.
    #[test]
    fn other_answers_have_no_schema() {
        assert_eq!(response_schema!((StatusCode, Json<Plain>)), None);
        assert_eq!(
            response_schema!(Result<(StatusCode, Json<Plain>), Error>),
            None
        );
        assert_eq!(response_schema!((StatusCode, String)), None);
        assert_eq!(response_schema!(StatusCode), None);
        assert_eq!(response_schema!(&'static str), None);
        assert_eq!(response_schema!(Plain), None);
    }
}
