//! Unit tests of the telemetry modules: exposition, escaping, bucketing, merging across workers
//! and reloads, access-log rendering (JSON, CLF, every `$context` variable), destinations, and
//! a writer that cannot keep up. The served `/metrics` page and access log are tested through
//! a running server in `crate::tests::telemetry`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use expect_test::expect;
use http::{HeaderValue, Method, Version};

use super::access_log::{self, AccessLog, Destination, LogRecord};
use super::metrics::{self, MetricsBuilder, MetricsHub, ProcessInfo};
use crate::ir::ContextVar;

fn process() -> ProcessInfo {
    ProcessInfo {
        start: UNIX_EPOCH + Duration::from_millis(1_700_000_000_250),
        log_dropped: 0,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn buckets_are_upper_inclusive() {
    assert_eq!(metrics::bucket(0), 0);
    assert_eq!(metrics::bucket(1_000), 0);
    assert_eq!(metrics::bucket(1_001), 1);
    assert_eq!(metrics::bucket(2_000), 1);
    assert_eq!(metrics::bucket(30_000_000), 13);
    assert_eq!(metrics::bucket(30_000_001), 14);
    assert_eq!(metrics::bucket(u64::MAX), 14);
}

#[test]
fn label_values_are_escaped() {
    assert_eq!(metrics::escape(r#"a"b\c"#), r#"a\"b\\c"#);
    assert_eq!(metrics::escape("x\ny"), r"x\ny");
}

/// Two workers' blocks merge into one series per route; the page is exactly this.
#[test]
fn exposition_merges_workers_per_route() {
    let mut b = MetricsBuilder::new(
        "pets\"api",
        "prod",
        [("GET", "/pets/{id}"), ("POST", "/pets")],
        true,
    );
    let throttled = b.declare_counter("gwc_throttled_total", "Requests refused by throttling.");
    let layout = b.build();
    let hub = MetricsHub::default();
    hub.register(&layout);
    let (w1, w2) = (layout.worker(), layout.worker());
    for w in [&w1, &w2] {
        w.begin();
        w.record(Some(0), 200, ms(3), Some(ms(2)));
    }
    w1.begin();
    w1.record(Some(0), 502, Duration::from_micros(1_500), Some(ms(1)));
    w2.begin();
    w2.record(None, 404, Duration::from_micros(10), None);
    w2.incr(Some(1), throttled);
    w2.begin(); // still in flight
    expect![[r#"
        # HELP gwc_integration_duration_seconds Time from relaying a request to the integration to its response head (AWS IntegrationLatency).
        # TYPE gwc_integration_duration_seconds histogram
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.001"} 1
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.002"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.005"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.01"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.025"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.05"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.1"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.25"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.5"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="1"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="2.5"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="5"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="10"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="30"} 3
        gwc_integration_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="+Inf"} 3
        gwc_integration_duration_seconds_sum{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 0.005000
        gwc_integration_duration_seconds_count{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 3
        # HELP gwc_request_duration_seconds Time from receiving a request to sending the response head (AWS Latency).
        # TYPE gwc_request_duration_seconds histogram
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.001"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.002"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.005"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.01"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.025"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.05"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.1"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.25"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="0.5"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="1"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="2.5"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="5"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="10"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="30"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="",route="(unmatched)",le="+Inf"} 1
        gwc_request_duration_seconds_sum{api="pets\"api",stage="prod",method="",route="(unmatched)"} 0.000010
        gwc_request_duration_seconds_count{api="pets\"api",stage="prod",method="",route="(unmatched)"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.001"} 0
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.002"} 1
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.005"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.01"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.025"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.05"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.1"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.25"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="0.5"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="1"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="2.5"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="5"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="10"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="30"} 3
        gwc_request_duration_seconds_bucket{api="pets\"api",stage="prod",method="GET",route="/pets/{id}",le="+Inf"} 3
        gwc_request_duration_seconds_sum{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 0.007500
        gwc_request_duration_seconds_count{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 3
    "#]]
    .assert_eq(&histograms(&hub.render(process())));
    expect![[r#"
        # HELP gwc_requests_4xx_total Requests answered with a 4XX status (AWS 4XXError).
        # TYPE gwc_requests_4xx_total counter
        gwc_requests_4xx_total{api="pets\"api",stage="prod",method="",route="(unmatched)"} 1
        gwc_requests_4xx_total{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 0
        gwc_requests_4xx_total{api="pets\"api",stage="prod",method="POST",route="/pets"} 0
        # HELP gwc_requests_5xx_total Requests answered with a 5XX status (AWS 5XXError).
        # TYPE gwc_requests_5xx_total counter
        gwc_requests_5xx_total{api="pets\"api",stage="prod",method="",route="(unmatched)"} 0
        gwc_requests_5xx_total{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 1
        gwc_requests_5xx_total{api="pets\"api",stage="prod",method="POST",route="/pets"} 0
        # HELP gwc_requests_total Requests answered, by route template (AWS Count).
        # TYPE gwc_requests_total counter
        gwc_requests_total{api="pets\"api",stage="prod",method="",route="(unmatched)"} 1
        gwc_requests_total{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 3
        gwc_requests_total{api="pets\"api",stage="prod",method="POST",route="/pets"} 0
        # HELP gwc_throttled_total Requests refused by throttling.
        # TYPE gwc_throttled_total counter
        gwc_throttled_total{api="pets\"api",stage="prod",method="",route="(unmatched)"} 0
        gwc_throttled_total{api="pets\"api",stage="prod",method="GET",route="/pets/{id}"} 0
        gwc_throttled_total{api="pets\"api",stage="prod",method="POST",route="/pets"} 1
        # HELP gwc_in_flight_requests Requests received and not yet answered.
        # TYPE gwc_in_flight_requests gauge
        gwc_in_flight_requests 1
        # HELP gwc_access_log_dropped_total Access log lines dropped because the writer fell behind.
        # TYPE gwc_access_log_dropped_total counter
        gwc_access_log_dropped_total 0
        # HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.
        # TYPE process_start_time_seconds gauge
        process_start_time_seconds 1700000000.250
    "#]]
    .assert_eq(&without_histograms(&hub.render(process())));
}

fn histograms(page: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in page.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            keep = rest.contains("_duration_seconds");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn without_histograms(page: &str) -> String {
    let mut out = String::new();
    let mut keep = true;
    for line in page.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            keep = !rest.contains("_duration_seconds");
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn route_label_off_folds_every_route_into_one_series() {
    let layout = MetricsBuilder::new("a", "s", [("GET", "/x"), ("GET", "/y/{id}")], false).build();
    let hub = MetricsHub::default();
    hub.register(&layout);
    let w = layout.worker();
    w.record(Some(0), 200, ms(1), None);
    w.record(Some(1), 200, ms(1), None);
    w.record(None, 404, ms(1), None);
    let page = hub.render(process());
    assert!(
        page.contains("gwc_requests_total{api=\"a\",stage=\"s\"} 3\n"),
        "{page}"
    );
    assert_eq!(page.matches("gwc_requests_total{").count(), 1, "{page}");
}

/// Counters survive a reload: a route keeping its method and template keeps its series, both
/// while the old generation lives and after it is gone (folded into the retired totals).
#[test]
fn counters_survive_reloads_by_label_set() {
    let hub = MetricsHub::default();
    let old = MetricsBuilder::new("a", "s", [("GET", "/x"), ("GET", "/gone")], true).build();
    hub.register(&old);
    let w = old.worker();
    w.record(Some(0), 200, ms(1), None);
    w.record(Some(1), 200, ms(1), None);
    let new = MetricsBuilder::new("a", "s", [("POST", "/new"), ("GET", "/x")], true).build();
    hub.register(&new);
    let w2 = new.worker();
    w2.record(Some(1), 200, ms(1), None);
    let line = "gwc_requests_total{api=\"a\",stage=\"s\",method=\"GET\",route=\"/x\"} 2\n";
    assert!(hub.render(process()).contains(line));
    drop(w);
    drop(old);
    let page = hub.render(process());
    assert!(page.contains(line), "{page}");
    assert!(page.contains("route=\"/gone\"} 1\n"), "{page}");
    w2.record(Some(1), 200, ms(1), None);
    assert!(
        hub.render(process())
            .contains("gwc_requests_total{api=\"a\",stage=\"s\",method=\"GET\",route=\"/x\"} 3\n")
    );
}

/// The per-request cost of `record` against a shared `fetch_add` per counter (what a global
/// registry of atomics would do), single-threaded, so it shows the instruction cost only; with
/// several cores on one shared cache line the shared version only gets worse. Run with
/// `cargo test -p gwc-runtime --release -- --ignored --nocapture record_cost`.
#[test]
#[ignore = "measurement, not a check"]
fn record_cost() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let routes: Vec<(&str, String)> = (0..100).map(|i| ("GET", format!("/r{i}"))).collect();
    let layout =
        MetricsBuilder::new("a", "s", routes.iter().map(|(m, t)| (*m, t.as_str())), true).build();
    let w = layout.worker();
    const N: u32 = 10_000_000;
    let t = Instant::now();
    for i in 0..N {
        w.begin();
        w.record(
            Some(std::hint::black_box(i as usize % 100)),
            200,
            Duration::from_micros(u64::from(i % 5000)),
            Some(Duration::from_micros(300)),
        );
    }
    let ours = t.elapsed() / N;
    let shared: Vec<AtomicU64> = (0..100 * 40).map(|_| AtomicU64::new(0)).collect();
    let t = Instant::now();
    for i in 0..N {
        let base = std::hint::black_box(i as usize % 100) * 40;
        for k in [0, 1, 2 + metrics::bucket(u64::from(i % 5000)), 20, 21, 30] {
            shared[base + k].fetch_add(1, Ordering::Relaxed);
        }
    }
    let atomics = t.elapsed() / N;
    println!("record(): {ours:?} per request; shared fetch_add: {atomics:?}");
}

// ---------------------------------------------------------------------------------------------
// Access log

fn record<'a>(id: &'a HeaderValue, ua: &'a HeaderValue, method: &'a Method) -> LogRecord<'a> {
    LogRecord {
        request_id: id,
        source_ip: "10.0.0.7",
        user_agent: Some(ua),
        host: None,
        method,
        path: "/pets/42",
        version: Version::HTTP_11,
        route: Some(0),
        status: 502,
        response_length: Some(36),
        received_at: UNIX_EPOCH + Duration::from_millis(1_773_146_096_789),
        latency: Duration::from_micros(12_345),
        integration_latency: Some(Duration::from_micros(11_000)),
        integration_status: None,
        principal_id: Some("user \"7\""),
        identity: None,
        api_key_id: None,
        api_key_hint: None,
        error_message: Some("Internal server error"),
        error_type: Some("INTEGRATION_FAILURE"),
        validation_error: None,
        waf_code: None,
        waf_rule: None,
        cache_status: None,
    }
}

fn log(format: &str) -> AccessLog {
    AccessLog::start(
        format,
        Destination::Stderr,
        "pets",
        "prod",
        [("GET", "/pets/{id}")],
    )
    .unwrap()
}

#[test]
fn clf_time_is_utc_common_log_format() {
    let mut out = Vec::new();
    access_log::clf_time(UNIX_EPOCH + Duration::from_secs(1_773_146_096), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "10/Mar/2026:12:34:56 +0000"
    );
    let mut out = Vec::new();
    access_log::clf_time(UNIX_EPOCH + Duration::from_secs(1_709_164_801), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "29/Feb/2024:00:00:01 +0000"
    );
}

#[test]
fn json_line_has_aws_names_and_parses() {
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::GET,
    );
    let line = log("json").render(&record(&id, &ua, &m));
    assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    expect![[r#"
        {
          "apiKeyId": null,
          "errorMessage": "Internal server error",
          "errorType": "INTEGRATION_FAILURE",
          "httpMethod": "GET",
          "integrationLatency": 11.0,
          "integrationStatus": null,
          "ip": "10.0.0.7",
          "path": "/pets/42",
          "principalId": "user \"7\"",
          "protocol": "HTTP/1.1",
          "requestId": "req-1",
          "requestTime": "10/Mar/2026:12:34:56 +0000",
          "requestTimeEpoch": 1773146096789,
          "resourcePath": "/pets/{id}",
          "responseLatency": 12.345,
          "responseLength": 36,
          "routeKey": "GET /pets/{id}",
          "stage": "prod",
          "status": 502,
          "userAgent": "curl/8"
        }"#]]
    .assert_eq(&serde_json::to_string_pretty(&v).unwrap());
    // A cached route's line says whether the cache answered.
    let cached = LogRecord {
        cache_status: Some("Hit"),
        api_key_id: Some("alice"),
        api_key_hint: Some("****ghij"),
        ..record(&id, &ua, &m)
    };
    let v: serde_json::Value = serde_json::from_str(&log("json").render(&cached)).unwrap();
    assert_eq!(
        (&v["cacheStatus"], &v["apiKeyId"]),
        (&"Hit".into(), &"alice".into())
    );
}

/// A request refused by validation carries what was wrong: in the JSON line (only then) and
/// as `$context.error.validationErrorString` in a template.
#[test]
fn validation_error_string_is_logged_when_validation_refused() {
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::POST,
    );
    let refused = LogRecord {
        status: 400,
        error_message: Some("Invalid request body"),
        error_type: Some("BAD_REQUEST_BODY"),
        validation_error: Some(r#"[object has missing required properties (["name"])]"#),
        ..record(&id, &ua, &m)
    };
    let v: serde_json::Value = serde_json::from_str(&log("json").render(&refused)).unwrap();
    assert_eq!(
        v["validationErrorString"],
        r#"[object has missing required properties (["name"])]"#
    );
    assert_eq!(
        log("$context.error.responseType $context.error.messageString $context.error.validationErrorString")
            .render(&refused),
        "BAD_REQUEST_BODY \"Invalid request body\" [object has missing required properties ([\"name\"])]\n"
    );
}

#[test]
fn json_strings_escape_control_characters() {
    let mut out = Vec::new();
    access_log::json_str(&mut out, Some("a\"b\\c\nd\u{1}é"));
    let s = String::from_utf8(out).unwrap();
    assert_eq!(s, r#""a\"b\\c\nd\u0001é""#);
    assert_eq!(
        serde_json::from_str::<String>(&s).unwrap(),
        "a\"b\\c\nd\u{1}é"
    );
}

#[test]
fn clf_preset_and_templates_render() {
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::GET,
    );
    let r = record(&id, &ua, &m);
    assert_eq!(
        log("clf").render(&r),
        "10.0.0.7 - - [10/Mar/2026:12:34:56 +0000] \"GET /pets/{id} HTTP/1.1\" 502 36 req-1\n"
    );
    let unmatched = LogRecord {
        route: None,
        integration_latency: None,
        ..r.clone()
    };
    assert_eq!(
        log("$context.routeKey|$context.integrationLatency|$context.status.").render(&unmatched),
        "-|-|502.\n"
    );
}

/// Every variable renders (a table row per name), so none is silently empty.
#[test]
fn every_context_variable_renders() {
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::GET,
    );
    let host = HeaderValue::from_static("api.example.com");
    let r = LogRecord {
        host: Some(&host),
        integration_status: Some(200),
        api_key_id: Some("key-1"),
        api_key_hint: Some("****ghij"),
        ..record(&id, &ua, &m)
    };
    let mut table = String::new();
    for (name, _) in ContextVar::NAMES {
        table.push_str(&log(&format!("{name}=$context.{name}")).render(&r));
    }
    expect![[r#"
        requestId=req-1
        extendedRequestId=req-1
        requestTime=10/Mar/2026:12:34:56 +0000
        requestTimeEpoch=1773146096789
        httpMethod=GET
        resourcePath=/pets/{id}
        routeKey=GET /pets/{id}
        path=/pets/42
        protocol=HTTP/1.1
        status=502
        responseLength=36
        responseLatency=12.345
        integrationLatency=11.000
        integration.latency=11.000
        integration.status=200
        identity.sourceIp=10.0.0.7
        identity.userAgent=curl/8
        identity.caller=-
        identity.user=-
        identity.apiKeyId=key-1
        identity.apiKey=****ghij
        authorizer.principalId=user "7"
        error.message=Internal server error
        error.messageString="Internal server error"
        error.validationErrorString=-
        error.responseType=INTEGRATION_FAILURE
        stage=prod
        apiId=pets
        domainName=api.example.com
        wafResponseCode=-
        waf.rule=-
    "#]]
    .assert_eq(&table);
}

#[test]
fn authorizer_claims_and_context_render_where_named() {
    let id = HeaderValue::from_static("rid");
    let ua = HeaderValue::from_static("curl/8");
    let method = Method::GET;
    let identity = crate::pipeline::Identity {
        principal: Some("alice".into()),
        claims: std::sync::Arc::new(
            serde_json::from_str(
                r#"{"email": "a@example.com", "cognito:groups": ["admin", "staff"], "n": 3}"#,
            )
            .unwrap(),
        ),
        context: vec![("tier".into(), "gold".into())],
        usage_identifier_key: None,
    };
    let mut r = record(&id, &ua, &method);
    r.principal_id = Some("alice");
    r.identity = Some(&identity);
    let log = log(
        "$context.authorizer.principalId $context.authorizer.claims.email \
         $context.authorizer.claims.cognito:groups $context.authorizer.claims.n \
         $context.authorizer.tier $context.authorizer.claims.none $context.authorizer.none",
    );
    assert_eq!(
        log.render(&r),
        "alice a@example.com admin,staff 3 gold - -\n"
    );
    r.identity = None;
    assert_eq!(log.render(&r), "alice - - - - - -\n");
}

#[test]
fn unknown_variable_fails_the_build() {
    let err = AccessLog::start(
        "$context.status $context.statuz",
        Destination::Stderr,
        "a",
        "s",
        [],
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown access log variable `$context.statuz`"
    );
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "gwc-telemetry-{}-{}-{name}",
        std::process::id(),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn file_destination_is_appended_and_flushed_on_finish() {
    let dir = scratch("file");
    let path = dir.join("access.log");
    std::fs::write(&path, "earlier\n").unwrap();
    let log = AccessLog::start(
        "$context.requestId $context.status",
        Destination::parse(path.to_str().unwrap()),
        "a",
        "s",
        [("GET", "/pets/{id}")],
    )
    .unwrap();
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::GET,
    );
    let local = log.worker();
    for _ in 0..3 {
        local.write(&record(&id, &ua, &m));
    }
    drop(local); // a worker's generation ending hands its buffer over
    log.finish(Duration::from_secs(5));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "earlier\nreq-1 502\nreq-1 502\nreq-1 502\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A writer that cannot write (a FIFO nobody reads: opening it blocks) never blocks the
/// worker: batches past the queue are dropped and counted.
#[test]
fn blocked_writer_drops_and_counts_instead_of_blocking() {
    let dir = scratch("fifo");
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED blocked_writer_drops_and_counts_instead_of_blocking: no mkfifo");
        return;
    }
    let log = AccessLog::start(
        "json",
        Destination::File(fifo.clone()),
        "a",
        "s",
        [("GET", "/pets/{id}")],
    )
    .unwrap();
    let (id, ua, m) = (
        HeaderValue::from_static("req-1"),
        HeaderValue::from_static("curl/8"),
        Method::GET,
    );
    let before = access_log::dropped();
    let local = log.worker();
    let t = Instant::now();
    for i in 0..20_000 {
        local.write(&record(&id, &ua, &m));
        if i % 100 == 99 {
            local.flush();
        }
    }
    let took = t.elapsed();
    assert!(took < Duration::from_secs(5), "writing took {took:?}");
    // 200 batches against a queue of 64: at least 100 batches of 100 lines dropped.
    assert!(
        access_log::dropped() - before >= 10_000,
        "dropped {}",
        access_log::dropped() - before
    );
    drop(local);
    let t = Instant::now();
    log.finish(Duration::from_millis(300));
    assert!(t.elapsed() < Duration::from_secs(2));
    let reader = unblock_fifo(&fifo);
    drop(log);
    drop(reader);
    let _ = std::fs::remove_dir_all(dir);
}

/// Opens the read end without blocking, so the writer thread's `open` returns and the thread
/// can see its channel closed and exit; the caller keeps the reader until the log is dropped.
pub(crate) fn unblock_fifo(path: &std::path::Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    const O_NONBLOCK: i32 = 0o4000; // Linux
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
        .ok()
}

/// A request whose client went away (its future dropped before `finish`) leaves the in-flight
/// gauge without being counted as answered.
#[test]
fn abandoned_requests_leave_the_in_flight_gauge() {
    let layout = MetricsBuilder::new("a", "s", [("GET", "/x")], true).build();
    let hub = MetricsHub::default();
    hub.register(&layout);
    let t = super::WorkerTelemetry {
        metrics: Some(layout.worker()),
        log: None,
    };
    let answered = t.begin();
    let abandoned = t.begin();
    assert!(hub.render(process()).contains("gwc_in_flight_requests 2\n"));
    drop(abandoned);
    answered.finish_metrics(Some(0), 200, ms(1), None);
    let page = hub.render(process());
    assert!(page.contains("gwc_in_flight_requests 0\n"), "{page}");
    assert!(page.contains("route=\"/x\"} 1\n"), "{page}");
}
