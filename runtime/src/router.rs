//! The router: compiled once from the IR's route list into a segment tree, matched once per
//! request without allocating (captured parameters are byte ranges into the request path).
//!
//! Precedence follows AWS: at every segment a literal beats a parameter, a parameter with
//! surrounding text (`{sid}.json`) beats a bare one, and any parameter beats a greedy
//! `{proxy+}`; a method bound explicitly beats `ANY`. When a more specific branch matches the
//! path but not the method, matching backtracks to the less specific ones before answering 405.
//!
//! Path safety, decided here once for every later step: a path with an empty segment (`//`) is
//! not found; a path with a `.` or `..` segment, raw or percent-encoded (`%2e%2e`), or one
//! that hides such a segment behind an encoded separator (`..%2f`, `..%5c`), is rejected with
//! 400 before routing, because the backend (which receives the captured text) could resolve it
//! outside the route's prefix. One trailing `/` is tolerated. Literal segments compare against
//! the percent-decoded segment; captured parameters keep their raw, still-encoded text, which is
//! what a backend URI needs.

use std::borrow::Cow;

use http::HeaderValue;
use percent_encoding::percent_decode_str;

use crate::ir::{self, Method, Segment};

/// Index of a route in the gateway's route table.
pub(crate) type RouteId = u32;

/// Captured path parameters as byte ranges into the request path, in template order.
/// Up to four live inline, so the common lookup allocates nothing.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    inline: [(u32, u32); 4],
    len: usize,
    spill: Vec<(u32, u32)>,
}

impl Params {
    fn push(&mut self, start: usize, end: usize) {
        let range = (start as u32, end as u32);
        if self.len < self.inline.len() {
            self.inline[self.len] = range;
        } else {
            self.spill.push(range);
        }
        self.len += 1;
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len {
            self.spill.truncate(len.saturating_sub(self.inline.len()));
            self.len = len;
        }
    }

    /// Number of captured parameters.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The raw (still percent-encoded) text of parameter `i` within `path`.
    pub(crate) fn raw<'p>(&self, path: &'p str, i: usize) -> Option<&'p str> {
        let (s, e) = if i < self.inline.len() {
            if i >= self.len {
                return None;
            }
            self.inline[i]
        } else {
            *self.spill.get(i - self.inline.len())?
        };
        path.get(s as usize..e as usize)
    }

    /// The percent-decoded text of parameter `i`, for steps that need the value itself
    /// (the proxy forwards raw text; validation and cache keys will read this).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn decoded<'p>(&self, path: &'p str, i: usize) -> Option<Cow<'p, str>> {
        self.raw(path, i)
            .map(|raw| percent_decode_str(raw).decode_utf8_lossy())
    }
}

/// The outcome of a lookup.
#[derive(Debug)]
pub(crate) enum Lookup<'r> {
    /// A route serves this method and path.
    Found(RouteId, Params),
    /// Some route serves the path, none this method; the value is the `Allow` header.
    MethodNotAllowed(&'r HeaderValue),
    /// No route serves the path.
    NotFound,
    /// The path is unsafe to route (dot segments); answered with 400.
    BadPath,
}

#[derive(Debug)]
struct Endpoints {
    methods: [Option<RouteId>; 8],
    any: Option<RouteId>,
    allow: HeaderValue,
}

impl Default for Endpoints {
    fn default() -> Endpoints {
        Endpoints {
            methods: [None; 8],
            any: None,
            allow: HeaderValue::from_static(""),
        }
    }
}

/// Indexes (into [`ir::Method::CONCRETE`]) of the methods an `ANY` route serves: AWS's seven.
/// `TRACE` is served only by a route that names it; `CONNECT` and extension methods never.
const ANY_COVERS: std::ops::Range<usize> = 0..7;

impl Endpoints {
    fn get(&self, method: Option<usize>) -> Option<RouteId> {
        let m = method?;
        self.methods[m].or(self.any.filter(|_| ANY_COVERS.contains(&m)))
    }

    fn finish(&mut self) {
        let any = self.any.is_some();
        let names: Vec<&str> = ir::Method::CONCRETE
            .iter()
            .zip(&self.methods)
            .enumerate()
            .filter(|(i, (_, r))| r.is_some() || (any && ANY_COVERS.contains(i)))
            .map(|(_, (m, _))| m.as_str())
            .collect();
        self.allow = HeaderValue::from_str(&names.join(", "))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
    }
}

#[derive(Debug, Default)]
struct Node {
    /// Sorted by text, for binary search.
    literals: Vec<(Box<str>, usize)>,
    /// Most specific (longest prefix + suffix) first.
    params: Vec<(Box<str>, Box<str>, usize)>,
    greedy: Option<Endpoints>,
    endpoints: Option<Endpoints>,
}

/// The compiled route table.
#[derive(Debug)]
pub(crate) struct Router {
    nodes: Vec<Node>,
    base: Option<Box<str>>,
    /// The routes made only of literal segments, by their whole path (`/a/b`), sorted: a
    /// request path equal to one of them is matched with one binary search, before the
    /// path checks and the walk (the walk would find the same route: a literal beats every
    /// other kind of segment, and such a template has no unsafe segment). Points at the
    /// route's node; a method it does not bind falls through to the walk.
    statics: Vec<(Box<str>, usize)>,
}

/// Why two routes cannot live in one table (the compiler reports these earlier with spans).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("routes `{first}` and `{second}` both serve {method} {path}")]
pub(crate) struct Conflict {
    /// The route added first.
    pub first: String,
    /// The route that collides with it.
    pub second: String,
    /// The method both bind.
    pub method: &'static str,
    /// The path template of the second.
    pub path: String,
}

fn method_index(m: Method) -> Option<usize> {
    ir::Method::CONCRETE.iter().position(|c| *c == m)
}

fn http_method_index(m: &http::Method) -> Option<usize> {
    let i = match *m {
        http::Method::GET => 0,
        http::Method::PUT => 1,
        http::Method::POST => 2,
        http::Method::DELETE => 3,
        http::Method::OPTIONS => 4,
        http::Method::HEAD => 5,
        http::Method::PATCH => 6,
        http::Method::TRACE => 7,
        _ => return None,
    };
    Some(i)
}

impl Router {
    /// Builds the tree; `base` is a validated base path such as `/prod`. Route ids are the
    /// positions in `routes`.
    pub(crate) fn new(routes: &[ir::Route], base: Option<&str>) -> Result<Router, Conflict> {
        let mut router = Router {
            nodes: vec![Node::default()],
            base: base.map(Into::into),
            statics: Vec::new(),
        };
        for (id, route) in routes.iter().enumerate() {
            let node = router.insert(routes, id, route)?;
            if let Some(path) = static_path(&route.path.segments) {
                router.statics.push((path.into(), node));
            }
        }
        router.statics.sort();
        router.statics.dedup();
        for node in &mut router.nodes {
            node.literals.sort_by(|a, b| a.0.cmp(&b.0));
            node.params
                .sort_by_key(|(p, s, _)| std::cmp::Reverse(p.len() + s.len()));
            for e in node.endpoints.iter_mut().chain(node.greedy.iter_mut()) {
                e.finish();
            }
        }
        Ok(router)
    }

    /// Adds a route; returns the node its path ends at.
    fn insert(
        &mut self,
        routes: &[ir::Route],
        id: usize,
        route: &ir::Route,
    ) -> Result<usize, Conflict> {
        let mut node = 0;
        let mut greedy = false;
        for seg in &route.path.segments {
            node = match seg {
                Segment::Literal(text) => {
                    match self.nodes[node]
                        .literals
                        .iter()
                        .find(|(t, _)| **t == **text)
                    {
                        Some((_, child)) => *child,
                        None => {
                            let child = self.push_node();
                            self.nodes[node]
                                .literals
                                .push((text.as_ref().into(), child));
                            child
                        }
                    }
                }
                Segment::Param(p) => {
                    match self.nodes[node]
                        .params
                        .iter()
                        .find(|(pre, suf, _)| **pre == *p.prefix && **suf == *p.suffix)
                    {
                        Some((_, _, child)) => *child,
                        None => {
                            let child = self.push_node();
                            self.nodes[node].params.push((
                                p.prefix.as_ref().into(),
                                p.suffix.as_ref().into(),
                                child,
                            ));
                            child
                        }
                    }
                }
                Segment::Greedy(_) => {
                    greedy = true;
                    break;
                }
            };
        }
        let slot = if greedy {
            &mut self.nodes[node].greedy
        } else {
            &mut self.nodes[node].endpoints
        };
        let endpoints = slot.get_or_insert_with(Endpoints::default);
        let target = match method_index(route.method) {
            Some(i) => &mut endpoints.methods[i],
            None => &mut endpoints.any,
        };
        if let Some(first) = *target {
            return Err(Conflict {
                first: routes[first as usize].id.to_string(),
                second: route.id.to_string(),
                method: route.method.as_str(),
                path: route.path.raw.to_string(),
            });
        }
        *target = Some(id as RouteId);
        Ok(node)
    }

    fn push_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// Matches a request path (the URI's path, without the query).
    pub(crate) fn lookup(&self, method: &http::Method, path: &str) -> Lookup<'_> {
        // Authority-form (`CONNECT host:443`) and asterisk-form (`OPTIONS *`) name no route.
        if !path.starts_with('/') {
            return Lookup::NotFound;
        }
        let start = match &self.base {
            None => 0,
            Some(base) => match path.strip_prefix(&**base) {
                Some("") => path.len(),
                Some(rest) if rest.starts_with('/') => base.len(),
                _ => return Lookup::NotFound,
            },
        };
        // `end` excludes one trailing slash; greedy captures keep it.
        let end = if path.len() > start + 1 && path.ends_with('/') {
            path.len() - 1
        } else {
            path.len()
        };
        let method = http_method_index(method);
        if let Ok(i) = self
            .statics
            .binary_search_by(|(p, _)| (**p).cmp(&path[start..end]))
            && let Some(id) = self.nodes[self.statics[i].1]
                .endpoints
                .as_ref()
                .and_then(|e| e.get(method))
        {
            return Lookup::Found(id, Params::default());
        }
        match check_path(&path[start..]) {
            PathCheck::Ok => {}
            PathCheck::Empty => return Lookup::NotFound,
            PathCheck::Unsafe => return Lookup::BadPath,
        }
        let mut walk = Walk {
            path,
            end,
            method,
            params: Params::default(),
            allow: None,
        };
        // Position of the first segment: after the leading `/` (or at the end for `/`).
        let first = (start + 1).min(end);
        match self.walk(0, first, &mut walk) {
            Some(id) => Lookup::Found(id, walk.params),
            None => match walk.allow {
                Some(allow) => Lookup::MethodNotAllowed(allow),
                None => Lookup::NotFound,
            },
        }
    }

    fn walk<'r>(&'r self, node: usize, pos: usize, w: &mut Walk<'_, 'r>) -> Option<RouteId> {
        let n = &self.nodes[node];
        if pos >= w.end {
            let e = n.endpoints.as_ref()?;
            return match e.get(w.method) {
                Some(id) => Some(id),
                None => {
                    w.allow.get_or_insert(&e.allow);
                    None
                }
            };
        }
        let seg_end = w.path[pos..w.end].find('/').map_or(w.end, |i| pos + i);
        let seg = &w.path[pos..seg_end];
        let next = if seg_end >= w.end { w.end } else { seg_end + 1 };
        if !n.literals.is_empty() {
            let child = match n.literals.binary_search_by(|(t, _)| (**t).cmp(seg)) {
                Ok(i) => Some(n.literals[i].1),
                Err(_) if seg.contains('%') => {
                    let decoded = percent_decode_str(seg).decode_utf8_lossy();
                    n.literals
                        .binary_search_by(|(t, _)| (**t).cmp(&*decoded))
                        .ok()
                        .map(|i| n.literals[i].1)
                }
                Err(_) => None,
            };
            if let Some(child) = child
                && let Some(id) = self.walk(child, next, w)
            {
                return Some(id);
            }
        }
        for (prefix, suffix, child) in &n.params {
            if seg.len() > prefix.len() + suffix.len()
                && seg.starts_with(&**prefix)
                && seg.ends_with(&**suffix)
            {
                let mark = w.params.len();
                w.params.push(pos + prefix.len(), seg_end - suffix.len());
                if let Some(id) = self.walk(*child, next, w) {
                    return Some(id);
                }
                w.params.truncate(mark);
            }
        }
        if let Some(g) = &n.greedy {
            match g.get(w.method) {
                Some(id) => {
                    w.params.push(pos, w.path.len());
                    return Some(id);
                }
                None => {
                    w.allow.get_or_insert(&g.allow);
                }
            }
        }
        None
    }
}

struct Walk<'p, 'r> {
    path: &'p str,
    end: usize,
    method: Option<usize>,
    params: Params,
    allow: Option<&'r HeaderValue>,
}

enum PathCheck {
    Ok,
    /// An empty segment (`//`) or a relative path: never matches.
    Empty,
    /// A dot segment, raw or encoded.
    Unsafe,
}

/// One pass over the path: empty segments and dot segments (decoded only when a segment holds
/// `.` or `%`, which keeps the common case a byte scan).
/// The whole path (`/a/b`) of a template made only of literal segments that [`check_path`]
/// would pass as they are; `None` for any other (and for the root, which the walk serves).
fn static_path(segments: &[Segment]) -> Option<String> {
    let mut path = String::new();
    for seg in segments {
        let Segment::Literal(text) = seg else {
            return None;
        };
        let safe =
            !text.is_empty() && *text != *"." && *text != *".." && !text.contains(['/', '%', '\\']);
        if !safe {
            return None;
        }
        path.push('/');
        path.push_str(text);
    }
    (!path.is_empty()).then_some(path)
}

fn check_path(path: &str) -> PathCheck {
    let Some(rest) = path.strip_prefix('/') else {
        return if path.is_empty() {
            PathCheck::Ok
        } else {
            PathCheck::Empty
        };
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return PathCheck::Ok;
    }
    for seg in rest.split('/') {
        if seg.is_empty() {
            return PathCheck::Empty;
        }
        let unsafe_seg = if seg.bytes().any(|b| b == b'%' || b == b'\\') {
            unsafe_segment(seg)
        } else {
            seg == "." || seg == ".."
        };
        if unsafe_seg {
            return PathCheck::Unsafe;
        }
    }
    PathCheck::Ok
}

fn unsafe_segment(seg: &str) -> bool {
    let decoded = percent_decode_str(seg).collect::<Vec<u8>>();
    if decoded.contains(&0) {
        return true;
    }
    decoded
        .split(|b| *b == b'/' || *b == b'\\')
        .any(|part| part == b"." || part == b"..")
}

#[cfg(test)]
mod tests;
