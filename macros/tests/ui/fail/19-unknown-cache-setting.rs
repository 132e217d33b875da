use gwc_runtime::gateway;

#[gateway(GET, "/orders", cache(tll = "60s"))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
