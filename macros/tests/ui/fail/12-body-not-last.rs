use gwc_runtime::gateway;
use gwc_runtime::handler::{Context, Json};

#[gateway(POST, "/orders")]
async fn create(body: Json<String>, _ctx: Context) -> String {
    body.0
}

fn main() {}
