//! The parsed form of a template.
//!
//! Public so that a generated gateway can carry its templates already parsed, written as Rust
//! data by the compiler (`gwc build`), and start without parsing any. Strings are [`Str`], so
//! that data borrows string literals. Build values with [`super::parse`]; code other than the
//! parser and the compiler's emitter has no reason to construct them by hand.

use crate::Str;
use crate::regexes::Regexes;

/// A parsed template: what the evaluator runs.
#[derive(Debug, Clone)]
pub struct Template {
    pub(crate) nodes: Vec<Node>,
    /// The regexes of `replaceAll`/`replaceFirst`/`split`/`matches` calls whose pattern is a
    /// literal, compiled here once rather than on every call.
    pub(crate) regexes: Regexes,
    /// The `$context` variables it reads, so a caller builds only those for each render.
    context: ContextReads,
}

/// Which `$context` variables a template reads, found when it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextReads {
    /// `$context` itself is used as a value (copied, iterated, indexed by a computed key):
    /// every variable may be read.
    All,
    /// Only these, by their first name (`$context.identity.sourceIp` reads `identity`).
    Names(Vec<Str>),
}

impl ContextReads {
    /// Whether the variable `name` may be read.
    pub fn reads(&self, name: &str) -> bool {
        match self {
            ContextReads::All => true,
            ContextReads::Names(names) => names.iter().any(|n| n == name),
        }
    }

    fn of(nodes: &[Node]) -> ContextReads {
        let mut names = Vec::new();
        if nodes.iter().all(|n| n.context_names(&mut names)) {
            names.sort();
            names.dedup();
            ContextReads::Names(names)
        } else {
            ContextReads::All
        }
    }
}

impl PartialEq for Template {
    /// The regexes are a function of the nodes.
    fn eq(&self, other: &Self) -> bool {
        self.nodes == other.nodes
    }
}

impl Template {
    /// A template from its parsed nodes (what generated code writes; the nodes must come from
    /// [`super::parse`], whose output the evaluator is tested on). Compiles the regexes of
    /// literal patterns now, so that a generated gateway does it once at start-up.
    pub fn new(nodes: Vec<Node>) -> Template {
        let regexes = Regexes::of(&nodes);
        let context = ContextReads::of(&nodes);
        Template {
            nodes,
            regexes,
            context,
        }
    }

    /// The `$context` variables the template reads.
    pub fn context_reads(&self) -> &ContextReads {
        &self.context
    }

    /// The top-level nodes, for emitting the template as Rust data.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// Whether the template reads `$input.params` (decided once, at start-up, so a response
    /// template's route keeps the method request's parameters only when one reads them).
    pub fn reads_params(&self) -> bool {
        self.nodes.iter().any(Node::reads_params)
    }
}

impl Node {
    /// Adds the `$context` names this node reads to `names`; false when it uses `$context`
    /// as a whole.
    fn context_names(&self, names: &mut Vec<Str>) -> bool {
        match self {
            Node::Text(_) | Node::Break | Node::Stop => true,
            Node::Print { expr, .. } => expr.context_names(names),
            Node::Set(a, b) => a.context_names(names) && b.context_names(names),
            Node::If(branches, otherwise) => {
                branches.iter().all(|(c, body)| {
                    c.context_names(names) && body.iter().all(|n| n.context_names(names))
                }) && otherwise.iter().flatten().all(|n| n.context_names(names))
            }
            Node::Foreach(_, list, body) => {
                list.context_names(names) && body.iter().all(|n| n.context_names(names))
            }
        }
    }

    fn reads_params(&self) -> bool {
        match self {
            Node::Text(_) | Node::Break | Node::Stop => false,
            Node::Print { expr, .. } => expr.reads_params(),
            Node::Set(a, b) => a.reads_params() || b.reads_params(),
            Node::If(branches, otherwise) => {
                branches
                    .iter()
                    .any(|(c, body)| c.reads_params() || body.iter().any(Node::reads_params))
                    || otherwise.iter().flatten().any(Node::reads_params)
            }
            Node::Foreach(_, list, body) => {
                list.reads_params() || body.iter().any(Node::reads_params)
            }
        }
    }
}

impl Expr {
    fn context_names(&self, names: &mut Vec<Str>) -> bool {
        let is_context = |e: &Expr| matches!(e, Expr::Var(v) if v == "context");
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => true,
            Expr::Var(v) => v != "context",
            Expr::Prop(base, name) if is_context(base) => {
                names.push(name.clone());
                true
            }
            Expr::Index(base, key) if is_context(base) => match &**key {
                Expr::Str(name) => {
                    names.push(name.clone());
                    true
                }
                _ => false,
            },
            Expr::Interp(nodes) => nodes.iter().all(|n| n.context_names(names)),
            Expr::Prop(base, _) | Expr::Not(base) | Expr::Neg(base) => base.context_names(names),
            Expr::Call(base, _, args) => {
                base.context_names(names) && args.iter().all(|a| a.context_names(names))
            }
            Expr::Index(a, b) | Expr::Range(a, b) | Expr::Bin(_, a, b) => {
                a.context_names(names) && b.context_names(names)
            }
            Expr::List(items) => items.iter().all(|e| e.context_names(names)),
            Expr::Map(entries) => entries
                .iter()
                .all(|(k, v)| k.context_names(names) && v.context_names(names)),
        }
    }

    fn reads_params(&self) -> bool {
        let is_input = |e: &Expr| matches!(e, Expr::Var(v) if v == "input");
        match self {
            Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => false,
            Expr::Var(_) => false,
            Expr::Interp(nodes) => nodes.iter().any(Node::reads_params),
            Expr::Prop(base, name) => (is_input(base) && name == "params") || base.reads_params(),
            Expr::Call(base, name, args) => {
                (is_input(base) && name == "params")
                    || base.reads_params()
                    || args.iter().any(Expr::reads_params)
            }
            Expr::Index(a, b) | Expr::Range(a, b) | Expr::Bin(_, a, b) => {
                a.reads_params() || b.reads_params()
            }
            Expr::List(items) => items.iter().any(Expr::reads_params),
            Expr::Map(entries) => entries
                .iter()
                .any(|(k, v)| k.reads_params() || v.reads_params()),
            Expr::Not(e) | Expr::Neg(e) => e.reads_params(),
        }
    }
}

/// One piece of a template: printed text, a printed reference, or a directive.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal text, printed as it is.
    Text(Str),
    /// A reference printed in text (`$a.b`); `quiet` is the `$!` form. AWS prints nothing for
    /// an undefined value either way.
    Print {
        /// The reference.
        expr: Expr,
        /// `$!a` rather than `$a`.
        quiet: bool,
    },
    /// `#set(target = value)`.
    Set(Expr, Expr),
    /// `#if`/`#elseif` branches (condition, body) and the `#else` body.
    If(Vec<(Expr, Vec<Node>)>, Option<Vec<Node>>),
    /// `#foreach($var in list) body #end`.
    Foreach(Str, Expr, Vec<Node>),
    /// `#break`.
    Break,
    /// `#stop`.
    Stop,
}

/// An expression: a literal, a reference chain or an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `null`.
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A decimal literal.
    Float(f64),
    /// A single-quoted string: no interpolation.
    Str(Str),
    /// A double-quoted string with references in it.
    Interp(Vec<Node>),
    /// `$name`.
    Var(Str),
    /// `base.name`.
    Prop(Box<Expr>, Str),
    /// `base[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// `base.name(args)`.
    Call(Box<Expr>, Str, Vec<Expr>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{k: v}`.
    Map(Vec<(Expr, Expr)>),
    /// `[a..b]`.
    Range(Box<Expr>, Box<Expr>),
    /// `!e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `l op r`.
    Bin(BinOp, Box<Expr>, Box<Expr>),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}
