use http::Version;

use super::{host_count_ok, valid_host};

#[test]
fn host_values() {
    for ok in [
        "gw",
        "gw.example:8080",
        "a-b_c~d%20",
        "127.0.0.1:80",
        "[::1]",
        "[::1]:443",
        "gw:",
    ] {
        assert!(valid_host(ok.as_bytes()), "{ok}");
    }
    for bad in [
        "", ":80", "a b", "u@gw", "gw:8x", "gw:80:80", "[::1", "[]", "[zz]", "[::1]x", "gw/x",
    ] {
        assert!(!valid_host(bad.as_bytes()), "{bad}");
    }
}

#[test]
fn host_count_per_version() {
    assert!(host_count_ok(1, Version::HTTP_11));
    assert!(!host_count_ok(0, Version::HTTP_11));
    assert!(!host_count_ok(2, Version::HTTP_11));
    assert!(host_count_ok(0, Version::HTTP_10));
    assert!(!host_count_ok(2, Version::HTTP_10));
}

// ---------------------------------------------------------------------------------------------
// The step interface, proved with the probe step on a gateway built from IR and driven
// in-process (bodies as buffered bytes, so no socket is needed).

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::BodyExt;

use super::{RequestContext, WorkerGateway};
use crate::args::RuntimeArgs;
use crate::body::{Body, RequestBody};
use crate::gateway::Gateway;
use crate::integration::proxy::ClientInfo;
use crate::ir::{self, ApiKind, ErrorType, Method, Mock, PathTemplate, Route};
use crate::step::probe::Probe;

fn mock_route(path: &str) -> Route {
    Route {
        id: format!("GET {path}").into(),
        method: Method::Get,
        path: PathTemplate::parse(path).unwrap(),
        integration: ir::Integration::Mock(Mock {
            status: 200,
            headers: vec![],
            body: "integration".into(),
        }),
        ..Route::default()
    }
}

fn ir_gateway(kind: ApiKind) -> ir::Gateway {
    ir::Gateway {
        name: "pipeline".into(),
        kind,
        routes: vec![mock_route("/plain"), mock_route("/probed/{id}")],
        observability: ir::Observability {
            access_log: ir::AccessLog {
                enabled: false,
                ..ir::AccessLog::default()
            },
            ..ir::Observability::default()
        },
        ..ir::Gateway::default()
    }
}

/// A gateway whose `/probed/{id}` route runs the probe in both phases (and, with
/// `api_wide`, before routing too).
fn probed(reads_body: bool, api_wide: bool) -> WorkerGateway {
    let mut gw = Gateway::from_ir(&ir_gateway(ApiKind::Http), &RuntimeArgs::default()).unwrap();
    let route = Arc::get_mut(&mut gw.routes[1]).unwrap();
    route.steps.probe = Some(Probe { reads_body });
    route.steps.probe_response = Some(Probe::default());
    route.buffer_body = route.steps.need_body();
    route.request_steps = route.steps.has_request_steps();
    if api_wide {
        gw.api_steps.probe = Some(Probe::default());
    }
    WorkerGateway::new(Arc::new(gw))
}

fn context() -> RequestContext {
    let client = Rc::new(ClientInfo {
        ip: HeaderValue::from_static("192.0.2.1"),
        receiving_body: Rc::new(Cell::new(false)),
    });
    RequestContext::new(HeaderValue::from_static("req-1"), client, http::Method::GET)
}

async fn send(
    worker: &WorkerGateway,
    path: &str,
    probe: &str,
    body: &'static str,
) -> (
    RequestContext,
    Result<Response<Body>, Box<crate::error::GatewayError>>,
) {
    let req = http::Request::get(path)
        .header("host", "gw")
        .header("x-probe", probe)
        .body(RequestBody::Buffered(Bytes::from_static(body.as_bytes())))
        .unwrap();
    let mut ctx = context();
    let result = worker.serve(&mut ctx, req).await;
    (ctx, result)
}

async fn text(resp: Response<Body>) -> String {
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn a_step_passes_and_fills_the_context_for_later_phases() {
    let worker = probed(false, false);
    let (ctx, result) = send(&worker, "/probed/7", "pass", "").await;
    let resp = result.unwrap();
    assert_eq!(ctx.route, Some(1));
    assert_eq!(ctx.params.len(), 1);
    assert_eq!(resp.headers()["x-probe-principal"], "fast principal");
    assert!(
        ctx.timings.integration_latency().is_none(),
        "a mock is not timed"
    );
    assert_eq!(text(resp).await, "integration");
}

#[tokio::test]
async fn a_slow_path_resumes_the_step() {
    let worker = probed(false, false);
    let (_, result) = send(&worker, "/probed/7", "slow", "").await;
    let resp = result.unwrap();
    assert_eq!(resp.headers()["x-probe-principal"], "slow principal");
}

#[tokio::test]
async fn a_refusal_carries_its_own_headers_and_skips_the_integration() {
    let worker = probed(false, false);
    let (ctx, result) = send(&worker, "/probed/7", "refuse", "").await;
    let error = result.unwrap_err();
    assert_eq!(error.kind, ErrorType::Throttled);
    let answered = worker.gateway.errors.answer(*error, &ctx.request_id);
    assert_eq!(answered.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answered.headers()["retry-after"], "7");
}

#[tokio::test]
async fn an_early_answer_skips_the_integration_but_not_the_response_phase() {
    let worker = probed(false, false);
    let (_, result) = send(&worker, "/probed/7", "answer", "").await;
    let resp = result.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert!(resp.headers().contains_key("x-probe-principal"));
    assert_eq!(text(resp).await, "probe answered");
}

#[tokio::test]
async fn a_step_that_reads_the_body_gets_it_buffered() {
    let worker = probed(true, false);
    let (_, result) = send(&worker, "/probed/7", "echo-body", "hello body").await;
    assert_eq!(text(result.unwrap()).await, "hello body");
}

#[tokio::test]
async fn routes_without_the_step_do_not_run_it() {
    let worker = probed(false, false);
    let (_, result) = send(&worker, "/plain", "refuse", "").await;
    let resp = result.unwrap();
    assert!(!resp.headers().contains_key("x-probe-principal"));
    assert_eq!(worker.routes[1].steps.probe.as_ref().unwrap().seen.get(), 0);
}

#[tokio::test]
async fn api_wide_steps_run_before_routing_for_every_request() {
    let worker = probed(false, true);
    let (ctx, result) = send(&worker, "/nowhere", "refuse", "").await;
    assert_eq!(result.unwrap_err().kind, ErrorType::Throttled);
    assert_eq!(ctx.route, None, "refused before routing");
    let (_, result) = send(&worker, "/nowhere", "pass", "").await;
    assert_eq!(result.unwrap_err().kind, ErrorType::ResourceNotFound);
    assert_eq!(worker.api.probe.as_ref().unwrap().seen.get(), 2);
}

#[tokio::test]
async fn unmatched_requests_follow_the_api_kind() {
    let http = WorkerGateway::new(Arc::new(
        Gateway::from_ir(&ir_gateway(ApiKind::Http), &RuntimeArgs::default()).unwrap(),
    ));
    let req = |method: &str| {
        http::Request::builder()
            .method(method)
            .uri("/plain")
            .header("host", "gw")
            .body(RequestBody::Buffered(Bytes::new()))
            .unwrap()
    };
    let e = http.serve(&mut context(), req("DELETE")).await.unwrap_err();
    assert_eq!(e.kind, ErrorType::MethodNotAllowed);
    assert_eq!(e.headers["allow"], "GET");
    let rest = WorkerGateway::new(Arc::new(
        Gateway::from_ir(&ir_gateway(ApiKind::Rest), &RuntimeArgs::default()).unwrap(),
    ));
    let e = rest.serve(&mut context(), req("DELETE")).await.unwrap_err();
    assert_eq!(e.kind, ErrorType::MissingAuthenticationToken);
    assert!(e.headers.is_empty());
}

/// The first look at the head sets the request id before any check can refuse the request,
/// so a 400 for a bad `Host` carries the client's id like any answer; an id that could
/// smuggle text into the logs is replaced.
#[tokio::test]
async fn the_request_id_is_set_before_the_head_checks_refuse() {
    let worker = WorkerGateway::new(Arc::new(
        Gateway::from_ir(&ir_gateway(ApiKind::Http), &RuntimeArgs::default()).unwrap(),
    ));
    let req = |host: &str, id: &str| {
        http::Request::get("/plain")
            .header("host", host)
            .header("x-request-id", id)
            .body(RequestBody::Buffered(Bytes::new()))
            .unwrap()
    };
    let mut ctx = context();
    let e = worker
        .serve(&mut ctx, req("a b", "trace-7"))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorType::Default4xx);
    assert_eq!(ctx.request_id, "trace-7");
    let mut ctx = context();
    assert!(worker.serve(&mut ctx, req("gw", "trace-8")).await.is_ok());
    assert_eq!(ctx.request_id, "trace-8");
    let mut ctx = context();
    assert!(worker.serve(&mut ctx, req("gw", "a\"b")).await.is_ok());
    assert_eq!(ctx.request_id.len(), 36, "{:?}", ctx.request_id);
    assert_ne!(ctx.request_id, "req-1");
}

/// A caller's id is read from the first of `request_id_headers`, and only from it; a name
/// HTTP cannot carry stops the build (the compiler reports it at its line first).
#[tokio::test]
async fn the_callers_id_comes_from_the_first_request_id_header() {
    let mut ir = ir_gateway(ApiKind::Http);
    ir.observability.request_id_headers = vec!["x-correlation-id".into(), "x-trace".into()];
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    assert_eq!(gw.request_ids.incoming, "x-correlation-id");
    assert_eq!(gw.request_ids.outgoing.len(), 2);
    let worker = WorkerGateway::new(Arc::new(gw));
    let req = |name: &str| {
        http::Request::get("/plain")
            .header("host", "gw")
            .header(name, "trace-9")
            .body(RequestBody::Buffered(Bytes::new()))
            .unwrap()
    };
    let mut ctx = context();
    assert!(
        worker
            .serve(&mut ctx, req("x-correlation-id"))
            .await
            .is_ok()
    );
    assert_eq!(ctx.request_id, "trace-9");
    for other in ["x-request-id", "x-trace"] {
        let mut ctx = context();
        assert!(worker.serve(&mut ctx, req(other)).await.is_ok());
        assert_eq!(ctx.request_id.len(), 36, "{other}: {:?}", ctx.request_id);
    }

    ir.observability.request_id_headers = vec![];
    let gw = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap();
    assert_eq!(gw.request_ids.incoming, "x-request-id");
    assert!(gw.request_ids.outgoing.is_empty());
    for bad in ["bad name", "Content-Length"] {
        ir.observability.request_id_headers = vec![bad.into()];
        let e = Gateway::from_ir(&ir, &RuntimeArgs::default()).unwrap_err();
        assert!(e.to_string().contains(bad), "{e}");
    }
}

/// The request future stays small: one boxed future per request at the hyper boundary
/// holds it, and every step added later must not bloat it for routes that do not use the
/// step (STYLE.md §1.6). A slow path is boxed, so it does not count here.
#[test]
fn the_pipeline_future_stays_small() {
    let worker = probed(false, false);
    let mut ctx = context();
    let req = http::Request::get("/plain")
        .header("host", "gw")
        .body(RequestBody::Buffered(Bytes::new()))
        .unwrap();
    let future = worker.serve(&mut ctx, req);
    let size = std::mem::size_of_val(&future);
    println!("pipeline future: {size} bytes");
    // 4,648 bytes in a debug test build on 2026-12-01, most of it the proxy call's future
    // (timeout, connect, send), as before the pipeline existed. The bound leaves room for a
    // few small steps, not for an unboxed slow path.
    assert!(size <= 6144, "the pipeline future grew to {size} bytes");
}

/// The pipeline's own cost per request, against the edge checks, a bare route lookup and the
/// integration's answer (what `handle` did before the pipeline existed). Prints ns per
/// request; run with
/// `cargo test -p gwc-runtime --release -- --ignored --nocapture empty_pipeline_cost`.
/// Timings are noisy on a shared machine; for instructions, which are not, run the test binary
/// under `valgrind --tool=callgrind` with `GWC_BENCH_N=20000` and read the inclusive cost of
/// `pipeline_loop` and `bare_loop` (`callgrind_annotate --inclusive=yes`).
#[tokio::test]
#[ignore = "measurement, not a check"]
async fn empty_pipeline_cost() {
    let gw = Gateway::from_ir(&ir_gateway(ApiKind::Http), &RuntimeArgs::default()).unwrap();
    let worker = WorkerGateway::new(Arc::new(gw));
    let n: u32 = std::env::var("GWC_BENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    for round in 0..3 {
        let t = std::time::Instant::now();
        pipeline_loop(&worker, n).await;
        let pipeline = t.elapsed() / n;
        let t = std::time::Instant::now();
        bare_loop(&worker, n);
        let bare = t.elapsed() / n;
        println!(
            "round {round}: pipeline {pipeline:?} per request, bare checks + lookup + answer {bare:?}"
        );
    }
}

fn bench_request() -> http::Request<RequestBody> {
    http::Request::get("/plain")
        .header("host", "gw")
        .body(RequestBody::Buffered(Bytes::new()))
        .unwrap()
}

#[inline(never)]
async fn pipeline_loop(worker: &WorkerGateway, n: u32) {
    for _ in 0..n {
        let req = bench_request();
        let mut ctx = context();
        let resp = worker.serve(&mut ctx, req).await;
        std::hint::black_box(resp.is_ok());
    }
}

#[inline(never)]
fn bare_loop(worker: &WorkerGateway, n: u32) {
    let mock = match &worker.routes[0].integration {
        super::WorkerIntegration::Mock(m) => m,
        super::WorkerIntegration::Proxy { .. } | super::WorkerIntegration::Handler => {
            unreachable!("/plain is a mock")
        }
    };
    for _ in 0..n {
        let req = bench_request();
        let mut ctx = context();
        std::hint::black_box(super::edge_checks(&worker.gateway, &mut ctx, &req).is_ok());
        let found = worker.gateway.router.lookup(req.method(), req.uri().path());
        std::hint::black_box(&found);
        std::hint::black_box(&mut ctx);
        req.into_body().discard();
        std::hint::black_box(mock.fixed());
    }
}
