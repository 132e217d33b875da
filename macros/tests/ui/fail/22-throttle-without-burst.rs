use gwc_runtime::gateway;

#[gateway(GET, "/orders", throttle(rate = 10))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
