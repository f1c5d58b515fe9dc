//! ExportReport's stream: the chunks of an export are made as the client reads them.
//!
//! Every format is made on a blocking thread into a channel that holds at most
//! [`QUEUED_CHUNKS`] chunks: when the client stops reading, the renderer waits, and when the
//! client goes away, it stops. JSON is the stored content's text put in place in the report's
//! canonical JSON; CSV, Markdown and HTML are rendered from the stored content.
//!
//! The stored content's size follows the committee, not the database: per-contribution lists
//! (schedules with their installments, pledges, changes to contributions, overdue installments,
//! overpaid contributions and pledges with receipts) are kept there as counts and samples. Every
//! format carries them whole, as annexes after the document, read from the store a page of
//! contributions at a time ([`Store`]: keyset pages by contribution id, each page read through
//! the primary keys) at the report's own as-of instant and status date, and written to the
//! client row by row as it reads. The installments are read once per export: what one pass
//! makes for a later part or table (a schedule's installments, the overdue entries) waits in a
//! temporary file ([`annex::Spool`]) rather than in memory. History is kept, so the same rows come back whenever an
//! export runs; as they stream, their number (and for the schedules, the sum outstanding) is
//! checked against the stored report's, and a list that differs ends the stream with
//! FAILED_PRECONDITION `ANNEX_DIFFERS` rather than a different annex. An export holds the
//! stored content, one page of annex rows and a few chunks, whatever the number of
//! contributions. Reports stored before status dates were recorded, and reports whose content
//! lists everything it counts, export their content as it is.

use std::io::{self, Write};

use rust_decimal::Decimal;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_stream::{Stream, wrappers::ReceiverStream};

use super::render::{self, Format, Language, RenderError, Sink, annex};
use crate::{
    error::{Error, Result},
    pb,
    report::assemble,
    store::report_data::{self as data, Window},
    telemetry::metrics::EXPORT_BYTES,
};

/// Contributions read per page of an annex.
pub const ANNEX_PAGE: i64 = 500;

/// Where the annexes of a stored report are read: the store, at the report's own window.
#[derive(Clone)]
pub struct Store {
    pub pool: PgPool,
    /// The report's as-of instant, status date and reporting period.
    pub window: Window,
    /// The report's session id, as contributions name the session they were announced at.
    pub session_id: String,
}

/// What the stored content counts of each annexed list.
#[derive(Debug, Clone, PartialEq)]
struct Expected {
    schedules: i64,
    total_outstanding: Decimal,
    pledges: i64,
    overdue: i64,
    /// Changes to contributions since `previous_report`.
    changes: i64,
    /// `sessions/{n}/reports/{r}`, the previous session's final report; empty without one.
    previous_report: String,
    /// Overpaid contributions and pledges with receipts.
    quality: i64,
}

const OVERDUE: pb::DataQualityKind = pb::DataQualityKind::OverdueInstallment;

/// The data-quality kinds of the annex of [`annex::Annexes::quality`].
const QUALITY: [pb::DataQualityKind; 2] = [
    pb::DataQualityKind::OverpaidContribution,
    pb::DataQualityKind::PledgeWithReceipts,
];

impl Expected {
    /// The counts of `content`, or `None` when it lists everything it counts (nothing to annex).
    fn of(content: &pb::ReportContent) -> Option<Self> {
        let m = content.multi_year_commitments.clone().unwrap_or_default();
        let v = content.voluntary_contributions.clone().unwrap_or_default();
        let q = content.data_quality.clone().unwrap_or_default();
        let c = content.changes_since_previous.clone().unwrap_or_default();
        let counted = |kinds: &[pb::DataQualityKind]| -> (i64, i64) {
            let of = |kind: i32| kinds.iter().any(|k| *k as i32 == kind);
            let count = q
                .counts
                .iter()
                .filter(|c| of(c.kind))
                .map(|c| i64::from(c.count));
            let listed = q.issues.iter().filter(|i| of(i.kind)).count() as i64;
            (count.sum(), listed)
        };
        let (overdue, overdue_listed) = counted(&[OVERDUE]);
        let (quality, quality_listed) = counted(&QUALITY);
        let changes_listed = c
            .statements
            .iter()
            .filter(|s| crate::report::changes::is_contribution_change(s))
            .count() as i64;
        let complete = m.schedules.len() as i64 >= i64::from(m.schedule_count)
            && v.pledges.len() as i64 >= i64::from(v.pledge_count)
            && overdue_listed >= overdue
            && quality_listed >= quality
            && changes_listed >= i64::from(c.contribution_changes);
        (!complete).then(|| Expected {
            schedules: m.schedule_count.into(),
            total_outstanding: m.total_outstanding.parse().unwrap_or_default(),
            pledges: v.pledge_count.into(),
            overdue,
            changes: c.contribution_changes.into(),
            previous_report: c.previous_report,
            quality,
        })
    }
}

/// [`annex::Annexes`] read from the store a page at a time, on a blocking thread.
struct StoreAnnexes {
    store: Store,
    expected: Expected,
    runtime: tokio::runtime::Handle,
}

/// What an annex does with one page of contribution ids: reads what the page holds and hands it
/// to the annex's reader, answering the store's error or else the reader's answer.
type Page<'a> =
    dyn FnMut(&mut sqlx::PgConnection, &[String]) -> Result<Result<(), RenderError>> + 'a;

impl StoreAnnexes {
    /// Calls `page` with each page of contribution ids, in id order. Either error ends the
    /// pages: the store's as an annex error, the reader's as it is.
    fn pages(&self, page: &mut Page<'_>) -> Result<(), RenderError> {
        let mut after: Option<String> = None;
        loop {
            let mut conn = self
                .runtime
                .block_on(self.store.pool.acquire())
                .map_err(|e| annex_error(e.into()))?;
            let ids = self
                .runtime
                .block_on(data::contribution_page(
                    &mut conn,
                    after.as_deref(),
                    ANNEX_PAGE,
                ))
                .map_err(annex_error)?;
            let Some(last) = ids.last().cloned() else {
                return Ok(());
            };
            page(&mut conn, &ids).map_err(annex_error)??;
            after = Some(last);
        }
    }

    /// One page's schedules and overdue entries.
    fn installments_page(
        &self,
        conn: &mut sqlx::PgConnection,
        ids: &[String],
    ) -> Result<(Vec<pb::Schedule>, Vec<pb::DataQualityIssue>)> {
        let usd = crate::domain::money::Currency::USD;
        let rows = self.runtime.block_on(data::installments_of(
            conn,
            &self.store.window,
            usd.code(),
            usd.minor_units() as i32,
            ids,
        ))?;
        assemble::annex_page(&rows, &self.store.window)
    }
}

impl StoreAnnexes {
    /// The as-of instant and status date of the previous session's final report named
    /// `previous_report`, read from the store.
    fn previous_window(
        &self,
        conn: &mut sqlx::PgConnection,
    ) -> Result<(chrono::DateTime<chrono::Utc>, chrono::NaiveDate)> {
        let name = &self.expected.previous_report;
        let not_found = || Error::Internal(anyhow::anyhow!("the previous report {name} is gone"));
        let (session, revision) = name
            .strip_prefix("sessions/")
            .and_then(|rest| rest.split_once("/reports/"))
            .and_then(|(s, r)| Some((s, r.parse::<i32>().ok()?)))
            .ok_or_else(not_found)?;
        let previous = self
            .runtime
            .block_on(crate::store::reports::get(conn, session, revision, false))?
            .ok_or_else(not_found)?;
        Ok((previous.as_of, previous.status_date()))
    }
}

/// Ends an annex whose count differs from the stored report's.
fn check_count(what: &str, count: i64, stored: i64) -> Result<(), RenderError> {
    if count != stored {
        return Err(annex_error(differs(
            what,
            format!("{count} entries"),
            stored,
        )));
    }
    Ok(())
}

/// The error ending an annex that differs from the stored report.
fn differs(what: &str, found: impl std::fmt::Display, stored: impl std::fmt::Display) -> Error {
    Error::FailedPrecondition {
        reason: "ANNEX_DIFFERS",
        message: format!(
            "the annex of {what} read at the report's as-of instant and status date has \
             {found} where the stored report has {stored}: the export ends here rather than \
             give an annex that is not the report's"
        ),
    }
}

fn annex_error(e: Error) -> RenderError {
    RenderError::Annex(Box::new(e))
}

impl annex::Annexes for StoreAnnexes {
    fn installments(&mut self, each: &mut annex::Both<'_>) -> Result<(), RenderError> {
        let (mut count, mut outstanding, mut overdue) = (0i64, Decimal::ZERO, 0i64);
        self.pages(&mut |conn, ids| {
            let (schedules, mut issues) = self.installments_page(conn, ids)?;
            issues.retain(|i| i.kind == OVERDUE as i32);
            count += schedules.len() as i64;
            overdue += issues.len() as i64;
            for s in &schedules {
                outstanding += s
                    .outstanding_converted
                    .parse::<Decimal>()
                    .unwrap_or_default();
            }
            Ok(each(schedules, issues))
        })?;
        if count != self.expected.schedules {
            return Err(annex_error(differs(
                "schedules",
                format!("{count} schedules"),
                self.expected.schedules,
            )));
        }
        if outstanding != self.expected.total_outstanding {
            return Err(annex_error(differs(
                "schedules",
                format!("{outstanding} outstanding in all"),
                self.expected.total_outstanding,
            )));
        }
        check_count("overdue installments", overdue, self.expected.overdue)
    }

    fn pledges(&mut self, each: &mut annex::Each<'_, pb::PledgeLine>) -> Result<(), RenderError> {
        let mut count = 0i64;
        self.pages(&mut |conn, ids| {
            let rows = self.runtime.block_on(data::pledges_of(
                conn,
                &self.store.window,
                &self.store.session_id,
                ids,
            ))?;
            let lines = assemble::pledge_lines(&rows)?;
            count += lines.len() as i64;
            Ok(each(lines))
        })?;
        if count != self.expected.pledges {
            return Err(annex_error(differs(
                "pledges",
                format!("{count} pledges"),
                self.expected.pledges,
            )));
        }
        Ok(())
    }

    fn changes(&mut self, each: &mut annex::Each<'_, pb::ReportChange>) -> Result<(), RenderError> {
        if self.expected.previous_report.is_empty() {
            return check_count("changes to contributions", 0, self.expected.changes);
        }
        let mut previous = None;
        let mut count = 0i64;
        self.pages(&mut |conn, ids| {
            let (as_of, status_date) = match previous {
                Some(window) => window,
                None => *previous.insert(self.previous_window(conn)?),
            };
            let w = &self.store.window;
            let old =
                self.runtime
                    .block_on(data::schedule_rows_of(conn, as_of, status_date, ids))?;
            let new =
                self.runtime
                    .block_on(data::schedule_rows_of(conn, w.as_of, w.status_date, ids))?;
            let changes = crate::report::changes::annex_page(&old, &new);
            count += changes.len() as i64;
            Ok(each(changes))
        })?;
        check_count("changes to contributions", count, self.expected.changes)
    }

    fn quality(
        &mut self,
        each: &mut annex::Each<'_, pb::DataQualityIssue>,
    ) -> Result<(), RenderError> {
        let mut count = 0i64;
        self.pages(&mut |conn, ids| {
            let doubts = self
                .runtime
                .block_on(data::doubts_of(conn, &self.store.window, ids))?;
            let issues = assemble::doubt_issues(&doubts)?;
            count += issues.len() as i64;
            Ok(each(issues))
        })?;
        check_count(
            "overpaid contributions and pledges with receipts",
            count,
            self.expected.quality,
        )
    }
}

/// Largest piece of an exported file in one streamed message.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// Room for a chunk's part name, content type and framing beside its bytes.
const CHUNK_OVERHEAD: usize = 1024;

/// The size of the pieces of an export for a server whose messages carry at most
/// `message_limit` bytes: [`CHUNK_BYTES`], or less when the limit is lower.
pub fn chunk_bytes(message_limit: usize) -> usize {
    CHUNK_BYTES
        .min(message_limit.saturating_sub(CHUNK_OVERHEAD))
        .max(1)
}

/// Chunks made but not yet taken by the client, per export.
const QUEUED_CHUNKS: usize = 2;

/// Exports holding a report in memory at once, in the whole process. An export holds its
/// report's content (the rendered formats parse it as well) until it ends, and a client that
/// does not read keeps it until the request timeout; further exports wait for a turn, within
/// their deadline, so that a few such clients cannot take the server past its memory limit.
pub const EXPORTS_AT_ONCE: usize = 4;

static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

/// A turn to export (see [`EXPORTS_AT_ONCE`]).
pub type Turn = tokio::sync::SemaphorePermit<'static>;

/// Waits for a turn to export; take it before loading the report's content, and hand it to
/// [`stream`].
pub async fn turn() -> Turn {
    TURNS
        .acquire()
        .await
        .expect("the export turns are never closed")
}

/// One message of the stream, or why the export stopped.
pub type Item = Result<pb::ExportReportChunk>;

/// One export: what is read of the report, and how to write it.
pub struct Export {
    /// The report read without its content.
    pub report: pb::Report,
    /// Its content's stored canonical JSON.
    pub content: String,
    pub format: Format,
    pub language: Language,
    /// The largest piece of a chunk (see [`chunk_bytes`]).
    pub chunk_bytes: usize,
    /// Where its annexes are read; `None` exports the stored content only.
    pub annexes: Option<Store>,
}

/// The export's chunks, made on a blocking thread as the client reads them. `turn` (see
/// [`EXPORTS_AT_ONCE`]) is held until the renderer has stopped: to the end of the export, or
/// until it finds the client gone.
pub fn stream(export: Export, turn: Option<Turn>) -> impl Stream<Item = Item> + Send + 'static {
    let (tx, rx) = mpsc::channel(QUEUED_CHUNKS);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let mut sink = ChunkSink::new(tx.clone(), export.chunk_bytes);
        let outcome = write(export, &mut sink, runtime);
        if let Err(e) = outcome
            && !sink.gone
        {
            let _ = tx.blocking_send(Err(e));
        }
        drop(sink);
        give_back_memory();
    });
    ReceiverStream::new(rx)
}

/// Hands the memory an export freed back to the system. glibc keeps freed memory in its arenas
/// (one per thread that allocated, up to eight per core), where the next export reuses it but
/// the system never sees it again: an export's pages would stay in the server's RSS. Trimming
/// takes a few milliseconds, once per export.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Writes the whole export into `sink`.
fn write(export: Export, sink: &mut ChunkSink, runtime: tokio::runtime::Handle) -> Result<()> {
    let Export {
        report,
        content,
        format,
        language,
        annexes,
        ..
    } = export;
    let name = report.name.clone();
    let failed = |e: RenderError| match e {
        RenderError::Annex(e) => *e,
        e => Error::Internal(anyhow::anyhow!("exporting {name} failed: {e}")),
    };
    let parsed = match (&annexes, format) {
        (None, Format::Json) => None,
        _ => Some(super::parse_content(&report.name, &content)?),
    };
    let mut annexes = match (annexes, parsed.as_ref().and_then(Expected::of)) {
        (Some(store), Some(expected)) => Some(StoreAnnexes {
            store,
            expected,
            runtime,
        }),
        _ => None,
    };
    if format == Format::Json {
        drop(parsed);
        json_into(&report, content, sink).map_err(|e| failed(e.into()))?;
        if let Some(annexes) = annexes.as_mut() {
            json_annexes(annexes, sink).map_err(failed)?;
        }
        return sink.flush().map_err(|e| failed(e.into()));
    }
    drop(content);
    let report = pb::Report {
        content: parsed,
        ..report
    };
    match annexes.as_mut() {
        Some(annexes) => render::render_annexed(&report, format, language, sink, annexes),
        None => render::render_into(&report, format, language, sink),
    }
    .map_err(failed)
}

/// The report as canonical JSON, `report` (read without its content) with `content` (its
/// content's stored canonical JSON) in place: the same bytes as encoding the whole report, made
/// without parsing the content.
fn json_into(report: &pb::Report, content: String, sink: &mut dyn Sink) -> io::Result<()> {
    let before = pb::Report {
        name: report.name.clone(),
        revision: report.revision,
        state: report.state,
        as_of: report.as_of,
        content_sha256: report.content_sha256.clone(),
        ..Default::default()
    };
    let after = pb::Report {
        content: None,
        name: String::new(),
        revision: 0,
        state: 0,
        as_of: None,
        content_sha256: String::new(),
        ..report.clone()
    };
    let (head, tail) = json_around_content(&before, &after);
    sink.begin("report.json", "application/json")?;
    sink.write_all(head.as_bytes())?;
    sink.write_all(content.as_bytes())?;
    sink.write_all(tail.as_bytes())
}

/// The content type of the JSON annexes: one canonical JSON object per line.
const JSON_LINES: &str = "application/x-ndjson";

/// The JSON annexes, one part per list, one canonical JSON message per line:
/// `annex_schedules.jsonl` (`scpf.v1.Schedule`, installments included),
/// `annex_pledges.jsonl` (`scpf.v1.PledgeLine`), `annex_changes.jsonl` (`scpf.v1.ReportChange`,
/// every change to a contribution), `annex_overdue_installments.jsonl` and
/// `annex_data_quality.jsonl` (`scpf.v1.DataQualityIssue`: overpaid contributions and pledges
/// with receipts).
fn json_annexes(annexes: &mut StoreAnnexes, sink: &mut dyn Sink) -> Result<(), RenderError> {
    use annex::Annexes as _;
    fn lines<T: prost::Message + prost::Name>(
        sink: &mut dyn Write,
        items: Vec<T>,
    ) -> Result<(), RenderError> {
        for item in items {
            let mut line = pb::json::to_string(&item);
            line.push('\n');
            sink.write_all(line.as_bytes())?;
        }
        Ok(())
    }
    // One pass over the installments: the overdue entries wait in a temporary file for their
    // part.
    sink.begin("annex_schedules.jsonl", JSON_LINES)?;
    let mut overdue = annex::Spool::default();
    annexes.installments(&mut |schedules, issues| {
        lines(sink, schedules)?;
        let mut spooled = Vec::new();
        lines(&mut spooled, issues)?;
        Ok(overdue.write(&spooled)?)
    })?;
    sink.begin("annex_pledges.jsonl", JSON_LINES)?;
    annexes.pledges(&mut |page| lines(sink, page))?;
    sink.begin("annex_changes.jsonl", JSON_LINES)?;
    annexes.changes(&mut |page| lines(sink, page))?;
    sink.begin("annex_overdue_installments.jsonl", JSON_LINES)?;
    overdue.copy_into(&mut |bytes| Ok(sink.write_all(bytes)?))?;
    sink.begin("annex_data_quality.jsonl", JSON_LINES)?;
    annexes.quality(&mut |page| lines(sink, page))?;
    Ok(())
}

/// The JSON text before and after the content's: `before` holds the fields declared before
/// `content`, `after` those declared after it (canonical JSON writes fields in declaration order).
fn json_around_content(before: &pb::Report, after: &pb::Report) -> (String, String) {
    let mut head = pb::json::to_string(before);
    head.pop(); // the closing brace
    if head.len() > 1 {
        head.push(',');
    }
    head.push_str("\"content\":");
    let after = pb::json::to_string(after);
    let tail = match after.strip_prefix('{') {
        Some("}") | None => "}".to_owned(),
        Some(rest) => format!(",{rest}"),
    };
    (head, tail)
}

/// A [`Sink`] that cuts the rendering into chunks and hands each to the stream, waiting while
/// the stream holds [`QUEUED_CHUNKS`] of them. Runs on a blocking thread.
struct ChunkSink {
    tx: mpsc::Sender<Item>,
    chunk_bytes: usize,
    part: String,
    content_type: &'static str,
    buffer: Vec<u8>,
    /// Whether the current part has been announced by a chunk yet.
    announced: bool,
    /// The client went away: stop rendering.
    gone: bool,
}

impl ChunkSink {
    fn new(tx: mpsc::Sender<Item>, chunk_bytes: usize) -> Self {
        let chunk_bytes = chunk_bytes.max(1);
        Self {
            tx,
            chunk_bytes,
            part: String::new(),
            content_type: "",
            buffer: Vec::with_capacity(chunk_bytes),
            announced: true,
            gone: false,
        }
    }

    fn send(&mut self, data: Vec<u8>) -> io::Result<()> {
        let len = data.len() as u64;
        let chunk = pb::ExportReportChunk {
            part: self.part.clone(),
            content_type: self.content_type.to_owned(),
            data,
        };
        if self.tx.blocking_send(Ok(chunk)).is_err() {
            self.gone = true;
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the client stopped reading the export",
            ));
        }
        metrics::counter!(EXPORT_BYTES).increment(len);
        self.announced = true;
        Ok(())
    }

    /// Sends what the current part holds; an empty part still sends one empty chunk, so the
    /// reader learns it exists.
    fn send_rest(&mut self) -> io::Result<()> {
        if !self.buffer.is_empty() || !self.announced {
            let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk_bytes));
            self.send(data)?;
        }
        Ok(())
    }
}

impl io::Write for ChunkSink {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            let room = self.chunk_bytes - self.buffer.len();
            let (now, later) = buf.split_at(room.min(buf.len()));
            self.buffer.extend_from_slice(now);
            buf = later;
            if self.buffer.len() == self.chunk_bytes {
                let data =
                    std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk_bytes));
                self.send(data)?;
            }
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send_rest()
    }
}

impl Sink for ChunkSink {
    fn begin(&mut self, name: &str, content_type: &'static str) -> io::Result<()> {
        self.send_rest()?;
        name.clone_into(&mut self.part);
        self.content_type = content_type;
        self.announced = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
        time::Duration,
    };

    use tokio_stream::StreamExt;

    use super::*;
    use crate::report::render::{Part, fixture};

    /// Gathers a stream's chunks into parts, checking each chunk's size.
    async fn gather(stream: impl Stream<Item = Item>) -> Vec<Part> {
        tokio::pin!(stream);
        let mut parts: Vec<Part> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.expect("no error");
            assert!(chunk.data.len() <= CHUNK_BYTES);
            match parts.last_mut() {
                Some(last) if last.name == chunk.part => last.data.extend(chunk.data),
                _ => parts.push(Part {
                    name: chunk.part,
                    content_type: if chunk.content_type.starts_with("text/csv") {
                        "text/csv; charset=utf-8"
                    } else {
                        "other"
                    },
                    data: chunk.data,
                }),
            }
        }
        parts
    }

    /// The export of a report's stored content only, without annexes.
    fn json(meta: &pb::Report, content: String, chunk_bytes: usize) -> impl Stream<Item = Item> {
        plain(meta.clone(), content, Format::Json, chunk_bytes)
    }

    fn plain(
        report: pb::Report,
        content: String,
        format: Format,
        chunk_bytes: usize,
    ) -> impl Stream<Item = Item> {
        stream(
            Export {
                report,
                content,
                format,
                language: Language::English,
                chunk_bytes,
                annexes: None,
            },
            None,
        )
    }

    fn without_content(report: &pb::Report) -> (pb::Report, String) {
        let content = pb::json::to_string(report.content.as_ref().expect("content"));
        (
            pb::Report {
                content: None,
                ..report.clone()
            },
            content,
        )
    }

    #[test]
    fn chunks_leave_room_under_a_low_message_limit() {
        assert_eq!(chunk_bytes(4 * 1024 * 1024), CHUNK_BYTES);
        assert_eq!(chunk_bytes(4096), 3072);
        assert_eq!(chunk_bytes(10), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_json_export_is_the_reports_canonical_json() {
        let report = fixture::report();
        let (meta, content) = without_content(&report);
        let parts = gather(json(&meta, content, CHUNK_BYTES)).await;
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "report.json");
        assert_eq!(
            String::from_utf8(parts[0].data.clone()).unwrap(),
            pb::json::to_string(&report)
        );
        // With only some of the fields around the content.
        let bare = pb::Report {
            content: Some(pb::ReportContent::default()),
            ..Default::default()
        };
        let (meta, content) = without_content(&bare);
        let parts = gather(json(&meta, content, 7)).await;
        assert_eq!(
            String::from_utf8(parts[0].data.clone()).unwrap(),
            pb::json::to_string(&bare)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_rendering_equals_the_rendering_in_memory() {
        let report = fixture::report();
        for format in [Format::Csv, Format::Markdown, Format::Html] {
            let (meta, content) = without_content(&report);
            let streamed = gather(plain(meta, content, format, 1000)).await;
            let in_memory = render::render(&report, format, Language::English).unwrap();
            assert_eq!(streamed.len(), in_memory.len(), "{format:?}");
            for (s, m) in streamed.iter().zip(&in_memory) {
                assert_eq!((&s.name, &s.data), (&m.name, &m.data), "{format:?}");
            }
        }
    }

    /// A sink over a channel the test reads, counting the bytes handed over.
    fn counted(capacity: usize) -> (ChunkSink, mpsc::Receiver<Item>, Arc<AtomicUsize>) {
        let (tx, rx) = mpsc::channel(capacity);
        let produced = Arc::new(AtomicUsize::new(0));
        (ChunkSink::new(tx, CHUNK_BYTES), rx, produced)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_rendering_waits_for_a_reader_and_stops_when_it_leaves() {
        let (mut sink, mut rx, produced) = counted(QUEUED_CHUNKS);
        let counter = produced.clone();
        let writer = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            sink.begin("big.csv", "text/csv; charset=utf-8")?;
            let line = [b'x'; 1000];
            // 10 MB, far more than the channel holds.
            for _ in 0..10_000 {
                sink.write_all(&line)?;
                counter.fetch_add(line.len(), Ordering::SeqCst);
            }
            sink.flush()
        });
        let first = rx.recv().await.unwrap().unwrap();
        assert_eq!(first.part, "big.csv");
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Written so far: the chunk taken, the queued ones, and the one being filled.
        let bound = (QUEUED_CHUNKS + 2) * CHUNK_BYTES;
        assert!(
            produced.load(Ordering::SeqCst) <= bound,
            "{} bytes made while the reader waited (at most {bound})",
            produced.load(Ordering::SeqCst)
        );
        drop(rx);
        let err = writer.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        assert!(produced.load(Ordering::SeqCst) < 10_000_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn empty_parts_are_announced_and_chunks_cut_at_the_limit() {
        let (mut sink, mut rx, _) = counted(16);
        tokio::task::spawn_blocking(move || {
            use std::io::Write;
            sink.begin("empty.csv", "text/csv")?;
            sink.begin("full.csv", "text/csv")?;
            sink.write_all(&vec![b'y'; CHUNK_BYTES * 2 + 5])?;
            sink.flush()
        })
        .await
        .unwrap()
        .unwrap();
        let mut got = Vec::new();
        while let Some(chunk) = rx.recv().await {
            let chunk = chunk.unwrap();
            got.push((chunk.part, chunk.data.len()));
        }
        assert_eq!(
            got,
            [
                ("empty.csv".to_owned(), 0),
                ("full.csv".to_owned(), CHUNK_BYTES),
                ("full.csv".to_owned(), CHUNK_BYTES),
                ("full.csv".to_owned(), 5),
            ]
        );
    }
}
