//! What a handler may return: anything [`IntoResponse`], or any `serde::Serialize` value
//! (sent as JSON with status 200), or a `Result` of either whose error converts into
//! [`Error`].
//!
//! The `Serialize` fallback cannot be a blanket `IntoResponse` impl (it would overlap with
//! `String`, `Json`, tuples…), so the code `#[gateway]` writes picks the conversion with
//! autoref specialisation on [`Responder`]: `IntoResponse` first, then `Result<T: Serialize,
//! E>`, then `T: Serialize`. A type that is none of them gets the error on [`ViaSerialize`],
//! which names the choices.

use std::cell::Cell;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use super::Error;
use crate::body::Body;

/// A JSON body: as an argument, the request body deserialised; as a return value, the value
/// serialised with `content-type: application/json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A handler's return value as a response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[gateway]` handler",
    label = "not a response",
    note = "return a `serde::Serialize` value (sent as JSON), `Json<T>`, `String`, `&'static str`, `Bytes`, `StatusCode`, `()` (204), `(StatusCode, R)`, `(HeaderMap, R)`, `http::Response<Body>`, or a `Result` of one of these whose error converts into `gwc_runtime::handler::Error`"
)]
pub trait IntoResponse {
    /// Converts the value; an `Err` becomes the gateway response of its type.
    fn into_response(self) -> Result<Response<Body>, Error>;
}

// Checked when compiled: `HeaderValue::from_static` called at run time checks every byte of
// the value on every response; a clone of these copies two words.
static APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
static TEXT_PLAIN: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
static OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

fn with_type(body: Bytes, content_type: &'static HeaderValue) -> Response<Body> {
    let mut resp = Response::new(Body::full(body));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type.clone());
    resp
}

fn json<T: Serialize>(value: &T) -> Result<Response<Body>, Error> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| Error::internal(format!("response does not serialise: {e}")))?;
    Ok(with_type(Bytes::from(bytes), &APPLICATION_JSON))
}

impl IntoResponse for Response<Body> {
    fn into_response(self) -> Result<Response<Body>, Error> {
        Ok(self)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response<Body>, Error> {
        json(&self.0)
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Result<Response<Body>, Error> {
        Ok(with_type(Bytes::from(self), &TEXT_PLAIN))
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Result<Response<Body>, Error> {
        Ok(with_type(Bytes::from_static(self.as_bytes()), &TEXT_PLAIN))
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Result<Response<Body>, Error> {
        Ok(with_type(self, &OCTET_STREAM))
    }
}

/// `204 No Content`.
impl IntoResponse for () {
    fn into_response(self) -> Result<Response<Body>, Error> {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::NO_CONTENT;
        Ok(resp)
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Result<Response<Body>, Error> {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = self;
        Ok(resp)
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Result<Response<Body>, Error> {
        let mut resp = self.1.into_response()?;
        *resp.status_mut() = self.0;
        Ok(resp)
    }
}

impl<R: IntoResponse> IntoResponse for (HeaderMap, R) {
    fn into_response(self) -> Result<Response<Body>, Error> {
        let mut resp = self.1.into_response()?;
        resp.headers_mut().extend(self.0);
        Ok(resp)
    }
}

impl<R: IntoResponse> IntoResponse for (StatusCode, HeaderMap, R) {
    fn into_response(self) -> Result<Response<Body>, Error> {
        let mut resp = (self.1, self.2).into_response()?;
        *resp.status_mut() = self.0;
        Ok(resp)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Result<Response<Body>, Error> {
        Err(self)
    }
}

impl<R: IntoResponse, E: Into<Error>> IntoResponse for Result<R, E> {
    fn into_response(self) -> Result<Response<Body>, Error> {
        match self {
            Ok(r) => r.into_response(),
            Err(e) => Err(e.into()),
        }
    }
}

/// A handler's return value on its way to a response (see the module docs). Hidden: only
/// macro-written code names it.
#[allow(missing_debug_implementations)]
pub struct Responder<T>(pub Cell<Option<T>>);

impl<T> Responder<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Responder<T> {
        Responder(Cell::new(Some(value)))
    }

    fn take(&self) -> Result<T, Error> {
        self.0
            .take()
            .ok_or_else(|| Error::internal("handler response taken twice"))
    }
}

/// First choice: the value is [`IntoResponse`].
pub trait ViaIntoResponse {
    /// Converts the value.
    fn gwc_respond(&self) -> Result<Response<Body>, Error>;
}

impl<T: IntoResponse> ViaIntoResponse for &&Responder<T> {
    fn gwc_respond(&self) -> Result<Response<Body>, Error> {
        self.take()?.into_response()
    }
}

/// Second choice: a `Result` of a `Serialize` value.
pub trait ViaSerializeResult {
    /// Converts the value.
    fn gwc_respond(&self) -> Result<Response<Body>, Error>;
}

impl<T: Serialize, E: Into<Error>> ViaSerializeResult for &Responder<Result<T, E>> {
    fn gwc_respond(&self) -> Result<Response<Body>, Error> {
        match self.take()? {
            Ok(v) => json(&v),
            Err(e) => Err(e.into()),
        }
    }
}

/// Last choice: a `Serialize` value, sent as JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a `#[gateway]` handler",
    label = "not a response",
    note = "return a `serde::Serialize` value (sent as JSON), `Json<T>`, `String`, `&'static str`, `Bytes`, `StatusCode`, `()` (204), `(StatusCode, R)`, `(HeaderMap, R)`, `http::Response<Body>`, or a `Result` of one of these whose error converts into `gwc_runtime::handler::Error`"
)]
pub trait ViaSerialize {
    /// Converts the value.
    fn gwc_respond(&self) -> Result<Response<Body>, Error>;
}

impl<T: Serialize> ViaSerialize for Responder<T> {
    fn gwc_respond(&self) -> Result<Response<Body>, Error> {
        json(&self.take()?)
    }
}
