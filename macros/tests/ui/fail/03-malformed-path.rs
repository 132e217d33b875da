use gwc_runtime::gateway;
use gwc_runtime::handler::Path;

#[gateway(GET, "/orders/{id")]
async fn get(id: Path<u64>) -> String {
    id.to_string()
}

fn main() {}
