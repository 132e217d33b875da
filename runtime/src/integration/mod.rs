//! Integrations: what ends a route's pipeline. The HTTP proxy ([`proxy`]) with its per-worker
//! connection pools ([`pool`]) and upstream TLS ([`tls`]), and mock responses ([`mock`]).
//! Mapped (template) integrations and in-process handlers join them here.

pub(crate) mod handler;
pub(crate) mod mock;
pub(crate) mod pool;
pub(crate) mod proxy;
pub(crate) mod tls;
