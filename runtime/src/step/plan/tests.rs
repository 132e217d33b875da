//! The usage-plan step on gateways built from IR and driven in-process with the memory state.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderValue;

use crate::args::RuntimeArgs;
use crate::body::RequestBody;
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{
    self, ApiKey, ErrorType, Method, Mock, PathTemplate, Quota, QuotaPeriod, Route, RouteId,
    RoutePolicies, RouteThrottle, Secret, Throttle, ThrottleScope, UsagePlan,
};
use crate::pipeline::{RequestContext, WorkerGateway};

const GOLD: &str = "gold-key-0123456789abcdef";
const SILVER: &str = "silver-key-0123456789abcdef";
const OFF: &str = "disabled-key-0123456789abcdef";

fn route(path: &str, policies: RoutePolicies) -> Route {
    Route {
        id: format!("GET {path}").into(),
        method: Method::Get,
        path: PathTemplate::parse(path).unwrap(),
        integration: ir::Integration::Mock(Mock {
            status: 200,
            headers: vec![],
            body: "ok".into(),
        }),
        policies,
        ..Route::default()
    }
}

fn key(dir: &std::path::Path, name: &'static str, value: &str, enabled: bool) -> ApiKey {
    let path = dir.join(name);
    std::fs::write(&path, value).unwrap();
    ApiKey {
        name: name.into(),
        value: Secret::File(path.display().to_string().into()),
        enabled,
    }
}

fn throttle(rate: f64, burst: u32, per: ThrottleScope) -> Option<Throttle> {
    Some(Throttle { rate, burst, per })
}

/// `/keyed` needs a key (gold: quota 5 a day; silver: 2 a second, burst 3, and burst 1 on
/// `/keyed`), `/open` does not, `/limited` has its own bucket per client address.
fn gateway(dir: &std::path::Path) -> WorkerGateway {
    let keyed = RoutePolicies {
        api_key_required: true,
        ..RoutePolicies::default()
    };
    let ir = ir::Gateway {
        name: "plans".into(),
        routes: vec![
            route("/keyed", keyed.clone()),
            route("/open", RoutePolicies::default()),
            route(
                "/limited",
                RoutePolicies {
                    throttle: throttle(0.001, 2, ThrottleScope::Ip),
                    ..RoutePolicies::default()
                },
            ),
            route("/keyed2", keyed),
        ],
        plans: vec![
            UsagePlan {
                name: "gold".into(),
                quota: Some(Quota {
                    limit: 5,
                    period: QuotaPeriod::Day,
                    offset: 0,
                }),
                api_keys: vec![key(dir, "gold", GOLD, true), key(dir, "off", OFF, false)],
                ..UsagePlan::default()
            },
            UsagePlan {
                name: "silver".into(),
                throttle: throttle(0.001, 3, ThrottleScope::ApiKey),
                route_throttles: vec![RouteThrottle {
                    route: RouteId(0),
                    throttle: throttle(0.001, 1, ThrottleScope::ApiKey).unwrap(),
                }],
                api_keys: vec![key(dir, "silver", SILVER, true)],
                ..UsagePlan::default()
            },
        ],
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    WorkerGateway::new(Arc::new(gw))
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gwc-plan-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn send(
    worker: &WorkerGateway,
    path: &str,
    api_key: Option<&str>,
    ip: &'static str,
) -> (RequestContext, Result<u16, (ErrorType, Option<String>)>) {
    let mut req = http::Request::get(path).header("host", "gw");
    if let Some(k) = api_key {
        req = req.header("x-api-key", k);
    }
    let req = req.body(RequestBody::Buffered(Bytes::new())).unwrap();
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static(ip),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("r"), client, http::Method::GET);
    let result = worker.serve(&mut ctx, req).await;
    let result = match result {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) => Err((
            e.kind,
            e.headers
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
        )),
    };
    (ctx, result)
}

#[tokio::test]
async fn keys_are_required_where_the_route_says_so() {
    let dir = tempdir("keys");
    let worker = gateway(&dir);
    let refused = Err((ErrorType::InvalidApiKey, None));
    assert_eq!(send(&worker, "/keyed", None, "192.0.2.1").await.1, refused);
    assert_eq!(
        send(
            &worker,
            "/keyed",
            Some("no-such-key-0123456789"),
            "192.0.2.1"
        )
        .await
        .1,
        refused
    );
    assert_eq!(
        send(&worker, "/keyed", Some(OFF), "192.0.2.1").await.1,
        refused
    );
    let (ctx, result) = send(&worker, "/keyed", Some(GOLD), "192.0.2.1").await;
    assert_eq!(result, Ok(200));
    let used = ctx.api_key.unwrap();
    assert_eq!((&*used.key_id, &*used.plan), ("gold", "gold"));
    // A route without the requirement ignores the header (and fills nothing).
    let (ctx, result) = send(&worker, "/open", None, "192.0.2.1").await;
    assert_eq!(result, Ok(200));
    assert!(ctx.api_key.is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A worker remembers the digests of keys it accepted, but the current key snapshot still
/// decides every request: a key disabled at run time is refused at once and accepted again
/// when re-enabled, and an unknown value stays refused.
#[tokio::test]
async fn remembered_keys_follow_run_time_changes() {
    let dir = tempdir("memo");
    let worker = gateway(&dir);
    let state = &worker.gateway.state;
    let status = |key: &'static str| {
        let worker = &worker;
        async move { send(worker, "/keyed", Some(key), "192.0.2.1").await.1 }
    };
    let refused = Err((ErrorType::InvalidApiKey, None));
    assert_eq!(status(GOLD).await, Ok(200));
    assert_eq!(status(GOLD).await, Ok(200), "remembered");
    state.key_set_enabled("gold", false).await.unwrap();
    assert_eq!(status(GOLD).await, refused);
    state.key_set_enabled("gold", true).await.unwrap();
    assert_eq!(status(GOLD).await, Ok(200));
    let unknown = "no-such-key-0123456789";
    assert_eq!(status(unknown).await, refused);
    assert_eq!(status(unknown).await, refused);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_quota_admits_its_limit_then_answers_limit_exceeded() {
    let dir = tempdir("quota");
    let worker = gateway(&dir);
    for _ in 0..5 {
        assert_eq!(
            send(&worker, "/keyed", Some(GOLD), "192.0.2.1").await.1,
            Ok(200)
        );
    }
    let (_, result) = send(&worker, "/keyed2", Some(GOLD), "192.0.2.1").await;
    let (kind, retry) = result.unwrap_err();
    assert_eq!(kind, ErrorType::QuotaExceeded);
    let retry: u64 = retry.unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn every_applicable_throttle_applies() {
    let dir = tempdir("throttle");
    let worker = gateway(&dir);
    // Silver's route bucket on /keyed holds 1; its plan bucket 3 across routes.
    assert_eq!(
        send(&worker, "/keyed", Some(SILVER), "192.0.2.1").await.1,
        Ok(200)
    );
    let (kind, retry) = send(&worker, "/keyed", Some(SILVER), "192.0.2.1")
        .await
        .1
        .unwrap_err();
    assert_eq!(kind, ErrorType::Throttled);
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    // The refused request took no plan token: two left of three.
    for _ in 0..2 {
        assert_eq!(
            send(&worker, "/keyed2", Some(SILVER), "192.0.2.1").await.1,
            Ok(200)
        );
    }
    assert_eq!(
        send(&worker, "/keyed2", Some(SILVER), "192.0.2.1")
            .await
            .1
            .unwrap_err()
            .0,
        ErrorType::Throttled
    );
    // Per-address buckets: each client its own burst.
    for _ in 0..2 {
        assert_eq!(
            send(&worker, "/limited", None, "192.0.2.1").await.1,
            Ok(200)
        );
    }
    assert_eq!(
        send(&worker, "/limited", None, "192.0.2.1")
            .await
            .1
            .unwrap_err()
            .0,
        ErrorType::Throttled
    );
    assert_eq!(
        send(&worker, "/limited", None, "192.0.2.2").await.1,
        Ok(200)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The bucket key of each scope: the bucket's own key plus whom it counts, `-` for a request
/// without that thing.
#[test]
fn each_scope_keys_its_bucket_by_its_client() {
    use super::{Admission, Bucket, Per, Span};
    use crate::pipeline::{ApiKeyUse, Identity};
    use crate::state::Rate;

    let bucket = |per: Per| Bucket {
        key: "api:thr:r".into(),
        rate: Rate::per_second(1.0, 1).unwrap(),
        per,
    };
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("10.0.0.9"),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("r"), client, http::Method::GET);
    let mut headers = http::HeaderMap::new();
    let key = |per: Per, ctx: &RequestContext, headers: &http::HeaderMap| {
        // After some other key, as the step builds them one after another in its scratch.
        let mut text = String::from("before");
        let b = bucket(per);
        match Admission::bucket_key(&b, ctx, headers, &mut text) {
            Span::Fixed(fixed) => fixed.to_owned(),
            Span::Text(from, to) => text[from..to].to_owned(),
        }
    };
    let tenant = || Per::Header(http::HeaderName::from_static("x-tenant"));
    let trusted: Arc<[ipnet::IpNet]> = Arc::from(vec!["10.0.0.0/24".parse().unwrap()]);

    // Nothing known about the caller: one shared bucket per scope.
    assert_eq!(key(Per::Api, &ctx, &headers), "api:thr:r");
    assert_eq!(key(Per::ApiKey, &ctx, &headers), "api:thr:r:-");
    assert_eq!(key(Per::Principal, &ctx, &headers), "api:thr:r:-");
    assert_eq!(key(tenant(), &ctx, &headers), "api:thr:r:-");
    // The connection's address, believed as is without trusted proxies.
    headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.7"));
    assert_eq!(
        key(Per::Ip(Arc::from(Vec::new())), &ctx, &headers),
        "api:thr:r:10.0.0.9"
    );
    // From a trusted proxy, the hop it names (as the WAF reads it).
    assert_eq!(
        key(Per::Ip(trusted.clone()), &ctx, &headers),
        "api:thr:r:203.0.113.7"
    );
    // Trusted hops are skipped from the right; a forged left-most entry is not believed.
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_static("1.1.1.1, 198.51.100.4, 10.0.0.3"),
    );
    assert_eq!(
        key(Per::Ip(trusted), &ctx, &headers),
        "api:thr:r:198.51.100.4"
    );

    ctx.api_key = Some(ApiKeyUse {
        key_id: "gold-key".into(),
        plan: "gold".into(),
        hint: ApiKeyUse::mask(b"gold-0123456789abcdefghij"),
    });
    ctx.identity = Some(Box::new(Identity {
        principal: Some("alice".into()),
        ..Identity::default()
    }));
    headers.insert("x-tenant", HeaderValue::from_static("acme"));
    assert_eq!(key(Per::ApiKey, &ctx, &headers), "api:thr:r:gold-key");
    assert_eq!(key(Per::Principal, &ctx, &headers), "api:thr:r:alice");
    assert_eq!(key(tenant(), &ctx, &headers), "api:thr:r:acme");
}

/// A gateway whose per-address route reads the client through a trusted proxy, and whose
/// per-tenant route counts by a header.
fn scoped_gateway() -> WorkerGateway {
    let ir = ir::Gateway {
        name: "scopes".into(),
        routes: vec![
            route(
                "/by-ip",
                RoutePolicies {
                    throttle: throttle(0.001, 1, ThrottleScope::Ip),
                    ..RoutePolicies::default()
                },
            ),
            route(
                "/by-tenant",
                RoutePolicies {
                    throttle: throttle(0.001, 1, ThrottleScope::Header("x-tenant".into())),
                    ..RoutePolicies::default()
                },
            ),
        ],
        waf: Some(ir::WafRuleSetId(0)),
        waf_rule_sets: vec![ir::WafRuleSet {
            name: "api".into(),
            inspection: ir::WafInspection {
                trusted_proxies: vec!["192.0.2.0/24".into()],
                ..ir::WafInspection::default()
            },
            ..ir::WafRuleSet::default()
        }],
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    WorkerGateway::new(Arc::new(gw))
}

async fn send_with(
    worker: &WorkerGateway,
    path: &str,
    headers: &[(&'static str, &'static str)],
    ip: &'static str,
) -> Result<u16, ErrorType> {
    let mut req = http::Request::get(path).header("host", "gw");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(RequestBody::Buffered(Bytes::new())).unwrap();
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static(ip),
        receiving_body: Rc::new(Cell::new(false)),
    });
    let mut ctx = RequestContext::new(HeaderValue::from_static("r"), client, http::Method::GET);
    match worker.serve(&mut ctx, req).await {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) => Err(e.kind),
    }
}

#[tokio::test]
async fn per_ip_reads_through_trusted_proxies_and_per_header_by_value() {
    let worker = scoped_gateway();
    let proxy = "192.0.2.10";
    let a = [("x-forwarded-for", "203.0.113.1")];
    let b = [("x-forwarded-for", "203.0.113.2")];
    assert_eq!(send_with(&worker, "/by-ip", &a, proxy).await, Ok(200));
    assert_eq!(
        send_with(&worker, "/by-ip", &a, proxy).await,
        Err(ErrorType::Throttled)
    );
    // Another client behind the same proxy has its own bucket.
    assert_eq!(send_with(&worker, "/by-ip", &b, proxy).await, Ok(200));
    // A client that is not a trusted proxy cannot choose its bucket with the header.
    assert_eq!(
        send_with(&worker, "/by-ip", &a, "198.51.100.1").await,
        Ok(200)
    );
    assert_eq!(
        send_with(&worker, "/by-ip", &b, "198.51.100.1").await,
        Err(ErrorType::Throttled)
    );

    let acme = [("x-tenant", "acme")];
    let globex = [("X-Tenant", "globex")];
    assert_eq!(
        send_with(&worker, "/by-tenant", &acme, proxy).await,
        Ok(200)
    );
    assert_eq!(
        send_with(&worker, "/by-tenant", &acme, proxy).await,
        Err(ErrorType::Throttled)
    );
    assert_eq!(
        send_with(&worker, "/by-tenant", &globex, proxy).await,
        Ok(200)
    );
    // Requests without the header share one bucket.
    assert_eq!(send_with(&worker, "/by-tenant", &[], proxy).await, Ok(200));
    assert_eq!(
        send_with(&worker, "/by-tenant", &[], "198.51.100.1").await,
        Err(ErrorType::Throttled)
    );
}

/// The keyed path in memory (key check, every kind of bucket, quota and the usage counter)
/// allocates nothing per request once warm: the state keys are built in the worker's scratch
/// text, the key's id and plan name are shared strings, and the state answers synchronously.
/// Before 2026-12-02 the step made 15 allocations per request on this route (a `String` per
/// state key, grown again by `format!` for some, a `Vec` of keys and another of borrowed
/// keys, a boxed `ApiKeyUse` and two `String` copies in it; a reallocation counts as one)
/// and 4 on a route with only the API-wide bucket. Measured against a route without the step, so the mock integration's own
/// allocations cancel out.
#[test]
fn the_keyed_path_allocates_nothing_in_memory() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use crate::tests::alloc_count::allocations;

    let dir = tempdir("alloc");
    let keyed = RoutePolicies {
        api_key_required: true,
        throttle: throttle(1e6, 1_000_000, ThrottleScope::Ip),
        ..RoutePolicies::default()
    };
    let ir = ir::Gateway {
        name: "alloc".into(),
        routes: vec![
            route("/keyed", keyed),
            route("/open", RoutePolicies::default()),
        ],
        throttle: throttle(1e6, 1_000_000, ThrottleScope::Api),
        plans: vec![UsagePlan {
            name: "gold".into(),
            throttle: throttle(1e6, 1_000_000, ThrottleScope::ApiKey),
            route_throttles: vec![RouteThrottle {
                route: RouteId(0),
                throttle: throttle(1e6, 1_000_000, ThrottleScope::ApiKey).unwrap(),
            }],
            quota: Some(Quota {
                limit: 1_000_000,
                period: QuotaPeriod::Month,
                offset: 0,
            }),
            api_keys: vec![key(&dir, "gold", GOLD, true)],
        }],
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    };
    // The same routes without the API-wide bucket: `/open` there runs no plan step at all.
    let bare = ir::Gateway {
        throttle: None,
        ..ir.clone()
    };
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    let worker = WorkerGateway::new(Arc::new(gw));
    let bare = WorkerGateway::new(Arc::new(
        Gateway::from_ir(&bare, &RuntimeArgs::default()).unwrap(),
    ));
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("192.0.2.1"),
        receiving_body: Rc::new(Cell::new(false)),
    });
    // Allocations of one request to `path`, its request and context made beforehand.
    let serve = |worker: &WorkerGateway, path: &str| {
        // With its own request id: a generated one allocates a batch every 16 requests.
        let req = http::Request::get(path)
            .header("host", "gw")
            .header("x-api-key", GOLD)
            .header("x-request-id", "r")
            .body(RequestBody::Buffered(Bytes::new()))
            .unwrap();
        let mut ctx = RequestContext::new(
            HeaderValue::from_static("r"),
            client.clone(),
            http::Method::GET,
        );
        let (status, n) = allocations(|| {
            let mut fut = std::pin::pin!(worker.serve(&mut ctx, req));
            match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(Ok(resp)) => resp.status().as_u16(),
                Poll::Ready(Err(e)) => panic!("{path}: refused: {:?}", e.kind),
                Poll::Pending => panic!("{path}: a mock route in memory never waits"),
            }
        });
        assert_eq!(status, 200, "{path}");
        assert!(ctx.api_key.is_some() == (path == "/keyed"), "{path}");
        n
    };
    // Warm-up: the buckets and counters are created, the scratch text grows to fit.
    for _ in 0..3 {
        serve(&worker, "/keyed");
        serve(&worker, "/open");
        serve(&bare, "/open");
    }
    let (keyed, api_only, none) = (
        serve(&worker, "/keyed"),
        serve(&worker, "/open"),
        serve(&bare, "/open"),
    );
    println!(
        "allocations per request: keyed route {keyed}, API-wide bucket only {api_only}, no plan step {none}"
    );
    assert_eq!(
        keyed,
        none,
        "the keyed path allocates {} times per request",
        keyed.saturating_sub(none)
    );
    assert_eq!(
        api_only,
        none,
        "the API-wide bucket allocates {} times per request",
        api_only.saturating_sub(none)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
