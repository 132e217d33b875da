//! Extractors: how a handler's arguments are taken from the request.
//!
//! Every argument but the last implements [`FromRequestParts`] (it reads the head and the
//! context); the last implements [`FromRequest`], which may consume the body. Every
//! [`FromRequestParts`] is also a [`FromRequest`] (through the [`ViaParts`] marker, as axum
//! does), so a handler without a body extractor needs nothing special.
//!
//! `#[gateway]` hands each extractor the argument's [`Arg`] (its name, and the index of the
//! path parameter it names), so `id: Path<u64>` reads `{id}` and `user_agent: Header<String>`
//! reads `user-agent` without repeating the name.

use std::any::{Any, TypeId};
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Uri};
use serde::de::DeserializeOwned;

use super::Error;
use super::table::{AppState, ArgDoc, ArgIn, OperationDoc};
use crate::body::RequestBody;
use crate::ir::{self, ErrorType};
use crate::pipeline::RequestContext;

/// What the macro tells an extractor about its argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    /// The argument's name as written (`id`, `user_agent`).
    pub name: &'static str,
    /// For a [`Path`] argument, the index of its parameter in the route's template.
    pub index: usize,
}

/// The deployment a handler serves: the stage and its variables (flags applied).
#[derive(Debug, Default)]
pub(crate) struct StageInfo {
    pub(crate) name: Arc<str>,
    pub(crate) variables: Arc<[(Box<str>, Box<str>)]>,
}

/// The request as the extractors see it: head, body, and the gateway's context for it.
pub struct Request<'a> {
    pub(crate) parts: http::request::Parts,
    pub(crate) body: RequestBody,
    pub(crate) ctx: &'a RequestContext,
    pub(crate) stage: &'a StageInfo,
    pub(crate) app: &'a AppState,
    pub(crate) limits: &'a ir::Limits,
}

impl Request<'_> {
    /// The request method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }

    /// The request target.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The percent-decoded value of the route's path parameter number `index`.
    pub fn path_param(&self, index: usize) -> Option<std::borrow::Cow<'_, str>> {
        self.ctx.params.decoded(self.parts.uri.path(), index)
    }

    /// Application state of type `T` given at start-up ([`crate::handler::Handlers::state`]).
    pub fn state<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.app.get::<T>()
    }

    /// Reads the whole body (within `limits.max_body` and the body read timeout).
    pub async fn bytes(mut self) -> Result<Bytes, Error> {
        let receiving = &self.ctx.client.receiving_body;
        match self
            .body
            .buffer(
                self.limits.max_body.0,
                self.limits.body_read_timeout.as_duration(),
                receiving,
            )
            .await
        {
            Ok(bytes) => Ok(bytes.clone()),
            Err(fault) => Err(Error::new(fault.error_type(), fault.to_string())),
        }
    }
}

/// A handler argument taken from the request head or the gateway's context.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor, so it cannot be a `#[gateway]` handler argument",
    label = "not an extractor",
    note = "arguments are extractors: `Path<T>` (the path parameter named like the argument), `Query<T>`, `Header<T>`, `Context`, `State<T>`, `HeaderMap`, `Method`, `Uri`; the last argument may also read the body: `Json<T>`, `Bytes` or `String`"
)]
pub trait FromRequestParts: Sized {
    /// Takes the value from the request.
    fn from_parts(req: &mut Request<'_>, arg: &'static Arg) -> Result<Self, Error>;

    /// Checked once when the gateway is built (state that was never given fails start-up).
    fn check(_app: &AppState) -> Result<(), String> {
        Ok(())
    }

    /// Adds what this argument reads to the route's OpenAPI operation.
    fn document(_arg: &Arg, _op: &mut OperationDoc) {}
}

/// Marker of [`FromRequest`] implementations that read the body.
#[derive(Debug)]
pub enum ViaRequest {}

/// Marker of the [`FromRequest`] implementation every [`FromRequestParts`] gets.
#[derive(Debug)]
pub enum ViaParts {}

/// The last handler argument: may consume the request, body included.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor, so it cannot be a `#[gateway]` handler argument",
    label = "not an extractor",
    note = "arguments are extractors: `Path<T>` (the path parameter named like the argument), `Query<T>`, `Header<T>`, `Context`, `State<T>`, `HeaderMap`, `Method`, `Uri`; the last argument may also read the body: `Json<T>`, `Bytes` or `String`"
)]
pub trait FromRequest<M = ViaRequest>: Sized {
    /// Takes the value from the request.
    fn from_request(
        req: Request<'_>,
        arg: &'static Arg,
    ) -> impl Future<Output = Result<Self, Error>>;

    /// Checked once when the gateway is built.
    fn check(_app: &AppState) -> Result<(), String> {
        Ok(())
    }

    /// Adds what this argument reads to the route's OpenAPI operation.
    fn document(_arg: &Arg, _op: &mut OperationDoc) {}
}

impl<T: FromRequestParts> FromRequest<ViaParts> for T {
    async fn from_request(mut req: Request<'_>, arg: &'static Arg) -> Result<Self, Error> {
        T::from_parts(&mut req, arg)
    }

    fn check(app: &AppState) -> Result<(), String> {
        T::check(app)
    }

    fn document(arg: &Arg, op: &mut OperationDoc) {
        T::document(arg, op);
    }
}

/// The path parameter named like the argument: `id: Path<u64>` reads `{id}`, percent-decoded
/// and parsed with `FromStr` (a value that does not parse answers `BAD_REQUEST_PARAMETERS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<T> std::ops::Deref for Path<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: FromStr> FromRequestParts for Path<T>
where
    T::Err: std::fmt::Display,
{
    fn from_parts(req: &mut Request<'_>, arg: &'static Arg) -> Result<Self, Error> {
        let raw = req.path_param(arg.index).ok_or_else(|| {
            Error::internal(format!("path parameter `{}` was not captured", arg.name))
        })?;
        raw.parse().map(Path).map_err(|e| {
            Error::new(
                ErrorType::BadRequestParameters,
                format!("path parameter `{}`: {e}", arg.name),
            )
        })
    }

    fn document(arg: &Arg, op: &mut OperationDoc) {
        op.args.push(ArgDoc {
            name: arg.name.to_owned(),
            location: ArgIn::Path,
            required: true,
            type_name: short_type::<T>(),
        });
    }
}

/// The query string deserialised into `T` (a struct with `serde::Deserialize`); a query that
/// does not fit answers `BAD_REQUEST_PARAMETERS`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequestParts for Query<T> {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        let query = req.parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query).map(Query).map_err(|e| {
            Error::new(
                ErrorType::BadRequestParameters,
                format!("query string: {e}"),
            )
        })
    }

    fn document(arg: &Arg, op: &mut OperationDoc) {
        op.args.push(ArgDoc {
            name: arg.name.to_owned(),
            location: ArgIn::Query,
            required: false,
            type_name: short_type::<T>(),
        });
    }
}

/// The request header named like the argument, `_` read as `-` (`user_agent` reads
/// `user-agent`), parsed with `FromStr`. Missing or unparsable: `BAD_REQUEST_PARAMETERS`;
/// take `Option<Header<T>>` for an optional header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<T>(pub T);

impl<T> std::ops::Deref for Header<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

fn header_name(arg: &Arg) -> String {
    arg.name.replace('_', "-")
}

fn header_value<T: FromStr>(req: &Request<'_>, arg: &Arg) -> Result<Option<T>, Error>
where
    T::Err: std::fmt::Display,
{
    let name = header_name(arg);
    let Some(value) = req.parts.headers.get(name.as_str()) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| {
        Error::new(
            ErrorType::BadRequestParameters,
            format!("header `{name}` is not visible ASCII"),
        )
    })?;
    text.parse().map(Some).map_err(|e| {
        Error::new(
            ErrorType::BadRequestParameters,
            format!("header `{name}`: {e}"),
        )
    })
}

impl<T: FromStr> FromRequestParts for Header<T>
where
    T::Err: std::fmt::Display,
{
    fn from_parts(req: &mut Request<'_>, arg: &'static Arg) -> Result<Self, Error> {
        header_value(req, arg)?.map(Header).ok_or_else(|| {
            Error::new(
                ErrorType::BadRequestParameters,
                format!("missing header `{}`", header_name(arg)),
            )
        })
    }

    fn document(arg: &Arg, op: &mut OperationDoc) {
        op.args.push(ArgDoc {
            name: header_name(arg),
            location: ArgIn::Header,
            required: true,
            type_name: short_type::<T>(),
        });
    }
}

impl<T: FromStr> FromRequestParts for Option<Header<T>>
where
    T::Err: std::fmt::Display,
{
    fn from_parts(req: &mut Request<'_>, arg: &'static Arg) -> Result<Self, Error> {
        Ok(header_value(req, arg)?.map(Header))
    }

    fn document(arg: &Arg, op: &mut OperationDoc) {
        op.args.push(ArgDoc {
            name: header_name(arg),
            location: ArgIn::Header,
            required: false,
            type_name: short_type::<T>(),
        });
    }
}

impl FromRequestParts for HeaderMap {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        Ok(req.parts.headers.clone())
    }
}

impl FromRequestParts for Method {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        Ok(req.parts.method.clone())
    }
}

impl FromRequestParts for Uri {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        Ok(req.parts.uri.clone())
    }
}

/// What the gateway knows about the request (AWS's `$context`): request id, the authorizer's
/// principal and claims, the stage and its variables, the API key id, the client address.
#[derive(Debug, Clone)]
pub struct Context {
    request_id: HeaderValue,
    source_ip: HeaderValue,
    principal: Option<Box<str>>,
    claims: serde_json::Map<String, serde_json::Value>,
    authorizer: Vec<(Box<str>, Box<str>)>,
    api_key_id: Option<Box<str>>,
    stage: Arc<str>,
    stage_variables: Arc<[(Box<str>, Box<str>)]>,
}

impl Context {
    /// `$context.requestId` (also the response's `x-request-id`).
    pub fn request_id(&self) -> &str {
        self.request_id.to_str().unwrap_or_default()
    }

    /// `$context.identity.sourceIp`.
    pub fn source_ip(&self) -> &str {
        self.source_ip.to_str().unwrap_or_default()
    }

    /// `$context.authorizer.principalId`, when an authorizer admitted the request.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }

    /// Verified token claims (`$context.authorizer.claims`); empty without a JWT authorizer.
    pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.claims
    }

    /// A custom authorizer's context value (`$context.authorizer.KEY`).
    pub fn authorizer(&self, key: &str) -> Option<&str> {
        self.authorizer
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| &**v)
    }

    /// `$context.identity.apiKeyId`: the id of the API key that admitted the request.
    pub fn api_key_id(&self) -> Option<&str> {
        self.api_key_id.as_deref()
    }

    /// `$context.stage`.
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// `$stageVariables.NAME` of the deployed stage (flags applied).
    pub fn stage_variable(&self, name: &str) -> Option<&str> {
        self.stage_variables
            .iter()
            .find(|(k, _)| &**k == name)
            .map(|(_, v)| &**v)
    }
}

impl FromRequestParts for Context {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        let ctx = req.ctx;
        let (principal, claims, authorizer) = match &ctx.identity {
            Some(id) => (
                id.principal.clone(),
                (*id.claims).clone(),
                id.context.clone(),
            ),
            None => (None, serde_json::Map::new(), Vec::new()),
        };
        Ok(Context {
            request_id: ctx.request_id.clone(),
            source_ip: ctx.client.ip.clone(),
            principal,
            claims,
            authorizer,
            api_key_id: ctx.api_key.as_ref().map(|k| Box::from(&*k.key_id)),
            stage: Arc::clone(&req.stage.name),
            stage_variables: Arc::clone(&req.stage.variables),
        })
    }
}

/// Application state given at start-up ([`crate::handler::Handlers::state`]): a database
/// pool, a client, a store. Cloned per request, so hold an `Arc` (or a pool handle) in it.
/// A gateway whose handlers need a state it was not given does not start.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<T> std::ops::Deref for State<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone + Send + Sync + 'static> FromRequestParts for State<T> {
    fn from_parts(req: &mut Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        req.app.get::<T>().cloned().map(State).ok_or_else(|| {
            Error::internal(format!(
                "no state of type `{}` was given at start-up",
                std::any::type_name::<T>()
            ))
        })
    }

    fn check(app: &AppState) -> Result<(), String> {
        if app.contains(TypeId::of::<T>()) {
            Ok(())
        } else {
            Err(format!(
                "the handler takes `State<{0}>` but no `{0}` was given at start-up (add `.state(value)` to the handler table)",
                std::any::type_name::<T>()
            ))
        }
    }
}

/// The body deserialised from JSON (a body that does not parse answers `BAD_REQUEST_BODY`).
/// Also a response: the value serialised as JSON.
impl<T: DeserializeOwned> FromRequest<ViaRequest> for super::Json<T> {
    async fn from_request(req: Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        let bytes = req.bytes().await?;
        serde_json::from_slice(&bytes)
            .map(super::Json)
            .map_err(|e| {
                // The validation string's words, as request validation words the same faults.
                let found = if e.is_data() {
                    e.to_string()
                } else {
                    format!("the request body is not JSON: {e}")
                };
                Error::bad_request(format!("JSON body: {e}")).with_validation(format!("[{found}]"))
            })
    }

    fn document(_arg: &Arg, op: &mut OperationDoc) {
        op.body = Some(("application/json", short_type::<T>()));
    }
}

impl FromRequest<ViaRequest> for Bytes {
    async fn from_request(req: Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        req.bytes().await
    }

    fn document(_arg: &Arg, op: &mut OperationDoc) {
        op.body = Some(("application/octet-stream", "bytes".to_owned()));
    }
}

impl FromRequest<ViaRequest> for String {
    async fn from_request(req: Request<'_>, _arg: &'static Arg) -> Result<Self, Error> {
        let bytes = req.bytes().await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::bad_request("the body is not UTF-8 text"))
    }

    fn document(_arg: &Arg, op: &mut OperationDoc) {
        op.body = Some(("text/plain", "string".to_owned()));
    }
}

/// The last segment of a type's name (`alloc::string::String` → `String`), for documents.
pub(crate) fn short_type<T>() -> String {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    let short = base.rsplit("::").next().unwrap_or(base);
    short.to_owned()
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.parts.method)
            .field("uri", &self.parts.uri)
            .finish_non_exhaustive()
    }
}

/// `State` needs `Any` values shared by workers.
pub(crate) type StateValue = Arc<dyn Any + Send + Sync>;
