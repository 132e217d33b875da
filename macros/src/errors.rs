//! Where the macro gathers its errors, à la serde's `Ctxt`: every mistake is pushed with its
//! span and the expansion goes on, so one run reports them all; [`ErrorSink::finish`] hands
//! them over, and a sink dropped without it panics in debug builds (an error was lost).

use proc_macro2::Span;

/// The macro's errors, in the order found.
#[derive(Debug, Default)]
pub(crate) struct ErrorSink {
    errors: Option<Vec<syn::Error>>,
}

impl ErrorSink {
    pub(crate) fn new() -> ErrorSink {
        ErrorSink {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// Records an error at `span`.
    pub(crate) fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// True when nothing was recorded yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.as_ref().is_none_or(Vec::is_empty)
    }

    /// The errors, once.
    pub(crate) fn finish(mut self) -> Vec<syn::Error> {
        self.errors.take().unwrap_or_default()
    }
}

impl Drop for ErrorSink {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.as_ref().is_some_and(|e| !e.is_empty()) {
            debug_assert!(false, "ErrorSink dropped with unreported errors");
        }
    }
}
