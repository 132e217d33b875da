use gwc_runtime::gateway;

#[gateway(GET, "/orders/{id}")]
async fn get() -> &'static str {
    "an order"
}

fn main() {}
