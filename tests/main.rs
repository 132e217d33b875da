//! End-to-end tests: the example gateways (generated crates and `gwc serve`) built once, started
//! on free loopback ports in front of real backends, and exercised by real clients over TCP.
//!
//! One test binary with modules, for link time (STYLE.md §1.2). `harness` owns every fixture;
//! each other module is one area of behaviour. Run with `cargo test -p gwc-e2e`; the gateway
//! binaries are built on first use into the shared target directory (`scripts/test` builds
//! them first so that the time shows up there rather than in the first test).

// A test binary has no public API: `pub` inside it marks what the harness offers the test
// modules, which is clearer than `pub(crate)` on every item.
#![allow(unreachable_pub)]

#[macro_use]
mod harness;

mod auth;
mod backends;
mod binary;
mod cache;
mod cli;
mod cors;
mod edge;
mod errors;
mod handlers;
mod keys;
mod lifecycle;
mod mapping;
mod plans;
mod proxy;
mod scopes;
mod serve;
mod streaming;
mod telemetry;
mod upstream_tls;
mod validation;
mod vocabulary;
mod waf;
