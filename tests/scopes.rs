//! Throttle scopes and API keys from a custom authorizer, end to end under `gwc serve` of
//! `tests/fixtures/throttle-scopes.yaml`, with a custom authorizer the test serves.
//!
//! For each `per` value (`ip` through a trusted proxy, `header:x-tenant`, `principal`,
//! `api_key`), two clients overload one route at once for two seconds; each must get its own
//! bucket: at most `burst + rate × elapsed` (+1 %) admitted, from the measured elapsed time,
//! most of it (75 %), and both together more than 1.5 times what one bucket could give. The
//! keys are the authorizer's `usageIdentifierKey` (`api_key_source: authorizer`): they select
//! the plan, so a key of the metered plan meets its quota, and a token whose authorizer answer
//! carries no key, or an unknown one, is refused 403 like a missing key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{Failure, Target, TestResult, annotate, binaries, eventually};

const ALPHA: &str = "alpha-0123456789abcdefghij";
const BETA: &str = "beta-0123456789abcdefghij";
const GAMMA: &str = "gamma-0123456789abcdefghij";

/// Every route bucket of the fixture.
const RATE: f64 = 20.0;
const BURST: f64 = 5.0;

/// A custom (TOKEN) authorizer: `Bearer PRINCIPAL` or `Bearer PRINCIPAL:KEY` is allowed
/// everywhere, with that principal and, when given, that `usageIdentifierKey`.
struct Authorizer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Authorizer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn answer(body: &[u8]) -> String {
    let event: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let token = event["authorizationToken"].as_str().unwrap_or("");
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let (principal, key) = match token.split_once(':') {
        Some((p, k)) => (p, Some(k)),
        None => (token, None),
    };
    let mut answer = json!({
        "principalId": principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}
        ]},
    });
    if let Some(key) = key {
        answer["usageIdentifierKey"] = json!(key);
    }
    answer.to_string()
}

impl Authorizer {
    async fn start() -> std::io::Result<Authorizer> {
        use http_body_util::BodyExt;
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let service = service_fn(|req: Request<Incoming>| async move {
                        let body = req
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let mut resp = Response::new(Full::new(Bytes::from(answer(&body))));
                        *resp.status_mut() = StatusCode::OK;
                        Ok::<_, std::convert::Infallible>(resp)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Authorizer { addr, task })
    }
}

/// What one client's overload run saw.
#[derive(Debug, Default)]
struct Run {
    statuses: BTreeMap<u16, usize>,
    elapsed: Duration,
}

/// `conns` kept connections sending `GET path` with `headers` back to back for `duration`;
/// elapsed from before the first request to after the last response.
async fn overload(
    addr: SocketAddr,
    path: &'static str,
    headers: &'static [(&'static str, &'static str)],
    conns: usize,
    duration: Duration,
) -> Result<Run, Failure> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        tasks.push(tokio::spawn(async move {
            let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
            let mut conn = Conn::open(addr).await.map_err(|e| e.to_string())?;
            while start.elapsed() < duration {
                let mut req = client::request(Method::GET, addr, path);
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                let req = req.body(TestBody::empty()).map_err(|e| e.to_string())?;
                let reply = conn.send(req).await.map_err(|e| e.to_string())?;
                if reply.status == 429 && reply.header("retry-after").is_none() {
                    return Err("a 429 without Retry-After".to_owned());
                }
                *statuses.entry(reply.status.as_u16()).or_default() += 1;
            }
            Ok::<_, String>(statuses)
        }));
    }
    let mut run = Run::default();
    for t in tasks {
        for (s, n) in t.await?.map_err(Failure)? {
            *run.statuses.entry(s).or_default() += n;
        }
    }
    run.elapsed = start.elapsed();
    Ok(run)
}

/// One client's share: its own bucket's allowance, nearly all of it used under overload.
fn check_own_bucket(run: &Run, what: &str) -> TestResult {
    let allowed = BURST + RATE * run.elapsed.as_secs_f64();
    let admitted = run.statuses.get(&200).copied().unwrap_or(0) as f64;
    let sent: usize = run.statuses.values().sum();
    println!(
        "{what}: admitted {admitted} of {sent} in {:.3}s; allowed {allowed:.1} ({:.1} %)",
        run.elapsed.as_secs_f64(),
        100.0 * admitted / allowed
    );
    ensure!(
        run.statuses.keys().all(|s| *s == 200 || *s == 429),
        "{what}: statuses {:?}",
        run.statuses
    );
    ensure!(
        admitted <= allowed * 1.01,
        "{what}: admitted {admitted} > {allowed:.1} + 1 %"
    );
    ensure!(
        sent as f64 >= 2.0 * allowed,
        "{what}: only {sent} sent, not an overload of {allowed:.1}"
    );
    // A loaded machine leaves a bucket idle now and then (the first request of a token
    // waits for the authorizer); a shared bucket would halve each client's share.
    ensure!(
        admitted >= 0.75 * allowed,
        "{what}: admitted only {admitted} of {allowed:.1}"
    );
    Ok(())
}

/// Two clients' runs: together they got more than one bucket could ever give
/// (`burst + rate × elapsed` + 1 %), so their buckets are separate.
fn check_separate(a: &Run, b: &Run, what: &str) -> TestResult {
    let one = BURST + RATE * a.elapsed.max(b.elapsed).as_secs_f64();
    let both = (a.statuses.get(&200).copied().unwrap_or(0)
        + b.statuses.get(&200).copied().unwrap_or(0)) as f64;
    ensure!(
        both >= 1.5 * one,
        "{what}: both clients together admitted {both}, not more than one bucket's {one:.1}: the bucket is shared"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scope_gives_each_client_its_own_bucket() -> TestResult {
    let authorizer = Authorizer::start().await?;
    let spec = binaries::workspace_root().join("tests/fixtures/throttle-scopes.yaml");
    let mut cmd = std::process::Command::new(binaries::gwc()?);
    cmd.arg("serve")
        .arg(&spec)
        .args(["--listen", "127.0.0.1:0", "--access-log", "off"])
        .arg("--stage-variable")
        .arg(format!("authorizer=http://{}", authorizer.addr))
        .env("GWC_ALPHA_KEY", ALPHA)
        .env("GWC_BETA_KEY", BETA)
        .env("GWC_GAMMA_KEY", GAMMA);
    let gw = crate::harness::GatewayProcess::spawn(cmd, Target::Serve(spec).label())?;
    let addr = gw.addr();
    let run = async {
        type Clients = [&'static [(&'static str, &'static str)]; 2];
        let scopes: [(&str, &'static str, Clients); 4] = [
            (
                "per ip (X-Forwarded-For from the trusted proxy)",
                "/ip",
                [
                    &[("x-forwarded-for", "203.0.113.1")],
                    &[("x-forwarded-for", "203.0.113.2")],
                ],
            ),
            (
                "per header:x-tenant",
                "/tenant",
                [&[("x-tenant", "acme")], &[("x-tenant", "globex")]],
            ),
            (
                "per principal",
                "/principal",
                [
                    &[("authorization", "Bearer alice")],
                    &[("authorization", "Bearer bob")],
                ],
            ),
            (
                "per api_key (the authorizer's usageIdentifierKey)",
                "/key",
                [
                    &[("authorization", "Bearer carol:alpha-0123456789abcdefghij")],
                    &[("authorization", "Bearer carol:beta-0123456789abcdefghij")],
                ],
            ),
        ];
        for (what, path, [a, b]) in scopes {
            let (ra, rb) = tokio::join!(
                overload(addr, path, a, 2, Duration::from_secs(2)),
                overload(addr, path, b, 2, Duration::from_secs(2)),
            );
            let (ra, rb) = (ra?, rb?);
            check_own_bucket(&ra, &format!("{what}, client A"))?;
            check_own_bucket(&rb, &format!("{what}, client B"))?;
            check_separate(&ra, &rb, what)?;
        }
        Ok(())
    };
    run.await.map_err(|e| annotate(&gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_authorizers_usage_identifier_key_is_the_api_key() -> TestResult {
    let authorizer = Authorizer::start().await?;
    let spec = binaries::workspace_root().join("tests/fixtures/throttle-scopes.yaml");
    let mut cmd = std::process::Command::new(binaries::gwc()?);
    cmd.arg("serve")
        .arg(&spec)
        .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .arg("--stage-variable")
        .arg(format!("authorizer=http://{}", authorizer.addr))
        .env("GWC_ALPHA_KEY", ALPHA)
        .env("GWC_BETA_KEY", BETA)
        .env("GWC_GAMMA_KEY", GAMMA);
    let gw = crate::harness::GatewayProcess::spawn(cmd, Target::Serve(spec).label())?;
    let addr = gw.addr();
    let call = |token: String| async move {
        let req = client::request(Method::GET, addr, "/metered")
            .header("authorization", token)
            // The header source is not read under `api_key_source: authorizer`.
            .header("x-api-key", GAMMA)
            .body(TestBody::empty())?;
        Ok::<_, Failure>(client::send(addr, req).await?)
    };
    let run = async {
        // No usageIdentifierKey, or one that is no key: 403 as a missing key.
        for (token, what) in [
            ("Bearer dave".to_owned(), "no usageIdentifierKey"),
            (
                "Bearer dave:unknown-0123456789abcdefghij".to_owned(),
                "unknown key",
            ),
        ] {
            let reply = call(token).await?;
            ensure_eq!(reply.status, 403, "{what}");
            ensure_eq!(reply.text(), r#"{"message":"Forbidden"}"#, "{what}: body");
        }
        // The metered plan's key: its quota of 3, then Limit Exceeded; the authorizer's
        // answer is cached after the first call and keeps the key.
        let token = format!("Bearer erin:{GAMMA}");
        for n in 1..=3 {
            let reply = call(token.clone()).await?;
            ensure_eq!(reply.status, 200, "metered request {n}: {}", reply.text());
        }
        let reply = call(token).await?;
        ensure_eq!(reply.status, 429, "past the quota");
        ensure_eq!(
            reply.text(),
            r#"{"message":"Limit Exceeded"}"#,
            "quota body"
        );
        // The key of the other plan, which has no quota, passes.
        let reply = call(format!("Bearer erin:{ALPHA}")).await?;
        ensure_eq!(reply.status, 200, "open plan");
        // The access log names the key by its name, never its value (flushed every 200 ms).
        let lines = eventually(Duration::from_secs(5), || async {
            let lines: Vec<String> = gw
                .stdout_lines()
                .into_iter()
                .filter(|l| l.starts_with("scopes "))
                .collect();
            (lines.len() >= 7).then_some(lines)
        })
        .await
        .ok_or("fewer than 7 access-log lines")?;
        ensure_eq!(
            lines
                .iter()
                .filter(|l| *l == "scopes gamma-key ****ghij 200")
                .count(),
            3,
            "gamma's lines in {lines:#?}"
        );
        ensure!(
            lines.iter().any(|l| l == "scopes alpha-key ****ghij 200"),
            "alpha's line in {lines:#?}"
        );
        ensure!(
            !lines.iter().any(|l| l.contains(GAMMA) || l.contains(ALPHA)),
            "a key value reached the log: {lines:#?}"
        );
        // Per-key counts by name (gamma: three admitted and the refused fourth; alpha: one),
        // the quota refusal counted on its route, no key value on the page.
        let admin = gw.admin_addr().ok_or("no admin listener")?;
        let page = client::send(admin, client::get(admin, "/metrics")?)
            .await?
            .text();
        for series in [
            "gwc_api_key_requests_total{api=\"scopes\",key=\"gamma-key\"} 4",
            "gwc_api_key_requests_total{api=\"scopes\",key=\"alpha-key\"} 1",
            "gwc_api_key_requests_total{api=\"scopes\",key=\"beta-key\"} 0",
        ] {
            ensure!(page.contains(series), "no `{series}` in\n{page}");
        }
        ensure!(
            page.lines()
                .any(|l| l.starts_with("gwc_quota_exceeded_total{")
                    && l.contains("route=\"/metered\"")
                    && l.ends_with(" 1")),
            "no quota-exceeded count of /metered in\n{page}"
        );
        ensure!(
            page.lines()
                .any(|l| l.starts_with("gwc_api_key_refused_total{")
                    && l.contains("route=\"/metered\"")
                    && l.ends_with(" 2")),
            "no key-refused count of /metered in\n{page}"
        );
        ensure!(
            !page.contains(GAMMA) && !page.contains(ALPHA),
            "a key value on the metrics page"
        );
        Ok(())
    };
    run.await.map_err(|e| annotate(&gw, e))
}
