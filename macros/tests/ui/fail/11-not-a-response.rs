use gwc_runtime::gateway;

struct Order;

#[gateway(GET, "/orders")]
async fn list() -> Order {
    Order
}

fn main() {}
