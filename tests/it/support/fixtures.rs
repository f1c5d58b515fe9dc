//! What many tests point at (a session, a programme), created through its own service as a
//! client records it, never written straight into the schema.

use scpf_reports::pb::{
    self, programme_service_client::ProgrammeServiceClient,
    session_service_client::SessionServiceClient,
};

use crate::support::{TestServer, rid};

/// A programme `programmes/{id}` with code `ID` (upper case), under objective 3 (regular
/// pathways).
pub async fn programme(server: &TestServer, id: &str, title: &str) -> pb::Programme {
    ProgrammeServiceClient::new(server.channel.clone())
        .create_programme(pb::CreateProgrammeRequest {
            programme_id: id.into(),
            programme: Some(pb::Programme {
                code: id.to_uppercase(),
                title: title.into(),
                thematic_area: "Labour mobility and diaspora".into(),
                srf_objective: pb::SrfObjective::RegularPathways as i32,
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .expect("the programme is created")
        .into_inner()
}

/// Belgium, a Member State, as a client creates it.
pub fn belgium() -> pb::CreateOrganizationRequest {
    pb::CreateOrganizationRequest {
        organization_id: "belgium".into(),
        organization: Some(pb::Organization {
            display_name: "Belgium".into(),
            kind: pb::OrganizationKind::Government as i32,
            member_state: true,
            country_code: "BE".into(),
            ..Default::default()
        }),
        request_id: rid(),
    }
}

/// The SCPF's session `number`, held on 25 and 26 June 2025 on the period 1 January to 31 May
/// 2025.
pub async fn session(server: &TestServer, number: i32) -> pb::Session {
    SessionServiceClient::new(server.channel.clone())
        .create_session(pb::CreateSessionRequest {
            session: Some(pb::Session {
                body: pb::GoverningBody::Scpf.into(),
                number,
                start_date: "2025-06-25".into(),
                end_date: "2025-06-26".into(),
                reporting_period_start: "2025-01-01".into(),
                reporting_period_end: "2025-05-31".into(),
                state: pb::SessionState::Held.into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .expect("the session is created")
        .into_inner()
}

/// `table` (`audit_events` or `idempotency_keys`) without the rows of the fixtures above, so
/// that a test counts what its own calls wrote: `count(&pool, &fixtures::besides("audit_events"))`.
pub fn besides(table: &str) -> String {
    format!(
        "{table} WHERE method NOT IN ('scpf.v1.ProgrammeService/CreateProgramme', \
         'scpf.v1.SessionService/CreateSession')"
    )
}
