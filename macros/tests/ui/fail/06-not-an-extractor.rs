use gwc_runtime::gateway;

struct Database;

#[gateway(GET, "/orders")]
async fn list(_db: Database) -> &'static str {
    "[]"
}

fn main() {}
