//! Real command-line clients and tools: curl against the generated gateway (a client we did not
//! write, with its own `Expect: 100-continue` upload behaviour), and `gwc check` accepting the
//! example specs these tests serve.

use std::time::Duration;

use tokio::process::Command;

use crate::harness::backend::echoed_header;
use crate::harness::{Backend, Target, TestResult, annotate, binaries};

/// Runs a command with a bound on its run time; returns (status, stdout, stderr).
async fn run(
    cmd: &mut Command,
) -> Result<(std::process::ExitStatus, String, String), Box<dyn std::error::Error + Send + Sync>> {
    cmd.kill_on_drop(true).stdin(std::process::Stdio::null());
    let output = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .map_err(|_| format!("{cmd:?} did not finish within 60 s"))??;
    Ok((
        output.status,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_round_trip_through_the_generated_gateway() -> TestResult {
    let backend = Backend::start().await?;
    let gw = Target::Example("petstore").start(&backend.url(), &[])?;
    let check = async {
        let (status, out, err) = run(Command::new("curl")
            .args([
                "-sS",
                "-i",
                "-H",
                "x-curl: yes",
                "--data-binary",
                "hello from curl",
            ])
            .arg(gw.url("/pets?limit=2")))
        .await?;
        ensure!(status.success(), "curl failed: {err}");
        let (head, body) = out
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("no header/body split in {out:?}"))?;
        ensure!(head.starts_with("HTTP/1.1 200"), "status line: {head}");
        let head = head.to_ascii_lowercase();
        ensure!(
            head.contains("\r\nx-request-id: "),
            "no request id in {head}"
        );
        ensure!(
            head.contains("\r\nx-backend: gwc-e2e"),
            "backend header missing in {head}"
        );
        let echo: serde_json::Value = serde_json::from_str(body)?;
        ensure_eq!(echo["method"], "POST", "curl --data-binary sends POST");
        ensure_eq!(echo["path"], "/pets", "path");
        ensure_eq!(echo["query"], "limit=2", "query");
        ensure_eq!(echo["body_len"], 15, "body");
        ensure_eq!(
            echoed_header(&echo, "x-curl").as_deref(),
            Some("yes"),
            "header"
        );
        ensure!(
            echoed_header(&echo, "user-agent").is_some_and(|ua| ua.starts_with("curl/")),
            "curl's user agent reaches the backend"
        );
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_upload_over_max_body_gets_413() -> TestResult {
    let backend = Backend::start().await?;
    let gw = Target::Example("petstore").start(&backend.url(), &[])?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("eleven-mib.bin");
    std::fs::write(&file, vec![b'x'; 11 << 20])?;
    let check = async {
        // curl announces the length and sends `Expect: 100-continue` for a body this large.
        let (status, out, err) = run(Command::new("curl")
            .args([
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--data-binary",
            ])
            .arg(format!("@{}", file.display()))
            .arg(gw.url("/pets")))
        .await?;
        ensure!(status.success(), "curl failed: {err}");
        ensure_eq!(out.trim(), "413", "curl's status for an 11 MiB upload");
        ensure_eq!(
            backend.bytes_received(),
            0,
            "bytes that reached the backend"
        );
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwc_check_accepts_the_served_examples() -> TestResult {
    let gwc = binaries::gwc()?;
    for name in ["petstore", "transfer"] {
        let spec = binaries::workspace_root()
            .join("specs")
            .join(name)
            .join("spec.yaml");
        let (status, out, err) = run(Command::new(&gwc).arg("check").arg(&spec)).await?;
        ensure!(
            status.success(),
            "gwc check {}: {status}\n{out}{err}",
            spec.display()
        );
        // A clean check still says so in one line (issue 2: "a one-line summary on success").
        ensure!(
            !format!("{out}{err}").trim().is_empty(),
            "gwc check {} printed nothing",
            spec.display()
        );
    }
    Ok(())
}

/// Files are named as the user typed them: an absolute path stays absolute, a relative one
/// relative to where gwc runs, and files reached by `$ref` are named relative to the root spec
/// as it was typed (`sub/spec.yaml` → `sub/ops/missing.yaml`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwc_names_files_as_they_were_typed() -> TestResult {
    let gwc = binaries::gwc()?;
    let dir = tempfile::tempdir()?;
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(cwd.join("sub"))?;

    // A missing root, named absolutely from a working directory under the same folder.
    let missing = dir.path().join("does-not-exist.yaml");
    let (status, _, err) = run(Command::new(&gwc)
        .current_dir(&cwd)
        .arg("check")
        .arg(&missing))
    .await?;
    ensure!(!status.success(), "gwc check of a missing file succeeded");
    let want = squash(&format!("cannot read `{}`", missing.display()));
    ensure!(squash(&err).contains(&want), "expected {want:?} in:\n{err}");

    // A missing root, named relatively.
    let (status, _, err) = run(Command::new(&gwc)
        .current_dir(&cwd)
        .args(["check", "../does-not-exist.yaml"]))
    .await?;
    let err = squash(&err);
    ensure!(!status.success(), "gwc check of a missing file succeeded");
    ensure!(
        err.contains("cannotread`../does-not-exist.yaml`"),
        "relative name expected in:\n{err}"
    );

    // A `$ref` to a missing file, from a root named relatively and absolutely.
    std::fs::write(
        cwd.join("sub/spec.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    $ref: 'ops/missing.yaml'\n",
    )?;
    let (_, _, err) = run(Command::new(&gwc)
        .current_dir(&cwd)
        .args(["check", "sub/spec.yaml"]))
    .await?;
    let err = squash(&err);
    ensure!(
        err.contains("cannotread`sub/ops/missing.yaml`") && err.contains("sub/spec.yaml:5:"),
        "names relative to the typed root expected in:\n{err}"
    );
    let root = cwd.join("sub/spec.yaml");
    let (_, _, err) = run(Command::new(&gwc).current_dir(&cwd).arg("check").arg(&root)).await?;
    let err = squash(&err);
    let want = squash(&format!(
        "cannot read `{}`",
        cwd.join("sub/ops/missing.yaml").display()
    ));
    ensure!(
        err.contains(&want) && err.contains(&squash(&format!("{}:5:", root.display()))),
        "absolute names expected ({want:?}) in:\n{err}"
    );
    Ok(())
}

/// A spec with neither `servers` nor an `x-gateway-integration` on an operation describes
/// routes with nowhere to go: `gwc check` warns, `gwc build` refuses with a hint, and nothing
/// is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_without_an_upstream_warn_in_check_and_fail_build() -> TestResult {
    let gwc = binaries::gwc()?;
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n",
    )?;
    let (status, out, err) = run(Command::new(&gwc).arg("check").arg(&spec)).await?;
    ensure!(status.success(), "gwc check: {status}\n{out}{err}");
    ensure!(
        err.contains("gwc::lower::no_upstream") && out.contains("1 warning"),
        "a no_upstream warning expected:\n{out}{err}"
    );
    let out_dir = dir.path().join("out");
    let (status, out, err) = run(Command::new(&gwc)
        .arg("build")
        .arg(&spec)
        .arg("-o")
        .arg(&out_dir))
    .await?;
    ensure!(!status.success(), "gwc build succeeded:\n{out}{err}");
    ensure!(
        err.contains("gwc::lower::no_upstream")
            && err.contains("add `servers:")
            && err.contains("x-gateway-integration")
            && err.contains("1 error"),
        "a no_upstream error with a hint expected:\n{err}"
    );
    ensure!(!out_dir.exists(), "gwc build wrote {}", out_dir.display());
    Ok(())
}

/// Rendered diagnostics without white space and box-drawing margins, so that a check does not
/// depend on where miette wraps a long line.
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// `gwc routes` describes each route's usage-plan and cache settings from the spec, as a table
/// and as JSON: a route that requires a key lists the plans whose keys open it (with a plan's
/// own throttle for that route), a public route says `none`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwc_routes_shows_plans_and_cache() -> TestResult {
    let gwc = binaries::gwc()?;
    let spec = binaries::workspace_root().join("specs/plans/spec.yaml");
    let (status, out, err) = run(Command::new(&gwc).arg("routes").arg(&spec)).await?;
    ensure!(status.success(), "gwc routes: {status}\n{out}{err}");
    let row = |path: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(path))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .ok_or_else(|| format!("no row for {path} in:\n{out}"))
    };
    ensure!(
        row("/pets")?.ends_with("none key: gold, silver off"),
        "/pets row:\n{out}"
    );
    ensure!(
        row("/pets/{id}")?.ends_with("none key: gold, silver (20/s, burst 5) off"),
        "/pets/{{id}} row:\n{out}"
    );
    ensure!(
        row("/catalog/{id}")?.ends_with("none none 1m (path.id, query.lang)"),
        "/catalog/{{id}} row:\n{out}"
    );
    ensure!(
        row("/status")?.ends_with("none none off"),
        "/status row:\n{out}"
    );

    let (status, out, err) = run(Command::new(&gwc).args(["routes", "--json"]).arg(&spec)).await?;
    ensure!(status.success(), "gwc routes --json: {status}\n{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out)?;
    ensure_eq!(
        json[1]["plans"],
        serde_json::json!(["gold", "silver"]),
        "plans of GET /pets/{{id}}"
    );
    ensure_eq!(json[1]["api_key_required"], true, "key of GET /pets/{{id}}");
    ensure_eq!(json[3]["plan"], "none", "plan of GET /status");
    Ok(())
}
