//! The web application firewall: a rule set compiled once per gateway (regexes, CIDR tables,
//! country lists, managed groups expanded) and evaluated per request in order, the first
//! `allow` or `block` deciding, `count` rules only counting (AWS WAF's web ACL semantics).
//!
//! - The API-wide set ([`crate::pipeline::ApiSteps`]) runs for every request before routing;
//!   a route's own set runs first among its request steps.
//! - The client address is the connection's, unless the connection comes from a configured
//!   trusted proxy: then `X-Forwarded-For` (or `Forwarded`) is walked from the right, past
//!   trusted hops, so a client cannot choose its address with a header ([`client_ip`]).
//! - Rate-based rules count through the shared state: with the memory backend the whole
//!   evaluation is synchronous; with Redis the counters are taken on the slow path and the
//!   rules evaluated in `resume`. A failing state backend makes the rule not match (fail open).
//! - A block answers `WAF_FILTERED` (403 `{"message":"Forbidden"}`, overridable as a gateway
//!   response) or the rule's own response; the rule that decided, and the rules that counted,
//!   go into the request context for `/metrics` ([`WafOutcome::record`]) and the access log
//!   (`$context.waf.rule`, `$context.wafResponseCode`).
//!
//! SQL injection and XSS detection live in [`detect`]; transformations in [`transform`];
//! the built-in groups in [`managed`].

pub(crate) mod detect;
mod json_strings;
pub(crate) mod managed;
pub(crate) mod transform;

#[cfg(test)]
mod benign_text;
#[cfg(test)]
mod corpus;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode, header};
use ipnet::IpNet;

use super::{BuildContext, Check, RequestStep, StepResult, Verdict};
use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError};
use crate::ir::{self, ErrorType, InspectedPart, Oversize, SqliSensitivity, WafAction};
use crate::pipeline::RequestContext;
use crate::state::{Pending, State, StateError};
use crate::telemetry::{CounterId, WorkerTelemetry};

/// A compiled rule set: one per API (before routing) or per route.
#[derive(Debug)]
pub(crate) struct Rules {
    rules: Vec<Rule>,
    default_block: bool,
    body_limit: usize,
    trusted: Arc<[IpNet]>,
    geo: Option<Arc<maxminddb::Reader<Vec<u8>>>>,
    state: State,
    /// Rate-based conditions, in evaluation order: their counters are taken first.
    rates: Vec<RateRule>,
    needs_body: bool,
    /// The default action's counter.
    default_counter: CounterId,
}

#[derive(Debug)]
struct Rule {
    name: Arc<str>,
    action: Action,
    cond: Cond,
    oversize: Oversize,
    counter: CounterId,
}

#[derive(Debug)]
enum Action {
    Allow,
    Block(Option<Arc<CustomResponse>>),
    Count,
}

#[derive(Debug)]
struct CustomResponse {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

#[derive(Debug)]
struct RateRule {
    prefix: Box<str>,
    limit: u64,
    window: Duration,
    key: RateKey,
}

#[derive(Debug)]
enum RateKey {
    Ip,
    ApiKey,
    Header(HeaderName),
}

/// A compiled statement.
#[derive(Debug)]
enum Cond {
    Ip(IpTable),
    Geo {
        countries: Vec<[u8; 2]>,
        negate: bool,
    },
    /// The index into `Rules::rates` (the count is taken before evaluation).
    Rate(usize),
    Sqli(Parts, SqliSensitivity),
    Xss(Parts),
    Match(Box<FieldMatch>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
}

/// Inspected parts as bits.
#[derive(Debug, Clone, Copy)]
struct Parts(u8);

impl Parts {
    fn of(parts: &[InspectedPart]) -> Parts {
        Parts(parts.iter().fold(0, |acc, p| {
            acc | match p {
                InspectedPart::Path => 1,
                InspectedPart::Query => 2,
                InspectedPart::Headers => 4,
                InspectedPart::Cookies => 8,
                InspectedPart::Body => 16,
            }
        }))
    }
    fn has(self, p: InspectedPart) -> bool {
        self.0 & Parts::of(&[p]).0 != 0
    }
}

/// A sorted table of networks per family, looked up without allocating.
#[derive(Debug, Default)]
pub(crate) struct IpTable {
    nets: Vec<IpNet>,
}

impl IpTable {
    pub(crate) fn new(mut nets: Vec<IpNet>) -> IpTable {
        nets.sort_unstable();
        nets.dedup();
        IpTable { nets }
    }

    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        // Few sets are large; a linear scan of a sorted, deduplicated list is fast for the
        // usual tens of entries and stays correct for overlapping prefixes.
        self.nets.iter().any(|n| n.contains(&ip))
    }
}

#[derive(Debug)]
struct FieldMatch {
    field: Field,
    transforms: Vec<ir::Transform>,
    test: Test,
}

#[derive(Debug)]
enum Field {
    Method,
    Path,
    QueryString,
    QueryArg(Box<str>),
    AllQueryArgs,
    Header(HeaderName),
    AllHeaders,
    Cookies,
    Body,
    JsonBody(Box<str>),
}

#[derive(Debug)]
enum Test {
    Regex(regex::bytes::Regex),
    Size(ir::SizeTest),
}

/// What the WAF decided about a request, kept in its context for metrics and the log.
#[derive(Debug, Default)]
pub(crate) struct WafOutcome {
    /// The rule that decided (`None`: the default action), and its code.
    pub(crate) rule: Option<Arc<str>>,
    /// `WAF_ALLOW`, `WAF_BLOCK`.
    pub(crate) code: &'static str,
    counters: Matched,
}

/// The counters of the rules a request matched: the first few inline (a request usually
/// matches one rule or the default action), more spill to the heap.
#[derive(Debug)]
pub(crate) struct Matched {
    inline: [CounterId; 4],
    len: u8,
    spill: Vec<CounterId>,
}

impl Default for Matched {
    fn default() -> Self {
        Matched {
            inline: [CounterId::UNUSED; 4],
            len: 0,
            spill: Vec::new(),
        }
    }
}

impl Matched {
    fn push(&mut self, c: CounterId) {
        match self.inline.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = c;
                self.len += 1;
            }
            None => self.spill.push(c),
        }
    }

    fn iter(&self) -> impl Iterator<Item = CounterId> + '_ {
        self.inline[..usize::from(self.len)]
            .iter()
            .chain(&self.spill)
            .copied()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        usize::from(self.len) + self.spill.len()
    }
}

impl WafOutcome {
    /// Counts the matched rules in the request's route series.
    pub(crate) fn record(&self, telemetry: &WorkerTelemetry, route: Option<u32>) {
        for c in self.counters.iter() {
            telemetry.incr(route.map(|r| r as usize), c);
        }
    }
}

/// A name for a per-rule counter: counter names are `'static`, so each distinct one is
/// leaked once per process (a reload with the same rules reuses them).
fn static_name(name: String) -> &'static str {
    static NAMES: parking_lot::Mutex<Vec<&'static str>> = parking_lot::Mutex::new(Vec::new());
    let mut names = NAMES.lock();
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.push(leaked);
    leaked
}

fn metric_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn bad(set: &str, rule: &str, why: impl std::fmt::Display) -> BuildError {
    BuildError::Unsupported(format!("WAF rule `{set}/{rule}`: {why}"))
}

/// Parses a CIDR or a bare address.
pub(crate) fn parse_net(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
        .map(|n| n.trunc())
}

/// Reads a file of CIDRs, one per line, `#` comments.
pub(crate) fn read_net_file(path: &str) -> Result<Vec<IpNet>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let mut nets = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        nets.push(
            parse_net(line)
                .ok_or_else(|| format!("`{path}` line {}: `{line}` is not a CIDR", n + 1))?,
        );
    }
    Ok(nets)
}

struct Compiler<'a, 'b> {
    cx: &'a mut BuildContext<'b>,
    set: &'a str,
    rates: Vec<RateRule>,
    needs_body: bool,
    geo_used: bool,
}

impl Rules {
    /// The route's rule set, if it has one.
    pub(crate) fn for_route(
        cx: &mut BuildContext<'_>,
        route: &ir::Route,
    ) -> Result<Option<Rules>, BuildError> {
        match route.policies.waf {
            Some(id) => Rules::compile_id(cx, id).map(Some),
            None => Ok(None),
        }
    }

    /// The API-wide rule set, if the gateway has one.
    pub(crate) fn for_api(cx: &mut BuildContext<'_>) -> Result<Option<Rules>, BuildError> {
        match cx.ir.waf {
            Some(id) => Rules::compile_id(cx, id).map(Some),
            None => Ok(None),
        }
    }

    fn compile_id(cx: &mut BuildContext<'_>, id: ir::WafRuleSetId) -> Result<Rules, BuildError> {
        let ir = cx.ir;
        let set = ir
            .waf_rule_sets
            .get(id.index())
            .ok_or_else(|| BuildError::Unsupported(format!("WAF rule set {}", id.0)))?;
        Rules::compile(cx, set)
    }

    /// Compiles one rule set: regexes, networks, managed groups, counters.
    pub(crate) fn compile(
        cx: &mut BuildContext<'_>,
        set: &ir::WafRuleSet,
    ) -> Result<Rules, BuildError> {
        let state = cx.state.clone();
        let set_name = metric_part(&set.name);
        let mut trusted = Vec::new();
        for t in &set.inspection.trusted_proxies {
            trusted.push(parse_net(t).ok_or_else(|| {
                bad(&set.name, "trusted_proxies", format!("`{t}` is not a CIDR"))
            })?);
        }
        let mut c = Compiler {
            cx,
            set: &set.name,
            rates: Vec::new(),
            needs_body: false,
            geo_used: false,
        };
        let mut rules = Vec::new();
        for rule in &set.rules {
            match &rule.condition {
                ir::WafCondition::Managed(group) => {
                    for inner in managed::expand(group, rule.action)
                        .map_err(|e| bad(&set.name, &rule.name, e))?
                    {
                        rules.push(c.rule(&inner, &format!("{}/{}", rule.name, inner.name))?);
                    }
                }
                _ => rules.push(c.rule(rule, &rule.name)?),
            }
        }
        let Compiler {
            cx,
            rates,
            needs_body,
            geo_used,
            ..
        } = c;
        let geo = match (&set.inspection.geo_database, geo_used) {
            (Some(path), true) => Some(Arc::new(
                maxminddb::Reader::open_readfile(path.as_ref())
                    .map_err(|e| bad(&set.name, "geo_database", e))?,
            )),
            (None, true) => {
                return Err(bad(&set.name, "geo", "a geo rule needs `waf.geo_database`"));
            }
            _ => None,
        };
        let default_counter = cx.telemetry.declare_counter(
            static_name(format!(
                "gwc_waf_{set_name}_default_{}_total",
                if set.default_action == WafAction::Block {
                    "blocked"
                } else {
                    "allowed"
                }
            )),
            "Requests the WAF rule set decided by its default action.",
        );
        Ok(Rules {
            rules,
            default_block: set.default_action == WafAction::Block,
            body_limit: usize::try_from(set.inspection.body_limit.0).unwrap_or(usize::MAX),
            trusted: trusted.into(),
            geo,
            state,
            rates,
            needs_body,
            default_counter,
        })
    }

    /// The client address: the peer's, or through trusted proxies the first untrusted hop.
    fn client(&self, ctx: &RequestContext, req: &Request<RequestBody>) -> Option<IpAddr> {
        let peer: IpAddr = ctx.client.ip.to_str().ok()?.parse().ok()?;
        Some(client_ip(peer, req.headers(), &self.trusted))
    }
}

impl Compiler<'_, '_> {
    fn rule(&mut self, rule: &ir::WafRule, name: &str) -> Result<Rule, BuildError> {
        let cond = self.cond(&rule.condition, name)?;
        let action = match rule.action {
            WafAction::Allow => Action::Allow,
            WafAction::Count => Action::Count,
            WafAction::Block => Action::Block(match &rule.response {
                None => None,
                Some(r) => Some(Arc::new(self.response(r, name)?)),
            }),
        };
        let verb = match rule.action {
            WafAction::Allow => "allowed",
            WafAction::Block => "blocked",
            WafAction::Count => "counted",
        };
        let counter = self.cx.telemetry.declare_counter(
            static_name(format!(
                "gwc_waf_{}_{}_{verb}_total",
                metric_part(self.set),
                metric_part(name)
            )),
            "Requests a WAF rule matched (the name says the set, the rule and its action).",
        );
        Ok(Rule {
            name: name.into(),
            action,
            cond,
            oversize: rule.oversize,
            counter,
        })
    }

    fn response(&self, r: &ir::WafResponse, name: &str) -> Result<CustomResponse, BuildError> {
        let status = StatusCode::from_u16(r.status)
            .map_err(|_| bad(self.set, name, format!("status {} is invalid", r.status)))?;
        let mut headers = Vec::new();
        for h in &r.headers {
            let n = HeaderName::from_bytes(h.name.as_bytes())
                .map_err(|e| bad(self.set, name, format!("header `{}`: {e}", h.name)))?;
            let v = HeaderValue::from_str(&h.value)
                .map_err(|e| bad(self.set, name, format!("header `{}`: {e}", h.name)))?;
            headers.push((n, v));
        }
        Ok(CustomResponse {
            status,
            headers,
            body: Bytes::from(r.body.as_bytes().to_vec()),
        })
    }

    fn cond(&mut self, c: &ir::WafCondition, name: &str) -> Result<Cond, BuildError> {
        use ir::WafCondition as W;
        Ok(match c {
            W::IpSet { cidrs, files, .. } => {
                let mut nets = Vec::new();
                for text in cidrs {
                    nets.push(
                        parse_net(text).ok_or_else(|| {
                            bad(self.set, name, format!("`{text}` is not a CIDR"))
                        })?,
                    );
                }
                for f in files {
                    nets.extend(read_net_file(f).map_err(|e| bad(self.set, name, e))?);
                }
                Cond::Ip(IpTable::new(nets))
            }
            W::Geo { countries, negate } => {
                self.geo_used = true;
                let mut codes = Vec::new();
                for code in countries {
                    let b = code.as_bytes();
                    if b.len() != 2 {
                        return Err(bad(
                            self.set,
                            name,
                            format!("`{code}` is not a country code"),
                        ));
                    }
                    codes.push([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]);
                }
                Cond::Geo {
                    countries: codes,
                    negate: *negate,
                }
            }
            W::RateBased { limit, window, key } => {
                let key = match key.as_ref() {
                    "ip" | "forwarded_ip" => RateKey::Ip,
                    "api_key" => RateKey::ApiKey,
                    other => match other.strip_prefix("header:") {
                        Some(h) => {
                            RateKey::Header(HeaderName::from_bytes(h.as_bytes()).map_err(|e| {
                                bad(self.set, name, format!("rate key header `{h}`: {e}"))
                            })?)
                        }
                        None => {
                            return Err(bad(self.set, name, format!("rate key `{other}`")));
                        }
                    },
                };
                self.rates.push(RateRule {
                    prefix: format!("waf:{}:{}:", self.set, name).into(),
                    limit: *limit,
                    window: window.as_duration().max(Duration::from_secs(1)),
                    key,
                });
                Cond::Rate(self.rates.len() - 1)
            }
            W::Sqli { parts, sensitivity } => {
                self.needs_body |= parts.contains(&InspectedPart::Body);
                Cond::Sqli(Parts::of(parts), *sensitivity)
            }
            W::Xss { parts } => {
                self.needs_body |= parts.contains(&InspectedPart::Body);
                Cond::Xss(Parts::of(parts))
            }
            W::Match(m) => Cond::Match(Box::new(self.field_match(m, name)?)),
            W::And { all } => Cond::And(
                all.iter()
                    .map(|c| self.cond(c, name))
                    .collect::<Result<_, _>>()?,
            ),
            W::Or { any } => Cond::Or(
                any.iter()
                    .map(|c| self.cond(c, name))
                    .collect::<Result<_, _>>()?,
            ),
            W::Not { not } => Cond::Not(Box::new(self.cond(not, name)?)),
            W::Managed(_) => {
                return Err(bad(self.set, name, "a managed group cannot be nested"));
            }
        })
    }

    fn field_match(&mut self, m: &ir::WafMatch, name: &str) -> Result<FieldMatch, BuildError> {
        use ir::WafField as F;
        let field = match &m.field {
            F::Method => Field::Method,
            F::Path => Field::Path,
            F::QueryString => Field::QueryString,
            F::QueryArg(n) => Field::QueryArg(n.as_ref().into()),
            F::AllQueryArgs => Field::AllQueryArgs,
            F::Header(h) => Field::Header(
                HeaderName::from_bytes(h.as_bytes())
                    .map_err(|e| bad(self.set, name, format!("header `{h}`: {e}")))?,
            ),
            F::AllHeaders => Field::AllHeaders,
            F::Cookies => Field::Cookies,
            F::Body => {
                self.needs_body = true;
                Field::Body
            }
            F::JsonBody(p) => {
                self.needs_body = true;
                Field::JsonBody(p.as_ref().into())
            }
        };
        let literal = |prefix: &str, s: &str, suffix: &str| {
            format!("(?s-u){prefix}{}{suffix}", regex::escape(s))
        };
        let pattern = match &m.test {
            ir::MatchTest::Exactly(s) => Some(literal(r"\A", s, r"\z")),
            ir::MatchTest::StartsWith(s) => Some(literal(r"\A", s, "")),
            ir::MatchTest::EndsWith(s) => Some(literal("", s, r"\z")),
            ir::MatchTest::Contains(s) => Some(literal("", s, "")),
            ir::MatchTest::ContainsWord(s) => {
                Some(literal(r"(?:\A|[^A-Za-z0-9_])", s, r"(?:\z|[^A-Za-z0-9_])"))
            }
            ir::MatchTest::Regex(r) => Some(r.to_string()),
            ir::MatchTest::Size(_) => None,
        };
        let test = match (&m.test, pattern) {
            (ir::MatchTest::Size(t), _) => Test::Size(*t),
            (_, Some(p)) => Test::Regex(
                regex::bytes::RegexBuilder::new(&p)
                    .size_limit(1 << 22)
                    .build()
                    .map_err(|e| bad(self.set, name, format!("regex: {e}")))?,
            ),
            (_, None) => unreachable!("every non-size test has a pattern"),
        };
        Ok(FieldMatch {
            field,
            transforms: m.transforms.clone(),
            test,
        })
    }
}

/// The client address behind trusted proxies: the connection's peer unless it is trusted;
/// then the right-most `X-Forwarded-For` (else `Forwarded: for=`) address that is not itself
/// trusted. Malformed entries stop the walk at the last good address.
pub(crate) fn client_ip(peer: IpAddr, headers: &http::HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if trusted.is_empty() || !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    let xff: Vec<&HeaderValue> = headers.get_all("x-forwarded-for").iter().collect();
    let hops: Vec<&str> = if xff.is_empty() {
        headers
            .get_all(header::FORWARDED)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|elem| {
                elem.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.eq_ignore_ascii_case("for").then_some(v)
                })
            })
            .collect()
    } else {
        xff.iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect()
    };
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// One hop: `1.2.3.4`, `1.2.3.4:80`, `[::1]:80`, `"[::1]"`, `::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim().trim_matches('"');
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    hop.rsplit_once(':')?.0.parse().ok()
}

/// The request as the rules read it: parts parsed lazily, once.
/// A transformation chain and the body after it (`None`: unchanged).
type TransformedBody = (Box<[ir::Transform]>, Option<Box<[u8]>>);

struct View<'r> {
    req: &'r Request<RequestBody>,
    client: Option<IpAddr>,
    body: &'r [u8],
    oversize: bool,
    json: std::cell::OnceCell<Option<serde_json::Value>>,
    /// The body after each transformation chain a rule applied to it (`None`: unchanged), so
    /// rules sharing a chain transform the body once per request, not once each.
    body_transformed: std::cell::RefCell<Vec<TransformedBody>>,
}

impl<'r> View<'r> {
    fn new(rules: &Rules, ctx: &RequestContext, req: &'r Request<RequestBody>) -> View<'r> {
        let body: &[u8] = match req.body() {
            RequestBody::Buffered(b) => b,
            RequestBody::Streaming(_) => &[],
        };
        View {
            req,
            client: rules.client(ctx, req),
            oversize: body.len() > rules.body_limit,
            body: &body[..body.len().min(rules.body_limit)],
            json: std::cell::OnceCell::new(),
            body_transformed: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn query(&self) -> &'r str {
        self.req.uri().query().unwrap_or("")
    }

    /// Calls `f` on each value of `field` until it returns true.
    fn any_value(&self, field: &Field, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        let req = self.req;
        match field {
            Field::Method => f(req.method().as_str().as_bytes()),
            Field::Path => f(req.uri().path().as_bytes()),
            Field::QueryString => f(self.query().as_bytes()),
            Field::QueryArg(name) => query_pairs(self.query()).any(|(k, v)| {
                (k == name.as_bytes()
                    || transform::url_decode(k, true).as_deref() == Some(name.as_bytes()))
                    && f(v)
            }),
            Field::AllQueryArgs => query_pairs(self.query()).any(|(_, v)| f(v)),
            Field::Header(h) => req.headers().get_all(h).iter().any(|v| f(v.as_bytes())),
            Field::AllHeaders => req.headers().values().any(|v| f(v.as_bytes())),
            Field::Cookies => req
                .headers()
                .get_all(header::COOKIE)
                .iter()
                .any(|v| f(v.as_bytes())),
            Field::Body => f(self.body),
            Field::JsonBody(pointer) if pointer.is_empty() => {
                json_strings::scan(self.body, self.oversize, f) == json_strings::Scan::Matched
            }
            Field::JsonBody(pointer) => {
                let Some(json) = self.json() else {
                    return false;
                };
                match json.pointer(pointer) {
                    Some(serde_json::Value::String(s)) => f(s.as_bytes()),
                    Some(other) => f(other.to_string().as_bytes()),
                    None => false,
                }
            }
        }
    }

    /// `test` on the body transformed by `transforms`, computed once per chain and request.
    fn transformed_body(&self, transforms: &[ir::Transform], test: impl Fn(&[u8]) -> bool) -> bool {
        let mut cache = self.body_transformed.borrow_mut();
        let index = match cache.iter().position(|(chain, _)| **chain == *transforms) {
            Some(i) => i,
            None => {
                let out = match transform::apply(self.body, transforms) {
                    std::borrow::Cow::Borrowed(_) => None,
                    std::borrow::Cow::Owned(v) => Some(v.into_boxed_slice()),
                };
                cache.push((transforms.into(), out));
                cache.len() - 1
            }
        };
        test(cache[index].1.as_deref().unwrap_or(self.body))
    }

    fn json(&self) -> Option<&serde_json::Value> {
        self.json
            .get_or_init(|| serde_json::from_slice(self.body).ok())
            .as_ref()
    }
}

/// `name=value` pairs of a query string (raw, percent-encoded).
fn query_pairs(q: &str) -> impl Iterator<Item = (&[u8], &[u8])> {
    q.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (k.as_bytes(), v.as_bytes())
    })
}

impl Rules {
    /// Evaluates the rules with the rate counts already taken.
    fn evaluate(
        &self,
        ctx: &mut RequestContext,
        req: &Request<RequestBody>,
        counts: &[Option<u64>],
    ) -> StepResult {
        let view = View::new(self, ctx, req);
        let mut outcome = WafOutcome::default();
        let mut decided: Option<(&Rule, bool)> = None;
        for rule in &self.rules {
            let matched = match (rule.oversize, view.oversize) {
                (Oversize::Match, true) => true,
                (Oversize::NoMatch, true) if rule.cond.reads_body() => false,
                _ => self.test(&rule.cond, &view, counts),
            };
            if !matched {
                continue;
            }
            outcome.counters.push(rule.counter);
            match &rule.action {
                Action::Count => {}
                Action::Allow => {
                    decided = Some((rule, false));
                    break;
                }
                Action::Block(_) => {
                    decided = Some((rule, true));
                    break;
                }
            }
        }
        let block = match decided {
            Some((rule, block)) => {
                outcome.rule = Some(Arc::clone(&rule.name));
                block
            }
            None => {
                outcome.counters.push(self.default_counter);
                self.default_block
            }
        };
        outcome.code = if block { "WAF_BLOCK" } else { "WAF_ALLOW" };
        let custom = match decided {
            Some((
                Rule {
                    action: Action::Block(Some(r)),
                    ..
                },
                _,
            )) => Some(Arc::clone(r)),
            _ => None,
        };
        merge_outcome(ctx, outcome);
        if !block {
            return Ok(Verdict::Continue);
        }
        match custom {
            Some(r) => {
                let mut resp = Response::new(Body::full(r.body.clone()));
                *resp.status_mut() = r.status;
                for (n, v) in &r.headers {
                    resp.headers_mut().append(n.clone(), v.clone());
                }
                Ok(Verdict::Respond(resp))
            }
            None => Err(GatewayError::new(
                ErrorType::WafFiltered,
                "blocked by the WAF",
            )),
        }
    }

    fn test(&self, cond: &Cond, view: &View<'_>, counts: &[Option<u64>]) -> bool {
        match cond {
            Cond::Ip(table) => view.client.is_some_and(|ip| table.contains(ip)),
            Cond::Geo { countries, negate } => {
                let found = view
                    .client
                    .and_then(|ip| self.country(ip))
                    .is_some_and(|c| countries.contains(&c));
                found != *negate
            }
            Cond::Rate(i) => match (counts.get(*i).copied().flatten(), self.rates.get(*i)) {
                (Some(n), Some(rate)) => n > rate.limit,
                _ => false,
            },
            Cond::Sqli(parts, SqliSensitivity::Low) => {
                any_part(view, *parts, &mut |v| detect::sqli(v))
            }
            Cond::Sqli(parts, SqliSensitivity::High) => {
                any_part(view, *parts, &mut |v| detect::sqli_high(v))
            }
            Cond::Xss(parts) => any_part(view, *parts, &mut |v| detect::xss(v)),
            Cond::Match(m) => {
                let test = |v: &[u8]| match &m.test {
                    Test::Regex(r) => r.is_match(v),
                    Test::Size(t) => t.op.holds(v.len() as u64, t.size),
                };
                if matches!(m.field, Field::Body) && !m.transforms.is_empty() {
                    return view.transformed_body(&m.transforms, test);
                }
                view.any_value(&m.field, &mut |v| test(&transform::apply(v, &m.transforms)))
            }
            Cond::And(all) => all.iter().all(|c| self.test(c, view, counts)),
            Cond::Or(any) => any.iter().any(|c| self.test(c, view, counts)),
            Cond::Not(c) => !self.test(c, view, counts),
        }
    }

    fn country(&self, ip: IpAddr) -> Option<[u8; 2]> {
        #[derive(serde::Deserialize)]
        struct Country<'a> {
            #[serde(borrow)]
            iso_code: Option<&'a str>,
        }
        #[derive(serde::Deserialize)]
        struct Record<'a> {
            #[serde(borrow)]
            country: Option<Country<'a>>,
        }
        let reader = self.geo.as_ref()?;
        let record: Record<'_> = reader.lookup(ip).ok()?.decode().ok()??;
        let code = record.country?.iso_code?.as_bytes();
        (code.len() == 2).then(|| [code[0], code[1]])
    }

    /// Starts every rate counter: the counts if all are ready, else the remote operations.
    fn take_rates(
        &self,
        ctx: &RequestContext,
        req: &Request<RequestBody>,
    ) -> Result<Vec<Option<u64>>, Vec<Pending<u64>>> {
        let mut pending = Vec::with_capacity(self.rates.len());
        let mut remote = false;
        let client = self.client(ctx, req);
        for rate in &self.rates {
            let who: Option<String> = match &rate.key {
                RateKey::Ip => client.map(|ip| ip.to_string()),
                RateKey::ApiKey => req
                    .headers()
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                RateKey::Header(h) => req
                    .headers()
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            };
            let Some(who) = who else {
                pending.push(Pending::Ready(Err(StateError::Backend("no key".into()))));
                continue;
            };
            let key = format!("{}{who}", rate.prefix);
            let p = self.state.incr_sliding(&key, rate.window);
            remote |= matches!(p, Pending::Remote(_));
            pending.push(p);
        }
        if remote {
            return Err(pending);
        }
        Ok(pending
            .into_iter()
            .map(|p| match p.ready() {
                Ok(Ok(n)) => Some(n),
                _ => None,
            })
            .collect())
    }
}

impl Cond {
    fn reads_body(&self) -> bool {
        match self {
            Cond::Sqli(p, _) | Cond::Xss(p) => p.has(InspectedPart::Body),
            Cond::Match(m) => matches!(m.field, Field::Body | Field::JsonBody(_)),
            Cond::And(v) | Cond::Or(v) => v.iter().any(Cond::reads_body),
            Cond::Not(c) => c.reads_body(),
            _ => false,
        }
    }
}

/// Two sets (the API's, then the route's) can match one request: counters add up, the later
/// decision wins the log.
fn merge_outcome(ctx: &mut RequestContext, outcome: WafOutcome) {
    match &mut ctx.waf {
        Some(prev) => {
            for c in outcome.counters.iter() {
                prev.counters.push(c);
            }
            if outcome.rule.is_some() || prev.rule.is_none() {
                prev.rule = outcome.rule;
            }
            prev.code = outcome.code;
        }
        None => ctx.waf = Some(Box::new(outcome)),
    }
}

/// Headers whose values are protocol syntax, not data an application reads: detection skips
/// them (an `Accept: */*` is not a comment opener).
const STRUCTURAL_HEADERS: &[&str] = &[
    "host",
    "accept",
    "accept-encoding",
    "accept-language",
    "accept-charset",
    "connection",
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
    "cookie",
    "authorization",
    "cache-control",
    "pragma",
    "if-none-match",
    "if-match",
    "if-modified-since",
    "if-unmodified-since",
    "range",
    "upgrade",
    "te",
    "x-request-id",
    "x-amzn-requestid",
    "x-api-key",
    "sec-fetch-site",
    "sec-fetch-mode",
    "sec-fetch-dest",
    "sec-fetch-user",
    "sec-ch-ua",
    "sec-ch-ua-mobile",
    "sec-ch-ua-platform",
];

/// Runs a detector over the decoded values of the inspected parts.
fn any_part(view: &View<'_>, parts: Parts, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    let req = view.req;
    let decoded =
        |raw: &[u8], f: &mut dyn FnMut(&[u8]) -> bool| match transform::url_decode(raw, true) {
            Some(d) => f(&d),
            None => f(raw),
        };
    if parts.has(InspectedPart::Path) {
        let path = req.uri().path().as_bytes();
        if path.len() > 1 && decoded_path(path, f) {
            return true;
        }
    }
    if parts.has(InspectedPart::Query)
        && query_pairs(view.query()).any(|(k, v)| decoded(k, f) || decoded(v, f))
    {
        return true;
    }
    if parts.has(InspectedPart::Headers)
        && req
            .headers()
            .iter()
            .any(|(name, v)| !STRUCTURAL_HEADERS.contains(&name.as_str()) && f(v.as_bytes()))
    {
        return true;
    }
    if parts.has(InspectedPart::Cookies)
        && req.headers().get_all(header::COOKIE).iter().any(|v| {
            v.as_bytes().split(|&b| b == b';').any(|pair| {
                let pair = pair.trim_ascii();
                let value = match pair.iter().position(|&b| b == b'=') {
                    Some(i) => &pair[i + 1..],
                    None => pair,
                };
                decoded(value, f)
            })
        })
    {
        return true;
    }
    if parts.has(InspectedPart::Body) && !view.body.is_empty() {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(HeaderValue::as_bytes)
            .unwrap_or(b"");
        let essence = ct.split(|&b| b == b';').next().unwrap_or(b"").trim_ascii();
        if essence.eq_ignore_ascii_case(b"application/x-www-form-urlencoded") {
            let text = String::from_utf8_lossy(view.body);
            return query_pairs(&text).any(|(k, v)| decoded(k, f) || decoded(v, f));
        }
        let json = essence.eq_ignore_ascii_case(b"application/json")
            || (essence.len() >= 5 && essence[essence.len() - 5..].eq_ignore_ascii_case(b"+json"));
        if json {
            match json_strings::scan(view.body, view.oversize, f) {
                json_strings::Scan::Matched => return true,
                json_strings::Scan::Clean => return false,
                json_strings::Scan::NotJson => {}
            }
        }
        return f(view.body);
    }
    false
}

/// Each decoded segment of a path (attacks sit in one segment; the slashes between segments
/// are not part of any value).
fn decoded_path(path: &[u8], f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    path.split(|&b| b == b'/')
        .filter(|s| !s.is_empty())
        .any(|seg| match transform::url_decode(seg, false) {
            Some(d) => f(&d),
            None => f(seg),
        })
}

/// The per-worker part: nothing (the counters live in the request context until the server
/// records them).
#[derive(Debug, Default)]
pub(crate) struct RulesLocal;

impl RequestStep for Rules {
    type Local = RulesLocal;
    type Resumed = Vec<Option<u64>>;

    fn local(&self) -> RulesLocal {
        RulesLocal
    }

    fn needs_body(&self) -> bool {
        self.needs_body
    }

    fn check(
        &self,
        _local: &RulesLocal,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
    ) -> Check<Vec<Option<u64>>> {
        if self.rates.is_empty() {
            return Check::Done(self.evaluate(ctx, req, &[]));
        }
        match self.take_rates(ctx, req) {
            Ok(counts) => Check::Done(self.evaluate(ctx, req, &counts)),
            Err(pending) => Check::Pending(Box::pin(async move {
                let mut counts = Vec::with_capacity(pending.len());
                for p in pending {
                    counts.push(p.await.ok());
                }
                counts
            })),
        }
    }

    fn resume(
        &self,
        _local: &RulesLocal,
        ctx: &mut RequestContext,
        req: &mut Request<RequestBody>,
        counts: Vec<Option<u64>>,
    ) -> StepResult {
        self.evaluate(ctx, req, &counts)
    }
}
