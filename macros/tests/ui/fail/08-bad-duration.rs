use gwc_runtime::gateway;

#[gateway(GET, "/orders", timeout = "2 weeks")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
