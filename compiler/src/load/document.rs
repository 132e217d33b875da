//! A loaded spec: the root file's tree plus the tree of every file its `$ref`s reach, and the
//! reference lookups every later stage uses.
//!
//! The loader already reported every broken reference (missing file, bad pointer, cycle), so
//! [`Document::lookup`] and [`Document::resolve`] return a [`RefError`] for the caller to skip
//! the value quietly, not to report it again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use percent_encoding::percent_decode_str;

use super::normalize;
use super::tree::{Node, Value};
use crate::source::{FileId, Span};

/// The longest `$ref` chain followed before giving up (real documents use one or two hops).
const MAX_HOPS: usize = 64;

static NULL: Node = Node {
    value: Value::Null,
    span: Span {
        file: FileId(0),
        start: 0,
        end: 0,
    },
};

/// Why a reference could not be followed. The loader has reported each of these with a span;
/// later stages treat them as "value unavailable".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// An absolute URL or other scheme (`https://…`, `urn:…`): only local files are read.
    #[error(
        "`{0}` is a remote reference; only relative file paths and `#/json/pointer`s are followed"
    )]
    Remote(String),
    /// A fragment that is not a JSON pointer (`#Pet` names a `$anchor`).
    #[error("`{0}` uses a plain-name fragment; only `#/json/pointer` fragments are supported")]
    PlainFragment(String),
    /// Percent-encoding that does not decode to UTF-8.
    #[error("`{0}` is not valid percent-encoded UTF-8")]
    Malformed(String),
    /// The file it names was not loaded (missing, unreadable or unparsable).
    #[error("`{}` was not loaded", .0.display())]
    FileNotLoaded(PathBuf),
    /// The pointer designates nothing in the target file.
    #[error("`{pointer}` designates nothing")]
    BadPointer {
        /// The decoded JSON pointer.
        pointer: String,
        /// The file it was looked up in.
        file: FileId,
    },
    /// The chain of `$ref`s loops (or is longer than 64 hops).
    #[error("`$ref` cycle")]
    Cycle,
}

/// Where a reference leads: the node and the file it is in (relative references inside it are
/// resolved against that file).
#[derive(Debug, Clone, Copy)]
pub struct Target<'d> {
    /// The file holding `node`.
    pub file: FileId,
    /// The node.
    pub node: &'d Node,
}

/// Splits a `$ref` into its decoded file part (`None` for a same-file reference) and its decoded
/// JSON pointer (`""` for a whole file).
///
/// `other%20file.yaml#/a~1b` → (`other file.yaml`, `/a~1b`); the pointer's `~` escapes are left
/// for [`Node::pointer`].
pub fn split_reference(reference: &str) -> Result<(Option<Cow<'_, str>>, Cow<'_, str>), RefError> {
    if has_scheme(reference) || reference.starts_with("//") {
        return Err(RefError::Remote(reference.to_owned()));
    }
    let (path, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let malformed = || RefError::Malformed(reference.to_owned());
    let pointer = percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| malformed())?;
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(RefError::PlainFragment(reference.to_owned()));
    }
    let path = if path.is_empty() {
        None
    } else {
        Some(
            percent_decode_str(path)
                .decode_utf8()
                .map_err(|_| malformed())?,
        )
    };
    Ok((path, pointer))
}

/// `scheme:` per RFC 3986 (a letter, then letters, digits, `+`, `-`, `.`), at least two
/// characters so that a Windows drive letter (`C:`) is a path.
fn has_scheme(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    scheme.len() >= 2
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// A loaded spec: one tree per file, the root first.
#[derive(Debug)]
pub struct Document {
    root: FileId,
    /// Indexed by `FileId.0` (the source map may hold files that are not part of this document).
    trees: Vec<Option<(PathBuf, Node)>>,
    by_path: HashMap<PathBuf, FileId>,
    count: usize,
}

impl Document {
    pub(super) fn empty() -> Document {
        Document {
            root: FileId(0),
            trees: Vec::new(),
            by_path: HashMap::new(),
            count: 0,
        }
    }

    pub(super) fn insert(&mut self, path: PathBuf, file: FileId, tree: Node) {
        let i = file.0 as usize;
        if self.trees.len() <= i {
            self.trees.resize_with(i + 1, || None);
        }
        self.by_path.insert(path.clone(), file);
        self.trees[i] = Some((path, tree));
        self.count += 1;
    }

    pub(super) fn set_root(&mut self, root: FileId) {
        self.root = root;
    }

    /// The root file (the one `gwc` was pointed at).
    pub fn root_file(&self) -> FileId {
        self.root
    }

    /// The root file's tree.
    pub fn root(&self) -> &Node {
        self.tree(self.root).unwrap_or(&NULL)
    }

    /// The tree of a loaded file.
    pub fn tree(&self, file: FileId) -> Option<&Node> {
        self.trees
            .get(file.0 as usize)
            .and_then(Option::as_ref)
            .map(|(_, n)| n)
    }

    /// The normalised absolute path a loaded file was read from.
    pub fn path(&self, file: FileId) -> Option<&Path> {
        self.trees
            .get(file.0 as usize)
            .and_then(Option::as_ref)
            .map(|(p, _)| p.as_path())
    }

    /// The id of a loaded file by its normalised absolute path.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    /// Number of files in the document.
    pub fn file_count(&self) -> usize {
        self.count
    }

    /// Every loaded file and its tree, in load order of ids.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &Node)> {
        self.trees.iter().enumerate().filter_map(|(i, t)| {
            t.as_ref()
                .map(|(_, n)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), n))
        })
    }

    /// The `$ref` string and its span if `node` is a reference object (`{$ref: "..."}`, with or
    /// without siblings).
    pub fn ref_of(node: &Node) -> Option<(&str, Span)> {
        let entry = node.entry("$ref")?;
        Some((entry.value.as_str()?, entry.value.span))
    }

    /// Follows one reference written in `from`: a same-file pointer, a whole sibling file, or a
    /// pointer into a sibling file.
    pub fn lookup(&self, from: FileId, reference: &str) -> Result<Target<'_>, RefError> {
        let (path, pointer) = split_reference(reference)?;
        let file = match path {
            None => from,
            Some(rel) => {
                let base = self.path(from).and_then(Path::parent);
                let target =
                    normalize(&base.map_or_else(|| PathBuf::from(&*rel), |b| b.join(&*rel)));
                self.file_id(&target)
                    .ok_or(RefError::FileNotLoaded(target))?
            }
        };
        let tree = self
            .tree(file)
            .ok_or_else(|| RefError::FileNotLoaded(PathBuf::from(reference)))?;
        let node = tree.pointer(&pointer).ok_or_else(|| RefError::BadPointer {
            pointer: pointer.into_owned(),
            file,
        })?;
        Ok(Target { file, node })
    }

    /// Follows `$ref`s from `node` (written in `file`) until a node that is not a reference;
    /// a non-reference node is returned as is.
    pub fn resolve<'d>(&'d self, file: FileId, node: &'d Node) -> Result<Target<'d>, RefError> {
        let mut current = Target { file, node };
        let mut seen: Vec<Span> = Vec::new();
        while let Some((reference, span)) = Document::ref_of(current.node) {
            if seen.contains(&span) || seen.len() >= MAX_HOPS {
                return Err(RefError::Cycle);
            }
            seen.push(span);
            current = self.lookup(current.file, reference)?;
        }
        Ok(current)
    }

    /// If following the reference `text` at `span` (in `file`) comes back to `span`, the spans
    /// of the references on the loop (this one first).
    pub(super) fn cycle_from(&self, file: FileId, span: Span, text: &str) -> Option<Vec<Span>> {
        let mut members = vec![span];
        let mut target = self.lookup(file, text).ok()?;
        while let Some((reference, next)) = Document::ref_of(target.node) {
            if next == span {
                return Some(members);
            }
            if members.contains(&next) || members.len() >= MAX_HOPS {
                // A loop that does not pass through `span`: its own members report it.
                return None;
            }
            members.push(next);
            target = self.lookup(target.file, reference).ok()?;
        }
        None
    }
}
