//! The VTL engine ([`gwc_vtl`]) as the IR sees it: the engine re-exported, so that the
//! compiler, the runtime and generated gateways name it `ir::vtl`, plus [`VtlTemplate`], the
//! IR's carrier of one template (its source and, once parsed, its parsed form).

pub use gwc_vtl::*;

/// A template as the IR carries it: the spec's source text and, once parsed, the parsed form.
///
/// The compiler parses every template while lowering (a syntax error is a diagnostic at the
/// spec's line), keeps the result here, and `gwc build` writes it into the generated crate as
/// Rust data, so a generated gateway parses no template at start-up. An IR read from JSON has
/// only the source; the runtime parses it at start-up then. Equality, hashing and serde look
/// at the source alone: the parsed form is a function of it.
#[derive(Debug, Clone, Default)]
pub struct VtlTemplate {
    /// The template as the spec wrote it.
    pub source: crate::Str,
    /// Its parsed form, when parsed.
    pub parsed: Option<std::sync::Arc<Template>>,
}

impl VtlTemplate {
    /// A template from its source, parsed now when it parses (a template that does not keeps
    /// only its source; the runtime then refuses it at start-up with the parser's message).
    pub fn new(source: impl Into<crate::Str>) -> VtlTemplate {
        let source = source.into();
        let parsed = parse(&source).ok().map(std::sync::Arc::new);
        VtlTemplate { source, parsed }
    }

    /// A template whose source is not parsed (yet).
    pub fn unparsed(source: impl Into<crate::Str>) -> VtlTemplate {
        VtlTemplate {
            source: source.into(),
            parsed: None,
        }
    }

    /// What generated code writes: the source with its parsed nodes, built by the compiler
    /// from [`parse`]'s output.
    pub fn prepared(source: crate::Str, nodes: Vec<Node>) -> VtlTemplate {
        VtlTemplate {
            source,
            parsed: Some(std::sync::Arc::new(Template::new(nodes))),
        }
    }

    /// The parsed form: the one carried, else the source parsed now.
    pub fn template(&self) -> Result<std::sync::Arc<Template>, VtlError> {
        match &self.parsed {
            Some(t) => Ok(t.clone()),
            None => parse(&self.source).map(std::sync::Arc::new),
        }
    }
}

impl std::ops::Deref for VtlTemplate {
    type Target = str;

    fn deref(&self) -> &str {
        &self.source
    }
}

impl PartialEq for VtlTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for VtlTemplate {}

impl std::hash::Hash for VtlTemplate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

impl From<&'static str> for VtlTemplate {
    fn from(source: &'static str) -> Self {
        VtlTemplate::new(source)
    }
}

impl From<String> for VtlTemplate {
    fn from(source: String) -> Self {
        VtlTemplate::new(source)
    }
}

impl serde::Serialize for VtlTemplate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for VtlTemplate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(VtlTemplate::unparsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_templates_compare_by_source_and_parse_when_unparsed() {
        let parsed = VtlTemplate::new("$input.params('a')");
        let unparsed = VtlTemplate::unparsed("$input.params('a')");
        assert!(parsed.parsed.is_some() && unparsed.parsed.is_none());
        assert_eq!(parsed, unparsed);
        assert_eq!(*parsed.template().unwrap(), *unparsed.template().unwrap());
        assert!(VtlTemplate::new("#if(").parsed.is_none());
        assert!(VtlTemplate::unparsed("#if(").template().is_err());
    }
}
