//! The mock integration: a fixed response assembled at start-up and cloned per request
//! (the body is `Bytes`, so a clone is a reference-count increment).
//!
//! A mock with request templates answers as AWS's does: the template's output is JSON whose
//! `statusCode` is the integration's status (200 when the output is empty), and the
//! integration response that status selects builds the body.

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};

use crate::body::{Body, RequestBody};
use crate::error::{BuildError, GatewayError, header_pair};
use crate::ir::{self, ErrorType};

/// A prepared mock response.
#[derive(Debug)]
pub(crate) struct MockResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// The status comes from the request template's `statusCode`.
    templated: bool,
}

impl MockResponse {
    pub(crate) fn prepare(mock: &ir::Mock, templated: bool) -> Result<MockResponse, BuildError> {
        let status = StatusCode::from_u16(mock.status)
            .map_err(|_| BuildError::Invalid(vec![ir::ValidationError::BadStatus(mock.status)]))?;
        let mut headers = HeaderMap::with_capacity(mock.headers.len() + 2);
        for h in &mock.headers {
            let (name, value) = header_pair(h)?;
            headers.append(name, value);
        }
        Ok(MockResponse {
            status,
            headers,
            body: Bytes::copy_from_slice(mock.body.as_bytes()),
            templated,
        })
    }

    /// A copy with its own allocations, for one worker thread.
    pub(crate) fn local_copy(&self) -> MockResponse {
        let mut headers = HeaderMap::with_capacity(self.headers.len() + 2);
        for (name, value) in &self.headers {
            headers.append(name.clone(), crate::integration::proxy::deep_copy(value));
        }
        MockResponse {
            status: self.status,
            headers,
            body: Bytes::copy_from_slice(&self.body),
            templated: self.templated,
        }
    }

    /// The response to `req` (whose body a request template may have written).
    pub(crate) fn respond(
        &self,
        req: http::Request<RequestBody>,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let status = if self.templated {
            match req.body() {
                RequestBody::Buffered(b) => template_status(b)?,
                RequestBody::Streaming(_) => self.status,
            }
        } else {
            self.status
        };
        req.into_body().discard();
        let mut resp = self.fixed();
        *resp.status_mut() = status;
        Ok(resp)
    }

    /// The fixed response.
    pub(crate) fn fixed(&self) -> Response<Body> {
        let mut resp = Response::new(Body::full(self.body.clone()));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers.clone();
        resp
    }
}

/// The `statusCode` a mock's request template produced: 200 for an empty output, else the
/// JSON object's integer `statusCode` (100–599); anything else is the spec's mistake (500).
fn template_status(body: &[u8]) -> Result<StatusCode, Box<GatewayError>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(StatusCode::OK);
    }
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("statusCode")?.as_u64())
        .and_then(|n| u16::try_from(n).ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .ok_or_else(|| {
            GatewayError::new(
                ErrorType::ApiConfigurationError,
                "the mock's request template did not produce {\"statusCode\": N}",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::template_status;

    #[test]
    fn the_status_comes_from_the_template_output() {
        assert_eq!(template_status(b"").unwrap(), 200);
        assert_eq!(template_status(b" {\"statusCode\": 404} ").unwrap(), 404);
        assert!(template_status(b"{\"statusCode\": \"x\"}").is_err());
        assert!(template_status(b"{\"statusCode\": 7000}").is_err());
        assert!(template_status(b"not json").is_err());
    }
}
