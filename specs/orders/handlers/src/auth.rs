//! The service's custom authorizer, a Rust function: the gateway calls it in-process with
//! AWS's authorizer event, caches its answer by token for `result_ttl`, and evaluates the
//! policy it returns against each request's method and path.

use gwc_runtime::gateway;
use gwc_runtime::handler::{Authorization, AuthorizerRequest, Error, State};

use crate::store::Store;

/// Staff tokens (`Authorization: Bearer ROLE-NAME`, a stand-in for a real token check):
/// `admin-…` may call every route, `reader-…` only the method and path it was first asked
/// for (the policy names this request's method ARN), `deny-…` is refused; any other token is
/// 401. `fail` and `panic` show how a broken authorizer is answered (500).
///
/// It takes the store as shared state, as the handlers do (`State<Store>`, given at
/// start-up), and counts its calls there: its answers are cached, so the count is of cache
/// misses, and each answer carries it in its context as `call`.
#[gateway(
    authorizer = "staff",
    identity_source = ["$request.header.Authorization"],
    result_ttl = "5m",
    timeout = "2s"
)]
pub async fn staff(req: AuthorizerRequest, store: State<Store>) -> Result<Authorization, Error> {
    let call = store.authorizer_call();
    let token = req.token().strip_prefix("Bearer ").unwrap_or_default();
    let (role, name) = token.split_once('-').unwrap_or((token, ""));
    let answer = match role {
        "admin" => Authorization::allow(name, "*"),
        "reader" => req.allow(name),
        "deny" => req.deny(name),
        "fail" => return Err(Error::internal("the staff directory is unavailable")),
        "panic" => panic!("the staff directory is corrupt"),
        _ => return Err(Error::unauthorized("unknown token")),
    };
    Ok(answer.with_context("role", role).with_context("call", call))
}
