//! The bare-axum baseline of the handler benchmark: `GET /hello` answered by an async
//! handler with the 12-byte body the gwc handler gateway sends, on one `current_thread`
//! runtime (the shape of one gwc worker), with mimalloc (the allocator gwc gateways use), so
//! the two differ only in what sits around the handler.
//!
//! `gwc-bench-axum --listen 127.0.0.1:18085`

use std::net::SocketAddr;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

async fn hello() -> &'static str {
    "Hello world!"
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = ([127, 0, 0, 1], 18085).into();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => {
                listen = addr
                    .parse()
                    .map_err(|e| std::io::Error::other(format!("--listen {addr}: {e}")))?;
            }
            _ => return Err(std::io::Error::other("usage: gwc-bench-axum [--listen ADDR]")),
        }
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let app = axum::Router::new().route("/hello", axum::routing::get(hello));
        let listener = tokio::net::TcpListener::bind(listen).await?;
        println!("listening on {listen}");
        axum::serve(listener, app).await
    })
}
