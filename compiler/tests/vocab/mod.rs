//! Tests of the `x-gateway` vocabulary: the reader's diagnostics, the generated schema and
//! reference page, and the example specs against the schema.

mod files;
mod fuzz;
mod reader;
mod yaml;
