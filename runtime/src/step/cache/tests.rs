//! The response cache on gateways built from IR, driven in-process with the memory state.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::BodyExt;

use super::{asks_max_age_0, contains_token, decode, encode_head, query_value};
use crate::args::RuntimeArgs;
use crate::body::RequestBody;
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{
    self, CacheKeyPart, CachePolicy, CacheSettings, ClientInvalidation, ErrorType, HeaderPair,
    Method, Millis, Mock, PathTemplate, Route, RoutePolicies, UnauthorizedInvalidation,
};
use crate::pipeline::{RequestContext, WorkerGateway};

fn route(path: &str, status: u16, headers: Vec<HeaderPair>, cached: bool) -> Route {
    Route {
        id: format!("GET {path}").into(),
        method: Method::Get,
        path: PathTemplate::parse(path).unwrap(),
        integration: ir::Integration::Mock(Mock {
            status,
            headers,
            body: "payload".into(),
        }),
        policies: RoutePolicies {
            cache: cached.then(|| CachePolicy {
                ttl: Millis(60_000),
                key: vec![
                    CacheKeyPart::Path("id".into()),
                    CacheKeyPart::Query("lang".into()),
                ],
                shared: false,
            }),
            ..RoutePolicies::default()
        },
        ..Route::default()
    }
}

fn gateway(
    invalidation: ClientInvalidation,
    unauthorized: UnauthorizedInvalidation,
) -> WorkerGateway {
    let ir = ir::Gateway {
        name: "cache".into(),
        routes: vec![
            route("/items/{id}", 200, vec![], true),
            route("/missing/{id}", 404, vec![], true),
            route(
                "/cookie/{id}",
                200,
                vec![HeaderPair {
                    name: "set-cookie".into(),
                    value: "s=1".into(),
                }],
                true,
            ),
            route("/plain/{id}", 200, vec![], false),
        ],
        cache: Some(CacheSettings {
            capacity: ir::ByteSize(1 << 20),
            max_entry: ir::ByteSize(1 << 10),
            encrypted: false,
            client_invalidation: invalidation,
            unauthorized_invalidation: unauthorized,
        }),
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    WorkerGateway::new(Arc::new(
        Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap(),
    ))
}

/// Sends `GET path` with `headers`; returns the status, `X-Cache`, `Warning` and body, or the
/// error type.
async fn get(
    worker: &WorkerGateway,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, String, Option<String>, String), ErrorType> {
    let mut req = http::Request::get(path).header("host", "gw");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(RequestBody::Buffered(Bytes::new())).unwrap();
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("192.0.2.1"),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("r"), client, http::Method::GET);
    let resp = worker.serve(&mut ctx, req).await.map_err(|e| e.kind)?;
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (status, x_cache, warning) = (
        resp.status().as_u16(),
        header("x-cache").unwrap_or_default(),
        header("warning"),
    );
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Ok((
        status,
        x_cache,
        warning,
        String::from_utf8(body.to_vec()).unwrap(),
    ))
}

fn x_cache(r: &Result<(u16, String, Option<String>, String), ErrorType>) -> &str {
    &r.as_ref().unwrap().1
}

#[tokio::test]
async fn a_miss_is_stored_and_the_next_request_hits() {
    let worker = gateway(
        ClientInvalidation::Anyone,
        UnauthorizedInvalidation::SucceedWithResponseHeader,
    );
    let first = get(&worker, "/items/1?lang=en", &[]).await;
    assert_eq!(x_cache(&first), "Miss");
    let second = get(
        &worker,
        "/items/1?lang=en&other=x",
        &[("accept", "text/html")],
    )
    .await;
    assert_eq!(x_cache(&second), "Hit", "unkeyed values share the entry");
    assert_eq!(second.unwrap().3, "payload");
    // Keyed values do not.
    assert_eq!(
        x_cache(&get(&worker, "/items/2?lang=en", &[]).await),
        "Miss"
    );
    assert_eq!(
        x_cache(&get(&worker, "/items/1?lang=fr", &[]).await),
        "Miss"
    );
    assert_eq!(x_cache(&get(&worker, "/items/1", &[]).await), "Miss");
    assert_eq!(x_cache(&get(&worker, "/items/1?lang=fr", &[]).await), "Hit");
    // Uncached routes say nothing.
    assert_eq!(x_cache(&get(&worker, "/plain/1", &[]).await), "");
}

#[tokio::test]
async fn only_cacheable_responses_are_stored() {
    let worker = gateway(
        ClientInvalidation::Anyone,
        UnauthorizedInvalidation::SucceedWithResponseHeader,
    );
    for path in ["/missing/1", "/cookie/1"] {
        assert_eq!(x_cache(&get(&worker, path, &[]).await), "Miss", "{path}");
        assert_eq!(
            x_cache(&get(&worker, path, &[]).await),
            "Miss",
            "{path} again"
        );
    }
}

#[tokio::test]
async fn max_age_0_refreshes_only_for_allowed_clients() {
    let anyone = gateway(
        ClientInvalidation::Anyone,
        UnauthorizedInvalidation::SucceedWithResponseHeader,
    );
    get(&anyone, "/items/1", &[]).await.unwrap();
    let refreshed = get(
        &anyone,
        "/items/1",
        &[("cache-control", "no-cache, max-age=0")],
    )
    .await;
    assert_eq!(x_cache(&refreshed), "Miss");
    assert_eq!(x_cache(&get(&anyone, "/items/1", &[]).await), "Hit");

    // Without an authorizer nobody is "authorized": the header is ignored, with a warning.
    let warned = gateway(
        ClientInvalidation::Authorized,
        UnauthorizedInvalidation::SucceedWithResponseHeader,
    );
    get(&warned, "/items/1", &[]).await.unwrap();
    let r = get(&warned, "/items/1", &[("cache-control", "max-age=0")]).await;
    assert_eq!(x_cache(&r), "Hit");
    assert_eq!(
        r.unwrap().2.as_deref(),
        Some("199 - \"Cache-Control ignored\"")
    );

    let silent = gateway(
        ClientInvalidation::Nobody,
        UnauthorizedInvalidation::SucceedWithoutResponseHeader,
    );
    get(&silent, "/items/1", &[]).await.unwrap();
    let r = get(&silent, "/items/1", &[("cache-control", "max-age=0")]).await;
    assert_eq!(x_cache(&r), "Hit");
    assert_eq!(r.unwrap().2, None);

    let strict = gateway(
        ClientInvalidation::Authorized,
        UnauthorizedInvalidation::FailWith403,
    );
    assert_eq!(
        get(&strict, "/items/1", &[("cache-control", "max-age=0")]).await,
        Err(ErrorType::AccessDenied)
    );
}

#[test]
fn entries_round_trip_and_garbage_is_a_miss() {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("x-request-id", HeaderValue::from_static("not kept"));
    headers.append("vary", HeaderValue::from_static("a"));
    headers.append("vary", HeaderValue::from_static("b"));
    let mut entry = encode_head(http::StatusCode::OK, &headers);
    entry.extend_from_slice(b"{}");
    let resp = decode(&entry.freeze()).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers().get_all("vary").iter().count(), 2);
    assert!(!resp.headers().contains_key("x-request-id"));
    for garbage in [
        &b""[..],
        b"\x00",
        b"\x00\xc8\x00\x05",
        b"\x00\xc8\x00\x01\xff\xff",
    ] {
        assert!(decode(&Bytes::copy_from_slice(garbage)).is_none());
    }
}

#[test]
fn header_and_query_parsing() {
    assert!(asks_max_age_0(b"max-age=0"));
    assert!(asks_max_age_0(b"no-cache, MAX-AGE=0"));
    assert!(!asks_max_age_0(b"max-age=00x"));
    assert!(!asks_max_age_0(b"max-age=10"));
    assert!(contains_token(b"public, no-store", b"no-store"));
    assert!(contains_token(b"private=\"set-cookie\"", b"private"));
    assert!(!contains_token(b"public", b"private"));
    assert_eq!(
        query_value(Some("a=1&lang=en&lang=fr"), "lang"),
        Some(&b"en"[..])
    );
    assert_eq!(query_value(Some("langx=1"), "lang"), None);
    assert_eq!(query_value(Some("lang"), "lang"), Some(&b""[..]));
    assert_eq!(query_value(None, "lang"), None);
}
