//! The handler table a gateway is built with: which Rust functions exist (by path), and the
//! application state they may take.
//!
//! `#[gateway]` writes one [`RouteDef`] per handler, as a `static` beside the function, and
//! registers it in [`ROUTES`], a link-time list (`linkme`'s distributed slice: no code runs
//! before `main`, and a handler that is linked is listed). Rust-first crates serve that list
//! ([`crate::serve`]); spec-first crates name each handler in the generated code
//! ([`Handlers::route`]), so a missing handler is a compile error at its name.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::Response;

use super::Error;
use super::authorizer::{AUTHORIZERS, AuthorizerDef};
use super::extract::{Request, StateValue};
use crate::body::Body;
use crate::ir;

/// The future of one handler call: boxed once per request (the handler's own future), and not
/// `Send`, since a worker runs each request on its own thread.
pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + 'a>>;

/// Where an argument is read from, for the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgIn {
    /// A path parameter.
    Path,
    /// The query string.
    Query,
    /// A header.
    Header,
}

/// One argument in the OpenAPI document.
#[derive(Debug, Clone)]
pub struct ArgDoc {
    /// Parameter name.
    pub name: String,
    /// Where it is read.
    pub location: ArgIn,
    /// Whether the request must carry it.
    pub required: bool,
    /// Its Rust type's short name (`u64`, `String`, `OrderQuery`).
    pub type_name: String,
}

/// What a handler reads, gathered from its extractors for its OpenAPI operation.
#[derive(Debug, Clone, Default)]
pub struct OperationDoc {
    /// Parameters.
    pub args: Vec<ArgDoc>,
    /// The body's media type and type name.
    pub body: Option<(&'static str, String)>,
    /// The body type's JSON Schema, when it has one (`Json<T>` with `T: schemars::JsonSchema`):
    /// the document's `requestBody` schema and, under `validate(body)`, the validator's.
    pub body_schema: Option<super::schema::SchemaFn>,
    /// The JSON Schema of what the handler answers with, when its return type has one
    /// (`Json<T>`, bare or in a `(StatusCode, …)`/`(HeaderMap, …)` tuple, or a value sent by
    /// the `Serialize` convention, with `T: JsonSchema`): the document's `responses.200`
    /// schema.
    pub response_schema: Option<super::schema::SchemaFn>,
    /// The schemas of its `Query<T>` arguments' `T` (with `T: JsonSchema`), whose properties
    /// the document lists as `in: query` parameters.
    pub query_schemas: Vec<super::schema::SchemaFn>,
}

/// One `#[gateway]` handler, written by the macro as a `static`.
#[derive(Debug)]
pub struct RouteDef {
    /// The function's name.
    pub name: &'static str,
    /// The authorizer its attribute names (`auth(authorizer = "NAME")`), which a Rust-first
    /// API resolves against its authorizers; `None`: public.
    pub authorizer: Option<&'static str>,
    /// Its attribute's `validate(…)`, which a Rust-first API turns into a validator of its own
    /// and the request model its extractors describe; `None`: not validated.
    pub validate: Option<ValidateDef>,
    /// Its module, as `module_path!()` says (`orders_service::orders`).
    pub module: &'static str,
    /// The method as the attribute names it (`GET`, `ANY`).
    pub method: &'static str,
    /// The path template as written in the attribute.
    pub path: &'static str,
    /// The route: method, template, timeout and policies from the attribute.
    pub route: fn() -> ir::Route,
    /// Calls the handler: extractors, the function, the response conversion.
    pub call: for<'a> fn(Request<'a>) -> HandlerFuture<'a>,
    /// Start-up checks of its extractors (state that was never given).
    pub check: fn(&AppState) -> Result<(), String>,
    /// What its extractors read, for the OpenAPI document.
    pub document: fn(&mut OperationDoc),
    /// The handler's doc comment, for the OpenAPI summary.
    pub doc: &'static str,
}

/// What `#[gateway(validate(…))]` checks, as `x-gateway-validate`'s `body` and `parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidateDef {
    /// The body against the JSON Schema of the handler's body type (`BAD_REQUEST_BODY`).
    pub body: bool,
    /// The path and header parameters its extractors require, and the fields its `Query<T>`
    /// types' JSON Schemas require (`BAD_REQUEST_PARAMETERS`).
    pub parameters: bool,
}

impl RouteDef {
    /// `my_crate::orders::create`.
    pub fn full_path(&self) -> String {
        format!("{}::{}", self.module, self.name)
    }

    /// `orders::create`: the path from the crate's root (just the name at the root).
    pub fn path_from_crate(&self) -> String {
        match self.module.split_once("::") {
            Some((_, rest)) => format!("{rest}::{}", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// The call of one handler, as a route's pipeline holds it.
pub(crate) type HandlerCall = for<'a> fn(Request<'a>) -> HandlerFuture<'a>;

/// Every `#[gateway]` handler linked into the program.
#[linkme::distributed_slice]
pub static ROUTES: [RouteDef];

/// Application state given at start-up, by type: each handler's `State<T>` clones the `T`.
#[derive(Clone, Default)]
pub struct AppState {
    values: Arc<HashMap<TypeId, StateValue>>,
}

impl AppState {
    pub(crate) fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
    }

    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("values", &self.values.len())
            .finish()
    }
}

/// The handlers a gateway may call, by path, and the application state they share.
///
/// ```
/// # use gwc_runtime::handler::Handlers;
/// #[derive(Clone)]
/// struct Db;
/// let handlers = Handlers::new().state(Db);
/// # let _ = handlers;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Handlers {
    pub(crate) routes: Vec<&'static RouteDef>,
    pub(crate) authorizers: Vec<&'static AuthorizerDef>,
    pub(crate) state: AppState,
}

impl Handlers {
    /// An empty table.
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Every `#[gateway]` handler linked into this program.
    pub fn linked() -> Handlers {
        let mut routes: Vec<&'static RouteDef> = ROUTES.iter().collect();
        // Link order is not source order; sort for a stable document and route table.
        routes.sort_by_key(|r| (r.module, r.name));
        let mut authorizers: Vec<&'static AuthorizerDef> = AUTHORIZERS.iter().collect();
        authorizers.sort_by_key(|a| (a.name, a.module, a.function));
        Handlers {
            routes,
            authorizers,
            state: AppState::default(),
        }
    }

    /// Adds one handler (what a spec-first crate's generated code does for each it names).
    #[must_use]
    pub fn route(mut self, def: &'static RouteDef) -> Handlers {
        self.routes.push(def);
        self
    }

    /// Adds one Rust authorizer (what a spec-first crate's generated code does for each
    /// custom authorizer whose `handler` the spec names).
    #[must_use]
    pub fn authorizer(mut self, def: &'static AuthorizerDef) -> Handlers {
        self.authorizers.push(def);
        self
    }

    /// The Rust authorizers, in table order.
    pub fn authorizers(&self) -> impl Iterator<Item = &'static AuthorizerDef> + '_ {
        self.authorizers.iter().copied()
    }

    /// The Rust authorizer a spec names, by path as [`Handlers::find`] finds handlers.
    pub(crate) fn find_authorizer(&self, name: &str) -> Option<&'static AuthorizerDef> {
        let name = name.strip_prefix("crate::").unwrap_or(name);
        self.authorizers
            .iter()
            .copied()
            .find(|a| a.path_from_crate() == name || a.full_path() == name)
    }

    /// Gives the handlers a value of type `T` (`State<T>` arguments clone it); one per type.
    #[must_use]
    pub fn state<T: Any + Send + Sync + Clone>(mut self, value: T) -> Handlers {
        Arc::make_mut(&mut self.state.values).insert(TypeId::of::<T>(), Arc::new(value));
        self
    }

    /// The handlers, in table order.
    pub fn routes(&self) -> impl Iterator<Item = &'static RouteDef> + '_ {
        self.routes.iter().copied()
    }

    /// The handler a spec names: by its full path, or by its path from its crate's root
    /// (`orders::create` or `my_crate::orders::create`; a leading `crate::` is ignored).
    pub(crate) fn find(&self, name: &str) -> Option<&'static RouteDef> {
        let name = name.strip_prefix("crate::").unwrap_or(name);
        self.routes
            .iter()
            .copied()
            .find(|r| r.path_from_crate() == name || r.full_path() == name)
    }

    /// The IR of a Rust-first gateway: one route per handler, as its attribute says.
    pub fn routes_ir(&self) -> Vec<ir::Route> {
        self.routes.iter().map(|r| (r.route)()).collect()
    }
}
