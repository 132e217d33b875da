//! In-process Rust handlers: what a `#[gateway]` function may take and return.
//!
//! A handler is a plain `async fn` that the gateway calls at the end of a route's pipeline,
//! after every request step, with no network hop (the equivalent of a Lambda integration).
//! `#[gateway(METHOD, "/path/{param}", ...)]` declares its route and settings; each argument is
//! an *extractor* ([`FromRequestParts`], or [`FromRequest`] for the last one, which may read the
//! body) and the return value converts into a response ([`IntoResponse`], or any
//! `serde::Serialize` value, sent as JSON). An [`Error`] becomes a gateway response of its
//! type, which the spec's `x-gateway.responses` can override like any other.
//!
//! ```
//! use gwc_runtime::handler::{Context, Error, Json, Path, State};
//! use gwc_runtime::gateway;
//!
//! #[derive(serde::Serialize)]
//! struct Order { id: u64, item: String }
//!
//! #[gateway(GET, "/orders/{id}", timeout = "2s")]
//! async fn get_order(id: Path<u64>, ctx: Context) -> Result<Json<Order>, Error> {
//!     if *id == 0 {
//!         return Err(Error::not_found(format!("no order 0 (request {})", ctx.request_id())));
//!     }
//!     Ok(Json(Order { id: *id, item: "tea".into() }))
//! }
//! ```
//!
//! Extractors: [`Path`] (the path parameter named like the argument), [`Query`], [`Header`]
//! (the header named like the argument, `_` read as `-`), [`Json`], [`bytes::Bytes`] and
//! [`String`] (the body, read whole within `limits.max_body`), [`Context`] (request id,
//! authorizer principal and claims, stage and its variables, API key id, client address),
//! [`State`] (application state given at start-up), [`http::HeaderMap`], [`http::Method`] and
//! [`http::Uri`].
//!
//! A custom authorizer may be a Rust function too (`#[gateway(authorizer = "NAME")]`, see
//! [`AuthorizerRequest`]).
//!
//! Rust-first crates serve their handlers with [`crate::serve`]; spec-first crates name them in
//! the spec (`x-gateway-integration: {type: rust, handler: my_crate::orders::create}`) and
//! `gwc build` writes the crate that links them.

mod authorizer;
pub(crate) mod extract;
mod respond;
pub(crate) mod schema;
mod signature;
mod table;

use std::borrow::Cow;
use std::fmt;

#[doc(hidden)]
pub use self::authorizer::{AUTHORIZERS, AuthorizerDef, AuthorizerFuture};
pub use self::authorizer::{
    Authorization, AuthorizerEvent, AuthorizerRequest, AuthorizerRequestContext, Effect,
    FromAuthorizerRequest, IntoAuthorization, PolicyDocument, PolicyStatement,
};
pub use self::extract::{
    Arg, Context, FromRequest, FromRequestParts, Header, Path, Query, Request, State, ViaParts,
    ViaRequest,
};
pub use self::respond::{IntoResponse, Json};
#[doc(hidden)]
pub use self::respond::{Responder, ViaIntoResponse, ViaSerialize, ViaSerializeResult};
#[doc(hidden)]
pub use self::schema::{
    JsonAnswer, QueryProbe, ResponseProbe, SchemaFn, SchemaProbe, ValidatedBody, ViaJsonResponse,
    ViaJsonSchema, ViaNoQuerySchema, ViaNoResponseSchema, ViaNoSchema, ViaPlainResponse,
    ViaQuerySchema, ViaSerializeResultSchema, ViaSerializeSchema, body_has_schema,
};
#[doc(hidden)]
pub use self::signature::{
    BodyOf, NoBody, RequestSignature, ResponseOf, ResponseSignature, expect_request,
    expect_response,
};
pub(crate) use self::table::HandlerCall;
pub use self::table::{AppState, Handlers};
#[doc(hidden)]
pub use self::table::{ArgDoc, ArgIn, HandlerFuture, OperationDoc, ROUTES, RouteDef, ValidateDef};

use crate::ir::ErrorType;

/// A handler's failure: answered with the gateway response of its type (status and client
/// message from the gateway's table, which the spec can override), with `detail` written to
/// the log only, never to the client.
///
/// Any `std::error::Error` converts into an internal error (`DEFAULT_5XX`), so `?` works on
/// library errors; their text stays in the log.
pub struct Error {
    pub(crate) kind: ErrorType,
    pub(crate) detail: Cow<'static, str>,
    /// `$context.error.validationErrorString`, when an extractor found the request's body
    /// or parameters malformed (shown to clients through gateway-response templates).
    pub(crate) validation: Option<Box<str>>,
}

impl Error {
    /// An error of a gateway-response type, with a log-only detail.
    pub fn new(kind: ErrorType, detail: impl Into<Cow<'static, str>>) -> Error {
        Error {
            kind,
            detail: detail.into(),
            validation: None,
        }
    }

    /// Sets `$context.error.validationErrorString` (AWS's bracketed list); it must be safe to
    /// show the client.
    pub(crate) fn with_validation(mut self, errors: String) -> Error {
        self.validation = Some(errors.into());
        self
    }

    /// `BAD_REQUEST_BODY` (400).
    pub fn bad_request(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::BadRequestBody, detail)
    }

    /// `BAD_REQUEST_PARAMETERS` (400).
    pub fn bad_parameters(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::BadRequestParameters, detail)
    }

    /// `RESOURCE_NOT_FOUND` (404).
    pub fn not_found(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::ResourceNotFound, detail)
    }

    /// `UNAUTHORIZED` (401).
    pub fn unauthorized(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::Unauthorized, detail)
    }

    /// `ACCESS_DENIED` (403).
    pub fn forbidden(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::AccessDenied, detail)
    }

    /// `DEFAULT_5XX` (500).
    pub fn internal(detail: impl Into<Cow<'static, str>>) -> Error {
        Error::new(ErrorType::Default5xx, detail)
    }

    /// The gateway-response type that answers it.
    pub fn kind(&self) -> ErrorType {
        self.kind
    }

    /// The log-only detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.detail)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.detail, self.kind.as_str())
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        Error::internal(e.to_string())
    }
}

#[cfg(test)]
mod tests;
