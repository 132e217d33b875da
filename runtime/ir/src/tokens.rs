//! `quote::ToTokens` for IR values, so `gwc build` and `#[gateway]` emit IR as Rust through one
//! emitter and cannot drift.
