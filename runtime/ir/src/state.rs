//! Where shared state lives (`x-gateway.state`); `--state` overrides the backend.

use serde::{Deserialize, Serialize};

use crate::{Millis, Str};

/// The shared-state settings of the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateConfig {
    /// `memory` or a Redis URL (`redis://`, `rediss://`, `redis+cluster://`).
    pub backend: Str,
    /// What state-backed features do when the backend fails.
    pub on_failure: FailMode,
    /// Prefix of every Redis key.
    pub key_prefix: Str,
    /// Deadline of one state operation.
    pub timeout: Millis,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            backend: Str::Borrowed("memory"),
            on_failure: FailMode::Closed,
            key_prefix: Str::Borrowed("gwc:"),
            timeout: Millis(100),
        }
    }
}

/// Behaviour when the state backend fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailMode {
    /// Serve without the state-backed checks.
    Open,
    /// Refuse with 503.
    #[default]
    Closed,
}
