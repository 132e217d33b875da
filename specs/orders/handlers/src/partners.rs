//! Routes for the shop's partners, each with one more gateway setting in its `#[gateway]`
//! attribute, named and meant as the spec's `x-gateway-*` keys: a response cache, a
//! throttle, an API key requirement, and request validation (of a body, and of query
//! parameters). The gateway runs these steps
//! before the handler is called, exactly as for a spec's route, so a cached, throttled,
//! keyless or malformed request never reaches the function.
//!
//! These routes are Rust-first only: `specs/orders/spec.yaml` does not name them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gwc_runtime::gateway;
use gwc_runtime::handler::{Context, Error, Json, Path, Query, State};
use gwc_runtime::http::StatusCode;
use gwc_runtime::ir::ErrorType;
use gwc_runtime::schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many times the handlers of this module ran, shared by every worker: it shows what a
/// cache hit saves (the handler is not called).
#[derive(Debug, Clone, Default)]
pub struct Calls(Arc<AtomicU64>);

impl Calls {
    fn count(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// An item's price. Its JSON Schema (from the type) describes the answers that carry it in
/// the OpenAPI document.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
pub struct Price {
    /// The item.
    pub item: String,
    /// Its price in cents.
    pub cents: u64,
    /// The handler's call number that computed this answer (a cached answer keeps it).
    pub computed_by_call: u64,
}

/// An item's price, costly to compute: cached for a minute per item (`path.item`).
#[gateway(
    GET,
    "/prices/{item}",
    id = "getPrice",
    cache(ttl = "60s", key = ["path.item"])
)]
pub async fn price(item: Path<String>, calls: State<Calls>) -> Json<Price> {
    let cents = item.bytes().map(u64::from).sum::<u64>() * 7;
    Json(Price {
        item: item.0,
        cents,
        computed_by_call: calls.count(),
    })
}

/// How many times the handlers of this module ran.
#[gateway(GET, "/calls", id = "getCalls")]
pub async fn calls(calls: State<Calls>) -> Json<u64> {
    Json(calls.0.0.load(Ordering::Relaxed))
}

/// The service's status, throttled for everyone together: two requests at once, then one
/// every two seconds (429 `Too Many Requests` in between).
#[gateway(GET, "/status", id = "getStatus", throttle(rate = 0.5, burst = 2))]
pub async fn status() -> &'static str {
    "ok"
}

/// What a partner's feed says about the caller.
#[derive(Debug, Serialize)]
pub struct Feed {
    /// `$context.identity.apiKeyId`: the name of the API key that admitted the request
    /// (never the key itself).
    pub api_key_id: Option<String>,
    /// The request id.
    pub request_id: String,
}

/// The partners' feed: only with an API key of a usage plan (403 without one); the handler
/// sees which key it was by its id.
#[gateway(GET, "/partner/feed", id = "partnerFeed", api_key = required)]
pub async fn feed(ctx: Context) -> Json<Feed> {
    Json(Feed {
        api_key_id: ctx.api_key_id().map(str::to_owned),
        request_id: ctx.request_id().to_owned(),
    })
}

/// What a client asks a quote for. Its JSON Schema is derived from the type (`schemars`,
/// through the runtime's re-export, so this crate needs no dependency of its own); the
/// OpenAPI document shows it, and `validate(body)` checks every body against it, field by
/// field, before the handler runs.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
pub struct QuoteRequest {
    /// What to quote: 1 to 40 characters.
    #[schemars(length(min = 1, max = 40))]
    pub item: String,
    /// How many: 1 to 100 (serde alone would take 0 or 5000).
    #[schemars(range(min = 1, max = 100))]
    pub quantity: u32,
}

/// A quote for an order, without placing it: the body is validated against `QuoteRequest`'s
/// schema before the handler runs (400 `Invalid request body` for a missing field, a wrong
/// type, an empty item, a quantity of 0…).
#[gateway(POST, "/quotes", id = "quoteOrder", validate(body))]
pub async fn quote(calls: State<Calls>, order: Json<QuoteRequest>) -> Json<Price> {
    let quantity = u64::from(order.quantity);
    Json(Price {
        cents: order.item.bytes().map(u64::from).sum::<u64>() * 7 * quantity,
        item: order.0.item,
        computed_by_call: calls.count(),
    })
}

/// A price search's query string. `term` is required (a `String`, not an `Option`), so its
/// JSON Schema lists it in `required`: the OpenAPI document marks the parameter
/// `required: true`, and `validate(parameters)` refuses a request without it.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
pub struct PriceSearch {
    /// The item to price.
    pub term: String,
    /// How many (default 1).
    pub quantity: Option<u32>,
}

/// Prices `quantity` of an item: a request without `term` is refused by the gateway's
/// validator (400 `Missing required request parameters: [term]`, as for a spec route), and
/// never reaches the handler. An empty `term` is present, so it passes the validator (as on
/// AWS) and the handler refuses it (400 `Bad request`).
#[gateway(GET, "/search", id = "searchPrices", validate(parameters))]
pub async fn search(
    query: Query<PriceSearch>,
    calls: State<Calls>,
) -> Result<(StatusCode, Json<Price>), Error> {
    if query.term.is_empty() {
        return Err(Error::new(ErrorType::Default4xx, "an empty search term"));
    }
    let quantity = u64::from(query.quantity.unwrap_or(1));
    Ok((
        StatusCode::OK,
        Json(Price {
            cents: query.term.bytes().map(u64::from).sum::<u64>() * 7 * quantity,
            item: query.0.term,
            computed_by_call: calls.count(),
        }),
    ))
}
