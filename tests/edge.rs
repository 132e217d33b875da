//! The client edge, over raw TCP where the wire matters: the gateway answers in its own HTTP
//! version and reason phrase behind an HTTP/1.0 backend and keeps the client connection; `ANY`
//! covers AWS's seven methods (CONNECT and TRACE are refused, never forwarded); client body
//! faults are the client's 400/408, not 502/504; a stalled body times out between reads;
//! underscored header names are dropped; `Host` is checked; an idle kept-alive connection lives
//! `idle_timeout`, a started head `header_read_timeout`.
//!
//! Each test serves a spec of its own with short limits through `gwc serve` (the same runtime a
//! generated crate links), written to a temporary directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::harness::backend::echoed_header;
use crate::harness::{Backend, GatewayProcess, Target, TestResult, annotate};

/// A spec with one any-method greedy route to `${backend}/files/{proxy}` and `limits`
/// (a YAML flow mapping's inside, e.g. `header_read_timeout: 1s`).
fn spec(limits: &str) -> String {
    format!(
        r#"openapi: 3.0.3
info: {{title: Edge, version: 1.0.0}}
x-gateway:
  name: edge
  kind: http
  default_stage: test
  stages:
    test:
      variables:
        backend: http://127.0.0.1:9
  limits: {{{limits}}}
paths:
  /files/{{proxy+}}:
    x-gateway-any-method:
      operationId: files
      parameters:
        - {{name: proxy, in: path, required: true, schema: {{type: string}}}}
      x-gateway-integration:
        type: http_proxy
        uri: "${{stageVariables.backend}}/files/{{proxy}}"
      responses:
        default: {{description: Whatever the backend answers.}}
"#
    )
}

/// `gwc serve` of [`spec`]`(limits)` in front of `backend`; the directory must outlive it.
fn serve(dir: &Path, limits: &str, backend: &str) -> TestResult<GatewayProcess> {
    let path: PathBuf = dir.join("spec.yaml");
    std::fs::write(&path, spec(limits))?;
    Ok(Target::Serve(path).start(backend, &[])?)
}

/// One response read off a raw connection: status line, lower-cased headers, decoded body.
#[derive(Debug)]
struct RawReply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn json(&self) -> TestResult<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// A raw client connection with its read buffer (bytes past one response stay for the next).
struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// Longest wait for anything on a raw connection.
const WAIT: Duration = Duration::from_secs(10);

impl Raw {
    async fn open(gw: &GatewayProcess) -> TestResult<Raw> {
        Ok(Raw {
            stream: TcpStream::connect(gw.addr()).await?,
            buf: Vec::new(),
        })
    }

    async fn send(&mut self, bytes: &[u8]) -> TestResult {
        self.stream.write_all(bytes).await?;
        Ok(())
    }

    /// Reads more bytes; false at end of stream.
    async fn fill(&mut self) -> TestResult<bool> {
        let mut chunk = [0u8; 16 << 10];
        let n = tokio::time::timeout(WAIT, self.stream.read(&mut chunk))
            .await
            .map_err(|_| crate::harness::Failure("no response within 10 s".to_owned()))??;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    async fn take(&mut self, n: usize) -> TestResult<Vec<u8>> {
        while self.buf.len() < n {
            ensure!(self.fill().await?, "connection closed mid-response");
        }
        Ok(self.buf.drain(..n).collect())
    }

    async fn line(&mut self) -> TestResult<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..i + 2).collect();
                return Ok(String::from_utf8_lossy(&line[..i]).into_owned());
            }
            ensure!(
                self.fill().await?,
                "connection closed before a full line (got {:?})",
                String::from_utf8_lossy(&self.buf)
            );
        }
    }

    /// Reads one response (Content-Length, chunked, or up to the close) to a `request_method`.
    async fn reply(&mut self, request_method: &str) -> TestResult<RawReply> {
        let status_line = self.line().await?;
        let mut headers = Vec::new();
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((&line, ""));
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        let mut reply = RawReply {
            status_line,
            headers,
            body: Vec::new(),
        };
        if request_method == "HEAD" {
            return Ok(reply);
        }
        if let Some(len) = reply.header("content-length") {
            let len: usize = len.parse()?;
            reply.body = self.take(len).await?;
        } else if reply
            .header("transfer-encoding")
            .is_some_and(|v| v.contains("chunked"))
        {
            loop {
                let size = usize::from_str_radix(self.line().await?.trim(), 16)?;
                let data = self.take(size + 2).await?;
                if size == 0 {
                    break;
                }
                reply.body.extend_from_slice(&data[..size]);
            }
        } else {
            while self.fill().await? {}
            reply.body = std::mem::take(&mut self.buf);
        }
        Ok(reply)
    }

    /// Waits for the gateway to close the connection; how long that took.
    async fn closed_within(&mut self, limit: Duration) -> TestResult<Option<Duration>> {
        let started = Instant::now();
        let mut chunk = [0u8; 1024];
        loop {
            match tokio::time::timeout_at((started + limit).into(), self.stream.read(&mut chunk))
                .await
            {
                Err(_) => return Ok(None),
                Ok(Ok(0) | Err(_)) => return Ok(Some(started.elapsed())),
                Ok(Ok(_)) => {}
            }
        }
    }
}

/// Checks a gateway error: the status, a JSON `{"message": …}` and a request id.
fn ensure_gateway_error(reply: &RawReply, status: u16, what: &str) -> TestResult {
    ensure_eq!(reply.status(), status, "{what}: {reply:?}");
    ensure!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{what}: not JSON: {reply:?}"
    );
    ensure!(
        reply.json()?["message"].as_str().is_some(),
        "{what}: no message: {reply:?}"
    );
    ensure!(
        reply.header("x-request-id").is_some(),
        "{what}: no request id"
    );
    Ok(())
}

/// A backend that speaks HTTP/1.0 like `python3 -m http.server`: it answers every request with
/// a non-standard reason phrase and a body delimited by closing the connection.
async fn http10_backend() -> TestResult<(String, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = stream
                    .write_all(b"HTTP/1.0 200 Fine By Me\r\nContent-Type: text/plain\r\n\r\nhello")
                    .await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok((url, task))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http10_backend_gets_an_http11_answer_on_a_kept_connection() -> TestResult {
    let (url, backend) = http10_backend().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(dir.path(), "", &url)?;
    let check = async {
        let mut conn = Raw::open(&gw).await?;
        for i in 0..2 {
            conn.send(b"GET /files/a HTTP/1.1\r\nHost: gw\r\n\r\n")
                .await?;
            let reply = conn.reply("GET").await?;
            ensure_eq!(
                reply.status_line,
                "HTTP/1.1 200 OK",
                "request {i}: the gateway's version and reason phrase"
            );
            ensure_eq!(reply.body, b"hello", "request {i}: body");
            ensure!(
                reply.header("connection") != Some("close"),
                "request {i}: the gateway closes the client connection: {reply:?}"
            );
        }
        // curl behaves the same: one connection for both requests.
        let out = std::process::Command::new("curl")
            .args(["-sv", "--max-time", "10"])
            .arg(gw.url("/files/a"))
            .arg(gw.url("/files/b"))
            .output();
        if let Ok(out) = out {
            let log = String::from_utf8_lossy(&out.stderr);
            ensure!(
                log.matches("< HTTP/1.1 200 OK").count() == 2,
                "curl saw {log}"
            );
            ensure_eq!(
                log.matches("Connected to").count(),
                1,
                "curl connections: {log}"
            );
        }
        TestResult::Ok(())
    };
    let result = check.await.map_err(|e| annotate(&gw, e));
    backend.abort();
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_and_trace_are_not_forwarded_on_any_method_routes() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(dir.path(), "", &backend.url())?;
    let check = async {
        for (request, method) in [
            ("CONNECT /files/c HTTP/1.1\r\nHost: gw\r\n\r\n", "CONNECT"),
            ("TRACE /files/c HTTP/1.1\r\nHost: gw\r\n\r\n", "TRACE"),
            ("PROPFIND /files/c HTTP/1.1\r\nHost: gw\r\n\r\n", "PROPFIND"),
        ] {
            let mut conn = Raw::open(&gw).await?;
            conn.send(request.as_bytes()).await?;
            let reply = conn.reply(method).await?;
            ensure_gateway_error(&reply, 405, method)?;
            let allow = reply.header("allow").unwrap_or_default();
            for m in ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"] {
                ensure!(allow.contains(m), "{method}: Allow {allow:?} lacks {m}");
            }
            ensure!(
                !allow.contains("TRACE") && !allow.contains("CONNECT"),
                "{method}: Allow {allow:?}"
            );
        }
        // Authority form names no route: a JSON error, not an empty close.
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            .await?;
        let reply = conn.reply("CONNECT").await?;
        ensure_gateway_error(&reply, 404, "CONNECT example.com:443")?;
        // The seven methods of `ANY` still pass.
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"OPTIONS /files/c HTTP/1.1\r\nHost: gw\r\n\r\n")
            .await?;
        ensure_eq!(conn.reply("OPTIONS").await?.status(), 200, "OPTIONS");
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    ensure_eq!(backend.requests(), 1, "only OPTIONS reached the backend");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_chunked_body_is_the_clients_400() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(dir.path(), "", &backend.url())?;
    let check = async {
        let mut conn = Raw::open(&gw).await?;
        conn.send(
            b"POST /files/up HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
        )
        .await?;
        let reply = conn.reply("POST").await?;
        ensure_gateway_error(&reply, 400, "malformed chunk")?;
        ensure_eq!(
            reply.json()?["message"],
            gwc_ir::ErrorType::BadRequestBody.message(),
            "message"
        );
        ensure!(
            conn.closed_within(Duration::from_secs(5)).await?.is_some(),
            "the connection stays open after a broken body"
        );
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    ensure!(
        !gw.stderr().contains("WARN"),
        "a client fault was logged as a server error:\n{}",
        gw.stderr()
    );
    Ok(())
}

/// A raw backend that reads requests and never answers; reports when each connection ended.
async fn silent_backend() -> TestResult<(
    String,
    tokio::sync::mpsc::UnboundedReceiver<Instant>,
    tokio::task::JoinHandle<()>,
)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut chunk = [0u8; 4096];
                loop {
                    match tokio::time::timeout(WAIT * 3, stream.read(&mut chunk)).await {
                        Ok(Ok(0) | Err(_)) => {
                            let _ = tx.send(Instant::now());
                            return;
                        }
                        Ok(Ok(_)) => {}
                        Err(_) => return,
                    }
                }
            });
        }
    });
    Ok((url, rx, task))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_is_408_and_aborts_the_backend_exchange() -> TestResult {
    let (url, mut ended, backend) = silent_backend().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(
        dir.path(),
        "body_read_timeout: 1s, integration_timeout: 20s",
        &url,
    )?;
    let check = async {
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"POST /files/up HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n0123456789")
            .await?;
        let started = Instant::now();
        // Dribble slower than the timeout until the gateway answers.
        let reply = loop {
            tokio::select! {
                reply = conn_reply_ready(&mut conn) => break reply?,
                () = tokio::time::sleep(Duration::from_millis(1500)) => {
                    ensure!(started.elapsed() < WAIT, "no answer to a stalled upload");
                    conn.stream.write_all(b"x").await?;
                }
            }
        };
        let took = started.elapsed();
        ensure_gateway_error(&reply, 408, "stalled upload")?;
        ensure!(
            took < Duration::from_secs(4),
            "408 after {took:?}, body_read_timeout is 1 s"
        );
        ensure_eq!(reply.header("connection"), Some("close"), "Connection");
        ensure!(
            conn.closed_within(Duration::from_secs(3)).await?.is_some(),
            "the client connection stays open after 408"
        );
        let aborted = tokio::time::timeout(Duration::from_secs(3), ended.recv()).await;
        ensure!(
            matches!(aborted, Ok(Some(_))),
            "the backend connection was not aborted"
        );
        TestResult::Ok(())
    };
    let result = check.await.map_err(|e| annotate(&gw, e));
    backend.abort();
    result?;
    ensure!(
        !gw.stderr().contains("WARN"),
        "a client fault was logged as a server error:\n{}",
        gw.stderr()
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_slower_than_the_integration_timeout_is_408_not_504() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(
        dir.path(),
        "body_read_timeout: 10s, integration_timeout: 2s",
        &backend.url(),
    )?;
    let check = async {
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"POST /files/up HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n")
            .await?;
        let started = Instant::now();
        let mut sent = 0;
        // One byte per 300 ms, never idle for the body timeout, far from done in 2 s.
        let reply = loop {
            tokio::select! {
                reply = conn_reply_ready(&mut conn) => break reply?,
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    ensure!(sent < 100, "no answer after {sent} bytes");
                    conn.stream.write_all(b"x").await?;
                    sent += 1;
                }
            }
        };
        ensure_gateway_error(&reply, 408, "slow upload")?;
        let took = started.elapsed();
        ensure!(
            took >= Duration::from_millis(1800) && took < Duration::from_secs(5),
            "408 after {took:?}, integration_timeout is 2 s"
        );
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    ensure_eq!(backend.complete_bodies(), 0, "no body arrived whole");
    Ok(())
}

/// Waits until bytes arrive, then reads one response.
async fn conn_reply_ready(conn: &mut Raw) -> TestResult<RawReply> {
    conn.stream.readable().await?;
    conn.reply("POST").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn underscored_header_names_are_dropped_unless_allowed() -> TestResult {
    let backend = Backend::start().await?;
    for (limits, forwarded) in [("", false), ("underscores_in_headers: true", true)] {
        let dir = tempfile::tempdir()?;
        let gw = serve(dir.path(), limits, &backend.url())?;
        let check = async {
            let mut conn = Raw::open(&gw).await?;
            conn.send(
                b"GET /files/h HTTP/1.1\r\nHost: gw\r\nX_Forwarded_For: 6.6.6.6\r\nX-Kept: 1\r\n\r\n",
            )
            .await?;
            let reply = conn.reply("GET").await?;
            ensure_eq!(reply.status(), 200, "{limits}");
            let echo = reply.json()?;
            ensure_eq!(
                echoed_header(&echo, "x_forwarded_for").is_some(),
                forwarded,
                "`{limits}`: x_forwarded_for at the backend: {echo}"
            );
            ensure_eq!(
                echoed_header(&echo, "x-kept").as_deref(),
                Some("1"),
                "other headers"
            );
            ensure_eq!(
                echoed_header(&echo, "x-forwarded-for").as_deref(),
                Some("127.0.0.1"),
                "the gateway's X-Forwarded-For"
            );
            TestResult::Ok(())
        };
        check.await.map_err(|e| annotate(&gw, e))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_exactly_one_valid_host_are_400() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(dir.path(), "", &backend.url())?;
    let check = async {
        for (what, request) in [
            ("no Host", "GET /files/a HTTP/1.1\r\n\r\n"),
            (
                "two Hosts",
                "GET /files/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            ),
            ("a space", "GET /files/a HTTP/1.1\r\nHost: a b\r\n\r\n"),
            ("user info", "GET /files/a HTTP/1.1\r\nHost: u@a\r\n\r\n"),
            ("bad port", "GET /files/a HTTP/1.1\r\nHost: a:8x\r\n\r\n"),
            ("empty", "GET /files/a HTTP/1.1\r\nHost:\r\n\r\n"),
            (
                "HTTP/1.0, two Hosts",
                "GET /files/a HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
            ),
        ] {
            let mut conn = Raw::open(&gw).await?;
            conn.send(request.as_bytes()).await?;
            ensure_gateway_error(&conn.reply("GET").await?, 400, what)?;
        }
        for (what, request) in [
            ("HTTP/1.0 without Host", "GET /files/a HTTP/1.0\r\n\r\n"),
            (
                "name and port",
                "GET /files/a HTTP/1.1\r\nHost: gw.example:8080\r\n\r\n",
            ),
            ("IPv6", "GET /files/a HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"),
        ] {
            let mut conn = Raw::open(&gw).await?;
            conn.send(request.as_bytes()).await?;
            ensure_eq!(conn.reply("GET").await?.status(), 200, "{what}");
        }
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    ensure_eq!(
        backend.requests(),
        3,
        "only the valid requests were proxied"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_live_idle_timeout_and_started_heads_header_read_timeout() -> TestResult {
    let backend = Backend::start().await?;
    let dir = tempfile::tempdir()?;
    let gw = serve(
        dir.path(),
        "header_read_timeout: 1s, idle_timeout: 3s",
        &backend.url(),
    )?;
    let check = async {
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"GET /files/a HTTP/1.1\r\nHost: gw\r\n\r\n")
            .await?;
        ensure_eq!(conn.reply("GET").await?.status(), 200, "first request");
        // Idle for twice header_read_timeout, less than idle_timeout: still usable.
        tokio::time::sleep(Duration::from_secs(2)).await;
        conn.send(b"GET /files/b HTTP/1.1\r\nHost: gw\r\n\r\n")
            .await?;
        ensure_eq!(
            conn.reply("GET").await?.status(),
            200,
            "a request after 2 s idle (idle_timeout 3 s)"
        );
        // Left idle, it closes at idle_timeout.
        let closed = conn.closed_within(Duration::from_secs(6)).await?;
        ensure!(
            closed.is_some_and(|t| t >= Duration::from_millis(2500)),
            "idle connection closed after {closed:?}, expected about 3 s"
        );

        // A started head has header_read_timeout, on a kept-alive connection too.
        let mut conn = Raw::open(&gw).await?;
        conn.send(b"GET /files/a HTTP/1.1\r\nHost: gw\r\n\r\n")
            .await?;
        ensure_eq!(conn.reply("GET").await?.status(), 200, "first request");
        tokio::time::sleep(Duration::from_millis(500)).await;
        conn.send(b"GET /files/b HTTP/1.1\r\nHost: gw\r\nX-Slow: ")
            .await?;
        let closed = conn.closed_within(Duration::from_secs(5)).await?;
        ensure!(
            closed.is_some_and(|t| t >= Duration::from_millis(800)
                && t < Duration::from_millis(2500)),
            "a stalled head closed after {closed:?}, expected about 1 s"
        );
        TestResult::Ok(())
    };
    check.await.map_err(|e| annotate(&gw, e))?;
    Ok(())
}
