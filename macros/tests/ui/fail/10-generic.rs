use gwc_runtime::gateway;

#[gateway(GET, "/orders")]
async fn list<T: Default>() -> &'static str {
    "[]"
}

fn main() {}
