//! Sessions refused, each naming the field that is wrong.

use super::*;

#[sqlx::test(migrations = false)]
async fn invalid_sessions_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let with = |f: fn(&mut pb::Session)| {
        let mut s = the_36th();
        f(&mut s);
        create(s)
    };
    let cases: Vec<(&str, pb::CreateSessionRequest, &str, &str)> = vec![
        (
            "no session",
            pb::CreateSessionRequest {
                session: None,
                request_id: rid(),
            },
            "REQUIRED",
            "session",
        ),
        ("no body", with(|s| s.body = 0), "REQUIRED", "session.body"),
        (
            "number zero",
            with(|s| s.number = 0),
            "INVALID_SESSION_NUMBER",
            "session.number",
        ),
        (
            "negative number",
            with(|s| s.number = -36),
            "INVALID_SESSION_NUMBER",
            "session.number",
        ),
        (
            "number too large",
            with(|s| s.number = 1_000_000),
            "INVALID_SESSION_NUMBER",
            "session.number",
        ),
        (
            "no start",
            with(|s| s.start_date = String::new()),
            "REQUIRED",
            "session.start_date",
        ),
        (
            "bad start",
            with(|s| s.start_date = "25/06/2025".into()),
            "INVALID_DATE",
            "session.start_date",
        ),
        (
            "impossible end",
            with(|s| s.end_date = "2025-06-31".into()),
            "INVALID_DATE",
            "session.end_date",
        ),
        (
            "bad period start",
            with(|s| s.reporting_period_start = "2025-1-1".into()),
            "INVALID_DATE",
            "session.reporting_period_start",
        ),
        (
            "no period end",
            with(|s| s.reporting_period_end = String::new()),
            "REQUIRED",
            "session.reporting_period_end",
        ),
        (
            "ends before it starts",
            with(|s| s.end_date = "2025-06-24".into()),
            "END_BEFORE_START",
            "session.end_date",
        ),
        (
            "period ends before it starts",
            with(|s| s.reporting_period_end = "2024-12-31".into()),
            "END_BEFORE_START",
            "session.reporting_period_end",
        ),
        (
            "unknown state",
            with(|s| s.state = 9),
            "UNKNOWN_ENUM_VALUE",
            "session.state",
        ),
        (
            "bad status date",
            with(|s| s.status_date = "2025-02-30".into()),
            "INVALID_DATE",
            "session.status_date",
        ),
        // The period runs from 1 January to 31 May 2025 and the meeting ends on 26 June.
        (
            "status date before the period",
            with(|s| s.status_date = "2024-12-31".into()),
            "STATUS_DATE_OUT_OF_RANGE",
            "session.status_date",
        ),
        (
            "status date after the meeting",
            with(|s| s.status_date = "2025-06-27".into()),
            "STATUS_DATE_OUT_OF_RANGE",
            "session.status_date",
        ),
        (
            "status date in year 9999",
            with(|s| s.status_date = "9999-12-31".into()),
            // Outside the years any date may have, before the session's own range is looked at.
            "DATE_OUT_OF_RANGE",
            "session.status_date",
        ),
        (
            "no request id",
            pb::CreateSessionRequest {
                request_id: String::new(),
                ..create(the_36th())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| sessions.create_session(r).await).await;
    assert_eq!(count(&pool, "sessions").await, 0);
    assert_eq!(count(&pool, "audit_events").await, 0);
}

#[sqlx::test(migrations = false)]
async fn invalid_updates_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut sessions = client(&server);
    let created = ok(sessions.create_session(create(the_36th()))).await;
    let with = |f: &dyn Fn(&mut pb::Session)| {
        let mut s = created.clone();
        f(&mut s);
        update(s)
    };
    let cases: Vec<(&str, pb::UpdateSessionRequest, &str, &str)> = vec![
        (
            "no name",
            with(&|s| s.name = String::new()),
            "REQUIRED",
            "session.name",
        ),
        (
            "leading zero",
            with(&|s| s.name = "sessions/036".into()),
            "INVALID_NAME",
            "session.name",
        ),
        (
            "not a number",
            with(&|s| s.name = "sessions/thirty-six".into()),
            "INVALID_NAME",
            "session.name",
        ),
        (
            "another collection",
            with(&|s| s.name = "programmes/36".into()),
            "INVALID_NAME",
            "session.name",
        ),
        (
            "body changed",
            with(&|s| s.body = GoverningBody::Council as i32),
            "IMMUTABLE_FIELD",
            "session.body",
        ),
        (
            "number changed",
            with(&|s| s.number = 37),
            "IMMUTABLE_FIELD",
            "session.number",
        ),
        (
            "body of the name changed",
            with(&|s| s.name = "sessions/council-36".into()),
            "IMMUTABLE_FIELD",
            "session.body",
        ),
        (
            "ends before it starts",
            with(&|s| s.end_date = "2025-06-01".into()),
            "END_BEFORE_START",
            "session.end_date",
        ),
        (
            "period ends before it starts",
            with(&|s| s.reporting_period_start = "2025-06-01".into()),
            "END_BEFORE_START",
            "session.reporting_period_end",
        ),
        (
            "status date out of the new period",
            with(&|s| {
                s.status_date = "2025-03-31".into();
                s.reporting_period_start = "2025-04-01".into();
            }),
            "STATUS_DATE_OUT_OF_RANGE",
            "session.status_date",
        ),
    ];
    assert_each_invalid(cases, async |r| sessions.update_session(r).await).await;
    assert_eq!(count(&pool, "session_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, 1);
}
