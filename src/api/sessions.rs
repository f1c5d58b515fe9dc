//! `scpf.v1.SessionService`.

use tonic::{Request, Status};

use crate::{
    api::{
        Api, Caller,
        convert::{self, Wire},
        resource,
    },
    domain::{
        FieldViolation, Parsed, dates, field,
        filter::{FieldSpec, Kind},
        session::{self, Body, Session, SessionKey, SessionState},
    },
    error::Result,
    pb::{self, session_service_server::SessionService},
    store::Versioned,
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("body", Kind::Enum(body_filter)),
    FieldSpec::new("start_date", Kind::Date),
];

fn body_filter(raw: &str) -> Option<&'static str> {
    let all = [Body::Scpf, Body::Council];
    convert::enum_filter(raw, "GOVERNING_BODY_", all, Body::db_name)
}

wire_enum!(Body => GoverningBody { Scpf, Council });
wire_enum!(SessionState => SessionState { Planned, Held, Closed });

fn state(value: i32, path: &str) -> Parsed<SessionState> {
    use pb::SessionState as P;
    match P::try_from(value) {
        Ok(P::Unspecified | P::Planned) => Ok(SessionState::Planned),
        Ok(P::Held) => Ok(SessionState::Held),
        Ok(P::Closed) => Ok(SessionState::Closed),
        Err(_) => Err(FieldViolation::new(
            field(path, "state"),
            "UNKNOWN_ENUM_VALUE",
            format!("{value} is not a session state"),
        )),
    }
}

/// Parses the session at `path` of a request; `key` says which session it is.
fn session(key: SessionKey, s: &pb::Session, path: &str) -> Parsed<Session> {
    let date = |text: &str, name: &str| dates::parse_date(text, &field(path, name));
    Session {
        key,
        start_date: date(&s.start_date, "start_date")?,
        end_date: date(&s.end_date, "end_date")?,
        reporting_period_start: date(&s.reporting_period_start, "reporting_period_start")?,
        reporting_period_end: date(&s.reporting_period_end, "reporting_period_end")?,
        status_date: dates::parse_optional_date(&s.status_date, &field(path, "status_date"))?,
        state: state(s.state, path)?,
    }
    .check(path)
}

/// The protobuf form of a stored session.
pub fn message(v: &Versioned<Session>) -> pb::Session {
    let s = &v.value;
    versioned_message!(
        v,
        pb::Session {
            name: s.name(),
            body: s.key.body.to_wire().into(),
            number: s.key.number as i32,
            start_date: convert::date(s.start_date),
            end_date: convert::date(s.end_date),
            reporting_period_start: convert::date(s.reporting_period_start),
            reporting_period_end: convert::date(s.reporting_period_end),
            state: s.state.to_wire().into(),
            status_date: convert::optional_date(s.status_date),
        }
    )
}

async fn create_session(
    api: &Api,
    request: Request<pb::CreateSessionRequest>,
) -> Result<pb::Session, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.session.as_ref(), "session", "session")?;
    let body = Body::required(
        given.body,
        "session.body",
        "the governing body (SCPF or COUNCIL)",
    )?;
    let key = SessionKey::new(body, given.number.into(), "session.number")?;
    let session = session(key, given, "session")?;
    Ok(api
        .create_one(&caller, &req.request_id, &req, &session)
        .await?)
}

async fn update_session(
    api: &Api,
    request: Request<pb::UpdateSessionRequest>,
) -> Result<pb::Session, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.session.as_ref(), "session", "session")?;
    let key = SessionKey::parse_name(&given.name, "session.name")?;
    session::check_same_identity(
        key,
        Body::from_wire(given.body),
        given.number.into(),
        "session",
    )?;
    let session = session(key, given, "session")?;
    let etag = &given.etag;
    Ok(api
        .update_one(&caller, &req.request_id, &req, &session, etag)
        .await?)
}

shown!(Session => pb::Session, SessionKey::parse_name);

listing!(pb::ListSessionsRequest => Session, pb::ListSessionsResponse { sessions }, "ListSessions", filter: FILTER);

rpcs!(SessionService {
    create_session(pb::CreateSessionRequest) -> pb::Session = create_session;
    get_session(pb::GetSessionRequest) -> pb::Session = resource::get::<Session, _>;
    list_sessions(pb::ListSessionsRequest) -> pb::ListSessionsResponse = resource::list;
    update_session(pb::UpdateSessionRequest) -> pb::Session = update_session;
});
