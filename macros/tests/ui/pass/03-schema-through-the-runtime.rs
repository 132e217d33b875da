// A crate without its own `schemars` dependency derives `JsonSchema` through the runtime's
// re-export, naming it with `#[schemars(crate = …)]`.
use gwc_runtime::gateway;
use gwc_runtime::handler::Json;

#[derive(serde::Deserialize, gwc_runtime::schemars::JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
struct Quote {
    item: String,
}

#[gateway(POST, "/quotes", validate(body))]
async fn quote(body: Json<Quote>) -> Json<String> {
    Json(body.0.item)
}

fn main() {}
