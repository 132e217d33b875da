//! Telemetry through a running server: known traffic, then the exact counts on `/metrics`
//! (checked by `promtool` when installed), one series for a templated route whatever the
//! paths, the access log's JSON lines, `/readyz`, and a blocked log destination that does not
//! block requests.

use super::*;
use crate::args::AccessLogOverride;
use crate::telemetry::access_log;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gwc-telemetry-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn shop() -> ir::Gateway {
    let mut ir = ir_gateway(
        ApiKind::Http,
        vec![
            mock_route(Method::Get, "/ok", 200, "ok"),
            mock_route(Method::Get, "/items/{id}", 200, "item"),
            // Stage variable `backend` is a closed port: 502.
            proxy_route(Method::Get, "/down", "${stageVariables.backend}/down", None),
        ],
    );
    ir.name = "shop".into();
    ir
}

fn args(log: AccessLogOverride) -> RuntimeArgs {
    RuntimeArgs {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        admin_listen: Some("127.0.0.1:0".parse().unwrap()),
        workers: Some(2),
        access_log: Some(log),
        ..RuntimeArgs::default()
    }
}

/// `promtool check metrics` on the page: a hard failure under CI when promtool is missing.
fn promtool_check(page: &str) {
    use std::io::Write as _;
    let child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("CI").is_none(),
                "promtool is not installed (Debian package `prometheus`; scripts/test installs it)"
            );
            return super::skip("promtool is not installed; the page was not linted");
        }
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(page.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\n--- page ---\n{page}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn value(page: &str, series: &str) -> u64 {
    page.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{series}` on the page:\n{page}"))
}

#[tokio::test]
async fn metrics_and_access_log_count_known_traffic() {
    let dir = scratch("traffic");
    let log_path = dir.join("access.log");
    let server = start(
        &shop(),
        &args(AccessLogOverride::To(log_path.to_str().unwrap().to_owned())),
    );
    let admin = server.admin_addr().unwrap();
    // Ready once every worker accepts (a moment after `start` returns).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _, body) = get_once(admin, "/readyz").await;
        if status == StatusCode::OK {
            assert_eq!(&body[..], b"{\"status\":\"ready\"}");
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let mut c = Client::connect(server.local_addr()).await;
    for _ in 0..7 {
        assert_eq!(c.get("/ok").await.0, 200);
    }
    for _ in 0..3 {
        assert_eq!(c.get("/nope").await.0, 404);
    }
    for _ in 0..2 {
        assert_eq!(get_once(server.local_addr(), "/down").await.0, 502);
    }
    for i in 0..1000 {
        assert_eq!(c.get(&format!("/items/{i}")).await.0, 200);
    }
    let known = Request::builder()
        .uri("/ok")
        .header("host", "gateway.test")
        .header("x-request-id", "known-id-1")
        .header("user-agent", "telemetry-test")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(c.send(known).await.0, 200);

    let (status, headers, page) = get_once(admin, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let page = String::from_utf8(page.to_vec()).unwrap();
    let l = |method: &str, route: &str| {
        format!("{{api=\"shop\",stage=\"prod\",method=\"{method}\",route=\"{route}\"}}")
    };
    assert_eq!(
        value(&page, &format!("gwc_requests_total{}", l("GET", "/ok"))),
        8
    );
    assert_eq!(
        value(
            &page,
            &format!("gwc_requests_total{}", l("", "(unmatched)"))
        ),
        3
    );
    assert_eq!(
        value(
            &page,
            &format!("gwc_requests_4xx_total{}", l("", "(unmatched)"))
        ),
        3
    );
    assert_eq!(
        value(&page, &format!("gwc_requests_total{}", l("GET", "/down"))),
        2
    );
    assert_eq!(
        value(
            &page,
            &format!("gwc_requests_5xx_total{}", l("GET", "/down"))
        ),
        2
    );
    assert_eq!(
        value(
            &page,
            &format!("gwc_requests_total{}", l("GET", "/items/{id}"))
        ),
        1000
    );
    assert_eq!(
        value(
            &page,
            &format!(
                "gwc_request_duration_seconds_count{}",
                l("GET", "/items/{id}")
            )
        ),
        1000
    );
    assert_eq!(
        value(
            &page,
            &format!(
                "gwc_integration_duration_seconds_count{}",
                l("GET", "/down")
            )
        ),
        2
    );
    // Bounded cardinality: four series (three routes and the unmatched one), whatever the paths.
    assert_eq!(page.matches("\ngwc_requests_total{").count(), 4, "{page}");
    assert!(!page.contains("/items/1"), "a raw path leaked into a label");
    assert_eq!(value(&page, "gwc_in_flight_requests"), 0);
    promtool_check(&page);

    // A reload keeps counting in the same series.
    server.reload(Gateway::from_ir(&shop(), &args(AccessLogOverride::Off)).unwrap());
    assert_eq!(c.get("/ok").await.0, 200);
    let page = String::from_utf8(get_once(admin, "/metrics").await.2.to_vec()).unwrap();
    assert_eq!(
        value(&page, &format!("gwc_requests_total{}", l("GET", "/ok"))),
        9
    );

    server.shutdown();
    server.wait();
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // The request after the reload went to a gateway whose log is off.
    assert_eq!(lines.len(), 7 + 3 + 2 + 1000 + 1);
    let line = lines
        .iter()
        .find(|v| v["requestId"] == "known-id-1")
        .expect("the known request's line");
    assert_eq!(line["ip"], "127.0.0.1");
    assert_eq!(line["httpMethod"], "GET");
    assert_eq!(line["routeKey"], "GET /ok");
    assert_eq!(line["resourcePath"], "/ok");
    assert_eq!(line["path"], "/ok");
    assert_eq!(line["status"], 200);
    assert_eq!(line["responseLength"], 2);
    assert_eq!(line["userAgent"], "telemetry-test");
    assert_eq!(line["stage"], "prod");
    assert!(line["responseLatency"].is_number());
    assert!(line["integrationLatency"].is_null());
    let failed: Vec<_> = lines.iter().filter(|v| v["status"] == 502).collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["errorType"], "INTEGRATION_FAILURE");
    assert!(failed[0]["integrationLatency"].is_number());
    let unmatched = lines.iter().find(|v| v["status"] == 404).unwrap();
    assert!(unmatched["routeKey"].is_null());
    assert_eq!(unmatched["path"], "/nope");
    let _ = std::fs::remove_dir_all(dir);
}

/// The log's destination is a FIFO nobody reads: the writer blocks opening it, and requests
/// are answered anyway.
/// A streamed (chunked) answer's `responseLength` is counted as it is sent, and its line is
/// written once the body ended; a client that leaves mid-body still gets its line, with the
/// bytes it was sent.
#[tokio::test]
async fn access_log_counts_streamed_response_bodies() {
    let backend = Backend::start();
    let dir = scratch("streamed");
    let log_path = dir.join("access.log");
    let ir = ir_gateway(
        ApiKind::Http,
        vec![proxy_route(
            Method::Get,
            "/stream",
            "${stageVariables.backend}/stream",
            None,
        )],
    );
    let server = start(
        &ir,
        &RuntimeArgs {
            access_log: Some(AccessLogOverride::To(log_path.to_str().unwrap().to_owned())),
            ..args_for(&backend.url())
        },
    );
    let mut c = Client::connect(server.local_addr()).await;
    let (status, headers, body) = c.get("/stream?chunked=200000").await;
    assert_eq!(status, 200);
    assert!(!headers.contains_key("content-length"), "{headers:?}");
    assert_eq!(body.len(), 200_000);
    // A second exchange on the same connection: the first line must not wait for it.
    assert_eq!(c.get("/stream?chunked=10").await.0, 200);
    // A client that reads 256 KiB of 1 GiB and hangs up.
    {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut s = TcpStream::connect(server.local_addr()).await.unwrap();
        s.write_all(b"GET /stream?chunked=1073741824 HTTP/1.1\r\nHost: g\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0; 256 << 10];
        s.read_exact(&mut buf).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if lines.len() == 3 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    server.shutdown();
    server.wait();
    // Sorted: the two lines of the kept connection are written when each body ends, and a
    // loaded machine may finish the second before the first's line is queued. Three lines
    // while that connection is still open show that neither waited for the connection's end.
    let mut lengths: Vec<u64> = lines
        .iter()
        .map(|l| l["responseLength"].as_u64().unwrap())
        .collect();
    lengths.sort_unstable();
    assert_eq!(lengths.len(), 3, "{lines:?}");
    assert_eq!(lengths[..2], [10, 200_000]);
    assert!(
        (256 << 10..1 << 30).contains(&lengths[2]),
        "the abandoned body's line counts what was sent: {}",
        lengths[2]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn blocked_access_log_does_not_block_requests() {
    let dir = scratch("fifo");
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return super::skip("mkfifo is not available");
    }
    let server = start(
        &shop(),
        &args(AccessLogOverride::To(fifo.to_str().unwrap().to_owned())),
    );
    let mut c = Client::connect(server.local_addr()).await;
    let t = Instant::now();
    for i in 0..500 {
        let got = tokio::time::timeout(Duration::from_secs(5), c.get(&format!("/items/{i}"))).await;
        assert_eq!(got.expect("a request waited for the log").0, 200);
    }
    assert!(t.elapsed() < Duration::from_secs(20));
    server.shutdown();
    let t = Instant::now();
    server.wait();
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "shutdown waited for the log"
    );
    let reader = crate::telemetry::tests::unblock_fifo(&fifo);
    drop(reader);
    let _ = access_log::dropped();
    let _ = std::fs::remove_dir_all(dir);
}
