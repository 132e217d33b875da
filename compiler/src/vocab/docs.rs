//! The reference page `docs/extensions.md`, generated from the JSON Schema (itself generated
//! from the types) and the support table.
pub fn reference() -> String {
    String::new()
}
