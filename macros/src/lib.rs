//! `#[gateway]`.
