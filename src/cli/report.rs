//! `scpf-reports report`: the scheduled job. Generates a session's report through the server,
//! optionally finalizes it, and writes its exports to files.
//!
//! Safe to run twice: request ids derive from the session, the as-of instant and the status date,
//! so a rerun replays the first run's calls instead of writing new revisions.

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use tokio_stream::StreamExt;
use uuid::Uuid;

use super::client::{self, ClientArgs, Connection, explain};
use crate::{
    api::convert,
    pb::{
        self, report_service_client::ReportServiceClient,
        session_service_client::SessionServiceClient,
    },
    report::render::Language,
};

/// Namespace of the request ids the job derives (a fixed, random UUID).
const REQUEST_NAMESPACE: Uuid = Uuid::from_u128(0x5c7f_0e2a_9b1d_4c6e_8a3f_2d4b_6e8f_0a1c);

/// Export formats the job can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Html,
    Csv,
    Json,
    Markdown,
}

impl ExportFormat {
    fn proto(self) -> pb::ExportFormat {
        match self {
            ExportFormat::Html => pb::ExportFormat::Html,
            ExportFormat::Csv => pb::ExportFormat::Csv,
            ExportFormat::Json => pb::ExportFormat::Json,
            ExportFormat::Markdown => pb::ExportFormat::Markdown,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub client: ClientArgs,

    /// The session: `36`, `council-116`, `sessions/36`, or `next` for the next SCPF session
    /// starting today or later.
    #[arg(long, env = "SCPF_REPORT_SESSION")]
    pub session: String,

    /// The instant whose data to show (RFC 3339). Defaults to today 00:00 UTC, so that the
    /// day's runs and reruns produce the same report.
    #[arg(long)]
    pub as_of: Option<DateTime<Utc>>,

    /// The date to state the financial position at (YYYY-MM-DD). Defaults to the session's
    /// status date, which is the end of its reporting period unless the session names another.
    #[arg(long, env = "SCPF_REPORT_STATUS_DATE")]
    pub status_date: Option<NaiveDate>,

    /// Formats to write, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "html,csv,json"
    )]
    pub format: Vec<ExportFormat>,

    /// The language of the HTML and Markdown files: `en`, `fr` or `es` (BCP 47). Files in
    /// French or Spanish go to a directory of their own, `<out>/<session>/r<revision>/<lang>/`;
    /// CSV and JSON are the same in every language.
    #[arg(long, env = "SCPF_REPORT_LANGUAGE", default_value = "en", value_parser = parse_language)]
    pub language: Language,

    /// Directory to write into; files go to `<out>/<session>/r<revision>/`.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,

    /// Make the generated report the session's final report.
    #[arg(long)]
    pub finalize: bool,
}

pub async fn run(args: ReportArgs) -> anyhow::Result<()> {
    let conn = client::connect(&args.client).await?;
    let session = resolve_session(&conn, &args.session).await?;
    let as_of = args.as_of.unwrap_or_else(|| {
        Utc::now()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
    });
    let mut reports = ReportServiceClient::new(conn.clone());

    let status_date = args.status_date.map(convert::date).unwrap_or_default();
    let generate_id = request_id(&format!(
        "generate|{session}|{}|{status_date}",
        as_of.to_rfc3339()
    ));
    let mut report = reports
        .generate_report(pb::GenerateReportRequest {
            parent: session.clone(),
            as_of: Some(convert::timestamp(as_of)),
            request_id: generate_id.clone(),
            status_date,
            view: pb::ReportView::Basic.into(),
        })
        .await
        .map_err(|s| anyhow::anyhow!("generating the report of {session}: {}", explain(&s)))?
        .into_inner();
    eprintln!(
        "generated {}: status as at {}, figures as known at {} (sha256 {})",
        report.name,
        report.status_date,
        as_of.to_rfc3339(),
        report.content_sha256
    );

    if args.finalize {
        report = reports
            .finalize_report(pb::FinalizeReportRequest {
                name: report.name.clone(),
                etag: report.etag.clone(),
                request_id: request_id(&format!("finalize|{}", report.name)),
            })
            .await
            .map_err(|s| anyhow::anyhow!("finalizing {}: {}", report.name, explain(&s)))?
            .into_inner();
        eprintln!("finalized {}", report.name);
    }

    let dir = args
        .out
        .join(session.trim_start_matches("sessions/"))
        .join(format!("r{}", report.revision));
    let dir = match args.language {
        Language::English => dir,
        other => dir.join(other.tag()),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    for format in &args.format {
        let parts = export(&mut reports, &report.name, *format, args.language).await?;
        for (part, data) in parts {
            let path = write_atomically(&dir, &part, &data)?;
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// A language reports are written in, from its BCP 47 tag.
fn parse_language(tag: &str) -> Result<Language, String> {
    Language::parse(tag).ok_or_else(|| format!("{tag:?} is not en, fr or es"))
}

/// The session's resource name, resolving `next`.
async fn resolve_session(conn: &Connection, session: &str) -> anyhow::Result<String> {
    if session != "next" {
        return Ok(if session.starts_with("sessions/") {
            session.to_owned()
        } else {
            format!("sessions/{session}")
        });
    }
    let today = Utc::now().date_naive();
    let mut sessions = SessionServiceClient::new(conn.clone());
    let found = sessions
        .list_sessions(pb::ListSessionsRequest {
            page_size: 1,
            filter: format!("body = SCPF AND start_date >= \"{today}\""),
            ..Default::default()
        })
        .await
        .map_err(|s| anyhow::anyhow!("finding the next session: {}", explain(&s)))?
        .into_inner();
    match found.sessions.into_iter().next() {
        Some(s) => Ok(s.name),
        None => {
            bail!("no SCPF session starts on or after {today}; record it first or name a session")
        }
    }
}

fn request_id(key: &str) -> String {
    Uuid::new_v5(&REQUEST_NAMESPACE, key.as_bytes()).to_string()
}

/// Streams one export and gathers its parts.
async fn export(
    reports: &mut ReportServiceClient<Connection>,
    name: &str,
    format: ExportFormat,
    language: Language,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut stream = reports
        .export_report(pb::ExportReportRequest {
            name: name.to_owned(),
            format: format.proto().into(),
            language: language.tag().to_owned(),
        })
        .await
        .map_err(|s| anyhow::anyhow!("exporting {name} as {format:?}: {}", explain(&s)))?
        .into_inner();
    let mut parts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|s| anyhow::anyhow!("exporting {name}: {}", explain(&s)))?;
        // Part names come from the server: keep only a plain file name.
        let file = Path::new(&chunk.part)
            .file_name()
            .and_then(|f| f.to_str())
            .filter(|f| !f.starts_with('.'))
            .with_context(|| format!("the server sent an unusable part name {:?}", chunk.part))?
            .to_owned();
        parts
            .entry(file)
            .or_default()
            .extend_from_slice(&chunk.data);
    }
    if parts.is_empty() {
        bail!("the export of {name} as {format:?} was empty");
    }
    Ok(parts)
}

/// Writes a file next to its final place and renames it over, so that a reader never sees half
/// a file and a failed run leaves the previous file intact.
fn write_atomically(dir: &Path, file: &str, data: &[u8]) -> anyhow::Result<PathBuf> {
    let path = dir.join(file);
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    tmp.write_all(data)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(&path)
        .with_context(|| format!("moving into {}", path.display()))?;
    Ok(path)
}
