//! The service's custom authorizer, a Rust function: the gateway calls it in-process with
//! AWS's authorizer event, caches its answer by token for `result_ttl`, and evaluates the
//! policy it returns against each request's method and path.

use std::sync::atomic::{AtomicU64, Ordering};

use gwc_runtime::gateway;
use gwc_runtime::handler::{Authorization, AuthorizerRequest, Error};

/// How many times the authorizer ran (its answers are cached, so this counts cache misses);
/// each answer carries the count in its context as `call`.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// Staff tokens (`Authorization: Bearer ROLE-NAME`, a stand-in for a real token check):
/// `admin-…` may call every route, `reader-…` only the method and path it was first asked
/// for (the policy names this request's method ARN), `deny-…` is refused; any other token is
/// 401. `fail` and `panic` show how a broken authorizer is answered (500).
#[gateway(
    authorizer = "staff",
    identity_source = ["$request.header.Authorization"],
    result_ttl = "5m",
    timeout = "2s"
)]
pub async fn staff(req: AuthorizerRequest) -> Result<Authorization, Error> {
    let call = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
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
