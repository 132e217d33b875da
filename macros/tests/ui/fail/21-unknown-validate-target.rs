use gwc_runtime::gateway;
use gwc_runtime::handler::Json;

#[gateway(POST, "/orders", validate(bodies))]
async fn create(order: Json<String>) -> Json<String> {
    order
}

fn main() {}
