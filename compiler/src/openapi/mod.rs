//! One view of OpenAPI 3.0, 3.1 and Swagger 2.0 documents: just what the gateway needs.
//!
//! [`Api::from_document`] reads a loaded [`Document`] into an [`Api`]: the dialect, title and
//! version, the servers (3.x `servers` with variables substituted by their defaults; 2.0
//! `schemes` + `host` + `basePath`), the root `x-*` extensions (`x-gateway` among them) and
//! every operation with its merged parameters, request body and `x-*` keys. Swagger 2.0 is
//! converted to the 3.0 model on the way (body and formData parameters → a request body with
//! `consumes`; `definitions` → component schemas), and schemas are normalised lazily to JSON
//! Schema 2020-12 (see [`schema`]).
//!
//! The view borrows the document's nodes (`Api<'d>`): nothing big is copied, so the 800-operation
//! documents read in milliseconds. Extension values are left as [`Node`]s for the vocabulary to
//! interpret; this module does not look inside `x-*`.

pub mod schema;

use std::collections::HashMap;

use gwc_ir::Method;

pub use schema::Schema;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{Document, Entry, Node, Value};
use crate::source::{FileId, SourceMap, Span};

/// Stable diagnostic codes of this stage.
pub mod codes {
    /// No `openapi` or `swagger` version key.
    pub const MISSING_VERSION: &str = "gwc::openapi::missing_version";
    /// A version other than 3.0.x, 3.1.x or Swagger 2.0.
    pub const UNSUPPORTED_VERSION: &str = "gwc::openapi::unsupported_version";
    /// `info`, `info.title` or `info.version` missing (a warning: AWS imports these too).
    pub const MISSING_INFO: &str = "gwc::openapi::missing_info";
    /// No `paths` in a 3.0 or 2.0 document.
    pub const MISSING_PATHS: &str = "gwc::openapi::missing_paths";
    /// A value of the wrong kind (a path item that is not a mapping, …).
    pub const WRONG_TYPE: &str = "gwc::openapi::wrong_type";
    /// A parameter without `name` or with an unknown `in`.
    pub const BAD_PARAMETER: &str = "gwc::openapi::bad_parameter";
    /// Two operations with the same `operationId` (a warning).
    pub const DUPLICATE_OPERATION_ID: &str = "gwc::openapi::duplicate_operation_id";
    /// A path key that does not start with `/`.
    pub const BAD_PATH: &str = "gwc::openapi::bad_path";
    /// A path-item key that is a method in the wrong case (`GET`): ignored, with a warning.
    pub const METHOD_CASE: &str = "gwc::openapi::method_case";
    /// Webhooks are described but not served (a note).
    pub const WEBHOOKS_SKIPPED: &str = "gwc::openapi::webhooks_skipped";
}

/// Which specification the document follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Swagger 2.0 (converted to the 3.0 model).
    Swagger2,
    /// OpenAPI 3.0.x.
    OpenApi30,
    /// OpenAPI 3.1.x.
    OpenApi31,
}

/// A value with the span it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub span: Span,
}

/// A server URL the API is reachable at (the default upstream of a spec without `x-gateway`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The URL with server variables replaced by their defaults; may be relative (`/v1`).
    pub url: String,
    /// Where the URL is written (2.0: the `host`, or `basePath` without a host).
    pub span: Span,
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A path template segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamLocation {
    /// The OpenAPI spelling (`path`, `query`, `header`, `cookie`).
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// One parameter of an operation, after `$ref`s and path-level merging.
#[derive(Debug, Clone)]
pub struct Parameter<'d> {
    /// Its name (case as written; header names compare case-insensitively downstream).
    pub name: String,
    /// Where it is read from.
    pub location: ParamLocation,
    /// Whether it must be present (always true for path parameters).
    pub required: bool,
    /// Where the parameter is written in the operation or path item (the `$ref` if it is one).
    pub span: Span,
    /// Its schema (3.x `schema` or the first `content` entry's; 2.0 built from its fields).
    pub schema: Option<Schema<'d>>,
}

/// A request body: content types and their schemas.
#[derive(Debug, Clone)]
pub struct RequestBody<'d> {
    /// Whether a body is required.
    pub required: bool,
    /// The `requestBody` (2.0: the body parameter, or the first formData parameter).
    pub span: Span,
    /// Media types in document order.
    pub content: Vec<MediaType<'d>>,
}

/// One content type of a request body.
#[derive(Debug, Clone)]
pub struct MediaType<'d> {
    /// E.g. `application/json`.
    pub content_type: String,
    /// Where the content type is written (2.0: `consumes`, or the body parameter by default).
    pub span: Span,
    /// Its schema, if any.
    pub schema: Option<Schema<'d>>,
}

/// One operation: a method on a path.
#[derive(Debug, Clone)]
pub struct Operation<'d> {
    /// The path key as written (`/pets/{id}`).
    pub path: String,
    /// Where the path key is written.
    pub path_span: Span,
    /// The method; [`Method::Any`] for `x-gateway-any-method` / `x-amazon-apigateway-any-method`.
    pub method: Method,
    /// Where the method key is written.
    pub method_span: Span,
    /// `operationId`, if present.
    pub operation_id: Option<Spanned<String>>,
    /// Path-level then operation-level parameters, the latter overriding by (name, location).
    /// 2.0 body and formData parameters are in [`Operation::request_body`] instead.
    pub parameters: Vec<Parameter<'d>>,
    /// The request body, if the operation declares one.
    pub request_body: Option<RequestBody<'d>>,
    /// Response content types (3.x: every response's `content` keys; 2.0: `produces`).
    pub response_content_types: Vec<String>,
    /// The path item's `x-*` entries (the any-method keys excluded).
    pub path_extensions: Vec<&'d Entry>,
    /// The operation's `x-*` entries, e.g. `x-gateway-integration`.
    pub extensions: Vec<&'d Entry>,
    /// The operation object (after following a `$ref`).
    pub node: &'d Node,
    /// The file holding [`Operation::node`].
    pub file: FileId,
    /// The operation object's span.
    pub span: Span,
}

impl<'d> Operation<'d> {
    /// The operation's `x-*` entry named `key`, if present.
    pub fn extension(&self, key: &str) -> Option<&'d Entry> {
        self.extensions.iter().copied().find(|e| e.key == key)
    }
}

/// The gateway's view of an OpenAPI document.
#[derive(Debug, Clone)]
pub struct Api<'d> {
    /// The document's dialect.
    pub dialect: Dialect,
    /// The `openapi` / `swagger` version as written (`3.0.3`, `2.0`).
    pub spec_version: Spanned<String>,
    /// `info.title`.
    pub title: Option<Spanned<String>>,
    /// `info.version`.
    pub version: Option<Spanned<String>>,
    /// Servers in document order.
    pub servers: Vec<Server>,
    /// The root `x-gateway` entry.
    pub gateway: Option<&'d Entry>,
    /// Every root `x-*` entry (`x-gateway` included), e.g. `x-amazon-apigateway-*`.
    pub extensions: Vec<&'d Entry>,
    /// Every operation, in document order.
    pub operations: Vec<Operation<'d>>,
    /// Number of webhooks described (3.1); they are not served.
    pub webhooks: usize,
    doc: &'d Document,
}

const METHODS: &[(&str, Method)] = &[
    ("get", Method::Get),
    ("put", Method::Put),
    ("post", Method::Post),
    ("delete", Method::Delete),
    ("options", Method::Options),
    ("head", Method::Head),
    ("patch", Method::Patch),
    ("trace", Method::Trace),
    ("x-gateway-any-method", Method::Any),
    ("x-amazon-apigateway-any-method", Method::Any),
];

/// The any-method keys: path-item entries that are operations, not extensions.
fn is_any_method_key(key: &str) -> bool {
    key == "x-gateway-any-method" || key == "x-amazon-apigateway-any-method"
}

impl<'d> Api<'d> {
    /// Reads the document. Returns `None` when the document is not OpenAPI at all (not a
    /// mapping, no or an unsupported version); every other problem is a diagnostic and the
    /// operations that could be read are returned.
    pub fn from_document(
        doc: &'d Document,
        sources: &SourceMap,
        diags: &mut Diagnostics,
    ) -> Option<Api<'d>> {
        let root = doc.root();
        let root_file = doc.root_file();
        if root.as_map().is_none() {
            diags.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    format!(
                        "an OpenAPI document is a mapping, this one is {}",
                        root.kind_name()
                    ),
                )
                .with_span(root.span, "expected a mapping")
                .with_help("start the file with `openapi: 3.1.0`, `info:` and `paths:`"),
            );
            return None;
        }
        let (dialect, spec_version) = detect_dialect(root, sources, diags)?;
        let mut reader = Reader {
            doc,
            dialect,
            sources,
            diags,
        };
        let (title, version) = reader.info(root);
        let servers = reader.servers(root);
        let extensions: Vec<&Entry> = root
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|e| e.key.starts_with("x-"))
            .collect();
        let gateway = extensions.iter().copied().find(|e| e.key == "x-gateway");
        let operations = reader.operations(root, root_file);
        let webhooks = reader.webhooks(root);
        reader.duplicate_operation_ids(&operations);
        Some(Api {
            dialect,
            spec_version,
            title,
            version,
            servers,
            gateway,
            extensions,
            operations,
            webhooks,
            doc,
        })
    }

    /// The document this view reads.
    pub fn document(&self) -> &'d Document {
        self.doc
    }

    /// The JSON schema of each success response of `op` (status `2XX` or `default`), by status
    /// as written, in document order: the typed models' response types. A response or schema
    /// behind a `$ref` that cannot be followed is skipped (the front end reports it).
    pub fn response_schemas(&self, op: &Operation<'d>) -> Vec<(&'d str, Schema<'d>)> {
        let mut out = Vec::new();
        let Some(responses) = op.node.get("responses").and_then(Node::as_map) else {
            return out;
        };
        for e in responses {
            if !(e.key.starts_with('2') || e.key == "default") {
                continue;
            }
            let Ok(target) = self.doc.resolve(op.file, &e.value) else {
                continue;
            };
            let schema = match self.dialect {
                Dialect::Swagger2 => target.node.get("schema"),
                Dialect::OpenApi30 | Dialect::OpenApi31 => target
                    .node
                    .get("content")
                    .and_then(Node::as_map)
                    .unwrap_or_default()
                    .iter()
                    .find(|mt| is_json_media_type(&mt.key))
                    .and_then(|mt| mt.value.get("schema")),
            };
            if let Some(s) = schema {
                out.push((
                    e.key.as_str(),
                    Schema::new(self.doc, self.dialect, target.file, s),
                ));
            }
        }
        out
    }

    /// The root's component schemas (2.0: `definitions`), by name, in document order: the targets
    /// of the `#/components/schemas/X` references that normalised schemas keep.
    pub fn component_schemas(&self) -> Vec<(&'d str, Schema<'d>)> {
        let root = self.doc.root();
        let map = match self.dialect {
            Dialect::Swagger2 => root.get("definitions"),
            Dialect::OpenApi30 | Dialect::OpenApi31 => root.pointer("/components/schemas"),
        };
        map.and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    e.key.as_str(),
                    Schema::new(self.doc, self.dialect, self.doc.root_file(), &e.value),
                )
            })
            .collect()
    }
}

/// `application/json`, `application/problem+json`, `application/json; charset=utf-8`: a body
/// the typed models describe with serde.
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// A scalar's text: strings as they are, numbers as written (`version: 1.0` stays `1.0`).
fn scalar_text(node: &Node, sources: &SourceMap) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            let text = sources.snippet(node.span).trim();
            Some(text.trim_matches(['"', '\'']).to_owned())
        }
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

fn detect_dialect(
    root: &Node,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) -> Option<(Dialect, Spanned<String>)> {
    let help = "gwc reads OpenAPI 3.0.x, OpenAPI 3.1.x and Swagger 2.0 documents";
    let (key, node) = match (root.get("openapi"), root.get("swagger")) {
        (Some(n), _) => ("openapi", n),
        (None, Some(n)) => ("swagger", n),
        (None, None) => {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_VERSION,
                    "not an OpenAPI document: no `openapi` or `swagger` version key",
                )
                .with_span(
                    Span::new(
                        root.span.file,
                        root.span.start as usize,
                        root.span.start as usize,
                    ),
                    "the document starts here",
                )
                .with_help(format!(
                    "{help}: add `openapi: 3.1.0` (or the version it follows) at the top"
                )),
            );
            return None;
        }
    };
    let text = scalar_text(node, sources).unwrap_or_default();
    let dialect = match key {
        "openapi" if text == "3.0" || text.starts_with("3.0.") => Some(Dialect::OpenApi30),
        "openapi" if text == "3.1" || text.starts_with("3.1.") => Some(Dialect::OpenApi31),
        "swagger" if text == "2.0" => Some(Dialect::Swagger2),
        _ => None,
    };
    let Some(dialect) = dialect else {
        diags.push(
            Diagnostic::error(
                codes::UNSUPPORTED_VERSION,
                format!("unsupported {key} version `{text}`"),
            )
            .with_span(node.span, "this version")
            .with_help(format!(
                "{help}; write e.g. `openapi: 3.1.0` (a document in a newer version may load as 3.1 \
                 if it uses no newer features)"
            )),
        );
        return None;
    };
    Some((
        dialect,
        Spanned {
            value: text,
            span: node.span,
        },
    ))
}

struct Reader<'d, 'a> {
    doc: &'d Document,
    dialect: Dialect,
    sources: &'a SourceMap,
    diags: &'a mut Diagnostics,
}

/// An operation's parameters being merged: (name, location) → index in the list.
type ParamIndex = HashMap<(String, ParamLocation), usize>;

/// 2.0 body/formData parameters collected while merging, turned into a request body at the end.
#[derive(Default)]
struct Swagger2Body<'d> {
    /// The `in: body` parameter: (site span, file, resolved node).
    body: Option<(Span, FileId, &'d Node)>,
    /// `in: formData` parameters, by name: (site span, file, resolved node).
    form: Vec<(String, Span, FileId, &'d Node)>,
}

impl<'d> Reader<'d, '_> {
    /// `servers` of the wrong shape: AWS's importer ignores it, so a warning.
    fn ignored_servers(&mut self, node: &Node, what: &str, expected: &str) {
        self.diags.push(
            Diagnostic::warning(
                codes::WRONG_TYPE,
                format!(
                    "{what} must be {expected}, this is {}; ignored",
                    node.kind_name()
                ),
            )
            .with_span(node.span, format!("expected {expected}"))
            .with_help("e.g. `servers: [{url: \"https://api.example.com/v1\"}]`"),
        );
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.diags.push(
            Diagnostic::error(
                codes::WRONG_TYPE,
                format!("{what} must be {expected}, this is {}", node.kind_name()),
            )
            .with_span(node.span, format!("expected {expected}"))
            .with_help("see the OpenAPI specification for the shape of this object"),
        );
    }

    /// Follows `$ref`s; a broken reference was reported by the loader and yields `None`.
    fn resolve(&self, file: FileId, node: &'d Node) -> Option<(FileId, &'d Node)> {
        self.doc.resolve(file, node).ok().map(|t| (t.file, t.node))
    }

    fn info(&mut self, root: &Node) -> (Option<Spanned<String>>, Option<Spanned<String>>) {
        let Some(info) = root.entry("info") else {
            self.diags.push(
                Diagnostic::warning(codes::MISSING_INFO, "no `info` object")
                    .with_span(
                        Span::new(root.span.file, root.span.start as usize, root.span.start as usize),
                        "the document starts here",
                    )
                    .with_help("add `info: {title: ..., version: ...}`; the title names the gateway by default"),
            );
            return (None, None);
        };
        let field = |key: &str| {
            info.value.get(key).and_then(|n| {
                scalar_text(n, self.sources).map(|value| Spanned {
                    value,
                    span: n.span,
                })
            })
        };
        let title = field("title");
        let version = field("version");
        for (name, value) in [("title", &title), ("version", &version)] {
            if value.is_none() {
                self.diags.push(
                    Diagnostic::warning(codes::MISSING_INFO, format!("`info.{name}` is missing"))
                        .with_span(info.key_span, format!("no `{name}` in here"))
                        .with_help(format!(
                            "OpenAPI requires `info.{name}`; gwc accepts its absence as AWS's importer does"
                        )),
                );
            }
        }
        (title, version)
    }

    fn servers(&mut self, root: &Node) -> Vec<Server> {
        match self.dialect {
            Dialect::Swagger2 => self.swagger_servers(root),
            Dialect::OpenApi30 | Dialect::OpenApi31 => self.openapi_servers(root),
        }
    }

    fn openapi_servers(&mut self, root: &Node) -> Vec<Server> {
        let Some(list) = root.get("servers") else {
            return Vec::new();
        };
        let Some(items) = list.as_seq() else {
            self.ignored_servers(list, "`servers`", "a sequence");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(url_node) = item.get("url") else {
                self.ignored_servers(item, "a server", "a mapping with a `url`");
                continue;
            };
            let Some(mut url) = url_node.as_str().map(str::to_owned) else {
                self.ignored_servers(url_node, "a server `url`", "a string");
                continue;
            };
            if let Some(vars) = item.get("variables").and_then(Node::as_map) {
                for var in vars {
                    if let Some(default) = var
                        .value
                        .get("default")
                        .and_then(|d| scalar_text(d, self.sources))
                    {
                        url = url.replace(&format!("{{{}}}", var.key), &default);
                    }
                }
            }
            out.push(Server {
                url,
                span: url_node.span,
            });
        }
        out
    }

    fn swagger_servers(&mut self, root: &Node) -> Vec<Server> {
        let base = root.get("basePath").and_then(Node::as_str).unwrap_or("");
        let Some(host) = root.get("host") else {
            return match root.get("basePath") {
                Some(b) if !base.is_empty() => vec![Server {
                    url: base.to_owned(),
                    span: b.span,
                }],
                _ => Vec::new(),
            };
        };
        let Some(host_text) = host.as_str() else {
            self.ignored_servers(host, "`host`", "a string");
            return Vec::new();
        };
        let schemes: Vec<&str> = root
            .get("schemes")
            .and_then(Node::as_seq)
            .map(|s| s.iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        let schemes = if schemes.is_empty() {
            vec!["https"]
        } else {
            schemes
        };
        schemes
            .into_iter()
            .map(|scheme| Server {
                url: format!("{scheme}://{host_text}{}", base.trim_end_matches('/')),
                span: host.span,
            })
            .collect()
    }

    fn webhooks(&mut self, root: &Node) -> usize {
        let Some(entry) = root.entry("webhooks") else {
            return 0;
        };
        let count = entry.value.as_map().map_or(0, <[Entry]>::len);
        if count > 0 {
            self.diags.push(
                Diagnostic::note(
                    codes::WEBHOOKS_SKIPPED,
                    format!(
                        "{count} webhook{} described here {} not served",
                        if count == 1 { "" } else { "s" },
                        if count == 1 { "is" } else { "are" }
                    ),
                )
                .with_span(
                    entry.key_span,
                    "requests the API sends, not ones it receives",
                )
                .with_help("webhooks document outgoing calls; a gateway serves `paths` only"),
            );
        }
        count
    }

    fn operations(&mut self, root: &'d Node, root_file: FileId) -> Vec<Operation<'d>> {
        let Some(paths) = root.entry("paths") else {
            if self.dialect != Dialect::OpenApi31 {
                self.diags.push(
                    Diagnostic::error(codes::MISSING_PATHS, "no `paths`")
                        .with_span(
                            Span::new(root.span.file, root.span.start as usize, root.span.start as usize),
                            "the document starts here",
                        )
                        .with_help("OpenAPI 3.0 and Swagger 2.0 require `paths` (it may be empty: `paths: {}`)"),
                );
            }
            return Vec::new();
        };
        let Some(entries) = paths.value.as_map() else {
            if !matches!(paths.value.value, Value::Null) {
                self.wrong_type(&paths.value, "`paths`", "a mapping");
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for path in entries {
            if path.key.starts_with("x-") {
                continue;
            }
            if !path.key.starts_with('/') {
                self.diags.push(
                    Diagnostic::error(
                        codes::BAD_PATH,
                        format!("path `{}` does not start with `/`", path.key),
                    )
                    .with_span(path.key_span, "a path template")
                    .with_help(format!("write `/{}`", path.key)),
                );
                continue;
            }
            let Some((file, item)) = self.resolve(root_file, &path.value) else {
                continue;
            };
            let Some(item_entries) = item.as_map() else {
                if !matches!(item.value, Value::Null) {
                    self.wrong_type(item, "a path item", "a mapping");
                }
                continue;
            };
            let path_extensions: Vec<&Entry> = item_entries
                .iter()
                .filter(|e| e.key.starts_with("x-") && !is_any_method_key(&e.key))
                .collect();
            let path_params = item.get("parameters");
            for e in item_entries {
                let Some(&(_, method)) = METHODS.iter().find(|(k, _)| *k == e.key) else {
                    if let Some((lower, _)) = METHODS[..8]
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(&e.key))
                    {
                        self.diags.push(
                            Diagnostic::warning(
                                codes::METHOD_CASE,
                                format!("`{}` is not an operation key; ignored", e.key),
                            )
                            .with_span(e.key_span, "method keys are lower case")
                            .with_help(format!("write `{lower}`")),
                        );
                    }
                    continue;
                };
                let Some((op_file, op)) = self.resolve(file, &e.value) else {
                    continue;
                };
                if op.as_map().is_none() {
                    self.wrong_type(op, "an operation", "a mapping");
                    continue;
                }
                out.push(self.operation(
                    root,
                    path,
                    e,
                    method,
                    (file, path_params),
                    (op_file, op),
                    path_extensions.clone(),
                ));
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn operation(
        &mut self,
        root: &'d Node,
        path: &'d Entry,
        method_entry: &'d Entry,
        method: Method,
        (item_file, path_params): (FileId, Option<&'d Node>),
        (file, op): (FileId, &'d Node),
        path_extensions: Vec<&'d Entry>,
    ) -> Operation<'d> {
        let mut params: Vec<Parameter<'d>> = Vec::new();
        let mut index = ParamIndex::new();
        let mut body = Swagger2Body::default();
        if let Some(list) = path_params {
            self.parameters(item_file, list, &mut params, &mut index, &mut body);
        }
        if let Some(list) = op.get("parameters") {
            self.parameters(file, list, &mut params, &mut index, &mut body);
        }
        let request_body = match self.dialect {
            Dialect::Swagger2 => self.swagger_body(root, op, file, &body),
            Dialect::OpenApi30 | Dialect::OpenApi31 => op
                .entry("requestBody")
                .and_then(|rb| self.request_body(file, rb)),
        };
        let response_content_types = self.response_content_types(root, file, op);
        let operation_id = op.get("operationId").and_then(|n| {
            n.as_str().map(|s| Spanned {
                value: s.to_owned(),
                span: n.span,
            })
        });
        let extensions = op
            .as_map()
            .unwrap_or_default()
            .iter()
            .filter(|e| e.key.starts_with("x-"))
            .collect();
        Operation {
            path: path.key.clone(),
            path_span: path.key_span,
            method,
            method_span: method_entry.key_span,
            operation_id,
            parameters: params,
            request_body,
            response_content_types,
            path_extensions,
            extensions,
            node: op,
            file,
            span: op.span,
        }
    }

    fn parameters(
        &mut self,
        file: FileId,
        list: &'d Node,
        params: &mut Vec<Parameter<'d>>,
        index: &mut ParamIndex,
        body: &mut Swagger2Body<'d>,
    ) {
        let Some(items) = list.as_seq() else {
            self.wrong_type(list, "`parameters`", "a sequence");
            return;
        };
        for site in items {
            let Some((pfile, p)) = self.resolve(file, site) else {
                continue;
            };
            let name = p.get("name").and_then(|n| scalar_text(n, self.sources));
            let location = p.get("in").and_then(Node::as_str);
            let (Some(name), Some(location)) = (name, location) else {
                self.diags.push(
                    Diagnostic::error(codes::BAD_PARAMETER, "a parameter needs `name` and `in`")
                        .with_span(site.span, "this parameter")
                        .with_help(
                            "e.g. `{name: id, in: path, required: true, schema: {type: string}}`",
                        ),
                );
                continue;
            };
            let location = match (location, self.dialect) {
                ("path", _) => ParamLocation::Path,
                ("query", _) => ParamLocation::Query,
                ("header", _) => ParamLocation::Header,
                ("cookie", Dialect::OpenApi30 | Dialect::OpenApi31) => ParamLocation::Cookie,
                ("body", Dialect::Swagger2) => {
                    body.body = Some((site.span, pfile, p));
                    continue;
                }
                ("formData", Dialect::Swagger2) => {
                    body.form.retain(|(n, ..)| *n != name);
                    body.form.push((name, site.span, pfile, p));
                    continue;
                }
                (other, _) => {
                    let allowed = match self.dialect {
                        Dialect::Swagger2 => "`path`, `query`, `header`, `body` or `formData`",
                        Dialect::OpenApi30 | Dialect::OpenApi31 => {
                            "`path`, `query`, `header` or `cookie`"
                        }
                    };
                    let at = p.get("in").map_or(site.span, |n| n.span);
                    self.diags.push(
                        Diagnostic::error(
                            codes::BAD_PARAMETER,
                            format!("unknown parameter location `{other}`"),
                        )
                        .with_span(at, "not a parameter location")
                        .with_help(format!("`in` is one of {allowed}")),
                    );
                    continue;
                }
            };
            let required = location == ParamLocation::Path
                || matches!(p.get("required").map(|n| &n.value), Some(Value::Bool(true)));
            let schema = self.parameter_schema(pfile, p);
            let param = Parameter {
                name: name.clone(),
                location,
                required,
                span: site.span,
                schema,
            };
            match index.get(&(name.clone(), location)) {
                Some(&i) => params[i] = param,
                None => {
                    index.insert((name, location), params.len());
                    params.push(param);
                }
            }
        }
    }

    fn parameter_schema(&self, file: FileId, p: &'d Node) -> Option<Schema<'d>> {
        if self.dialect == Dialect::Swagger2 {
            return Some(Schema::built(
                self.doc,
                self.dialect,
                file,
                swagger_param_schema(p),
            ));
        }
        if let Some(s) = p.get("schema") {
            return Some(Schema::new(self.doc, self.dialect, file, s));
        }
        let content = p.get("content")?.as_map()?.first()?;
        let s = content.value.get("schema")?;
        Some(Schema::new(self.doc, self.dialect, file, s))
    }

    fn request_body(&mut self, file: FileId, entry: &'d Entry) -> Option<RequestBody<'d>> {
        let (bfile, rb) = self.resolve(file, &entry.value)?;
        if rb.as_map().is_none() {
            self.wrong_type(rb, "`requestBody`", "a mapping");
            return None;
        }
        let required = matches!(
            rb.get("required").map(|n| &n.value),
            Some(Value::Bool(true))
        );
        let content = rb
            .get("content")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .map(|mt| MediaType {
                content_type: mt.key.clone(),
                span: mt.key_span,
                schema: mt
                    .value
                    .get("schema")
                    .map(|s| Schema::new(self.doc, self.dialect, bfile, s)),
            })
            .collect();
        Some(RequestBody {
            required,
            span: entry.value.span,
            content,
        })
    }

    /// `consumes` of the operation, else of the root, as (type, span) pairs.
    fn consumes(root: &'d Node, op: &'d Node) -> Vec<(String, Span)> {
        op.get("consumes")
            .or_else(|| root.get("consumes"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|n| n.as_str().map(|s| (s.to_owned(), n.span)))
            .collect()
    }

    /// 2.0: the body parameter, or the formData parameters, as a 3.0 request body.
    fn swagger_body(
        &mut self,
        root: &'d Node,
        op: &'d Node,
        file: FileId,
        body: &Swagger2Body<'d>,
    ) -> Option<RequestBody<'d>> {
        let consumes = Self::consumes(root, op);
        if let Some((span, bfile, p)) = body.body {
            let required = matches!(p.get("required").map(|n| &n.value), Some(Value::Bool(true)));
            let types = if consumes.is_empty() {
                vec![("application/json".to_owned(), span)]
            } else {
                consumes
            };
            let schema = p.get("schema");
            return Some(RequestBody {
                required,
                span,
                content: types
                    .into_iter()
                    .map(|(content_type, span)| MediaType {
                        content_type,
                        span,
                        schema: schema.map(|s| Schema::new(self.doc, self.dialect, bfile, s)),
                    })
                    .collect(),
            });
        }
        let (_, first_span, ..) = body.form.first()?;
        let first_span = *first_span;
        let has_file = body
            .form
            .iter()
            .any(|(_, _, _, p)| p.get("type").and_then(Node::as_str) == Some("file"));
        let form_types: Vec<(String, Span)> = consumes
            .into_iter()
            .filter(|(t, _)| {
                t.starts_with("multipart/form-data")
                    || t.starts_with("application/x-www-form-urlencoded")
            })
            .collect();
        let types = if form_types.is_empty() {
            let default = if has_file {
                "multipart/form-data"
            } else {
                "application/x-www-form-urlencoded"
            };
            vec![(default.to_owned(), first_span)]
        } else {
            form_types
        };
        let mut properties = Vec::new();
        let mut required = Vec::new();
        for (name, site, _, p) in &body.form {
            if matches!(p.get("required").map(|n| &n.value), Some(Value::Bool(true))) {
                required.push(Node {
                    value: Value::Str(name.clone()),
                    span: *site,
                });
            }
            properties.push(Entry {
                key: name.clone(),
                key_span: *site,
                value: swagger_param_schema(p),
            });
        }
        let any_required = !required.is_empty();
        let mut entries = vec![
            synthetic("type", Value::Str("object".to_owned()), first_span),
            synthetic("properties", Value::Map(properties), first_span),
        ];
        if any_required {
            entries.push(synthetic("required", Value::Seq(required), first_span));
        }
        let schema_node = Node {
            value: Value::Map(entries),
            span: first_span,
        };
        Some(RequestBody {
            required: any_required,
            span: first_span,
            content: types
                .into_iter()
                .map(|(content_type, span)| MediaType {
                    content_type,
                    span,
                    schema: Some(Schema::built(
                        self.doc,
                        self.dialect,
                        file,
                        schema_node.clone(),
                    )),
                })
                .collect(),
        })
    }

    fn response_content_types(
        &mut self,
        root: &'d Node,
        file: FileId,
        op: &'d Node,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        match self.dialect {
            Dialect::Swagger2 => {
                let produces = op.get("produces").or_else(|| root.get("produces"));
                for t in produces.and_then(Node::as_seq).unwrap_or_default() {
                    if let Some(t) = t.as_str()
                        && !out.iter().any(|o| o == t)
                    {
                        out.push(t.to_owned());
                    }
                }
            }
            Dialect::OpenApi30 | Dialect::OpenApi31 => {
                let responses = op.get("responses").and_then(|r| self.resolve(file, r));
                let Some((rfile, responses)) = responses else {
                    return out;
                };
                for r in responses.as_map().unwrap_or_default() {
                    let Some((_, resp)) = self.resolve(rfile, &r.value) else {
                        continue;
                    };
                    for mt in resp
                        .get("content")
                        .and_then(Node::as_map)
                        .unwrap_or_default()
                    {
                        if !out.contains(&mt.key) {
                            out.push(mt.key.clone());
                        }
                    }
                }
            }
        }
        out
    }

    /// One warning per duplicated operationId (Kubernetes has 176), pointing at its second use,
    /// with the first and up to four more uses as secondary labels.
    fn duplicate_operation_ids(&mut self, operations: &[Operation<'d>]) {
        const SHOWN: usize = 6;
        let mut uses: HashMap<&str, Vec<Span>> = HashMap::new();
        let mut order: Vec<&str> = Vec::new();
        for id in operations.iter().filter_map(|op| op.operation_id.as_ref()) {
            let spans = uses.entry(id.value.as_str()).or_default();
            if spans.len() == 1 {
                order.push(id.value.as_str());
            }
            spans.push(id.span);
        }
        for id in order {
            let spans = &uses[id];
            let mut d = Diagnostic::warning(
                codes::DUPLICATE_OPERATION_ID,
                format!("operationId `{id}` is used by {} operations", spans.len()),
            )
            .with_span(spans[1], "used again here")
            .with_secondary(spans[0], "first used here");
            for &span in spans.iter().skip(2).take(SHOWN - 2) {
                d = d.with_secondary(span, "and here");
            }
            let more = spans.len().saturating_sub(SHOWN);
            let help = "OpenAPI requires unique operationIds; gwc names routes by method and path, so this is only a warning";
            d = d.with_help(if more > 0 {
                format!("{more} more uses are not shown; {help}")
            } else {
                help.to_owned()
            });
            self.diags.push(d);
        }
    }
}

fn synthetic(key: &str, value: Value, span: Span) -> Entry {
    Entry {
        key: key.to_owned(),
        key_span: span,
        value: Node { value, span },
    }
}

/// The schema keywords a 2.0 non-body parameter carries on itself.
const SWAGGER_PARAM_SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "enum",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
];

/// A 2.0 parameter's schema: its `schema` (body) or its own schema fields (others).
fn swagger_param_schema(p: &Node) -> Node {
    if let Some(s) = p.get("schema") {
        return s.clone();
    }
    let entries = p
        .as_map()
        .unwrap_or_default()
        .iter()
        .filter(|e| SWAGGER_PARAM_SCHEMA_KEYS.contains(&e.key.as_str()))
        .cloned()
        .collect();
    Node {
        value: Value::Map(entries),
        span: p.span,
    }
}

#[cfg(test)]
mod tests;
