// What `gwc build` writes for a spec naming a function that has no `#[gateway]` attribute.
mod handlers {
    pub async fn get() -> &'static str {
        "not a handler"
    }
}

fn main() {
    let _ = gwc_runtime::handler::Handlers::new()
        .route(<handlers::get as ::gwc_runtime::__private::Handler>::DEF);
}
