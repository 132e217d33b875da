//! Request metrics: per-worker counter blocks written without locks or read-modify-write
//! instructions, merged by the scraper, exposed in Prometheus' text format.
//!
//! **What is counted** (AWS CloudWatch's REST metrics, per API, stage, method and route):
//! `gwc_requests_total` (Count), `gwc_requests_4xx_total` (4XXError), `gwc_requests_5xx_total`
//! (5XXError), `gwc_request_duration_seconds` (Latency) and `gwc_integration_duration_seconds`
//! (IntegrationLatency) as histograms with fixed buckets, plus any counter a step declares at
//! build time ([`MetricsBuilder::declare_counter`]: cache hits, throttled, WAF blocked…).
//!
//! **Bounded cardinality.** A series is a route *as declared*, never a request path: the label
//! set of every route is rendered once when the gateway is built, and requests that matched no
//! route share one series (`route="(unmatched)"`). 1,000 distinct paths on `/pets/{id}` are one
//! series. With `route_label: false` every request lands in one series per API and stage.
//!
//! **Hot path.** Each worker (one thread) gets its own block of cells per gateway generation
//! ([`MetricsLayout::worker`]); recording is index arithmetic plus relaxed loads and stores of
//! `AtomicU64`s that only that thread writes (`load` + `store`, no `lock`-prefixed
//! instruction, no shared cache line: blocks are separate allocations aligned to 128 bytes). No
//! formatting, hashing, allocation or locking per request. The scraper reads the cells with
//! relaxed loads and sums the blocks.
//!
//! **Why not the `metrics` crate.** DESIGN.md lists `metrics` + `metrics-exporter-prometheus`;
//! their global recorder looks a series up by its label set (hashing) on every increment, and
//! their counters are shared atomics that every core increments. Neither fits per-worker blocks
//! keyed by a route index decided at build time, and the exposition is 150 lines here.
//!
//! **Reloads.** Counters never reset while the process lives. Blocks belong to one gateway
//! generation; the [`MetricsHub`] keeps every generation still alive and merges series by their
//! label set, so a route that keeps its method and template across a reload keeps counting in
//! the same series. When a generation is gone (no worker holds it), its totals are folded into
//! the hub's retired totals under the same label sets; a route removed by a reload keeps its
//! last values (as Prometheus expects of a counter), a changed template starts a new series.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::ColdLock;

/// Upper bounds of the latency buckets, in microseconds (1 ms … 30 s: Prometheus' defaults
/// scaled to gateway latencies, plus the 29 s integration timeout).
pub(crate) const BUCKETS_US: [u64; 14] = [
    1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000, 30_000_000,
];
/// `le` labels of [`BUCKETS_US`] in seconds, then `+Inf`.
const BUCKET_LABELS: [&str; 15] = [
    "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
    "10", "30", "+Inf",
];
/// Cells of one histogram: one per bucket (not cumulative; the scraper sums), `+Inf`, sum (µs).
const HIST: usize = BUCKETS_US.len() + 2;
/// Block-wide cells before the series: requests started, requests finished.
const HEADER: usize = 2;
const STARTED: usize = 0;
const FINISHED: usize = 1;

/// Label value of the series for requests that matched no route.
pub(crate) const UNMATCHED_ROUTE: &str = "(unmatched)";

/// A counter a step declared; an index into every series' counter cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CounterId(u16);

impl CounterId {
    /// `gwc_requests_total`: every answered request.
    pub(crate) const REQUESTS: CounterId = CounterId(0);
    /// `gwc_requests_4xx_total`.
    pub(crate) const CLIENT_ERRORS: CounterId = CounterId(1);
    /// `gwc_requests_5xx_total`.
    pub(crate) const SERVER_ERRORS: CounterId = CounterId(2);
    /// What a step gets when metrics are off: past every series' counters, never recorded.
    pub(crate) const UNUSED: CounterId = CounterId(u16::MAX);
}

#[derive(Debug, Clone)]
struct CounterDecl {
    name: &'static str,
    help: &'static str,
}

/// Collects the series and counters of one gateway while it is built.
#[derive(Debug)]
pub(crate) struct MetricsBuilder {
    counters: Vec<CounterDecl>,
    series: Vec<Box<str>>,
    route_series: Vec<u32>,
}

impl MetricsBuilder {
    /// Series for `routes` (`(method, template)` in route-index order) under `api` and `stage`;
    /// with `route_label` off, one series for everything.
    pub(crate) fn new<'a>(
        api: &str,
        stage: &str,
        routes: impl IntoIterator<Item = (&'a str, &'a str)>,
        route_label: bool,
    ) -> MetricsBuilder {
        let base = format!("api=\"{}\",stage=\"{}\"", escape(api), escape(stage));
        let mut series: Vec<Box<str>> = Vec::new();
        let mut route_series = Vec::new();
        if route_label {
            for (method, template) in routes {
                route_series.push(series.len() as u32);
                series.push(labels(&base, method, template).into());
            }
            route_series.push(series.len() as u32);
            series.push(labels(&base, "", UNMATCHED_ROUTE).into());
        } else {
            route_series.extend(routes.into_iter().map(|_| 0));
            route_series.push(0);
            series.push(base.into());
        }
        let mut builder = MetricsBuilder {
            counters: Vec::new(),
            series,
            route_series,
        };
        builder.declare_counter(
            "gwc_requests_total",
            "Requests answered, by route template (AWS Count).",
        );
        builder.declare_counter(
            "gwc_requests_4xx_total",
            "Requests answered with a 4XX status (AWS 4XXError).",
        );
        builder.declare_counter(
            "gwc_requests_5xx_total",
            "Requests answered with a 5XX status (AWS 5XXError).",
        );
        builder
    }

    /// Declares a per-series counter once, at build time; the step keeps the id and counts with
    /// [`WorkerMetrics::incr`]. `name` must be a Prometheus metric name ending in `_total`;
    /// declaring the same name twice returns the first id.
    pub(crate) fn declare_counter(&mut self, name: &'static str, help: &'static str) -> CounterId {
        debug_assert!(
            name.ends_with("_total")
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':'),
            "bad counter name {name}"
        );
        if let Some(i) = self.counters.iter().position(|c| c.name == name) {
            return CounterId(i as u16);
        }
        self.counters.push(CounterDecl { name, help });
        CounterId((self.counters.len() - 1) as u16)
    }

    /// The finished layout, shared by the gateway and every worker block.
    pub(crate) fn build(self) -> Arc<MetricsLayout> {
        let stride = self.counters.len() + 2 * HIST;
        Arc::new(MetricsLayout {
            cells: HEADER + stride * self.series.len(),
            stride,
            counters: self.counters,
            series: self.series,
            route_series: self.route_series.into_boxed_slice(),
            blocks: ColdLock::new(Vec::new()),
        })
    }
}

fn labels(base: &str, method: &str, template: &str) -> String {
    format!(
        "{base},method=\"{}\",route=\"{}\"",
        escape(method),
        escape(template)
    )
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The series and counters of one gateway, plus the blocks its workers write.
#[derive(Debug)]
pub(crate) struct MetricsLayout {
    counters: Vec<CounterDecl>,
    /// Pre-rendered label sets, one per series.
    series: Vec<Box<str>>,
    /// Route index → series; the last entry is the unmatched series.
    route_series: Box<[u32]>,
    stride: usize,
    cells: usize,
    blocks: ColdLock<Vec<Arc<Cells>>>,
}

impl MetricsLayout {
    /// A new block for the calling worker, registered for the scraper. Called once per worker
    /// and gateway generation, never per request.
    pub(crate) fn worker(self: &Arc<Self>) -> WorkerMetrics {
        let lines = self.cells.div_ceil(LINE);
        let cells = Arc::new(Cells((0..lines).map(|_| Line::default()).collect()));
        self.blocks.lock().push(Arc::clone(&cells));
        WorkerMetrics {
            layout: Arc::clone(self),
            cells,
            _not_send: PhantomData,
        }
    }

    /// Sums this layout's blocks into `totals` under each series' label set.
    fn collect(&self, totals: &mut Totals) {
        let mut sums = vec![0u64; self.cells];
        for block in self.blocks.lock().iter() {
            for (i, sum) in sums.iter_mut().enumerate() {
                *sum += block.get(i);
            }
        }
        totals.started += sums[STARTED];
        totals.finished += sums[FINISHED];
        for (s, labels) in self.series.iter().enumerate() {
            let cells = &sums[HEADER + s * self.stride..HEADER + (s + 1) * self.stride];
            if cells.iter().all(|&c| c == 0) {
                continue;
            }
            let n = self.counters.len();
            for (decl, &value) in self.counters.iter().zip(cells) {
                let family = totals.family(decl.name, decl.help, Kind::Counter);
                add(family.series.entry(labels.clone()).or_default(), &[value]);
            }
            for (name, help, hist) in [
                (LATENCY, LATENCY_HELP, &cells[n..n + HIST]),
                (
                    INTEGRATION,
                    INTEGRATION_HELP,
                    &cells[n + HIST..n + 2 * HIST],
                ),
            ] {
                if hist.iter().all(|&c| c == 0) {
                    continue;
                }
                let family = totals.family(name, help, Kind::Histogram);
                add(family.series.entry(labels.clone()).or_default(), hist);
            }
        }
    }
}

const LATENCY: &str = "gwc_request_duration_seconds";
const LATENCY_HELP: &str =
    "Time from receiving a request to sending the response head (AWS Latency).";
const INTEGRATION: &str = "gwc_integration_duration_seconds";
const INTEGRATION_HELP: &str = "Time from relaying a request to the integration to its response head (AWS IntegrationLatency).";

fn add(into: &mut Vec<u64>, values: &[u64]) {
    if into.len() < values.len() {
        into.resize(values.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(values) {
        *a += b;
    }
}

const LINE: usize = 16;

/// 128 bytes: two cache lines, since adjacent-line prefetch pairs them.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Line([AtomicU64; LINE]);

/// One worker's cells. Only that worker writes them; the scraper reads them.
#[derive(Debug)]
struct Cells(Box<[Line]>);

impl Cells {
    #[inline]
    fn cell(&self, i: usize) -> Option<&AtomicU64> {
        self.0.get(i / LINE).map(|l| &l.0[i % LINE])
    }

    fn get(&self, i: usize) -> u64 {
        self.cell(i).map_or(0, |c| c.load(Relaxed))
    }

    /// Single-writer add: a plain load and store (no atomic read-modify-write), correct because
    /// only the owning worker writes (see [`WorkerMetrics`]).
    #[inline]
    fn add(&self, i: usize, n: u64) {
        if let Some(c) = self.cell(i) {
            c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
        }
    }
}

/// A worker's handle on its block: what the request pipeline records into.
///
/// Not `Send`: the single-writer increments are only correct while one thread writes, so the
/// handle stays on the worker that created it (inside its `Rc` generation).
#[derive(Debug)]
pub(crate) struct WorkerMetrics {
    layout: Arc<MetricsLayout>,
    cells: Arc<Cells>,
    _not_send: PhantomData<Rc<()>>,
}

impl WorkerMetrics {
    /// The series of a route index (`None`: no route matched); out-of-range indexes count as
    /// unmatched rather than panicking.
    #[inline]
    fn series(&self, route: Option<usize>) -> usize {
        let rs = &self.layout.route_series;
        let unmatched = rs.len() - 1;
        rs.get(route.unwrap_or(unmatched).min(unmatched))
            .map_or(0, |&s| s as usize)
    }

    /// Counts a request as started (for the in-flight gauge). Call once per request, first.
    #[inline]
    pub(crate) fn begin(&self) {
        self.cells.add(STARTED, 1);
    }

    /// A request left without an answer (the client went away): out of the in-flight gauge,
    /// not counted as answered.
    #[inline]
    pub(crate) fn abandon(&self) {
        self.cells.add(FINISHED, 1);
    }

    /// Records an answered request: count, 4XX/5XX, latency and (when an integration ran)
    /// integration latency. Call once per request, at the end, after [`Self::begin`].
    #[inline]
    pub(crate) fn record(
        &self,
        route: Option<usize>,
        status: u16,
        latency: Duration,
        integration: Option<Duration>,
    ) {
        let base = HEADER + self.series(route) * self.layout.stride;
        let c = &self.cells;
        c.add(FINISHED, 1);
        c.add(base + CounterId::REQUESTS.0 as usize, 1);
        match status {
            400..=499 => c.add(base + CounterId::CLIENT_ERRORS.0 as usize, 1),
            500..=599 => c.add(base + CounterId::SERVER_ERRORS.0 as usize, 1),
            _ => {}
        }
        let hist = base + self.layout.counters.len();
        observe(c, hist, latency);
        if let Some(d) = integration {
            observe(c, hist + HIST, d);
        }
    }

    /// Adds one to a declared counter of a route's series.
    // Steps that declare counters (cache, throttling, WAF, authorizers) land next.
    #[cfg_attr(not(test), allow(dead_code))]
    #[inline]
    pub(crate) fn incr(&self, route: Option<usize>, counter: CounterId) {
        let base = HEADER + self.series(route) * self.layout.stride;
        if (counter.0 as usize) < self.layout.counters.len() {
            self.cells.add(base + counter.0 as usize, 1);
        }
    }
}

#[inline]
fn observe(c: &Cells, at: usize, d: Duration) {
    let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    c.add(at + bucket(us), 1);
    c.add(at + HIST - 1, us);
}

/// The bucket of a value in µs: the first bound it does not exceed, or `+Inf`.
#[inline]
pub(crate) fn bucket(us: u64) -> usize {
    BUCKETS_US.iter().take_while(|&&b| us > b).count()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Histogram,
}

#[derive(Debug)]
struct Family {
    help: &'static str,
    kind: Kind,
    series: BTreeMap<Box<str>, Vec<u64>>,
}

/// Merged values keyed by metric name and label set: what a scrape renders and what retired
/// generations leave behind.
#[derive(Debug, Default)]
struct Totals {
    families: BTreeMap<&'static str, Family>,
    started: u64,
    finished: u64,
}

impl Totals {
    fn family(&mut self, name: &'static str, help: &'static str, kind: Kind) -> &mut Family {
        self.families.entry(name).or_insert(Family {
            help,
            kind,
            series: BTreeMap::new(),
        })
    }

    fn merge(&mut self, other: &Totals) {
        self.started += other.started;
        self.finished += other.finished;
        for (name, f) in &other.families {
            let mine = self.family(name, f.help, f.kind);
            for (labels, values) in &f.series {
                add(mine.series.entry(labels.clone()).or_default(), values);
            }
        }
    }
}

/// Every live gateway generation's metrics plus the totals of retired ones; owned by the
/// server, read by the admin listener.
#[derive(Debug, Default)]
pub(crate) struct MetricsHub {
    inner: ColdLock<HubInner>,
}

#[derive(Debug, Default)]
struct HubInner {
    live: Vec<Arc<MetricsLayout>>,
    retired: Totals,
}

/// Process-wide facts the page carries besides request series.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProcessInfo {
    /// When the process started serving.
    pub(crate) start: SystemTime,
    /// Access-log lines dropped because the writer fell behind.
    pub(crate) log_dropped: u64,
}

impl MetricsHub {
    /// Starts merging a gateway's layout (at start and on each reload).
    pub(crate) fn register(&self, layout: &Arc<MetricsLayout>) {
        let mut inner = self.inner.lock();
        if !inner.live.iter().any(|l| Arc::ptr_eq(l, layout)) {
            inner.live.push(Arc::clone(layout));
        }
    }

    /// The Prometheus text page: retired totals plus every live generation, merged by label set.
    pub(crate) fn render(&self, process: ProcessInfo) -> String {
        let mut inner = self.inner.lock();
        let HubInner { live, retired } = &mut *inner;
        // A layout only the hub holds belongs to a gateway that is gone: nobody writes its
        // blocks any more, so its totals move to `retired` for good.
        live.retain(|layout| {
            if Arc::strong_count(layout) == 1 {
                layout.collect(retired);
                false
            } else {
                true
            }
        });
        let mut totals = Totals::default();
        totals.merge(retired);
        for layout in live.iter() {
            layout.collect(&mut totals);
        }
        drop(inner);
        render(&totals, process)
    }
}

fn render(totals: &Totals, process: ProcessInfo) -> String {
    let mut out = String::with_capacity(4096);
    for (name, family) in &totals.families {
        let kind = match family.kind {
            Kind::Counter => "counter",
            Kind::Histogram => "histogram",
        };
        let _ = writeln!(out, "# HELP {name} {}", escape_help(family.help));
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, values) in &family.series {
            match family.kind {
                Kind::Counter => {
                    let _ = writeln!(out, "{name}{{{labels}}} {}", values[0]);
                }
                Kind::Histogram => {
                    let mut cumulative = 0;
                    for (le, n) in BUCKET_LABELS.iter().zip(values) {
                        cumulative += n;
                        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
                    }
                    let sum = values.get(HIST - 1).copied().unwrap_or(0);
                    let _ = writeln!(
                        out,
                        "{name}_sum{{{labels}}} {}.{:06}",
                        sum / 1_000_000,
                        sum % 1_000_000
                    );
                    let _ = writeln!(out, "{name}_count{{{labels}}} {cumulative}");
                }
            }
        }
    }
    let in_flight = totals.started.saturating_sub(totals.finished);
    let start = process
        .start
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let _ = write!(
        out,
        "# HELP gwc_in_flight_requests Requests received and not yet answered.\n\
         # TYPE gwc_in_flight_requests gauge\n\
         gwc_in_flight_requests {in_flight}\n\
         # HELP gwc_access_log_dropped_total Access log lines dropped because the writer fell behind.\n\
         # TYPE gwc_access_log_dropped_total counter\n\
         gwc_access_log_dropped_total {}\n\
         # HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.\n\
         # TYPE process_start_time_seconds gauge\n\
         process_start_time_seconds {start:.3}\n",
        process.log_dropped
    );
    out
}

fn escape_help(help: &str) -> String {
    help.replace('\\', "\\\\").replace('\n', "\\n")
}
