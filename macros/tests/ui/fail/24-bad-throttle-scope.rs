use gwc_runtime::gateway;

#[gateway(GET, "/orders", throttle(rate = 10, burst = 20, per = "header:"))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
