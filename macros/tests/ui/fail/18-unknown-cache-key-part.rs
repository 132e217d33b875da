use gwc_runtime::gateway;

#[gateway(GET, "/orders", cache(ttl = "60s", key = ["cookie.session"]))]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
