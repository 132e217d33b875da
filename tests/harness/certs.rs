//! Certificates made in the test with `rcgen`: a throwaway CA, leaf certificates it signs for
//! the TLS backends, and the CA's PEM file for the gateway's `--upstream-ca-file`.
//!
//! Nothing is read from or written to a shared location: each test makes its own CA, so a test
//! that trusts one CA cannot accidentally pass by trusting another test's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority that exists only for one test.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    /// Holds the CA's PEM file; removed on drop.
    dir: tempfile::TempDir,
}

/// Errors from making certificates or TLS configurations.
pub type CertError = Box<dyn std::error::Error + Send + Sync>;

impl TestCa {
    /// A new CA named `name` (its PEM file is written at once, see [`TestCa::pem_file`]).
    pub fn new(name: &str) -> Result<TestCa, CertError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key)?;
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("ca.pem"), cert.pem())?;
        Ok(TestCa {
            issuer: Issuer::new(params, key),
            dir,
        })
    }

    /// A file holding the CA certificate as PEM, for `--upstream-ca-file`.
    pub fn pem_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A rustls server configuration presenting a leaf certificate this CA signs for `names`
    /// (DNS names or IP addresses, which become IP SANs).
    pub fn server_config(&self, names: &[&str]) -> Result<Arc<ServerConfig>, CertError> {
        let key = KeyPair::generate()?;
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone())?;
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().map_or("leaf", String::as_str),
        );
        let cert = params.signed_by(&key, &self.issuer)?;
        let chain = vec![cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        server_config(chain, key)
    }
}

/// A server configuration with the `ring` provider, as the gateway uses.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, CertError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Writes `text` into `dir/name` and returns the path (for deliberately broken CA files).
pub fn write_file(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}
