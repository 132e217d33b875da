//! The gwc compiler: OpenAPI documents annotated with `x-gateway*` (or AWS's
//! `x-amazon-apigateway-*`) extensions → a checked gateway IR → a standalone Rust crate.
//!
//! The pipeline follows DESIGN.md: [`load`] (spanned tree, `$ref`s) → [`openapi`] (3.0, 3.1 and
//! Swagger 2.0 as one view) → `lower` (extensions → IR) → `check` → `codegen`.

pub mod check;
pub mod diagnostics;
pub mod load;
pub mod openapi;
pub mod source;
pub mod vocab;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
