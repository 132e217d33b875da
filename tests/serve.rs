//! `gwc serve` reloads: the spec file is rewritten three times while client tasks keep sending
//! requests (kept and fresh connections, proxied and mock routes), and not one request fails;
//! a broken spec prints its diagnostics and leaves the previous routes serving; a good spec
//! after the broken one is picked up again, and each reload prints a `reloaded` line (also when
//! the restored spec is the one still serving).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::harness::client::{self, Conn};
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate, eventually};

/// How long the gateway gets to notice a rewritten spec.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(15);
/// Upper bound on the load phase, whatever happens.
const LOAD_LIMIT: Duration = Duration::from_secs(90);

/// A spec whose `/version` mock answers `{"version":V}` and which has a route `/vV` that
/// exists only in version V, next to a proxied `/pets`.
fn spec(version: u32) -> String {
    format!(
        r#"openapi: 3.0.3
info:
  title: Reload
  version: "1.0.{version}"
x-gateway:
  name: reload
  default_stage: test
  stages:
    test:
      variables:
        backend: http://127.0.0.1:9
paths:
  /pets:
    get:
      x-gateway-integration:
        type: http_proxy
        uri: "${{stageVariables.backend}}/pets"
      responses:
        "200": {{description: Pets.}}
  /version:
    get:
      x-gateway-integration:
        type: mock
        status: 200
        headers:
          content-type: application/json
        body: '{{"version":{version}}}'
      responses:
        "200": {{description: The spec version.}}
  /v{version}:
    get:
      x-gateway-integration:
        type: mock
        status: 200
        body: only in version {version}
      responses:
        "200": {{description: A route of this version only.}}
"#
    )
}

/// What the load tasks saw.
#[derive(Default)]
struct Load {
    ok: AtomicU64,
    failed: AtomicU64,
    versions: Mutex<BTreeSet<u64>>,
    errors: Mutex<Vec<String>>,
}

impl Load {
    fn fail(&self, what: String) {
        self.failed.fetch_add(1, Ordering::SeqCst);
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        if errors.len() < 20 {
            errors.push(what);
        }
    }
}

/// One client task: alternates `/pets` and `/version` until `stop`, on one kept connection
/// (`kept`) or a new connection per request.
async fn client_task(
    addr: std::net::SocketAddr,
    kept: bool,
    stop: Arc<AtomicBool>,
    load: Arc<Load>,
) {
    let mut conn: Option<Conn> = None;
    let mut i = 0u64;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let path = if i.is_multiple_of(2) {
            "/pets"
        } else {
            "/version"
        };
        let result = async {
            let req = client::get(addr, path)?;
            if kept {
                if conn.is_none() {
                    conn = Some(Conn::open(addr).await?);
                }
                match conn.as_mut() {
                    Some(c) => c.send(req).await,
                    None => Err("no connection".into()),
                }
            } else {
                client::send(addr, req).await
            }
        }
        .await;
        match result {
            Ok(reply) if reply.status == 200 => {
                load.ok.fetch_add(1, Ordering::SeqCst);
                if let Some(v) = reply
                    .json()
                    .ok()
                    .and_then(|j| j["version"].as_u64())
                    .filter(|_| path == "/version")
                {
                    load.versions
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(v);
                }
            }
            Ok(reply) => load.fail(format!("GET {path}: {} {}", reply.status, reply.text())),
            Err(e) => {
                // A kept connection that failed is replaced, but the failure counts.
                conn = None;
                load.fail(format!("GET {path}: {e}"));
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// The version `/version` answers now.
async fn current_version(addr: std::net::SocketAddr) -> Option<u64> {
    let reply = client::send(addr, client::get(addr, "/version").ok()?)
        .await
        .ok()?;
    reply.json().ok()?["version"].as_u64()
}

async fn wait_for_version(gw: &GatewayProcess, version: u64) -> TestResult {
    let addr = gw.addr();
    let seen = eventually(RELOAD_TIMEOUT, || async move {
        (current_version(addr).await == Some(version)).then_some(())
    })
    .await;
    ensure!(
        seen.is_some(),
        "version {version} not served within {RELOAD_TIMEOUT:?} of rewriting the spec"
    );
    Ok(())
}

fn write_spec(path: &Path, text: &str) -> TestResult {
    std::fs::write(path, text)?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_reloads_three_times_under_load_without_failures() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let spec_path = dir.path().join("spec.yaml");
    write_spec(&spec_path, &spec(1))?;
    let gw = Target::Serve(spec_path.clone()).start(&backend.url(), &[])?;
    reload_under_load(&gw, &spec_path)
        .await
        .map_err(|e| annotate(&gw, e))
}

async fn reload_under_load(gw: &GatewayProcess, spec_path: &Path) -> TestResult {
    let addr = gw.addr();
    wait_for_version(gw, 1).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let load = Arc::new(Load::default());
    let tasks: Vec<_> = [true, true, false, false]
        .into_iter()
        .map(|kept| {
            tokio::spawn(client_task(
                addr,
                kept,
                Arc::clone(&stop),
                Arc::clone(&load),
            ))
        })
        .collect();
    // Whatever happens below, the load stops by itself.
    let watchdog = {
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            tokio::time::sleep(LOAD_LIMIT).await;
            stop.store(true, Ordering::SeqCst);
        })
    };

    let reloads = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        for version in 2..=4u32 {
            write_spec(spec_path, &spec(version))?;
            wait_for_version(gw, u64::from(version)).await?;
            let new = client::send(addr, client::get(addr, &format!("/v{version}"))?).await?;
            ensure_eq!(new.status, 200, "route added in version {version}");
            let old = client::send(addr, client::get(addr, &format!("/v{}", version - 1))?).await?;
            ensure_eq!(old.status, 404, "route removed in version {version}");
            // Let the load run on the new routes for a moment before the next rewrite.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        TestResult::Ok(())
    }
    .await;

    stop.store(true, Ordering::SeqCst);
    watchdog.abort();
    for task in tasks {
        task.await?;
    }
    reloads?;

    let ok = load.ok.load(Ordering::SeqCst);
    let failed = load.failed.load(Ordering::SeqCst);
    let errors = load
        .errors
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let versions = load
        .versions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    eprintln!(
        "[measure] gwc serve: 3 reloads under load: {ok} requests ok, {failed} failed, versions seen {versions:?}"
    );
    ensure_eq!(failed, 0, "failed requests during reloads: {errors:#?}");
    ensure!(
        ok >= 200,
        "only {ok} requests during the reloads: the load was not steady"
    );
    ensure_eq!(
        versions,
        BTreeSet::from([1, 2, 3, 4]),
        "versions the load tasks saw"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_keeps_the_old_routes_when_the_new_spec_is_bad() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let spec_path = dir.path().join("spec.yaml");
    write_spec(&spec_path, &spec(1))?;
    let gw = Target::Serve(spec_path.clone()).start(&backend.url(), &[])?;
    bad_spec(&gw, &spec_path)
        .await
        .map_err(|e| annotate(&gw, e))
}

async fn bad_spec(gw: &GatewayProcess, spec_path: &Path) -> TestResult {
    let addr = gw.addr();
    wait_for_version(gw, 1).await?;

    let broken = [
        // An unknown key inside `x-gateway`: the diagnostic names it.
        (
            "unknown key",
            spec(2).replace("  default_stage:", "  stagez: {}\n  default_stage:"),
            Some("stagez"),
        ),
        // Not YAML at all.
        (
            "syntax error",
            "openapi: 3.0.3\npaths: [\n".to_owned(),
            None,
        ),
    ];
    for (what, text, mentioned) in broken {
        write_spec(spec_path, &text)?;
        if let Some(word) = mentioned {
            let printed = eventually(RELOAD_TIMEOUT, || async {
                let out = format!("{}{}", gw.stderr(), gw.stdout_lines().join("\n"));
                out.contains(word).then_some(())
            })
            .await;
            ensure!(
                printed.is_some(),
                "{what}: no diagnostic naming `{word}` was printed"
            );
        } else {
            // Give the watcher time to read the broken file.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        ensure_eq!(
            current_version(addr).await,
            Some(1),
            "{what}: the old spec still serves"
        );
        let reply = client::send(addr, client::get(addr, "/pets")?).await?;
        ensure_eq!(
            reply.status,
            200,
            "{what}: the old proxy route still serves"
        );
        let reply = client::send(addr, client::get(addr, "/v1")?).await?;
        ensure_eq!(
            reply.status,
            200,
            "{what}: the old version's route still serves"
        );
    }

    // Restoring the good spec (the gateway being served) says so: the last line no longer
    // reads "still serving the previous version".
    write_spec(spec_path, &spec(1))?;
    wait_for_last_serve_line(
        gw,
        "gwc serve: reloaded ",
        "(3 routes, same gateway as before)",
    )
    .await?;

    // A good spec after the broken ones is picked up.
    write_spec(spec_path, &spec(3))?;
    wait_for_version(gw, 3).await?;
    wait_for_last_serve_line(gw, "gwc serve: reloaded ", "spec.yaml (3 routes)").await?;
    Ok(())
}

/// Waits until the last `gwc serve:` line on stderr starts with `start` and ends with `end`.
async fn wait_for_last_serve_line(gw: &GatewayProcess, start: &str, end: &str) -> TestResult {
    let last = || {
        gw.stderr()
            .lines()
            .rev()
            .find(|l| l.starts_with("gwc serve: "))
            .map(str::to_owned)
    };
    let seen = eventually(RELOAD_TIMEOUT, || async {
        last()
            .filter(|l| l.starts_with(start) && l.ends_with(end))
            .map(|_| ())
    })
    .await;
    ensure!(
        seen.is_some(),
        "the last `gwc serve:` line is {:?}, expected `{start}…{end}`",
        last()
    );
    Ok(())
}
