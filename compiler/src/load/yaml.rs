//! YAML (and so JSON-as-YAML) text → spanned [`Node`] tree, built from `saphyr-parser` events.
//!
//! saphyr's markers count *characters*; our [`Span`]s are *bytes*, so every marker goes through
//! a [`CharToByte`] map (identity for ASCII files). Anchors and aliases are supported: an alias is
//! a deep copy of the anchored node, charged to an expansion budget so that a "billion laughs"
//! document is a diagnostic, not an out-of-memory kill. Nesting depth is bounded the same way.
//! Scalars follow the YAML 1.2 core schema (`null`, `true`, `1`, `0x1f`, `1.5e3`, `.inf`), except
//! that quoted and block scalars are always strings.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::tree::{Entry, Node, Value};
use super::{Limits, codes, dedupe::check_duplicate_keys};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// Maps saphyr's character indices to byte offsets.
///
/// For non-ASCII text, it keeps the byte offset of every 64th character and walks at most 63
/// characters from there, so a lookup is cheap and the table is small (1/16 of the char count in
/// bytes).
pub(super) struct CharToByte<'t> {
    text: &'t str,
    /// `None` when the text is ASCII (char index = byte offset).
    checkpoints: Option<Vec<u32>>,
}

const CHECKPOINT_EVERY: usize = 64;

impl<'t> CharToByte<'t> {
    pub(super) fn new(text: &'t str) -> CharToByte<'t> {
        if text.is_ascii() {
            return CharToByte {
                text,
                checkpoints: None,
            };
        }
        let checkpoints = text
            .char_indices()
            .step_by(CHECKPOINT_EVERY)
            .map(|(b, _)| u32::try_from(b).unwrap_or(u32::MAX))
            .collect();
        CharToByte {
            text,
            checkpoints: Some(checkpoints),
        }
    }

    /// Byte offset of the character at `index` (the text length past the end).
    pub(super) fn byte(&self, index: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return index.min(self.text.len());
        };
        let slot = index / CHECKPOINT_EVERY;
        let Some(&base) = checkpoints.get(slot) else {
            return self.text.len();
        };
        let base = base as usize;
        let skip = index % CHECKPOINT_EVERY;
        self.text
            .get(base..)
            .and_then(|rest| rest.char_indices().nth(skip))
            .map_or(self.text.len(), |(b, _)| base + b)
    }
}

/// A collection being built.
enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        /// The key read, waiting for its value.
        key: Option<(String, Span)>,
    },
}

/// An anchored node with its precomputed cost, so every alias is charged without re-walking.
struct Anchored {
    node: Node,
    size: usize,
    depth: usize,
}

/// Parses YAML `text` of `file` into a tree, reporting problems into `diags`.
///
/// Returns `None` when the text is not YAML at all (syntax error) or a resource limit was hit;
/// duplicate keys are reported but the tree is still returned (the first value is kept), so that
/// later stages can report more.
///
/// One leniency: a multi-line quoted string whose continuation lines are indented less than YAML
/// 1.2 requires (common in AWS SAM templates, which YAML 1.1 parsers accept) is re-read with
/// those lines padded, which does not change its value (leading blanks of continuation lines
/// are folded away), and gets a warning. Spans still point into the original text.
pub(super) fn parse(
    file: FileId,
    text: &str,
    limits: &Limits,
    diags: &mut Diagnostics,
) -> Option<Node> {
    // Padding inserted so far: (offset in `text`, spaces), sorted by offset.
    let mut pads: Vec<(usize, usize)> = Vec::new();
    let mut padded_scalars: Vec<usize> = Vec::new();
    for _ in 0..MAX_PADDED_SCALARS {
        let patched = apply_pads(text, &pads);
        let back = |b: usize| original_offset(&pads, b);
        let mut local = Diagnostics::new();
        match build(file, text, &patched, &back, limits, &mut local) {
            Built::Node(node) => {
                for &at in &padded_scalars {
                    diags.push(
                        Diagnostic::warning(
                            codes::LENIENT_INDENTATION,
                            "continuation lines of this quoted string are indented less than YAML 1.2 requires",
                        )
                        .with_span(Span::new(file, at, at + 1), "the string starts here")
                        .with_help("indent every line of a multi-line string further than its key; gwc read it as YAML 1.1 parsers do"),
                    );
                }
                diags.extend(local.into_vec());
                return Some(node);
            }
            Built::QuotedIndent(at) => {
                let new = pads_for_quoted(&patched, at);
                if new.is_empty() {
                    diags.extend(local.into_vec());
                    let at = original_offset(&pads, at);
                    diags.push(
                        Diagnostic::error(
                            codes::SYNTAX,
                            format!("YAML syntax error: {QUOTED_INDENT}"),
                        )
                        .with_span(Span::new(file, at, at + 1), "this string")
                        .with_help("indent every line of a multi-line string further than its key"),
                    );
                    return None;
                }
                padded_scalars.push(original_offset(&pads, at));
                let new: Vec<_> = new
                    .into_iter()
                    .map(|(offset, n)| (original_offset(&pads, offset), n))
                    .collect();
                pads.extend(new);
                pads.sort_unstable();
            }
            Built::Failed => {
                diags.extend(local.into_vec());
                return None;
            }
        }
    }
    diags.push(
        Diagnostic::error(codes::SYNTAX, "too many badly indented multi-line strings")
            .with_span(Span::new(file, 0, 0), "in this file")
            .with_help("indent every line of a multi-line string further than its key"),
    );
    None
}

/// How many under-indented quoted strings one file may have before gwc stops re-reading it.
const MAX_PADDED_SCALARS: usize = 64;

const QUOTED_INDENT: &str = "invalid indentation in quoted scalar";

enum Built {
    Node(Node),
    /// saphyr's "invalid indentation in quoted scalar" for the string starting at this offset
    /// (reported into the local sink, which the caller drops when it retries).
    QuotedIndent(usize),
    Failed,
}

/// `text` with `pads` spaces inserted.
fn apply_pads<'t>(text: &'t str, pads: &[(usize, usize)]) -> std::borrow::Cow<'t, str> {
    if pads.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + pads.iter().map(|p| p.1).sum::<usize>());
    let mut last = 0;
    for &(at, n) in pads {
        out.push_str(&text[last..at]);
        out.extend(std::iter::repeat_n(' ', n));
        last = at;
    }
    out.push_str(&text[last..]);
    std::borrow::Cow::Owned(out)
}

/// Maps an offset in the padded text back to the original text.
fn original_offset(pads: &[(usize, usize)], padded: usize) -> usize {
    let mut shift = 0;
    for &(at, n) in pads {
        if padded < at + shift {
            break;
        }
        if padded < at + shift + n {
            return at;
        }
        shift += n;
    }
    padded - shift
}

/// Padding for the continuation lines of the quoted string starting at byte `quote` of `text`:
/// each line indented less than the opening line plus two gets the difference.
fn pads_for_quoted(text: &str, quote: usize) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let Some(&q) = bytes.get(quote) else {
        return Vec::new();
    };
    if q != b'"' && q != b'\'' {
        return Vec::new();
    }
    let line_start = text[..quote].rfind('\n').map_or(0, |i| i + 1);
    let want = bytes[line_start..]
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
        + 2;
    let mut pads = Vec::new();
    let mut i = quote + 1;
    while i < bytes.len() {
        match bytes[i] {
            // An escape skips the next character, except an escaped line break, which is still
            // a line break.
            b'\\' if q == b'"' && bytes.get(i + 1) != Some(&b'\n') => i += 1,
            b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 1,
            b if b == q => break,
            b'\n' => {
                let have = bytes[i + 1..].iter().take_while(|&&b| b == b' ').count();
                let rest = bytes.get(i + 1 + have);
                if have < want && !matches!(rest, Some(b'\n' | b'\r') | None) {
                    pads.push((i + 1, want - have));
                }
            }
            _ => {}
        }
        i += 1;
    }
    pads
}

fn build(
    file: FileId,
    original: &str,
    text: &str,
    back: &dyn Fn(usize) -> usize,
    limits: &Limits,
    diags: &mut Diagnostics,
) -> Built {
    let map = CharToByte::new(text);
    let span = |s: saphyr_parser::Span| {
        Span::new(
            file,
            back(map.byte(s.start.index())),
            back(map.byte(s.end.index())),
        )
    };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: Vec<Option<Anchored>> = Vec::new();
    let mut root: Option<Node> = None;
    let mut expanded: usize = 0;
    let mut documents = 0usize;

    while let Some(event) = parser.next_event() {
        let (event, ev_span) = match event {
            Ok(e) => e,
            Err(err) => {
                if err.info() == QUOTED_INDENT {
                    return Built::QuotedIndent(map.byte(err.marker().index()));
                }
                let at = back(map.byte(err.marker().index()));
                diags.push(syntax_error(file, original, at, &err));
                return Built::Failed;
            }
        };
        let here = span(ev_span);
        let node = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    diags.push(
                        Diagnostic::error(
                            codes::MULTIPLE_DOCUMENTS,
                            "a spec file holds one YAML document, this one has several",
                        )
                        .with_span(here, "a second document starts here")
                        .with_help(
                            "remove the `---` separator and everything after it, or split the file",
                        ),
                    );
                    return Built::Failed;
                }
                continue;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    diags.push(depth_error(here, limits));
                    return Built::Failed;
                }
                let start = here.start as usize;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = stack.pop() else {
                    continue;
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        items,
                    } => (
                        Node {
                            value: Value::Seq(items),
                            span: Span::new(file, start, here.end as usize),
                        },
                        anchor,
                    ),
                    Frame::Map {
                        start,
                        anchor,
                        entries,
                        key,
                    } => {
                        let mut entries = entries;
                        if let Some((key, key_span)) = key {
                            // A key with no value event cannot happen in well-formed event
                            // streams; keep it as null rather than lose it.
                            entries.push(Entry {
                                key,
                                key_span,
                                value: Node {
                                    value: Value::Null,
                                    span: key_span,
                                },
                            });
                        }
                        check_duplicate_keys(&mut entries, diags);
                        (
                            Node {
                                value: Value::Map(entries),
                                span: Span::new(file, start, here.end as usize),
                            },
                            anchor,
                        )
                    }
                };
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    value: scalar(&text, style, tag.as_deref()),
                    span: here,
                };
                // A mapping key keeps its text as written, whatever its type.
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                {
                    *key = Some((text.into_owned(), here));
                    remember(&mut anchors, anchor, &node);
                    continue;
                }
                remember(&mut anchors, anchor, &node);
                node
            }
            Event::Alias(id) => {
                let Some(Some(anchored)) = anchors.get(id) else {
                    diags.push(
                        Diagnostic::error(codes::SYNTAX, "alias to an unknown anchor")
                            .with_span(here, "no anchor of this name is defined before here")
                            .with_help(
                                "define the anchor (`&name`) before its first use (`*name`)",
                            ),
                    );
                    return Built::Failed;
                };
                expanded = expanded.saturating_add(anchored.size);
                if expanded > limits.max_alias_nodes {
                    diags.push(
                        Diagnostic::error(
                            codes::ALIAS_BUDGET,
                            format!(
                                "aliases expand to more than {} nodes",
                                limits.max_alias_nodes
                            ),
                        )
                        .with_span(here, "expansion budget exhausted at this alias")
                        .with_help(
                            "this looks like an alias bomb (\"billion laughs\"); write the repeated \
                             parts out or use `$ref`s instead of nested aliases",
                        ),
                    );
                    return Built::Failed;
                }
                if stack.len() + anchored.depth > limits.max_depth {
                    diags.push(depth_error(here, limits));
                    return Built::Failed;
                }
                if let Some(Frame::Map {
                    key: key @ None, ..
                }) = stack.last_mut()
                    && !matches!(anchored.node.value, Value::Seq(_) | Value::Map(_))
                {
                    *key = Some((scalar_text(&anchored.node.value), here));
                    continue;
                }
                anchored.node.clone()
            }
        };
        // Attach a finished node to its parent.
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => {
                match key.take() {
                    Some((key, key_span)) => entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    }),
                    None => {
                        diags.push(
                        Diagnostic::error(
                            codes::COMPLEX_KEY,
                            format!("a mapping key must be a scalar, this one is {}", node.kind_name()),
                        )
                        .with_span(node.span, "collection used as a key")
                        .with_help("OpenAPI keys are strings: write the key as a plain or quoted scalar"),
                    );
                        return Built::Failed;
                    }
                }
            }
        }
    }
    Built::Node(root.unwrap_or(Node {
        value: Value::Null,
        span: Span::new(file, 0, 0),
    }))
}

fn remember(anchors: &mut Vec<Option<Anchored>>, id: usize, node: &Node) {
    if id == 0 {
        return;
    }
    if anchors.len() <= id {
        anchors.resize_with(id + 1, || None);
    }
    anchors[id] = Some(Anchored {
        size: node.count_nodes(),
        depth: node.depth(),
        node: node.clone(),
    });
}

fn depth_error(span: Span, limits: &Limits) -> Diagnostic {
    Diagnostic::error(
        codes::TOO_DEEP,
        format!("nesting deeper than {} levels", limits.max_depth),
    )
    .with_span(span, "the limit is reached here")
    .with_help("no real OpenAPI document nests this deep; flatten it with `$ref`s")
}

/// A syntax error at byte `at` of the original `text`.
fn syntax_error(file: FileId, text: &str, at: usize, err: &ScanError) -> Diagnostic {
    let at = at.min(text.len());
    // Cover one whole character so the caret lands on it.
    let end = (at + 1..=text.len())
        .find(|&e| text.is_char_boundary(e))
        .unwrap_or(at);
    Diagnostic::error(codes::SYNTAX, format!("YAML syntax error: {}", err.info()))
        .with_span(Span::new(file, at, end), "here")
        .with_help("check the indentation and quoting on this line and the one before it")
}

/// The value of a scalar per the YAML 1.2 core schema.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> Value {
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_owned());
    }
    if let Some(tag) = tag
        && (tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!")
        && tag.suffix == "str"
    {
        return Value::Str(text.to_owned());
    }
    plain_scalar(text)
}

pub(super) fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let Some(&first) = text.as_bytes().first() else {
        return Value::Null;
    };
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Value::Str(text.to_owned());
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => text
                .parse::<f64>()
                .map_or_else(|_| Value::Str(text.to_owned()), Value::Float),
        };
    }
    // Core schema float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    if is_core_float(digits)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_owned())
}

fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

/// The text of a scalar value used as a key through an alias.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.clone(),
        // Never reached: collections are rejected as keys before this is called.
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}
