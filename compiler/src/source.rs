//! Source files and spans: every diagnostic points at a byte range of one loaded file.
//!
//! Line and column are computed only when rendering, from a line-start index built once per
//! file, so spans stay two integers on the hot loading path.

use std::path::{Path, PathBuf};
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
    /// Name shown in diagnostics: relative to the working directory when possible.
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
        let name = display_name(path);
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

/// At most this many `..` in a relative display name.
const MAX_UP_LEVELS: usize = 2;

/// How a file is named in diagnostics: relative to the working directory (with `..` where
/// needed, so names do not depend on where a checkout lives), absolute only across roots.
/// Public so that messages naming a file that was never loaded (a missing `$ref` target) name it
/// the same way.
pub fn display_name(path: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return path.display().to_string();
    };
    if !path.is_absolute() {
        return path.display().to_string();
    }
    let ours: Vec<_> = path.components().collect();
    let theirs: Vec<_> = cwd.components().collect();
    let common = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    // Relative names only for nearby files (`specs/x.yaml`, `../shared/…`); a long `../../..`
    // helps nobody, so anything further away keeps its absolute name.
    if common <= 1 || theirs.len() - common > MAX_UP_LEVELS {
        return path.display().to_string();
    }
    let mut relative = PathBuf::new();
    for _ in common..theirs.len() {
        relative.push("..");
    }
    for part in &ours[common..] {
        relative.push(part);
    }
    relative.display().to_string()
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
}
