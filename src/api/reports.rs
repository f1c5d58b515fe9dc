//! `scpf.v1.ReportService`: generating, reading, finalizing, comparing and exporting reports.

use std::pin::Pin;

use sha2::{Digest, Sha256};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::{
    api::{Api, Caller, PageRequest, convert},
    domain::{
        FieldViolation, Parsed,
        filter::{FieldSpec, Filter, Kind},
        session::SessionKey,
    },
    error::{Error, Result},
    pb::{self, report_service_server::ReportService},
    report::{assemble, figures, render},
    rpc_method,
    store::{
        self,
        reports::{self, StoredReport},
    },
};

/// The documented filter of ListReports: `state = FINAL` or `state = DRAFT`.
const FILTER: &[FieldSpec] = &[FieldSpec {
    name: "state",
    kind: Kind::Enum(state_filter),
}];

fn state_filter(raw: &str) -> Option<&'static str> {
    match raw.strip_prefix("REPORT_STATE_").unwrap_or(raw) {
        "FINAL" => Some("final"),
        "DRAFT" => Some("draft"),
        _ => None,
    }
}

/// Largest piece of an exported file in one streamed message.
const EXPORT_CHUNK_BYTES: usize = 64 * 1024;

/// Parses `sessions/{session}/reports/{revision}`.
pub fn parse_report_name(name: &str, field: &str) -> Parsed<(SessionKey, i32)> {
    let bad = || {
        FieldViolation::new(
            field,
            "INVALID_NAME",
            format!(
                "{name} is not a report name such as sessions/36/reports/1",
                name = crate::domain::text::quote(name)
            ),
        )
    };
    if name.is_empty() {
        return Err(FieldViolation::new(
            field,
            "REQUIRED",
            "a report name such as sessions/36/reports/1 is required",
        ));
    }
    let (session, revision) = name.rsplit_once("/reports/").ok_or_else(bad)?;
    let session = SessionKey::parse_name(session, field).map_err(|_| bad())?;
    let revision = revision
        .parse::<i32>()
        .ok()
        .filter(|r| *r >= 1 && !revision.starts_with('0'))
        .ok_or_else(bad)?;
    Ok((session, revision))
}

fn report_name(r: &StoredReport) -> String {
    format!("sessions/{}/reports/{}", r.session_id, r.revision)
}

/// A report's etag: it changes when the report becomes final.
fn report_etag(r: &StoredReport) -> String {
    format!("{}{}", if r.is_final() { "f" } else { "d" }, r.revision)
}

fn parse_content(r: &StoredReport) -> Result<pb::ReportContent> {
    pb::json::from_str(&r.content).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "stored report {} does not parse: {e}",
            report_name(r)
        ))
    })
}

/// The protobuf form of a stored report, with or without its content.
fn message(r: &StoredReport, with_content: bool) -> Result<pb::Report> {
    Ok(pb::Report {
        name: report_name(r),
        revision: r.revision,
        state: if r.is_final() {
            pb::ReportState::Final
        } else {
            pb::ReportState::Draft
        }
        .into(),
        as_of: Some(convert::timestamp(r.as_of)),
        content_sha256: r.content_sha256.clone(),
        content: if with_content {
            Some(parse_content(r)?)
        } else {
            None
        },
        etag: report_etag(r),
        create_time: Some(convert::timestamp(r.created_at)),
        created_by: r.created_by.clone(),
        finalize_time: r.finalized_at.map(convert::timestamp),
        finalized_by: r.finalized_by.clone().unwrap_or_default(),
    })
}

impl Api {
    async fn load_report(&self, name: &str, field: &str) -> Result<StoredReport> {
        let (session, revision) = parse_report_name(name, field)?;
        let mut conn = self.pool().acquire().await?;
        reports::get(&mut conn, &session.id(), revision)
            .await?
            .ok_or_else(|| Error::not_found(name))
    }
}

type ExportStream = Pin<Box<dyn Stream<Item = Result<pb::ExportReportChunk, Status>> + Send>>;

#[tonic::async_trait]
impl ReportService for Api {
    async fn generate_report(
        &self,
        request: Request<pb::GenerateReportRequest>,
    ) -> Result<Response<pb::Report>, Status> {
        let caller = Caller::of(&request);
        let req = request.into_inner();
        let session = SessionKey::parse_name(&req.parent, "parent")?;
        let requested = convert::instant(req.as_of.as_ref(), "as_of")?;
        let settled = store::settle_history(self.pool()).await?;
        let as_of = match requested {
            Some(t) if t > settled => {
                return Err(Error::invalid(
                    "as_of",
                    "AS_OF_IN_FUTURE",
                    format!(
                        "{} is in the future; a report can show data up to now",
                        t.to_rfc3339()
                    ),
                )
                .into());
            }
            Some(t) => t,
            None => settled,
        };
        let started = std::time::Instant::now();
        let content = assemble::assemble(self.pool(), session, as_of).await?;
        metrics::histogram!(crate::telemetry::metrics::REPORT_SECONDS)
            .record(started.elapsed().as_secs_f64());
        let json = pb::json::to_string(&content);
        let sha = hex::encode(Sha256::digest(json.as_bytes()));
        let method = rpc_method!("ReportService", "GenerateReport");
        let (response, _) = self
            .mutate(&caller, method, &req.request_id, &req, async |w| {
                let stored = reports::insert(w, &session.id(), as_of, &json, &sha).await?;
                let summary = message(&stored, false)?;
                crate::api::audit_created(w, &summary.name, &summary).await?;
                Ok(pb::Report {
                    content: Some(content.clone()),
                    ..summary
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn get_report(
        &self,
        request: Request<pb::GetReportRequest>,
    ) -> Result<Response<pb::Report>, Status> {
        let req = request.into_inner();
        let stored = self.load_report(&req.name, "name").await?;
        Ok(Response::new(message(&stored, true)?))
    }

    async fn list_reports(
        &self,
        request: Request<pb::ListReportsRequest>,
    ) -> Result<Response<pb::ListReportsResponse>, Status> {
        let req = request.into_inner();
        let session = if req.parent == "sessions/-" {
            None
        } else {
            Some(SessionKey::parse_name(&req.parent, "parent")?.id())
        };
        let filter = Filter::parse(&req.filter, FILTER, "filter")?;
        let page = PageRequest::<reports::Cursor>::parse(
            self.page_key(),
            req.page_size,
            &req.page_token,
            format!(
                "ListReports|{}|{}|{}",
                req.parent,
                filter.canonical(),
                req.omit_content
            ),
        )?;
        let rows = reports::list(
            self.pool(),
            session.as_deref(),
            &filter,
            page.after.as_ref(),
            page.fetch_limit(),
            req.omit_content,
        )
        .await?;
        let (rows, next_page_token) = page.finish(self.page_key(), rows, |r| reports::Cursor {
            session_id: r.session_id.clone(),
            revision: r.revision,
        });
        Ok(Response::new(pb::ListReportsResponse {
            reports: rows
                .iter()
                .map(|r| message(r, !req.omit_content))
                .collect::<Result<_>>()?,
            next_page_token,
        }))
    }

    async fn finalize_report(
        &self,
        request: Request<pb::FinalizeReportRequest>,
    ) -> Result<Response<pb::Report>, Status> {
        let caller = Caller::of(&request);
        let req = request.into_inner();
        let (session, revision) = parse_report_name(&req.name, "name")?;
        let method = rpc_method!("ReportService", "FinalizeReport");
        let (response, _) = self
            .mutate(&caller, method, &req.request_id, &req, async |w| {
                let mut before = None;
                let stored = reports::finalize(w, &session.id(), revision, |current| {
                    before = Some(message(current, false)?);
                    let current_etag = report_etag(current);
                    if req.etag.is_empty() || req.etag == current_etag {
                        Ok(())
                    } else {
                        Err(Error::StaleEtag {
                            name: req.name.clone(),
                            given: req.etag.clone(),
                            current: current_etag,
                        })
                    }
                })
                .await?;
                let after = message(&stored, false)?;
                w.audit(
                    &after.name,
                    before.as_ref().map(convert::canonical_json),
                    Some(convert::canonical_json(&after)),
                    None,
                )
                .await?;
                message(&stored, true)
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn diff_reports(
        &self,
        request: Request<pb::DiffReportsRequest>,
    ) -> Result<Response<pb::DiffReportsResponse>, Status> {
        let req = request.into_inner();
        let target = self.load_report(&req.target, "target").await?;
        let base = if req.base.is_empty() {
            let (session, _) = parse_report_name(&req.target, "target")?;
            let mut conn = self.pool().acquire().await.map_err(Error::from)?;
            let s = reports::session_as_of(&mut conn, &session.id(), target.as_of)
                .await?
                .ok_or_else(|| Error::not_found(session.name()))?;
            reports::previous_final(&mut conn, &s.body, s.number, chrono::Utc::now())
                .await?
                .ok_or_else(|| Error::FailedPrecondition {
                    reason: "NO_PREVIOUS_FINAL_REPORT",
                    message: format!("the session before {} has no final report", session.name()),
                })?
        } else {
            self.load_report(&req.base, "base").await?
        };
        let changes = figures::diff(
            &parse_content(&base)?,
            &parse_content(&target)?,
            figures::Scope::All,
        );
        Ok(Response::new(pb::DiffReportsResponse {
            base: report_name(&base),
            target: report_name(&target),
            changes,
        }))
    }

    type ExportReportStream = ExportStream;

    async fn export_report(
        &self,
        request: Request<pb::ExportReportRequest>,
    ) -> Result<Response<Self::ExportReportStream>, Status> {
        let req = request.into_inner();
        let format = pb::ExportFormat::try_from(req.format)
            .ok()
            .filter(|f| *f != pb::ExportFormat::Unspecified)
            .ok_or_else(|| {
                Error::invalid(
                    "format",
                    "REQUIRED",
                    "an export format (JSON, CSV, MARKDOWN or HTML) is required",
                )
            })?;
        let stored = self.load_report(&req.name, "name").await?;
        let report = message(&stored, true)?;
        let parts = export_parts(&report, format)?;
        let chunks: Vec<Result<pb::ExportReportChunk, Status>> =
            render::chunks(parts, EXPORT_CHUNK_BYTES)
                .map(|(part, content_type, data)| {
                    Ok(pb::ExportReportChunk {
                        part,
                        content_type: content_type.to_owned(),
                        data,
                    })
                })
                .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }
}

/// The files of an export: canonical JSON here, the formats for people in `report::render`.
fn export_parts(report: &pb::Report, format: pb::ExportFormat) -> Result<Vec<render::Part>> {
    let format = render::Format::try_from(format)
        .map_err(|_| Error::invalid("format", "REQUIRED", "an export format is required"))?;
    if format == render::Format::Json {
        return Ok(vec![render::Part {
            name: "report.json".to_owned(),
            content_type: "application/json",
            data: pb::json::to_string(report).into_bytes(),
        }]);
    }
    render::render(report, format)
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {} failed: {e}", report.name)))
}
