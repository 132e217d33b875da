//! The access log: one line per request, rendered on the worker into a per-worker buffer and
//! written by a writer thread, so a slow disk or a full pipe never slows a request.
//!
//! **Formats.** `json` (the default): one object per line with AWS's console-preset keys —
//! `requestId`, `ip` (`$context.identity.sourceIp`), `requestTime` (CLF time),
//! `requestTimeEpoch`, `httpMethod`, `routeKey`, `resourcePath`, `path`, `protocol`, `status`,
//! `responseLength`, `responseLatency` and `integrationLatency` (milliseconds, µs precision),
//! `integrationStatus`, `userAgent`, `principalId` (`$context.authorizer.principalId`),
//! `apiKeyId`, `errorMessage` (`$context.error.message`), `errorType`, `stage`; a value that
//! does not apply is `null`. A request refused by request validation also carries
//! `validationErrorString` (`$context.error.validationErrorString`). `clf`: AWS's Common Log Format preset. Anything else is a template
//! of `$context.*` variables ([`crate::ir::parse_log_format`]), parsed once when the gateway is
//! built; a variable that does not apply renders `-`, as AWS writes it.
//!
//! **Off the request path.** [`LocalLog::write`] appends the rendered line to its worker's
//! buffer (no allocation once the buffer has grown, no lock). A full buffer (32 KiB), a timer
//! tick of the worker ([`LocalLog::flush`]) or the end of the worker's generation hands the
//! buffer to the writer thread through a bounded channel (`try_send`). When the channel is
//! full, because the destination is slow or blocked, the batch is dropped and its lines are
//! counted (`gwc_access_log_dropped_total`): requests never wait for the log. On shutdown the
//! server calls [`AccessLog::finish`], which lets the writer drain what was queued, within a
//! bound.
//!
//! **Stdout.** The writer opens its destination itself (opening a FIFO blocks until a reader
//! comes). On stdout it writes whole batches of whole lines under stdout's lock, so the
//! `listening on` lines, printed before any request can be served, are never split.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method, Version};

use crate::ir::{self, AuthorizerValue, ContextVar, LogFormatError, LogPiece};
use crate::pipeline::Identity;

/// A worker's buffer is handed to the writer when it reaches this size.
const BATCH: usize = 32 << 10;
/// Batches queued for the writer before new ones are dropped (2 MiB).
const QUEUE: usize = 64;

/// Lines dropped since the process started, in every gateway generation.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Access-log lines dropped so far because the writer fell behind (for `/metrics`).
pub(crate) fn dropped() -> u64 {
    DROPPED.load(Relaxed)
}

/// What the request pipeline knows about one finished request: everything a format can name.
/// Filled once per request from values the pipeline already holds; borrowed, so filling it
/// copies nothing.
#[derive(Debug, Clone)]
pub(crate) struct LogRecord<'a> {
    /// The id sent back as `x-request-id`.
    pub(crate) request_id: &'a HeaderValue,
    /// The client's address as text (`$context.identity.sourceIp`).
    pub(crate) source_ip: &'a str,
    /// The `User-Agent` header.
    pub(crate) user_agent: Option<&'a HeaderValue>,
    /// The `Host` header (`$context.domainName`).
    pub(crate) host: Option<&'a HeaderValue>,
    /// The request method.
    pub(crate) method: &'a Method,
    /// The request path as sent, without the query (`$context.path`).
    pub(crate) path: &'a str,
    /// The request's HTTP version.
    pub(crate) version: Version,
    /// The matched route's index into the gateway's routes; `None` when nothing matched.
    pub(crate) route: Option<usize>,
    /// The response status.
    pub(crate) status: u16,
    /// The response body's length: from the head, or counted once a streamed body ended.
    pub(crate) response_length: Option<u64>,
    /// Wall-clock time the request arrived (`$context.requestTime`).
    pub(crate) received_at: SystemTime,
    /// Request arrival to response head.
    pub(crate) latency: Duration,
    /// Time spent in the integration, when one ran.
    pub(crate) integration_latency: Option<Duration>,
    /// The integration's status, when one answered.
    pub(crate) integration_status: Option<u16>,
    /// The authorizer's principal.
    pub(crate) principal_id: Option<&'a str>,
    /// What the authorizer established (`$context.authorizer.claims.NAME`, `.KEY`).
    pub(crate) identity: Option<&'a Identity>,
    /// The id (never the value) of the API key used.
    pub(crate) api_key_id: Option<&'a str>,
    /// `$context.identity.apiKey`: the key masked (`****` and its last four characters).
    pub(crate) api_key_hint: Option<&'a str>,
    /// The gateway response's client-facing message, when the request failed.
    pub(crate) error_message: Option<&'a str>,
    /// The gateway response type (`INTEGRATION_TIMEOUT`…), when the request failed.
    pub(crate) error_type: Option<&'a str>,
    /// `$context.error.validationErrorString`, when request validation refused the request.
    pub(crate) validation_error: Option<&'a str>,
    /// `$context.wafResponseCode` (`WAF_ALLOW`, `WAF_BLOCK`), when a WAF ran.
    pub(crate) waf_code: Option<&'a str>,
    /// `$context.waf.rule`: the WAF rule that decided, when one did.
    pub(crate) waf_rule: Option<&'a str>,
    /// `Hit` or `Miss` on a cached route (the JSON line's `cacheStatus`).
    pub(crate) cache_status: Option<&'a str>,
}

/// Where lines go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The process's stdout.
    Stdout,
    /// The process's stderr.
    Stderr,
    /// A file, appended to (created when missing).
    File(PathBuf),
}

impl Destination {
    /// `stdout`, `stderr` or a path.
    pub(crate) fn parse(text: &str) -> Destination {
        match text {
            "stdout" | "-" => Destination::Stdout,
            "stderr" => Destination::Stderr,
            path => Destination::File(PathBuf::from(path)),
        }
    }
}

#[derive(Debug)]
enum Format {
    Json,
    Template(Box<[Piece]>),
}

#[derive(Debug)]
enum Piece {
    Literal(Box<str>),
    Var(ContextVar),
    Authorizer(AuthorizerValue),
}

/// What every worker's [`LocalLog`] of one gateway shares: the parsed format and the strings
/// rendered once per route.
#[derive(Debug)]
struct Shared {
    format: Format,
    /// Per route: (`resourcePath`, `routeKey`).
    routes: Box<[(Box<str>, Box<str>)]>,
    stage: Box<str>,
    api: Box<str>,
}

/// One gateway's access log: the parsed format and the writer thread.
#[derive(Debug)]
pub(crate) struct AccessLog {
    shared: Arc<Shared>,
    tx: SyncSender<Batch>,
    closing: Arc<AtomicBool>,
    /// Taken at shutdown only.
    done: super::ColdLock<Option<Receiver<()>>>,
}

struct Batch {
    buf: Vec<u8>,
    lines: u64,
}

impl AccessLog {
    /// Parses `format` (`json`, `clf` or a template) and starts the writer thread for
    /// `destination`. `routes` are `(method, template)` in route-index order.
    pub(crate) fn start<'a>(
        format: &str,
        destination: Destination,
        api: &str,
        stage: &str,
        routes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AccessLog, LogFormatError> {
        let format = if format == "json" {
            Format::Json
        } else {
            Format::Template(
                ir::parse_log_format(format)?
                    .into_iter()
                    .map(|p| match p {
                        LogPiece::Literal(l) => Piece::Literal(l.into()),
                        LogPiece::Var(v) => Piece::Var(v),
                        LogPiece::Authorizer(a) => Piece::Authorizer(a),
                    })
                    .collect(),
            )
        };
        let routes = routes
            .into_iter()
            .map(|(m, t)| (t.into(), format!("{m} {t}").into()))
            .collect();
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let (done_tx, done_rx) = mpsc::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let closing2 = Arc::clone(&closing);
        let spawned = std::thread::Builder::new()
            .name("gwc-access-log".to_owned())
            .spawn(move || {
                write_batches(&destination, &rx, &closing2);
                let _ = done_tx.send(());
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the access log writer; lines are dropped");
        }
        Ok(AccessLog {
            shared: Arc::new(Shared {
                format,
                routes,
                stage: stage.into(),
                api: api.into(),
            }),
            tx,
            closing,
            done: super::ColdLock::new(Some(done_rx)),
        })
    }

    /// A worker's buffer for this log; once per worker and gateway generation.
    pub(crate) fn worker(&self) -> LocalLog {
        LocalLog {
            shared: Arc::clone(&self.shared),
            tx: self.tx.clone(),
            buf: RefCell::new(Vec::with_capacity(BATCH + 1024)),
            lines: Cell::new(0),
        }
    }

    /// At shutdown, after the workers stopped (their buffers are queued): lets the writer write
    /// what is queued and waits for it, at most `timeout` (a blocked destination cannot hold
    /// the process).
    pub(crate) fn finish(&self, timeout: Duration) {
        self.closing.store(true, Relaxed);
        let done = self.done.lock().take();
        if let Some(done) = done {
            let _ = done.recv_timeout(timeout);
        }
    }

    /// Renders one record the way a worker would (for tests).
    #[cfg(test)]
    pub(crate) fn render(&self, record: &LogRecord<'_>) -> String {
        let mut out = Vec::new();
        render(&self.shared, record, &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// One worker's buffer of rendered lines. `!Sync` by construction (a `RefCell`): it lives in
/// the worker's generation and is written only there.
#[derive(Debug)]
pub(crate) struct LocalLog {
    shared: Arc<Shared>,
    tx: SyncSender<Batch>,
    buf: RefCell<Vec<u8>>,
    lines: Cell<u64>,
}

impl LocalLog {
    /// Renders `record` into the buffer; hands the buffer to the writer when it is full.
    pub(crate) fn write(&self, record: &LogRecord<'_>) {
        let full = {
            let mut buf = self.buf.borrow_mut();
            render(&self.shared, record, &mut buf);
            buf.len() >= BATCH
        };
        self.lines.set(self.lines.get() + 1);
        if full {
            self.flush();
        }
    }

    /// Hands what is buffered to the writer (the worker's timer calls this so that a quiet
    /// gateway's lines show up promptly). Drops and counts the lines when the writer is behind.
    pub(crate) fn flush(&self) {
        let lines = self.lines.replace(0);
        if lines == 0 {
            return;
        }
        let mut buf = self.buf.borrow_mut();
        let batch = Batch {
            buf: std::mem::replace(&mut *buf, Vec::with_capacity(BATCH + 1024)),
            lines,
        };
        if let Err(TrySendError::Full(b) | TrySendError::Disconnected(b)) = self.tx.try_send(batch)
        {
            DROPPED.fetch_add(b.lines, Relaxed);
            // Keep the allocation for the next lines.
            let mut back = b.buf;
            back.clear();
            *buf = back;
        }
    }
}

impl Drop for LocalLog {
    fn drop(&mut self) {
        self.flush();
    }
}

fn write_batches(destination: &Destination, rx: &Receiver<Batch>, closing: &AtomicBool) {
    let mut out: Box<dyn Write> = match destination {
        Destination::Stdout => Box::new(std::io::stdout()),
        Destination::Stderr => Box::new(std::io::stderr()),
        Destination::File(path) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => Box::new(f),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot open the access log; lines are dropped");
                Box::new(Discard)
            }
        },
    };
    let mut failed = false;
    loop {
        let batch = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(b) => b,
            Err(RecvTimeoutError::Timeout) if closing.load(Relaxed) => break,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        let mut pending = Some(batch);
        while let Some(b) = pending.take().or_else(|| rx.try_recv().ok()) {
            if let Err(e) = out.write_all(&b.buf) {
                DROPPED.fetch_add(b.lines, Relaxed);
                if !failed {
                    tracing::error!(error = %e, "cannot write the access log; lines are dropped");
                    failed = true;
                }
            }
        }
        let _ = out.flush();
    }
    let _ = out.flush();
}

/// Accepts and forgets: the destination of a log whose file could not be opened.
struct Discard;

impl Write for Discard {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::other("access log destination unavailable"))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn render(shared: &Shared, r: &LogRecord<'_>, out: &mut Vec<u8>) {
    match &shared.format {
        Format::Json => render_json(shared, r, out),
        Format::Template(pieces) => {
            for piece in pieces.iter() {
                match piece {
                    Piece::Literal(l) => out.extend_from_slice(l.as_bytes()),
                    Piece::Var(v) => render_var(shared, r, *v, out),
                    Piece::Authorizer(a) => {
                        let value = r.identity.and_then(|i| i.value(a));
                        out.extend_from_slice(
                            value
                                .as_deref()
                                .filter(|v| !v.is_empty())
                                .unwrap_or("-")
                                .as_bytes(),
                        );
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

fn route<'s>(shared: &'s Shared, r: &LogRecord<'_>) -> Option<&'s (Box<str>, Box<str>)> {
    r.route.and_then(|i| shared.routes.get(i))
}

fn header_str(v: Option<&HeaderValue>) -> Option<&str> {
    v.and_then(|v| v.to_str().ok())
}

fn protocol(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

fn render_var(shared: &Shared, r: &LogRecord<'_>, var: ContextVar, out: &mut Vec<u8>) {
    fn text(out: &mut Vec<u8>, s: Option<&str>) {
        out.extend_from_slice(s.filter(|s| !s.is_empty()).unwrap_or("-").as_bytes());
    }
    match var {
        ContextVar::RequestId => text(out, r.request_id.to_str().ok()),
        ContextVar::RequestTime => clf_time(r.received_at, out),
        ContextVar::RequestTimeEpoch => {
            let _ = write!(out, "{}", epoch_millis(r.received_at));
        }
        ContextVar::HttpMethod => text(out, Some(r.method.as_str())),
        ContextVar::ResourcePath => text(out, route(shared, r).map(|x| &*x.0)),
        ContextVar::RouteKey => text(out, route(shared, r).map(|x| &*x.1)),
        ContextVar::Path => text(out, Some(r.path)),
        ContextVar::Protocol => text(out, Some(protocol(r.version))),
        ContextVar::Status => {
            let _ = write!(out, "{}", r.status);
        }
        ContextVar::ResponseLength => match r.response_length {
            Some(n) => {
                let _ = write!(out, "{n}");
            }
            None => text(out, None),
        },
        ContextVar::ResponseLatency => millis(out, r.latency),
        ContextVar::IntegrationLatency => match r.integration_latency {
            Some(d) => millis(out, d),
            None => text(out, None),
        },
        ContextVar::IntegrationStatus => match r.integration_status {
            Some(s) => {
                let _ = write!(out, "{s}");
            }
            None => text(out, None),
        },
        ContextVar::SourceIp => text(out, Some(r.source_ip)),
        ContextVar::UserAgent => text(out, header_str(r.user_agent)),
        ContextVar::Caller | ContextVar::User => text(out, None),
        ContextVar::ApiKeyId => text(out, r.api_key_id),
        ContextVar::ApiKey => text(out, r.api_key_hint),
        ContextVar::PrincipalId => text(out, r.principal_id),
        ContextVar::ErrorMessage => text(out, r.error_message),
        ContextVar::ErrorMessageString => match r.error_message {
            Some(m) => json_str(out, Some(m)),
            None => text(out, None),
        },
        ContextVar::ErrorValidationErrorString => text(out, r.validation_error),
        ContextVar::ErrorResponseType => text(out, r.error_type),
        ContextVar::Stage => text(out, Some(&shared.stage)),
        ContextVar::ApiId => text(out, Some(&shared.api)),
        ContextVar::DomainName => text(out, header_str(r.host)),
        ContextVar::WafResponseCode => text(out, r.waf_code),
        ContextVar::WafRule => text(out, r.waf_rule),
    }
}

fn render_json(shared: &Shared, r: &LogRecord<'_>, out: &mut Vec<u8>) {
    let route = route(shared, r);
    out.extend_from_slice(b"{\"requestId\":");
    json_str(out, r.request_id.to_str().ok());
    out.extend_from_slice(b",\"ip\":");
    json_str(out, Some(r.source_ip));
    out.extend_from_slice(b",\"requestTime\":\"");
    clf_time(r.received_at, out);
    let _ = write!(
        out,
        "\",\"requestTimeEpoch\":{},\"httpMethod\":",
        epoch_millis(r.received_at)
    );
    json_str(out, Some(r.method.as_str()));
    out.extend_from_slice(b",\"routeKey\":");
    json_str(out, route.map(|x| &*x.1));
    out.extend_from_slice(b",\"resourcePath\":");
    json_str(out, route.map(|x| &*x.0));
    out.extend_from_slice(b",\"path\":");
    json_str(out, Some(r.path));
    let _ = write!(
        out,
        ",\"protocol\":\"{}\",\"status\":{},\"responseLength\":",
        protocol(r.version),
        r.status
    );
    json_num(out, r.response_length);
    out.extend_from_slice(b",\"responseLatency\":");
    millis(out, r.latency);
    out.extend_from_slice(b",\"integrationLatency\":");
    match r.integration_latency {
        Some(d) => millis(out, d),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"integrationStatus\":");
    json_num(out, r.integration_status.map(u64::from));
    out.extend_from_slice(b",\"userAgent\":");
    json_str(out, header_str(r.user_agent));
    out.extend_from_slice(b",\"principalId\":");
    json_str(out, r.principal_id);
    out.extend_from_slice(b",\"apiKeyId\":");
    json_str(out, r.api_key_id);
    out.extend_from_slice(b",\"errorMessage\":");
    json_str(out, r.error_message);
    out.extend_from_slice(b",\"errorType\":");
    json_str(out, r.error_type);
    if r.validation_error.is_some() {
        out.extend_from_slice(b",\"validationErrorString\":");
        json_str(out, r.validation_error);
    }
    if r.cache_status.is_some() {
        out.extend_from_slice(b",\"cacheStatus\":");
        json_str(out, r.cache_status);
    }
    if r.waf_code.is_some() {
        out.extend_from_slice(b",\"wafResponseCode\":");
        json_str(out, r.waf_code);
        out.extend_from_slice(b",\"wafRule\":");
        json_str(out, r.waf_rule);
    }
    out.extend_from_slice(b",\"stage\":");
    json_str(out, Some(&shared.stage));
    out.push(b'}');
}

fn json_num(out: &mut Vec<u8>, n: Option<u64>) {
    match n {
        Some(n) => {
            let _ = write!(out, "{n}");
        }
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string (or `null`): quotes, backslashes and control characters escaped.
pub(crate) fn json_str(out: &mut Vec<u8>, s: Option<&str>) {
    let Some(s) = s else {
        out.extend_from_slice(b"null");
        return;
    };
    out.push(b'"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f | 0x7f => b"",
            _ => continue,
        };
        out.extend_from_slice(&s.as_bytes()[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.extend_from_slice(escaped);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s.as_bytes()[start..]);
    out.push(b'"');
}

/// Milliseconds with microsecond precision: `12.345`.
fn millis(out: &mut Vec<u8>, d: Duration) {
    let us = d.as_micros();
    let _ = write!(out, "{}.{:03}", us / 1000, us % 1000);
}

fn epoch_millis(t: SystemTime) -> u128 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis()
}

/// `10/Mar/2026:12:00:00 +0000`, as `$context.requestTime` (and CLF) write time, in UTC.
pub(crate) fn clf_time(t: SystemTime, out: &mut Vec<u8>) {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    let _ = write!(
        out,
        "{d:02}/{}/{y}:{:02}:{:02}:{:02} +0000",
        MONTHS[(m - 1) as usize % 12],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31); Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
