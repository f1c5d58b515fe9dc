//! SessionService: sessions of the SCPF and the Council, their dates and their history.

use scpf_reports::pb::{
    self, GoverningBody, SessionState, session_service_client::SessionServiceClient,
};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::paging::{Filtered, names};
use crate::support::{
    TestServer, a_second_before, assert_each_invalid, assert_invalid, assert_refused, count, ok,
    rid,
};

mod lists;
mod refusals;

fn client(server: &TestServer) -> SessionServiceClient<Channel> {
    SessionServiceClient::new(server.channel.clone())
}

fn scpf(number: i32, start: &str, end: &str) -> pb::Session {
    pb::Session {
        body: GoverningBody::Scpf as i32,
        number,
        start_date: start.into(),
        end_date: end.into(),
        reporting_period_start: "2025-01-01".into(),
        reporting_period_end: "2025-05-31".into(),
        ..Default::default()
    }
}

fn the_36th() -> pb::Session {
    scpf(36, "2025-06-25", "2025-06-26")
}

fn create(session: pb::Session) -> pb::CreateSessionRequest {
    pb::CreateSessionRequest {
        session: Some(session),
        request_id: rid(),
    }
}

fn update(session: pb::Session) -> pb::UpdateSessionRequest {
    pb::UpdateSessionRequest {
        session: Some(session),
        request_id: rid(),
    }
}

fn get(name: &str) -> pb::GetSessionRequest {
    pb::GetSessionRequest {
        name: name.into(),
        as_of: None,
    }
}

fn list(filter: &str) -> pb::ListSessionsRequest {
    Filtered::filtered(filter)
}

#[sqlx::test(migrations = false)]
async fn a_session_is_named_from_its_body_and_number_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(pb::Session {
        name: "ignored".into(),
        ..the_36th()
    })))
    .await;
    assert_eq!(created.name, "sessions/36");
    assert_eq!(created.state, SessionState::Planned as i32);
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert_eq!(created.start_date, "2025-06-25");
    assert!(created.create_time.is_some() && created.create_time == created.update_time);
    let read = ok(sessions.get_session(get("sessions/36"))).await;
    assert_eq!(read, created);

    let council = ok(sessions.create_session(create(pb::Session {
        body: GoverningBody::Council as i32,
        number: 116,
        state: SessionState::Held as i32,
        ..scpf(0, "2025-11-25", "2025-11-28")
    })))
    .await;
    assert_eq!(council.name, "sessions/council-116");
    assert_eq!(council.state, SessionState::Held as i32);
    let read = ok(sessions.get_session(get("sessions/council-116"))).await;
    assert_eq!(read, council);
}

#[sqlx::test(migrations = false)]
async fn the_scpf_sessions_of_2024_and_2025_are_recorded_with_their_dates(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    let real = [
        (34, "2024-06-12", "2024-06-13"),
        (35, "2024-11-04", "2024-11-05"),
        (36, "2025-06-25", "2025-06-26"),
        (37, "2025-10-27", "2025-10-28"),
    ];
    // Recorded out of order; listed by start date.
    for &(number, start, end) in real.iter().rev() {
        ok(sessions.create_session(create(pb::Session {
            state: SessionState::Held as i32,
            ..scpf(number, start, end)
        })))
        .await;
    }
    let listed = ok(sessions.list_sessions(list("body = SCPF")))
        .await
        .sessions;
    let got: Vec<(String, String, String)> = listed
        .into_iter()
        .map(|s| (s.name, s.start_date, s.end_date))
        .collect();
    let want: Vec<(String, String, String)> = real
        .iter()
        .map(|&(n, start, end)| (format!("sessions/{n}"), start.into(), end.into()))
        .collect();
    assert_eq!(got, want);
}

#[sqlx::test(migrations = false)]
async fn a_session_may_name_its_status_date_and_the_database_keeps_it_in_range(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    assert_eq!(
        created.status_date, "",
        "none named: the period's end applies"
    );
    let updated = ok(sessions.update_session(update(pb::Session {
        status_date: "2025-04-30".into(),
        ..created.clone()
    })))
    .await;
    assert_eq!(updated.status_date, "2025-04-30");
    assert_eq!(updated.revision, 2);
    let read = ok(sessions.get_session(get("sessions/36"))).await;
    assert_eq!(read, updated);
    let before = ok(sessions.get_session(pb::GetSessionRequest {
        name: "sessions/36".into(),
        as_of: created.update_time,
    }))
    .await;
    assert_eq!(before.status_date, "", "history keeps the earlier version");

    // The database refuses a status date outside the session's range, whoever writes it.
    let refused = sqlx::query(
        "INSERT INTO session_versions (session_id, revision, valid_from, start_date, end_date,
             reporting_period_start, reporting_period_end, status_date, state)
         VALUES ('36', 99, now(), '2025-06-25', '2025-06-26', '2025-01-01', '2025-05-31',
                 '2025-07-01', 'planned')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(
        refused.as_database_error().and_then(|e| e.constraint()),
        Some("session_status_date_in_range")
    );
}

#[sqlx::test(migrations = false)]
async fn an_unknown_session_is_not_found(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    for name in ["sessions/99", "sessions/council-99"] {
        let result = sessions.get_session(get(name)).await;
        assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    }
    let result = sessions
        .update_session(update(pb::Session {
            name: "sessions/99".into(),
            ..scpf(99, "2030-06-01", "2030-06-02")
        }))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_second_session_with_the_same_body_and_number_already_exists(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    ok(sessions.create_session(create(the_36th()))).await;
    let again = sessions
        .create_session(create(scpf(36, "2025-07-01", "2025-07-02")))
        .await;
    let status = assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
    assert!(status.message().contains("sessions/36"), "{status:?}");
    // The Council's 36th is another session.
    sessions
        .create_session(create(pb::Session {
            body: GoverningBody::Council as i32,
            ..the_36th()
        }))
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn an_update_may_leave_out_body_and_number(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    let held = ok(sessions.update_session(update(pb::Session {
        body: 0,
        number: 0,
        state: SessionState::Held as i32,
        ..created
    })))
    .await;
    assert_eq!(
        (held.body, held.number, held.state),
        (GoverningBody::Scpf as i32, 36, SessionState::Held as i32)
    );
}

#[sqlx::test(migrations = false)]
async fn a_replayed_create_returns_the_same_session_and_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let request = create(the_36th());
    let first = ok(sessions.create_session(request.clone())).await;
    let second = ok(sessions.create_session(request)).await;
    assert_eq!(first, second);
    assert_eq!(count(&pool, "session_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, 1);
}

#[sqlx::test(migrations = false)]
async fn a_request_id_reused_for_another_session_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let request = create(the_36th());
    ok(sessions.create_session(request.clone())).await;
    let other = pb::CreateSessionRequest {
        session: Some(scpf(37, "2025-10-27", "2025-10-28")),
        ..request
    };
    let result = sessions.create_session(other).await;
    assert_refused(result, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(count(&pool, "sessions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_update_writes_a_new_revision_and_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    let held = ok(sessions.update_session(update(pb::Session {
        state: SessionState::Held as i32,
        ..created.clone()
    })))
    .await;
    assert_eq!((held.revision, held.etag.as_str()), (2, "r2"));
    assert_eq!(held.state, SessionState::Held as i32);
    assert_eq!(held.create_time, created.create_time);
    assert_ne!(held.update_time, created.update_time);

    // `created` carries r1, which is stale now.
    let stale = sessions
        .update_session(update(pb::Session {
            state: SessionState::Closed as i32,
            ..created
        }))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
    assert_eq!(count(&pool, "session_versions").await, 2);

    // An update that changes nothing writes nothing.
    let same = ok(sessions.update_session(update(held.clone()))).await;
    assert_eq!(same, held);
    assert_eq!(count(&pool, "session_versions").await, 2);
    assert_eq!(count(&pool, "audit_events").await, 2);
}

#[sqlx::test(migrations = false)]
async fn a_replayed_update_returns_the_same_session_and_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    let request = update(pb::Session {
        end_date: "2025-06-27".into(),
        ..created
    });
    let first = ok(sessions.update_session(request.clone())).await;
    // The etag in the replayed request is stale by now; the replay still answers as before.
    let second = ok(sessions.update_session(request)).await;
    assert_eq!(first, second);
    assert_eq!(count(&pool, "session_versions").await, 2);
    assert_eq!(count(&pool, "audit_events").await, 2);
}

#[sqlx::test(migrations = false)]
async fn every_session_mutation_is_audited_with_before_and_after(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    ok(sessions.update_session(update(pb::Session {
        state: SessionState::Held as i32,
        ..created
    })))
    .await;
    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "resource = \"sessions/36\"".into(),
            ..Default::default()
        }))
    .await
    .audit_events;
    let methods: Vec<_> = events.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "scpf.v1.SessionService/CreateSession",
            "scpf.v1.SessionService/UpdateSession"
        ]
    );
    let state = |s: &Option<prost_types::Struct>| {
        s.as_ref()
            .and_then(|s| s.fields.get("state"))
            .and_then(|v| v.kind.clone())
    };
    use prost_types::value::Kind::StringValue;
    assert!(events[0].before.is_none());
    assert_eq!(
        state(&events[1].before),
        Some(StringValue("SESSION_STATE_PLANNED".into()))
    );
    assert_eq!(
        state(&events[1].after),
        Some(StringValue("SESSION_STATE_HELD".into()))
    );
}

#[sqlx::test(migrations = false)]
async fn reads_as_of_an_instant_return_the_session_as_it_was(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    // The meeting moves to the autumn: it now sorts after a session that started before it.
    let moved = ok(sessions.update_session(update(pb::Session {
        start_date: "2025-10-27".into(),
        end_date: "2025-10-28".into(),
        ..created.clone()
    })))
    .await;

    let then = ok(sessions.get_session(pb::GetSessionRequest {
        name: "sessions/36".into(),
        as_of: created.update_time,
    }))
    .await;
    assert_eq!(then, created);
    let now = ok(sessions.get_session(get("sessions/36"))).await;
    assert_eq!(now, moved);

    let listed_then = ok(sessions.list_sessions(pb::ListSessionsRequest {
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .sessions;
    assert_eq!(listed_then, std::slice::from_ref(&created));
    let in_june = ok(sessions.list_sessions(pb::ListSessionsRequest {
        filter: "start_date < \"2025-07-01\"".into(),
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .sessions;
    assert_eq!(names(&in_june), ["sessions/36"]);
    let in_june_now = ok(sessions.list_sessions(list("start_date < \"2025-07-01\"")))
        .await
        .sessions;
    assert!(in_june_now.is_empty());

    let before = a_second_before(created.create_time);
    let result = sessions
        .get_session(pb::GetSessionRequest {
            name: "sessions/36".into(),
            as_of: Some(before),
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}
