use gwc_runtime::gateway;

#[gateway(GET, "/orders", throttle(rate = -2, burst = 5))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
