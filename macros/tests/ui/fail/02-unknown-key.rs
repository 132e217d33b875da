use gwc_runtime::gateway;

#[gateway(GET, "/ping", timout = "2s")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
