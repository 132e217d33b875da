use gwc_runtime::gateway;
use gwc_runtime::handler::{Authorization, AuthorizerRequest};

#[gateway(authorizer = "staff")]
async fn staff(req: AuthorizerRequest, limit: u32) -> Authorization {
    let _ = limit;
    req.allow("alice")
}

fn main() {}
