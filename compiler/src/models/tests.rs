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
