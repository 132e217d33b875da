//! HTTPS upstreams: the petstore gateway (generated and `gwc serve`) pointed at a local TLS
//! backend through its `backend` stage variable, trusting a CA made in the test through
//! `--upstream-ca-file`. Bodies round-trip both ways, the backend sees the URI host as SNI (none
//! for an IP address, whose IP SAN is verified instead), one TLS connection carries sequential
//! requests, and a certificate the gateway cannot trust, for any reason, is a JSON 502 whose
//! cause is logged, not sent.

use std::time::Duration;

use http::Method;

use crate::harness::certs::{TestCa, write_file};
use crate::harness::client::{self, Conn, TestBody};
use crate::harness::{
    Backend, GatewayProcess, HarnessError, Target, TestResult, annotate, eventually,
};

/// The `--upstream-ca-file` flag for `ca`.
fn ca_flag(ca: &TestCa) -> Result<[String; 2], HarnessError> {
    let path = ca.pem_file();
    let path = path
        .to_str()
        .ok_or_else(|| HarnessError::Other(format!("non-UTF-8 temp path {}", path.display())))?;
    Ok(["--upstream-ca-file".to_owned(), path.to_owned()])
}

fn start(target: &Target, backend: &str, extra: &[String]) -> Result<GatewayProcess, HarnessError> {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    target.start(backend, &extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_upstream_round_trip_sni_and_reuse() -> TestResult {
    let ca = TestCa::new("gwc e2e CA")?;
    let backend = Backend::start_tls(ca.server_config(&["localhost", "127.0.0.1"])?).await?;
    let flags = ca_flag(&ca)?;
    for target in Target::petstore() {
        // By name: SNI is the host.
        let url = format!("https://localhost:{}", backend.port());
        let gw = start(&target, &url, &flags)?;
        round_trip(&gw, &backend, Some("localhost"))
            .await
            .map_err(|e| annotate(&gw, e))?;
        drop(gw);
        // By IP address: no SNI, and the certificate's IP SAN is what matches.
        let url = format!("https://127.0.0.1:{}", backend.port());
        let gw = start(&target, &url, &flags)?;
        round_trip(&gw, &backend, None)
            .await
            .map_err(|e| annotate(&gw, e))?;
    }
    ensure_eq!(
        backend.tls_failures(),
        0,
        "failed handshakes at the backend"
    );
    Ok(())
}

async fn round_trip(gw: &GatewayProcess, backend: &Backend, sni: Option<&str>) -> TestResult {
    let addr = gw.addr();
    let handshakes = backend.tls_handshakes();
    let mut conn = Conn::open(addr).await?;

    // A request body goes up whole, and the backend's answer comes back.
    let body = "x".repeat(300 * 1024);
    let req = client::request(Method::POST, addr, "/pets")
        .header("content-type", "text/plain")
        .body(TestBody::full(body.clone()))?;
    let reply = conn.send(req).await?;
    ensure_eq!(reply.status, 200, "POST over TLS (body {:?})", reply.text());
    let echo = reply.json()?;
    ensure_eq!(echo["body_len"], body.len(), "request body at the backend");
    ensure_eq!(echo["path"], "/pets", "backend path");
    // The client side of this gateway is plain HTTP, whatever the upstream speaks.
    ensure_eq!(
        crate::harness::backend::echoed_header(&echo, "x-forwarded-proto").as_deref(),
        Some("http"),
        "X-Forwarded-Proto"
    );

    // A streamed download, larger than a TLS record, arrives whole.
    let reply = conn
        .send(client::get(addr, "/pets/7?download=1000000")?)
        .await?;
    ensure_eq!(reply.status, 200, "download over TLS");
    ensure_eq!(reply.body.len(), 1_000_000, "download length");

    // Sequential requests reuse the one TLS connection.
    for i in 0..5 {
        let reply = conn.send(client::get(addr, &format!("/pets/{i}"))?).await?;
        ensure_eq!(reply.status, 200, "GET /pets/{i}");
    }
    ensure_eq!(
        backend.tls_handshakes() - handshakes,
        1,
        "TLS connections opened for 7 sequential requests"
    );
    let names = backend.server_names();
    ensure_eq!(
        names.last().cloned().flatten().as_deref(),
        sni,
        "SNI the backend saw"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_or_misnamed_certificates_are_502() -> TestResult {
    let trusted = TestCa::new("gwc e2e trusted CA")?;
    let other = TestCa::new("gwc e2e other CA")?;
    // Signed by a CA the gateway does not trust.
    let untrusted = Backend::start_tls(other.server_config(&["localhost", "127.0.0.1"])?).await?;
    // Trusted, but issued for another name.
    let misnamed = Backend::start_tls(trusted.server_config(&["other.example"])?).await?;
    let flags = ca_flag(&trusted)?;
    for target in Target::petstore() {
        for (backend, cause) in [
            (&untrusted, "UnknownIssuer"),
            (&misnamed, "not valid for name"),
        ] {
            let url = format!("https://localhost:{}", backend.port());
            let gw = start(&target, &url, &flags)?;
            refused(&gw, backend, cause)
                .await
                .map_err(|e| annotate(&gw, e))?;
        }
    }
    ensure_eq!(
        untrusted.requests(),
        0,
        "requests that reached the untrusted backend"
    );
    ensure_eq!(
        misnamed.requests(),
        0,
        "requests that reached the misnamed backend"
    );
    Ok(())
}

async fn refused(gw: &GatewayProcess, backend: &Backend, cause: &str) -> TestResult {
    let addr = gw.addr();
    let reply = client::send(addr, client::get(addr, "/pets")?).await?;
    ensure_eq!(reply.status, 502, "status (body {:?})", reply.text());
    ensure!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "content-type {:?}",
        reply.header("content-type")
    );
    let json = reply.json()?;
    ensure!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message in {json}"
    );
    ensure!(
        !reply.text().contains(cause) && !reply.text().contains("certificate"),
        "the TLS cause leaked to the client: {}",
        reply.text()
    );
    // The backend counts the failure when it reads the client's alert, which
    // can be just after the gateway has answered.
    let failed = eventually(Duration::from_secs(5), || async {
        (backend.tls_failures() > 0).then_some(())
    })
    .await;
    ensure!(failed.is_some(), "the backend saw no failed handshake");
    // The cause is in the gateway's log (written just after the response, so wait for it).
    let logged = eventually(Duration::from_secs(5), || async {
        gw.stderr().contains(cause).then_some(())
    })
    .await;
    ensure!(logged.is_some(), "no `{cause}` in the gateway's log");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ca_file_stops_start_up() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = write_file(dir.path(), "broken.pem", "not a certificate\n")?;
    let path = path.to_string_lossy().into_owned();
    for target in Target::petstore() {
        let started = target.start(
            "https://localhost:1",
            &["--upstream-ca-file", path.as_str()],
        );
        match started {
            Ok(gw) => return Err(annotate(&gw, "started with a broken CA file".into())),
            Err(HarnessError::Start { stderr, .. }) => {
                ensure!(
                    stderr.contains("upstream CA file") && stderr.contains("broken.pem"),
                    "{}: start-up error does not name the CA file:\n{stderr}",
                    target.label()
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
