use gwc_runtime::gateway;

#[gateway(GET)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
