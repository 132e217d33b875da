//! A hand-written recursive-descent parser over the template's bytes (the language is small and
//! context-sensitive: text, references and directives interleave), with the byte offset of
//! every error so the compiler can point at a line and column inside the spec.
//!
//! Whitespace as Velocity 2's "lines" mode (what AWS's output looks like): a line holding only
//! a directive (`#set`, `#if`, `#elseif`, `#else`, `#end`, `#foreach`, `#break`, `#stop`) and
//! whitespace produces nothing, not even its line break.

use super::VtlError;
use super::ast::{BinOp, Expr, Node, Template};

/// Deepest nesting of blocks and expressions: hostile templates cannot overflow the stack.
const MAX_DEPTH: usize = 64;

pub(crate) fn parse(src: &str) -> Result<Template, VtlError> {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let (nodes, end) = p.block(&[])?;
    if let Some(end) = end {
        return Err(p.err_at(end.1, format!("`#{}` without a block to close", end.0)));
    }
    Ok(Template::new(nodes))
}

/// The directive that ended a block, and where it was.
type Stop = (&'static str, usize);

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

const DIRECTIVES: [&str; 8] = [
    "foreach", "elseif", "else", "break", "stop", "set", "end", "if",
];

impl<'a> Parser<'a> {
    fn err_at(&self, pos: usize, message: impl Into<String>) -> VtlError {
        VtlError {
            offset: pos.min(self.src.len()),
            message: message.into(),
        }
    }

    fn err(&self, message: impl Into<String>) -> VtlError {
        self.err_at(self.pos, message)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.pos + n).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), VtlError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(format!("expected `{}`", c as char)))
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.pos;
        if !self.peek().is_some_and(is_ident_start) {
            return None;
        }
        while self.peek().is_some_and(is_ident) {
            self.pos += 1;
        }
        Some(self.src[start..self.pos].to_owned())
    }

    /// The directive name at `#` (at `self.pos`), with `{name}` braces, if one is here.
    fn directive_at(&self, at: usize) -> Option<(&'static str, usize)> {
        let rest = &self.b[at + 1..];
        let (rest, braced) = match rest.first() {
            Some(b'{') => (&rest[1..], true),
            _ => (rest, false),
        };
        for d in DIRECTIVES {
            if rest.starts_with(d.as_bytes()) {
                let after = &rest[d.len()..];
                if braced {
                    if after.first() == Some(&b'}') {
                        return Some((d, 1 + 1 + d.len() + 1));
                    }
                } else if !after.first().is_some_and(|&c| is_ident(c)) {
                    return Some((d, 1 + d.len()));
                }
            }
        }
        None
    }

    /// Parses nodes until one of `stops` (directive names) or the end. Returns the stop found
    /// (name and its position, already consumed) or `None` at the end of input.
    fn block(&mut self, stops: &[&str]) -> Result<(Vec<Node>, Option<Stop>), VtlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("blocks nested too deeply"));
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut text = String::new();
        let result = loop {
            let Some(c) = self.peek() else {
                break None;
            };
            match c {
                b'#' if self.peek_at(1) == Some(b'#') => {
                    // Line comment, up to and including the line break.
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == b'\n' {
                            break;
                        }
                    }
                }
                b'#' if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos;
                    match self.src[self.pos + 2..].find("*#") {
                        Some(end) => self.pos += 2 + end + 2,
                        None => return Err(self.err_at(start, "unterminated `#*` comment")),
                    }
                }
                b'#' => {
                    let Some((name, len)) = self.directive_at(self.pos) else {
                        text.push('#');
                        self.pos += 1;
                        continue;
                    };
                    let at = self.pos;
                    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
                    let alone_before = text[line_start..].bytes().all(|c| c == b' ' || c == b'\t')
                        && (line_start > 0 || line_ended(&nodes));
                    self.pos += len;
                    if stops.contains(&name) {
                        // A block's end eats its line break; its indentation too when alone.
                        let gobbled = name != "elseif" && self.gobble_line_end();
                        if alone_before && gobbled {
                            text.truncate(line_start);
                        }
                        flush(&mut text, &mut nodes);
                        break Some((name, at));
                    }
                    let (node, gobbled) = self.directive(name, at)?;
                    if alone_before && gobbled {
                        text.truncate(line_start);
                    }
                    flush(&mut text, &mut nodes);
                    nodes.push(node);
                }
                b'$' => {
                    let save = self.pos;
                    match self.reference_in_text()? {
                        Some(node) => {
                            flush(&mut text, &mut nodes);
                            nodes.push(node);
                        }
                        None => {
                            self.pos = save + 1;
                            text.push('$');
                        }
                    }
                }
                b'\\' if self.peek_at(1) == Some(b'$') || self.peek_at(1) == Some(b'#') => {
                    // `\$x` and `\#set` print the character literally.
                    text.push(self.peek_at(1).map_or('\\', char::from));
                    self.pos += 2;
                }
                _ => {
                    let start = self.pos;
                    while self
                        .peek()
                        .is_some_and(|c| c != b'#' && c != b'$' && c != b'\\')
                    {
                        self.pos += 1;
                    }
                    if self.pos == start {
                        self.pos += 1;
                    }
                    text.push_str(&self.src[start..self.pos]);
                }
            }
        };
        flush(&mut text, &mut nodes);
        self.depth -= 1;
        Ok((nodes, result))
    }

    /// When only spaces and a line break (or the end) follow, consumes them and says so.
    fn gobble_line_end(&mut self) -> bool {
        let mut i = self.pos;
        while matches!(self.b.get(i), Some(b' ' | b'\t' | b'\r')) {
            i += 1;
        }
        match self.b.get(i) {
            Some(b'\n') => {
                self.pos = i + 1;
                true
            }
            None => {
                self.pos = i;
                true
            }
            _ => false,
        }
    }

    /// Parses a directive after its name; also says whether the line break after its opening
    /// part (`#set(…)`, `#if(…)`, `#foreach(…)`) was eaten, as Velocity 1.7 eats it.
    fn directive(&mut self, name: &'static str, at: usize) -> Result<(Node, bool), VtlError> {
        match name {
            "set" => {
                self.ws();
                self.expect(b'(')?;
                self.ws();
                let target = self.expr()?;
                if !matches!(target, Expr::Var(_) | Expr::Prop(..) | Expr::Index(..)) {
                    return Err(self.err_at(at, "`#set` needs a reference on the left"));
                }
                self.ws();
                self.expect(b'=')?;
                self.ws();
                let value = self.expr()?;
                self.ws();
                self.expect(b')')?;
                let gobbled = self.gobble_line_end();
                Ok((Node::Set(target, value), gobbled))
            }
            "if" => {
                let mut branches = Vec::new();
                let mut cond = self.paren_expr()?;
                let gobbled = self.gobble_line_end();
                let mut otherwise = None;
                loop {
                    let (body, stop) = self.block(&["elseif", "else", "end"])?;
                    branches.push((cond, body));
                    match stop {
                        Some(("elseif", _)) => {
                            cond = self.paren_expr()?;
                            self.gobble_line_end();
                        }
                        Some(("else", _)) => {
                            let (body, stop) = self.block(&["end"])?;
                            if stop.is_none() {
                                return Err(self.err_at(at, "`#if` without `#end`"));
                            }
                            otherwise = Some(body);
                            break;
                        }
                        Some(_) => break,
                        None => return Err(self.err_at(at, "`#if` without `#end`")),
                    }
                }
                Ok((Node::If(branches, otherwise), gobbled))
            }
            "foreach" => {
                self.ws();
                self.expect(b'(')?;
                self.ws();
                if !self.eat(b'$') {
                    return Err(self.err("expected the loop variable, e.g. `$item`"));
                }
                self.eat(b'{');
                let var = self
                    .ident()
                    .ok_or_else(|| self.err("expected the loop variable's name"))?;
                self.eat(b'}');
                self.ws();
                if !self.b[self.pos..].starts_with(b"in") || self.peek_at(2).is_some_and(is_ident) {
                    return Err(self.err("expected `in`"));
                }
                self.pos += 2;
                self.ws();
                let list = self.expr()?;
                self.ws();
                self.expect(b')')?;
                let gobbled = self.gobble_line_end();
                let (body, stop) = self.block(&["end"])?;
                if stop.is_none() {
                    return Err(self.err_at(at, "`#foreach` without `#end`"));
                }
                Ok((Node::Foreach(var.into(), list, body), gobbled))
            }
            "break" => Ok((Node::Break, self.gobble_line_end())),
            "stop" => Ok((Node::Stop, self.gobble_line_end())),
            other => Err(self.err_at(
                at,
                format!("`#{other}` without an open `#if` or `#foreach`"),
            )),
        }
    }

    fn paren_expr(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        self.expect(b'(')?;
        self.ws();
        let e = self.expr()?;
        self.ws();
        self.expect(b')')?;
        Ok(e)
    }

    /// A reference in text: `$name…`, `$!name…`, `${name…}`, `$!{name…}`. `None` when the `$` is
    /// plain text (not followed by a name).
    fn reference_in_text(&mut self) -> Result<Option<Node>, VtlError> {
        self.pos += 1; // `$`
        let quiet = self.eat(b'!');
        let braced = self.eat(b'{');
        if !self.peek().is_some_and(is_ident_start) {
            return Ok(None);
        }
        let expr = self.reference_chain(braced)?;
        if braced {
            self.expect(b'}')?;
        }
        Ok(Some(Node::Print { expr, quiet }))
    }

    /// `name(.prop | .method(args) | [index])*`; in text (not braced) a `.` not followed by a
    /// name start ends the reference (`$a.` at a sentence's end).
    fn reference_chain(&mut self, braced: bool) -> Result<Expr, VtlError> {
        let name = self.ident().ok_or_else(|| self.err("expected a name"))?;
        let mut e = Expr::Var(name.into());
        loop {
            match self.peek() {
                Some(b'.') if self.peek_at(1).is_some_and(is_ident_start) => {
                    self.pos += 1;
                    let name = self.ident().ok_or_else(|| self.err("expected a name"))?;
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                        let args = self.args(b')')?;
                        e = Expr::Call(Box::new(e), name.into(), args);
                    } else {
                        e = Expr::Prop(Box::new(e), name.into());
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    self.ws();
                    let index = self.expr()?;
                    self.ws();
                    self.expect(b']')?;
                    e = Expr::Index(Box::new(e), Box::new(index));
                }
                _ => break,
            }
            let _ = braced;
        }
        Ok(e)
    }

    fn args(&mut self, close: u8) -> Result<Vec<Expr>, VtlError> {
        let mut args = Vec::new();
        self.ws();
        if self.eat(close) {
            return Ok(args);
        }
        loop {
            self.ws();
            args.push(self.expr()?);
            self.ws();
            if self.eat(close) {
                return Ok(args);
            }
            self.expect(b',')?;
        }
    }

    fn enter(&mut self) -> Result<(), VtlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("expression nested too deeply"));
        }
        Ok(())
    }

    pub(crate) fn expr(&mut self) -> Result<Expr, VtlError> {
        self.enter()?;
        let r = self.or();
        self.depth -= 1;
        r
    }

    fn word_op(&mut self, word: &str) -> bool {
        if self.b[self.pos..].starts_with(word.as_bytes())
            && !self.peek_at(word.len()).is_some_and(is_ident)
        {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn sym_op(&mut self, sym: &str) -> bool {
        if self.b[self.pos..].starts_with(sym.as_bytes()) {
            self.pos += sym.len();
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Expr, VtlError> {
        let mut l = self.and()?;
        loop {
            self.ws();
            if self.sym_op("||") || self.word_op("or") {
                self.ws();
                let r = self.and()?;
                l = Expr::Bin(BinOp::Or, Box::new(l), Box::new(r));
            } else {
                return Ok(l);
            }
        }
    }

    fn and(&mut self) -> Result<Expr, VtlError> {
        let mut l = self.cmp()?;
        loop {
            self.ws();
            if self.sym_op("&&") || self.word_op("and") {
                self.ws();
                let r = self.cmp()?;
                l = Expr::Bin(BinOp::And, Box::new(l), Box::new(r));
            } else {
                return Ok(l);
            }
        }
    }

    fn cmp(&mut self) -> Result<Expr, VtlError> {
        let l = self.add()?;
        self.ws();
        let op = if self.sym_op("==") || self.word_op("eq") {
            BinOp::Eq
        } else if self.sym_op("!=") || self.word_op("ne") {
            BinOp::Ne
        } else if self.sym_op("<=") || self.word_op("le") {
            BinOp::Le
        } else if self.sym_op(">=") || self.word_op("ge") {
            BinOp::Ge
        } else if self.sym_op("<") || self.word_op("lt") {
            BinOp::Lt
        } else if self.sym_op(">") || self.word_op("gt") {
            BinOp::Gt
        } else {
            return Ok(l);
        };
        self.ws();
        let r = self.add()?;
        Ok(Expr::Bin(op, Box::new(l), Box::new(r)))
    }

    fn add(&mut self) -> Result<Expr, VtlError> {
        let mut l = self.mul()?;
        loop {
            self.ws();
            let op = match self.peek() {
                Some(b'+') => BinOp::Add,
                Some(b'-') => BinOp::Sub,
                _ => return Ok(l),
            };
            self.pos += 1;
            self.ws();
            let r = self.mul()?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
    }

    fn mul(&mut self) -> Result<Expr, VtlError> {
        let mut l = self.unary()?;
        loop {
            self.ws();
            let op = match self.peek() {
                Some(b'*') => BinOp::Mul,
                Some(b'/') => BinOp::Div,
                Some(b'%') => BinOp::Rem,
                _ => return Ok(l),
            };
            self.pos += 1;
            self.ws();
            let r = self.unary()?;
            l = Expr::Bin(op, Box::new(l), Box::new(r));
        }
    }

    fn unary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        if self.peek() == Some(b'!') || self.word_op("not") {
            if self.peek() == Some(b'!') {
                self.pos += 1;
            }
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e?)));
        }
        if self.peek() == Some(b'-') && !self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, VtlError> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err(self.err("expected a value"));
        };
        match c {
            b'$' => {
                self.pos += 1;
                self.eat(b'!');
                let braced = self.eat(b'{');
                let e = self.reference_chain(braced)?;
                if braced {
                    self.expect(b'}')?;
                }
                Ok(e)
            }
            b'\'' => {
                self.pos += 1;
                let start = self.pos;
                let end = self.src[start..]
                    .find('\'')
                    .ok_or_else(|| self.err_at(start - 1, "unterminated string"))?;
                self.pos = start + end + 1;
                Ok(Expr::Str(self.src[start..start + end].to_owned().into()))
            }
            b'"' => {
                self.pos += 1;
                let start = self.pos;
                let end = self.src[start..]
                    .find('"')
                    .ok_or_else(|| self.err_at(start - 1, "unterminated string"))?;
                let inner = &self.src[start..start + end];
                self.pos = start + end + 1;
                if !inner.contains(['$', '#']) {
                    return Ok(Expr::Str(inner.to_owned().into()));
                }
                let mut sub = Parser {
                    src: inner,
                    b: inner.as_bytes(),
                    pos: 0,
                    depth: self.depth,
                };
                let (nodes, stop) = sub.block(&[]).map_err(|e| VtlError {
                    offset: start + e.offset,
                    message: e.message,
                })?;
                if stop.is_some() {
                    return Err(self.err_at(start, "a directive cannot end inside a string"));
                }
                Ok(Expr::Interp(nodes))
            }
            b'[' => {
                self.pos += 1;
                self.ws();
                if self.eat(b']') {
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.expr()?;
                self.ws();
                if self.sym_op("..") {
                    self.ws();
                    let last = self.expr()?;
                    self.ws();
                    self.expect(b']')?;
                    return Ok(Expr::Range(Box::new(first), Box::new(last)));
                }
                let mut items = vec![first];
                loop {
                    self.ws();
                    if self.eat(b']') {
                        return Ok(Expr::List(items));
                    }
                    self.expect(b',')?;
                    self.ws();
                    items.push(self.expr()?);
                }
            }
            b'{' => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.eat(b'}') {
                    return Ok(Expr::Map(entries));
                }
                loop {
                    self.ws();
                    let k = self.expr()?;
                    self.ws();
                    self.expect(b':')?;
                    self.ws();
                    let v = self.expr()?;
                    entries.push((k, v));
                    self.ws();
                    if self.eat(b'}') {
                        return Ok(Expr::Map(entries));
                    }
                    self.expect(b',')?;
                }
            }
            b'(' => {
                self.pos += 1;
                let e = self.expr()?;
                self.ws();
                self.expect(b')')?;
                Ok(e)
            }
            b'-' | b'0'..=b'9' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let float = self.peek() == Some(b'.')
                    && self.peek_at(1).is_some_and(|c| c.is_ascii_digit());
                if float {
                    self.pos += 1;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                }
                let text = &self.src[start..self.pos];
                if float {
                    text.parse()
                        .map(Expr::Float)
                        .map_err(|_| self.err_at(start, "bad number"))
                } else {
                    text.parse()
                        .map(Expr::Int)
                        .map_err(|_| self.err_at(start, "number out of range"))
                }
            }
            _ => {
                if self.word_op("true") {
                    Ok(Expr::Bool(true))
                } else if self.word_op("false") {
                    Ok(Expr::Bool(false))
                } else if self.word_op("null") {
                    Ok(Expr::Null)
                } else {
                    Err(self.err("expected a value"))
                }
            }
        }
    }
}

/// True when the nodes so far end at the start of a line (nothing printed on it yet).
fn line_ended(nodes: &[Node]) -> bool {
    match nodes.last() {
        None => true,
        Some(Node::Text(t)) => t.ends_with('\n'),
        Some(Node::Print { .. }) => false,
        Some(_) => true,
    }
}

fn flush(text: &mut String, nodes: &mut Vec<Node>) {
    if !text.is_empty() {
        nodes.push(Node::Text(std::mem::take(text).into()));
    }
}
