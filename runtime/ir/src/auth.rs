//! Authorizers: the API-wide table that routes name with [`crate::AuthorizerId`].

use serde::{Deserialize, Serialize};

use crate::{Millis, Secret, Str, UriTemplate};

/// A named authorizer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    /// Name from the spec, for logs and metrics.
    pub name: Str,
    /// How it decides.
    pub kind: AuthorizerKind,
}

/// The kinds of authorizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuthorizerKind {
    /// Bearer JWTs checked against an OpenID Connect issuer's keys.
    Jwt(JwtAuthorizer),
    /// AWS Signature Version 4 request signing, verified against configured credentials.
    Iam(IamAuthorizer),
    /// An HTTP endpoint that answers allow or deny.
    Custom(CustomAuthorizer),
}

impl Default for AuthorizerKind {
    fn default() -> Self {
        AuthorizerKind::Jwt(JwtAuthorizer::default())
    }
}

/// A JWT authorizer. A Cognito user pool lowers to this too: its issuer and JWKS are derived
/// from the pool id, its client ids become the audience.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwtAuthorizer {
    /// Expected `iss`.
    pub issuer: Str,
    /// Accepted `aud` values (any one); empty: any audience.
    pub audience: Vec<Str>,
    /// Where the signing keys are; `None`: OpenID discovery from the issuer.
    pub jwks_uri: Option<Str>,
    /// Request values the token is read from, e.g. `$request.header.Authorization`.
    pub identity_sources: Vec<Str>,
    /// Accepted signing algorithms (`none` never is).
    pub algorithms: Vec<Str>,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway: Millis,
    /// How long fetched keys are kept.
    pub jwks_ttl: Millis,
    /// Claim that must equal `token_use` (Cognito's `access`/`id`); `None`: not checked.
    /// When set, `cognito:groups` also count as scopes.
    pub token_use: Option<Str>,
    /// The shared secret of HS256/384/512, by reference; required when `algorithms` names
    /// one of them, never inline.
    pub secret: Option<Secret>,
}

/// A SigV4 (IAM) authorizer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamAuthorizer {
    /// Region of the credential scope.
    pub region: Str,
    /// Service of the credential scope.
    pub service: Str,
    /// Largest clock difference accepted.
    pub max_skew: Millis,
    /// Accepted access keys.
    pub credentials: Vec<IamCredential>,
}

/// One accepted SigV4 access key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamCredential {
    /// Access key id.
    pub access_key_id: Str,
    /// The secret access key, by reference.
    pub secret: Secret,
    /// For temporary credentials: the session token requests must carry
    /// (`X-Amz-Security-Token`, signed), by reference; `None`: requests must carry none.
    pub session_token: Option<Secret>,
    /// Principal reported to integrations.
    pub principal: Option<Str>,
    /// Method ARN patterns (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`,
    /// `*` and `?` wildcards) this key may call.
    pub allow: Vec<Str>,
    /// Method ARN patterns this key may not call; an explicit deny beats any allow.
    pub deny: Vec<Str>,
}

/// A custom (Lambda-style) authorizer: an HTTP endpoint, or an in-process Rust function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAuthorizer {
    /// Endpoint called with the authorizer event (empty when `handler` is set).
    pub uri: UriTemplate,
    /// The `#[gateway(authorizer = …)]` Rust function called in-process instead of `uri`, by
    /// its path (`my_crate::auth::check`); the answer then takes the same way as an HTTP one
    /// (result cache, policy evaluated per request, `$context.authorizer.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<Str>,
    /// Request values that identify the caller (event and cache key).
    pub identity_sources: Vec<Str>,
    /// How long an answer is cached per identity; zero: not cached.
    pub result_ttl: Millis,
    /// Time the authorizer has to answer.
    pub timeout: Millis,
    /// Event format `2.0` (else `1.0`).
    pub payload_v2: bool,
    /// With `2.0`, answers are `{isAuthorized, context}` rather than a policy.
    pub simple_responses: bool,
    /// AWS's TOKEN event (`authorizationToken`, `methodArn`) rather than a REQUEST event.
    pub token_event: bool,
    /// A regex the first identity value must match whole, else 401 without calling.
    pub identity_validation: Option<Str>,
}
