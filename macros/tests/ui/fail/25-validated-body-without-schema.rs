use gwc_runtime::gateway;
use gwc_runtime::handler::Json;

// Deserialize only: `validate(body)` has no schema to check the body against.
#[derive(serde::Deserialize)]
struct Quote {
    item: String,
}

#[gateway(POST, "/quotes", validate(body))]
async fn quote(body: Json<Quote>) -> Json<String> {
    Json(body.0.item)
}

fn main() {}
