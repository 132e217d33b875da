//! `#[gateway]` handlers served by the real runtime over a loopback socket: extractors,
//! responses, errors in the gateway's shape, state, timeouts, panics, and the OpenAPI document.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gwc_runtime::handler::{Context, Error, Header, Json, Path, Query, State};
use gwc_runtime::{AccessLogOverride, App, Gateway, RuntimeArgs, Server, gateway};
use http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Default)]
struct Counter(Arc<AtomicU64>);

#[derive(Serialize)]
struct Item {
    id: u64,
    name: String,
}

#[derive(Deserialize)]
struct NewItem {
    name: String,
}

/// A body checked field by field: `validate(body)` takes its schema from the type.
#[derive(Deserialize, schemars::JsonSchema)]
struct NewTag {
    #[schemars(length(min = 2))]
    name: String,
    #[schemars(range(max = 10))]
    weight: u8,
}

/// A body with a schema but no `validate(body)`: the document still shows its schema.
#[derive(Deserialize, schemars::JsonSchema)]
struct Note {
    text: String,
}

#[gateway(POST, "/tags", validate(body))]
async fn create_tag(body: Json<NewTag>) -> Json<String> {
    Json(format!("{}:{}", body.name, body.weight))
}

#[gateway(POST, "/notes")]
async fn create_note(body: Json<Note>) -> Json<String> {
    Json(body.0.text)
}

/// A query with a required field: under `validate(parameters)` the gateway refuses a request
/// without it before the handler runs.
#[derive(Deserialize, schemars::JsonSchema)]
struct Search {
    term: String,
    page: Option<u32>,
}

/// What a search answers with, described by its schema.
#[derive(Serialize, schemars::JsonSchema)]
struct Hit {
    term: String,
    page: u32,
    tenant: String,
}

#[gateway(GET, "/search", validate(parameters))]
async fn search(q: Query<Search>, x_tenant: Header<String>) -> (StatusCode, Json<Hit>) {
    let page = q.page.unwrap_or(1);
    let status = if page > 1 {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let hit = Hit {
        term: q.0.term,
        page,
        tenant: x_tenant.0,
    };
    (status, Json(hit))
}

#[derive(Deserialize)]
struct Paging {
    limit: Option<u32>,
}

/// Reads one item.
#[gateway(GET, "/items/{id}", timeout = "2s")]
async fn get_item(id: Path<u64>, ctx: Context) -> Result<Json<Item>, Error> {
    if *id == 0 {
        return Err(Error::not_found("item 0 does not exist"));
    }
    Ok(Json(Item {
        id: *id,
        name: format!("item in {}", ctx.stage()),
    }))
}

#[gateway(POST, "/items")]
async fn create_item(
    State(counter): State<Counter>,
    body: Json<NewItem>,
) -> (StatusCode, Json<Item>) {
    let id = counter.0.fetch_add(1, Ordering::Relaxed) + 1;
    (
        StatusCode::CREATED,
        Json(Item {
            id,
            name: body.0.name,
        }),
    )
}

/// A plain `Serialize` value is sent as JSON.
#[gateway(GET, "/items")]
async fn list_items(paging: Query<Paging>, user_agent: Option<Header<String>>) -> Vec<String> {
    let agent = user_agent.map(|h| h.0).unwrap_or_default();
    vec![format!("limit={:?}", paging.limit), agent]
}

#[gateway(GET, "/text/{name}.txt")]
async fn text(name: Path<String>) -> String {
    format!("hello {}", *name)
}

#[gateway(POST, "/echo")]
async fn echo(body: bytes::Bytes) -> bytes::Bytes {
    body
}

#[gateway(GET, "/slow", timeout = "100ms")]
async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

#[gateway(GET, "/panic")]
async fn panics() -> &'static str {
    panic!("handler bug")
}

#[gateway(DELETE, "/items/{id}")]
async fn delete_item(id: Path<u64>) -> Result<(), Error> {
    if *id > 100 {
        return Err(std::io::Error::other("disk on fire").into());
    }
    Ok(())
}

fn start() -> (Server, SocketAddr) {
    let app = App::new("handlers-test").state(Counter::default());
    let args = RuntimeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        workers: Some(1),
        access_log: Some(AccessLogOverride::Off),
        ..RuntimeArgs::default()
    };
    let state = gwc_runtime::connect_state(&app.ir(), &args).unwrap();
    let gw = Gateway::from_ir_with_handlers(&app.ir(), &args, &state, app.handlers()).unwrap();
    let server = Server::start(gw, &args).unwrap();
    let addr = server.local_addr();
    (server, addr)
}

/// One HTTP/1.1 request on its own connection; returns status, headers (lower-cased) and body.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\ncontent-length: {}\r\n{headers}\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn handlers_serve_over_tcp() {
    let (server, addr) = start();

    let (status, head, body) = request(addr, "GET", "/items/7", "", "");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-request-id"), "{head}");
    assert_eq!(body, r#"{"id":7,"name":"item in default"}"#);

    // A handler's Err is a gateway response of its type.
    let (status, _, body) = request(addr, "GET", "/items/0", "", "");
    assert_eq!((status, body.as_str()), (404, r#"{"message":"Not Found"}"#));
    // An extractor's rejection too: `x` is not a u64.
    let (status, _, _) = request(addr, "GET", "/items/x", "", "");
    assert_eq!(status, 400);

    let (status, _, body) = request(
        addr,
        "POST",
        "/items",
        "content-type: application/json\r\n",
        r#"{"name":"tea"}"#,
    );
    assert_eq!((status, body.as_str()), (201, r#"{"id":1,"name":"tea"}"#));
    let (status, _, body) = request(addr, "POST", "/items", "", r#"{"name":"#);
    assert_eq!(status, 400, "{body}");

    let (status, _, body) = request(addr, "GET", "/items?limit=5", "user-agent: probe\r\n", "");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"["limit=Some(5)","probe"]"#)
    );
    let (status, _, _) = request(addr, "GET", "/items?limit=many", "", "");
    assert_eq!(status, 400);

    let (status, head, body) = request(addr, "GET", "/text/w%C3%B6rld.txt", "", "");
    assert_eq!((status, body.as_str()), (200, "hello wörld"));
    assert!(head.contains("text/plain"), "{head}");

    // validate(body): the schema of `NewTag`, field by field, before the handler; a weight
    // of 11 and a one-letter name deserialise, only the schema refuses them.
    for bad in [
        r#"{"name":"tea","weight":11}"#,
        r#"{"name":"t","weight":1}"#,
        r#"{"name":"tea"}"#,
    ] {
        let (status, _, body) = request(
            addr,
            "POST",
            "/tags",
            "content-type: application/json\r\n",
            bad,
        );
        assert_eq!(
            (status, body.as_str()),
            (400, r#"{"message":"Invalid request body"}"#),
            "{bad}"
        );
    }
    let (status, _, body) = request(
        addr,
        "POST",
        "/tags",
        "content-type: application/json\r\n",
        r#"{"name":"tea","weight":10}"#,
    );
    assert_eq!((status, body.as_str()), (200, r#""tea:10""#));

    // validate(parameters): `term` (required by `Search`'s schema) and the `x-tenant` header
    // (a `Header`, not an `Option<Header>`), named as AWS's validator names them.
    for (query, headers, missing) in [
        ("/search", "", "[x-tenant, term]"),
        ("/search?page=2", "x-tenant: t1\r\n", "[term]"),
        ("/search?term=tea", "", "[x-tenant]"),
    ] {
        let (status, head, body) = request(addr, "GET", query, headers, "");
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            head.contains("x-amzn-errortype: badrequestexception"),
            "{head}"
        );
        assert_eq!(
            body,
            format!(r#"{{"message":"Missing required request parameters: {missing}"}}"#),
            "{query}"
        );
    }
    let (status, _, body) = request(
        addr,
        "GET",
        "/search?term=tea&page=2",
        "x-tenant: t1\r\n",
        "",
    );
    assert_eq!(
        (status, body.as_str()),
        (206, r#"{"term":"tea","page":2,"tenant":"t1"}"#)
    );

    let (status, _, body) = request(addr, "POST", "/echo", "", "raw bytes");
    assert_eq!((status, body.as_str()), (200, "raw bytes"));
    // A gateway without proxy routes writes each response through one buffer (the body
    // copied after the head): a large in-memory body still goes out whole and intact.
    let large: String = (0..(3 << 20) / 16)
        .map(|i| format!("{:015x}\n", i * 7919))
        .collect();
    let (status, head, body) = request(addr, "POST", "/echo", "", &large);
    assert_eq!(status, 200);
    assert!(
        head.contains(&format!("content-length: {}", large.len())),
        "{head}"
    );
    assert!(
        body == large,
        "{} bytes back of {}",
        body.len(),
        large.len()
    );

    let (status, _, _) = request(addr, "DELETE", "/items/3", "", "");
    assert_eq!(status, 204);
    let (status, _, body) = request(addr, "DELETE", "/items/300", "", "");
    assert_eq!(status, 500);
    assert!(
        !body.contains("disk on fire"),
        "library error text must stay in the log: {body}"
    );

    let started = std::time::Instant::now();
    let (status, _, _) = request(addr, "GET", "/slow", "", "");
    assert_eq!(status, 504);
    assert!(started.elapsed() < Duration::from_secs(3));

    // The handler's panic is expected: no backtrace for it (with `RUST_BACKTRACE=1`, resolving
    // one in this debug binary on a loaded machine outlasted the client's read timeout).
    // Every other panic still reaches the default hook.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"handler bug") {
            default_hook(info);
        }
    }));
    let (status, _, _) = request(addr, "GET", "/panic", "", "");
    assert_eq!(status, 500);
    // The worker survived the panic.
    let (status, _, _) = request(addr, "GET", "/items/1", "", "");
    assert_eq!(status, 200);

    server.shutdown();
    server.wait();
}

#[test]
fn a_missing_state_stops_the_build() {
    let app = App::new("no-state");
    let args = RuntimeArgs::default();
    let state = gwc_runtime::connect_state(&app.ir(), &args).unwrap();
    let e = Gateway::from_ir_with_handlers(&app.ir(), &args, &state, app.handlers()).unwrap_err();
    assert!(
        e.to_string()
            .contains("takes `State<handlers::Counter>` but no `handlers::Counter` was given"),
        "{e}"
    );
}

#[test]
fn openapi_document_describes_the_handlers() {
    let doc = App::new("handlers-test").openapi();
    let get = &doc["paths"]["/items/{id}"]["get"];
    assert_eq!(get["operationId"], "get_item");
    assert_eq!(get["summary"], "Reads one item.");
    assert_eq!(get["parameters"][0]["name"], "id");
    assert_eq!(get["parameters"][0]["schema"]["type"], "integer");
    assert_eq!(get["x-gateway-integration"]["type"], "rust");
    assert_eq!(
        get["x-gateway-integration"]["handler"],
        "handlers::get_item"
    );
    assert_eq!(get["x-gateway-integration"]["timeout"], "2000ms");
    // `NewItem` has no `JsonSchema`: a named object, as before.
    let post = &doc["paths"]["/items"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"],
        serde_json::json!({"type": "object", "title": "NewItem"})
    );
    // With `JsonSchema`, validated or not: a reference to the type's component.
    for (path, name) in [("/tags", "NewTag"), ("/notes", "Note")] {
        assert_eq!(
            doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"],
            serde_json::json!({"$ref": format!("#/components/schemas/{name}")}),
            "{path}"
        );
    }
    let tag = &doc["components"]["schemas"]["NewTag"];
    assert_eq!(
        tag["required"],
        serde_json::json!(["name", "weight"]),
        "{tag}"
    );
    assert_eq!(tag["properties"]["name"]["minLength"], 2, "{tag}");
    assert_eq!(tag["properties"]["weight"]["maximum"], 10, "{tag}");
    assert_eq!(
        doc["components"]["schemas"]["Note"]["required"],
        serde_json::json!(["text"])
    );
    // `(StatusCode, Json<Hit>)`: the body's schema, under `200` (the status is chosen at run
    // time); the query's required field is a required parameter.
    let search = &doc["paths"]["/search"]["get"];
    assert_eq!(
        search["responses"]["200"]["content"]["application/json"]["schema"],
        serde_json::json!({"$ref": "#/components/schemas/Hit"}),
        "{search}"
    );
    let term = search["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "term"))
        .expect("term is a parameter");
    assert_eq!(
        (&term["in"], &term["required"]),
        (&serde_json::json!("query"), &serde_json::json!(true))
    );
    // The validator's schema is the same, made self-contained.
    let ir = App::new("handlers-test").ir();
    let route = ir.routes.iter().find(|r| r.id == "create_tag").unwrap();
    let schema: serde_json::Value = serde_json::from_str(&route.request.bodies[0].schema).unwrap();
    assert_eq!(
        schema,
        serde_json::json!({
            "$ref": "#/components/schemas/NewTag",
            "components": {"schemas": {"NewTag": tag}},
        })
    );
}
