//! The compiler's integration tests: one test binary, one module per suite.

mod examples_fresh;
