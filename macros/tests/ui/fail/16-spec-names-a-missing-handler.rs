// What `gwc build` writes for a spec naming a handler its crate does not have.
mod handlers {}

fn main() {
    let _ = gwc_runtime::handler::Handlers::new()
        .route(<handlers::create as ::gwc_runtime::__private::Handler>::DEF);
}
