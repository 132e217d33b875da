//! Request-body validation cost against body size, for `callgrind` (instruction counts are
//! steady on a shared, noisy machine where wall time is not).
//!
//! The validation step (`step::validate`) does two things per body: one `serde_json` parse of
//! the bytes and one pass of the `jsonschema` validator compiled at start-up. This program
//! does exactly those two calls on an order document of a given size against a realistic
//! order schema (nested objects, a `$ref`'d line item, enums, patterns, bounds, a nullable
//! field as the compiler rewrites OpenAPI 3.0's `nullable`, no additional properties).
//!
//! `validate_bench N KIB` builds a body of about `KIB` KiB, compiles the schema once, checks
//! the body is valid, then parses and validates it `N` times. The cost of one validation is
//! `(Ir(N) - Ir(0)) / N`, both runs in the same session; divided by the body's length it is
//! the cost per byte, which should not grow with the size (BENCHMARKS.md, "Request
//! validation against body size"). `validate_bench N KIB parse` does the parse alone. It also
//! prints the wall time per validation, for information only.
//!
//! It lives in the mapping benchmark's crate, which already builds the runtime's dependencies
//! in release mode (`bench/mapping/README.md`):
//!
//! ```sh
//! cargo build --release --manifest-path bench/mapping/gateway/Cargo.toml --features validate-bench --bin validate_bench
//! for kib in 64 256 1024; do for n in 0 5; do valgrind --tool=callgrind \
//!   --callgrind-out-file=/dev/null target/release/validate_bench $n $kib 2>&1 \
//!   | grep -E 'Collected|bytes'; done; done
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

/// An order: a customer, a shipping address, up to 100,000 line items.
const SCHEMA: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["orderId", "customer", "items", "currency"],
  "additionalProperties": false,
  "properties": {
    "orderId": {"type": "string", "pattern": "^o-[0-9a-f]{8}$"},
    "currency": {"type": "string", "enum": ["EUR", "USD", "GBP", "JPY"]},
    "coupon": {"type": ["string", "null"], "maxLength": 32},
    "customer": {
      "type": "object",
      "required": ["id", "name", "email"],
      "additionalProperties": false,
      "properties": {
        "id": {"type": "string", "minLength": 3, "maxLength": 64},
        "name": {"type": "string", "maxLength": 200},
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "address": {"$ref": "#/$defs/Address"}
      }
    },
    "items": {
      "type": "array",
      "minItems": 1,
      "maxItems": 100000,
      "items": {"$ref": "#/$defs/LineItem"}
    }
  },
  "$defs": {
    "Address": {
      "type": "object",
      "required": ["street", "city", "country"],
      "properties": {
        "street": {"type": "string", "maxLength": 200},
        "city": {"type": "string", "maxLength": 100},
        "postcode": {"type": "string", "pattern": "^[A-Z0-9 -]{3,10}$"},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$"}
      }
    },
    "LineItem": {
      "type": "object",
      "required": ["sku", "quantity", "unitPrice"],
      "additionalProperties": false,
      "properties": {
        "sku": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{4,6}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
        "unitPrice": {"type": "number", "exclusiveMinimum": 0},
        "giftWrap": {"type": "boolean"},
        "note": {"type": ["string", "null"], "maxLength": 500},
        "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 20}}
      }
    }
  }
}"##;

/// An order of about `kib` KiB (line items added until the size is reached).
fn body(kib: usize) -> Vec<u8> {
    let target = kib * 1024;
    let mut s = String::from(
        r#"{"orderId":"o-0badcafe","currency":"EUR","coupon":null,"customer":{"id":"c-42","name":"Ada Lovelace","email":"ada@example.com","address":{"street":"12 St James's Square","city":"London","postcode":"SW1Y 4JH","country":"GB"}},"items":["#,
    );
    let mut i = 0usize;
    loop {
        let item_start = s.len();
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"sku":"AB-{:05}","quantity":{},"unitPrice":{}.99,"giftWrap":{},"note":{},"tags":["red","size-{}"]}}"#,
            i % 100_000,
            i % 7 + 1,
            i % 90 + 1,
            i % 2 == 0,
            if i % 3 == 0 {
                "null".to_owned()
            } else {
                format!("\"leave item {i} at the door\"")
            },
            i % 5,
        );
        i += 1;
        if s.len() + 2 > target {
            s.truncate(item_start);
            break;
        }
    }
    s.push_str("]}");
    s.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let kib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    // `parse`: the JSON parse alone, to split the figure into its two parts.
    let parse_only = args.next().as_deref() == Some("parse");
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let body = body(kib);
    let value: serde_json::Value = serde_json::from_slice(&body).expect("the body is JSON");
    if let Some(e) = validator.iter_errors(&value).next() {
        panic!(
            "the benchmark body must be valid: {}: {e}",
            e.instance_path()
        );
    }
    drop(value);
    let start = Instant::now();
    for _ in 0..n {
        // What `step::validate` does per request.
        let value: serde_json::Value =
            serde_json::from_slice(black_box(&body)).expect("the body is JSON");
        if !parse_only {
            assert!(validator.is_valid(black_box(&value)));
        }
        drop(black_box(value));
    }
    let elapsed = start.elapsed();
    let per = if n == 0 {
        0.0
    } else {
        elapsed.as_secs_f64() / n as f64
    };
    println!(
        "{} bytes, {n} validations, {:.3} ms each, {:.2} ns per byte (wall, informative)",
        body.len(),
        per * 1e3,
        per * 1e9 / body.len() as f64
    );
}
