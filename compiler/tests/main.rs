//! The compiler's integration tests: one test binary, one module per suite.

mod diagnostics;
mod examples_fresh;
mod loader_fuzz;
mod real_apis;
mod rust_first;
mod security;
mod serve;
mod support;
mod tidy;
mod vocab;
mod waf_switches;
