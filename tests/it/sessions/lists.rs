//! Listing sessions: order, pages, page tokens and filters.

use super::*;

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
        sessions
            .create_session(create(pb::Session {
                body: body as i32,
                ..scpf(number, start, start)
            }))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = sessions
            .list_sessions(pb::ListSessionsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.sessions.len() <= 2);
        seen.extend(page.sessions.into_iter().map(|s| s.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
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
        sessions
            .create_session(create(scpf(
                n,
                &format!("20{n}-06-01"),
                &format!("20{n}-06-02"),
            )))
            .await
            .unwrap();
    }
    let first = sessions
        .list_sessions(pb::ListSessionsRequest {
            page_size: 2,
            filter: "body = SCPF".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    assert!(!token.is_empty());

    let other_filter = sessions
        .list_sessions(pb::ListSessionsRequest {
            page_size: 2,
            page_token: token.clone(),
            filter: "body = COUNCIL".into(),
            as_of: None,
        })
        .await;
    assert_refused(
        other_filter,
        Code::InvalidArgument,
        "PAGE_TOKEN_MISMATCH",
        Some("page_token"),
    );

    let mut tampered = token.into_bytes();
    tampered[5] ^= 1;
    let tampered = sessions
        .list_sessions(pb::ListSessionsRequest {
            page_size: 2,
            page_token: String::from_utf8_lossy(&tampered).into_owned(),
            filter: "body = SCPF".into(),
            as_of: None,
        })
        .await;
    assert_refused(
        tampered,
        Code::InvalidArgument,
        "INVALID_PAGE_TOKEN",
        Some("page_token"),
    );

    let negative = sessions
        .list_sessions(pb::ListSessionsRequest {
            page_size: -1,
            ..Default::default()
        })
        .await;
    assert_refused(
        negative,
        Code::InvalidArgument,
        "INVALID_PAGE_SIZE",
        Some("page_size"),
    );

    for bad in [
        "state = HELD",
        "body = ASSEMBLY",
        "body > SCPF",
        "start_date >= 2025",
        "start_date = \"2025-02-30\"",
    ] {
        let result = sessions.list_sessions(list(bad)).await;
        assert_refused(
            result,
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("filter"),
        );
    }

    for bad in ["sessions/", "sessions/-1", "sessions/council-x", "36"] {
        let result = sessions.get_session(get(bad)).await;
        assert_refused(result, Code::InvalidArgument, "INVALID_NAME", Some("name"));
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
        sessions
            .create_session(create(pb::Session {
                body: body as i32,
                ..scpf(number, start, start)
            }))
            .await
            .unwrap();
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
        let got = sessions
            .list_sessions(list(filter))
            .await
            .unwrap()
            .into_inner()
            .sessions;
        assert_eq!(names(&got), *want, "{filter}");
    }
}
