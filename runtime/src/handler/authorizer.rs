//! Rust custom authorizers: an `async fn` declared with `#[gateway(authorizer = "NAME")]`
//! decides who the caller is, in-process, in place of an HTTP authorizer endpoint.
//!
//! It receives AWS's authorizer event as a typed value ([`AuthorizerRequest`]: identity source
//! values, method ARN, and for REQUEST events the headers, query, path parameters, stage
//! variables and request context) and answers with an [`Authorization`]: an IAM policy
//! (allow or deny of method ARNs) with a principal id, a context map and an optional usage
//! identifier key. The answer then goes the way an HTTP authorizer's does: it is cached in the
//! shared state by the identity values for the authorizer's TTL, evaluated again against each
//! request's method ARN (a cached Allow of `GET /a` does not admit `DELETE /a`), a missing
//! identity source is refused with 401 before the function is called, a Deny is 403, and an
//! [`Error`] of type `UNAUTHORIZED` is 401 while any other error, a panic or the timeout is
//! 500 `AUTHORIZER_FAILURE`, as AWS answers for a failing Lambda authorizer.
//!
//! ```
//! use gwc_runtime::gateway;
//! use gwc_runtime::handler::{Authorization, AuthorizerRequest, Error};
//!
//! #[gateway(authorizer = "staff", identity_source = ["$request.header.Authorization"], result_ttl = "5m")]
//! async fn staff(req: AuthorizerRequest) -> Result<Authorization, Error> {
//!     match req.token() {
//!         "Bearer letmein" => Ok(req.allow("alice").with_context("team", "ops")),
//!         "Bearer nope" => Ok(req.deny("mallory")),
//!         _ => Err(Error::unauthorized("unknown token")),
//!     }
//! }
//! ```

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value, json};

use super::Error;
use super::extract::State;
use super::table::AppState;
use crate::ir;

/// The future of one authorizer call: boxed once per call, which only a result-cache miss
/// makes.
pub type AuthorizerFuture = Pin<Box<dyn Future<Output = Result<Authorization, Error>>>>;

/// Which of AWS's authorizer events this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorizerEvent {
    /// AWS REST's TOKEN event: the token and the method ARN only.
    Token,
    /// A REQUEST event: the token plus the request's headers, query, path and context.
    Request,
}

/// The request context of an authorizer event (`requestContext` of AWS's REQUEST event).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AuthorizerRequestContext {
    /// `$context.requestId`.
    pub request_id: String,
    /// The stage served.
    pub stage: String,
    /// The client's address (`identity.sourceIp`).
    pub source_ip: String,
    /// The route's path template (`resourcePath`).
    pub resource_path: String,
    /// The request method.
    pub http_method: String,
    /// The request path.
    pub path: String,
}

/// AWS's authorizer event as a typed value: what a Rust authorizer decides on.
///
/// For a TOKEN event only `identity_source`, `method_arn` and the request context are filled;
/// a REQUEST event also carries the headers, query, path parameters and stage variables.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorizerRequest {
    /// TOKEN or REQUEST.
    pub event: AuthorizerEvent,
    /// The identity source values, in the authorizer's order (never empty: a request missing
    /// one is refused before the authorizer is called).
    pub identity_source: Vec<String>,
    /// `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`: what a policy's
    /// resources match.
    pub method_arn: String,
    /// The route's path template (`resource`).
    pub resource: String,
    /// The request path.
    pub path: String,
    /// The request method.
    pub http_method: String,
    /// The request headers (REQUEST events).
    pub headers: http::HeaderMap,
    /// The query parameters, decoded, in order (REQUEST events).
    pub query: Vec<(String, String)>,
    /// The path parameters, decoded, by name (REQUEST events).
    pub path_parameters: Vec<(String, String)>,
    /// The stage's variables (REQUEST events).
    pub stage_variables: Vec<(String, String)>,
    /// The request context.
    pub request_context: AuthorizerRequestContext,
    /// The application state the gateway was given, which `State<T>` arguments read.
    pub(crate) app: AppState,
}

impl AuthorizerRequest {
    /// The first identity value: the token of a TOKEN event (`authorizationToken`).
    pub fn token(&self) -> &str {
        self.identity_source.first().map_or("", String::as_str)
    }

    /// A header's value as text (the first one), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter's first value.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter's value.
    pub fn path_parameter(&self, name: &str) -> Option<&str> {
        self.path_parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Allows this request's method ARN only (what a Lambda answering with `event.methodArn`
    /// does): cached for the identity, the answer admits no other method or path.
    pub fn allow(&self, principal_id: impl Into<String>) -> Authorization {
        Authorization::allow(principal_id, self.method_arn.clone())
    }

    /// Denies this request's method ARN (403).
    pub fn deny(&self, principal_id: impl Into<String>) -> Authorization {
        Authorization::deny(principal_id, self.method_arn.clone())
    }
}

/// A policy statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Admits the matching method ARNs.
    Allow,
    /// Refuses them; an explicit Deny beats any Allow.
    Deny,
}

/// One statement of `execute-api:Invoke`: its effect on method ARN patterns (`*` and `?`
/// wildcards, as IAM's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStatement {
    /// Allow or Deny.
    pub effect: Effect,
    /// Method ARN patterns, e.g. `arn:aws:execute-api:*:*:*/*/GET/orders/*`.
    pub resources: Vec<String>,
}

/// The IAM policy document an authorizer answers with (its `Statement`s about
/// `execute-api:Invoke`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The statements; none admits nothing.
    pub statements: Vec<PolicyStatement>,
}

/// An authorizer's answer: AWS's `{principalId, policyDocument, context, usageIdentifierKey}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    principal_id: String,
    policy: PolicyDocument,
    context: Map<String, Value>,
    usage_identifier_key: Option<String>,
}

impl Authorization {
    /// A policy allowing `resource` (a method ARN pattern) for `principal_id`.
    pub fn allow(principal_id: impl Into<String>, resource: impl Into<String>) -> Authorization {
        Authorization::single(principal_id, Effect::Allow, resource)
    }

    /// A policy denying `resource` for `principal_id`.
    pub fn deny(principal_id: impl Into<String>, resource: impl Into<String>) -> Authorization {
        Authorization::single(principal_id, Effect::Deny, resource)
    }

    /// The whole IAM policy document form.
    pub fn policy(principal_id: impl Into<String>, policy: PolicyDocument) -> Authorization {
        Authorization {
            principal_id: principal_id.into(),
            policy,
            context: Map::new(),
            usage_identifier_key: None,
        }
    }

    fn single(
        principal_id: impl Into<String>,
        effect: Effect,
        resource: impl Into<String>,
    ) -> Authorization {
        Authorization::policy(
            principal_id,
            PolicyDocument {
                statements: vec![PolicyStatement {
                    effect,
                    resources: vec![resource.into()],
                }],
            },
        )
    }

    /// Adds `$context.authorizer.KEY`: a string, number or boolean (AWS refuses nested
    /// values; so does the gateway, with 500 `AUTHORIZER_CONFIGURATION_ERROR`).
    #[must_use]
    pub fn with_context(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.context.insert(key.into(), value.into());
        self
    }

    /// The API key the usage plan step uses when the API's key source is the authorizer.
    #[must_use]
    pub fn with_usage_identifier_key(mut self, key: impl Into<String>) -> Self {
        self.usage_identifier_key = Some(key.into());
        self
    }

    /// The principal id.
    pub fn principal_id(&self) -> &str {
        &self.principal_id
    }

    /// The answer as an HTTP authorizer sends it, which the gateway caches and evaluates the
    /// same way whatever kind of authorizer made it.
    pub(crate) fn to_answer(&self) -> Vec<u8> {
        let statements: Vec<Value> = self
            .policy
            .statements
            .iter()
            .map(|s| {
                json!({
                    "Action": "execute-api:Invoke",
                    "Effect": match s.effect { Effect::Allow => "Allow", Effect::Deny => "Deny" },
                    "Resource": s.resources,
                })
            })
            .collect();
        let mut answer = json!({
            "principalId": self.principal_id,
            "policyDocument": {"Version": "2012-10-17", "Statement": statements},
            "context": self.context,
        });
        if let Some(key) = &self.usage_identifier_key {
            answer["usageIdentifierKey"] = json!(key);
        }
        serde_json::to_vec(&answer).unwrap_or_default()
    }
}

/// What a Rust authorizer may return: an [`Authorization`], or a `Result` of one.
#[diagnostic::on_unimplemented(
    message = "a `#[gateway(authorizer = …)]` function cannot return `{Self}`",
    note = "return `Authorization` or `Result<Authorization, Error>` (`req.allow(\"principal\")`, `Authorization::policy(…)`)"
)]
pub trait IntoAuthorization {
    /// The answer, or the error that refuses (401 for `Error::unauthorized`) or fails (500).
    fn into_authorization(self) -> Result<Authorization, Error>;
}

impl IntoAuthorization for Authorization {
    fn into_authorization(self) -> Result<Authorization, Error> {
        Ok(self)
    }
}

impl<E: Into<Error>> IntoAuthorization for Result<Authorization, E> {
    fn into_authorization(self) -> Result<Authorization, Error> {
        self.map_err(Into::into)
    }
}

/// An argument of a Rust authorizer after its event: shared application state, taken as a
/// handler takes it (`State<T>`, given at start-up with `.state(value)`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of a `#[gateway(authorizer = …)]` function",
    label = "not an authorizer argument",
    note = "a Rust authorizer takes its event first (`req: AuthorizerRequest`), then any number of `State<T>` (application state given at start-up with `.state(value)`)"
)]
pub trait FromAuthorizerRequest: Sized {
    /// Takes the value for this call.
    fn from_authorizer_request(req: &AuthorizerRequest) -> Result<Self, Error>;

    /// Checked once when the gateway is built (state that was never given fails start-up).
    fn check(_app: &AppState) -> Result<(), String> {
        Ok(())
    }
}

impl<T: Clone + Send + Sync + 'static> FromAuthorizerRequest for State<T> {
    fn from_authorizer_request(req: &AuthorizerRequest) -> Result<Self, Error> {
        req.app.get::<T>().cloned().map(State).ok_or_else(|| {
            Error::internal(format!(
                "no state of type `{}` was given at start-up",
                std::any::type_name::<T>()
            ))
        })
    }

    fn check(app: &AppState) -> Result<(), String> {
        if app.contains(std::any::TypeId::of::<T>()) {
            Ok(())
        } else {
            Err(format!(
                "the authorizer takes `State<{0}>` but no `{0}` was given at start-up (add `.state(value)` to the handler table)",
                std::any::type_name::<T>()
            ))
        }
    }
}

/// One `#[gateway(authorizer = …)]` function, written by the macro as a `static`.
#[derive(Debug)]
pub struct AuthorizerDef {
    /// The authorizer's name in a Rust-first API (`auth(authorizer = "NAME")` on routes).
    pub name: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// Its module, as `module_path!()` says.
    pub module: &'static str,
    /// The authorizer with the attribute's settings, for Rust-first APIs (a spec's own
    /// settings win in spec-first ones).
    pub authorizer: fn() -> ir::Authorizer,
    /// Calls the function.
    pub call: fn(AuthorizerRequest) -> AuthorizerFuture,
    /// Start-up checks of its arguments after the event (state that was never given).
    pub check: fn(&AppState) -> Result<(), String>,
}

impl AuthorizerDef {
    /// `my_crate::auth::check`.
    pub fn full_path(&self) -> String {
        format!("{}::{}", self.module, self.function)
    }

    /// `auth::check`: the path from the crate's root.
    pub fn path_from_crate(&self) -> String {
        match self.module.split_once("::") {
            Some((_, rest)) => format!("{rest}::{}", self.function),
            None => self.function.to_owned(),
        }
    }
}

/// Every `#[gateway(authorizer = …)]` function linked into the program.
#[linkme::distributed_slice]
pub static AUTHORIZERS: [AuthorizerDef];
