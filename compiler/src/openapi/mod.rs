//! One view of OpenAPI 3.0, 3.1 and Swagger 2.0 documents: just what the gateway needs.
use crate::{Diagnostics, load::Document, source::SourceMap};
/// x
pub struct Api;
impl Api {
    /// x
    pub fn from_document(_doc: &Document, _s: &SourceMap, _d: &mut Diagnostics) -> Option<Api> {
        None
    }
}
