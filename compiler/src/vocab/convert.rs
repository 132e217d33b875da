//! Conversions of vocabulary values that map one-to-one onto `gwc_ir` values.
//!
//! Lowering (`gwc::lower`) owns everything that needs context (stages, path templates,
//! references between blocks); these are the context-free pieces, kept next to the types so a
//! new field cannot be forgotten in one place.

use gwc_ir::{HeaderPair, Str};
use indexmap::IndexMap;

use super::{ApiKind, ErrorTypeName, GatewayResponse, Limits, MockIntegration};

impl From<Limits> for gwc_ir::Limits {
    fn from(l: Limits) -> gwc_ir::Limits {
        gwc_ir::Limits {
            max_body: l.max_body.0,
            max_header: l.max_header.0,
            header_read_timeout: l.header_read_timeout.0,
            body_read_timeout: l.body_read_timeout.0,
            integration_timeout: l.integration_timeout.0,
            idle_timeout: l.idle_timeout.0,
            underscores_in_headers: l.underscores_in_headers,
        }
    }
}

impl From<ApiKind> for gwc_ir::ApiKind {
    fn from(k: ApiKind) -> gwc_ir::ApiKind {
        match k {
            ApiKind::Http => gwc_ir::ApiKind::Http,
            ApiKind::Rest => gwc_ir::ApiKind::Rest,
            ApiKind::Websocket => gwc_ir::ApiKind::Websocket,
        }
    }
}

/// Header maps in spec order → IR header pairs.
pub fn header_pairs(headers: &IndexMap<String, String>) -> Vec<HeaderPair> {
    headers
        .iter()
        .map(|(name, value)| HeaderPair {
            name: Str::Owned(name.clone()),
            value: Str::Owned(value.clone()),
        })
        .collect()
}

impl GatewayResponse {
    /// The IR override for the response type it is keyed by.
    pub fn to_ir(&self, error_type: ErrorTypeName) -> gwc_ir::GatewayResponse {
        gwc_ir::GatewayResponse {
            error_type: error_type.0,
            status: self.status.map(|s| s.0),
            headers: header_pairs(&self.headers),
            templates: self
                .body
                .iter()
                .map(|body| ("application/json", body))
                .chain(self.templates.iter().map(|(t, b)| (t.as_str(), b)))
                .map(|(content_type, body)| gwc_ir::ContentTemplate {
                    content_type: Str::Owned(content_type.to_ascii_lowercase()),
                    template: gwc_ir::vtl::VtlTemplate::new(body.clone()),
                })
                .collect(),
        }
    }
}

impl MockIntegration {
    /// The IR mock integration.
    pub fn to_ir(&self) -> gwc_ir::Mock {
        gwc_ir::Mock {
            status: self.status.0,
            headers: header_pairs(&self.headers),
            body: Str::Owned(self.body.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_limits_are_the_irs() {
        assert_eq!(
            gwc_ir::Limits::from(Limits::default()),
            gwc_ir::Limits::default()
        );
    }

    #[test]
    fn mock_and_response() {
        let mut headers = IndexMap::new();
        headers.insert("content-type".to_owned(), "application/json".to_owned());
        let mock = MockIntegration {
            status: super::super::StatusCode(201),
            headers: headers.clone(),
            body: "{}".to_owned(),
            request_templates: IndexMap::new(),
            responses: IndexMap::new(),
        };
        let ir = mock.to_ir();
        assert_eq!(ir.status, 201);
        assert_eq!(ir.headers[0].name, "content-type");
        let resp = GatewayResponse {
            status: Some(super::super::StatusCode(503)),
            headers,
            body: None,
            templates: IndexMap::new(),
        };
        let ir = resp.to_ir(ErrorTypeName(gwc_ir::ErrorType::IntegrationTimeout));
        assert_eq!(ir.error_type, gwc_ir::ErrorType::IntegrationTimeout);
        assert_eq!(ir.status, Some(503));
    }
}
