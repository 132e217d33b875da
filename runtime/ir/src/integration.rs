//! Integrations: what serves a matched request.

use serde::{Deserialize, Serialize};

use crate::{Millis, Str};

/// A header name and value, kept in spec order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeaderPair {
    /// Header name as written (the runtime validates and lower-cases it at start-up).
    pub name: Str,
    /// Header value.
    pub value: Str,
}

/// What serves a route. Later kinds (direct HTTP with mapping, in-process Rust handlers) extend
/// this enum; the runtime matches on it once at start-up, never per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Integration {
    /// Pass the request through untouched to an HTTP backend.
    HttpProxy(HttpProxy),
    /// Answer from the gateway itself.
    Mock(Mock),
}

impl Integration {
    /// Short name for route tables and logs (`http_proxy`, `mock`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Integration::HttpProxy(_) => "http_proxy",
            Integration::Mock(_) => "mock",
        }
    }
}

/// An HTTP proxy integration.
///
/// `uri` is an absolute `http://` or `https://` URL template: `${stageVariables.NAME}` is replaced once at
/// start-up from the deployed stage, `{param}` / `{param+}` per request from the matched path.
/// The request's query string is appended unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpProxy {
    /// Backend URL template.
    pub uri: Str,
    /// Time allowed for the backend to answer with headers (AWS default 29 s).
    pub timeout: Millis,
}

/// A mock integration: a fixed response, assembled at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mock {
    /// Response status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<HeaderPair>,
    /// Response body, sent as is.
    pub body: Str,
}
