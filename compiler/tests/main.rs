//! The compiler's integration tests: one test binary, one module per suite.

mod diagnostics;
mod support;
mod vocab;
