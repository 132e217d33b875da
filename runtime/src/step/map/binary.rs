//! Binary payloads: AWS REST's content type conversions.
//!
//! A payload is *binary* when its `Content-Type` is one of the API's `binary_media_types`
//! (wildcards allowed), else *text*. A request body crosses to the backend as it came unless
//! the integration's `contentHandling` says otherwise (`CONVERT_TO_TEXT` base64-encodes a
//! binary body, `CONVERT_TO_BINARY` base64-decodes a text one). A response follows the
//! integration response's `contentHandling`, or, without one, the *first* media type of the
//! client's `Accept` (AWS reads only the first): a binary payload reaches a client whose first
//! `Accept` type is binary as bytes and any other client as base64 text; a text payload
//! reaches a binary-`Accept` client base64-decoded. An API without binary media types passes
//! every payload through untouched (AWS would read it as UTF-8 and mangle binary bytes; gwc
//! does not). A failed decode is a 500, as AWS's.
//!
//! The media types are lower-cased once at start-up; a request only splits its headers and
//! reads a body when a conversion is due, so a PNG sent to a binary `Accept` streams through.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderValue, Response};
use http_body_util::BodyExt;

use crate::body::Body;
use crate::error::GatewayError;
use crate::ir::{self, ContentHandling, ErrorType, vtl};

/// Largest body converted between binary and base64 text.
pub(crate) const MAX_CONVERTED_BODY: usize = 10 << 20;

/// The API's binary media types (lower case).
#[derive(Debug, Clone, Default)]
pub(crate) struct MediaTypes(Arc<[Box<str>]>);

/// The media type of a header value: before any `;`, trimmed, lower case.
pub(crate) fn media_type(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

impl MediaTypes {
    /// The gateway's list.
    pub(crate) fn new(ir: &ir::Gateway) -> MediaTypes {
        MediaTypes(
            ir.binary_media_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase().into_boxed_str())
                .collect(),
        )
    }

    /// True when the API declares none (every payload passes through).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether media type `ty` (already lower case, no parameters) is binary.
    pub(crate) fn is_binary(&self, ty: &str) -> bool {
        !ty.is_empty() && self.0.iter().any(|p| ir::media_type_matches(p, ty))
    }

    /// Whether a payload with these headers is binary (by its `Content-Type`).
    pub(crate) fn is_binary_payload(&self, headers: &HeaderMap) -> bool {
        !self.is_empty()
            && headers
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| self.is_binary(&media_type(v)))
    }

    /// Whether the first media type of an `Accept` value is binary (no `Accept`: text).
    pub(crate) fn accepts_binary(&self, accept: Option<&HeaderValue>) -> bool {
        !self.is_empty()
            && accept
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| self.is_binary(&media_type(v.split(',').next().unwrap_or(""))))
    }
}

/// What to do to a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Convert {
    /// Pass it as it is.
    Keep,
    /// Binary → base64 text.
    Encode,
    /// Base64 text → binary.
    Decode,
}

/// The request rule: only `contentHandling` converts.
pub(crate) fn request_conversion(handling: Option<ContentHandling>, binary: bool) -> Convert {
    match (handling, binary) {
        (Some(ContentHandling::ConvertToText), true) => Convert::Encode,
        (Some(ContentHandling::ConvertToBinary), false) => Convert::Decode,
        _ => Convert::Keep,
    }
}

/// The response rule: `contentHandling`, else (when the API has binary media types) the
/// client's first `Accept` type.
pub(crate) fn response_conversion(
    handling: Option<ContentHandling>,
    types_set: bool,
    binary: bool,
    accept_binary: bool,
) -> Convert {
    match handling {
        Some(h) => request_conversion(Some(h), binary),
        None if !types_set => Convert::Keep,
        None => match (binary, accept_binary) {
            (true, false) => Convert::Encode,
            (false, true) => Convert::Decode,
            _ => Convert::Keep,
        },
    }
}

/// Applies a conversion to a whole body.
pub(crate) fn convert(how: Convert, body: Bytes) -> Result<Bytes, Box<GatewayError>> {
    match how {
        Convert::Keep => Ok(body),
        Convert::Encode => Ok(Bytes::from(vtl::base64_encode(&body))),
        Convert::Decode => std::str::from_utf8(&body)
            .ok()
            .and_then(vtl::base64_decode)
            .map(Bytes::from)
            .ok_or_else(|| {
                GatewayError::new(
                    ErrorType::Default5xx,
                    "contentHandling CONVERT_TO_BINARY: the payload is not base64",
                )
            }),
    }
}

/// Fixes the framing headers of a body replaced by one of `len` bytes.
pub(crate) fn set_length(headers: &mut HeaderMap, len: usize) {
    headers.remove(TRANSFER_ENCODING);
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
}

/// Reads a response body whole (up to [`MAX_CONVERTED_BODY`]).
pub(crate) async fn collect(body: Body, what: &str) -> Result<Bytes, Box<GatewayError>> {
    Ok(http_body_util::Limited::new(body, MAX_CONVERTED_BODY)
        .collect()
        .await
        .map_err(|e| {
            GatewayError::new(
                ErrorType::IntegrationFailure,
                format!("reading the backend body {what}: {e}"),
            )
        })?
        .to_bytes())
}

/// The `Accept` rule for routes without integration responses (proxy, mock, handler) on an
/// API with binary media types.
#[derive(Debug)]
pub(crate) struct ResponseBinary {
    types: MediaTypes,
}

impl ResponseBinary {
    /// The route's step, when the API declares binary media types and the route has no
    /// integration responses of its own (those apply the rule themselves).
    pub(crate) fn compile(ir: &ir::Gateway, route: &ir::Route) -> Option<ResponseBinary> {
        let types = MediaTypes::new(ir);
        (!types.is_empty() && route.body_mapping.responses.is_empty())
            .then_some(ResponseBinary { types })
    }

    /// Whether the client's first `Accept` type is binary: read before the request goes.
    pub(crate) fn accepts_binary(&self, headers: &HeaderMap) -> bool {
        self.types.accepts_binary(headers.get(ACCEPT))
    }

    /// Converts the response as the rule says; untouched (and unread) when it says keep.
    pub(crate) async fn apply(
        &self,
        accept_binary: bool,
        resp: Response<Body>,
    ) -> Result<Response<Body>, Box<GatewayError>> {
        let binary = self.types.is_binary_payload(resp.headers());
        let how = response_conversion(None, true, binary, accept_binary);
        if how == Convert::Keep {
            return Ok(resp);
        }
        let (mut parts, body) = resp.into_parts();
        let bytes = convert(how, collect(body, "to convert it").await?)?;
        set_length(&mut parts.headers, bytes.len());
        Ok(Response::from_parts(parts, Body::full(bytes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_table_is_aws_s() {
        use Convert::*;
        // (contentHandling, binary payload, binary Accept) → conversion, with types set.
        let t = Some(ContentHandling::ConvertToText);
        let b = Some(ContentHandling::ConvertToBinary);
        for (handling, binary, accept, want) in [
            (None, false, false, Keep),
            (None, false, true, Decode),
            (None, true, false, Encode),
            (None, true, true, Keep),
            (t, false, false, Keep),
            (t, false, true, Keep),
            (t, true, false, Encode),
            (t, true, true, Encode),
            (b, false, false, Decode),
            (b, false, true, Decode),
            (b, true, false, Keep),
            (b, true, true, Keep),
        ] {
            assert_eq!(
                response_conversion(handling, true, binary, accept),
                want,
                "{handling:?} binary={binary} accept={accept}"
            );
        }
        assert_eq!(response_conversion(None, false, true, false), Keep);
        assert_eq!(
            response_conversion(b, false, false, false),
            Decode,
            "contentHandling applies without binary media types"
        );
    }

    #[test]
    fn accept_reads_only_the_first_type() {
        let types = MediaTypes(Arc::from(vec!["image/*".into()]));
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert!(types.accepts_binary(Some(&v("image/png"))));
        assert!(types.accepts_binary(Some(&v("image/webp;q=0.9, */*"))));
        assert!(!types.accepts_binary(Some(&v("text/html, image/png"))));
        assert!(!types.accepts_binary(Some(&v("*/*"))));
        assert!(!types.accepts_binary(None));
    }

    #[test]
    fn decoding_text_that_is_not_base64_fails() {
        assert_eq!(
            convert(Convert::Decode, Bytes::from_static(b"aGk=")).unwrap(),
            Bytes::from_static(b"hi")
        );
        assert!(convert(Convert::Decode, Bytes::from_static(b"{\"a\":1}")).is_err());
        assert_eq!(
            convert(Convert::Encode, Bytes::from_static(b"\x89PNG")).unwrap(),
            Bytes::from_static(b"iVBORw==")
        );
    }
}
