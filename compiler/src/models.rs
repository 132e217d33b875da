//! Typed models: Rust types (serde) generated from a spec's schemas, so a spec-first handler's
//! signature is checked against the spec by rustc.
//!
//! `gwc models SPEC -o FILE` writes one module with a type per `components/schemas` entry and a
//! request and response type per operation (`CreateOrderRequest`, `CreateOrderResponse`) for its
//! JSON request body and first JSON success response. A handler crate includes that module,
//! names it in `x-gateway.rust.models`, and takes `Json<models::CreateOrderRequest>`; the
//! generated gateway then asserts, at compile time, that each handler's body and response types
//! are the spec's ([`Models::operations`] feeds those assertions).
//!
//! The input is the normalised JSON Schema 2020-12 form ([`crate::openapi::Schema::json`]), so
//! OpenAPI 3.0 `nullable`, Swagger 2.0 `definitions` and 3.1 type arrays arrive as one shape:
//! - objects with `properties` → structs (`Option` for fields not `required`, `#[serde(rename)]`
//!   where the Rust name differs, `additionalProperties` beside them as a flattened map);
//!   objects with only `additionalProperties` → `BTreeMap<String, T>`; free-form objects →
//!   `serde_json::Map`;
//! - string `enum`s → enums; `oneOf`/`anyOf` → untagged enums (or `Option<T>` when one member is
//!   `null`); `allOf` of objects → one struct with the members' properties merged;
//! - `$ref`s → the component's type, boxed where a cycle of by-value fields needs it.
//!
//! What has no faithful Rust type becomes `serde_json::Value` and is *named* in the
//! [`Report`] (e.g. `not`, `prefixItems`, `allOf` of non-objects), never silently: the figures
//! `gwc models --report` prints are the measure of coverage on real APIs.
//! Validation keywords (`minLength`, `pattern`, `minimum`, …) do not change a type: request
//! validation checks them before the handler runs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value as J;

use crate::openapi::{Api, is_json_media_type};

/// Every generated type, plus what each operation's body and response types are.
#[derive(Debug, Default)]
pub struct Models {
    items: Vec<TokenStream>,
    /// Per operation with a JSON request body or response: the Rust names of its types.
    pub operations: Vec<OperationModels>,
    /// Coverage: how many component schemas have a faithful type, and which constructs did not.
    pub report: Report,
}

/// The model types of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationModels {
    /// The route id the IR gives the operation (its `operationId`), to match handlers.
    pub id: String,
    /// The request body type (`CreateOrderRequest`), if the operation has a JSON body.
    pub request: Option<String>,
    /// The first JSON success response's type (`CreateOrderResponse`), if any.
    pub response: Option<String>,
}

/// Coverage figures of one generation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Component schemas seen.
    pub schemas: usize,
    /// Component schemas whose type is faithful (no construct fell back to `serde_json::Value`).
    pub faithful: usize,
    /// Each unsupported construct → the component schemas (or operations) where it occurs.
    pub unsupported: BTreeMap<&'static str, BTreeSet<String>>,
    /// Operation request/response types generated.
    pub operation_types: usize,
}

impl Report {
    /// The figures as text: totals, then each construct with a count and up to three examples.
    pub fn render(&self, title: &str) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let pct = if self.schemas == 0 {
            100.0
        } else {
            self.faithful as f64 * 100.0 / self.schemas as f64
        };
        let _ = writeln!(
            out,
            "{title}: {} component schemas, {} ({pct:.1} %) with a faithful Rust type, {} fall back to serde_json::Value somewhere; {} operation body/response types",
            self.schemas,
            self.faithful,
            self.schemas - self.faithful,
            self.operation_types,
        );
        for (construct, places) in &self.unsupported {
            let examples: Vec<&str> = places.iter().take(3).map(String::as_str).collect();
            let _ = writeln!(
                out,
                "  {construct}: {} ({}{})",
                places.len(),
                examples.join(", "),
                if places.len() > 3 { ", …" } else { "" }
            );
        }
        out
    }
}

impl Models {
    /// The module as `gwc models` writes it for a spec file named `spec_name`.
    pub fn render_for(&self, spec_name: &str) -> String {
        self.render(&format!(
            "{} {spec_name} by `gwc models`; do not edit.",
            crate::codegen::MARKER
        ))
    }

    /// The module's text: a header comment, then every type, formatted by prettyplease.
    pub fn render(&self, header: &str) -> String {
        let items = &self.items;
        let tokens = quote! {
            #![allow(clippy::all, clippy::pedantic, missing_docs, dead_code, unreachable_pub)]
            #(#items)*
        };
        let body = match syn::parse2::<syn::File>(tokens.clone()) {
            Ok(file) => prettyplease::unparse(&file),
            Err(_) => format!("{tokens}\n"),
        };
        format!("// {header}\n\n{body}")
    }
}

/// Generates the models of every component schema and operation body of `api`.
pub fn generate(api: &Api<'_>) -> Models {
    let components: Vec<(String, J)> = api
        .component_schemas()
        .into_iter()
        .map(|(name, s)| (name.to_owned(), s.json()))
        .collect();
    let mut g = Gen::new(&components);
    for (name, schema) in &components {
        let ident = g.component_idents[name].clone();
        g.current = Some(name.clone());
        g.place = name.clone();
        let before = g.fallbacks;
        g.define(&ident, schema, true);
        g.report.schemas += 1;
        if g.fallbacks == before {
            g.report.faithful += 1;
        }
    }
    g.current = None;
    let mut operations = Vec::new();
    for op in &api.operations {
        let id = match &op.operation_id {
            Some(id) => id.value.clone(),
            None => format!("{} {}", op.method.as_str(), op.path),
        };
        let base = g.unique(&pascal(&id));
        g.place = id.clone();
        let request = op
            .request_body
            .as_ref()
            .and_then(|rb| {
                rb.content
                    .iter()
                    .find(|m| is_json_media_type(&m.content_type))
            })
            .and_then(|m| m.schema.as_ref())
            .map(|s| g.operation_type(&format!("{base}Request"), &s.json()));
        let response = api
            .response_schemas(op)
            .first()
            .map(|(_, s)| g.operation_type(&format!("{base}Response"), &s.json()));
        if request.is_some() || response.is_some() {
            operations.push(OperationModels {
                id,
                request,
                response,
            });
        }
    }
    Models {
        items: g.items,
        operations,
        report: g.report,
    }
}

struct Gen<'c> {
    components: HashMap<&'c str, &'c J>,
    component_idents: HashMap<String, String>,
    used: HashSet<String>,
    items: Vec<TokenStream>,
    /// The component being generated (for boxing decisions).
    current: Option<String>,
    /// Where constructs are attributed in the report.
    place: String,
    /// Inside a `Vec` or map: a cycle through here needs no `Box`.
    indirect: bool,
    fallbacks: usize,
    /// Nesting of [`Gen::ty`] calls, bounded so hostile input cannot overflow the stack.
    depth: usize,
    /// Components each component holds by value (fields, compositions, a newtype's target).
    value_refs: HashMap<&'c str, Vec<String>>,
    report: Report,
}

/// An object's properties, in order.
type Properties = Vec<(String, J)>;

/// An `allOf` read as one object ([`Gen::merge_all_of`]).
#[derive(Default)]
struct MergedAllOf {
    props: Properties,
    required: BTreeSet<String>,
    additional: Option<J>,
    /// A `oneOf`/`anyOf` member (as written: a `$ref` or inline).
    union: Option<J>,
}

/// Deepest inline nesting turned into types; beyond it, `serde_json::Value`.
const MAX_NESTING: usize = 64;

const REF_PREFIX: &str = "#/components/schemas/";

impl<'c> Gen<'c> {
    fn new(components: &'c [(String, J)]) -> Gen<'c> {
        let mut g = Gen {
            components: components.iter().map(|(n, j)| (n.as_str(), j)).collect(),
            component_idents: HashMap::new(),
            used: HashSet::new(),
            items: Vec::new(),
            current: None,
            place: String::new(),
            indirect: false,
            fallbacks: 0,
            depth: 0,
            value_refs: HashMap::new(),
            report: Report::default(),
        };
        for (name, schema) in components {
            let ident = g.unique(&pascal(name));
            g.component_idents.insert(name.clone(), ident);
            let mut refs = Vec::new();
            collect_value_refs(schema, &mut refs);
            g.value_refs.insert(name.as_str(), refs);
        }
        g
    }

    /// A type name not used yet (suffixes `2`, `3`, … on clashes).
    fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "Model" } else { base };
        let mut name = base.to_owned();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }

    fn unsupported(&mut self, construct: &'static str) -> TokenStream {
        self.fallbacks += 1;
        self.report
            .unsupported
            .entry(construct)
            .or_default()
            .insert(self.place.clone());
        quote!(::serde_json::Value)
    }

    /// Whether `to` reaches `from` through by-value references (so `from` must box it).
    fn needs_box(&self, from: &str, to: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![to.to_owned()];
        while let Some(n) = stack.pop() {
            if n == from {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(refs) = self.value_refs.get(n.as_str()) {
                stack.extend(refs.iter().cloned());
            }
        }
        false
    }

    /// An operation's body or response type: the component's name for a plain `$ref`,
    /// otherwise a new type named `name`.
    fn operation_type(&mut self, name: &str, schema: &J) -> String {
        self.report.operation_types += 1;
        if let Some(target) = component_ref(schema)
            && let Some(ident) = self.component_idents.get(&target)
        {
            return ident.clone();
        }
        let name = self.unique(name);
        self.define(&name, schema, false);
        name
    }

    /// Emits the item named `name` for `schema`: a struct, an enum, or a newtype.
    fn define(&mut self, name: &str, schema: &J, newtype: bool) {
        let ident = format_ident!("{}", name);
        let doc = doc_attr(schema);
        if let Some(props) = object_properties(schema) {
            let required = required_set(schema);
            let additional = schema.get("additionalProperties");
            self.struct_def(name, &doc, &props, &required, additional, None);
            return;
        }
        if let Some(members) = all_of(schema)
            && members.len() == 1
        {
            let mut inner = members[0].clone();
            merge_annotations(&mut inner, schema);
            self.define(name, &inner, newtype);
            return;
        }
        if let Some(members) = all_of(schema)
            && members.len() > 1
        {
            if let Some(merged) = self.merge_all_of(&members) {
                // A union among the members (each event of a set, plus common fields) is a
                // flattened field: serde reads the union from the same object.
                let union = merged.union.map(|u| {
                    let hint = format!("{name}Kind");
                    let field = component_ref(&u).map_or_else(|| "kind".to_owned(), |t| snake(&t));
                    (field, self.ty(&u, &hint))
                });
                self.struct_def(
                    name,
                    &doc,
                    &merged.props,
                    &merged.required,
                    merged.additional.as_ref(),
                    union,
                );
            } else {
                let v = self.unsupported("allOf of non-object schemas");
                self.items.push(quote! {
                    #doc
                    pub type #ident = #v;
                });
            }
            return;
        }
        if let Some(values) = string_enum(schema) {
            self.enum_def(name, &doc, &values);
            return;
        }
        if let Some(members) = union_members(schema) {
            self.union_def(name, &doc, &members);
            return;
        }
        let ty = self.ty(schema, name);
        if newtype {
            self.items.push(quote! {
                #doc
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                #[serde(transparent)]
                pub struct #ident(pub #ty);
            });
        } else {
            self.items.push(quote! {
                #doc
                pub type #ident = #ty;
            });
        }
    }

    /// The Rust type of `schema` used in place (a field, an item); `hint` names any new type.
    fn ty(&mut self, schema: &J, hint: &str) -> TokenStream {
        if self.depth >= MAX_NESTING {
            return self.unsupported("inline nesting deeper than 64 levels");
        }
        self.depth += 1;
        let t = self.ty_inner(schema, hint);
        self.depth -= 1;
        t
    }

    fn ty_inner(&mut self, schema: &J, hint: &str) -> TokenStream {
        let Some(obj) = schema.as_object() else {
            // `true` (anything) or `false` (nothing, which no value ever has).
            return quote!(::serde_json::Value);
        };
        if let Some(r) = obj.get("$ref").and_then(J::as_str) {
            return self.reference(r);
        }
        // `T | null` in every spelling the normaliser leaves.
        if let Some(inner) = nullable_inner(schema) {
            let t = self.ty(&inner, hint);
            return quote!(::std::option::Option<#t>);
        }
        if let Some(members) = all_of(schema)
            && !members.is_empty()
        {
            if members.len() == 1 {
                return self.ty(&members[0], hint);
            }
            let name = self.unique(hint);
            self.define(&name, schema, false);
            let ident = format_ident!("{}", name);
            return quote!(#ident);
        }
        if string_enum(schema).is_some() || union_members(schema).is_some() {
            let name = self.unique(hint);
            self.define(&name, schema, false);
            let ident = format_ident!("{}", name);
            return quote!(#ident);
        }
        if obj.contains_key("enum") {
            // Numbers, booleans or mixed values: the type of the values, or any value.
            return match obj.get("type").and_then(J::as_str) {
                Some(t) => self.primitive(t, schema, hint),
                None => self.unsupported("enum of non-string values without a type"),
            };
        }
        if let Some(c) = obj.get("const") {
            return match c {
                J::String(_) => quote!(::std::string::String),
                J::Bool(_) => quote!(bool),
                J::Number(n) if n.is_i64() => quote!(i64),
                J::Number(_) => quote!(f64),
                _ => self.unsupported("const of a structured value"),
            };
        }
        match obj.get("type") {
            Some(J::String(t)) => self.primitive(t, schema, hint),
            Some(J::Array(types)) => {
                let types: Vec<&str> = types.iter().filter_map(J::as_str).collect();
                match types.as_slice() {
                    [one] => self.primitive(one, schema, hint),
                    _ => self.unsupported("type array of several non-null types"),
                }
            }
            Some(_) => self.unsupported("malformed type"),
            None if obj.contains_key("properties") || obj.contains_key("additionalProperties") => {
                self.primitive("object", schema, hint)
            }
            None if obj.contains_key("items") => self.primitive("array", schema, hint),
            None if obj.contains_key("not") => self.unsupported("not"),
            None if obj.contains_key("if") => self.unsupported("if/then/else"),
            None => quote!(::serde_json::Value),
        }
    }

    fn primitive(&mut self, t: &str, schema: &J, hint: &str) -> TokenStream {
        match t {
            "string" => quote!(::std::string::String),
            "boolean" => quote!(bool),
            "integer" => match schema.get("format").and_then(J::as_str) {
                Some("int32") => quote!(i32),
                _ => quote!(i64),
            },
            "number" => quote!(f64),
            "null" => quote!(()),
            "array" => {
                if schema.get("prefixItems").is_some() {
                    return self.unsupported("prefixItems (tuples)");
                }
                let was = std::mem::replace(&mut self.indirect, true);
                let item = match schema.get("items") {
                    Some(items) => self.ty(items, &format!("{hint}Item")),
                    None => quote!(::serde_json::Value),
                };
                self.indirect = was;
                quote!(::std::vec::Vec<#item>)
            }
            "object" => {
                if object_properties(schema).is_some() {
                    let name = self.unique(hint);
                    self.define(&name, schema, false);
                    let ident = format_ident!("{}", name);
                    return quote!(#ident);
                }
                if schema.get("patternProperties").is_some() {
                    return self.unsupported("patternProperties");
                }
                match schema.get("additionalProperties") {
                    Some(J::Object(ap)) if !ap.is_empty() => {
                        let was = std::mem::replace(&mut self.indirect, true);
                        let v = self.ty(&J::Object(ap.clone()), &format!("{hint}Value"));
                        self.indirect = was;
                        quote!(::std::collections::BTreeMap<::std::string::String, #v>)
                    }
                    _ => quote!(::serde_json::Map<::std::string::String, ::serde_json::Value>),
                }
            }
            _ => self.unsupported("unknown type name"),
        }
    }

    fn reference(&mut self, r: &str) -> TokenStream {
        let Some(name) = r.strip_prefix(REF_PREFIX) else {
            return self.unsupported("$ref outside components/schemas");
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        let Some(ident) = self.component_idents.get(&name).cloned() else {
            return self.unsupported("$ref to a missing schema");
        };
        let ident = format_ident!("{}", ident);
        let boxed = !self.indirect
            && self
                .current
                .as_deref()
                .is_some_and(|from| self.needs_box(from, &name));
        if boxed {
            quote!(::std::boxed::Box<#ident>)
        } else {
            quote!(#ident)
        }
    }

    /// The members of an `allOf` as one object: their properties (a later member's schema of
    /// a property wins), `required` names and `additionalProperties`, and at most one union
    /// (`oneOf`/`anyOf`, inline or by reference) that the object also is. `None` when a member
    /// is something else (a string, an array), which no struct represents.
    fn merge_all_of(&self, members: &[J]) -> Option<MergedAllOf> {
        let mut merged = MergedAllOf::default();
        let mut stack: Vec<&J> = members.iter().rev().collect();
        let mut hops = 0;
        while let Some(member) = stack.pop() {
            hops += 1;
            if hops > 256 {
                return None;
            }
            let m = match component_ref(member) {
                Some(name) => *self.components.get(name.as_str())?,
                None => member,
            };
            if let Some(inner) = m.get("allOf").and_then(J::as_array) {
                stack.extend(inner.iter().rev());
                continue;
            }
            if union_members(m).is_some() && m.get("properties").is_none() {
                if merged.union.is_some() {
                    return None;
                }
                // By reference when it was one, so the union keeps its component's name.
                merged.union = Some(member.clone());
                continue;
            }
            // `object`, `[object, null]` (a normalised `nullable`), or no type with object
            // keywords.
            let is_object = match m.get("type") {
                Some(J::String(t)) => t == "object",
                Some(J::Array(types)) => {
                    types.iter().any(|t| t == "object")
                        && types.iter().all(|t| t == "object" || t == "null")
                }
                Some(_) => false,
                None => m.get("properties").is_some() || m.get("additionalProperties").is_some(),
            };
            if !is_object {
                // A member that only adds `required` or a description is fine.
                let only_annotations = m.as_object().is_some_and(|o| {
                    o.keys().all(|k| {
                        matches!(
                            k.as_str(),
                            "required" | "description" | "title" | "examples" | "$comment"
                        )
                    })
                });
                if !only_annotations {
                    return None;
                }
            }
            merged.required.extend(required_set(m));
            if let Some(ap) = m.get("additionalProperties").filter(|ap| ap.is_object()) {
                merged.additional = Some(ap.clone());
            }
            // Its properties whether or not it is nullable: a merged member's `null` is ruled
            // out by the others (an `allOf` value satisfies every member).
            let props = m
                .get("properties")
                .and_then(J::as_object)
                .filter(|_| is_object);
            for (k, v) in props.into_iter().flatten() {
                let (k, v) = (k.clone(), v.clone());
                match merged.props.iter_mut().find(|(pk, _)| *pk == k) {
                    Some(slot) => slot.1 = v,
                    None => merged.props.push((k, v)),
                }
            }
        }
        Some(merged)
    }

    /// A struct of `props`; with `union` (a field's name and type), a flattened field of that
    /// union type before the named properties.
    fn struct_def(
        &mut self,
        name: &str,
        doc: &TokenStream,
        props: &[(String, J)],
        required: &BTreeSet<String>,
        additional: Option<&J>,
        union: Option<(String, TokenStream)>,
    ) {
        let ident = format_ident!("{}", name);
        let mut fields = Vec::new();
        let mut used = HashSet::new();
        if let Some((field, ty)) = union {
            let fident = format_ident!("{}", unique_field(&field, &mut used));
            fields.push(quote! {
                /// The member of the union this object also is (`allOf` with a `oneOf`/`anyOf`).
                #[serde(flatten)]
                pub #fident: #ty,
            });
        }
        for (key, schema) in props {
            let field = unique_field(&snake(key), &mut used);
            let fident = format_ident!("{}", field);
            let ty = self.ty(schema, &format!("{name}{}", pascal(key)));
            let fdoc = doc_attr(schema);
            let rename = (field != *key).then(|| quote!(#[serde(rename = #key)]));
            let optional = !required.contains(key);
            let already_option = ty.to_string().starts_with(":: std :: option :: Option");
            let (ty, attr) = if optional && !already_option {
                (
                    quote!(::std::option::Option<#ty>),
                    quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
                )
            } else if optional {
                (
                    ty,
                    quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]),
                )
            } else {
                (ty, quote!())
            };
            fields.push(quote! {
                #fdoc
                #rename
                #attr
                pub #fident: #ty,
            });
        }
        if let Some(ap) = additional
            && ap.as_object().is_some_and(|o| !o.is_empty())
        {
            let field = unique_field("additional_properties", &mut used);
            let fident = format_ident!("{}", field);
            let was = std::mem::replace(&mut self.indirect, true);
            let v = self.ty(ap, &format!("{name}Value"));
            self.indirect = was;
            fields.push(quote! {
                /// Properties beyond the named ones (`additionalProperties`).
                #[serde(flatten)]
                pub #fident: ::std::collections::BTreeMap<::std::string::String, #v>,
            });
        }
        self.items.push(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct #ident {
                #(#fields)*
            }
        });
    }

    fn enum_def(&mut self, name: &str, doc: &TokenStream, values: &[String]) {
        let ident = format_ident!("{}", name);
        let mut used = HashSet::new();
        let variants = values.iter().map(|v| {
            let mut base = pascal(v);
            if base.is_empty() {
                base = "Empty".to_owned();
            }
            let mut variant = base.clone();
            let mut n = 2;
            while !used.insert(variant.clone()) {
                variant = format!("{base}{n}");
                n += 1;
            }
            let vident = format_ident!("{}", variant);
            quote! {
                #[serde(rename = #v)]
                #vident,
            }
        });
        self.items.push(quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
            pub enum #ident {
                #(#variants)*
            }
        });
    }

    fn union_def(&mut self, name: &str, doc: &TokenStream, members: &[J]) {
        let ident = format_ident!("{}", name);
        let mut used = HashSet::new();
        let mut variants = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let base = match component_ref(m) {
                Some(target) => pascal(&target),
                None => match m.get("type").and_then(J::as_str) {
                    Some(t) => pascal(t),
                    None => format!("Variant{i}"),
                },
            };
            let mut variant = base.clone();
            let mut n = 2;
            while !used.insert(variant.clone()) {
                variant = format!("{base}{n}");
                n += 1;
            }
            let ty = self.ty(m, &format!("{name}{variant}"));
            let vident = format_ident!("{}", variant);
            variants.push(quote!(#vident(#ty),));
        }
        self.items.push(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #ident {
                #(#variants)*
            }
        });
    }
}

/// An `allOf`'s members that say something about the shape: members holding only annotations
/// (`description`, `title`, `nullable: false`, …), common in real specs beside a `$ref`, are
/// dropped. `None` without an `allOf`.
fn all_of(schema: &J) -> Option<Vec<J>> {
    let list = schema.get("allOf")?.as_array()?;
    Some(
        list.iter()
            .filter(|m| !is_annotation_only(m))
            .cloned()
            .collect(),
    )
}

fn is_annotation_only(schema: &J) -> bool {
    schema.as_object().is_some_and(|o| {
        o.keys().all(|k| {
            matches!(
                k.as_str(),
                "description"
                    | "title"
                    | "examples"
                    | "example"
                    | "$comment"
                    | "default"
                    | "deprecated"
                    | "readOnly"
                    | "writeOnly"
                    | "nullable"
                    | "externalDocs"
            ) || k.starts_with("x-")
        })
    })
}

/// Copies the outer schema's description onto the single `allOf` member it wraps.
fn merge_annotations(inner: &mut J, outer: &J) {
    if let (Some(o), Some(d)) = (inner.as_object_mut(), outer.get("description")) {
        o.insert("description".into(), d.clone());
    }
}

/// `#/components/schemas/X` → `X`.
fn component_ref(schema: &J) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    Some(
        r.strip_prefix(REF_PREFIX)?
            .replace("~1", "/")
            .replace("~0", "~"),
    )
}

/// Components a schema holds by value: what a struct field, a composition member or a newtype
/// contains without a `Vec` or map in between.
fn collect_value_refs(schema: &J, out: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if let Some(name) = component_ref(schema) {
        out.push(name);
    }
    if let Some(J::Object(props)) = obj.get("properties") {
        for v in props.values() {
            collect_value_refs(v, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(J::Array(list)) = obj.get(key) {
            for v in list {
                collect_value_refs(v, out);
            }
        }
    }
}

/// The `properties` of an object schema with at least one, in order.
fn object_properties(schema: &J) -> Option<Vec<(String, J)>> {
    let props = schema.get("properties")?.as_object()?;
    if props.is_empty() {
        return None;
    }
    let typ = schema.get("type");
    if typ.is_some_and(|t| t.as_str() != Some("object")) {
        return None;
    }
    Some(props.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn required_set(schema: &J) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(J::as_array)
        .map(|r| r.iter().filter_map(J::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The values of a string `enum` (a `null` value is left to [`nullable_inner`]).
fn string_enum(schema: &J) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    if values.is_empty() || values.iter().any(|v| !v.is_string()) {
        return None;
    }
    Some(
        values
            .iter()
            .filter_map(J::as_str)
            .map(str::to_owned)
            .collect(),
    )
}

/// The members of a `oneOf`/`anyOf` with two or more non-null members.
fn union_members(schema: &J) -> Option<Vec<J>> {
    let list = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let members: Vec<J> = list.iter().filter(|m| !is_null(m)).cloned().collect();
    (members.len() >= 2).then_some(members)
}

fn is_null(schema: &J) -> bool {
    schema.get("type").and_then(J::as_str) == Some("null")
        || schema
            .get("enum")
            .and_then(J::as_array)
            .is_some_and(|e| e.len() == 1 && e[0].is_null())
}

/// For a schema that admits `null` besides one other shape, that shape.
fn nullable_inner(schema: &J) -> Option<J> {
    let obj = schema.as_object()?;
    if let Some(J::Array(types)) = obj.get("type")
        && types.iter().any(|t| t == "null")
    {
        let rest: Vec<J> = types.iter().filter(|t| *t != "null").cloned().collect();
        let mut inner = obj.clone();
        match rest.len() {
            0 => return None,
            1 => inner.insert("type".into(), rest[0].clone()),
            _ => inner.insert("type".into(), J::Array(rest)),
        };
        if let Some(J::Array(values)) = inner.get_mut("enum") {
            values.retain(|v| !v.is_null());
        }
        return Some(J::Object(inner));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(J::Array(list)) = obj.get(key)
            && list.len() == 2
            && list.iter().any(is_null)
        {
            return list.iter().find(|m| !is_null(m)).cloned();
        }
    }
    None
}

fn doc_attr(schema: &J) -> TokenStream {
    let text = schema
        .get("description")
        .or_else(|| schema.get("title"))
        .and_then(J::as_str);
    match text {
        Some(t) => {
            let lines = t.trim().lines().map(|l| format!(" {}", l.trim_end()));
            quote!(#(#[doc = #lines])*)
        }
        None => quote!(),
    }
}

/// `create_order`, `createOrder`, `Create-Order` → `CreateOrder`; a leading digit gets `T`.
fn pascal(s: &str) -> String {
    let mut out = String::new();
    for word in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

/// `createdAt`, `created-at`, `Created At` → `created_at`; keywords and digits made valid.
fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        out = "field".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

fn unique_field(base: &str, used: &mut HashSet<String>) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while !used.insert(name.clone()) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
            | "_"
    )
}

#[cfg(test)]
mod tests;
