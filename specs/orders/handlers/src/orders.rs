//! The handlers: each an `async fn` with its route and gateway settings in `#[gateway]`.

use gwc_runtime::gateway;
use gwc_runtime::handler::{Context, Error, Json, Path, Query, State};
use gwc_runtime::http::StatusCode;
use serde::Deserialize;

use crate::models::{NewOrder, Order, WhoAmI};
use crate::store::Store;

/// Query of `GET /orders`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Most orders returned (default 100).
    pub limit: Option<usize>,
}

/// Creates an order.
#[gateway(POST, "/orders", id = "createOrder", timeout = "2s")]
pub async fn create(
    store: State<Store>,
    order: Json<NewOrder>,
) -> Result<(StatusCode, Json<Order>), Error> {
    if order.item.trim().is_empty() {
        return Err(Error::bad_request("an order needs an item"));
    }
    Ok((StatusCode::CREATED, Json(store.insert(order.0))))
}

/// Reads one order.
#[gateway(GET, "/orders/{id}", id = "getOrder", auth(authorizer = "staff"))]
pub async fn get(id: Path<i64>, store: State<Store>) -> Result<Json<Order>, Error> {
    store
        .get(*id)
        .map(Json)
        .ok_or_else(|| Error::not_found(format!("no order {}", *id)))
}

/// Lists orders.
#[gateway(GET, "/orders", id = "listOrders")]
pub async fn list(page: Query<Page>, store: State<Store>) -> Vec<Order> {
    store.list(page.limit.unwrap_or(100))
}

/// Deletes an order.
#[gateway(DELETE, "/orders/{id}", id = "deleteOrder", auth(authorizer = "staff"))]
pub async fn delete(id: Path<i64>, store: State<Store>) -> Result<StatusCode, Error> {
    if store.remove(*id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::not_found(format!("no order {}", *id)))
    }
}

/// Echoes the request context, with what the authorizer said about the caller.
#[gateway(GET, "/whoami", id = "whoAmI", auth(authorizer = "staff"))]
pub async fn whoami(ctx: Context) -> Json<WhoAmI> {
    Json(WhoAmI {
        request_id: ctx.request_id().to_owned(),
        stage: ctx.stage().to_owned(),
        source_ip: ctx.source_ip().to_owned(),
        principal: ctx.principal().map(str::to_owned),
        role: ctx.authorizer("role").map(str::to_owned),
        call: ctx.authorizer("call").and_then(|c| c.parse().ok()),
    })
}
