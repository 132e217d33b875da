//! A Rust-first API's document read back: `App::openapi()` (what `--print-openapi` prints),
//! written to a file and run through the front end `gwc check` and `gwc build` run, gives the
//! same IR where it matters: the usage plans `App::plan` added, and the validated route's body
//! schema (derived from its Rust type), so a gateway built from the document behaves as the
//! Rust-first one does.

use gwc_runtime::App;
use gwc_runtime::handler::{Error, Json, Path, Query};
use gwc_runtime::http::{HeaderMap, StatusCode};
use gwc_runtime::ir::{
    ApiKey, Gateway, ParamIn, Quota, QuotaPeriod, RequiredParam, RouteId, Secret, Throttle,
    ThrottleScope, UsagePlan,
};
use gwc_runtime::schemars::JsonSchema;
use serde::Deserialize;

#[gwc_runtime::gateway(GET, "/feed", api_key = required)]
async fn feed() -> &'static str {
    "feed"
}

/// A nested named type: its schema is a component of its own, which the validator's
/// self-contained schema must carry.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
struct Tag {
    #[schemars(length(min = 1))]
    name: String,
}

#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
struct NewOrder {
    #[schemars(range(min = 1, max = 100))]
    quantity: u32,
    tags: Vec<Tag>,
}

#[gwc_runtime::gateway(POST, "/orders", validate(body))]
async fn create(order: Json<NewOrder>) -> Json<u32> {
    Json(order.quantity + order.tags.iter().map(|t| t.name.len() as u32).sum::<u32>())
}

/// An answer with a schema: `--print-openapi` describes it under `responses.200`.
#[derive(serde::Serialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
struct Receipt {
    id: u64,
    total_cents: u64,
}

#[gwc_runtime::gateway(POST, "/receipts")]
async fn receipt(order: Json<NewOrder>) -> Json<Receipt> {
    Json(Receipt {
        id: 1,
        total_cents: u64::from(order.quantity) * 250,
    })
}

/// The `Serialize` convention in a `Result`: described the same way.
#[gwc_runtime::gateway(GET, "/receipts/{id}")]
async fn receipt_by_id(id: Path<u64>) -> Result<Receipt, Error> {
    Ok(Receipt {
        id: *id,
        total_cents: 0,
    })
}

/// An answer whose status is chosen at run time: the body's schema is described all the same.
#[gwc_runtime::gateway(PUT, "/receipts/{id}")]
async fn replace_receipt(id: Path<u64>) -> (StatusCode, Json<Receipt>) {
    let receipt = Receipt {
        id: *id,
        total_cents: 0,
    };
    (StatusCode::CREATED, Json(receipt))
}

/// With headers too, inside a `Result`.
#[gwc_runtime::gateway(DELETE, "/receipts/{id}")]
async fn void_receipt(id: Path<u64>) -> Result<(StatusCode, HeaderMap, Json<Receipt>), Error> {
    if *id == 0 {
        return Err(Error::not_found("no receipt 0"));
    }
    let receipt = Receipt {
        id: *id,
        total_cents: 0,
    };
    Ok((StatusCode::ACCEPTED, HeaderMap::new(), Json(receipt)))
}

/// A page of receipts, chosen by query parameters read into a typed struct.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "gwc_runtime::schemars")]
struct Page {
    /// How many (required).
    limit: u32,
    /// Where the previous page ended.
    cursor: Option<String>,
}

#[gwc_runtime::gateway(GET, "/receipts", validate(parameters))]
async fn receipts(page: Query<Page>) -> Vec<u64> {
    let start = page.cursor.as_deref().map_or(0, |c| c.len() as u64);
    (start..start + u64::from(page.limit)).collect()
}

fn app() -> App {
    let throttle = |rate, burst| Throttle {
        rate,
        burst,
        per: ThrottleScope::ApiKey,
    };
    App::new("round-trip")
        .plan(UsagePlan {
            name: "gold".into(),
            throttle: Some(throttle(12.5, 30)),
            quota: Some(Quota {
                limit: 5000,
                period: QuotaPeriod::Month,
                offset: 3,
            }),
            // Per-route throttles are given by name, below.
            route_throttles: Vec::new(),
            api_keys: vec![
                ApiKey {
                    name: "gold-1".into(),
                    value: Secret::Env("GOLD_KEY".into()),
                    enabled: true,
                },
                ApiKey {
                    name: "gold-old".into(),
                    value: Secret::File("/run/secrets/gold-old".into()),
                    enabled: false,
                },
            ],
        })
        .route_throttle("gold", "GET /feed", throttle(1.0, 2))
        .plan(UsagePlan {
            name: "free".into(),
            quota: Some(Quota {
                limit: 100,
                period: QuotaPeriod::Day,
                offset: 0,
            }),
            ..UsagePlan::default()
        })
}

/// The IR `gwc check`/`gwc build` get from the document `app` prints.
fn read_back(app: &App) -> Gateway {
    let dir = std::env::temp_dir().join(format!("gwc-rust-first-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("openapi.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&app.openapi()).unwrap()).unwrap();
    let front = gwc::frontend(&path);
    let _ = std::fs::remove_dir_all(&dir);
    let errors: Vec<String> = front.diagnostics.iter().map(|d| format!("{d:?}")).collect();
    front
        .gateway()
        .unwrap_or_else(|| panic!("the printed document does not check: {errors:#?}"))
        .clone()
}

/// Plans by name, each route throttle's route named `METHOD /path` (route ids are positions,
/// and the document's order of paths need not be the program's order of handlers; the
/// document's `plans` is a JSON object, read back in name order).
fn plans(ir: &Gateway) -> Vec<(UsagePlan, Vec<String>)> {
    let mut plans: Vec<(UsagePlan, Vec<String>)> = ir
        .plans
        .iter()
        .map(|p| {
            let routes = p
                .route_throttles
                .iter()
                .map(|rt| {
                    let r = &ir.routes[rt.route.index()];
                    format!("{} {}", r.method.as_str(), r.path.raw)
                })
                .collect();
            let mut plan = p.clone();
            for rt in &mut plan.route_throttles {
                rt.route = RouteId(0);
            }
            (plan, routes)
        })
        .collect();
    plans.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    plans
}

#[test]
fn printed_plans_build_the_same_plans() {
    let app = app();
    let mine = app.ir();
    let built = read_back(&app);
    assert_eq!(mine.plans.len(), 2);
    assert_eq!(plans(&built), plans(&mine));
    assert_eq!(plans(&mine)[1].1, ["GET /feed"]);
    let feed = built.routes.iter().find(|r| r.path.raw == "/feed").unwrap();
    assert!(feed.policies.api_key_required);
}

#[test]
fn printed_body_schema_is_the_validators() {
    let app = app();
    let mine = app.ir();
    let built = read_back(&app);
    let body = |ir: &Gateway| -> serde_json::Value {
        let route = ir.routes.iter().find(|r| r.path.raw == "/orders").unwrap();
        assert!(route.policies.validation.is_some());
        serde_json::from_str(&route.request.bodies[0].schema).unwrap()
    };
    let (mine, built) = (body(&mine), body(&built));
    assert_eq!(mine, built);
    // Field-level: the nested component is carried, with its rule.
    assert_eq!(
        mine["components"]["schemas"]["Tag"]["properties"]["name"]["minLength"], 1,
        "{mine}"
    );
    assert_eq!(
        mine["components"]["schemas"]["NewOrder"]["properties"]["quantity"]["maximum"], 100,
        "{mine}"
    );
}

/// The document at `path`'s operation `method` (`get`, `post`).
fn operation<'a>(doc: &'a serde_json::Value, path: &str, method: &str) -> &'a serde_json::Value {
    &doc["paths"][path][method]
}

/// Return types with a JSON Schema describe the answer (`responses.200`, a `$ref` into
/// `components/schemas`), which `gwc check` accepts and the typed models read back; text
/// answers keep the bare description.
#[test]
fn printed_response_schemas_come_from_return_types() {
    let app = app();
    let doc = app.openapi();
    let json = |path, method| {
        operation(&doc, path, method)["responses"]["200"]["content"]["application/json"]["schema"]
            .clone()
    };
    let receipt = serde_json::json!({"$ref": "#/components/schemas/Receipt"});
    assert_eq!(json("/receipts", "post"), receipt, "Json<Receipt>");
    assert_eq!(
        json("/receipts/{id}", "get"),
        receipt,
        "Result<Receipt, Error>"
    );
    assert_eq!(
        json("/receipts/{id}", "put"),
        receipt,
        "(StatusCode, Json<Receipt>)"
    );
    assert_eq!(
        json("/receipts/{id}", "delete"),
        receipt,
        "Result<(StatusCode, HeaderMap, Json<Receipt>), Error>"
    );
    assert_eq!(
        json("/orders", "post"),
        serde_json::json!({"type": "integer", "format": "uint32", "minimum": 0}),
        "Json<u32>"
    );
    assert_eq!(
        json("/receipts", "get")["items"]["type"],
        "integer",
        "Vec<u64> by the Serialize convention"
    );
    assert_eq!(
        operation(&doc, "/feed", "get")["responses"]["200"],
        serde_json::json!({"description": "The handler's response."}),
        "a text answer has no schema"
    );
    assert_eq!(
        doc["components"]["schemas"]["Receipt"]["required"],
        serde_json::json!(["id", "total_cents"]),
        "{doc}"
    );
    // `gwc check` accepts it, and the schema survives into the typed models.
    read_back(&app);
    let dir = std::env::temp_dir().join(format!("gwc-rust-first-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("openapi.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let (models, _, diagnostics) = gwc::models_for(&path);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!diagnostics.has_errors());
    let models = models.expect("models");
    let response = |id: &str| {
        models
            .operations
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.response.clone())
    };
    assert_eq!(response("receipt").as_deref(), Some("Receipt"));
    assert_eq!(response("receipt_by_id").as_deref(), Some("Receipt"));
    assert_eq!(response("replace_receipt").as_deref(), Some("Receipt"));
    assert_eq!(response("void_receipt").as_deref(), Some("Receipt"));
}

/// `Query<T>` with `T: JsonSchema`: each field of `T` is an `in: query` parameter (in name
/// order, as the schema's JSON object keeps them), required when `T` requires it; `gwc check`
/// accepts them.
#[test]
fn printed_query_parameters_come_from_query_types() {
    let app = app();
    let doc = app.openapi();
    let params = &operation(&doc, "/receipts", "get")["parameters"];
    assert_eq!(
        params,
        &serde_json::json!([
            {"name": "cursor", "in": "query", "required": false,
             "schema": {"type": ["string", "null"], "description": "Where the previous page ended."}},
            {"name": "limit", "in": "query", "required": true,
             "schema": {"type": "integer", "format": "uint32", "minimum": 0, "description": "How many (required)."}},
        ]),
        "{doc}"
    );
    // Under `validate(parameters)`, the required field is a required parameter of the
    // route's validator, here and in the gateway `gwc build` makes of the document.
    let mine = app.ir();
    let built = read_back(&app);
    let required = |ir: &Gateway| {
        let route = ir.routes.iter().find(|r| r.id == "receipts").unwrap();
        assert_eq!(route.path.raw, "/receipts");
        let validator = route.policies.validation.expect("validated");
        assert!(ir.validators[validator.index()].parameters);
        route.request.required.clone()
    };
    assert_eq!(
        required(&mine),
        [RequiredParam {
            location: ParamIn::Query,
            name: "limit".into(),
        }]
    );
    assert_eq!(required(&built), required(&mine));
}

/// Route throttles name routes (`METHOD /path`), not positions: the one given by name lands
/// on its route whatever the handlers' link order; a name matching no route adds nothing
/// (and `App::serve` refuses to start, naming it).
#[test]
fn route_throttles_are_named() {
    let ir = app().ir();
    let gold = ir.plans.iter().find(|p| p.name == "gold").unwrap();
    assert_eq!(gold.route_throttles.len(), 1);
    let route = &ir.routes[gold.route_throttles[0].route.index()];
    assert_eq!((route.method.as_str(), &*route.path.raw), ("GET", "/feed"));
    let ir = app()
        .route_throttle("gold", "GET /nowhere", Throttle::default())
        .ir();
    let gold = ir.plans.iter().find(|p| p.name == "gold").unwrap();
    assert_eq!(
        gold.route_throttles.len(),
        1,
        "an unknown route adds nothing"
    );
}
