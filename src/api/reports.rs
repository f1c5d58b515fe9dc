//! `scpf.v1.ReportService`: generating, reading, finalizing, comparing and exporting reports.
//!
//! Reads answer a report's metadata unless its content is asked for, and refuse content that
//! does not fit in one message (FAILED_PRECONDITION, `CONTENT_TOO_LARGE`) before anything is
//! written or sent; ExportReport streams any report. Work in proportion to a report's size runs
//! off the async runtime (`report::off_runtime`).

use std::pin::Pin;

use prost::Message;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, PageRequest, convert},
    domain::{
        FieldViolation, Parsed, dates,
        filter::{FieldSpec, Filter, Kind},
        not_empty,
        session::SessionKey,
    },
    error::{Error, Result},
    pb::{self, report_service_server::ReportService},
    report::{self, assemble, export, figures, render},
    store::{
        self,
        reports::{self, NewReport, StoredReport},
    },
};

/// The documented filter of ListReports: `state = FINAL` or `state = DRAFT`.
const FILTER: &[FieldSpec] = &[FieldSpec::new("state", Kind::Enum(state_filter))];

fn state_filter(raw: &str) -> Option<&'static str> {
    match raw.strip_prefix("REPORT_STATE_").unwrap_or(raw) {
        "FINAL" => Some("final"),
        "DRAFT" => Some("draft"),
        _ => None,
    }
}

/// Room kept in a FULL listing for the page token and the framing of each report.
const LISTING_OVERHEAD: usize = 1024;

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
    not_empty(
        name,
        field,
        "a report name such as sessions/36/reports/1 is required",
    )?;
    let (session, revision) = name.rsplit_once("/reports/").ok_or_else(bad)?;
    let session = SessionKey::parse_name(session, field).map_err(|_| bad())?;
    let revision = revision
        .parse::<i32>()
        .ok()
        .filter(|r| *r >= 1 && !revision.starts_with('0'))
        .ok_or_else(bad)?;
    Ok((session, revision))
}

/// Whether a read asks for the content (FULL) or not (BASIC, the default).
fn full_view(value: i32, field: &str) -> Parsed<bool> {
    match pb::ReportView::try_from(value) {
        Ok(pb::ReportView::Unspecified | pb::ReportView::Basic) => Ok(false),
        Ok(pb::ReportView::Full) => Ok(true),
        Err(_) => Err(FieldViolation::new(
            field,
            "UNKNOWN_ENUM_VALUE",
            format!("{value} is not a report view (BASIC or FULL)"),
        )),
    }
}

/// The export format asked for: unset is REQUIRED, a number the contract does not know is
/// UNKNOWN_ENUM_VALUE.
fn export_format(value: i32) -> Parsed<render::Format> {
    match pb::ExportFormat::try_from(value) {
        Ok(pb::ExportFormat::Unspecified) => Err(FieldViolation::required(
            "format",
            "an export format (JSON, CSV, MARKDOWN or HTML) is required",
        )),
        Ok(format) => render::Format::try_from(format).map_err(|_| {
            FieldViolation::new("format", "UNKNOWN_ENUM_VALUE", "not an export format")
        }),
        Err(_) => Err(FieldViolation::new(
            "format",
            "UNKNOWN_ENUM_VALUE",
            format!("{value} is not an export format (JSON, CSV, MARKDOWN or HTML)"),
        )),
    }
}

/// The language of an export: English, French or Spanish; English when not given.
fn export_language(tag: &str) -> Parsed<render::Language> {
    render::Language::parse(tag).ok_or_else(|| {
        FieldViolation::new(
            "language",
            "UNSUPPORTED_LANGUAGE",
            format!(
                "{} is not a language reports are written in (en, fr or es)",
                crate::domain::text::quote(tag)
            ),
        )
    })
}

fn report_name(r: &StoredReport) -> String {
    format!("sessions/{}/reports/{}", r.session_id, r.revision)
}

/// A report's etag: it changes when the report becomes final.
fn report_etag(r: &StoredReport) -> String {
    format!("{}{}", if r.is_final() { "f" } else { "d" }, r.revision)
}

/// Content that cannot be answered in one message.
fn too_large(what: &str, bytes: usize, limit: usize) -> Error {
    Error::FailedPrecondition {
        reason: "CONTENT_TOO_LARGE",
        message: format!(
            "{what} takes {bytes} bytes, more than the {limit} bytes a response may carry; \
             read the report with view BASIC and export its content with ExportReport"
        ),
    }
}

/// The protobuf form of a stored report, with the content given or without one.
fn message(r: &StoredReport, content: Option<pb::ReportContent>) -> pb::Report {
    pb::Report {
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
        content,
        etag: report_etag(r),
        create_time: Some(convert::timestamp(r.created_at)),
        created_by: r.created_by.clone(),
        finalize_time: r.finalized_at.map(convert::timestamp),
        finalized_by: r.finalized_by.clone().unwrap_or_default(),
        status_date: convert::date(r.status_date()),
        content_bytes: r.content_bytes.unwrap_or_default(),
    }
}

impl Api {
    /// A report's metadata, or NOT_FOUND.
    async fn load_report(&self, name: &str, field: &str) -> Result<StoredReport> {
        let (session, revision) = parse_report_name(name, field)?;
        let mut conn = self.pool().acquire().await?;
        reports::get(&mut conn, &session.id(), revision, false)
            .await?
            .ok_or_else(|| Error::not_found(name))
    }

    /// The stored canonical JSON of a report's content.
    async fn load_content(&self, r: &StoredReport) -> Result<String> {
        let mut conn = self.pool().acquire().await?;
        reports::content(&mut conn, &r.session_id, r.revision)
            .await?
            .ok_or_else(|| Error::not_found(report_name(r)))
    }

    /// A report with its content, when it fits in `room` bytes: `Ok(Err(bytes))` says how large
    /// it is when it does not. Content recorded as too large is not even read.
    async fn full_message(
        &self,
        r: &StoredReport,
        room: usize,
    ) -> Result<std::result::Result<pb::Report, usize>> {
        if let Some(bytes) = r.content_bytes.and_then(|b| usize::try_from(b).ok())
            && bytes > room
        {
            return Ok(Err(bytes));
        }
        let json = self.load_content(r).await?;
        let name = report_name(r);
        let content = report::off_runtime(move || report::parse_content(&name, &json)).await?;
        let report = message(r, Some(content));
        let bytes = report.encoded_len();
        Ok(if bytes > room { Err(bytes) } else { Ok(report) })
    }
}

type ExportStream = Pin<Box<dyn Stream<Item = Result<pb::ExportReportChunk, Status>> + Send>>;

async fn generate_report(
    api: &Api,
    request: Request<pb::GenerateReportRequest>,
) -> Result<pb::Report, Status> {
    let (caller, req) = Caller::split(request);
    let session = SessionKey::parse_name(&req.parent, "parent")?;
    let requested = convert::instant(req.as_of.as_ref(), "as_of")?;
    let status_date = dates::parse_optional_date(&req.status_date, "status_date")?;
    let full = full_view(req.view, "view")?;
    let limit = api.message_limit();
    let _turn = api.report_turn().await?;
    let pool = api.pool().clone();
    let response = api
        .mutate_prepared(
            &caller,
            &req.request_id,
            &req,
            async || {
                let as_of = store::settle_as_of(&pool, requested, "as_of").await?;
                let started = std::time::Instant::now();
                let inputs =
                    assemble::load(&pool, session, as_of, status_date, "status_date").await?;
                let built = report::off_runtime(move || assemble::build(inputs)).await?;
                metrics::histogram!(crate::telemetry::metrics::REPORT_SECONDS)
                    .record(started.elapsed().as_secs_f64());
                if full && built.bytes > limit {
                    return Err(too_large("the new report's content", built.bytes, limit));
                }
                Ok((as_of, built))
            },
            async |w, (as_of, built)| {
                let stored = reports::insert(
                    w,
                    &session.id(),
                    NewReport {
                        as_of,
                        status_date: built.status_date,
                        content: &built.json,
                        content_sha256: &built.sha256,
                        content_bytes: built.bytes,
                    },
                )
                .await?;
                let summary = message(&stored, None);
                crate::api::audit_created(w, &summary.name, &summary);
                if !full {
                    return Ok(summary);
                }
                let response = pb::Report {
                    content: Some(built.content),
                    ..summary
                };
                // Refused before the commit: nothing is kept of a report that cannot be
                // answered, and the request_id stays free.
                let bytes = response.encoded_len();
                if bytes > limit {
                    return Err(too_large("the new report", bytes, limit));
                }
                Ok(response)
            },
        )
        .await?;
    Ok(response)
}

async fn get_report(
    api: &Api,
    request: Request<pb::GetReportRequest>,
) -> Result<pb::Report, Status> {
    let req = request.into_inner();
    let full = full_view(req.view, "view")?;
    let stored = api.load_report(&req.name, "name").await?;
    if !full {
        return Ok(message(&stored, None));
    }
    let limit = api.message_limit();
    match api.full_message(&stored, limit).await? {
        Ok(report) => Ok(report),
        Err(bytes) => Err(too_large(&req.name, bytes, limit).into()),
    }
}

async fn list_reports(
    api: &Api,
    request: Request<pb::ListReportsRequest>,
) -> Result<pb::ListReportsResponse, Status> {
    let req = request.into_inner();
    let session = if req.parent == "sessions/-" {
        None
    } else {
        Some(SessionKey::parse_name(&req.parent, "parent")?.id())
    };
    let filter = Filter::parse(&req.filter, FILTER, "filter")?;
    let full = full_view(req.view, "view")?;
    let mut page = PageRequest::<reports::Cursor>::parse(
        api.page_key(),
        req.page_size,
        &req.page_token,
        format!("ListReports|{}|{}|{full}", req.parent, filter.canonical()),
    )?;
    let rows = reports::list(
        api.pool(),
        session.as_deref(),
        &filter,
        page.after.as_ref(),
        page.fetch_limit(),
    )
    .await?;
    let cursor = |r: &StoredReport| reports::Cursor {
        session_id: r.session_id.clone(),
        revision: r.revision,
    };
    if !full {
        let (rows, next_page_token) = page.finish(api.page_key(), rows, cursor);
        return Ok(pb::ListReportsResponse {
            reports: rows.iter().map(|r| message(r, None)).collect(),
            next_page_token,
        });
    }
    // With content, the page ends early rather than exceed the message limit.
    let limit = api.message_limit();
    let mut used = LISTING_OVERHEAD;
    let mut reports = Vec::new();
    for r in rows.iter().take(page.size as usize) {
        match api.full_message(r, limit.saturating_sub(used)).await? {
            Ok(report) => {
                let bytes = report.encoded_len();
                used += 1 + prost::length_delimiter_len(bytes) + bytes;
                reports.push(report);
            }
            Err(bytes) if reports.is_empty() => {
                return Err(too_large(&report_name(r), bytes, limit).into());
            }
            Err(_) => break,
        }
    }
    page.size = reports.len() as i64;
    let (_, next_page_token) = page.finish(api.page_key(), rows, cursor);
    Ok(pb::ListReportsResponse {
        reports,
        next_page_token,
    })
}

async fn finalize_report(
    api: &Api,
    request: Request<pb::FinalizeReportRequest>,
) -> Result<pb::Report, Status> {
    let (caller, req) = Caller::split(request);
    let (session, revision) = parse_report_name(&req.name, "name")?;
    let response = api
        .mutate(&caller, &req.request_id, &req, async |w| {
            let mut before = None;
            let stored = reports::finalize(w, &session.id(), revision, |current| {
                before = Some(message(current, None));
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
            let after = message(&stored, None);
            w.audit(
                &after.name,
                before.as_ref().map(convert::canonical_json),
                Some(convert::canonical_json(&after)),
                None,
            );
            Ok(after)
        })
        .await?;
    Ok(response)
}

async fn diff_reports(
    api: &Api,
    request: Request<pb::DiffReportsRequest>,
) -> Result<pb::DiffReportsResponse, Status> {
    let req = request.into_inner();
    let target = api.load_report(&req.target, "target").await?;
    let base = if req.base.is_empty() {
        // Body and number are a session's identity: they are the same at every instant.
        let (session, _) = parse_report_name(&req.target, "target")?;
        let mut conn = api.pool().acquire().await.map_err(Error::from)?;
        let previous = reports::previous_final(
            &mut conn,
            session.body.db_name(),
            session.number as i32,
            chrono::Utc::now(),
        )
        .await?
        .ok_or_else(|| Error::FailedPrecondition {
            reason: "NO_PREVIOUS_FINAL_REPORT",
            message: format!("the session before {} has no final report", session.name()),
        })?;
        api.load_report(&report_name(&previous), "base").await?
    } else {
        api.load_report(&req.base, "base").await?
    };
    let (base_json, target_json) = (
        api.load_content(&base).await?,
        api.load_content(&target).await?,
    );
    let (base_name, target_name) = (report_name(&base), report_name(&target));
    let response = report::off_runtime(move || {
        let changes = figures::diff(
            &report::parse_content(&base_name, &base_json)?,
            &report::parse_content(&target_name, &target_json)?,
            figures::Scope::All,
        );
        Ok(pb::DiffReportsResponse {
            base: base_name,
            target: target_name,
            changes,
        })
    })
    .await?;
    let limit = api.message_limit();
    let bytes = response.encoded_len();
    if bytes > limit {
        return Err(too_large("the list of differences", bytes, limit).into());
    }
    Ok(response)
}

async fn export_report(
    api: &Api,
    request: Request<pb::ExportReportRequest>,
) -> Result<ExportStream, Status> {
    let req = request.into_inner();
    let format = export_format(req.format)?;
    let language = export_language(&req.language)?;
    let stored = api.load_report(&req.name, "name").await?;
    // The turn is held by the renderer, from before the content is read to the end of the
    // export (or until it finds the client gone).
    let turn = export::turn().await;
    let content = api.load_content(&stored).await?;
    let annexes = assemble::window_of(api.pool(), &stored)
        .await?
        .map(|window| export::Store {
            pool: api.pool().clone(),
            window,
            session_id: stored.session_id.clone(),
        });
    let chunks = export::stream(
        export::Export {
            report: message(&stored, None),
            content,
            format,
            language,
            chunk_bytes: export::chunk_bytes(api.message_limit()),
            annexes,
        },
        Some(turn),
    );
    let stream: ExportStream = Box::pin(chunks.map(|c| c.map_err(Status::from)));
    Ok(stream)
}

rpcs!(ReportService, type ExportReportStream = ExportStream {
    generate_report(pb::GenerateReportRequest) -> pb::Report = generate_report;
    get_report(pb::GetReportRequest) -> pb::Report = get_report;
    list_reports(pb::ListReportsRequest) -> pb::ListReportsResponse = list_reports;
    finalize_report(pb::FinalizeReportRequest) -> pb::Report = finalize_report;
    diff_reports(pb::DiffReportsRequest) -> pb::DiffReportsResponse = diff_reports;
    export_report(pb::ExportReportRequest) -> ExportStream = export_report;
});
