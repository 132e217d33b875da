//! Test-only package; see `main.rs`.
