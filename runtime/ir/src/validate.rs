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
