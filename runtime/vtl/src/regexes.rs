//! The regexes of Java's `replaceAll`, `replaceFirst`, `split` and `matches`.
//!
//! Nearly every template spells the pattern as a literal (`$s.replaceAll("\s+", " ")`), so
//! [`Template::new`](crate::Template::new) compiles those once, when the template is built (at
//! a generated gateway's start-up, or when the runtime parses an IR's template). A pattern
//! computed at run time is compiled on each call, under size limits, so a hostile or huge one
//! costs a bounded amount and fails as `null` rather than exhausting memory.

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};

use crate::ast::{Expr, Node};

/// Largest compiled program (and lazy DFA cache) a template's pattern may build: Java
/// patterns in mapping templates are a few dozen bytes; the regex crate's defaults (10 MiB)
/// would let one call allocate that much.
const SIZE_LIMIT: usize = 1 << 20;

/// How a pattern is used: searched (`replaceAll`, `replaceFirst`, `split`) or matched whole
/// (`matches`, Java's `String.matches`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    Search,
    Whole,
}

impl Use {
    /// The regex method that uses a pattern this way, if `method` is one.
    pub(crate) fn of(method: &str) -> Option<Use> {
        match method {
            "replaceAll" | "replaceFirst" | "split" => Some(Use::Search),
            "matches" => Some(Use::Whole),
            _ => None,
        }
    }
}

/// One template's literal patterns, compiled (`None`: the pattern does not compile, which
/// every call answers with `null` without trying again).
#[derive(Debug, Clone, Default)]
pub(crate) struct Regexes(Vec<(Use, Box<str>, Option<Regex>)>);

/// For callers without a template (Velocity's getter shorthand never calls a regex method).
pub(crate) static NONE: Regexes = Regexes(Vec::new());

impl Regexes {
    /// Compiles the literal patterns of every regex call in `nodes`, once each.
    pub(crate) fn of(nodes: &[Node]) -> Regexes {
        let mut found = Regexes::default();
        nodes.iter().for_each(|n| found.node(n));
        found
    }

    /// The regex for `pattern` used as `how`: the one compiled with the template, else
    /// compiled now (a pattern computed at run time); `None` when it does not compile.
    pub(crate) fn get(&self, how: Use, pattern: &str) -> Option<Cow<'_, Regex>> {
        match self.0.iter().find(|(u, p, _)| *u == how && **p == *pattern) {
            Some((_, _, compiled)) => compiled.as_ref().map(Cow::Borrowed),
            None => compile(how, pattern).map(Cow::Owned),
        }
    }

    /// How many literal patterns the template carries compiled (for tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(_) | Node::Break | Node::Stop => {}
            Node::Print { expr, .. } => self.expr(expr),
            Node::Set(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Node::If(branches, otherwise) => {
                for (cond, body) in branches {
                    self.expr(cond);
                    body.iter().for_each(|n| self.node(n));
                }
                otherwise.iter().flatten().for_each(|n| self.node(n));
            }
            Node::Foreach(_, list, body) => {
                self.expr(list);
                body.iter().for_each(|n| self.node(n));
            }
        }
    }

    fn expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => {}
            Expr::Var(_) => {}
            Expr::Interp(nodes) => nodes.iter().for_each(|n| self.node(n)),
            Expr::Prop(base, _) | Expr::Not(base) | Expr::Neg(base) => self.expr(base),
            Expr::Call(base, method, args) => {
                if let (Some(how), Some(pattern)) =
                    (Use::of(method), args.first().and_then(literal))
                    && !self.0.iter().any(|(u, p, _)| *u == how && **p == *pattern)
                {
                    let compiled = compile(how, &pattern);
                    self.0.push((how, pattern.into(), compiled));
                }
                self.expr(base);
                args.iter().for_each(|a| self.expr(a));
            }
            Expr::Index(a, b) | Expr::Range(a, b) | Expr::Bin(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::List(items) => items.iter().for_each(|e| self.expr(e)),
            Expr::Map(entries) => entries.iter().for_each(|(k, v)| {
                self.expr(k);
                self.expr(v);
            }),
        }
    }
}

/// The text of a literal pattern: a single- or double-quoted string without references.
fn literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Str(s) => Some(s.to_string()),
        Expr::Interp(nodes) => nodes
            .iter()
            .map(|n| match n {
                Node::Text(t) => Some(&**t),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn compile(how: Use, pattern: &str) -> Option<Regex> {
    let whole;
    let pattern = match how {
        Use::Search => pattern,
        Use::Whole => {
            whole = format!("^(?:{pattern})$");
            &whole
        }
    };
    RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .ok()
}
