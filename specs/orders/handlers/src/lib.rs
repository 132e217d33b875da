//! A small orders service written as `#[gateway]` handlers over an in-memory store.
//!
//! The same handlers run two ways:
//! - **Rust-first**: `src/main.rs` serves every handler linked into the binary with
//!   `gwc_runtime::serve` (`cargo run -p orders-handlers -- --listen 127.0.0.1:8080`), and
//!   `--print-openapi` prints the OpenAPI document describing them.
//! - **Spec-first**: `specs/orders/spec.yaml` names each handler in its
//!   `x-gateway-integration: {type: rust, handler: orders_handlers::orders::create}`, and
//!   `gwc build` writes a crate (`generated-examples/orders`) that depends on this one.
//!
//! Some routes are guarded by a custom authorizer written in Rust ([`auth::staff`]); the
//! Rust-first [`partners`] routes show the attribute's cache, throttle, API key and
//! validation settings.

/// The spec's typed models, written by `gwc models ../spec.yaml -o src/models.rs` (a test
/// keeps it fresh): the handlers take and return these, and the generated gateway checks that.
#[rustfmt::skip]
pub mod models;
pub mod auth;
pub mod orders;
pub mod partners;
pub mod store;

pub use partners::Calls;
pub use store::Store;
