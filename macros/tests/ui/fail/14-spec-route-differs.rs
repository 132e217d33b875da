// What `gwc build` writes for a spec whose operation is `GET /orders/{id}` while the handler's
// attribute says `/order/{id}`: the generated crate does not build.
mod handlers {
    use gwc_runtime::gateway;
    use gwc_runtime::handler::Path;

    #[gateway(GET, "/order/{id}")]
    pub async fn get(id: Path<u64>) -> String {
        id.to_string()
    }
}

const _: () = {
    ::gwc_runtime::__private::assert_route(
        <handlers::get as ::gwc_runtime::__private::Handler>::DEF,
        "GET",
        "/orders/{id}",
    );
};

fn main() {}
