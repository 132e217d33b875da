//! OpenAPI view tests.
