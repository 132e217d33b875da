//! Loading: files → spanned [`Node`] trees, `$ref`s across files, resource limits.
//!
//! [`load`] reads the root spec (YAML or JSON, one spanned tree either way), then every sibling
//! file its `$ref`s name, transitively, each file once. All references are checked at load time
//! (missing file, bad pointer, `$ref` chains that loop), so later stages can follow them with
//! [`Document::resolve`] without re-reporting. Every failure is a [`Diagnostic`] with a
//! `gwc::load::*` code, a span where one exists and a help line; nothing here panics on input.
//!
//! Hostile input is bounded by [`Limits`]: file size, number of files, nesting depth and YAML
//! alias expansion.

mod dedupe;
mod document;
mod json;
mod tree;
mod yaml;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

pub use document::{Document, RefError, Target, split_reference};
pub use tree::{Entry, Node, Value, escape_pointer_token, unescape_pointer_token};

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceMap, Span};

/// Stable diagnostic codes of the loader (listed in `docs/diagnostics.md`).
pub mod codes {
    /// The file could not be read (missing, unreadable, a directory).
    pub const READ: &str = "gwc::load::read";
    /// The file is not UTF-8.
    pub const ENCODING: &str = "gwc::load::encoding";
    /// YAML or JSON syntax error.
    pub const SYNTAX: &str = "gwc::load::syntax";
    /// A key appears twice in one mapping.
    pub const DUPLICATE_KEY: &str = "gwc::load::duplicate_key";
    /// A sequence or mapping used as a mapping key.
    pub const COMPLEX_KEY: &str = "gwc::load::complex_key";
    /// More than one YAML document in a file.
    pub const MULTIPLE_DOCUMENTS: &str = "gwc::load::multiple_documents";
    /// YAML aliases expand past the budget (alias bomb).
    pub const ALIAS_BUDGET: &str = "gwc::load::alias_budget";
    /// Nesting deeper than the limit.
    pub const TOO_DEEP: &str = "gwc::load::too_deep";
    /// A file larger than the limit.
    pub const TOO_LARGE: &str = "gwc::load::too_large";
    /// More files than the limit.
    pub const TOO_MANY_FILES: &str = "gwc::load::too_many_files";
    /// A `$ref` to a file that does not exist or cannot be read.
    pub const MISSING_FILE: &str = "gwc::load::missing_file";
    /// A `$ref` whose JSON pointer designates nothing.
    pub const BAD_POINTER: &str = "gwc::load::bad_pointer";
    /// A `$ref` that is not a relative file path and/or `#/json/pointer` (URLs, plain-name
    /// fragments).
    pub const UNSUPPORTED_REF: &str = "gwc::load::unsupported_ref";
    /// A multi-line quoted string indented less than YAML 1.2 allows, read leniently (warning).
    pub const LENIENT_INDENTATION: &str = "gwc::load::lenient_indentation";
    /// A chain of `$ref`s that comes back to itself.
    pub const REF_CYCLE: &str = "gwc::load::ref_cycle";
}

/// Resource limits against hostile or broken input. The defaults are far above every real
/// document we know (the largest real spec is 3.7 MB; DigitalOcean's has 2,850 files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes (default 64 MiB).
    pub max_file_size: u64,
    /// Most files one document may span (default 20,000).
    pub max_files: usize,
    /// Deepest nesting of sequences and mappings (default 256).
    pub max_depth: usize,
    /// Most nodes YAML aliases may add to one file by expansion (default 1,000,000).
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 64 << 20,
            max_files: 20_000,
            max_depth: 256,
            max_alias_nodes: 1_000_000,
        }
    }
}

/// Loads the spec at `path` and every file its `$ref`s reach, with the default [`Limits`].
///
/// Returns `None` only when the root file itself cannot be read or parsed; problems in other
/// files or references are reported into `diags` and the document is still returned, so that
/// `gwc check` shows everything in one run.
pub fn load(path: &Path, sources: &mut SourceMap, diags: &mut Diagnostics) -> Option<Document> {
    load_with_limits(path, &Limits::default(), sources, diags)
}

/// [`load`] with explicit limits (tests, or a stricter `gwc serve`).
pub fn load_with_limits(
    path: &Path,
    limits: &Limits,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Document> {
    let typed = path;
    let path = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    sources.name_files_after(typed, &path);
    let mut loader = Loader::new(limits, sources, diags);
    let root = loader.load_file(&path, None)?;
    loader.drain();
    Some(loader.finish(root))
}

/// Loads a root spec given as text (an editor buffer, a test), named `path`; sibling files its
/// `$ref`s name are read from disk relative to `path`.
pub fn load_str(
    path: &Path,
    text: &str,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Option<Document> {
    let typed = path;
    let path = normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()));
    sources.name_files_after(typed, &path);
    let limits = Limits::default();
    if text.len() as u64 > limits.max_file_size {
        diags.push(
            Diagnostic::error(
                codes::TOO_LARGE,
                format!(
                    "`{}` is {} bytes, more than the {}-byte limit",
                    sources.display_name(&path),
                    text.len(),
                    limits.max_file_size
                ),
            )
            .with_help("this is a safety limit against runaway inputs; split the file"),
        );
        return None;
    }
    let mut loader = Loader::new(&limits, sources, diags);
    let file = loader.sources.add(&path, text);
    let tree = parse_text(file, &path, text, &limits, loader.diags)?;
    loader.adopt(path, file, tree);
    loader.drain();
    Some(loader.finish(file))
}

/// Parses one file's text into a tree, choosing the reader: the JSON reader for `.json` files
/// and text that starts with `{` or `[` (falling back to YAML for the latter when it is not
/// JSON: `{a: 1}` is YAML flow style), the YAML reader otherwise.
pub fn parse_text(
    file: FileId,
    path: &Path,
    text: &str,
    limits: &Limits,
    diags: &mut Diagnostics,
) -> Option<Node> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - body.len();
    let is_json_ext = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let first = body.trim_start().as_bytes().first().copied();
    if is_json_ext || matches!(first, Some(b'{' | b'[')) {
        let mut local = Diagnostics::new();
        match json::parse(file, body, limits, &mut local) {
            Ok(mut node) => {
                diags.extend(local.into_vec());
                if bom > 0 {
                    shift_spans(&mut node, bom);
                }
                return Some(node);
            }
            // Too deep is too deep in YAML as well: do not retry.
            Err(err) if is_json_ext || err.is_too_deep() => {
                diags.push(err.into_diagnostic(file, body, limits).shifted(bom));
                return None;
            }
            Err(_) => {}
        }
    }
    let mut node = yaml::parse(file, body, limits, diags)?;
    if bom > 0 {
        shift_spans(&mut node, bom);
    }
    Some(node)
}

/// Parses `text` with one reader, for the load benchmark's JSON-vs-YAML comparison.
#[doc(hidden)]
pub fn bench_parse(text: &str, yaml: bool, diags: &mut Diagnostics) -> Option<Node> {
    let limits = Limits::default();
    if yaml {
        yaml::parse(FileId(0), text, &limits, diags)
    } else {
        json::parse(FileId(0), text, &limits, diags).ok()
    }
}

/// Moves every span `by` bytes right (after a byte-order mark was stripped before parsing).
fn shift_spans(node: &mut Node, by: usize) {
    let by = u32::try_from(by).unwrap_or(0);
    node.span.start = node.span.start.saturating_add(by);
    node.span.end = node.span.end.saturating_add(by);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| shift_spans(n, by as usize)),
        Value::Map(entries) => {
            for e in entries {
                e.key_span.start = e.key_span.start.saturating_add(by);
                e.key_span.end = e.key_span.end.saturating_add(by);
                shift_spans(&mut e.value, by as usize);
            }
        }
        _ => {}
    }
}

impl Diagnostic {
    /// The same diagnostic with its spans moved `by` bytes (a stripped byte-order mark).
    fn shifted(mut self, by: usize) -> Diagnostic {
        let by = u32::try_from(by).unwrap_or(0);
        if let Some(p) = &mut self.primary {
            p.span.start = p.span.start.saturating_add(by);
            p.span.end = p.span.end.saturating_add(by);
        }
        self
    }
}

/// Lexically normalises a path (`a/./b/../c` → `a/c`) so that one file reached through
/// different relative `$ref`s is loaded once. Symlinks are not followed.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A `$ref` found while loading: where it is written and what it says.
#[derive(Debug, Clone)]
struct RefSite {
    /// The file it is written in.
    file: FileId,
    /// The span of the `$ref` string value.
    span: Span,
    /// The reference text.
    text: String,
    /// Found inside a data value (`example`, `default`, …), where OpenAPI says `$ref` is plain
    /// data. Such references are followed when their file exists (tools such as Redoc resolve
    /// them, and DigitalOcean's spec relies on it) but are never reported as broken.
    data: bool,
}

/// Keys whose values are data (examples, defaults) rather than OpenAPI objects: a `$ref` inside
/// them is not an OpenAPI reference (see [`RefSite::data`]).
const DATA_KEYS: &[&str] = &[
    "example",
    "default",
    "const",
    "enum",
    "x-examples",
    "x-example",
];

/// Keys whose values map *names* to objects: inside them a key such as `example` is a name.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "definitions",
    "$defs",
    "schemas",
    "parameters",
    "responses",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "paths",
    "webhooks",
];

struct Loader<'a> {
    limits: Limits,
    sources: &'a mut SourceMap,
    diags: &'a mut Diagnostics,
    doc: Document,
    /// Files that could not be loaded: the reason to repeat at each `$ref` naming them, or `None`
    /// when the file itself carries the diagnostic (a syntax error).
    failed: HashMap<PathBuf, Option<Box<Diagnostic>>>,
    sites: Vec<RefSite>,
    too_many_reported: bool,
}

impl<'a> Loader<'a> {
    fn new(limits: &Limits, sources: &'a mut SourceMap, diags: &'a mut Diagnostics) -> Loader<'a> {
        Loader {
            limits: limits.clone(),
            sources,
            diags,
            doc: Document::empty(),
            failed: HashMap::new(),
            sites: Vec::new(),
            too_many_reported: false,
        }
    }

    /// Reads and parses one file, reporting failures at `from` (the `$ref` naming it) or, for
    /// the root, without a span.
    fn load_file(&mut self, path: &Path, from: Option<&RefSite>) -> Option<FileId> {
        if let Some(id) = self.doc.file_id(path) {
            return Some(id);
        }
        if let Some(reason) = self.failed.get(path) {
            if let (Some(reason), Some(site)) = (reason, from) {
                let mut d = (**reason).clone();
                if let Some(p) = &mut d.primary {
                    p.span = site.span;
                }
                self.diags.push(d);
            }
            return None;
        }
        if self.doc.file_count() >= self.limits.max_files {
            if !self.too_many_reported {
                self.too_many_reported = true;
                let mut d = Diagnostic::error(
                    codes::TOO_MANY_FILES,
                    format!(
                        "the spec references more than {} files",
                        self.limits.max_files
                    ),
                )
                .with_help(
                    "this is a safety limit; split the API or check for generated references",
                );
                if let Some(site) = from {
                    d = d.with_span(site.span, "one file too many");
                }
                self.diags.push(d);
            }
            return None;
        }
        let text = match self.read(path, from) {
            Ok(t) => t,
            Err(reason) => {
                self.failed.insert(path.to_path_buf(), reason);
                return None;
            }
        };
        let file = self.sources.add(path, text.as_str());
        let tree = parse_text(file, path, &text, &self.limits, self.diags);
        match tree {
            Some(tree) => {
                self.adopt(path.to_path_buf(), file, tree);
                Some(file)
            }
            None => {
                self.failed.insert(path.to_path_buf(), None);
                None
            }
        }
    }

    /// The file's text, or the diagnostic already pushed (to repeat at other references).
    fn read(
        &mut self,
        path: &Path,
        from: Option<&RefSite>,
    ) -> Result<String, Option<Box<Diagnostic>>> {
        let fail = |loader: &mut Loader<'_>, code, message: String, label: &str, help: &str| {
            let mut d = Diagnostic::error(code, message).with_help(help.to_owned());
            if let Some(site) = from {
                d = d.with_span(site.span, label.to_owned());
            }
            loader.diags.push(d.clone());
            Err(Some(Box::new(d)))
        };
        let shown = self.sources.display_name(path);
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => {
                return fail(
                    self,
                    if from.is_some() {
                        codes::MISSING_FILE
                    } else {
                        codes::READ
                    },
                    format!("`{shown}` is a directory, not a spec file"),
                    "refers to a directory",
                    "a `$ref` names a file, optionally followed by `#/json/pointer`",
                );
            }
            Ok(m) if m.len() > self.limits.max_file_size => {
                return fail(
                    self,
                    codes::TOO_LARGE,
                    format!(
                        "`{shown}` is {} bytes, more than the {}-byte limit",
                        m.len(),
                        self.limits.max_file_size
                    ),
                    "refers to this file",
                    "this is a safety limit against runaway inputs; split the file",
                );
            }
            _ => {}
        }
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok(text),
                Err(e) => fail(
                    self,
                    codes::ENCODING,
                    format!(
                        "`{shown}` is not UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                    "refers to this file",
                    "save the file as UTF-8",
                ),
            },
            Err(e) => {
                let (code, label, help) = if from.is_some() {
                    (
                        codes::MISSING_FILE,
                        "no such file",
                        "a relative `$ref` is resolved against the folder of the file it is written in",
                    )
                } else {
                    (codes::READ, "", "check the path and the file's permissions")
                };
                fail(
                    self,
                    code,
                    format!("cannot read `{shown}`: {e}"),
                    label,
                    help,
                )
            }
        }
    }

    /// Records a parsed file and queues its references.
    fn adopt(&mut self, path: PathBuf, file: FileId, tree: Node) {
        collect_refs(file, &tree, false, false, &mut self.sites);
        self.doc.insert(path, file, tree);
    }

    /// Loads every external file the queued references name, breadth-first through a work list
    /// (not recursion: a chain of thousands of files must not overflow the stack).
    fn drain(&mut self) {
        let mut next = 0;
        while next < self.sites.len() {
            let site = self.sites[next].clone();
            next += 1;
            match split_reference(&site.text) {
                Ok((Some(rel), _)) => {
                    let base = self.doc.path(site.file).and_then(Path::parent);
                    let target =
                        normalize(&base.map_or_else(|| PathBuf::from(&*rel), |b| b.join(&*rel)));
                    if !site.data || target.is_file() {
                        self.load_file(&target, Some(&site));
                    }
                }
                Ok((None, _)) => {}
                Err(_) if site.data => {}
                Err(err) => self.diags.push(
                    Diagnostic::error(codes::UNSUPPORTED_REF, err.to_string())
                        .with_span(site.span, "this reference")
                        .with_help(
                            "gwc resolves relative file paths and `#/json/pointer`s; download \
                             remote documents and refer to the local copy",
                        ),
                ),
            }
        }
    }

    /// Checks every reference's pointer and looks for `$ref` cycles, then hands the document
    /// over.
    fn finish(self, root: FileId) -> Document {
        let Loader {
            sources,
            diags,
            mut doc,
            sites,
            ..
        } = self;
        doc.set_root(root);
        for site in sites.iter().filter(|s| !s.data) {
            match doc.lookup(site.file, &site.text) {
                Ok(_) => {}
                Err(RefError::BadPointer { pointer, file }) => {
                    let name = &sources.file(file).name;
                    diags.push(
                        Diagnostic::error(
                            codes::BAD_POINTER,
                            format!("`{pointer}` designates nothing in `{name}`"),
                        )
                        .with_span(site.span, "this reference")
                        .with_help(
                            "a JSON pointer is a `/`-separated path of keys from the document \
                             root (`~1` stands for `/` in a key, `~0` for `~`)",
                        ),
                    );
                }
                // Unreadable files and unsupported forms were reported while loading.
                Err(_) => {}
            }
        }
        for site in sites.iter().filter(|s| !s.data) {
            if let Some(cycle) = doc.cycle_from(site.file, site.span, &site.text) {
                // Report each cycle once: from its first member in source order.
                if cycle.iter().min() == Some(&site.span) {
                    let mut d = Diagnostic::error(
                        codes::REF_CYCLE,
                        format!(
                            "`$ref` cycle: following `{}` comes back here after {} step{}",
                            site.text,
                            cycle.len(),
                            if cycle.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .with_span(site.span, "this reference leads back to itself")
                    .with_help(
                        "a `$ref` must end at a value; a schema may recurse through `properties` \
                         or `items`, but not through a bare chain of `$ref`s",
                    );
                    for other in cycle.iter().filter(|s| **s != site.span) {
                        d = d.with_secondary(*other, "part of the cycle");
                    }
                    diags.push(d);
                }
            }
        }
        doc
    }
}

/// Finds every `$ref: "<string>"` in a tree; `names` is true for a mapping whose keys are names
/// (`properties`, `responses`, …), `data` inside example and default values.
fn collect_refs(file: FileId, node: &Node, names: bool, data: bool, out: &mut Vec<RefSite>) {
    match &node.value {
        Value::Seq(items) => {
            for item in items {
                collect_refs(file, item, false, data, out);
            }
        }
        Value::Map(entries) => {
            for e in entries {
                // In a mapping of names (`properties`), a *string* under `$ref` is still a
                // reference (names map to objects): DigitalOcean writes `properties: {$ref: …}`.
                if e.key == "$ref" && (!names || e.value.as_str().is_some()) {
                    if let Some(text) = e.value.as_str() {
                        out.push(RefSite {
                            file,
                            span: e.value.span,
                            text: text.to_owned(),
                            data,
                        });
                    }
                    continue;
                }
                let child_data = data || (!names && DATA_KEYS.contains(&e.key.as_str()));
                let child_names = !names && !child_data && NAME_MAPS.contains(&e.key.as_str());
                collect_refs(file, &e.value, child_names, child_data, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
