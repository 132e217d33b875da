//! The gwc runtime: the gateway engine every generated crate links, and `gwc serve` runs.
#![deny(missing_docs)]

pub use gwc_ir as ir;
