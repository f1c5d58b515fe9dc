//! Listing sessions: order, pages, page tokens and filters.

use super::*;
use crate::support::paging::{assert_page_tokens, every_name};

#[sqlx::test(migrations = false)]
async fn sessions_are_listed_by_start_date_a_page_at_a_time(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    // Two sessions share a start date: the id breaks the tie.
    let recorded = [
        (GoverningBody::Scpf, 37, "2025-10-27"),
        (GoverningBody::Council, 116, "2025-11-25"),
        (GoverningBody::Scpf, 34, "2024-06-12"),
        (GoverningBody::Council, 115, "2024-11-26"),
        (GoverningBody::Scpf, 36, "2025-06-25"),
        (GoverningBody::Scpf, 35, "2024-11-26"),
        (GoverningBody::Scpf, 33, "2023-11-01"),
    ];
    for (body, number, start) in recorded {
        ok(sessions.create_session(create(pb::Session {
            body: body as i32,
            ..scpf(number, start, start)
        })))
        .await;
    }
    let seen = every_name(&mut sessions, pb::ListSessionsRequest::default(), 2).await;
    assert_eq!(
        seen,
        [
            "sessions/33",
            "sessions/34",
            "sessions/35",
            "sessions/council-115",
            "sessions/36",
            "sessions/37",
            "sessions/council-116",
        ]
    );
}

#[sqlx::test(migrations = false)]
async fn page_tokens_sizes_and_filters_are_checked(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    for n in 30..35 {
        ok(sessions.create_session(create(scpf(
            n,
            &format!("20{n}-06-01"),
            &format!("20{n}-06-02"),
        ))))
        .await;
    }
    assert_page_tokens(&mut sessions, "body = SCPF", "body = COUNCIL", 2, 5).await;

    for bad in [
        "state = HELD",
        "body = ASSEMBLY",
        "body > SCPF",
        "start_date >= 2025",
        "start_date = \"2025-02-30\"",
    ] {
        let result = sessions.list_sessions(list(bad)).await;
        assert_invalid(result, "INVALID_FILTER", "filter");
    }

    for bad in ["sessions/", "sessions/-1", "sessions/council-x", "36"] {
        let result = sessions.get_session(get(bad)).await;
        assert_invalid(result, "INVALID_NAME", "name");
    }
}

#[sqlx::test(migrations = false)]
async fn sessions_are_filtered_by_body_and_start_date(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut sessions = client(&server);
    for (body, number, start) in [
        (GoverningBody::Scpf, 35, "2024-11-04"),
        (GoverningBody::Scpf, 36, "2025-06-25"),
        (GoverningBody::Council, 116, "2025-11-25"),
    ] {
        ok(sessions.create_session(create(pb::Session {
            body: body as i32,
            ..scpf(number, start, start)
        })))
        .await;
    }
    let cases: &[(&str, &[&str])] = &[
        ("body = SCPF", &["sessions/35", "sessions/36"]),
        ("body = GOVERNING_BODY_COUNCIL", &["sessions/council-116"]),
        ("body != council", &["sessions/35", "sessions/36"]),
        ("start_date = \"2025-06-25\"", &["sessions/36"]),
        ("start_date < \"2025-06-25\"", &["sessions/35"]),
        (
            "start_date <= \"2025-06-25\"",
            &["sessions/35", "sessions/36"],
        ),
        ("start_date > \"2025-06-25\"", &["sessions/council-116"]),
        (
            "start_date >= \"2025-06-25\"",
            &["sessions/36", "sessions/council-116"],
        ),
        (
            "body = SCPF AND start_date >= \"2025-01-01\"",
            &["sessions/36"],
        ),
        ("", &["sessions/35", "sessions/36", "sessions/council-116"]),
    ];
    for (filter, want) in cases {
        let got = ok(sessions.list_sessions(list(filter))).await.sessions;
        assert_eq!(names(&got), *want, "{filter}");
    }
}
