//! The admin listener: health (`/healthz`), readiness (`/readyz`), metrics, and the
//! management API (API keys, usage, cache flush), on its own thread and runtime, never on the
//! public listener. It has no authentication of its own: bind it to loopback or a private
//! network (`--admin-listen 127.0.0.1:9901`), as with Envoy's admin port.
//!
//! Management endpoints (JSON in and out; errors are `{"message": …}` with 400, 404, 409 or
//! 503):
//!
//! - `GET /admin/keys`: every key (id, enabled, plans, stages), never a value;
//! - `POST /admin/keys` `{"name", "plans": [{"plan", "stage"?}], "value"?, "enabled"?}`: 201
//!   with `{"key": …, "value": …}`, the only time the value is shown;
//! - `POST /admin/keys/{id}/enable`, `POST /admin/keys/{id}/disable`, `DELETE /admin/keys/{id}`;
//! - `GET /admin/usage?key=ID&from=YYYY-MM-DD&to=YYYY-MM-DD`: requests per day (AWS GetUsage);
//! - `POST /admin/cache/flush`: drops every response-cache entry of this API.
//!
//! With Redis, each change reaches every replica (see [`crate::state::keys`]).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::body::Body;
use crate::state::keys::{KeyError, KeyRecord, NewKey};
use crate::step::plan::period::{civil_from_days, days_from_civil};
use crate::telemetry::{self};

use super::{Control, local_runtime};

pub(super) fn run_admin(listener: std::net::TcpListener, control: &Arc<Control>) {
    let mut stopped = control.stopped.subscribe();
    let rt = match local_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the admin runtime");
            return;
        }
    };
    rt.block_on(async move {
        let Ok(listener) = TcpListener::from_std(listener) else {
            tracing::error!("cannot register the admin listener");
            return;
        };
        while !*stopped.borrow_and_update() {
            tokio::select! {
                _ = stopped.changed() => break,
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let control = Arc::clone(control);
                    tokio::task::spawn_local(async move {
                        let svc = hyper::service::service_fn(|req: Request<Incoming>| {
                            let control = Arc::clone(&control);
                            async move {
                                let response = if req.uri().path().starts_with("/admin/") {
                                    manage(req, &control).await
                                } else {
                                    admin_response(&req, &control)
                                };
                                Ok::<_, Infallible>(response)
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            }
        }
    });
}

fn admin_response(req: &Request<Incoming>, control: &Control) -> Response<Body> {
    let read = matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    if read && let Some(page) = metrics_page(req.uri().path(), control) {
        let mut resp = Response::new(Body::full(bytes::Bytes::from(page)));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        return resp;
    }
    let (status, body): (StatusCode, &'static [u8]) = match (read, req.uri().path()) {
        (true, "/healthz") => (StatusCode::OK, b"{\"status\":\"ok\"}"),
        (true, "/readyz") if is_ready(control) => (StatusCode::OK, b"{\"status\":\"ready\"}"),
        (true, "/readyz") => (
            StatusCode::SERVICE_UNAVAILABLE,
            b"{\"status\":\"not ready\"}",
        ),
        _ => (StatusCode::NOT_FOUND, b"{\"message\":\"Not Found\"}"),
    };
    let mut resp = Response::new(Body::from_static(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// Ready: every worker accepts and no shutdown has begun (load balancers stop sending then,
/// while in-flight requests drain).
fn is_ready(control: &Control) -> bool {
    !*control.shutdown.borrow() && control.accepting.load(Ordering::Relaxed) >= control.workers
}

/// The Prometheus page when `path` is the current gateway's metrics path and metrics are on.
fn metrics_page(path: &str, control: &Control) -> Option<String> {
    let gateway = Arc::clone(&control.gateway.borrow());
    let t = &gateway.telemetry;
    (t.metrics.is_some() && path == &*t.metrics_path).then(|| {
        let mut page = telemetry::render_metrics(&control.metrics);
        telemetry::render_key_counts(&mut page, &gateway.name, &gateway.state);
        telemetry::render_state_failures(&mut page, &gateway.state);
        page
    })
}

/// Largest management request body.
const MAX_BODY: usize = 64 * 1024;

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut resp = Response::new(Body::full(bytes::Bytes::from(value.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn message(status: StatusCode, text: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "message": text }))
}

fn key_error(e: &KeyError) -> Response<Body> {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    message(status, &e.to_string())
}

fn record_json(r: &KeyRecord) -> serde_json::Value {
    serde_json::json!({
        "id": &*r.id,
        "enabled": r.enabled,
        "plans": &r.plans,
        "fromSpec": r.from_spec,
        "created": r.created,
    })
}

/// `YYYY-MM-DD` as a day number.
fn parse_day(text: &str) -> Option<u64> {
    let mut parts = text.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // Reject dates that do not exist (February 30th comes back as March 2nd).
    (civil_from_days(days) == (y, m, d))
        .then(|| u64::try_from(days).ok())
        .flatten()
}

fn format_day(day: u64) -> String {
    let (y, m, d) = civil_from_days(i64::try_from(day).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The management API (see the module docs).
async fn manage(req: Request<Incoming>, control: &Control) -> Response<Body> {
    let gateway = Arc::clone(&control.gateway.borrow());
    let state = gateway.state().clone();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().trim_end_matches('/');
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let method = &parts.method;
    match (method, segments.as_slice()) {
        (&Method::GET, ["keys"]) => match state.key_list().await {
            Ok(records) => json(
                StatusCode::OK,
                &serde_json::json!({ "items": records.iter().map(record_json).collect::<Vec<_>>() }),
            ),
            Err(e) => key_error(&e),
        },
        (&Method::POST, ["keys"]) => {
            let limited = http_body_util::Limited::new(body, MAX_BODY);
            let bytes = match limited.collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    return message(StatusCode::PAYLOAD_TOO_LARGE, "the body is too large");
                }
            };
            let new: NewKey = match serde_json::from_slice(&bytes) {
                Ok(n) => n,
                Err(e) => return message(StatusCode::BAD_REQUEST, &format!("bad key: {e}")),
            };
            if let Some(unknown) = new
                .plans
                .iter()
                .find(|l| !gateway.plan_names.iter().any(|p| **p == *l.plan))
            {
                return message(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "no usage plan `{}` in this API (plans: {})",
                        unknown.plan,
                        gateway.plan_names.join(", ")
                    ),
                );
            }
            match state.key_create(new).await {
                Ok((record, value)) => json(
                    StatusCode::CREATED,
                    &serde_json::json!({ "key": record_json(&record), "value": value }),
                ),
                Err(e) => key_error(&e),
            }
        }
        (&Method::POST, ["keys", id, action @ ("enable" | "disable")]) => {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
            match state.key_set_enabled(&id, *action == "enable").await {
                Ok(record) => json(StatusCode::OK, &record_json(&record)),
                Err(e) => key_error(&e),
            }
        }
        (&Method::DELETE, ["keys", id]) => {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
            match state.key_delete(&id).await {
                Ok(()) => json(StatusCode::OK, &serde_json::json!({ "deleted": &*id })),
                Err(e) => key_error(&e),
            }
        }
        (&Method::GET, ["usage"]) => {
            let query = parts.uri.query().unwrap_or("");
            let params: Vec<(String, String)> =
                serde_urlencoded::from_str(query).unwrap_or_default();
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            let Some(key) = get("key") else {
                return message(StatusCode::BAD_REQUEST, "`key` is required");
            };
            let today = crate::state::keys::today();
            let day = |name: &str| match get(name) {
                None => Ok(today),
                Some(text) => parse_day(text).ok_or(name.to_owned()),
            };
            let (from, to) = match (day("from"), day("to")) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(name), _) | (_, Err(name)) => {
                    return message(
                        StatusCode::BAD_REQUEST,
                        &format!("`{name}` must be a date, YYYY-MM-DD"),
                    );
                }
            };
            match state.key_usage(gateway.name(), key, from, to).await {
                Ok(days) => json(
                    StatusCode::OK,
                    &serde_json::json!({
                        "keyId": key,
                        "startDate": format_day(from),
                        "endDate": format_day(to),
                        "items": days.iter().map(|(d, n)| serde_json::json!({
                            "date": format_day(*d),
                            "used": n,
                        })).collect::<Vec<_>>(),
                    }),
                ),
                Err(e) => key_error(&e),
            }
        }
        (&Method::POST, ["cache", "flush"]) => {
            let prefix = format!("{}:c:", gateway.name());
            match state.flush(&prefix).await {
                Ok(n) => json(StatusCode::OK, &serde_json::json!({ "flushed": n })),
                Err(e) => message(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
            }
        }
        (_, ["keys"] | ["keys", _] | ["keys", _, _] | ["usage"] | ["cache", "flush"]) => {
            message(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        }
        _ => message(StatusCode::NOT_FOUND, "Not Found"),
    }
}
