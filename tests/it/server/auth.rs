//! Credentials and roles: every RPC refuses a caller without a credential or with the wrong
//! role before its handler runs; health and reflection stay open; the caller's name reaches the
//! audit trail; the tokens file is re-read without a restart.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use scpf_reports::{
    config::ServerSettings,
    methods::catalog,
    pb::{self, organization_service_client::OrganizationServiceClient},
    server::Application,
    store,
};
use sqlx::PgPool;
use tempfile::TempDir;
use tonic::{Code, Request, Status, metadata::MetadataValue, service::Interceptor};

use crate::support::fixtures;
use crate::{
    support::raw,
    support::{TestServer, assert_refused, ok, rid, test_settings, token_line},
};

pub const VIEWER: &str = "viewer-secret-0123456789";
pub const EDITOR: &str = "editor-secret-0123456789";
pub const REPORTER: &str = "reporter-secret-0123456789";
pub const ADMIN: &str = "admin-secret-0123456789";

/// A tokens file with one token per role, named `ops-<role>`.
pub fn role_tokens() -> String {
    let line = |token: &str, role: &str| token_line(token, role, &format!("ops-{role}"));
    format!(
        "# one token per role\n{}{}{}{}",
        line(VIEWER, "viewer"),
        line(EDITOR, "editor"),
        line(REPORTER, "reporter"),
        line(ADMIN, "admin")
    )
}

/// Writes `content` as a tokens file in a fresh directory.
pub fn tokens_file(content: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// Test settings that require credentials from `tokens`.
pub fn settings_with_tokens(tokens: &Path) -> ServerSettings {
    let mut settings = test_settings();
    settings.auth.allow_anonymous = false;
    settings.auth.auth_tokens_file = Some(tokens.to_owned());
    settings.auth.auth_reload_interval = Duration::from_millis(100);
    settings
}

async fn start_with_tokens(pool: PgPool, tokens: &Path) -> TestServer {
    store::migrate(&pool).await.unwrap();
    TestServer::start_with(pool, settings_with_tokens(tokens)).await
}

/// Adds `authorization: Bearer <token>` to every call of a generated client.
#[derive(Clone)]
struct Bearer(&'static str);

impl Interceptor for Bearer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let value = MetadataValue::try_from(format!("Bearer {}", self.0)).unwrap();
        request.metadata_mut().insert("authorization", value);
        Ok(request)
    }
}

/// What an RPC needs, judged from its name as the roles are specified (reads are Get, List,
/// Diff and Export; reports are Generate and Finalize; everything else writes), independently
/// of the server's own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Write,
    Report,
}

fn need_of(method: &str) -> Need {
    if ["Get", "List", "Diff", "Export", "Reconcile"]
        .iter()
        .any(|p| method.starts_with(p))
    {
        Need::Read
    } else if ["GenerateReport", "FinalizeReport"].contains(&method) {
        Need::Report
    } else {
        Need::Write
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Unauthenticated,
    Denied,
    Allowed,
}

#[sqlx::test(migrations = false)]
async fn every_rpc_answers_each_role_as_its_permission_says(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    let bearer = |t: &str| format!("Bearer {t}");
    let callers: [(&str, Option<String>, [Expect; 3]); 6] = {
        use Expect::*;
        // Expectations for [Read, Write, Report].
        [
            ("no credential", None, [Unauthenticated; 3]),
            (
                "an unknown token",
                Some(bearer("not-a-known-token")),
                [Unauthenticated; 3],
            ),
            ("viewer", Some(bearer(VIEWER)), [Allowed, Denied, Denied]),
            ("editor", Some(bearer(EDITOR)), [Allowed, Allowed, Denied]),
            (
                "reporter",
                Some(bearer(REPORTER)),
                [Allowed, Denied, Allowed],
            ),
            ("admin", Some(bearer(ADMIN)), [Allowed, Allowed, Allowed]),
        ]
    };
    let methods: Vec<_> = catalog().api_methods().collect();
    assert!(methods.len() >= 45, "the catalog lists the whole API");
    let mut wrong = Vec::new();
    for method in methods {
        let need = need_of(&method.name);
        for (who, header, expectations) in &callers {
            let expected = expectations[need as usize];
            let code = raw::call_empty(&server.channel, method, header.as_deref()).await;
            let right = match expected {
                Expect::Unauthenticated => code == Code::Unauthenticated,
                Expect::Denied => code == Code::PermissionDenied,
                Expect::Allowed => code != Code::Unauthenticated && code != Code::PermissionDenied,
            };
            if !right {
                wrong.push(format!(
                    "{} as {who} ({need:?}): {code:?}, expected {expected:?}",
                    method.full_name
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn refusals_are_statuses_with_error_info(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;

    let mut anonymous = OrganizationServiceClient::new(server.channel.clone());
    let status = assert_refused(
        anonymous.create_organization(fixtures::belgium()).await,
        Code::Unauthenticated,
        "UNAUTHENTICATED",
        None,
    );
    assert!(status.message().contains("Bearer"), "{}", status.message());

    let mut viewer =
        OrganizationServiceClient::with_interceptor(server.channel.clone(), Bearer(VIEWER));
    let status = assert_refused(
        viewer.create_organization(fixtures::belgium()).await,
        Code::PermissionDenied,
        "PERMISSION_DENIED",
        None,
    );
    assert!(status.message().contains("viewer"), "{}", status.message());
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_refused_call_is_refused_before_its_handler_looks_anything_up(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    // The organization does not exist, yet the answer is about the credential, not NOT_FOUND.
    let mut reporter =
        OrganizationServiceClient::with_interceptor(server.channel.clone(), Bearer(REPORTER));
    let err = reporter
        .update_organization(pb::UpdateOrganizationRequest {
            organization: Some(pb::Organization {
                name: "organizations/nowhere".into(),
                display_name: "Nowhere".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let mut anonymous = OrganizationServiceClient::new(server.channel.clone());
    let err = anonymous
        .get_organization(pb::GetOrganizationRequest {
            name: "organizations/nowhere".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn malformed_authorization_headers_are_unauthenticated(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    let method = catalog()
        .by_path("/scpf.v1.OrganizationService/ListOrganizations")
        .unwrap();
    for header in [
        format!("Basic {ADMIN}"),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        ADMIN.to_owned(),
        format!("Bearer {ADMIN}x"),
    ] {
        let code = raw::call_empty(&server.channel, method, Some(&header)).await;
        assert_eq!(code, Code::Unauthenticated, "{header}");
    }
    // The scheme is case-insensitive.
    let code = raw::call_empty(&server.channel, method, Some(&format!("bearer {ADMIN}"))).await;
    assert_eq!(code, Code::Ok);
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn health_and_reflection_need_no_credential(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    for path in [
        "/grpc.health.v1.Health/Check",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    ] {
        let method = catalog().by_path(path).unwrap();
        let code = raw::call_empty(&server.channel, method, None).await;
        // An empty reflection request is INVALID_ARGUMENT: answered by the service itself.
        assert!(
            ![Code::Unauthenticated, Code::PermissionDenied].contains(&code),
            "{path}: {code:?}"
        );
    }
    let health = server
        .health()
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await;
    assert!(health.is_ok(), "{health:?}");
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn an_unknown_method_needs_a_credential_before_it_is_unimplemented(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    let unknown = scpf_reports::methods::Method {
        full_name: "scpf.v1.OrganizationService/DeleteEverything".into(),
        service: "scpf.v1.OrganizationService".into(),
        name: "DeleteEverything".into(),
        streaming: scpf_reports::methods::Streaming::Unary,
    };
    let code = raw::call_empty(&server.channel, &unknown, None).await;
    assert_eq!(code, Code::Unauthenticated);
    let code = raw::call_empty(&server.channel, &unknown, Some(&format!("Bearer {VIEWER}"))).await;
    assert_eq!(code, Code::Unimplemented);
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn the_token_name_is_the_actor_of_audit_events(pool: PgPool) {
    let (_dir, tokens) = tokens_file(&role_tokens());
    let server = start_with_tokens(pool, &tokens).await;
    let mut editor =
        OrganizationServiceClient::with_interceptor(server.channel.clone(), Bearer(EDITOR));
    ok(editor.create_organization(fixtures::belgium())).await;

    let mut audit = pb::audit_service_client::AuditServiceClient::with_interceptor(
        server.channel.clone(),
        Bearer(VIEWER),
    );
    let events = ok(audit.list_audit_events(pb::ListAuditEventsRequest {
        filter: "resource = \"organizations/belgium\"".into(),
        ..Default::default()
    }))
    .await
    .audit_events;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, "ops-editor");
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn a_changed_tokens_file_takes_effect_without_a_restart(pool: PgPool) {
    // Laid out as Kubernetes mounts a Secret: the file is a symlink into a versioned directory,
    // and an update swaps the symlink.
    let dir = tempfile::tempdir().unwrap();
    let version = |n: u32, content: &str| {
        let target = dir.path().join(format!("v{n}"));
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("tokens"), content).unwrap();
        let link = dir.path().join(format!("tokens.{n}"));
        std::os::unix::fs::symlink(target.join("tokens"), &link).unwrap();
        std::fs::rename(&link, dir.path().join("tokens")).unwrap();
    };
    let viewer_only = role_tokens()
        .lines()
        .filter(|l| !l.contains("ops-admin"))
        .collect::<Vec<_>>()
        .join("\n");
    version(1, &viewer_only);
    let server = start_with_tokens(pool, &dir.path().join("tokens")).await;
    let method = catalog()
        .by_path("/scpf.v1.OrganizationService/ListOrganizations")
        .unwrap();
    let admin = format!("Bearer {ADMIN}");
    let code = |server: &TestServer| {
        let channel = server.channel.clone();
        let admin = admin.clone();
        async move { raw::call_empty(&channel, method, Some(&admin)).await }
    };
    assert_eq!(code(&server).await, Code::Unauthenticated);

    version(2, &role_tokens());
    let mut seen = Code::Unauthenticated;
    for _ in 0..50 {
        seen = code(&server).await;
        if seen == Code::Ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, Code::Ok, "the new token works without a restart");

    // A broken file keeps the table in force: the admin token still works.
    version(3, "this is not a tokens file\n");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(code(&server).await, Code::Ok);
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn the_server_refuses_to_start_without_credentials_unless_told_to(pool: PgPool) {
    let addr = "127.0.0.1:0".parse().unwrap();
    let mut settings = test_settings();
    settings.auth.allow_anonymous = false;
    let err = Application::build(addr, pool.clone(), settings)
        .await
        .err()
        .expect("no credentials, no start");
    assert!(err.to_string().contains("--allow-anonymous"), "{err:#}");

    let (_dir, broken) = tokens_file("0123 admin ops\n");
    let err = Application::build(addr, pool.clone(), settings_with_tokens(&broken))
        .await
        .err()
        .expect("a broken tokens file, no start");
    assert!(format!("{err:#}").contains("line 1"), "{err:#}");

    let mut settings = test_settings();
    settings.auth.allow_anonymous = true;
    assert!(Application::build(addr, pool, settings).await.is_ok());
}

#[test]
fn hash_token_prints_the_sha256_of_standard_input() {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .arg("hash-token")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"test\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap().trim(),
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
}
