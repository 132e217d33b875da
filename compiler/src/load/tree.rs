//! The spanned document tree: YAML and JSON both load into [`Node`]s that remember where they
//! came from, so any later stage can point at the exact line and column.

use crate::source::Span;

/// A value with its source span.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value is written (for a map or sequence: the whole block).
    pub span: Span,
}

/// A scalar or collection.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or an empty YAML value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// A string (YAML plain, quoted or block scalar).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in document order.
    Map(Vec<Entry>),
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key (non-string YAML keys are kept as their text).
    pub key: String,
    /// Where the key is written: diagnostics about a key point here.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The entries if this is a mapping.
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items if this is a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The text if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The entry for `key` if this is a mapping that has it.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The value for `key` if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// A short name of the value's kind for messages ("a mapping", "a string").
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// The node a JSON pointer (RFC 6901, already percent-decoded) designates, e.g.
    /// `/paths/~1pets~1{id}/get`: how a later stage turns a location it knows by path into a span.
    ///
    /// `""` is the node itself; a pointer not starting with `/`, a missing key, or an index that is
    /// not a plain decimal (`-`, leading zeros) gives `None`.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = self;
        for token in rest.split('/') {
            let token = unescape_pointer_token(token);
            node = match &node.value {
                Value::Map(_) => node.get(&token)?,
                Value::Seq(items) => {
                    let plain = !token.is_empty()
                        && token.bytes().all(|b| b.is_ascii_digit())
                        && (token == "0" || !token.starts_with('0'));
                    if !plain {
                        return None;
                    }
                    items.get(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// The string value of `key` if this mapping has it and it is a string: the common
    /// "`$ref: ...`", "`openapi: 3.1.0`" lookup.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    /// Number of nodes in this subtree (itself included): the unit of the alias-expansion budget.
    pub fn count_nodes(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count_nodes).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.count_nodes()).sum(),
            _ => 0,
        }
    }

    /// Nesting depth of this subtree (a scalar is 0, `[1]` is 1): checked against the depth limit
    /// when an alias pastes a subtree somewhere deeper.
    pub fn depth(&self) -> usize {
        match &self.value {
            Value::Seq(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Value::Map(entries) => 1 + entries.iter().map(|e| e.value.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// Converts to JSON (spans dropped), e.g. to hand a subtree to serde or a JSON Schema.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Decodes `~1` → `/` and `~0` → `~` in one JSON pointer reference token, in RFC 6901's order
/// (`~1` first, then `~0`), so that `~01` decodes to `~1`.
pub fn unescape_pointer_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        std::borrow::Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

/// Encodes one key as a JSON pointer reference token (`/` → `~1`, `~` → `~0`), for building
/// pointers that [`Node::pointer`] reads back.
pub fn escape_pointer_token(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        std::borrow::Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}
