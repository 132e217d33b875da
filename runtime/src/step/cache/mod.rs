//! The response cache: a lookup just before the integration (`step::cache::Cache` as a
//! request step) and a store in the response phase (the same step as a response step).
//!
//! **The key** is the API, the stage, the route, and the values of the parameters the spec
//! names (`path.NAME`, `query.NAME`, `header.NAME`), hashed (SHA-256) into a fixed-size state
//! key. A value the key does not name never changes what is served from the cache: the entry
//! holds one response per key, whatever else the request carried (no poisoning through
//! unkeyed headers). On a route with an authorizer the principal is part of the key, unless
//! the operation says `shared: true` (AWS shares by default; this is the safer default).
//!
//! **What is stored**: a `200` response whose backend did not say `Cache-Control: no-store`
//! or `private` and did not set a cookie, at most `max_entry` bytes of body, for the route's
//! TTL. The body streams to the client as before and is copied on the way
//! ([`crate::body::Body::tee`]); the entry is written when it ended cleanly.
//!
//! **`Cache-Control: max-age=0`** from a client skips the lookup and refreshes the entry when
//! `client_invalidation` allows that client (`anyone`; `authorized`: an authorizer admitted
//! it; `nobody`); for the others, `unauthorized_invalidation` decides as AWS's
//! `unauthorizedCacheControlHeaderStrategy` does: 403, or served as usual with or without a
//! `Warning` header.
//!
//! Entries live in the process's [`State`]: in memory (bounded in bytes by the root cache's
//! `capacity`) the lookup is a plain call; in Redis, shared by every replica (a response
//! cached by one is a hit on another), the lookup is the step's slow path. A state failure is
//! a miss. Every response of a cached route says `X-Cache: Hit` or `X-Cache: Miss`.
//!
//! **Coalescing.** The first miss on a key in this process becomes its *leader* and goes to
//! the backend; later misses on the same key wait (at most the route's timeout) until the
//! leader's entry is stored, then read it: a burst of misses makes one backend call. When the
//! leader's response is not cacheable (or its body fails or is too large), the waiters are
//! released and each goes to the backend. Replicas coalesce each on their own (with Redis, a
//! burst spread over N replicas makes at most N calls).

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::hash::RandomState;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::watch;

use bytes::{BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};

use super::{BuildContext, Check, RequestStep, ResponseStep, StepResult, Verdict};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::ir::{self, CacheKeyPart, ClientInvalidation, ErrorType, UnauthorizedInvalidation};
use crate::pipeline::RequestContext;
use crate::state::{Pending, State, StateError};
use crate::telemetry::{CounterId, WorkerTelemetry};

static X_CACHE: HeaderName = HeaderName::from_static("x-cache");
static HIT: HeaderValue = HeaderValue::from_static("Hit");
static MISS: HeaderValue = HeaderValue::from_static("Miss");
static IGNORED: HeaderValue = HeaderValue::from_static("199 - \"Cache-Control ignored\"");

/// The compiled cache of one route.
#[derive(Debug)]
pub(crate) struct Cache {
    prefix: Box<str>,
    parts: Box<[Part]>,
    per_principal: bool,
    ttl: Duration,
    max_entry: usize,
    invalidation: ClientInvalidation,
    unauthorized: UnauthorizedInvalidation,
    state: State,
    hits: CounterId,
    misses: CounterId,
    /// Keys a leader is fetching now (see the module docs).
    flights: Flights,
    /// How long a waiter waits for its leader: the route's integration timeout.
    wait: Duration,
}

/// Keys in flight, each with the channel its leader closes when done.
type Flights = Arc<Mutex<HashMap<Box<str>, watch::Sender<()>, RandomState>>>;

/// A leader's claim on a key: dropping it (after the entry is stored, or when the response
/// turns out not to be stored) releases the waiters.
#[derive(Debug)]
pub(crate) struct Flight {
    flights: Flights,
    key: Box<str>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        // Removing the sender closes the channel: every waiter's `changed()` returns.
        self.flights.lock().remove(&self.key);
    }
}

/// The answer of a lookup, and the flight when this request leads.
type Lookup = (Result<Option<Bytes>, StateError>, Option<Flight>);

/// One value of the key.
#[derive(Debug)]
enum Part {
    /// The path parameter at this index of the template.
    Path(usize),
    /// A query parameter (its first occurrence, as sent).
    Query(Box<str>),
    /// A header (every value, in order).
    Header(HeaderName),
}

/// What the lookup left for the store and the log.
#[derive(Debug)]
pub(crate) struct Note {
    key: Box<str>,
    /// Served from the cache.
    pub(crate) hit: bool,
    /// The client's `Cache-Control: max-age=0` was ignored: say so (`Warning`).
    warn: bool,
    /// This request leads the fetch of its key; the store takes it.
    flight: Mutex<Option<Flight>>,
}

impl Cache {
    /// The cache of `route`, or `None` when the route is not cached (or its TTL is 0).
    pub(crate) fn compile(
        cx: &mut BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<Cache>, BuildError> {
        let (Some(settings), Some(policy)) = (&cx.ir.cache, &route.policies.cache) else {
            return Ok(None);
        };
        if policy.ttl.0 == 0 {
            return Ok(None);
        }
        let params: Vec<&str> = route
            .path
            .segments
            .iter()
            .filter_map(|s| match s {
                ir::Segment::Param(p) => Some(p.name.as_ref()),
                ir::Segment::Greedy(name) => Some(name.as_ref()),
                ir::Segment::Literal(_) => None,
            })
            .collect();
        let mut parts = Vec::with_capacity(policy.key.len());
        for part in &policy.key {
            parts.push(match part {
                CacheKeyPart::Path(name) => {
                    Part::Path(params.iter().position(|p| p == name).ok_or_else(|| {
                        BuildError::Unsupported(format!(
                            "cache key `path.{name}` of route `{}`, which has no such parameter",
                            route.id
                        ))
                    })?)
                }
                CacheKeyPart::Query(name) => Part::Query(name.as_ref().into()),
                CacheKeyPart::Header(name) => {
                    Part::Header(HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                        BuildError::BadHeader {
                            name: name.to_string(),
                            reason: e.to_string(),
                        }
                    })?)
                }
            });
        }
        Ok(Some(Cache {
            prefix: format!("{}:c:{}:{}", cx.ir.name, cx.stage, route.id).into(),
            parts: parts.into(),
            per_principal: route.policies.auth.is_some() && !policy.shared,
            ttl: policy.ttl.as_duration(),
            max_entry: usize::try_from(settings.max_entry.0).unwrap_or(usize::MAX),
            invalidation: settings.client_invalidation,
            unauthorized: settings.unauthorized_invalidation,
            state: cx.state.clone(),
            hits: cx.telemetry.declare_counter(
                "gwc_cache_hits_total",
                "Responses served from the response cache.",
            ),
            misses: cx.telemetry.declare_counter(
                "gwc_cache_misses_total",
                "Requests to a cached route that the cache could not answer.",
            ),
            flights: Flights::default(),
            wait: route.timeout.as_duration(),
        }))
    }

    /// Counts the lookup's outcome in the route's series.
    pub(crate) fn count(&self, telemetry: &WorkerTelemetry, ctx: &RequestContext) {
        if let Some(note) = &ctx.cache {
            let counter = if note.hit { self.hits } else { self.misses };
            telemetry.incr(ctx.route.map(|r| r as usize), counter);
        }
    }

    /// The state key of this request's entry.
    fn key(&self, ctx: &RequestContext, req: &Request<RequestBody>) -> Box<str> {
        let mut ctx_digest = ring::digest::Context::new(&ring::digest::SHA256);
        let mut field = |bytes: &[u8]| {
            ctx_digest.update(&(bytes.len() as u64).to_le_bytes());
            ctx_digest.update(bytes);
        };
        for part in self.parts.iter() {
            match part {
                Part::Path(i) => field(
                    ctx.params
                        .decoded(req.uri().path(), *i)
                        .unwrap_or_default()
                        .as_bytes(),
                ),
                Part::Query(name) => field(query_value(req.uri().query(), name).unwrap_or(b"")),
                Part::Header(name) => {
                    let values = req.headers().get_all(name);
                    field(&[u8::from(values.iter().next().is_some())]);
                    for v in values {
                        field(v.as_bytes());
                    }
                }
            }
        }
        if self.per_principal {
            let principal = ctx.identity.as_ref().and_then(|i| i.principal.as_deref());
            field(principal.unwrap_or("").as_bytes());
        }
        let digest = ctx_digest.finish();
        let mut key = String::with_capacity(self.prefix.len() + 65);
        key.push_str(&self.prefix);
        key.push(':');
        for b in digest.as_ref() {
            key.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            key.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        key.into()
    }

    fn may_bypass(&self, ctx: &RequestContext) -> bool {
        match self.invalidation {
            ClientInvalidation::Anyone => true,
            ClientInvalidation::Authorized => ctx.identity.is_some(),
            ClientInvalidation::Nobody => false,
        }
    }

    /// After a miss: lead the fetch of `key` (the flight), or, when another request of this
    /// process leads it, the future that waits for its entry.
    fn join(
        &self,
        key: &str,
    ) -> Result<Flight, std::pin::Pin<Box<dyn std::future::Future<Output = Lookup>>>> {
        join(&self.flights, &self.state, self.wait, key)
    }

    /// The answer of a lookup.
    fn answer(&self, ctx: &mut RequestContext, (found, flight): Lookup) -> StepResult {
        let note = ctx.cache.as_deref_mut();
        if let Some(note) = &note {
            *note.flight.lock() = flight;
        }
        match (found.ok().flatten().and_then(|e| decode(&e)), note) {
            (Some(mut resp), Some(note)) => {
                note.hit = true;
                resp.headers_mut().insert(X_CACHE.clone(), HIT.clone());
                if note.warn {
                    resp.headers_mut().insert(header::WARNING, IGNORED.clone());
                }
                Ok(Verdict::Respond(resp))
            }
            _ => Ok(Verdict::Continue),
        }
    }
}

impl RequestStep for Cache {
    type Local = ();
    type Resumed = Lookup;

    fn local(&self) {}

    fn check(
        &self,
        _local: &(),
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<Self::Resumed> {
        let key = self.key(ctx, req);
        let bypass = req
            .headers()
            .get_all(header::CACHE_CONTROL)
            .iter()
            .any(|v| asks_max_age_0(v.as_bytes()));
        let mut warn = false;
        if bypass {
            if self.may_bypass(ctx) {
                ctx.cache = Some(Box::new(Note {
                    key,
                    hit: false,
                    warn: false,
                    flight: Mutex::new(None),
                }));
                return Check::Done(Ok(Verdict::Continue));
            }
            match self.unauthorized {
                UnauthorizedInvalidation::FailWith403 => {
                    return Check::Done(Err(GatewayError::new(
                        ErrorType::AccessDenied,
                        "Cache-Control: max-age=0 from a client not allowed to invalidate",
                    )));
                }
                UnauthorizedInvalidation::SucceedWithResponseHeader => warn = true,
                UnauthorizedInvalidation::SucceedWithoutResponseHeader => {}
            }
        }
        let found = self.state.get(&key);
        let pending = match found {
            Pending::Ready(Ok(Some(entry))) => {
                ctx.cache = Some(Box::new(Note {
                    key,
                    hit: false,
                    warn,
                    flight: Mutex::new(None),
                }));
                return Check::Done(self.answer(ctx, (Ok(Some(entry)), None)));
            }
            // A miss in memory: lead, or wait for the leader.
            Pending::Ready(missed) => match self.join(&key) {
                Ok(flight) => {
                    ctx.cache = Some(Box::new(Note {
                        key,
                        hit: false,
                        warn,
                        flight: Mutex::new(None),
                    }));
                    return Check::Done(self.answer(ctx, (missed, Some(flight))));
                }
                Err(wait) => wait,
            },
            // Redis: the lookup, then (on a miss) the same choice on the state's answer.
            Pending::Remote(remote) => {
                let flights = Arc::clone(&self.flights);
                let this = Joiner {
                    flights,
                    state: self.state.clone(),
                    wait: self.wait,
                };
                let key = key.clone();
                Box::pin(async move {
                    match remote.await {
                        Ok(Some(entry)) => (Ok(Some(entry)), None),
                        missed => match this.join(&key) {
                            Ok(flight) => (missed, Some(flight)),
                            Err(wait) => wait.await,
                        },
                    }
                })
            }
        };
        ctx.cache = Some(Box::new(Note {
            key,
            hit: false,
            warn,
            flight: Mutex::new(None),
        }));
        Check::Pending(pending)
    }

    fn resume(
        &self,
        _local: &(),
        ctx: &mut RequestContext,
        _req: &mut Request<RequestBody>,
        resumed: Self::Resumed,
    ) -> StepResult {
        self.answer(ctx, resumed)
    }
}

impl ResponseStep for Cache {
    type Local = ();

    fn local(&self) {}

    fn on_response(
        &self,
        _local: &(),
        ctx: &RequestContext,
        resp: &mut Response<Body>,
    ) -> Result<(), Box<GatewayError>> {
        let Some(note) = &ctx.cache else {
            return Ok(());
        };
        if note.hit {
            return Ok(());
        }
        resp.headers_mut().insert(X_CACHE.clone(), MISS.clone());
        if note.warn {
            resp.headers_mut().insert(header::WARNING, IGNORED.clone());
        }
        if !cacheable(resp) {
            return Ok(());
        }
        let head = encode_head(resp.status(), resp.headers());
        let state = self.state.clone();
        let key = note.key.clone();
        let ttl = self.ttl;
        // Waiters are released when the entry is written, or when the closure is dropped
        // without running (a body that failed or outgrew `max_entry`).
        let flight = note.flight.lock().take();
        let body = std::mem::replace(resp.body_mut(), Body::empty());
        *resp.body_mut() = body.tee(
            self.max_entry,
            Box::new(move |bytes: Bytes| {
                let mut entry = head;
                entry.extend_from_slice(&bytes);
                // In Redis the write finishes on the state thread; its failure is counted
                // and logged there, and only means a later miss. The waiters are released
                // once it is done.
                match state.put(&key, entry.freeze(), ttl) {
                    Pending::Ready(_) => drop(flight),
                    Pending::Remote(write) => match tokio::runtime::Handle::try_current() {
                        Ok(rt) => drop(rt.spawn(async move {
                            let _ = write.await;
                            drop(flight);
                        })),
                        Err(_) => drop(flight),
                    },
                }
            }),
        );
        Ok(())
    }
}

/// What the Redis lookup's future needs to lead or wait (a `Cache` is not `'static`).
struct Joiner {
    flights: Flights,
    state: State,
    wait: Duration,
}

impl Joiner {
    fn join(
        &self,
        key: &str,
    ) -> Result<Flight, std::pin::Pin<Box<dyn std::future::Future<Output = Lookup>>>> {
        join(&self.flights, &self.state, self.wait, key)
    }
}

/// See [`Cache::join`].
fn join(
    flights: &Flights,
    state: &State,
    wait: Duration,
    key: &str,
) -> Result<Flight, std::pin::Pin<Box<dyn std::future::Future<Output = Lookup>>>> {
    let mut map = flights.lock();
    if let Some(tx) = map.get(key) {
        let mut rx = tx.subscribe();
        drop(map);
        let state = state.clone();
        let key: Box<str> = key.into();
        return Err(Box::pin(async move {
            let _ = tokio::time::timeout(wait, rx.changed()).await;
            (state.get(&key).await, None)
        }));
    }
    let (tx, _) = watch::channel(());
    map.insert(key.into(), tx);
    Ok(Flight {
        flights: Arc::clone(flights),
        key: key.into(),
    })
}

/// A response the cache may keep: 200, no cookie, not `no-store` or `private`.
fn cacheable(resp: &Response<Body>) -> bool {
    resp.status() == StatusCode::OK
        && !resp.headers().contains_key(header::SET_COOKIE)
        && !resp
            .headers()
            .get_all(header::CACHE_CONTROL)
            .iter()
            .any(|v| {
                let v = v.as_bytes();
                contains_token(v, b"no-store") || contains_token(v, b"private")
            })
}

/// True when a `Cache-Control` value has `max-age=0`.
fn asks_max_age_0(value: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|d| d.trim_ascii().eq_ignore_ascii_case(b"max-age=0"))
}

fn contains_token(value: &[u8], token: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|d| {
        let d = d.trim_ascii();
        let name = d.split(|&b| b == b'=').next().unwrap_or(d);
        name.trim_ascii().eq_ignore_ascii_case(token)
    })
}

/// The first value of query parameter `name`, as sent.
fn query_value<'q>(query: Option<&'q str>, name: &str) -> Option<&'q [u8]> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v.as_bytes())
    })
}

/// Headers not kept with an entry: per connection, per response, or the gateway's own.
fn kept(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "content-length"
            | "date"
            | "x-cache"
            | "x-request-id"
            | "x-amzn-requestid"
            | "warning"
    )
}

/// An entry: status (u16), header count (u16), each header as name and value lengths (u16,
/// u32) and bytes, then the body.
fn encode_head(status: StatusCode, headers: &HeaderMap) -> BytesMut {
    let kept_headers: Vec<_> = headers.iter().filter(|(n, _)| kept(n)).collect();
    let mut out = BytesMut::with_capacity(64);
    out.put_u16(status.as_u16());
    out.put_u16(u16::try_from(kept_headers.len()).unwrap_or(0));
    if kept_headers.len() > usize::from(u16::MAX) {
        return out;
    }
    for (name, value) in kept_headers {
        out.put_u16(u16::try_from(name.as_str().len()).unwrap_or(0));
        out.put_slice(name.as_str().as_bytes());
        out.put_u32(u32::try_from(value.len()).unwrap_or(0));
        out.put_slice(value.as_bytes());
    }
    out
}

/// The response an entry holds; `None` for bytes that are not an entry (a corrupt or foreign
/// value is a miss, never a panic).
fn decode(entry: &Bytes) -> Option<Response<Body>> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = entry.get(at..at.checked_add(n)?)?;
        at += n;
        Some(s)
    };
    let status = u16::from_be_bytes(take(2)?.try_into().ok()?);
    let count = u16::from_be_bytes(take(2)?.try_into().ok()?);
    let mut headers = HeaderMap::with_capacity(usize::from(count));
    for _ in 0..count {
        let n = usize::from(u16::from_be_bytes(take(2)?.try_into().ok()?));
        let name = HeaderName::from_bytes(take(n)?).ok()?;
        let n = u32::from_be_bytes(take(4)?.try_into().ok()?) as usize;
        let value = HeaderValue::from_bytes(take(n)?).ok()?;
        headers.append(name, value);
    }
    let mut resp = Response::new(Body::full(entry.slice(at..)));
    *resp.status_mut() = StatusCode::from_u16(status).ok()?;
    *resp.headers_mut() = headers;
    Some(resp)
}
