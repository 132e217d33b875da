//! The HTTP proxy integration: the backend URI template resolved once at start-up, then per
//! request only `{param}` substitution, hop-by-hop header removal, the `X-Forwarded-*` headers
//! and a pooled upstream connection; bodies stream both ways.
//!
//! Stage variables (`${stageVariables.NAME}`) are replaced when the gateway is built, from the
//! deployed stage plus `--stage-variable` overrides. What remains is an authority (connected to
//! by the per-thread pool, over TLS for `https://`) and a path made of literal text and raw
//! captured parameters.

use std::cell::Cell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, Uri, Version, header};
use hyper::body::Incoming;

use crate::body::{Body, LimitedBody, RequestBody, client_fault};
use crate::error::{BuildError, GatewayError};
use crate::integration::pool::{self, Address, Checkin, Pool};
use crate::integration::tls::{LazyClientConfig, TlsTarget};
use crate::ir::{self, ErrorType};
use crate::pipeline::RequestContext;
use crate::router::Params;

/// One backend authority; routes to the same authority share its connections.
#[derive(Debug)]
pub(crate) struct Upstream {
    pub(crate) address: Address,
    /// Set for `https://` upstreams: new connections start with a TLS handshake; once pooled
    /// they are used exactly like plain ones.
    pub(crate) tls: Option<TlsTarget>,
    pub(crate) host: HeaderValue,
}

/// The upstreams of a gateway being built: one per scheme and authority, and the TLS client
/// configuration they share, made on the first `https://` one.
#[derive(Debug)]
pub(crate) struct Upstreams<'a> {
    list: Vec<Upstream>,
    by_key: HashMap<String, usize>,
    tls: LazyClientConfig<'a>,
}

impl<'a> Upstreams<'a> {
    pub(crate) fn new(tls: LazyClientConfig<'a>) -> Upstreams<'a> {
        Upstreams {
            list: Vec::new(),
            by_key: HashMap::new(),
            tls,
        }
    }

    /// The registered upstreams, indexed by [`ProxyTarget::upstream`]. A CA file given for a
    /// gateway without `https://` upstreams is still checked, so a broken deployment setting
    /// shows at start-up rather than when a spec change first needs it.
    pub(crate) fn finish(mut self) -> Result<Vec<Upstream>, BuildError> {
        if self.tls.has_ca_file() {
            self.tls.get()?;
        }
        Ok(self.list)
    }
}

#[derive(Debug)]
enum Piece {
    Text(Box<str>),
    /// Index into the route's captured parameters.
    Param(usize),
}

/// One worker's copy of what a request to an upstream clones: its connection pool and the
/// `Host` value (copies per thread keep reference counts off shared cache lines), beside the
/// shared upstream itself (read only when a connection is opened).
#[derive(Debug)]
pub(crate) struct LocalUpstream {
    pub(crate) upstream: Arc<Upstream>,
    pub(crate) pool: Rc<Pool>,
    pub(crate) host: HeaderValue,
}

impl LocalUpstream {
    pub(crate) fn new(upstream: &Arc<Upstream>, max_idle: usize) -> LocalUpstream {
        LocalUpstream {
            pool: Rc::new(Pool::new(max_idle)),
            host: deep_copy(&upstream.host),
            upstream: Arc::clone(upstream),
        }
    }
}

/// A copy with its own allocation (a `Bytes` clone would share the reference count).
pub(crate) fn deep_copy(v: &HeaderValue) -> HeaderValue {
    HeaderValue::from_bytes(v.as_bytes()).unwrap_or_else(|_| v.clone())
}

/// A prepared proxy integration of one route.
#[derive(Debug)]
pub(crate) struct ProxyTarget {
    pub(crate) upstream: usize,
    pieces: Vec<Piece>,
    /// The whole path when the template has no parameters.
    fixed: Option<PathAndQuery>,
    /// The template already has a query string, so the request's is appended with `&`.
    has_query: bool,
    pub(crate) timeout: Duration,
    max_body: u64,
}

/// Builds the proxy target of a route, registering its upstream authority in `upstreams`.
pub(crate) fn prepare(
    route: &ir::Route,
    proxy: &ir::HttpProxy,
    variables: &HashMap<&str, &str>,
    stage: &str,
    limits: &ir::Limits,
    upstreams: &mut Upstreams<'_>,
) -> Result<ProxyTarget, BuildError> {
    let bad = |uri: &str, reason: String| BuildError::BadUri {
        route: route.id.to_string(),
        uri: uri.to_owned(),
        reason,
    };
    // Stage variables are substituted now; each path parameter becomes PARAM (a byte no URI
    // may hold) with its index in `params`, placed in order after the authority is split off.
    let route_params: Vec<&str> = route.path.params().collect();
    let mut resolved = String::with_capacity(proxy.uri.raw.len());
    let mut params: Vec<usize> = Vec::new();
    for part in &proxy.uri.parts {
        match part {
            ir::UriPart::Text(t) => resolved.push_str(t),
            ir::UriPart::StageVariable(name) => {
                let value = variables.get(name.as_ref()).ok_or_else(|| {
                    BuildError::UnknownStageVariable {
                        route: route.id.to_string(),
                        name: name.to_string(),
                        stage: stage.to_owned(),
                    }
                })?;
                resolved.push_str(value);
            }
            ir::UriPart::PathParam(name) => {
                let index = route_params.iter().position(|p| p == name).ok_or_else(|| {
                    bad(
                        &proxy.uri.raw,
                        format!("`{{{name}}}` is not a parameter of `{}`", route.path.raw),
                    )
                })?;
                params.push(index);
                resolved.push(PARAM);
            }
        }
    }
    if resolved.matches(PARAM).count() != params.len() {
        return Err(bad(&proxy.uri.raw, "NUL byte in the URI".to_owned()));
    }
    let (https, rest) = if let Some(rest) = resolved.strip_prefix("http://") {
        (false, rest)
    } else if let Some(rest) = resolved.strip_prefix("https://") {
        (true, rest)
    } else {
        return Err(bad(
            &resolved,
            "must start with `http://` or `https://`".to_owned(),
        ));
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let authority: http::uri::Authority = authority
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&resolved, e.to_string()))?;
    if authority.as_str().contains('@') {
        return Err(bad(
            &resolved,
            "user info in the URI is not supported".to_owned(),
        ));
    }
    let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
    let host = authority.host();
    let address = match host.trim_start_matches('[').trim_end_matches(']').parse() {
        Ok(ip) => Address::Ip(SocketAddr::new(ip, port)),
        Err(_) => Address::Host(host.into(), port),
    };
    // The scheme is part of the key: `http://h` and `https://h` are different connections.
    let key = format!(
        "{}://{}",
        if https { "https" } else { "http" },
        authority.as_str().to_ascii_lowercase()
    );
    let upstream = match upstreams.by_key.get(&key) {
        Some(&i) => i,
        None => {
            let tls = if https {
                let config = upstreams.tls.get()?;
                Some(TlsTarget::new(config, host).map_err(|reason| bad(&resolved, reason))?)
            } else {
                None
            };
            let list = &mut upstreams.list;
            list.push(Upstream {
                address,
                tls,
                host: HeaderValue::from_str(authority.as_str())
                    .unwrap_or_else(|_| HeaderValue::from_static("localhost")),
            });
            upstreams.by_key.insert(key, list.len() - 1);
            list.len() - 1
        }
    };
    if authority.as_str().contains(PARAM) {
        return Err(bad(
            &proxy.uri.raw,
            "path parameters cannot be part of the authority".to_owned(),
        ));
    }
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let mut pieces = Vec::new();
    let mut params = params.into_iter();
    for (i, text) in path.split(PARAM).enumerate() {
        if i > 0 {
            // One PARAM per recorded parameter, so `next` always has one.
            pieces.push(Piece::Param(params.next().unwrap_or_default()));
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.into()));
        }
    }
    let mut literal = String::new();
    for p in &pieces {
        match p {
            Piece::Text(t) => literal.push_str(t),
            Piece::Param(_) => literal.push('x'),
        }
    }
    // Validates the literal parts once, so per-request parsing only fails on odd input.
    PathAndQuery::try_from(literal.as_str()).map_err(|e| bad(&resolved, e.to_string()))?;
    let fixed = if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
        PathAndQuery::from_maybe_shared(Bytes::from(literal)).ok()
    } else {
        None
    };
    Ok(ProxyTarget {
        upstream,
        has_query: path.contains('?'),
        pieces,
        fixed,
        timeout: route.timeout.as_duration(),
        max_body: limits.max_body.0,
    })
}

/// Stands for a path parameter in a URI while its authority is split off (a NUL byte, which no
/// URI may contain).
const PARAM: char = '\0';

/// Per-connection facts the proxy adds to every request on that connection.
#[derive(Debug)]
pub(crate) struct ClientInfo {
    /// The client's IP address, formatted once per connection.
    pub(crate) ip: HeaderValue,
    /// True while a request body of this connection is still being received (HTTP/1 carries
    /// one request at a time): an integration timeout then is the client's slowness, not the
    /// backend's.
    pub(crate) receiving_body: Rc<Cell<bool>>,
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
static KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
static PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// The fixed hop-by-hop headers (RFC 9110 §7.6.1 plus the de-facto `Keep-Alive` and
/// `Proxy-Connection`), as a bit per name so one scan finds which are present.
fn hop_by_hop_bit(name: &HeaderName) -> u16 {
    if name == header::CONNECTION {
        1
    } else if name == header::TRANSFER_ENCODING {
        1 << 1
    } else if name == header::TE {
        1 << 2
    } else if name == header::TRAILER {
        1 << 3
    } else if name == header::UPGRADE {
        1 << 4
    } else if name == header::PROXY_AUTHORIZATION {
        1 << 5
    } else if name == header::PROXY_AUTHENTICATE {
        1 << 6
    } else if name == KEEP_ALIVE {
        1 << 7
    } else if name == PROXY_CONNECTION {
        1 << 8
    } else {
        0
    }
}

/// True when `Connection` is one plain `keep-alive` or `close` (the usual case), which names no
/// other header, so it need not be parsed.
fn connection_is_plain(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(header::CONNECTION).iter();
    match (values.next(), values.next()) {
        (Some(v), None) => {
            let b = v.as_bytes();
            b.eq_ignore_ascii_case(b"keep-alive") || b.eq_ignore_ascii_case(b"close")
        }
        _ => false,
    }
}

/// Bit of [`header_bits`] for a name containing `_`.
const UNDERSCORE: u16 = 1 << 9;

/// True for a header name with an underscore, which CGI-style backends cannot tell from the
/// same name with a hyphen (`X_Forwarded_For` is `HTTP_X_FORWARDED_FOR` like
/// `X-Forwarded-For`).
fn has_underscore(name: &HeaderName) -> bool {
    name.as_str().as_bytes().contains(&b'_')
}

/// The hop-by-hop bits present in `headers`, plus [`UNDERSCORE`] when `underscores` asks for
/// it and a name has one: one scan of the names.
fn header_bits(headers: &HeaderMap, underscores: bool) -> u16 {
    headers.keys().fold(0u16, |acc, k| {
        let underscore = if underscores && has_underscore(k) {
            UNDERSCORE
        } else {
            0
        };
        acc | hop_by_hop_bit(k) | underscore
    })
}

/// Removes hop-by-hop headers, including every header named in `Connection`. One scan of the
/// names finds which are present; only those are removed, and the `Connection` value is parsed
/// only when it names something beyond `close`/`keep-alive` (the common case allocates nothing).
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let present = header_bits(headers, false);
    remove_present(headers, present);
}

/// [`remove_hop_by_hop`] for a request going upstream, which also drops names with `_` unless
/// `limits.underscores_in_headers` allows them (nginx's default): the same one scan.
fn clean_request_headers(headers: &mut HeaderMap, allow_underscores: bool) {
    let present = header_bits(headers, !allow_underscores);
    if present & UNDERSCORE != 0 {
        let underscored: Vec<HeaderName> = headers
            .keys()
            .filter(|k| has_underscore(k))
            .cloned()
            .collect();
        for name in underscored {
            headers.remove(name);
        }
    }
    remove_present(headers, present & !UNDERSCORE);
}

fn remove_present(headers: &mut HeaderMap, present: u16) {
    if present == 0 {
        return;
    }
    if present & 1 != 0 && !connection_is_plain(headers) {
        let named: Vec<HeaderName> = headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|t| {
                !t.is_empty()
                    && !t.eq_ignore_ascii_case("close")
                    && !t.eq_ignore_ascii_case("keep-alive")
            })
            .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
            .collect();
        for name in named {
            headers.remove(name);
        }
    }
    let names: [&HeaderName; 9] = [
        &header::CONNECTION,
        &header::TRANSFER_ENCODING,
        &header::TE,
        &header::TRAILER,
        &header::UPGRADE,
        &header::PROXY_AUTHORIZATION,
        &header::PROXY_AUTHENTICATE,
        &KEEP_ALIVE,
        &PROXY_CONNECTION,
    ];
    for (bit, name) in names.iter().enumerate() {
        if present & (1 << bit) != 0 {
            headers.remove(*name);
        }
    }
}

impl ProxyTarget {
    /// A per-thread copy of the fixed backend path, if the template has no parameters.
    pub(crate) fn local_fixed(&self) -> Option<PathAndQuery> {
        self.fixed.as_ref().and_then(|pq| {
            PathAndQuery::from_maybe_shared(Bytes::copy_from_slice(pq.as_str().as_bytes())).ok()
        })
    }

    fn path_and_query(
        &self,
        fixed: Option<&PathAndQuery>,
        uri: &Uri,
        params: &Params,
    ) -> Option<PathAndQuery> {
        let query = uri.query();
        if let (Some(fixed), None) = (fixed, query) {
            return Some(fixed.clone());
        }
        let path = uri.path();
        let mut buf = BytesMut::with_capacity(64 + path.len() + query.map_or(0, str::len));
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => buf.put_slice(t.as_bytes()),
                Piece::Param(i) => buf.put_slice(params.raw(path, *i)?.as_bytes()),
            }
        }
        if let Some(q) = query {
            buf.put_u8(if self.has_query { b'&' } else { b'?' });
            buf.put_slice(q.as_bytes());
        }
        PathAndQuery::from_maybe_shared(buf.freeze()).ok()
    }

    /// Forwards one request and returns the upstream response with its body streaming.
    /// The body is the client's stream or bytes a step buffered; either is counted against
    /// the payload limit and the body read timeout.
    pub(crate) async fn call(
        &self,
        local: &LocalUpstream,
        fixed: Option<&PathAndQuery>,
        ctx: &RequestContext,
        req: Request<RequestBody>,
        limits: &ir::Limits,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let (client, params) = (&*ctx.client, &ctx.params);
        let pool = &local.pool;
        let (mut parts, body) = req.into_parts();
        if body.size_hint().lower() > self.max_body {
            body.discard();
            return Err(GatewayError::new(
                ErrorType::RequestTooLarge,
                "Content-Length over the payload limit",
            ));
        }
        let pq = self
            .path_and_query(fixed, &parts.uri, params)
            .ok_or_else(|| {
                GatewayError::new(ErrorType::Default4xx, "backend path could not be built")
            })?;
        parts.uri = Uri::from(pq);
        parts.version = Version::HTTP_11;
        let headers = &mut parts.headers;
        clean_request_headers(headers, limits.underscores_in_headers);
        forwarded_for(headers, &client.ip);
        // One lookup for Host: replace it and keep the client's value for X-Forwarded-Host.
        let client_host = match headers.entry(header::HOST) {
            http::header::Entry::Occupied(mut e) => Some(e.insert(local.host.clone())),
            http::header::Entry::Vacant(e) => {
                e.insert(local.host.clone());
                None
            }
        };
        if let Some(host) = client_host {
            headers.insert(X_FORWARDED_HOST.clone(), host);
        }
        headers.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static("http"));
        let body = LimitedBody::from_request(
            body,
            self.max_body,
            limits.body_read_timeout.as_duration(),
            &client.receiving_body,
        );
        let req = Request::from_parts(parts, body);

        let sent = tokio::time::timeout(self.timeout, send(&local.upstream, pool, req)).await;
        let (resp, sender) = match sent {
            Ok(Ok(ok)) => ok,
            Ok(Err(e)) => return Err(e),
            Err(_) if client.receiving_body.get() => {
                return Err(GatewayError::new(
                    ErrorType::RequestTimeout,
                    "client still sending the request body when the integration timeout elapsed",
                )
                .closing());
            }
            Err(_) => {
                return Err(GatewayError::new(
                    ErrorType::IntegrationTimeout,
                    "backend did not answer within the integration timeout",
                ));
            }
        };
        let (mut parts, body) = resp.into_parts();
        as_own_response(&mut parts);
        let checkin = Checkin::new(Rc::clone(pool), sender);
        Ok(Response::from_parts(
            parts,
            Body::upstream(body, Some(checkin)),
        ))
    }
}

/// Sends on a pooled connection, or a new one; a request that a reused connection refused
/// before writing anything (the backend closed it while idle) is retried once on a new one.
async fn send(
    upstream: &Upstream,
    pool: &Rc<Pool>,
    mut req: Request<LimitedBody>,
) -> Result<(Response<Incoming>, pool::Sender), Box<GatewayError>> {
    let mut retried = false;
    loop {
        let (mut sender, reused) = match take_ready(pool).await {
            Some(s) => (s, true),
            None => (
                pool::connect(&upstream.address, upstream.tls.as_ref())
                    .await
                    .map_err(|e| {
                        GatewayError::new(
                            ErrorType::IntegrationFailure,
                            format!("connecting to the backend: {e}"),
                        )
                    })?,
                false,
            ),
        };
        match sender.try_send_request(req).await {
            Ok(resp) => return Ok((resp, sender)),
            Err(mut e) => match e.take_message() {
                Some(back) if reused && !retried => {
                    retried = true;
                    req = back;
                }
                _ => {
                    let err = e.into_error();
                    if let Some(fault) = client_fault(&err) {
                        let e = GatewayError::new(fault.error_type(), fault.to_string());
                        return Err(if fault.leaves_body_unread() {
                            e.closing()
                        } else {
                            e
                        });
                    }
                    return Err(GatewayError::new(
                        ErrorType::IntegrationFailure,
                        format!("backend request failed: {err}"),
                    ));
                }
            },
        }
    }
}

/// A pooled connection ready for a request. A connection goes back to the pool when its
/// response body ends, and its driver task marks it ready the next time it runs, so a
/// not-yet-ready one gets one scheduler turn. One still busy after that (its request body is
/// still uploading because the backend answered early) is let go rather than waited on: it
/// finishes that exchange and closes, and this request takes another connection.
async fn take_ready(pool: &Pool) -> Option<pool::Sender> {
    while let Some(sender) = pool.take() {
        if sender.is_ready() {
            return Some(sender);
        }
        tokio::task::yield_now().await;
        if sender.is_ready() {
            return Some(sender);
        }
    }
    None
}

/// Makes an upstream response head the gateway's own: hop-by-hop headers removed, the
/// gateway's HTTP version (RFC 9110 §7.6.3: a proxy answers in its own version, so an HTTP/1.0
/// backend does not turn a kept-alive HTTP/1.1 client connection into a closing one; a
/// close-delimited body then goes out chunked) and the standard reason phrase (hyper keeps a
/// backend's non-standard one in an extension, which it would write back).
fn as_own_response(parts: &mut http::response::Parts) {
    remove_hop_by_hop(&mut parts.headers);
    parts.version = Version::HTTP_11;
    parts.extensions.remove::<hyper::ext::ReasonPhrase>();
}

/// Appends the client address to `X-Forwarded-For`, joining earlier values into one line.
fn forwarded_for(headers: &mut HeaderMap, ip: &HeaderValue) {
    // One lookup in the common case (no X-Forwarded-For yet).
    let mut entry = match headers.entry(&X_FORWARDED_FOR) {
        http::header::Entry::Vacant(e) => {
            e.insert(ip.clone());
            return;
        }
        http::header::Entry::Occupied(e) => e,
    };
    let mut joined = Vec::new();
    for v in entry.iter() {
        joined.extend_from_slice(v.as_bytes());
        joined.extend_from_slice(b", ");
    }
    joined.extend_from_slice(ip.as_bytes());
    if let Ok(v) = HeaderValue::from_bytes(&joined) {
        entry.insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, x-secret"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(
            header::TRANSFER_ENCODING,
            HeaderValue::from_static("chunked"),
        );
        h.insert("proxy-connection", HeaderValue::from_static("keep-alive"));
        remove_hop_by_hop(&mut h);
        let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-kept"]);
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        remove_hop_by_hop(&mut h);
        let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["content-length"]);
    }

    #[test]
    fn underscored_names_dropped_in_the_same_scan() {
        let mut h = HeaderMap::new();
        h.insert("x_forwarded_for", HeaderValue::from_static("6.6.6.6"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        h.insert(header::CONNECTION, HeaderValue::from_static("x_named"));
        h.insert("x_named", HeaderValue::from_static("1"));
        let mut allowed = h.clone();
        clean_request_headers(&mut h, false);
        let names: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x-kept"]);
        clean_request_headers(&mut allowed, true);
        let names: Vec<&str> = allowed.keys().map(HeaderName::as_str).collect();
        assert_eq!(names, ["x_forwarded_for", "x-kept"]);
        // Responses keep underscored names.
        let mut r = HeaderMap::new();
        r.insert("x_backend", HeaderValue::from_static("1"));
        remove_hop_by_hop(&mut r);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn forwarded_for_appends() {
        let ip = HeaderValue::from_static("10.1.1.1");
        let mut h = HeaderMap::new();
        forwarded_for(&mut h, &ip);
        assert_eq!(h[&X_FORWARDED_FOR], "10.1.1.1");
        let mut h = HeaderMap::new();
        h.append(&X_FORWARDED_FOR, HeaderValue::from_static("1.1.1.1"));
        h.append(&X_FORWARDED_FOR, HeaderValue::from_static("2.2.2.2"));
        forwarded_for(&mut h, &ip);
        assert_eq!(h[&X_FORWARDED_FOR], "1.1.1.1, 2.2.2.2, 10.1.1.1");
    }
}
