//! The authorizers' control-plane HTTP client: one request on a fresh connection (a JWKS or
//! discovery document, a custom authorizer's answer), with a deadline and a size cap on the
//! answer. These calls are rare (key refreshes) or cached (custom authorizers), so they do not
//! share the integration's pools; HTTPS uses the gateway's trust settings
//! (`--upstream-roots`, `--upstream-ca-file`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::integration::tls::TlsTarget;

/// What a fetch may need: the TLS client configuration for `https://` addresses.
#[derive(Clone, Default)]
pub(crate) struct Client {
    pub(crate) tls: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

/// A fetched answer.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

impl Client {
    /// Sends one request and reads the whole answer (at most `max_len` bytes) within
    /// `timeout`. Errors are strings for the log; they never reach a client.
    pub(crate) async fn send(
        &self,
        method: Method,
        uri: &Uri,
        body: Option<Bytes>,
        timeout: Duration,
        max_len: usize,
    ) -> Result<Fetched, String> {
        match tokio::time::timeout(timeout, self.send_inner(method, uri, body, max_len)).await {
            Ok(r) => r,
            Err(_) => Err(format!("no answer from {uri} within {timeout:?}")),
        }
    }

    async fn send_inner(
        &self,
        method: Method,
        uri: &Uri,
        body: Option<Bytes>,
        max_len: usize,
    ) -> Result<Fetched, String> {
        let host = uri.host().ok_or_else(|| format!("`{uri}` has no host"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(format!("`{uri}` is neither http:// nor https://")),
        };
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let stream = TcpStream::connect((bare, port))
            .await
            .map_err(|e| format!("connect to {host}:{port}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let authority = uri
            .authority()
            .map_or_else(|| host.to_owned(), |a| a.as_str().to_owned());
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, authority)
            .header(header::USER_AGENT, "gwc-authorizer")
            .header(header::ACCEPT, "application/json");
        if body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        let req = builder
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| e.to_string())?;
        if https {
            let config = self
                .tls
                .clone()
                .ok_or_else(|| "no TLS configuration for an https:// address".to_owned())?;
            let target = TlsTarget::new(config, host)?;
            let tls = target
                .connector
                .connect(target.server_name.clone(), stream)
                .await
                .map_err(|e| format!("TLS handshake with {host}: {e}"))?;
            exchange(tls, req, max_len).await
        } else {
            exchange(stream, req, max_len).await
        }
    }
}

async fn exchange<T>(io: T, req: Request<Full<Bytes>>, max_len: usize) -> Result<Fetched, String>
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = async move {
        let _ = conn.await;
    };
    // The connection is driven beside the exchange and dropped with it.
    let exchange = async move {
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = resp.status();
        let body = Limited::new(resp.into_body(), max_len)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        Ok(Fetched { status, body })
    };
    tokio::pin!(exchange);
    tokio::pin!(driver);
    tokio::select! {
        r = &mut exchange => r,
        () = &mut driver => exchange.await,
    }
}
