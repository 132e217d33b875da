use gwc_runtime::gateway;
use gwc_runtime::handler::Path;

#[gateway(GET, "/orders/{order_id}")]
async fn get(order_id: Path<u64>, orderid: Path<u64>) -> String {
    format!("{} {}", *order_id, *orderid)
}

fn main() {}
