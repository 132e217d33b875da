//! The evaluator: a tree walk over the parsed template with a step budget, an output cap and
//! AWS's 1,000-iteration `#foreach` limit, so no template can run long, print without bound or
//! panic.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::ast::{BinOp, Expr, Node, Template};
use super::regexes::{self, Regexes, Use};
use super::value::{Value, json_string, parse_json};
use super::{Env, Limits, Output, VtlError};

enum Flow {
    Go,
    Break,
    Stop,
}

/// What an undefined reference (or a property of one) is, borrowed.
static NULL: Value = Value::Null;

/// The names `#foreach` sets on each iteration, in this order.
const FOREACH_KEYS: [&str; 5] = ["index", "count", "hasNext", "first", "last"];

/// One evaluation. Variable names borrow the template (no allocation per `#set`); `$context`
/// is copied only when the template writes to it; the body is parsed as JSON at most once,
/// on the first `$input.path`/`$input.json`.
pub(crate) struct Eval<'a> {
    env: &'a Env,
    limits: Limits,
    /// The template's literal patterns, compiled when it was built.
    regexes: &'a Regexes,
    vars: Vec<(&'a str, Value)>,
    context: Cow<'a, Value>,
    /// The body as JSON, once something asked for it.
    json: Option<Value>,
    out: String,
    steps: u64,
    /// Bytes of the values expressions produced so far (strings, and the strings inside
    /// lists and maps), against [`Limits::max_allocated`]: what bounds the memory of a template
    /// that builds values without printing them (`#set($s = "$s$s")` in a loop).
    allocated: usize,
}

type R<T> = Result<T, VtlError>;

fn fail(message: impl Into<String>) -> VtlError {
    VtlError {
        offset: 0,
        message: message.into(),
    }
}

impl<'a> Eval<'a> {
    pub(crate) fn run(template: &'a Template, env: &'a Env, limits: Limits) -> R<Output> {
        let mut e = Eval {
            env,
            limits,
            regexes: &template.regexes,
            vars: Vec::new(),
            context: Cow::Borrowed(&env.context),
            json: None,
            out: String::new(),
            steps: 0,
            allocated: 0,
        };
        e.nodes(&template.nodes)?;
        // The last node's text is past every `tick`.
        if e.out.len() > e.limits.max_output {
            return Err(fail("template output over its size limit"));
        }
        Ok(Output {
            body: e.out,
            context: match e.context {
                Cow::Owned(v) => Some(v),
                Cow::Borrowed(_) => None,
            },
        })
    }

    fn tick(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(fail("template evaluation took too many steps"));
        }
        if self.out.len() > self.limits.max_output {
            return Err(fail("template output over its size limit"));
        }
        Ok(())
    }

    fn nodes(&mut self, nodes: &'a [Node]) -> R<Flow> {
        for node in nodes {
            self.tick()?;
            match node {
                Node::Text(t) => self.out.push_str(t),
                Node::Print { expr, .. } => {
                    let mut s = std::mem::take(&mut self.out);
                    match self.borrow(expr) {
                        Some(v) => v.render(&mut s),
                        None => match self.expr(expr) {
                            Ok(v) => v.render(&mut s),
                            Err(e) => {
                                self.out = s;
                                return Err(e);
                            }
                        },
                    }
                    self.out = s;
                }
                Node::Set(target, value) => {
                    let v = self.expr(value)?;
                    self.assign(target, v)?;
                }
                Node::If(branches, otherwise) => {
                    let mut taken = false;
                    for (cond, body) in branches {
                        if self.expr(cond)?.truthy() {
                            taken = true;
                            match self.nodes(body)? {
                                Flow::Go => {}
                                other => return Ok(other),
                            }
                            break;
                        }
                    }
                    if !taken && let Some(body) = otherwise {
                        match self.nodes(body)? {
                            Flow::Go => {}
                            other => return Ok(other),
                        }
                    }
                }
                Node::Foreach(var, list, body) => {
                    let items = match self.expr(list)? {
                        Value::List(items) => items,
                        Value::Map(entries) => entries.into_iter().map(|(_, v)| v).collect(),
                        Value::Null => Vec::new(),
                        other => vec![other],
                    };
                    let n = items.len().min(self.limits.max_iterations);
                    let saved_foreach = self.var("foreach").cloned();
                    for (i, item) in items.into_iter().take(n).enumerate() {
                        self.set_var(var, item);
                        let i64_of = |x: usize| Value::Int(i64::try_from(x).unwrap_or(i64::MAX));
                        self.set_foreach([
                            i64_of(i),
                            i64_of(i + 1),
                            Value::Bool(i + 1 < n),
                            Value::Bool(i == 0),
                            Value::Bool(i + 1 == n),
                        ]);
                        // Velocity 1.7's names, still common in AWS examples.
                        self.set_var("velocityCount", i64_of(i + 1));
                        self.set_var("velocityHasNext", Value::Bool(i + 1 < n));
                        match self.nodes(body)? {
                            Flow::Go => {}
                            Flow::Break => break,
                            Flow::Stop => return Ok(Flow::Stop),
                        }
                    }
                    if let Some(v) = saved_foreach {
                        self.set_var("foreach", v);
                    }
                }
                Node::Break => return Ok(Flow::Break),
                Node::Stop => return Ok(Flow::Stop),
            }
        }
        Ok(Flow::Go)
    }

    fn var(&self, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn set_var(&mut self, name: &'a str, v: Value) {
        match self.vars.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = v,
            None => self.vars.push((name, v)),
        }
    }

    /// `$foreach` for one iteration: its map is updated in place from the second iteration
    /// on (no allocation per item), or built afresh when the body replaced it.
    fn set_foreach(&mut self, values: [Value; 5]) {
        if let Some((_, Value::Map(entries))) = self.vars.iter_mut().find(|(k, _)| *k == "foreach")
            && entries.len() == FOREACH_KEYS.len()
            && entries
                .iter()
                .zip(FOREACH_KEYS)
                .all(|((k, _), want)| k == want)
        {
            for ((_, slot), v) in entries.iter_mut().zip(values) {
                *slot = v;
            }
            return;
        }
        self.set_var("foreach", Value::map(FOREACH_KEYS.into_iter().zip(values)));
    }

    /// A chain of names (`$a.b.c`) resolved without copying, when each step is a variable or
    /// a map key (what most references in templates are). `None`: something else (a builtin,
    /// an index, a call, a getter on a string or list): evaluate it.
    fn borrow(&self, e: &Expr) -> Option<&Value> {
        match e {
            Expr::Var(name) => match name.as_ref() {
                "context" => Some(&*self.context),
                "stageVariables" => Some(&self.env.stage_variables),
                "input" | "util" => self.var(name),
                _ => Some(self.var(name).unwrap_or(&NULL)),
            },
            Expr::Prop(base, key) => match self.borrow(base)? {
                v @ Value::Map(_) => Some(v.get(key).unwrap_or(&NULL)),
                Value::Null => Some(&NULL),
                _ => None,
            },
            _ => None,
        }
    }

    /// `$context`, copied on the first write.
    fn context_mut(&mut self) -> &mut Value {
        self.context.to_mut()
    }

    /// The value a path of property names leads to, mutably, creating maps on the way (for
    /// `#set($context.responseOverride.header.X = …)` and `$map.put`).
    fn place(&mut self, target: &'a Expr) -> R<&mut Value> {
        match target {
            Expr::Var(name) if name == "context" => Ok(self.context_mut()),
            Expr::Var(name) => {
                if self.var(name).is_none() {
                    self.vars.push((name, Value::Null));
                }
                let slot = self
                    .vars
                    .iter_mut()
                    .rev()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v)
                    .ok_or_else(|| fail("variable vanished"))?;
                Ok(slot)
            }
            Expr::Prop(base, key) => {
                let base = self.place(base)?;
                entry(base, key)
            }
            Expr::Index(base, index) => {
                let index = self.expr(index)?;
                let base = self.place(base)?;
                match (base, index) {
                    (Value::List(items), Value::Int(i)) => usize::try_from(i)
                        .ok()
                        .and_then(|i| items.get_mut(i))
                        .ok_or_else(|| fail("list index out of range")),
                    (base, key) => entry(base, &key.to_text()),
                }
            }
            _ => Err(fail("not a reference")),
        }
    }

    fn assign(&mut self, target: &'a Expr, v: Value) -> R<()> {
        *self.place(target)? = v;
        Ok(())
    }

    fn expr(&mut self, e: &'a Expr) -> R<Value> {
        let v = self.expr_unaccounted(e)?;
        self.allocated = self.allocated.saturating_add(v.heap_size());
        if self.allocated > self.limits.max_allocated {
            return Err(fail("template built values over its memory limit"));
        }
        Ok(v)
    }

    fn expr_unaccounted(&mut self, e: &'a Expr) -> R<Value> {
        self.tick()?;
        if matches!(e, Expr::Var(_) | Expr::Prop(..))
            && let Some(v) = self.borrow(e)
        {
            return Ok(v.clone());
        }
        Ok(match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(s) => Value::Str(s.to_string()),
            Expr::Interp(nodes) => {
                let saved = std::mem::take(&mut self.out);
                let flow = self.nodes(nodes);
                let text = std::mem::replace(&mut self.out, saved);
                flow?;
                Value::Str(text)
            }
            // Reached only for `$input`/`$util` themselves (`borrow` resolved the rest).
            Expr::Var(name) => self.var(name).cloned().unwrap_or(Value::Null),
            Expr::Prop(base, key) => {
                if let Expr::Var(root) = &**base
                    && (root == "input" || root == "util")
                    && self.var(root).is_none()
                {
                    return self.builtin_prop(root, key);
                }
                if let Some(base) = self.borrow(base) {
                    return Ok(property(base, key));
                }
                let base = self.expr(base)?;
                property(&base, key)
            }
            Expr::Index(base, index) => {
                let base = self.expr(base)?;
                let index = self.expr(index)?;
                match (&base, &index) {
                    (Value::List(items), Value::Int(i)) => usize::try_from(*i)
                        .ok()
                        .and_then(|i| items.get(i))
                        .cloned()
                        .unwrap_or(Value::Null),
                    _ => property(&base, &index.to_text()),
                }
            }
            Expr::Call(base, method, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.expr(a)?);
                }
                if let Expr::Var(root) = &**base
                    && (root == "input" || root == "util")
                    && self.var(root).is_none()
                {
                    return self.builtin_call(root, method, &values);
                }
                if matches!(
                    method.as_ref(),
                    "add" | "put" | "remove" | "addAll" | "putAll"
                ) && matches!(&**base, Expr::Var(_) | Expr::Prop(..) | Expr::Index(..))
                {
                    let place = self.place(base)?;
                    return Ok(mutate(place, method, values));
                }
                let cap = self.limits.max_allocated;
                let regexes = self.regexes;
                if let Some(base) = self.borrow(base) {
                    return method_call(base, method, &values, cap, regexes);
                }
                let base = self.expr(base)?;
                method_call(&base, method, &values, cap, regexes)?
            }
            Expr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.expr(i)?);
                }
                Value::List(out)
            }
            Expr::Map(entries) => {
                let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let k = self.expr(k)?.to_text();
                    let v = self.expr(v)?;
                    match out.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Value::Map(out)
            }
            Expr::Range(a, b) => {
                let (Value::Int(a), Value::Int(b)) = (self.expr(a)?, self.expr(b)?) else {
                    return Ok(Value::List(Vec::new()));
                };
                // Longer ranges are cut at the loop cap: no loop could use more.
                let cap = self.limits.max_iterations;
                let items: Vec<Value> = if a <= b {
                    (a..=b).take(cap).map(Value::Int).collect()
                } else {
                    (b..=a).rev().take(cap).map(Value::Int).collect()
                };
                Value::List(items)
            }
            Expr::Not(e) => Value::Bool(!self.expr(e)?.truthy()),
            Expr::Neg(e) => match self.expr(e)? {
                Value::Int(i) => Value::Int(i.wrapping_neg()),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Null,
            },
            Expr::Bin(op, l, r) => {
                let l = self.expr(l)?;
                match op {
                    BinOp::And if !l.truthy() => return Ok(Value::Bool(false)),
                    BinOp::Or if l.truthy() => return Ok(Value::Bool(true)),
                    BinOp::And | BinOp::Or => return Ok(Value::Bool(self.expr(r)?.truthy())),
                    _ => {}
                }
                let r = self.expr(r)?;
                binary(*op, &l, &r)
            }
        })
    }

    fn builtin_prop(&mut self, root: &str, key: &str) -> R<Value> {
        match (root, key) {
            ("input", "body") => Ok(Value::Str(self.env.body.clone())),
            ("input", "json" | "path" | "params") => self.builtin_call(root, key, &[]),
            _ => Ok(Value::Null),
        }
    }

    fn builtin_call(&mut self, root: &str, method: &str, args: &[Value]) -> R<Value> {
        let arg = |i: usize| args.get(i).map(Value::to_text).unwrap_or_default();
        Ok(match (root, method) {
            ("input", "json") => {
                let mut out = String::new();
                match select(self.body_json(), &arg(0)) {
                    Some(Selected::One(v)) => v.write_json(&mut out),
                    Some(Selected::Many(vs)) => {
                        out.push('[');
                        for (i, v) in vs.iter().enumerate() {
                            if i > 0 {
                                out.push(',');
                            }
                            v.write_json(&mut out);
                        }
                        out.push(']');
                    }
                    None => out.push_str("null"),
                }
                Value::Str(out)
            }
            ("input", "path") => match select(self.body_json(), &arg(0)) {
                Some(Selected::One(v)) => v.clone(),
                Some(Selected::Many(vs)) => Value::List(vs.into_iter().cloned().collect()),
                None => Value::Null,
            },
            ("input", "params") if args.is_empty() => self.env.params_value(),
            ("input", "params") => self.env.param(&arg(0)).map_or(Value::str(""), Value::Str),
            ("util", "escapeJavaScript") => Value::Str(escape_javascript(&arg(0))),
            ("util", "parseJson") => parse_json(&arg(0)).unwrap_or(Value::Null),
            ("util", "urlEncode") => Value::Str(url_encode(&arg(0))),
            ("util", "urlDecode") => Value::Str(url_decode(&arg(0))),
            ("util", "base64Encode") => Value::Str(base64_encode(arg(0).as_bytes())),
            ("util", "base64Decode") => Value::Str(
                base64_decode(&arg(0))
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default(),
            ),
            ("util", "toJson") => {
                let mut out = String::new();
                args.first().unwrap_or(&Value::Null).write_json(&mut out);
                Value::Str(out)
            }
            _ => Value::Null,
        })
    }

    /// The body as JSON: `{}` when empty (AWS), `null` when it is not JSON. Parsed on the
    /// first call of an evaluation, then reused.
    fn body_json(&mut self) -> &Value {
        let body = &self.env.body;
        self.json.get_or_insert_with(|| {
            if body.trim().is_empty() {
                Value::Map(Vec::new())
            } else {
                parse_json(body).unwrap_or(Value::Null)
            }
        })
    }
}

fn entry<'v>(base: &'v mut Value, key: &str) -> R<&'v mut Value> {
    if !matches!(base, Value::Map(_)) {
        *base = Value::Map(Vec::new());
    }
    let Value::Map(entries) = base else {
        return Err(fail("not a map"));
    };
    if let Some(i) = entries.iter().position(|(k, _)| k == key) {
        return Ok(&mut entries[i].1);
    }
    entries.push((key.to_owned(), Value::Null));
    let last = entries.len() - 1;
    Ok(&mut entries[last].1)
}

fn property(base: &Value, key: &str) -> Value {
    match base {
        Value::Map(_) => base.get(key).cloned().unwrap_or(Value::Null),
        // `$list.size`, `$s.length` without parentheses are Velocity's getter shorthand. A
        // getter takes no arguments, so none makes a value larger than its base (no cap).
        _ => {
            let call = |method| {
                method_call(base, method, &[], usize::MAX, &regexes::NONE).unwrap_or(Value::Null)
            };
            getter(key).map_or(Value::Null, call).or_null(|| call(key))
        }
    }
}

/// Velocity's getter for the property `key` (`length` → `getLength`), among the `get…`
/// methods [`method_call`] knows; matched without building the name on every access.
fn getter(key: &str) -> Option<&'static str> {
    let (first, rest) = key.split_at_checked(1)?;
    match (first.as_bytes()[0].to_ascii_uppercase(), rest) {
        (b'L', "ength") => Some("getLength"),
        (b'S', "ize") => Some("getSize"),
        (b'K', "eySet") => Some("getKeySet"),
        _ => None,
    }
}

trait OrNull {
    fn or_null(self, f: impl FnOnce() -> Value) -> Value;
}

impl OrNull for Value {
    fn or_null(self, f: impl FnOnce() -> Value) -> Value {
        if matches!(self, Value::Null) {
            f()
        } else {
            self
        }
    }
}

fn mutate(place: &mut Value, method: &str, args: Vec<Value>) -> Value {
    let mut args = args.into_iter();
    match (place, method) {
        (Value::List(items), "add") => {
            items.push(args.next().unwrap_or(Value::Null));
            Value::Bool(true)
        }
        (Value::List(items), "addAll") => {
            if let Some(Value::List(more)) = args.next() {
                items.extend(more);
            }
            Value::Bool(true)
        }
        (Value::List(items), "remove") => match args.next() {
            Some(Value::Int(i)) if usize::try_from(i).is_ok_and(|i| i < items.len()) => {
                items.remove(usize::try_from(i).unwrap_or(0))
            }
            _ => Value::Null,
        },
        (place @ (Value::Map(_) | Value::Null), "put") => {
            let k = args.next().unwrap_or(Value::Null).to_text();
            let v = args.next().unwrap_or(Value::Null);
            match entry(place, &k) {
                Ok(slot) => std::mem::replace(slot, v),
                Err(_) => Value::Null,
            }
        }
        (Value::Map(entries), "remove") => {
            let k = args.next().unwrap_or(Value::Null).to_text();
            match entries.iter().position(|(key, _)| *key == k) {
                Some(i) => entries.remove(i).1,
                None => Value::Null,
            }
        }
        (Value::Map(entries), "putAll") => {
            if let Some(Value::Map(more)) = args.next() {
                for (k, v) in more {
                    match entries.iter_mut().find(|(key, _)| *key == k) {
                        Some(slot) => slot.1 = v,
                        None => entries.push((k, v)),
                    }
                }
            }
            Value::Null
        }
        _ => Value::Null,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) => Some(*f as i64),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn len_i64(n: usize) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Character index → byte index (Java strings index by UTF-16 unit; this indexes by char).
fn char_slice(s: &str, start: i64, end: Option<i64>) -> Value {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let end = end.unwrap_or(n);
    if start < 0 || end > n || start > end {
        return Value::Null;
    }
    Value::Str(chars[start as usize..end as usize].iter().collect())
}

/// A regex replacement that stops appending once the result would pass `cap` bytes (a
/// `$0$0…` replacement of a long match could otherwise grow without bound in one call).
struct BoundedReplacer<'r> {
    replacement: &'r str,
    /// `$` signs in the replacement: each expands to at most the whole match.
    groups: usize,
    cap: usize,
    over: bool,
}

impl regex::Replacer for BoundedReplacer<'_> {
    fn replace_append(&mut self, caps: &regex::Captures<'_>, dst: &mut String) {
        let whole = caps.get(0).map_or(0, |m| m.len());
        let most = self
            .replacement
            .len()
            .saturating_add(self.groups.saturating_mul(whole));
        if self.over || dst.len().saturating_add(most) > self.cap {
            self.over = true;
            return;
        }
        caps.expand(self.replacement, dst);
    }
}

/// A method call on a value; a string result that would pass `cap` bytes is an error before
/// it is built.
fn method_call(
    base: &Value,
    method: &str,
    args: &[Value],
    cap: usize,
    regexes: &Regexes,
) -> R<Value> {
    let text = |i: usize| args.get(i).map(Value::to_text).unwrap_or_default();
    let too_big = || fail("template built a string over its memory limit");
    Ok(match base {
        Value::Str(s) => match method {
            "length" | "size" | "getLength" => len_i64(s.chars().count()),
            "isEmpty" => Value::Bool(s.is_empty()),
            "toString" => base.clone(),
            "toLowerCase" => Value::Str(s.to_lowercase()),
            "toUpperCase" => Value::Str(s.to_uppercase()),
            "trim" => Value::Str(s.trim().to_owned()),
            "contains" => Value::Bool(s.contains(&text(0))),
            "startsWith" => Value::Bool(s.starts_with(&text(0))),
            "endsWith" => Value::Bool(s.ends_with(&text(0))),
            "equals" => Value::Bool(*s == text(0)),
            "equalsIgnoreCase" => Value::Bool(s.to_lowercase() == text(0).to_lowercase()),
            "indexOf" => s
                .find(&text(0))
                .map_or(Value::Int(-1), |b| len_i64(s[..b].chars().count())),
            "lastIndexOf" => s
                .rfind(&text(0))
                .map_or(Value::Int(-1), |b| len_i64(s[..b].chars().count())),
            "charAt" => int(args.first().unwrap_or(&Value::Null))
                .map_or(Value::Null, |i| char_slice(s, i, Some(i + 1))),
            "substring" => match (args.first().and_then(int), args.get(1).and_then(int)) {
                (Some(a), b) => char_slice(s, a, b),
                _ => Value::Null,
            },
            "replace" => {
                let (from, to) = (text(0), text(1));
                let most = s
                    .matches(from.as_str())
                    .count()
                    .saturating_mul(to.len())
                    .saturating_add(s.len());
                if most > cap {
                    return Err(too_big());
                }
                Value::Str(s.replace(&from, &to))
            }
            "replaceAll" | "replaceFirst" => match regexes.get(Use::Search, &text(0)) {
                Some(re) => {
                    let rep = java_replacement(&text(1));
                    let mut bounded = BoundedReplacer {
                        replacement: &rep,
                        groups: rep.matches('$').count(),
                        cap,
                        over: false,
                    };
                    let out = if method == "replaceAll" {
                        re.replace_all(s, regex::Replacer::by_ref(&mut bounded))
                            .into_owned()
                    } else {
                        re.replace(s, regex::Replacer::by_ref(&mut bounded))
                            .into_owned()
                    };
                    if bounded.over {
                        return Err(too_big());
                    }
                    Value::Str(out)
                }
                None => Value::Null,
            },
            "matches" => match regexes.get(Use::Whole, &text(0)) {
                Some(re) => Value::Bool(re.is_match(s)),
                None => Value::Null,
            },
            "split" => match regexes.get(Use::Search, &text(0)) {
                Some(re) => {
                    let mut parts: Vec<Value> =
                        re.split(s).map(|p| Value::Str(p.to_owned())).collect();
                    // Java drops trailing empty strings.
                    while matches!(parts.last(), Some(Value::Str(p)) if p.is_empty()) {
                        parts.pop();
                    }
                    Value::List(parts)
                }
                None => Value::Null,
            },
            "concat" => Value::Str(format!("{s}{}", text(0))),
            _ => Value::Null,
        },
        Value::List(items) => match method {
            "size" | "getSize" => len_i64(items.len()),
            "isEmpty" => Value::Bool(items.is_empty()),
            "get" => args
                .first()
                .and_then(int)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Null),
            "contains" => Value::Bool(
                args.first()
                    .is_some_and(|a| items.iter().any(|v| loose_eq(v, a))),
            ),
            "indexOf" => args
                .first()
                .and_then(|a| items.iter().position(|v| loose_eq(v, a)))
                .map_or(Value::Int(-1), len_i64),
            "toString" => Value::Str(base.to_text()),
            _ => Value::Null,
        },
        Value::Map(entries) => match method {
            "get" => base.get(&text(0)).cloned().unwrap_or(Value::Null),
            "containsKey" => Value::Bool(base.get(&text(0)).is_some()),
            "size" => len_i64(entries.len()),
            "isEmpty" => Value::Bool(entries.is_empty()),
            "keySet" | "getKeySet" => {
                Value::List(entries.iter().map(|(k, _)| Value::Str(k.clone())).collect())
            }
            "values" => Value::List(entries.iter().map(|(_, v)| v.clone()).collect()),
            "entrySet" => Value::List(
                entries
                    .iter()
                    .map(|(k, v)| {
                        Value::map([("key", Value::Str(k.clone())), ("value", v.clone())])
                    })
                    .collect(),
            ),
            "toString" => Value::Str(base.to_text()),
            _ => base.get(method).cloned().unwrap_or(Value::Null),
        },
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => match method {
            "toString" => Value::Str(base.to_text()),
            "intValue" => int(base).map_or(Value::Null, Value::Int),
            _ => Value::Null,
        },
        Value::Null => Value::Null,
    })
}

/// Java replacement strings use `$1`; the regex crate reads `$1x` as a group named `1x`, so
/// group numbers are braced.
fn java_replacement(rep: &str) -> String {
    let mut out = String::with_capacity(rep.len());
    let mut chars = rep.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(n);
                    }
                }
            }
            '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push_str("${");
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    out.push(d);
                    chars.next();
                }
                out.push('}');
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(x), y) if !matches!(y, Value::Str(_)) && !matches!(y, Value::Null) => {
            *x == y.to_text()
        }
        (x, Value::Str(y)) if !matches!(x, Value::Null) && !matches!(x, Value::Str(_)) => {
            x.to_text() == *y
        }
        _ => a == b,
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn binary(op: BinOp, l: &Value, r: &Value) -> Value {
    match op {
        BinOp::Eq => Value::Bool(loose_eq(l, r)),
        BinOp::Ne => Value::Bool(!loose_eq(l, r)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (num(l), num(r)) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => match (l, r) {
                    (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
                    _ => None,
                },
            };
            let Some(ord) = ord else {
                return Value::Bool(false);
            };
            Value::Bool(match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinOp::Add => match (l, r) {
            (Value::Str(_), _) | (_, Value::Str(_)) => {
                Value::Str(format!("{}{}", l.to_text(), r.to_text()))
            }
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_add(*b)),
            _ => arith(l, r, |a, b| a + b),
        },
        BinOp::Sub => match (l, r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_sub(*b)),
            _ => arith(l, r, |a, b| a - b),
        },
        BinOp::Mul => match (l, r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_mul(*b)),
            _ => arith(l, r, |a, b| a * b),
        },
        BinOp::Div => match (l, r) {
            (Value::Int(_), Value::Int(0)) => Value::Null,
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_div(*b)),
            _ => arith(l, r, |a, b| a / b),
        },
        BinOp::Rem => match (l, r) {
            (Value::Int(_), Value::Int(0)) => Value::Null,
            (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_rem(*b)),
            _ => arith(l, r, |a, b| a % b),
        },
        BinOp::And | BinOp::Or => Value::Null,
    }
}

fn arith(l: &Value, r: &Value, f: impl Fn(f64, f64) -> f64) -> Value {
    match (num(l), num(r)) {
        (Some(a), Some(b)) => Value::Float(f(a, b)),
        _ => Value::Null,
    }
}

/// A JSONPath (Goessner's, as AWS evaluates it): `$`, `.name`, `['name']`, `[n]`, `[*]`,
/// `.*`, `..name`. One match is the value itself; a wildcard or recursive step gives a list.
/// What a JSONPath selects: one value, or (after a wildcard or `..`) a list of them.
enum Selected<'v> {
    One(&'v Value),
    Many(Vec<&'v Value>),
}

/// Evaluates a JSONPath (AWS's Goessner-style subset: `.name`, `['name']`, `[i]`, `[-i]`,
/// `*`, `..name`) by reference; the caller copies only what it keeps. `None`: nothing
/// selected, or not a path.
fn select<'v>(root: &'v Value, path: &str) -> Option<Selected<'v>> {
    let path = path.trim();
    let mut rest = path.strip_prefix('$')?;
    let mut current = vec![root];
    let mut many = false;
    while !rest.is_empty() {
        let mut next: Vec<&'v Value> = Vec::new();
        if let Some(r) = rest.strip_prefix("..") {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            for v in &current {
                descend(v, name, &mut next);
            }
            many = true;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            for v in &current {
                if name == "*" {
                    many = true;
                    children(v, &mut next);
                } else if let Some(c) = v.get(name) {
                    next.push(c);
                }
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            for v in &current {
                if inner == "*" {
                    many = true;
                    children(v, &mut next);
                } else if let Some(q) = inner
                    .strip_prefix('\'')
                    .and_then(|q| q.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|q| q.strip_suffix('"')))
                {
                    if let Some(c) = v.get(q) {
                        next.push(c);
                    }
                } else if let Ok(i) = inner.parse::<i64>()
                    && let Value::List(items) = v
                {
                    let i = if i < 0 { items.len() as i64 + i } else { i };
                    if let Some(c) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                        next.push(c);
                    }
                }
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
        current = next;
    }
    if many {
        Some(Selected::Many(current))
    } else {
        current.into_iter().next().map(Selected::One)
    }
}

fn children<'v>(v: &'v Value, out: &mut Vec<&'v Value>) {
    match v {
        Value::List(items) => out.extend(items.iter()),
        Value::Map(entries) => out.extend(entries.iter().map(|(_, v)| v)),
        _ => {}
    }
}

fn descend<'v>(v: &'v Value, name: &str, out: &mut Vec<&'v Value>) {
    match v {
        Value::Map(entries) => {
            for (k, c) in entries {
                if k == name || name == "*" {
                    out.push(c);
                }
                descend(c, name, out);
            }
        }
        Value::List(items) => {
            for c in items {
                descend(c, name, out);
            }
        }
        _ => {}
    }
}

/// Apache commons-lang 2's `escapeJavaScript`, which AWS's `$util.escapeJavaScript` is: `'`
/// and `/` escaped too, and every character outside ASCII as a `\u` escape with four hex digits.
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04X}", *u);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Java's `URLEncoder.encode(s, "UTF-8")`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Java's `URLDecoder.decode(s, "UTF-8")` (a malformed escape is kept as text).
pub(crate) fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Standard base64 (padding optional); `None` when it is not base64.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        });
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// `{"message":…}` bodies use this: a JSON string literal.
pub(crate) fn json_quoted(s: &str) -> String {
    let mut out = String::new();
    json_string(s, &mut out);
    out
}
