//! `scpf.v1.AuditService`: reading the audit trail.

use tonic::{Request, Status};

use crate::{
    api::{Api, PageRequest, convert},
    domain::{
        FieldViolation,
        filter::{FieldSpec, Filter, Kind},
    },
    pb::{self, audit_service_server::AuditService},
    store::audit::{self, AuditEvent},
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("resource", Kind::Text),
    FieldSpec::new("actor", Kind::Text),
    FieldSpec::new("method", Kind::Text),
    FieldSpec::new("request_id", Kind::Text),
    FieldSpec::new("event_time", Kind::Timestamp),
];

fn message(e: AuditEvent) -> pb::AuditEvent {
    pb::AuditEvent {
        name: format!("auditEvents/{}", e.id),
        event_time: Some(convert::timestamp(e.event_time)),
        actor: e.actor,
        method: e.method,
        resource: e.resource,
        request_id: e.request_id,
        before: e.before.as_ref().and_then(convert::json_struct),
        after: e.after.as_ref().and_then(convert::json_struct),
        reason: e.reason.unwrap_or_default(),
    }
}

fn parse_name(name: &str) -> Result<i64, FieldViolation> {
    name.strip_prefix("auditEvents/")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            FieldViolation::new(
                "name",
                "INVALID_NAME",
                format!(
                    "{name} is not a resource name of the form auditEvents/{{event_id}}",
                    name = crate::domain::text::quote(name)
                ),
            )
        })
}

async fn get_audit_event(
    api: &Api,
    request: Request<pb::GetAuditEventRequest>,
) -> Result<pb::AuditEvent, Status> {
    let req = request.into_inner();
    let id = parse_name(&req.name)?;
    let event = audit::get(api.pool(), id, &req.name).await?;
    Ok(message(event))
}

async fn list_audit_events(
    api: &Api,
    request: Request<pb::ListAuditEventsRequest>,
) -> Result<pb::ListAuditEventsResponse, Status> {
    let req = request.into_inner();
    let filter = Filter::parse(&req.filter, FILTER, "filter")?;
    let page = PageRequest::<i64>::parse(
        api.page_key(),
        req.page_size,
        &req.page_token,
        format!("ListAuditEvents|{}", filter.canonical()),
    )?;
    let rows = audit::list(api.pool(), &filter, page.after, page.fetch_limit()).await?;
    let (rows, next_page_token) = page.finish(api.page_key(), rows, |e| e.id);
    Ok(pb::ListAuditEventsResponse {
        audit_events: rows.into_iter().map(message).collect(),
        next_page_token,
    })
}

rpcs!(AuditService {
    get_audit_event(pb::GetAuditEventRequest) -> pb::AuditEvent = get_audit_event;
    list_audit_events(pb::ListAuditEventsRequest) -> pb::ListAuditEventsResponse = list_audit_events;
});
