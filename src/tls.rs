//! TLS on the gRPC port, and mutual TLS when a client CA is configured. rustls with ring is the
//! only crypto provider in the build (`cargo tree -i aws-lc-rs` finds nothing).

use anyhow::Context;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::config::TlsSettings;

/// Makes ring the process-wide rustls provider. rustls would pick it alone while it is the only
/// one compiled in; installing it says so explicitly, and keeps working if a dependency ever
/// brings a second provider. Later calls change nothing.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The server's TLS configuration, or `None` for plaintext.
pub fn server_config(settings: &TlsSettings) -> anyhow::Result<Option<ServerTlsConfig>> {
    let (Some(cert), Some(key)) = (&settings.tls_cert_file, &settings.tls_key_file) else {
        if settings.tls_client_ca_file.is_some() {
            anyhow::bail!(
                "a client CA needs a server certificate and key (SCPF_TLS_CERT_FILE, SCPF_TLS_KEY_FILE)"
            );
        }
        return Ok(None);
    };
    install_crypto_provider();
    let read = |path: &std::path::PathBuf, what: &str| {
        std::fs::read(path).with_context(|| format!("reading the {what} {}", path.display()))
    };
    let mut config = ServerTlsConfig::new().identity(Identity::from_pem(
        read(cert, "TLS certificate")?,
        read(key, "TLS key")?,
    ));
    if let Some(ca) = &settings.tls_client_ca_file {
        config = config
            .client_ca_root(Certificate::from_pem(read(ca, "client CA")?))
            .client_auth_optional(false);
    }
    Ok(Some(config))
}
