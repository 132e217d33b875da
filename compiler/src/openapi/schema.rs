//! Schemas normalised to one JSON Schema 2020-12 form, whatever the document's dialect.
//!
//! Request validation (later) hands these to the `jsonschema` crate, which knows nothing of
//! OpenAPI 3.0's `nullable` or boolean `exclusiveMinimum`, nor of Swagger 2.0's `definitions`.
//! So, recursively through every subschema keyword:
//! - `nullable: true` (3.0, also found in 3.1 documents) and `x-nullable: true` (2.0) become a
//!   type array with `"null"` (and `null` joins an `enum`); on a `$ref` or a composition with no
//!   `type`, they become `anyOf: [<schema>, {type: "null"}]`;
//! - boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric 2020-12 form;
//! - `example` becomes `examples: [<example>]`; 3.1 type arrays, `const` and `examples` are kept;
//! - 2.0 `type: file` becomes `{type: string, format: binary}`, a string `discriminator` becomes
//!   `{propertyName: ...}`, and an array-valued `items` becomes `prefixItems`;
//! - `$ref`s to the root file's `#/components/schemas/X` (or 2.0 `#/definitions/X`) stay
//!   references, rewritten to `#/components/schemas/X`, so recursive schemas stay finite; every
//!   other reference (sibling files, other places) is inlined, a reference that recurses into
//!   itself through inlining becomes `{}` with a `$comment`.
//!
//! Normalisation is lazy: a [`Schema`] is a handle, [`Schema::json`] does the work when asked.

use serde_json::{Map, Value as J, json};

use super::Dialect;
use crate::load::{Document, Node, Value};
use crate::source::{FileId, Span};

/// Most JSON nodes one normalisation may produce: inlining a diamond of references could
/// otherwise grow exponentially on hostile input.
const NODE_BUDGET: usize = 1_000_000;

/// A schema as written (a node of some file, or synthesised from a Swagger 2.0 parameter), to be
/// normalised on demand.
#[derive(Debug, Clone)]
pub struct Schema<'d> {
    doc: &'d Document,
    dialect: Dialect,
    source: Source<'d>,
}

#[derive(Debug, Clone)]
enum Source<'d> {
    Node {
        file: FileId,
        node: &'d Node,
    },
    /// Built from 2.0 parameter fields (`type`, `format`, `items`, ...): owned.
    Built {
        file: FileId,
        node: Box<Node>,
    },
}

impl<'d> Schema<'d> {
    pub(super) fn new(doc: &'d Document, dialect: Dialect, file: FileId, node: &'d Node) -> Self {
        Schema {
            doc,
            dialect,
            source: Source::Node { file, node },
        }
    }

    pub(super) fn built(doc: &'d Document, dialect: Dialect, file: FileId, node: Node) -> Self {
        Schema {
            doc,
            dialect,
            source: Source::Built {
                file,
                node: Box::new(node),
            },
        }
    }

    /// Where the schema is written (for a 2.0 parameter: the parameter).
    pub fn span(&self) -> Span {
        self.node().span
    }

    /// The schema as written (for a 2.0 parameter: a mapping built from its fields).
    pub fn node(&self) -> &Node {
        match &self.source {
            Source::Node { node, .. } => node,
            Source::Built { node, .. } => node,
        }
    }

    /// The file the schema is written in (relative `$ref`s inside resolve against it).
    pub fn file(&self) -> FileId {
        match &self.source {
            Source::Node { file, .. } | Source::Built { file, .. } => *file,
        }
    }

    /// The normalised JSON Schema 2020-12 form (see the module docs).
    pub fn json(&self) -> J {
        let mut n = Normalizer {
            doc: self.doc,
            dialect: self.dialect,
            inlining: Vec::new(),
            budget: NODE_BUDGET,
        };
        n.schema(self.file(), self.node())
    }
}

struct Normalizer<'d> {
    doc: &'d Document,
    dialect: Dialect,
    /// Referenced nodes being inlined (by address), to stop recursion.
    inlining: Vec<*const Node>,
    budget: usize,
}

/// Keywords whose value is one subschema.
const ONE: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
/// Keywords whose value is an array of subschemas.
const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

impl Normalizer<'_> {
    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        true
    }

    fn schema(&mut self, file: FileId, node: &Node) -> J {
        if !self.spend() {
            return json!({"$comment": "schema too large to inline"});
        }
        let Some(entries) = node.as_map() else {
            // `true`/`false` schemas (3.1), or something invalid kept as is.
            return node.to_json();
        };
        if let Some((reference, _)) = Document::ref_of(node) {
            return self.reference(file, node, reference);
        }
        let mut out = Map::new();
        let mut nullable = false;
        let mut example = None;
        for e in entries {
            let key = e.key.as_str();
            let v = &e.value;
            match key {
                "nullable" | "x-nullable" => nullable = matches!(v.value, Value::Bool(true)),
                "example" => example = Some(v.to_json()),
                "items" => {
                    if let Some(items) = v.as_seq() {
                        let list = items.iter().map(|i| self.schema(file, i)).collect();
                        out.insert("prefixItems".to_owned(), J::Array(list));
                    } else {
                        out.insert("items".to_owned(), self.schema(file, v));
                    }
                }
                "definitions" if self.dialect == Dialect::Swagger2 => {
                    out.insert("$defs".to_owned(), self.schema_map(file, v));
                }
                "discriminator" if v.as_str().is_some() => {
                    out.insert(
                        "discriminator".to_owned(),
                        json!({"propertyName": v.to_json()}),
                    );
                }
                _ if ONE.contains(&key) => {
                    out.insert(e.key.clone(), self.schema(file, v));
                }
                _ if LIST.contains(&key) => {
                    let list = match v.as_seq() {
                        Some(items) => {
                            J::Array(items.iter().map(|i| self.schema(file, i)).collect())
                        }
                        None => v.to_json(),
                    };
                    out.insert(e.key.clone(), list);
                }
                _ if MAP.contains(&key) => {
                    out.insert(e.key.clone(), self.schema_map(file, v));
                }
                _ => {
                    out.insert(e.key.clone(), v.to_json());
                }
            }
        }
        if let Some(example) = example
            && !out.contains_key("examples")
        {
            out.insert("examples".to_owned(), J::Array(vec![example]));
        }
        if out.get("type").and_then(J::as_str) == Some("file") {
            out.insert("type".to_owned(), J::from("string"));
            out.insert("format".to_owned(), J::from("binary"));
        }
        exclusive_bound(&mut out, "exclusiveMinimum", "minimum");
        exclusive_bound(&mut out, "exclusiveMaximum", "maximum");
        if nullable {
            return make_nullable(out);
        }
        J::Object(out)
    }

    fn schema_map(&mut self, file: FileId, node: &Node) -> J {
        // `properties: {$ref: 'file#/…'}` (DigitalOcean): the whole map is elsewhere.
        let (file, node) = match Document::ref_of(node) {
            Some(_) => match self.doc.resolve(file, node) {
                Ok(t) => (t.file, t.node),
                Err(_) => return json!({}),
            },
            None => (file, node),
        };
        match node.as_map() {
            Some(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), self.schema(file, &e.value)))
                    .collect(),
            ),
            None => node.to_json(),
        }
    }

    /// A `{$ref: ...}` schema: kept when it names a root component schema, inlined otherwise.
    fn reference(&mut self, file: FileId, node: &Node, reference: &str) -> J {
        let Ok(target) = self.doc.lookup(file, reference) else {
            // Reported by the loader.
            return json!({});
        };
        let nullable = ["nullable", "x-nullable"]
            .iter()
            .any(|k| matches!(node.get(k).map(|n| &n.value), Some(Value::Bool(true))));
        let mut out = match self.component_name(target.file, reference) {
            Some(name) => {
                let mut m = Map::new();
                m.insert(
                    "$ref".to_owned(),
                    J::from(format!("#/components/schemas/{name}")),
                );
                J::Object(m)
            }
            None => {
                let key = target.node as *const Node;
                if self.inlining.contains(&key) {
                    json!({"$comment": format!("recursive reference `{reference}` not inlined")})
                } else {
                    self.inlining.push(key);
                    let inlined = self.schema(target.file, target.node);
                    self.inlining.pop();
                    inlined
                }
            }
        };
        // 3.1 applies a `$ref`'s sibling keywords; 3.0 and 2.0 ignore them.
        if self.dialect == Dialect::OpenApi31 {
            let siblings: Vec<_> = node
                .as_map()
                .unwrap_or_default()
                .iter()
                .filter(|e| !matches!(e.key.as_str(), "$ref" | "nullable"))
                .collect();
            if !siblings.is_empty() {
                let sibling_node = Node {
                    value: Value::Map(siblings.into_iter().cloned().collect()),
                    span: node.span,
                };
                let rest = self.schema(file, &sibling_node);
                out = match (out, rest) {
                    (J::Object(mut a), J::Object(b)) if a.contains_key("$ref") => {
                        a.extend(b);
                        J::Object(a)
                    }
                    (a, J::Object(mut b)) => {
                        b.insert("allOf".to_owned(), J::Array(vec![a]));
                        J::Object(b)
                    }
                    (a, _) => a,
                };
            }
        }
        if nullable {
            return json!({"anyOf": [out, {"type": "null"}]});
        }
        out
    }

    /// `X` if `reference` (written in a file, resolving into `target_file`) designates the root
    /// file's `/components/schemas/X` (or 2.0 `/definitions/X`).
    fn component_name(&self, target_file: FileId, reference: &str) -> Option<String> {
        if target_file != self.doc.root_file() {
            return None;
        }
        let (_, pointer) = crate::load::split_reference(reference).ok()?;
        let prefix = match self.dialect {
            Dialect::Swagger2 => "/definitions/",
            Dialect::OpenApi30 | Dialect::OpenApi31 => "/components/schemas/",
        };
        let name = pointer.strip_prefix(prefix)?;
        if name.contains('/') {
            return None;
        }
        // Keep the pointer escaping (`~1`, `~0`) as written: the result is a pointer again.
        Some(name.to_owned())
    }
}

/// Draft 4 style `exclusiveMinimum: true` + `minimum: n` → `exclusiveMinimum: n`.
fn exclusive_bound(out: &mut Map<String, J>, exclusive: &str, bound: &str) {
    match out.get(exclusive) {
        Some(J::Bool(true)) => {
            if let Some(n) = out.remove(bound) {
                out.insert(exclusive.to_owned(), n);
            } else {
                out.remove(exclusive);
            }
        }
        Some(J::Bool(false)) => {
            out.remove(exclusive);
        }
        _ => {}
    }
}

fn make_nullable(mut out: Map<String, J>) -> J {
    if let Some(J::Array(values)) = out.get_mut("enum")
        && !values.contains(&J::Null)
    {
        values.push(J::Null);
    }
    match out.get_mut("type") {
        Some(J::String(t)) => {
            let t = std::mem::take(t);
            out.insert("type".to_owned(), json!([t, "null"]));
            J::Object(out)
        }
        Some(J::Array(types)) => {
            if !types.contains(&J::from("null")) {
                types.push(J::from("null"));
            }
            J::Object(out)
        }
        _ => {
            let composed = ["allOf", "anyOf", "oneOf", "$ref"]
                .iter()
                .any(|k| out.contains_key(*k));
            if composed {
                json!({"anyOf": [J::Object(out), {"type": "null"}]})
            } else {
                // No type restriction at all: null is already allowed.
                J::Object(out)
            }
        }
    }
}
