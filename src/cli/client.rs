//! Connecting to a running server, for the commands that act as gRPC clients (report, import,
//! seed): one connection whose every call carries the bearer token and a deadline.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use tonic::{
    Request, Status,
    metadata::AsciiMetadataValue,
    service::{Interceptor, interceptor::InterceptedService},
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};

/// Where the server is and how to prove who we are.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Address of the scpf-reports server (https:// for TLS).
    #[arg(long, env = "SCPF_SERVER", default_value = "http://127.0.0.1:50051")]
    pub server: String,

    /// File holding the bearer token to send (a mounted Secret).
    #[arg(long, env = "SCPF_TOKEN_FILE")]
    pub token_file: Option<PathBuf>,

    /// CA certificate (PEM) that signed the server's certificate, for https:// servers.
    #[arg(long, env = "SCPF_CA_FILE")]
    pub ca_file: Option<PathBuf>,

    /// Client certificate (PEM), for servers that require mutual TLS.
    #[arg(long, env = "SCPF_CLIENT_CERT_FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,

    /// Client private key (PEM), with --cert-file.
    #[arg(long, env = "SCPF_CLIENT_KEY_FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,

    /// Longest time one call may take.
    #[arg(long, env = "SCPF_CALL_TIMEOUT", default_value = "300s", value_parser = humantime::parse_duration)]
    pub call_timeout: Duration,
}

/// Puts the credential and the deadline on every call.
#[derive(Clone)]
pub struct Credential {
    authorization: Option<AsciiMetadataValue>,
    timeout: Duration,
}

impl Credential {
    /// A bearer token (never printed, not even in errors).
    pub fn bearer(token: &SecretString, timeout: Duration) -> anyhow::Result<Credential> {
        let mut value: AsciiMetadataValue = format!("Bearer {}", token.expose_secret())
            .parse()
            .map_err(|_| anyhow::anyhow!("the token holds characters a header cannot carry"))?;
        value.set_sensitive(true);
        Ok(Credential {
            authorization: Some(value),
            timeout,
        })
    }

    /// No token: the identity is the client certificate, or the server allows anonymous calls.
    pub fn none(timeout: Duration) -> Credential {
        Credential {
            authorization: None,
            timeout,
        }
    }
}

impl Interceptor for Credential {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(value) = &self.authorization {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        // Sent as grpc-timeout, so the server stops working on a call the client gave up on.
        request.set_timeout(self.timeout);
        Ok(request)
    }
}

/// A connection: give it to any generated client (`ReportServiceClient::new(conn.clone())`).
pub type Connection = InterceptedService<Channel, Credential>;

/// Connects as the arguments say.
pub async fn connect(args: &ClientArgs) -> anyhow::Result<Connection> {
    let mut endpoint = Channel::from_shared(args.server.clone())
        .with_context(|| format!("{:?} is not a server address", args.server))?
        .connect_timeout(Duration::from_secs(10))
        // tonic's default, stated: a request in several segments must not wait for an ACK.
        .tcp_nodelay(true);
    if args.server.starts_with("https://") || args.ca_file.is_some() {
        let mut tls = ClientTlsConfig::new();
        if let Some(ca) = &args.ca_file {
            tls = tls.ca_certificate(Certificate::from_pem(read(ca)?));
        }
        if let (Some(cert), Some(key)) = (&args.cert_file, &args.key_file) {
            tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        endpoint = endpoint.tls_config(tls).context("configuring TLS")?;
    }
    let channel = endpoint
        .connect()
        .await
        .with_context(|| format!("cannot reach the server at {}", args.server))?;
    let credential = match &args.token_file {
        Some(path) => {
            let text = String::from_utf8(read(path)?)
                .with_context(|| format!("{} does not hold a text token", path.display()))?;
            Credential::bearer(
                &SecretString::from(text.trim().to_owned()),
                args.call_timeout,
            )?
        }
        None => Credential::none(args.call_timeout),
    };
    Ok(InterceptedService::new(channel, credential))
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// A gRPC error as one plain sentence for a person at a terminal.
pub fn explain(status: &Status) -> String {
    use tonic::Code;
    let what = match status.code() {
        Code::Unavailable => "the server is unavailable",
        Code::Unauthenticated => "the server did not accept the credential",
        Code::PermissionDenied => "the credential's role does not allow this",
        Code::NotFound => "not found",
        Code::FailedPrecondition => "refused",
        Code::InvalidArgument => "invalid request",
        Code::DeadlineExceeded | Code::Cancelled => "the call took too long",
        _ => "the call failed",
    };
    format!("{what}: {}", status.message())
}
