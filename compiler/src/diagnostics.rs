//! Diagnostics: what the front end reports about a spec, collected rather than thrown.
//!
//! Every stage pushes into a [`Diagnostics`] sink and carries on, so one `gwc check` run reports
//! every problem. Codes are stable (`gwc::<stage>::<name>`) and listed in `docs/diagnostics.md`.
//! Rendering goes through miette; colour is the caller's choice (terminal or not).

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::source::{SourceFile, SourceMap, Span};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec cannot be built.
    Error,
    /// Built, but probably not what the author meant.
    Warning,
    /// Information, e.g. what was skipped.
    Note,
}

/// A span with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

/// One finding about a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `gwc::lower::unknown_key`.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// One-line summary.
    pub message: String,
    /// The main location, if the finding has one (a missing file has none).
    pub primary: Option<Label>,
    /// Related locations ("first defined here").
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    /// A note.
    pub fn note(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Note, message)
    }

    /// Sets the primary location.
    pub fn with_span(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }

    /// Adds a related location.
    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Renders with miette's graphical handler: `file:line:col`, caret excerpt, labels, help.
    pub fn render(&self, sources: &SourceMap, colour: bool) -> String {
        let theme = if colour {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let report = Report::new(self, sources);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
        out
    }
}

/// The sink every front-end stage pushes into.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Records a finding.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// True if any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// All findings, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Findings sorted by file and position (errors before warnings at the same place), as
    /// `gwc check` prints them.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by_key(|d| {
            (
                d.primary.as_ref().map(|l| (l.span.file, l.span.start)),
                d.severity,
            )
        });
        v
    }

    /// Renders every finding, sorted, separated by blank lines.
    pub fn render(&self, sources: &SourceMap, colour: bool) -> String {
        self.sorted()
            .into_iter()
            .map(|d| d.render(sources, colour))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Takes every finding out.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

/// Adapter from our [`Diagnostic`] to miette's trait, borrowing the source text.
struct Report<'a> {
    diag: &'a Diagnostic,
    source: Option<FileSource<'a>>,
    /// Secondary labels in other files cannot share a snippet; they become notes.
    remote: Vec<String>,
    location: Option<String>,
}

impl<'a> Report<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a SourceMap) -> Report<'a> {
        let file = diag.primary.as_ref().map(|l| l.span.file);
        let source = file.map(|f| FileSource(sources.file(f)));
        let remote = diag
            .secondary
            .iter()
            .filter(|l| Some(l.span.file) != file)
            .map(|l| format!("{}: {}", sources.location(l.span), l.message))
            .collect();
        let location = diag.primary.as_ref().map(|l| sources.location(l.span));
        Report {
            diag,
            source,
            remote,
            location,
        }
    }
}

/// A loaded file as miette's source: excerpts are cut from the file's line index, so rendering
/// a diagnostic costs the size of the excerpt, not of the file (a 4 MB spec with hundreds of
/// findings renders in milliseconds).
struct FileSource<'a>(&'a SourceFile);

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        let text = file.text.as_bytes();
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let (first_line, window_start) = file.line_start_before(start, context_lines_before);
        let window_end = file.line_end_after(end, context_lines_after);
        let window = &text[window_start..window_end];
        let local = SourceSpan::new((start - window_start).into(), end - start);
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let data: &'b [u8] = inner.data();
        let data_start = window_start + (data.as_ptr() as usize - window.as_ptr() as usize);
        Ok(Box::new(MietteSpanContents::new_named(
            file.name.clone(),
            data,
            SourceSpan::new(data_start.into(), data.len()),
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The location is part of the message so it survives non-graphical output (logs, CI).
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.diag.message),
            None => f.write_str(&self.diag.message),
        }
    }
}

impl std::error::Error for Report<'_> {}

fn to_source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts: Vec<String> = self.remote.clone();
        if let Some(h) = &self.diag.help {
            parts.push(h.clone());
        }
        if parts.is_empty() {
            None
        } else {
            Some(Box::new(parts.join("\n")))
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = self.diag.primary.as_ref()?;
        let label = |l: &crate::diagnostics::Label, is_primary: bool| {
            let text = (!l.message.is_empty()).then(|| l.message.clone());
            if is_primary {
                LabeledSpan::new_primary_with_span(text, to_source_span(l.span))
            } else {
                LabeledSpan::new_with_span(text, to_source_span(l.span))
            }
        };
        let mut spans = vec![label(primary, true)];
        spans.extend(
            self.diag
                .secondary
                .iter()
                .filter(|l| l.span.file == primary.span.file)
                .map(|l| label(l, false)),
        );
        Some(Box::new(spans.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn renders_location_caret_and_help() {
        let mut map = SourceMap::new();
        let file = map.add(Path::new("spec.yaml"), "x-gateway:\n  nmae: pets\n");
        let d = Diagnostic::error(
            "gwc::lower::unknown_key",
            "unknown key `nmae` in `x-gateway`",
        )
        .with_span(Span::new(file, 13, 17), "not a known key")
        .with_help("did you mean `name`?");
        let text = d.render(&map, false);
        expect_test::expect![[r#"
            gwc::lower::unknown_key

              × spec.yaml:2:3: unknown key `nmae` in `x-gateway`
               ╭─[spec.yaml:2:3]
             1 │ x-gateway:
             2 │   nmae: pets
               ·   ──┬─
               ·     ╰── not a known key
               ╰────
              help: did you mean `name`?
        "#]]
        .assert_eq(&text);
    }
}
