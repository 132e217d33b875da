use gwc_runtime::gateway;

#[gateway(GET, "/orders", api_key = yes)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
