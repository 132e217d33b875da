//! Telemetry: request metrics ([`metrics`]) and the access log ([`access_log`]), both prepared
//! once per gateway and recorded per request without allocation, locks or string building.
//!
//! The request pipeline uses three calls, all on its worker's [`WorkerTelemetry`] (one per
//! worker and gateway generation, from [`Telemetry::worker`]):
//!
//! 1. [`WorkerTelemetry::begin`] when a request arrives (the in-flight gauge), which returns
//!    an [`InFlight`] guard;
//! 2. [`WorkerTelemetry::incr`] for a counter a step declared at build time, if any;
//! 3. [`InFlight::finish`] with the filled [`LogRecord`] once the response head is known: it
//!    records the metrics and writes the access-log line (or [`InFlight::finish_metrics`]
//!    when [`WorkerTelemetry::log`] is `None` and the record is not worth filling).
//!
//! Settings come from the IR (`x-gateway.observability`) with deploy-time overrides
//! (`--access-log`, `--access-log-format`, `--metrics`).

pub(crate) mod access_log;
pub(crate) mod metrics;

#[cfg(test)]
pub(crate) mod tests;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

pub(crate) use access_log::{AccessLog, Destination, LocalLog, LogRecord};
pub(crate) use metrics::{CounterId, MetricsHub, MetricsLayout, ProcessInfo, WorkerMetrics};

use crate::args::{AccessLogOverride, RuntimeArgs, Toggle};
use crate::error::BuildError;
use crate::ir;

/// One gateway's telemetry, built with it and immutable after.
#[derive(Debug)]
pub(crate) struct Telemetry {
    /// Series layout and blocks; `None` when metrics are off.
    pub(crate) metrics: Option<Arc<MetricsLayout>>,
    /// Where the admin listener serves them.
    pub(crate) metrics_path: Box<str>,
    /// The log and its writer thread; `None` when off.
    pub(crate) access_log: Option<AccessLog>,
}

/// A gateway's telemetry while the gateway is built: steps declare their counters
/// ([`TelemetryBuilder::declare_counter`]) before [`TelemetryBuilder::finish`] lays the series
/// out, so a counter costs one cell per series and nothing to look up per request.
#[derive(Debug)]
pub(crate) struct TelemetryBuilder<'a> {
    ir: &'a ir::Gateway,
    stage: &'a str,
    args: &'a RuntimeArgs,
    /// `None` when metrics are off.
    metrics: Option<metrics::MetricsBuilder>,
}

impl<'a> TelemetryBuilder<'a> {
    /// Applies the `--metrics` override to the IR's settings and renders every route's labels.
    pub(crate) fn new(ir: &'a ir::Gateway, stage: &'a str, args: &'a RuntimeArgs) -> Self {
        let obs = &ir.observability;
        let metrics_on = match args.metrics {
            Some(Toggle::On) => true,
            Some(Toggle::Off) => false,
            None => obs.metrics.enabled,
        };
        let metrics = metrics_on.then(|| {
            metrics::MetricsBuilder::new(&ir.name, stage, route_keys(ir), obs.metrics.route_label)
        });
        TelemetryBuilder {
            ir,
            stage,
            args,
            metrics,
        }
    }

    /// Declares a per-route counter (a step's hits, refusals, errors) once, at build time; the
    /// step keeps the id and counts with [`WorkerTelemetry::incr`]. With metrics off the id is
    /// valid and counting it does nothing. `name` is a Prometheus name ending in `_total`;
    /// declaring a name twice returns the first id.
    // The feature steps (cache, throttling, WAF, authorizers) call this.
    #[allow(dead_code)]
    pub(crate) fn declare_counter(&mut self, name: &'static str, help: &'static str) -> CounterId {
        match &mut self.metrics {
            Some(m) => m.declare_counter(name, help),
            None => CounterId::UNUSED,
        }
    }

    /// Lays out the series and starts the access log (an unknown `$context` variable in its
    /// format fails the build).
    pub(crate) fn finish(self) -> Result<Telemetry, BuildError> {
        let TelemetryBuilder {
            ir,
            stage,
            args,
            metrics,
        } = self;
        let obs = &ir.observability;
        let metrics = metrics.map(metrics::MetricsBuilder::build);
        let destination = match &args.access_log {
            Some(AccessLogOverride::Off) => None,
            Some(AccessLogOverride::On) => Some(obs.access_log.destination.as_ref()),
            Some(AccessLogOverride::To(d)) => Some(d.as_str()),
            None => obs
                .access_log
                .enabled
                .then_some(obs.access_log.destination.as_ref()),
        };
        let format = args
            .access_log_format
            .as_deref()
            .unwrap_or(&obs.access_log.format);
        let access_log = destination
            .map(|d| {
                AccessLog::start(
                    format,
                    Destination::parse(d),
                    &ir.name,
                    stage,
                    route_keys(ir),
                )
            })
            .transpose()
            .map_err(|e| BuildError::Invalid(vec![ir::ValidationError::BadLogFormat(e)]))?;
        Ok(Telemetry {
            metrics,
            metrics_path: obs.metrics.path.as_ref().into(),
            access_log,
        })
    }
}

/// `(method, template)` of every route in index order: the metrics' and the log's labels.
fn route_keys(ir: &ir::Gateway) -> impl Iterator<Item = (&str, &str)> {
    ir.routes
        .iter()
        .map(|r| (r.method.as_str(), r.path.raw.as_ref()))
}

impl Telemetry {
    /// A worker's recording handles for this gateway; once per worker and generation.
    pub(crate) fn worker(&self) -> WorkerTelemetry {
        WorkerTelemetry {
            metrics: self.metrics.as_ref().map(MetricsLayout::worker),
            log: self.access_log.as_ref().map(AccessLog::worker),
        }
    }

    /// At shutdown: waits (bounded) for the access log's queued lines to be written.
    pub(crate) fn finish(&self) {
        if let Some(log) = &self.access_log {
            log.finish(Duration::from_secs(2));
        }
    }
}

/// One worker's telemetry for one gateway generation; lives in the worker's generation.
#[derive(Debug)]
pub(crate) struct WorkerTelemetry {
    /// This worker's counter block.
    pub(crate) metrics: Option<WorkerMetrics>,
    /// This worker's access-log buffer.
    pub(crate) log: Option<LocalLog>,
}

impl WorkerTelemetry {
    /// True when metrics or the access log are on: only they read a request's latencies, so
    /// with both off the request path reads no clock for them.
    #[inline]
    pub(crate) fn records(&self) -> bool {
        self.metrics.is_some() || self.log.is_some()
    }

    /// A request arrived: counts it in flight until [`InFlight::finish`] (or until the guard
    /// is dropped, when the client went away before an answer: then it leaves the gauge without
    /// being counted as answered).
    #[inline]
    pub(crate) fn begin(&self) -> InFlight<'_> {
        if let Some(m) = &self.metrics {
            m.begin();
        }
        InFlight {
            telemetry: self,
            done: false,
        }
    }

    /// Adds one to a counter a step declared, in the route's series (`None`: unmatched).
    // Steps that declare counters (cache, throttling, WAF, authorizers) land next.
    #[allow(dead_code)]
    #[inline]
    pub(crate) fn incr(&self, route: Option<usize>, counter: CounterId) {
        if let Some(m) = &self.metrics {
            m.incr(route, counter);
        }
    }

    /// Hands buffered log lines to the writer (the worker's timer calls this).
    pub(crate) fn flush(&self) {
        if let Some(log) = &self.log {
            log.flush();
        }
    }
}

/// A mutex for telemetry's cold paths only (a worker starting a gateway generation, a scrape,
/// shutdown), never taken per request: the one place the runtime's `std::sync::Mutex` ban is
/// lifted, so a reviewer can check every use by looking for this type.
#[allow(clippy::disallowed_types)]
#[derive(Debug, Default)]
pub(crate) struct ColdLock<T>(std::sync::Mutex<T>);

impl<T> ColdLock<T> {
    #[allow(clippy::disallowed_types)]
    pub(crate) fn new(value: T) -> ColdLock<T> {
        ColdLock(std::sync::Mutex::new(value))
    }

    /// Locks even if a panicking holder poisoned it: the data are counters and handles, still
    /// valid.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One request between [`WorkerTelemetry::begin`] and [`InFlight::finish`].
#[derive(Debug)]
#[must_use = "finish it with the request's LogRecord"]
pub(crate) struct InFlight<'a> {
    telemetry: &'a WorkerTelemetry,
    done: bool,
}

impl InFlight<'_> {
    /// The request is answered: records its metrics and writes its access-log line.
    #[inline]
    pub(crate) fn finish(mut self, record: &LogRecord<'_>) {
        self.done = true;
        let t = self.telemetry;
        if let Some(m) = &t.metrics {
            m.record(
                record.route,
                record.status,
                record.latency,
                record.integration_latency,
            );
        }
        if let Some(log) = &t.log {
            log.write(record);
        }
    }

    /// Metrics only, for a pipeline that skips building the record when the log is off.
    #[inline]
    pub(crate) fn finish_metrics(
        mut self,
        route: Option<usize>,
        status: u16,
        latency: Duration,
        integration_latency: Option<Duration>,
    ) {
        self.done = true;
        if let Some(m) = &self.telemetry.metrics {
            m.record(route, status, latency, integration_latency);
        }
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done
            && let Some(m) = &self.telemetry.metrics
        {
            m.abandon();
        }
    }
}

/// When the process started serving (set by the first [`crate::Server::start`]).
pub(crate) fn process_start() -> SystemTime {
    static START: OnceLock<SystemTime> = OnceLock::new();
    *START.get_or_init(SystemTime::now)
}

/// The `/metrics` page of `hub`.
pub(crate) fn render_metrics(hub: &MetricsHub) -> String {
    hub.render(ProcessInfo {
        start: process_start(),
        log_dropped: access_log::dropped(),
    })
}

/// Appends `gwc_state_failures_total`: shared-state operations that failed (Redis unreachable,
/// past its deadline, or erring), whatever each feature then did (a plan failing open admits,
/// failing closed answers 503; a cache treats it as a miss). It is the one series that shows
/// an outage a fail-open feature hides from clients. Absent in memory, which cannot fail.
pub(crate) fn render_state_failures(page: &mut String, state: &crate::state::State) {
    use std::fmt::Write as _;
    if matches!(state, crate::state::State::Memory(_)) {
        return;
    }
    page.push_str(
        "# HELP gwc_state_failures_total Shared-state (Redis) operations that failed, by backend.\n",
    );
    page.push_str("# TYPE gwc_state_failures_total counter\n");
    let _ = writeln!(
        page,
        "gwc_state_failures_total{{backend=\"{}\"}} {}",
        state.backend_name(),
        state.failures()
    );
}

/// Appends `gwc_api_key_requests_total`: requests each API key was identified on (known and
/// enabled, before throttles and quota), labelled by the key's name, never its value. The
/// series are as many as the keys the spec and the admin API made.
pub(crate) fn render_key_counts(page: &mut String, api: &str, state: &crate::state::State) {
    use std::fmt::Write as _;
    let counts = state.keys().request_counts();
    if counts.is_empty() {
        return;
    }
    page.push_str(
        "# HELP gwc_api_key_requests_total Requests that presented this API key (by its name).\n",
    );
    page.push_str("# TYPE gwc_api_key_requests_total counter\n");
    let api = metrics::escape(api);
    for (key, n) in counts {
        let _ = writeln!(
            page,
            "gwc_api_key_requests_total{{api=\"{api}\",key=\"{}\"}} {n}",
            metrics::escape(&key)
        );
    }
}
