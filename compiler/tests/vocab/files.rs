//! Generated files (schema, reference page) are fresh; example specs satisfy the schema.
