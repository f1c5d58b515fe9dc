//! The database role the service runs as (migrations/0009) cannot UPDATE or DELETE audit
//! events, history or final reports, whatever SQL it sends; the service works with only its
//! privileges (every test server connects through it, see `support::as_runtime`).

use scpf_reports::pb;
use sqlx::{Connection, PgConnection, PgPool};

use crate::support::{RUNTIME_LOGIN, TestServer, create_runtime_login, ok, rid};

/// Runs `sql` as the runtime login in a transaction that is rolled back, and returns the
/// SQLSTATE it failed with (or `None` when it succeeded).
async fn refused_with(conn: &mut PgConnection, sql: &'static str) -> Option<String> {
    let mut tx = conn.begin().await.unwrap();
    let result = sqlx::query(sql).execute(&mut *tx).await;
    tx.rollback().await.unwrap();
    result.err().map(|e| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.into_owned())
            .unwrap_or_else(|| format!("{e}"))
    })
}

#[sqlx::test(migrations = false)]
async fn the_runtime_role_cannot_rewrite_audit_history_or_final_reports(pool: PgPool) {
    // Data of every kind written through a server connected as the runtime role.
    let server = TestServer::start(pool.clone()).await;
    let mut orgs = server.organizations();
    let org = pb::Organization {
        display_name: "Belgium".into(),
        kind: pb::OrganizationKind::Government as i32,
        member_state: true,
        country_code: "BE".into(),
        ..Default::default()
    };
    ok(orgs.create_organization(pb::CreateOrganizationRequest {
        organization_id: "belgium".into(),
        organization: Some(org.clone()),
        request_id: rid(),
    }))
    .await;
    let created = ok(orgs.get_organization(pb::GetOrganizationRequest {
        name: "organizations/belgium".into(),
        ..Default::default()
    }))
    .await;
    // A correction closes a version: the one UPDATE history allows.
    orgs.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(pb::Organization {
            display_name: "Kingdom of Belgium".into(),
            ..created
        }),
        request_id: rid(),
    })
    .await
    .unwrap();
    let mut sessions =
        pb::session_service_client::SessionServiceClient::new(server.channel.clone());
    ok(sessions.create_session(pb::CreateSessionRequest {
        session: Some(pb::Session {
            body: pb::GoverningBody::Scpf as i32,
            number: 36,
            start_date: "2025-06-25".into(),
            end_date: "2025-06-26".into(),
            reporting_period_start: "2025-01-01".into(),
            reporting_period_end: "2025-06-30".into(),
            ..Default::default()
        }),
        request_id: rid(),
    }))
    .await;
    let mut reports = pb::report_service_client::ReportServiceClient::new(server.channel.clone());
    let report = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        ..Default::default()
    }))
    .await;
    ok(reports.finalize_report(pb::FinalizeReportRequest {
        name: report.name.clone(),
        etag: report.etag.clone(),
        request_id: rid(),
    }))
    .await;
    server.stop().await;

    let fingerprint = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT md5(concat_ws('|',
                 (SELECT string_agg(to_jsonb(a)::text, ',' ORDER BY id) FROM audit_events a),
                 (SELECT string_agg(to_jsonb(v)::text, ',' ORDER BY organization_id, revision) FROM organization_versions v),
                 (SELECT string_agg(to_jsonb(o)::text, ',' ORDER BY id) FROM organizations o),
                 (SELECT string_agg(to_jsonb(r)::text, ',' ORDER BY session_id, revision) FROM reports r)))",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = fingerprint().await;

    create_runtime_login(&pool).await;
    let options = (*pool.connect_options()).clone().username(RUNTIME_LOGIN);
    let mut conn = PgConnection::connect_with(&options).await.unwrap();
    let me: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(me, RUNTIME_LOGIN);

    const DENIED: &str = "42501"; // insufficient_privilege
    const IMMUTABLE: &str = "SC001"; // the history triggers
    const FINAL: &str = "SC002"; // a final report
    let attempts: &[(&str, &'static str)] = &[
        // The audit trail: no privilege at all beyond reading and appending.
        (DENIED, "UPDATE audit_events SET actor = 'someone else'"),
        (DENIED, "DELETE FROM audit_events"),
        (DENIED, "TRUNCATE audit_events"),
        (DENIED, "ALTER TABLE audit_events DISABLE TRIGGER USER"),
        (
            DENIED,
            "DROP TRIGGER audit_events_append_only ON audit_events",
        ),
        // History: only valid_to may be set, and only to close the open version once.
        (
            DENIED,
            "UPDATE organization_versions SET display_name = 'Rewritten'",
        ),
        (DENIED, "DELETE FROM organization_versions"),
        (DENIED, "TRUNCATE organization_versions"),
        (
            IMMUTABLE,
            "UPDATE organization_versions SET valid_to = valid_to + interval '1 day' WHERE valid_to IS NOT NULL",
        ),
        (
            IMMUTABLE,
            "UPDATE organization_versions SET valid_to = NULL",
        ),
        // Identity rows never change.
        (
            IMMUTABLE,
            "UPDATE organizations SET created_at = created_at - interval '1 day'",
        ),
        (DENIED, "UPDATE organizations SET id = 'netherlands'"),
        (DENIED, "DELETE FROM organizations"),
        // Final reports: nothing.
        (DENIED, "UPDATE reports SET content = '{}'"),
        (DENIED, "UPDATE reports SET content_sha256 = 'x'"),
        (
            FINAL,
            "UPDATE reports SET state = 'draft', finalized_at = NULL, finalized_by = NULL",
        ),
        (FINAL, "UPDATE reports SET finalized_by = 'someone else'"),
        (DENIED, "DELETE FROM reports"),
        (DENIED, "TRUNCATE reports"),
        // Nor can it become someone who could.
        (
            DENIED,
            "ALTER TABLE reports DISABLE TRIGGER reports_protected",
        ),
        (DENIED, "SET ROLE postgres"),
        (DENIED, "CREATE TABLE scratch (x int)"),
        (DENIED, "DELETE FROM _sqlx_migrations"),
    ];
    let mut wrong = Vec::new();
    for (expected, sql) in attempts {
        let got = refused_with(&mut conn, sql).await;
        if got.as_deref() != Some(*expected) {
            wrong.push(format!("{sql}: expected {expected}, got {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the runtime role was not refused as expected:\n{}",
        wrong.join("\n")
    );

    // Reading and appending are allowed: the role is not simply locked out.
    assert_eq!(
        refused_with(&mut conn, "SELECT count(*) FROM audit_events").await,
        None
    );
    assert_eq!(
        refused_with(
            &mut conn,
            "INSERT INTO audit_events (event_time, actor, method, resource, request_id)
             VALUES (now(), 'test', 'test', 'test', 'test')"
        )
        .await,
        None
    );
    conn.close().await.unwrap();
    assert_eq!(fingerprint().await, before, "nothing changed");
    println!(
        "roles: {} rewrites and deletions refused to the runtime role, 0 succeeded",
        attempts.len()
    );
}
