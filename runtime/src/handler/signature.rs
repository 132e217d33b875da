//! Compile-time checks of a spec-first handler's signature against the spec's typed models.
//!
//! `gwc models` writes the spec's request and response body types; a generated gateway whose
//! spec names them (`x-gateway.rust.models`) calls [`expect_request`] and [`expect_response`]
//! on each handler function inside a function that is never run, so rustc proves that the body
//! the handler reads (`Json<T>`) and the JSON it answers (`Json<T>`, `(StatusCode, Json<T>)`,
//! `Vec<T>`, any of them in `Result<_, E>`) are the spec's types. Nothing here exists at run
//! time.

use std::future::Future;

use http::StatusCode;

use super::{Context, Header, Json, Path, Query, State};

/// The "no JSON body" answer of [`BodyOf`] and [`ResponseOf`].
#[derive(Debug, Clone, Copy)]
pub struct NoBody;

/// The JSON body type an extractor reads ([`NoBody`] for the extractors that read none).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor whose body type the spec can check",
    note = "the spec gives this operation a JSON request body: take it as the last argument, `Json<models::…>`"
)]
pub trait BodyOf {
    /// The body's type.
    type Body;
}

impl<T> BodyOf for Json<T> {
    type Body = T;
}
impl BodyOf for bytes::Bytes {
    type Body = NoBody;
}
impl BodyOf for String {
    type Body = NoBody;
}
impl<T> BodyOf for Path<T> {
    type Body = NoBody;
}
impl<T> BodyOf for Query<T> {
    type Body = NoBody;
}
impl<T> BodyOf for Header<T> {
    type Body = NoBody;
}
impl<T> BodyOf for State<T> {
    type Body = NoBody;
}
impl BodyOf for Context {
    type Body = NoBody;
}

/// The JSON type a handler's return value answers with.
#[diagnostic::on_unimplemented(
    message = "the spec's response type cannot be checked against `{Self}`",
    note = "return the spec's model as `Json<models::…>` (or `(StatusCode, Json<…>)`, `Vec<…>`, inside `Result<_, Error>` if it can fail)"
)]
pub trait ResponseOf {
    /// The JSON body's type.
    type Body;
}

impl<T> ResponseOf for Json<T> {
    type Body = T;
}
impl<T> ResponseOf for (StatusCode, Json<T>) {
    type Body = T;
}
impl<T> ResponseOf for Vec<T> {
    type Body = Vec<T>;
}
impl ResponseOf for StatusCode {
    type Body = NoBody;
}
impl<T: ResponseOf, E> ResponseOf for Result<T, E> {
    type Body = T::Body;
}

/// A handler function taking `Args`: the body type its last argument reads.
pub trait RequestSignature<Args> {
    /// The JSON body type (or [`NoBody`]).
    type Body;
}

/// A handler function taking `Args`: the JSON type it answers with.
pub trait ResponseSignature<Args> {
    /// The response's JSON type.
    type Body;
}

impl<F, Fut> ResponseSignature<()> for F
where
    F: Fn() -> Fut,
    Fut: Future,
    Fut::Output: ResponseOf,
{
    type Body = <Fut::Output as ResponseOf>::Body;
}

macro_rules! signatures {
    ($($arg:ident),* ; $last:ident) => {
        impl<F, Fut, $($arg,)* $last> RequestSignature<($($arg,)* $last,)> for F
        where
            F: Fn($($arg,)* $last) -> Fut,
            Fut: Future,
            $last: BodyOf,
        {
            type Body = <$last as BodyOf>::Body;
        }

        impl<F, Fut, $($arg,)* $last> ResponseSignature<($($arg,)* $last,)> for F
        where
            F: Fn($($arg,)* $last) -> Fut,
            Fut: Future,
            Fut::Output: ResponseOf,
        {
            type Body = <Fut::Output as ResponseOf>::Body;
        }
    };
}

signatures!(; A1);
signatures!(A1; A2);
signatures!(A1, A2; A3);
signatures!(A1, A2, A3; A4);
signatures!(A1, A2, A3, A4; A5);
signatures!(A1, A2, A3, A4, A5; A6);
signatures!(A1, A2, A3, A4, A5, A6; A7);
signatures!(A1, A2, A3, A4, A5, A6, A7; A8);

/// Type-checks that `handler` reads a JSON body of type `B` (called, never run, by generated
/// code; a mismatch is a type error naming both types).
pub fn expect_request<B, Args, F: RequestSignature<Args, Body = B>>(_handler: F) {}

/// Type-checks that `handler` answers with JSON of type `B`.
pub fn expect_response<B, Args, F: ResponseSignature<Args, Body = B>>(_handler: F) {}
