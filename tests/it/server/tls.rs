//! TLS and mutual TLS: certificates made here with rcgen, a server that speaks only TLS, clients
//! that connect with the right certificates and fail without them, and health on a plaintext
//! port for probes.

use std::{net::SocketAddr, path::PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
};
use scpf_reports::{
    config::ServerSettings,
    pb::{self, organization_service_client::OrganizationServiceClient},
};
use sqlx::PgPool;
use tempfile::TempDir;
use tonic::{
    Code,
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};

use super::auth::{ADMIN, role_tokens, settings_with_tokens};
use crate::support::fixtures;
use crate::support::{TestServer, ok};

/// A certificate authority that signs server and client certificates.
pub(crate) struct Authority {
    pub(crate) pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its key, in PEM.
pub(crate) struct Leaf {
    cert: String,
    key: String,
}

impl Authority {
    fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Authority {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(&self, common_name: &str, purpose: ExtendedKeyUsagePurpose) -> Leaf {
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages.push(purpose);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }

    fn client(&self, common_name: &str) -> Leaf {
        self.leaf(common_name, ExtendedKeyUsagePurpose::ClientAuth)
    }
}

/// The files a TLS server reads, in a directory that lives as long as this.
pub(crate) struct ServerFiles {
    _dir: TempDir,
    pub(crate) ca: Authority,
    pub(crate) settings: ServerSettings,
}

/// Settings for a TLS server with the role tokens plus `extra` lines in its tokens file;
/// mutual TLS when `mutual`.
pub(crate) fn tls_settings(mutual: bool, extra: &str) -> ServerFiles {
    let dir = tempfile::tempdir().unwrap();
    let ca = Authority::new("scpf test CA");
    let server = ca.leaf("scpf-reports", ExtendedKeyUsagePurpose::ServerAuth);
    let write = |name: &str, content: &str| -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    };
    let tokens = write("tokens", &format!("{}{extra}", role_tokens()));
    let mut settings = settings_with_tokens(&tokens);
    settings.tls.tls_cert_file = Some(write("server.pem", &server.cert));
    settings.tls.tls_key_file = Some(write("server.key", &server.key));
    if mutual {
        settings.tls.tls_client_ca_file = Some(write("ca.pem", &ca.pem));
        settings.tls.health_listen = Some("127.0.0.1:0".parse().unwrap());
    }
    ServerFiles {
        _dir: dir,
        ca,
        settings,
    }
}

/// Connects over TLS trusting `ca`, presenting `identity` when given.
pub(crate) async fn connect(
    addr: SocketAddr,
    ca: &str,
    identity: Option<&Leaf>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some(leaf) = identity {
        tls = tls.identity(Identity::from_pem(&leaf.cert, &leaf.key));
    }
    Channel::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

fn belgium() -> tonic::Request<pb::CreateOrganizationRequest> {
    tonic::Request::new(fixtures::belgium())
}

fn with_token<T>(mut request: tonic::Request<T>, token: &str) -> tonic::Request<T> {
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

#[sqlx::test(migrations = false)]
async fn a_tls_server_answers_clients_that_trust_its_ca_and_no_plaintext(pool: PgPool) {
    let files = tls_settings(false, "");
    let server = TestServer::start_configured(pool, files.settings.clone()).await;

    let channel = connect(server.addr, &files.ca.pem, None).await.unwrap();
    let created = OrganizationServiceClient::new(channel)
        .create_organization(with_token(belgium(), ADMIN))
        .await;
    assert!(created.is_ok(), "{created:?}");

    let plaintext = Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await;
    let refused = match plaintext {
        Err(_) => true,
        Ok(channel) => OrganizationServiceClient::new(channel)
            .create_organization(with_token(belgium(), ADMIN))
            .await
            .is_err(),
    };
    assert!(refused, "plaintext is not served on a TLS port");

    let stranger = Authority::new("another CA");
    let untrusted = match connect(server.addr, &stranger.pem, None).await {
        Err(_) => true,
        Ok(channel) => OrganizationServiceClient::new(channel)
            .create_organization(with_token(belgium(), ADMIN))
            .await
            .is_err(),
    };
    assert!(
        untrusted,
        "a client that does not trust the server's CA fails"
    );
}

#[sqlx::test(migrations = false)]
async fn mutual_tls_names_the_caller_by_its_certificate_subject(pool: PgPool) {
    let files = tls_settings(true, "subject:report-job editor\n");
    let server = TestServer::start_configured(pool, files.settings.clone()).await;
    let job = files.ca.client("report-job");
    let channel = connect(server.addr, &files.ca.pem, Some(&job))
        .await
        .unwrap();

    OrganizationServiceClient::new(channel.clone())
        .create_organization(belgium())
        .await
        .expect("the certificate's role allows writing");
    let events = ok(
        pb::audit_service_client::AuditServiceClient::new(channel).list_audit_events(
            pb::ListAuditEventsRequest {
                filter: "resource = \"organizations/belgium\"".into(),
                ..Default::default()
            },
        ),
    )
    .await
    .audit_events;
    assert_eq!(events[0].actor, "report-job");
}

#[sqlx::test(migrations = false)]
async fn mutual_tls_refuses_clients_without_a_certificate_from_its_ca(pool: PgPool) {
    let files = tls_settings(true, "subject:report-job editor\n");
    let server = TestServer::start_configured(pool, files.settings.clone()).await;
    let stranger = Authority::new("another CA").client("report-job");
    for identity in [None, Some(&stranger)] {
        let failed = match connect(server.addr, &files.ca.pem, identity).await {
            Err(_) => true,
            Ok(channel) => OrganizationServiceClient::new(channel)
                .list_organizations(with_token(
                    tonic::Request::new(pb::ListOrganizationsRequest::default()),
                    ADMIN,
                ))
                .await
                .is_err(),
        };
        assert!(
            failed,
            "a client with {} is refused",
            if identity.is_some() {
                "a foreign certificate"
            } else {
                "no certificate"
            }
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_certificate_subject_without_a_role_is_permission_denied(pool: PgPool) {
    let files = tls_settings(true, "subject:report-job editor\n");
    let server = TestServer::start_configured(pool, files.settings.clone()).await;
    let unlisted = files.ca.client("someone-else");
    let channel = connect(server.addr, &files.ca.pem, Some(&unlisted))
        .await
        .unwrap();
    let err = OrganizationServiceClient::new(channel.clone())
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    assert!(err.message().contains("someone-else"), "{}", err.message());

    // A bearer token on the same connection is judged by the token.
    let listed = OrganizationServiceClient::new(channel)
        .list_organizations(with_token(
            tonic::Request::new(pb::ListOrganizationsRequest::default()),
            ADMIN,
        ))
        .await;
    assert!(listed.is_ok(), "{listed:?}");
}

#[sqlx::test(migrations = false)]
async fn with_mutual_tls_health_is_served_in_plaintext_on_its_own_port(pool: PgPool) {
    let files = tls_settings(true, "");
    let server = TestServer::start_configured(pool, files.settings.clone()).await;
    let health = server.health.expect("a health port");
    let channel = Channel::from_shared(format!("http://{health}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let answer = client
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await;
    assert!(answer.is_ok(), "{answer:?}");

    // Only health: the API is not reachable through the probe port.
    let err = OrganizationServiceClient::new(channel)
        .list_organizations(with_token(
            tonic::Request::new(pb::ListOrganizationsRequest::default()),
            ADMIN,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented, "{err:?}");
}
