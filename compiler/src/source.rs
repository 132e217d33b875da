//! Source files and spans: every diagnostic points at a byte range of one loaded file.
//!
//! Line and column are computed only when rendering, from a line-start index built once per
//! file, so spans stay two integers on the hot loading path.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Start byte offset.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
}

impl Span {
    /// A span covering `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True for a zero-width span.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given or resolved (used to resolve relative `$ref`s).
    pub path: PathBuf,
    /// Name shown in diagnostics: as the user typed the root spec, and relative to it for the
    /// files it `$ref`s ([`SourceMap::name_files_after`]).
    pub name: String,
    /// Full text.
    pub text: Arc<str>,
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line] as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

impl SourceFile {
    /// The 0-based line `lines_before` lines above the one holding `offset`, and its start
    /// offset: where a rendered excerpt begins.
    pub fn line_start_before(&self, offset: usize, lines_before: usize) -> (usize, usize) {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let first = line.saturating_sub(lines_before);
        (first, self.line_starts[first] as usize)
    }

    /// The end offset (after the newline) of the line `lines_after` lines below the one
    /// holding `offset`: where a rendered excerpt ends.
    pub fn line_end_after(&self, offset: usize, lines_after: usize) -> usize {
        let offset32 = u32::try_from(offset).unwrap_or(u32::MAX);
        let line = match self.line_starts.binary_search(&offset32) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        self.line_starts
            .get(line + lines_after + 1)
            .map_or(self.text.len(), |&s| s as usize)
    }
}

/// All files loaded in one run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    naming: Option<Naming>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file's text and returns its id.
    pub fn add(&mut self, path: &Path, text: impl Into<Arc<str>>) -> FileId {
        let text = text.into();
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        let name = self.display_name(path);
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            name,
            text,
            line_starts,
        });
        id
    }

    /// The file with this id.
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Finds an already-loaded file by path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when no file is loaded.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `name:line:col` of a span's start.
    pub fn location(&self, span: Span) -> String {
        let file = self.file(span.file);
        let (line, col) = file.line_col(span.start);
        format!("{}:{line}:{col}", file.name)
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.file(span.file)
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// At most this many leading `..` in a relative display name; further away, the absolute name
/// is clearer.
const MAX_UP_LEVELS: usize = 2;

/// How the user named the root spec: files are named after it.
#[derive(Debug, Clone)]
struct Naming {
    /// The root spec's absolute, normalised path.
    root: PathBuf,
    /// The root spec's name as typed.
    root_typed: String,
    /// The folder of the root spec, absolute.
    dir: PathBuf,
    /// The folder of the root spec as typed (empty for `spec.yaml`).
    dir_typed: PathBuf,
}

/// `path` relative to the folder `from` (both absolute and normalised), with `..` as needed.
fn relative_to(from: &Path, path: &Path) -> PathBuf {
    let ours: Vec<_> = path.components().collect();
    let theirs: Vec<_> = from.components().collect();
    let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..theirs.len() {
        out.push("..");
    }
    for part in &ours[common..] {
        out.push(part);
    }
    out
}

/// `base` joined with `rel`, with `name/..` pairs folded (lexically: display only).
fn join_lexically(base: &Path, rel: &Path) -> PathBuf {
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in base.components().chain(rel.components()) {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match parts.last() {
                Some(Component::Normal(_)) => {
                    parts.pop();
                }
                // Nothing is above the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => parts.push(c),
            },
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

impl SourceMap {
    /// Names files after the root spec as the user typed it (`typed`; `absolute` is where it
    /// is): the root keeps its typed name, and a file its `$ref`s reach is named relative to
    /// it, so `specs/x/spec.yaml` leads to `specs/x/common.yaml` and `/tmp/spec.yaml` to
    /// `/tmp/common.yaml`, whatever the working directory. Without it (or for files the
    /// loader reaches some other way) names are the paths as given.
    pub fn name_files_after(&mut self, typed: &Path, absolute: &Path) {
        let dir = absolute.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir_typed = typed.parent().map(Path::to_path_buf).unwrap_or_default();
        self.naming = Some(Naming {
            root: absolute.to_path_buf(),
            root_typed: typed.display().to_string(),
            dir,
            dir_typed,
        });
    }

    /// How a file is named in diagnostics (see [`SourceMap::name_files_after`]). Also for
    /// messages naming a file that was never loaded (a missing `$ref` target).
    pub fn display_name(&self, path: &Path) -> String {
        let Some(naming) = &self.naming else {
            return path.display().to_string();
        };
        if path == naming.root {
            return naming.root_typed.clone();
        }
        if !path.is_absolute() || !naming.dir.is_absolute() {
            return path.display().to_string();
        }
        let joined = join_lexically(&naming.dir_typed, &relative_to(&naming.dir, path));
        let up = joined
            .components()
            .take_while(|c| matches!(c, Component::ParentDir))
            .count();
        if up > MAX_UP_LEVELS {
            return path.display().to_string();
        }
        joined.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let mut map = SourceMap::new();
        let id = map.add(Path::new("/x/a.yaml"), "ab\nçd: e\n");
        let f = map.file(id);
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4)); // ç is two bytes
        assert_eq!(map.location(Span::new(id, 3, 4)), "/x/a.yaml:2:1");
    }

    #[test]
    fn files_are_named_after_the_root_as_typed() {
        let named = |typed: &str, absolute: &str, file: &str| {
            let mut map = SourceMap::new();
            map.name_files_after(Path::new(typed), Path::new(absolute));
            map.display_name(Path::new(file))
        };
        let root = "/w/specs/x/spec.yaml";
        assert_eq!(named("specs/x/spec.yaml", root, root), "specs/x/spec.yaml");
        assert_eq!(
            named("./specs/x/spec.yaml", root, root),
            "./specs/x/spec.yaml"
        );
        assert_eq!(
            named("specs/x/spec.yaml", root, "/w/specs/x/common.yaml"),
            "specs/x/common.yaml"
        );
        assert_eq!(
            named("specs/x/spec.yaml", root, "/w/specs/shared/a.yaml"),
            "specs/shared/a.yaml"
        );
        assert_eq!(named("spec.yaml", root, "/w/specs/y/a.yaml"), "../y/a.yaml");
        assert_eq!(
            named("../x/spec.yaml", root, "/w/specs/x/ops/a.yaml"),
            "../x/ops/a.yaml"
        );
        assert_eq!(
            named(root, root, "/w/specs/shared/a.yaml"),
            "/w/specs/shared/a.yaml"
        );
        assert_eq!(named(root, root, "/other/a.yaml"), "/other/a.yaml");
        // Far above the typed folder: the absolute name.
        assert_eq!(named("spec.yaml", root, "/a.yaml"), "/a.yaml");
    }
}
