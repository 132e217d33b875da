use gwc_runtime::gateway;
use gwc_runtime::handler::{Authorization, AuthorizerRequest, Json, Path, State};

#[derive(Clone)]
struct Directory;

// `validate(body)` checks the body against the type's schema: it must derive `JsonSchema`.
#[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
struct Order {
    id: u64,
}

#[gateway(authorizer = "staff", result_ttl = "1m")]
async fn staff(req: AuthorizerRequest, _dir: State<Directory>) -> Authorization {
    req.allow("alice")
}

#[gateway(
    POST,
    "/orders/{id}",
    auth(authorizer = "staff", scopes = ["orders:write"]),
    api_key = required,
    throttle(rate = 2.5, burst = 10, per = "header:x-tenant"),
    cache(ttl = "30s", key = ["path.id", "query.lang", "header.accept"], shared = false),
    validate(body, parameters),
    timeout = "2s"
)]
async fn put(id: Path<u64>, body: Json<Order>) -> Json<Order> {
    let _ = *id;
    body
}

#[gateway(GET, "/orders", api_key = false, throttle(rate = 1, burst = 1, per = ip), cache())]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
