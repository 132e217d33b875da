//! The compiler's integration tests: one test binary, one module per suite.

mod diagnostics;
mod loader_fuzz;
mod real_apis;
mod support;
mod vocab;
