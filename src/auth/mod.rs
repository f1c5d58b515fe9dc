//! Who is calling, and may they: bearer tokens and client certificates, mapped to roles, checked
//! against the permission each RPC needs before any handler runs.
//!
//! - [`tokens`]: the tokens file (token hashes and certificate subjects with their roles).
//! - [`policy`]: roles, permissions, and the table of every RPC's permission.
//! - [`layer`]: the tower layer on the gRPC server that applies all this to each request.
//!
//! A request carrying a bearer token is judged by the token, even on a mutual-TLS connection;
//! otherwise by the client certificate's subject CN. A verified certificate whose subject has no
//! `subject:` line is PERMISSION_DENIED: the certificate proves who the caller is, the missing
//! line means that identity was granted nothing.

pub mod layer;
pub mod policy;
pub mod tokens;

use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use anyhow::Context;
use http::{HeaderMap, header::AUTHORIZATION};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::{api::Caller, config::AuthSettings, error::Error, methods};

pub use layer::AuthLayer;
pub use policy::{Permission, Policy, Role};
pub use tokens::{Credentials, hash_token};

/// The identity of every caller when the server runs without credentials.
pub const ANONYMOUS: &str = "anonymous";

/// Decides, for each request, who the caller is and whether the call is allowed.
pub struct Authenticator {
    policy: Policy,
    mode: Mode,
}

enum Mode {
    /// `--allow-anonymous` with nothing configured: everyone is `anonymous`, an admin.
    Anonymous,
    /// Credentials are required. The table is swapped whole when the tokens file changes.
    Verified {
        credentials: RwLock<Arc<Credentials>>,
        source: Option<TokensFile>,
    },
}

/// Where the credentials were read from, and the digest of what was read.
struct TokensFile {
    path: PathBuf,
    digest: [u8; 32],
}

impl Authenticator {
    /// Reads the configured credentials. Refuses to start with a tokens file that does not
    /// parse, with a permission table that misses an RPC, or with no credentials at all unless
    /// anonymous callers are explicitly allowed.
    pub fn from_settings(settings: &AuthSettings, mutual_tls: bool) -> anyhow::Result<Self> {
        let policy = Policy::new(methods::catalog())?;
        let source = match &settings.auth_tokens_file {
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("reading the tokens file {}", path.display()))?;
                let credentials = parse(&bytes)
                    .with_context(|| format!("the tokens file {} is invalid", path.display()))?;
                let (tokens, subjects) = credentials.counts();
                tracing::info!(tokens, subjects, path = %path.display(), "tokens file read");
                Some((
                    credentials,
                    TokensFile {
                        path: path.clone(),
                        digest: Sha256::digest(&bytes).into(),
                    },
                ))
            }
            None => None,
        };
        if source.is_none() && !mutual_tls {
            if !settings.allow_anonymous {
                anyhow::bail!(
                    "no credentials are configured: set SCPF_AUTH_TOKENS_FILE (see `scpf-reports hash-token`) \
                     or SCPF_TLS_CLIENT_CA_FILE, or pass --allow-anonymous to serve without authentication"
                );
            }
            tracing::warn!(
                "serving WITHOUT authentication (--allow-anonymous): every caller is `anonymous` with the admin role"
            );
            return Ok(Authenticator {
                policy,
                mode: Mode::Anonymous,
            });
        }
        if settings.allow_anonymous {
            tracing::warn!("--allow-anonymous is ignored: credentials are configured");
        }
        if source.is_none() {
            tracing::warn!(
                "client certificates are verified but no tokens file gives their subjects a role: every call will be refused"
            );
        }
        let (credentials, source) = match source {
            Some((credentials, file)) => (credentials, Some(file)),
            None => (Credentials::default(), None),
        };
        Ok(Authenticator {
            policy,
            mode: Mode::Verified {
                credentials: RwLock::new(Arc::new(credentials)),
                source,
            },
        })
    }

    /// Whether every caller is `anonymous` (no credentials configured): callers cannot be told
    /// apart.
    pub fn is_anonymous(&self) -> bool {
        matches!(self.mode, Mode::Anonymous)
    }

    /// The caller of a request to `path`, or the refusal. `None` for the open services (health,
    /// reflection), which need no identity.
    pub fn check(
        &self,
        path: &str,
        headers: &HeaderMap,
        certificate: Option<&[u8]>,
    ) -> Result<Option<Caller>, Error> {
        let need = self.policy.need(path);
        if need == policy::Need::Nothing {
            return Ok(None);
        }
        let (actor, role) = match &self.mode {
            Mode::Anonymous => (ANONYMOUS.to_owned(), Some(Role::Admin)),
            Mode::Verified { credentials, .. } => {
                let credentials = credentials
                    .read()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone();
                match (bearer_token(headers)?, certificate) {
                    (Some(token), _) => {
                        let principal = credentials.token(&token).ok_or_else(|| {
                            Error::Unauthenticated("the bearer token is not recognised".into())
                        })?;
                        (principal.name.clone(), Some(principal.role))
                    }
                    (None, Some(der)) => {
                        let subject = common_name(der).ok_or_else(|| {
                            Error::PermissionDenied(
                                "the client certificate has no subject CN to grant a role to"
                                    .into(),
                            )
                        })?;
                        let role = credentials.subject(&subject);
                        (subject, role)
                    }
                    (None, None) => {
                        return Err(Error::Unauthenticated(
                            "no credential: send the header `authorization: Bearer <token>`".into(),
                        ));
                    }
                }
            }
        };
        let method = path.strip_prefix('/').unwrap_or(path);
        match (need, role) {
            (_, None) => Err(Error::PermissionDenied(format!(
                "the certificate subject {actor:?} has no role in the tokens file"
            ))),
            (policy::Need::Permission(permission), Some(role)) if !role.allows(permission) => {
                Err(Error::PermissionDenied(format!(
                    "{actor} has the role {role}, which may not call {method} (it needs the {} permission)",
                    permission.as_str()
                )))
            }
            _ => Ok(Some(Caller {
                actor,
                method: crate::methods::catalog()
                    .by_path(path)
                    .map_or("", |m| m.full_name.as_str()),
            })),
        }
    }

    /// Watches the tokens file until `stop` turns true: whenever its content changes, the new
    /// table replaces the old one whole. Kubernetes updates a mounted Secret by swapping a
    /// symlink, so the content is polled rather than the inode watched. A file that cannot be
    /// read or parsed leaves the previous table in force.
    pub async fn follow_tokens_file(
        self: Arc<Self>,
        interval: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        let Mode::Verified {
            credentials,
            source: Some(source),
        } = &self.mode
        else {
            return;
        };
        let mut last = Ok(source.digest);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return,
            }
            let bytes = match tokio::fs::read(&source.path).await {
                Ok(bytes) => bytes,
                Err(err) => {
                    if last.is_ok() {
                        tracing::error!(path = %source.path.display(), error = %err,
                            "cannot read the tokens file; the previous credentials stay in force");
                    }
                    last = Err(());
                    continue;
                }
            };
            let digest: [u8; 32] = Sha256::digest(&bytes).into();
            if last == Ok(digest) {
                continue;
            }
            last = Ok(digest);
            match parse(&bytes) {
                Ok(table) => {
                    let (tokens, subjects) = table.counts();
                    *credentials
                        .write()
                        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(table);
                    tracing::info!(tokens, subjects, path = %source.path.display(), "tokens file reloaded");
                }
                Err(err) => {
                    tracing::error!(path = %source.path.display(), error = format!("{err:#}"),
                    "the tokens file is invalid; the previous credentials stay in force")
                }
            }
        }
    }
}

fn parse(bytes: &[u8]) -> anyhow::Result<Credentials> {
    let text = std::str::from_utf8(bytes).context("the file is not UTF-8 text")?;
    Ok(Credentials::parse(text)?)
}

/// The bearer token of a request, if it sends one. The header must be `Bearer <token>`, once.
fn bearer_token(headers: &HeaderMap) -> Result<Option<SecretString>, Error> {
    let malformed = || {
        Error::Unauthenticated(
            "the authorization header is malformed: send `authorization: Bearer <token>`".into(),
        )
    };
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(malformed());
    }
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(Some(SecretString::from(token.to_owned())))
}

/// The subject CN of a DER certificate (already verified by the TLS handshake).
fn common_name(der: &[u8]) -> Option<String> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    let name = certificate.subject().iter_common_name().next()?;
    name.as_str().ok().map(str::to_owned)
}
