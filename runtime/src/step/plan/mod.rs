//! API keys, usage plans, throttling and quotas: the step after the authorizer that decides
//! whether this caller may use this route now (`step::plan::Admission`).
//!
//! **What applies.** As in AWS, every applicable limit applies, and a request needs a token
//! from each bucket:
//!
//! 1. the API-wide bucket (`x-gateway.throttle`), shared by every route;
//! 2. the route's bucket: its `x-gateway-throttle`, else the deployed stage's default route
//!    throttle (`stages.NAME.throttle`, one bucket per route, AWS's `*/*` method setting);
//! 3. with an API key (routes with `x-gateway-api-key: required`), the key's plan throttle
//!    (one bucket per key across routes) and the plan's throttle for this route (one bucket
//!    per key and route);
//! 4. then the plan's quota (one counter per key and period).
//!
//! A bucket's `per` splits it by client address (resolved through the WAF's trusted proxies,
//! as the WAF resolves it), API key, authorizer principal or the value of a request header. Buckets
//! are taken in that order and the first refusal answers 429 `Too Many Requests` with
//! `Retry-After`; tokens taken from the earlier buckets stay taken (a refused request costs
//! its caller, never admits more). Throttles come before the quota, so a throttled request
//! does not use up quota. A spent quota answers 429 `Limit Exceeded`, `Retry-After` the end of
//! the period.
//!
//! **Where the counts live.** In the process's [`State`]: in memory every operation is a
//! synchronous call, so the whole check is one plain call (the future is polled once with a
//! no-op waker and is always ready); with Redis the check becomes the step's one boxed slow
//! path: one script per request ([`State::admit`]), whatever the number of limits, atomic
//! across replicas and on Redis's clock. Keys are `{api}:{kind}:…`, so gateways sharing a
//! Redis keep apart.
//!
//! **When the state fails.** `x-gateway.state.on_failure`: `open` skips the limit that could
//! not be checked (the request is admitted), `closed` answers 503 (`STATE_UNAVAILABLE`). The
//! backend counts and logs the failure (at most one line a second).

mod keys;
pub(crate) mod period;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, Request};
use ipnet::IpNet;

use std::cell::RefCell;

use super::{BuildContext, Check, RequestStep, StepResult, Verdict};
use crate::body::RequestBody;
use crate::error::{BuildError, GatewayError};
use crate::ir::{self, ApiKeySource, ErrorType, FailMode, ThrottleScope};
use crate::pipeline::{ApiKeyUse, RequestContext};
use crate::state::keys::{self as store, KeySnapshot};
use crate::state::{Decision, FailurePolicy, QuotaCount, Rate, State, Verdict as StateVerdict};
use crate::telemetry::{CounterId, WorkerTelemetry};

static RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");

/// The compiled step of one route.
#[derive(Debug)]
pub(crate) struct Admission {
    /// Present when the route requires an API key.
    keys: Option<KeyCheck>,
    /// The API-wide and route buckets, in that order.
    buckets: Box<[Bucket]>,
    /// Per plan (by index): its limits on this route.
    plans: Box<[PlanLimits]>,
    state: State,
    policy: FailurePolicy,
    counters: Counters,
}

#[derive(Debug)]
struct KeyCheck {
    /// Where the key is read: this header, or (`None`) the custom authorizer's
    /// `usageIdentifierKey` (`api_key_source: authorizer`).
    header: Option<HeaderName>,
    /// The stage this gateway serves: a key's plan may be tied to one.
    stage: Box<str>,
    /// The API's name: the usage counters' prefix.
    api: Box<str>,
}

/// Counters this step declares.
#[derive(Debug, Clone, Copy)]
struct Counters {
    throttled: CounterId,
    quota_exceeded: CounterId,
    key_refused: CounterId,
    state_unavailable: CounterId,
}

/// One token bucket: its state key (without the client part) and rate.
#[derive(Debug)]
struct Bucket {
    key: Box<str>,
    rate: Rate,
    per: Per,
}

/// Whom a bucket counts, prepared at start-up: the trusted proxies parsed, the header name
/// checked.
#[derive(Debug)]
enum Per {
    Api,
    /// Per client address; through these proxies (the WAF's `trusted_proxies`, the one
    /// place the gateway learns which `X-Forwarded-For` to believe) when not empty.
    Ip(Arc<[IpNet]>),
    ApiKey,
    Principal,
    Header(HeaderName),
}

/// A plan's limits as they apply to one route.
#[derive(Debug)]
struct PlanLimits {
    /// Shared with each admitted request's [`ApiKeyUse`] (a reference count, no copy).
    name: Arc<str>,
    /// The plan's bucket (per key, across routes).
    throttle: Option<Bucket>,
    /// The plan's bucket for this route (per key).
    route_throttle: Option<Bucket>,
    quota: Option<(ir::Quota, Box<str>)>,
}

/// Marks that this gateway's spec keys were handed to the store (`BuildContext` keeps it).
pub(crate) type SharedKeys = Arc<()>;

/// Resolves the spec's keys and makes them the store's spec layer, once per gateway build.
pub(crate) fn seed_keys(ir: &ir::Gateway, state: &State) -> Result<SharedKeys, BuildError> {
    let records = keys::spec_records(&ir.plans)?;
    tracing::debug!(keys = records.len(), "API keys loaded");
    state.keys().seed_spec(records);
    Ok(Arc::new(()))
}

impl Admission {
    /// The step `route` needs, or `None` when no key, throttle or quota applies to it.
    pub(crate) fn compile(
        cx: &mut BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<Admission>, BuildError> {
        let ir = cx.ir;
        let api = &ir.name;
        let index = ir
            .routes
            .iter()
            .position(|r| std::ptr::eq(r, route))
            .unwrap_or(usize::MAX);
        // The client address as the WAF resolves it: every rule set shares the root `waf`'s
        // inspection settings.
        let mut trusted = Vec::new();
        if let Some(set) = ir.waf_rule_sets.first() {
            for t in &set.inspection.trusted_proxies {
                trusted.push(crate::step::waf::parse_net(t).ok_or_else(|| {
                    BuildError::Unsupported(format!(
                        "`{t}` in `waf.trusted_proxies` (it must be a CIDR or an address)"
                    ))
                })?);
            }
        }
        let trusted: Arc<[IpNet]> = trusted.into();
        let bucket = |key: String, t: &ir::Throttle| -> Result<Bucket, BuildError> {
            Ok(Bucket {
                rate: Rate::per_second(t.rate, t.burst.max(1)).ok_or_else(|| {
                    BuildError::Unsupported(format!(
                        "throttle rate {} (it must be positive and at most 1,000,000 a second)",
                        t.rate
                    ))
                })?,
                per: match &t.per {
                    ThrottleScope::Api => Per::Api,
                    ThrottleScope::Ip => Per::Ip(trusted.clone()),
                    ThrottleScope::ApiKey => Per::ApiKey,
                    ThrottleScope::Principal => Per::Principal,
                    ThrottleScope::Header(name) => {
                        Per::Header(HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                            BuildError::BadHeader {
                                name: name.to_string(),
                                reason: e.to_string(),
                            }
                        })?)
                    }
                },
                key: key.into(),
            })
        };
        let mut buckets = Vec::new();
        if let Some(t) = &ir.throttle {
            buckets.push(bucket(format!("{api}:thr:api"), t)?);
        }
        let route_throttle = route.policies.throttle.as_ref().or_else(|| {
            ir.stage_throttles
                .iter()
                .find(|s| s.stage == cx.stage)
                .map(|s| &s.throttle)
        });
        if let Some(t) = route_throttle {
            buckets.push(bucket(format!("{api}:thr:{}:r:{}", cx.stage, route.id), t)?);
        }
        let key_check = if route.policies.api_key_required {
            if cx.api_keys.is_none() {
                cx.api_keys = Some(seed_keys(ir, cx.state)?);
            }
            let header = match ir.api_key_source {
                ApiKeySource::Authorizer => None,
                ApiKeySource::Header => {
                    let name = ir.api_key_header.as_deref().unwrap_or("x-api-key");
                    Some(HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                        BuildError::BadHeader {
                            name: name.to_owned(),
                            reason: e.to_string(),
                        }
                    })?)
                }
            };
            Some(KeyCheck {
                header,
                stage: cx.stage.into(),
                api: api.as_ref().into(),
            })
        } else {
            None
        };
        let mut plans = Vec::new();
        if key_check.is_some() {
            for plan in &ir.plans {
                let name = &plan.name;
                plans.push(PlanLimits {
                    name: Arc::from(&**name),
                    throttle: plan
                        .throttle
                        .as_ref()
                        .map(|t| bucket(format!("{api}:thr:p:{name}"), t))
                        .transpose()?,
                    route_throttle: plan
                        .route_throttles
                        .iter()
                        .find(|t| t.route.index() == index)
                        .map(|t| bucket(format!("{api}:thr:p:{name}:r:{}", route.id), &t.throttle))
                        .transpose()?,
                    quota: plan
                        .quota
                        .map(|q| (q, format!("{api}:quota:{name}").into())),
                });
            }
        }
        if key_check.is_none() && buckets.is_empty() {
            return Ok(None);
        }
        let t = &mut cx.telemetry;
        let counters = Counters {
            throttled: t.declare_counter(
                "gwc_throttled_total",
                "Requests refused by a throttle (429 Too Many Requests).",
            ),
            quota_exceeded: t.declare_counter(
                "gwc_quota_exceeded_total",
                "Requests refused because the API key's quota is spent (429 Limit Exceeded).",
            ),
            key_refused: t.declare_counter(
                "gwc_api_key_refused_total",
                "Requests refused for a missing, unknown or disabled API key (403).",
            ),
            state_unavailable: t.declare_counter(
                "gwc_plan_state_unavailable_total",
                "Requests refused because the shared state could not be reached (503).",
            ),
        };
        Ok(Some(Admission {
            keys: key_check,
            buckets: buckets.into(),
            plans: plans.into(),
            state: cx.state.clone(),
            policy: match ir.state.on_failure {
                FailMode::Open => FailurePolicy::Open,
                FailMode::Closed => FailurePolicy::Closed,
            },
            counters,
        }))
    }

    /// Counts a refusal of this step in the route's series.
    pub(crate) fn count(&self, telemetry: &WorkerTelemetry, route: Option<usize>, kind: ErrorType) {
        let counter = match kind {
            ErrorType::Throttled => self.counters.throttled,
            ErrorType::QuotaExceeded => self.counters.quota_exceeded,
            ErrorType::InvalidApiKey => self.counters.key_refused,
            ErrorType::StateUnavailable => self.counters.state_unavailable,
            _ => return,
        };
        telemetry.incr(route, counter);
    }

    /// Appends the key of one bucket for this request to `text` and returns where it is:
    /// the bucket's own key, plus `:` and the client part (`-` when the request has none:
    /// such requests share one bucket). An API-wide bucket is its own key and appends
    /// nothing.
    fn bucket_key<'b>(
        bucket: &'b Bucket,
        ctx: &RequestContext,
        headers: &HeaderMap,
        text: &mut String,
    ) -> Span<'b> {
        let client: &str = match &bucket.per {
            Per::Api => return Span::Fixed(&bucket.key),
            Per::Ip(trusted) if trusted.is_empty() => ctx.client.ip.to_str().unwrap_or("-"),
            Per::Ip(trusted) => {
                let peer = ctx.client.ip.to_str().ok().and_then(|p| p.parse().ok());
                let start = text.len();
                text.push_str(&bucket.key);
                text.push(':');
                match peer {
                    Some(peer) => {
                        let ip = crate::step::waf::client_ip(peer, headers, trusted);
                        // Writing to a `String` cannot fail.
                        let _ = write!(text, "{ip}");
                    }
                    None => text.push('-'),
                }
                return Span::Text(start, text.len());
            }
            Per::ApiKey => ctx.api_key.as_ref().map_or("-", |k| &k.key_id),
            Per::Principal => ctx
                .identity
                .as_ref()
                .and_then(|i| i.principal.as_deref())
                .unwrap_or("-"),
            // A client sending `-` joins the header-less bucket, as it could by omitting the
            // header; a value that is not UTF-8 does too.
            Per::Header(name) => headers
                .get(name)
                .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
                .unwrap_or("-"),
        };
        let start = text.len();
        text.push_str(&bucket.key);
        text.push(':');
        text.push_str(client);
        Span::Text(start, text.len())
    }
}

/// Most buckets one request takes: the API-wide and the route bucket, the plan's and the
/// plan's bucket for the route.
const MAX_TAKES: usize = 4;

/// Where one state key of a request is: a bucket's own key (built at start-up), or a range
/// of the worker's scratch text.
#[derive(Debug, Clone, Copy)]
enum Span<'a> {
    Fixed(&'a str),
    Text(usize, usize),
}

/// What the state must be asked for one request. The keys are ranges of the worker's scratch
/// text, so building them allocates nothing once the scratch has grown to fit.
struct Ops<'a> {
    /// Per bucket taken (in order): where its key is, and its rate.
    takes: [Option<(Span<'a>, Rate)>; MAX_TAKES],
    quota: Option<QuotaOp>,
    /// The key's usage counter of today.
    usage: Option<(usize, usize)>,
}

struct QuotaOp {
    key: (usize, usize),
    limit: u64,
    ttl: Duration,
    /// Seconds until the period ends.
    retry_after: u64,
}

/// A worker's part of the step: the key snapshot it last saw, the digests of the keys it has
/// accepted, and its scratch text for the state keys of one request (cleared per request,
/// its capacity kept).
#[derive(Debug)]
pub(crate) struct LocalKeys {
    keys: RefCell<(u64, Arc<KeySnapshot>)>,
    digests: RefCell<store::DigestMemo>,
    scratch: RefCell<String>,
}

impl RequestStep for Admission {
    type Local = LocalKeys;
    type Resumed = StepResult;

    fn local(&self) -> LocalKeys {
        let keys = self.state.keys();
        LocalKeys {
            keys: RefCell::new((keys.generation(), keys.snapshot())),
            digests: RefCell::new(store::DigestMemo::default()),
            scratch: RefCell::new(String::with_capacity(256)),
        }
    }

    fn check(
        &self,
        local: &LocalKeys,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<StepResult> {
        let mut plan = None;
        let mut text = local.scratch.borrow_mut();
        text.clear();
        let mut usage = None;
        if let Some(keys) = &self.keys {
            let presented = match &keys.header {
                Some(header) => req.headers().get(header).map(HeaderValue::as_bytes),
                // The authorizer ran before this step; its answer (fresh or cached) carries
                // the key.
                None => ctx
                    .identity
                    .as_ref()
                    .and_then(|i| i.usage_identifier_key.as_deref())
                    .map(str::as_bytes),
            };
            let Some(presented) = presented else {
                return refuse("no API key");
            };
            let hint = ApiKeyUse::mask(presented);
            let store = self.state.keys();
            let generation = store.generation();
            let mut cached = local.keys.borrow_mut();
            if cached.0 != generation {
                *cached = (generation, store.snapshot());
            }
            let mut digests = local.digests.borrow_mut();
            let mac = digests.mac(presented);
            let (digest, known) = match digests.get(mac) {
                Some(d) => (*d, true),
                None => (store::hash(presented), false),
            };
            let found = cached.1.lookup_digest(&digest);
            if found.is_some() && !known {
                digests.remember(mac, digest);
            }
            drop(digests);
            let (entry, id) = match found {
                Some((entry, id, requests)) if entry.enabled => {
                    requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    (entry, id)
                }
                Some(_) => return refuse("disabled API key"),
                None => return refuse("unknown API key"),
            };
            let Some(limits) = entry
                .plan_on(&keys.stage, |p| self.plans.iter().any(|l| &*l.name == p))
                .and_then(|p| self.plans.iter().find(|l| &*l.name == p))
            else {
                return refuse("API key in no usage plan of this stage");
            };
            usage = Some(store::write_usage_key(
                &mut text,
                &keys.api,
                id,
                store::today(),
            ));
            ctx.api_key = Some(ApiKeyUse {
                key_id: Arc::clone(id),
                plan: Arc::clone(&limits.name),
                hint,
            });
            drop(cached);
            plan = Some(limits);
        }
        let mut ops = Ops {
            takes: [None; MAX_TAKES],
            quota: None,
            usage,
        };
        let mut n = 0;
        let own = plan
            .into_iter()
            .flat_map(|l| l.throttle.iter().chain(&l.route_throttle));
        for b in self.buckets.iter().chain(own) {
            let span = Admission::bucket_key(b, ctx, req.headers(), &mut text);
            if let Some(slot) = ops.takes.get_mut(n) {
                *slot = Some((span, b.rate));
                n += 1;
            }
        }
        if let Some(limits) = plan
            && let (Some((quota, prefix)), Some(key)) = (&limits.quota, &ctx.api_key)
        {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            let (start, end) = period::window(quota, now);
            let left = u64::try_from(end - now).unwrap_or(1).max(1);
            let from = text.len();
            // Writing to a `String` cannot fail.
            let _ = write!(text, "{prefix}:{}:{start}", key.key_id);
            ops.quota = Some(QuotaOp {
                key: (from, text.len()),
                limit: quota.limit,
                // A day past the period's end: the key names its period, so a late
                // expiry never mixes two periods.
                ttl: Duration::from_secs(left + 86_400),
                retry_after: left,
            });
        }
        if n == 0 && ops.quota.is_none() && ops.usage.is_none() {
            return Check::Done(Ok(Verdict::Continue));
        }
        admit(&self.state, self.policy, &ops, &text)
    }

    fn resume(
        &self,
        _local: &LocalKeys,
        _ctx: &mut RequestContext,
        _req: &mut Request<RequestBody>,
        resumed: StepResult,
    ) -> StepResult {
        resumed
    }
}

fn refuse(detail: &'static str) -> Check<StepResult> {
    Check::Done(Err(GatewayError::new(ErrorType::InvalidApiKey, detail)))
}

/// Takes a token from each bucket and counts the request against the quota, in one state
/// operation (one round trip with Redis), all or nothing. In memory the answer is there at
/// once; Redis copies the keys into its operation before this returns, so only the answer
/// is awaited (the step's one boxed slow path).
fn admit<'a>(
    state: &State,
    policy: FailurePolicy,
    ops: &Ops<'a>,
    text: &'a str,
) -> Check<StepResult> {
    let key = |span: Span<'a>| match span {
        Span::Fixed(fixed) => fixed,
        Span::Text(from, to) => &text[from..to],
    };
    let quota = ops.quota.as_ref().map(|q| QuotaCount {
        key: &text[q.key.0..q.key.1],
        limit: q.limit,
        ttl: q.ttl,
    });
    let usage = ops
        .usage
        .map(|(from, to)| (&text[from..to], store::USAGE_TTL));
    let retry_after = ops.quota.as_ref().map_or(1, |q| q.retry_after);
    let pending = match ops.takes {
        [None, ..] => state.admit_counted(&[], quota, usage),
        [Some(first), ..] => {
            let buckets: [(&str, Rate); MAX_TAKES] = std::array::from_fn(|i| {
                ops.takes[i].map_or(("", first.1), |(span, rate)| (key(span), rate))
            });
            let n = ops.takes.iter().take_while(|t| t.is_some()).count();
            state.admit_counted(&buckets[..n], quota, usage)
        }
    };
    match pending.ready() {
        Ok(result) => Check::Done(decide(policy, result, retry_after)),
        Err(remote) => Check::Pending(Box::pin(async move {
            decide(policy, remote.await, retry_after)
        })),
    }
}

/// The step's answer to the state's verdict, under the failure policy.
fn decide(
    policy: FailurePolicy,
    result: Result<StateVerdict, crate::state::StateError>,
    retry_after: u64,
) -> StepResult {
    match policy.apply(result) {
        Decision::Value(StateVerdict::Admit) | Decision::Open => Ok(Verdict::Continue),
        Decision::Value(StateVerdict::Throttled(_, wait)) => {
            Err(GatewayError::new(ErrorType::Throttled, "throttled")
                .with_header(RETRY_AFTER.clone(), seconds(wait.as_secs_f64().ceil())))
        }
        Decision::Value(StateVerdict::QuotaSpent) => {
            Err(GatewayError::new(ErrorType::QuotaExceeded, "quota spent")
                .with_header(RETRY_AFTER.clone(), seconds(retry_after as f64)))
        }
        Decision::Closed => Err(unavailable()),
    }
}

fn unavailable() -> Box<GatewayError> {
    GatewayError::new(
        ErrorType::StateUnavailable,
        "shared state unreachable; usage-plan checks fail closed",
    )
}

/// A `Retry-After` value: whole seconds, at least 1.
fn seconds(secs: f64) -> HeaderValue {
    let secs = if secs.is_finite() {
        secs.clamp(1.0, 1e9) as u64
    } else {
        1_000_000_000
    };
    HeaderValue::from(secs)
}
