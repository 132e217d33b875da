//! Telemetry with the vocabulary's defaults, end to end: every request writes one JSON
//! access-log line to stdout (after the `listening on` lines, which the harness still finds),
//! and the admin listener serves `/metrics` with one series per route template and `/readyz`.
//! Exact counts, `promtool`, reloads and blocked destinations are tested in the runtime
//! (`runtime/src/tests/telemetry.rs`).

use std::time::Duration;

use crate::harness::client::{self, Conn};
use crate::harness::{Backend, Target, TestResult, annotate, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_access_log_and_metrics() -> TestResult {
    let backend = Backend::start().await?;
    for target in Target::petstore() {
        let gw = target.start(&backend.url(), &["--admin-listen", "127.0.0.1:0"])?;
        let check = async {
            let admin = gw.admin_addr().ok_or("no admin line")?;
            let mut conn = Conn::open(gw.addr()).await?;
            for i in 0..50 {
                let reply = conn
                    .send(client::get(gw.addr(), &format!("/pets/p{i}"))?)
                    .await?;
                ensure_eq!(reply.status, 200, "GET /pets/p{i}");
            }
            let reply = conn.send(client::get(gw.addr(), "/nowhere")?).await?;
            ensure_eq!(reply.status, 404, "GET /nowhere");

            let reply = client::send(admin, client::get(admin, "/readyz")?).await?;
            ensure_eq!(reply.status, 200, "GET /readyz");
            let page = client::send(admin, client::get(admin, "/metrics")?)
                .await?
                .text();
            let series = "gwc_requests_total{api=\"petstore\",stage=\"prod\",method=\"GET\",route=\"/pets/{petId}\"} 50";
            ensure!(page.contains(series), "no `{series}` in\n{page}");
            ensure!(
                page.contains("route=\"(unmatched)\"} 1"),
                "no unmatched series in\n{page}"
            );
            ensure!(
                !page.contains("/pets/p1"),
                "a raw path became a label:\n{page}"
            );

            // The log is flushed every 200 ms; wait for all 51 lines.
            let lines = eventually(Duration::from_secs(5), || async {
                let lines: Vec<serde_json::Value> = gw
                    .stdout_lines()
                    .iter()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                (lines.len() >= 51).then_some(lines)
            })
            .await
            .ok_or("fewer than 51 JSON access-log lines on stdout")?;
            ensure_eq!(lines.len(), 51, "access-log lines");
            let first = &lines[0];
            ensure_eq!(first["routeKey"], "GET /pets/{petId}", "routeKey");
            ensure_eq!(first["path"], "/pets/p0", "path");
            ensure_eq!(first["status"], 200, "status");
            ensure_eq!(first["ip"], "127.0.0.1", "ip");
            ensure!(first["requestId"].is_string(), "requestId in {first}");
            ensure!(
                first["integrationLatency"].is_number(),
                "integrationLatency in {first}"
            );
            ensure_eq!(lines[50]["status"], 404, "the unmatched request's line");
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}
