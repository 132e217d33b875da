//! The compiler's integration tests: one test binary, one module per suite.

mod diagnostics;
mod examples_fresh;
mod serve;
mod support;
mod vocab;
