use expect_test::{Expect, expect};

use crate::diagnostics::Diagnostics;
use crate::source::SourceMap;

fn check(spec: &str, expect: &Expect) {
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let doc = crate::load::load_str(
        std::path::Path::new("spec.yaml"),
        spec,
        &mut sources,
        &mut diags,
    )
    .expect("the test spec loads");
    let api = crate::openapi::Api::from_document(&doc, &sources, &mut diags).expect("OpenAPI");
    let models = super::generate(&api);
    let mut out = models.render("test");
    out.push_str(&models.report.render("spec.yaml"));
    for op in &models.operations {
        out.push_str(&format!("{op:?}\n"));
    }
    expect.assert_eq(&out);
}

#[test]
fn objects_enums_nullable_recursion_and_operations() {
    check(
        r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [item]
              properties:
                item: {type: string}
                quantity: {type: integer, format: int32}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Order"}
components:
  schemas:
    Order:
      description: An order.
      type: object
      required: [id, status]
      properties:
        id: {type: integer}
        status: {type: string, enum: [open, shipped, "in-transit"]}
        note: {type: string, nullable: true}
        parent: {$ref: "#/components/schemas/Order"}
        children: {type: array, items: {$ref: "#/components/schemas/Order"}}
        labels: {type: object, additionalProperties: {type: string}}
        type: {type: string}
    Shape:
      oneOf:
        - {$ref: "#/components/schemas/Order"}
        - {type: string}
    Tuple:
      type: array
      prefixItems: [{type: string}]
"##,
        &expect![[r#"
            // test

            #![allow(clippy::all, clippy::pedantic, missing_docs, dead_code, unreachable_pub)]
            #[derive(
                Debug,
                Clone,
                Copy,
                PartialEq,
                Eq,
                Hash,
                ::serde::Serialize,
                ::serde::Deserialize
            )]
            pub enum OrderStatus {
                #[serde(rename = "open")]
                Open,
                #[serde(rename = "shipped")]
                Shipped,
                #[serde(rename = "in-transit")]
                InTransit,
            }
            /// An order.
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Order {
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub children: ::std::option::Option<::std::vec::Vec<Order>>,
                pub id: i64,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub labels: ::std::option::Option<
                    ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
                >,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub note: ::std::option::Option<::std::string::String>,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub parent: ::std::option::Option<::std::boxed::Box<Order>>,
                pub status: OrderStatus,
                #[serde(rename = "type")]
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub type_: ::std::option::Option<::std::string::String>,
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum Shape {
                Order(Order),
                String(::std::string::String),
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(transparent)]
            pub struct Tuple(pub ::serde_json::Value);
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct CreateOrderRequest {
                pub item: ::std::string::String,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub quantity: ::std::option::Option<i32>,
            }
            spec.yaml: 3 component schemas, 2 (66.7 %) with a faithful Rust type, 1 fall back to serde_json::Value somewhere; 2 operation body/response types
              prefixItems (tuples): 1 (Tuple)
            OperationModels { id: "createOrder", request: Some("CreateOrderRequest"), response: Some("Order") }
        "#]],
    );
}

/// `allOf` members that are objects without `type: object` (only `additionalProperties`), a
/// nullable object (`[object, null]` once normalised) and a union all merge into one struct:
/// the union as a flattened field, the extra properties as a flattened map.
#[test]
fn all_of_with_maps_nullable_objects_and_unions() {
    check(
        r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Base:
      type: object
      nullable: true
      required: [id]
      properties:
        id: {type: string}
    Tagged:
      allOf:
        - $ref: "#/components/schemas/Base"
        - properties:
            label: {type: string}
        - additionalProperties:
            allOf: [{}, {description: any value}]
    Created: {type: object, properties: {created: {type: integer}}}
    Deleted: {type: object, properties: {deleted: {type: boolean}}}
    Event:
      allOf:
        - anyOf:
            - $ref: "#/components/schemas/Created"
            - $ref: "#/components/schemas/Deleted"
        - type: object
          properties:
            stream: {type: string}
    Mixed:
      allOf:
        - $ref: "#/components/schemas/Base"
        - type: string
"##,
        &expect![[r#"
            // test

            #![allow(clippy::all, clippy::pedantic, missing_docs, dead_code, unreachable_pub)]
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Base2 {
                pub id: ::std::string::String,
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(transparent)]
            pub struct Base(pub ::std::option::Option<Base2>);
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Tagged {
                pub id: ::std::string::String,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub label: ::std::option::Option<::std::string::String>,
                /// Properties beyond the named ones (`additionalProperties`).
                #[serde(flatten)]
                pub additional_properties: ::std::collections::BTreeMap<
                    ::std::string::String,
                    ::serde_json::Value,
                >,
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Created {
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub created: ::std::option::Option<i64>,
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Deleted {
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub deleted: ::std::option::Option<bool>,
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum EventKind {
                Created(Created),
                Deleted(Deleted),
            }
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct Event {
                /// The member of the union this object also is (`allOf` with a `oneOf`/`anyOf`).
                #[serde(flatten)]
                pub kind: EventKind,
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub stream: ::std::option::Option<::std::string::String>,
            }
            pub type Mixed = ::serde_json::Value;
            spec.yaml: 6 component schemas, 5 (83.3 %) with a faithful Rust type, 1 fall back to serde_json::Value somewhere; 0 operation body/response types
              allOf of non-object schemas: 1 (Mixed)
        "#]],
    );
}
