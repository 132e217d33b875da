//! The mock integration: a fixed response assembled at start-up and cloned per request
//! (the body is `Bytes`, so a clone is a reference-count increment).

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};

use crate::body::Body;
use crate::error::{BuildError, header_pair};
use crate::ir;

/// A prepared mock response.
#[derive(Debug)]
pub(crate) struct MockResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl MockResponse {
    pub(crate) fn prepare(mock: &ir::Mock) -> Result<MockResponse, BuildError> {
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
        }
    }

    pub(crate) fn respond(&self) -> Response<Body> {
        let mut resp = Response::new(Body::full(self.body.clone()));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers.clone();
        resp
    }
}
