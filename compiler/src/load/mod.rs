//! Loading: files → spanned [`Node`] trees, `$ref`s across files, resource limits.

mod tree;

pub use tree::{Entry, Node, Value};
