//! A small YAML → spanned [`Node`] builder for the vocabulary tests.
//!
//! The loader (`gwc::load`) is built in parallel; these tests need only single-file YAML with
//! exact spans, which saphyr-parser's events give directly. Scalars are resolved as YAML 1.2's
//! core schema does (null, booleans, integers, floats, else strings; quoted → string).

use std::path::Path;

use gwc::load::{Entry, Node, Value};
use gwc::source::{FileId, SourceMap, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Adds `text` to `sources` as `name` and parses its single document.
pub(crate) fn parse(sources: &mut SourceMap, name: &str, text: &str) -> Node {
    let file = sources.add(Path::new(name), text);
    parse_in(file, text).unwrap_or_else(|e| panic!("test YAML does not parse: {e}"))
}

/// Parses `text` of `file`.
pub(crate) fn parse_in(file: FileId, text: &str) -> Result<Node, String> {
    // saphyr's markers count characters; spans are bytes.
    let byte_of: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let at = |chars: usize| byte_of.get(chars).copied().unwrap_or(text.len());
    let mut stack: Vec<(Node, Option<(String, Span)>)> = Vec::new();
    let mut pending_key: Vec<Option<(String, Span)>> = Vec::new();
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| e.to_string())?;
        let sp = Span::new(file, at(span.start.index()), at(span.end.index()));
        let finished: Option<Node> = match event {
            Event::Scalar(value, style, _, _) => Some(Node {
                value: scalar(&value, style),
                span: sp,
            }),
            Event::SequenceStart(..) => {
                stack.push((
                    Node {
                        value: Value::Seq(Vec::new()),
                        span: sp,
                    },
                    None,
                ));
                pending_key.push(None);
                None
            }
            Event::MappingStart(..) => {
                stack.push((
                    Node {
                        value: Value::Map(Vec::new()),
                        span: sp,
                    },
                    None,
                ));
                pending_key.push(None);
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                pending_key.pop();
                stack.pop().map(|(mut node, _)| {
                    node.span = Span::new(file, node.span.start as usize, sp.end as usize);
                    node
                })
            }
            Event::Alias(_) => return Err("aliases are not used in these tests".to_owned()),
            _ => None,
        };
        let Some(node) = finished else { continue };
        match stack.last_mut() {
            None => root = Some(node),
            Some((parent, _)) => match &mut parent.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => {
                    let slot = pending_key.last_mut().ok_or("no key slot")?;
                    match slot.take() {
                        None => {
                            let key = match &node.value {
                                Value::Str(s) => s.clone(),
                                _ => text
                                    .get(node.span.start as usize..node.span.end as usize)
                                    .unwrap_or_default()
                                    .to_owned(),
                            };
                            *slot = Some((key, node.span));
                        }
                        Some((key, key_span)) => entries.push(Entry {
                            key,
                            key_span,
                            value: node,
                        }),
                    }
                }
                _ => return Err("scalar parent".to_owned()),
            },
        }
    }
    root.ok_or_else(|| "empty document".to_owned())
}

fn scalar(text: &str, style: ScalarStyle) -> Value {
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = text.parse::<i64>() {
                Value::Int(i)
            } else if let Ok(f) = text.parse::<f64>()
                && text.chars().any(|c| c.is_ascii_digit())
                && !text.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
            {
                Value::Float(f)
            } else {
                Value::Str(text.to_owned())
            }
        }
    }
}
