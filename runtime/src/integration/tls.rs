//! TLS to upstreams (`https://` integration URIs): one rustls client configuration per gateway,
//! built at start-up from the deployment's trust settings, and the per-upstream server name.
//!
//! Trust is a deployment concern, not part of the API description, so it comes from
//! [`RuntimeArgs`](crate::RuntimeArgs): `--upstream-roots` picks the base store (Mozilla's roots
//! compiled in by default, so a gateway in a scratch or distroless image, which has no system
//! store, trusts the same public CAs as anywhere else; `system` reads the OS store instead;
//! `none` trusts only the extra file), and `--upstream-ca-file` adds a PEM bundle for private
//! CAs. Every problem with these is a [`BuildError`] at start-up, never a panic or a per-request
//! failure.
//!
//! The configuration is built once and shared behind an `Arc`; a request only clones that `Arc`
//! when it opens a new connection, so pooled TLS connections cost nothing extra per request.
//! The crypto provider is `ring`, chosen explicitly (not the process default) so a build that
//! also links aws-lc-rs through some other crate still behaves the same.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::args::UpstreamRoots;
use crate::error::BuildError;

/// What an `https://` upstream needs to open a connection: the shared client configuration
/// and the name its certificate must carry (also sent as SNI, except for IP addresses, which
/// TLS forbids in SNI and which are checked against the certificate's IP SANs instead).
#[derive(Clone)]
pub(crate) struct TlsTarget {
    pub(crate) connector: TlsConnector,
    pub(crate) server_name: ServerName<'static>,
}

impl std::fmt::Debug for TlsTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTarget")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

impl TlsTarget {
    /// The target for `host` (as written in the URI: a DNS name, an IPv4 address, or an IPv6
    /// address in brackets).
    pub(crate) fn new(config: Arc<ClientConfig>, host: &str) -> Result<TlsTarget, String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let server_name = match bare.parse::<IpAddr>() {
            Ok(ip) => ServerName::IpAddress(ip.into()),
            Err(_) => ServerName::try_from(bare.to_owned())
                .map_err(|e| format!("`{bare}` is not a valid TLS server name: {e}"))?,
        };
        Ok(TlsTarget {
            connector: TlsConnector::from(config),
            server_name,
        })
    }
}

/// The client configuration of one gateway, built on first need (a gateway with only plain
/// upstreams and no CA file never loads a trust store).
#[derive(Debug)]
pub(crate) struct LazyClientConfig<'a> {
    roots: UpstreamRoots,
    ca_file: Option<&'a Path>,
    built: Option<Arc<ClientConfig>>,
}

impl<'a> LazyClientConfig<'a> {
    pub(crate) fn new(roots: UpstreamRoots, ca_file: Option<&'a Path>) -> LazyClientConfig<'a> {
        LazyClientConfig {
            roots,
            ca_file,
            built: None,
        }
    }

    /// The configuration, built the first time it is asked for.
    pub(crate) fn get(&mut self) -> Result<Arc<ClientConfig>, BuildError> {
        if let Some(c) = &self.built {
            return Ok(Arc::clone(c));
        }
        let c = client_config(self.roots, self.ca_file)?;
        self.built = Some(Arc::clone(&c));
        Ok(c)
    }

    /// Whether the deployment asked for a CA file, which is then checked even when no upstream
    /// is `https://` yet (a typo in a deployment setting should not wait for a spec change).
    pub(crate) fn has_ca_file(&self) -> bool {
        self.ca_file.is_some()
    }
}

/// Builds the rustls client configuration: the chosen roots plus the CA file, TLS 1.2 and 1.3
/// with rustls's safe defaults, ALPN `http/1.1` (the pool speaks HTTP/1 only).
pub(crate) fn client_config(
    roots: UpstreamRoots,
    ca_file: Option<&Path>,
) -> Result<Arc<ClientConfig>, BuildError> {
    let mut store = RootCertStore::empty();
    match roots {
        UpstreamRoots::Webpki => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        UpstreamRoots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(BuildError::UpstreamTls(format!(
                    "`--upstream-roots system` found no usable certificate in the system store{}",
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" ({why})")
                    }
                )));
            }
        }
        UpstreamRoots::None => {}
    }
    if let Some(path) = ca_file {
        add_ca_file(&mut store, path)?;
    }
    if store.is_empty() {
        return Err(BuildError::UpstreamTls(
            "`--upstream-roots none` without `--upstream-ca-file` trusts no certificate".to_owned(),
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| BuildError::UpstreamTls(e.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Adds every certificate of a PEM bundle; a file that cannot be read, holds a malformed block,
/// or holds no certificate at all is an error naming the file.
fn add_ca_file(store: &mut RootCertStore, path: &Path) -> Result<(), BuildError> {
    let bad = |reason: String| BuildError::UpstreamCaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut count = 0usize;
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| bad(format!("malformed PEM: {e}")))?;
        store
            .add(cert)
            .map_err(|e| bad(format!("certificate {} rejected: {e}", count + 1)))?;
        count += 1;
    }
    if count == 0 {
        return Err(bad("no `BEGIN CERTIFICATE` block found".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca_pem() -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    fn write(text: &str) -> (tempfile_dir::Dir, std::path::PathBuf) {
        let dir = tempfile_dir::Dir::new();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    /// A throwaway directory under the system temp dir, removed on drop (the runtime has no
    /// `tempfile` dev-dependency and these tests need only one file each).
    mod tempfile_dir {
        pub(super) struct Dir(std::path::PathBuf);
        impl Dir {
            pub(super) fn new() -> Dir {
                use std::sync::atomic::{AtomicUsize, Ordering};
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "gwc-runtime-tls-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
            pub(super) fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn default_roots_and_extra_ca() {
        let config = client_config(UpstreamRoots::Webpki, None).unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
        let (_dir, path) = write(&ca_pem());
        client_config(UpstreamRoots::Webpki, Some(&path)).unwrap();
        client_config(UpstreamRoots::None, Some(&path)).unwrap();
    }

    #[test]
    fn bad_ca_files_are_build_errors() {
        let (_d1, garbage) =
            write("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n");
        let (_d2, empty) = write("just text\n");
        let (_d3, not_a_cert) =
            write("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n");
        let missing = Path::new("/nonexistent/gwc/ca.pem");
        let message = |path: &Path| {
            client_config(UpstreamRoots::Webpki, Some(path))
                .unwrap_err()
                .to_string()
        };
        let m = message(&garbage);
        assert!(m.contains("malformed PEM"), "{m}");
        assert!(m.contains("ca.pem"), "{m}");
        let m = message(&empty);
        assert!(m.contains("no `BEGIN CERTIFICATE` block"), "{m}");
        let m = message(&not_a_cert);
        assert!(m.contains("certificate 1 rejected"), "{m}");
        let m = message(missing);
        assert!(m.contains("/nonexistent/gwc/ca.pem"), "{m}");
        let m = client_config(UpstreamRoots::None, None)
            .unwrap_err()
            .to_string();
        assert!(m.contains("trusts no certificate"), "{m}");
    }

    #[test]
    fn server_names() {
        let config = client_config(UpstreamRoots::Webpki, None).unwrap();
        let name = |h: &str| TlsTarget::new(Arc::clone(&config), h).map(|t| t.server_name);
        assert!(matches!(
            name("api.example.com"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(name("127.0.0.1"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(name("[::1]"), Ok(ServerName::IpAddress(_))));
        assert!(name("bad_name!").is_err());
    }
}
