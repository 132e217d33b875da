//! The gwc compiler: OpenAPI documents annotated with `x-gateway*` (or AWS's
//! `x-amazon-apigateway-*`) extensions → a checked gateway IR → a standalone Rust crate.
//!
//! The pipeline follows DESIGN.md: [`load`] (spanned tree, `$ref`s) → [`openapi`] (3.0, 3.1 and
//! Swagger 2.0 as one view) → [`lower`] (extensions → IR) → [`check`] → `codegen`.

pub mod admin;
pub mod build;
pub mod check;
pub mod codegen;
pub mod diagnostics;
pub mod load;
pub mod lower;
pub mod models;
pub mod openapi;
pub mod routes;
pub mod serve;
pub mod source;
pub mod vocab;
pub mod waf_import;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};

/// Everything the front end produced for one spec: the loaded files (for rendering), every
/// diagnostic, and the IR when lowering got that far.
#[derive(Debug)]
pub struct Frontend {
    /// Every file read (the spec and the files it `$ref`s).
    pub sources: source::SourceMap,
    /// Every finding, in the order found.
    pub diagnostics: Diagnostics,
    /// The lowered gateway, when the spec could be read that far.
    pub lowered: Option<lower::Lowered>,
}

impl Frontend {
    /// The IR, if the spec has no errors.
    pub fn gateway(&self) -> Option<&gwc_ir::Gateway> {
        if self.diagnostics.has_errors() {
            return None;
        }
        self.lowered.as_ref().map(|l| &l.gateway)
    }
}

/// Runs load → OpenAPI view → lower → check for `gwc check` and `gwc routes`.
pub fn frontend(spec: &std::path::Path) -> Frontend {
    frontend_for(spec, lower::Purpose::Check)
}

/// Runs the front end for a purpose: [`lower::Purpose::Serve`] (used by `gwc build` and
/// `gwc serve`) also rejects what could be described but not served.
pub fn frontend_for(spec: &std::path::Path, purpose: lower::Purpose) -> Frontend {
    let mut sources = source::SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let lowered = load::load(spec, &mut sources, &mut diagnostics).and_then(|doc| {
        let api = openapi::Api::from_document(&doc, &sources, &mut diagnostics)?;
        let lowered = lower::lower(&api, purpose, &mut diagnostics)?;
        check::check(&lowered.gateway, &lowered.sites, &mut diagnostics);
        Some(lowered)
    });
    Frontend {
        sources,
        diagnostics,
        lowered,
    }
}

/// Loads `spec` and generates its typed models ([`models`]); `None` (with the diagnostics) when
/// the document cannot be read as OpenAPI.
pub fn models_for(
    spec: &std::path::Path,
) -> (Option<models::Models>, source::SourceMap, Diagnostics) {
    let mut sources = source::SourceMap::new();
    let mut diagnostics = Diagnostics::new();
    let models = load::load(spec, &mut sources, &mut diagnostics).and_then(|doc| {
        let api = openapi::Api::from_document(&doc, &sources, &mut diagnostics)?;
        Some(models::generate(&api))
    });
    (models, sources, diagnostics)
}
