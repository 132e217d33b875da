//! Request validators: the API-wide table routes name with [`crate::ValidatorId`].

use serde::{Deserialize, Serialize};

use crate::Str;

/// What a route's requests are checked for before the integration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validator {
    /// Name from the spec, for logs.
    pub name: Str,
    /// Check the body against the operation's request body schema (`BAD_REQUEST_BODY`).
    pub body: bool,
    /// Check required parameters are present and valid (`BAD_REQUEST_PARAMETERS`).
    pub parameters: bool,
}

/// What a route's requests must carry, from its OpenAPI operation (required parameters, the
/// request body's schemas by content type). Lowering fills it only for routes with a validator,
/// so routes without one carry nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestModel {
    /// Parameters that must be present (`required: true`), in spec order.
    pub required: Vec<RequiredParam>,
    /// The body must not be empty (`requestBody.required`).
    pub body_required: bool,
    /// JSON Schemas of the body by content type, in spec order.
    pub bodies: Vec<BodySchema>,
}

impl RequestModel {
    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        *self == RequestModel::default()
    }
}

/// A parameter the request must carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequiredParam {
    /// Where it is read from.
    pub location: ParamIn,
    /// Its name (case-insensitive for headers).
    pub name: Str,
}

/// Where a request parameter is read from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamIn {
    /// A path parameter.
    #[default]
    Path,
    /// A query-string parameter.
    Query,
    /// A request header.
    Header,
}

/// The schema a body of one content type must satisfy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BodySchema {
    /// The media type as written (`application/json`, `application/*`, `*/*`).
    pub content_type: Str,
    /// A self-contained JSON Schema 2020-12 document as JSON text: OpenAPI 3.0 forms rewritten
    /// and every `#/components/schemas/X` it reaches carried inside it, so the runtime compiles
    /// it without fetching anything.
    pub schema: Str,
}
