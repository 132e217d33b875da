use gwc_runtime::gateway;

#[gateway(GET, "/ping")]
fn ping() -> &'static str {
    "pong"
}

fn main() {}
