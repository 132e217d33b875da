use super::table::RouteDef;
use super::*;
use crate::ir;

fn route() -> ir::Route {
    ir::Route::default()
}

fn call(_: Request<'_>) -> HandlerFuture<'_> {
    Box::pin(async { Err(Error::internal("unused")) })
}

static DEF: RouteDef = RouteDef {
    name: "create",
    module: "orders_handlers::orders",
    method: "POST",
    path: "/orders",
    authorizer: None,
    validate: None,
    route,
    call,
    check: |_| Ok(()),
    document: |_| {},
    doc: "",
};

static ROOT: RouteDef = RouteDef {
    name: "ping",
    module: "pinger",
    method: "GET",
    path: "/ping",
    authorizer: None,
    validate: None,
    route,
    call,
    check: |_| Ok(()),
    document: |_| {},
    doc: "",
};

#[test]
fn handlers_are_found_by_any_spelling_of_their_path() {
    let table = Handlers::new().route(&DEF).route(&ROOT);
    for name in [
        "orders_handlers::orders::create",
        "orders::create",
        "crate::orders::create",
    ] {
        assert!(
            table.find(name).is_some_and(|d| d.name == "create"),
            "{name}"
        );
    }
    assert!(table.find("pinger::ping").is_some());
    assert!(table.find("ping").is_some());
    assert!(table.find("orders::delete").is_none());
    assert!(table.find("other_crate::orders::create::x").is_none());
}

#[test]
fn state_is_kept_by_type() {
    #[derive(Clone, PartialEq, Debug)]
    struct Pool(u8);
    let table = Handlers::new().state(Pool(7)).state(3u32);
    assert_eq!(table.state.get::<Pool>(), Some(&Pool(7)));
    assert_eq!(table.state.get::<u32>(), Some(&3));
    assert_eq!(table.state.get::<u64>(), None);
    assert!(<State<Pool> as FromRequestParts>::check(&table.state).is_ok());
    let e = <State<u64> as FromRequestParts>::check(&table.state).unwrap_err();
    assert!(e.contains("`State<u64>`"), "{e}");
}

#[test]
fn errors_keep_their_detail_out_of_the_client_message() {
    let e: Error = std::io::Error::other("secret path /etc/x").into();
    assert_eq!(e.kind(), ir::ErrorType::Default5xx);
    assert_eq!(e.detail(), "secret path /etc/x");
    assert_eq!(
        Error::not_found("x").kind(),
        ir::ErrorType::ResourceNotFound
    );
}

#[test]
fn type_names_are_short_in_documents() {
    assert_eq!(extract::short_type::<String>(), "String");
    assert_eq!(extract::short_type::<u64>(), "u64");
    assert_eq!(extract::short_type::<Vec<String>>(), "Vec");
}
