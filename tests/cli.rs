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
