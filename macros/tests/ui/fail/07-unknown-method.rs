use gwc_runtime::gateway;

#[gateway(FETCH, "/orders")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
