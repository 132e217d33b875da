use gwc_runtime::gateway;
use gwc_runtime::handler::{Context, Error, Header, Json, Path, Query, State};

#[derive(Clone)]
struct Db;

#[derive(serde::Deserialize)]
struct Filter {
    _q: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Order {
    id: u64,
}

#[gateway(PUT, "/orders/{id}/lines/{line}", timeout = "3s", id = "putLine")]
async fn put_line(
    id: Path<u64>,
    Path(line): Path<String>,
    _filter: Query<Filter>,
    _agent: Header<String>,
    _ctx: Context,
    _db: State<Db>,
    body: Json<Order>,
) -> Result<Json<Order>, Error> {
    let _ = (line, *id);
    Ok(body)
}

/// Plain serde values are JSON.
#[gateway(any, "/files/{path+}")]
pub async fn files(path: Path<String>) -> Result<Vec<String>, Error> {
    Ok(vec![path.0])
}

#[gateway(GET, "/ping")]
async fn ping() -> &'static str {
    "pong"
}

fn main() {}
