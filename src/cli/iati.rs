//! `scpf-reports iati import FILE...`, `iati export --out FILE`, `iati reconcile DONOR_FILE`:
//! IATI 2.03 documents through a running server, streamed so that a file of hundreds of
//! megabytes is never held in memory.
//!
//! An import is sent as several calls, each a document of whole activities (the file's own
//! start tag, about a megabyte of activities, an end tag), so that no call outlives the server's
//! time limit; each chunk says where it starts in the file, so problems are reported with the
//! file's own line and column.

use std::{
    collections::BTreeMap,
    fs::File,
    io::{BufRead, BufReader, Read, Write as _},
    path::{Path, PathBuf},
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures::StreamExt;
use quick_xml::events::Event;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::client::{self, ClientArgs};
use crate::{
    iati::IOM_REF,
    pb::{self, iati_service_client::IatiServiceClient},
};

/// Bytes of activities sent in one call: small enough that one call's activities are written
/// well within the server's request timeout on a loaded machine.
const CALL_BYTES: usize = 256 * 1024;
/// Bytes of one message.
const MESSAGE_BYTES: usize = 64 * 1024;

#[derive(Debug, clap::Args)]
pub struct IatiArgs {
    #[command(subcommand)]
    pub what: IatiCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum IatiCommand {
    /// Import IATI 2.03 activity files (see README, "IATI").
    Import(ImportArgs),
    /// Export programmes with their funding and results as an IATI 2.03 activity file.
    Export(ExportArgs),
    /// Compare a donor's IATI publication with the contributions and receipts recorded.
    Reconcile(ReconcileArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// IATI activity files (`iati-activities` or a single `iati-activity`).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// File to write (replaced atomically when the export is complete).
    #[arg(long)]
    pub out: PathBuf,
    /// Programme to export (`o-remit` or `programmes/o-remit`); repeat for several; every
    /// programme when absent.
    #[arg(long = "programme")]
    pub programmes: Vec<String>,
    /// Export the data as it was at this instant (RFC 3339); now when absent.
    #[arg(long)]
    pub as_of: Option<DateTime<Utc>>,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Output format of a reconciliation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// The donor's IATI activity file.
    pub donor_file: PathBuf,
    /// `csv` or `markdown`.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: Format,
    /// File to write; standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// IATI identifier of the receiving organisation.
    #[arg(long, default_value = IOM_REF)]
    pub receiver_ref: String,
    /// Compare with the data as it was at this instant (RFC 3339); now when absent.
    #[arg(long)]
    pub as_of: Option<DateTime<Utc>>,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub async fn run(args: IatiArgs) -> anyhow::Result<()> {
    match args.what {
        IatiCommand::Import(a) => import(a).await,
        IatiCommand::Export(a) => export(a).await,
        IatiCommand::Reconcile(a) => reconcile(a).await,
    }
}

fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    crate::api::convert::timestamp(t)
}

/// A buffered file reader that keeps what it hands out (the current segment) and counts lines
/// and columns, so that the file can be cut between activities.
struct Tee<R> {
    inner: R,
    segment: Vec<u8>,
    line: u64,
    column: u64,
}

impl<R: BufRead> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tee<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(bytes) = self.inner.fill_buf() {
            let bytes = &bytes[..amt.min(bytes.len())];
            for &b in bytes {
                if b == b'\n' {
                    self.line += 1;
                    self.column = 1;
                } else if b & 0xC0 != 0x80 {
                    self.column += 1;
                }
            }
            self.segment.extend_from_slice(bytes);
        }
        self.inner.consume(amt);
    }
}

impl<R> Tee<R> {
    fn take_segment(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.segment)
    }
}

/// Messages of one call.
type Call = mpsc::Receiver<pb::ImportIatiRequest>;

fn messages(bytes: &[u8], line: i64, column: i64) -> Vec<pb::ImportIatiRequest> {
    bytes
        .chunks(MESSAGE_BYTES)
        .enumerate()
        .map(|(i, c)| pb::ImportIatiRequest {
            chunk: c.to_vec(),
            line: if i == 0 { line } else { 0 },
            column: if i == 0 { column } else { 0 },
        })
        .collect()
}

/// Cuts a file into calls of whole activities, each sent as it is ready (runs on a blocking
/// thread; `calls` gets one receiver per call).
fn split(path: &Path, calls: mpsc::Sender<Call>) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let tee = Tee {
        inner: BufReader::with_capacity(MESSAGE_BYTES, file),
        segment: Vec::new(),
        line: 1,
        column: 1,
    };
    let mut reader = quick_xml::Reader::from_reader(tee);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut header: Option<Vec<u8>> = None;
    let mut pending: Vec<pb::ImportIatiRequest> = Vec::new();
    let mut pending_bytes = 0;
    let mut segment_at = (1, 1);
    let mut depth = 0usize;
    let mut sent = false;
    let send = |call: Vec<pb::ImportIatiRequest>| -> anyhow::Result<()> {
        let (tx, rx) = mpsc::channel(call.len().max(1));
        for m in call {
            tx.try_send(m)
                .map_err(|_| anyhow::anyhow!("a call's channel is full"))?;
        }
        calls
            .blocking_send(rx)
            .map_err(|_| anyhow::anyhow!("the import stopped"))
    };
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                depth += 1;
                if depth == 1 {
                    if e.name().as_ref() != "iati-activities" {
                        break;
                    }
                    let tee = reader.get_mut();
                    header = Some(tee.take_segment());
                    segment_at = (tee.line as i64, tee.column as i64);
                }
            }
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                if e.name().as_ref() == "iati-activity" && header.is_some() {
                    // Cut after every activity, whatever the depth, so that a broken one
                    // does not stop the cutting.
                    depth = 1;
                    let tee = reader.get_mut();
                    let bytes = tee.take_segment();
                    pending_bytes += bytes.len();
                    pending.extend(messages(&bytes, segment_at.0, segment_at.1));
                    segment_at = (tee.line as i64, tee.column as i64);
                    if pending_bytes >= CALL_BYTES {
                        let head = header.as_deref().unwrap_or_default();
                        let mut call = messages(head, 1, 1);
                        call.append(&mut pending);
                        call.extend(messages(b"\n</iati-activities>\n", 0, 0));
                        send(call)?;
                        sent = true;
                        pending_bytes = 0;
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    // The rest of the file, as it is, ends the last call.
    let mut tee = reader.into_inner();
    let mut rest = tee.take_segment();
    let mut more = vec![0u8; MESSAGE_BYTES];
    let n = tee
        .inner
        .read(&mut more)
        .with_context(|| format!("reading {}", path.display()))?;
    rest.extend_from_slice(&more[..n]);
    let at_end = n == 0;
    if at_end && pending.is_empty() && sent && rest.trim_ascii() == b"</iati-activities>" {
        // Every activity went in earlier calls; only the root's end tag is left.
        return Ok(());
    }
    let (tx, rx) = mpsc::channel(16);
    calls
        .blocking_send(rx)
        .map_err(|_| anyhow::anyhow!("the import stopped"))?;
    let mut first_messages = Vec::new();
    if let Some(head) = &header {
        first_messages.extend(messages(head, 1, 1));
        first_messages.append(&mut pending);
    }
    let rest_at = if header.is_some() { segment_at } else { (1, 1) };
    first_messages.extend(messages(&rest, rest_at.0, rest_at.1));
    for m in first_messages {
        if tx.blocking_send(m).is_err() {
            return Ok(());
        }
    }
    if at_end {
        return Ok(());
    }
    loop {
        let n = tee
            .inner
            .read(&mut more)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            return Ok(());
        }
        for m in messages(&more[..n], 0, 0) {
            if tx.blocking_send(m).is_err() {
                return Ok(());
            }
        }
    }
}

/// What all the calls of an import said.
#[derive(Default)]
struct Totals {
    written: i64,
    unchanged: i64,
    stale: i64,
    failed: i64,
    unused: BTreeMap<String, i64>,
}

async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let mut client = IatiServiceClient::new(client::connect(&args.client).await?);
    let total: u64 = args
        .files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = super::import::progress_bar_bytes(total);
    let mut totals = Totals::default();
    for path in &args.files {
        let (calls_tx, mut calls) = mpsc::channel::<Call>(2);
        let file = path.clone();
        let splitter = tokio::task::spawn_blocking(move || split(&file, calls_tx));
        while let Some(call) = calls.recv().await {
            let counted = bar.clone();
            let stream =
                ReceiverStream::new(call).inspect(move |m| counted.inc(m.chunk.len() as u64));
            match client.import_iati(stream).await {
                Ok(response) => report(path, response.into_inner(), &mut totals),
                Err(status) => {
                    totals.failed += 1;
                    bar.suspend(|| println!("{}: {}", path.display(), client::explain(&status)));
                }
            }
        }
        splitter.await.context("the file reader stopped")??;
    }
    bar.finish_and_clear();
    if !totals.unused.is_empty() {
        let unused: Vec<String> = totals
            .unused
            .iter()
            .map(|(k, v)| format!("{k} ({v})"))
            .collect();
        println!("not used: {}", unused.join(", "));
    }
    println!(
        "{} activities: {} written, {} unchanged, {} stale, {} failed",
        totals.written + totals.unchanged + totals.stale + totals.failed,
        totals.written,
        totals.unchanged,
        totals.stale,
        totals.failed
    );
    if totals.failed > 0 {
        anyhow::bail!("{} activities or documents failed", totals.failed);
    }
    Ok(())
}

fn report(path: &Path, r: pb::ImportIatiResponse, totals: &mut Totals) {
    for p in &r.document_problems {
        println!(
            "{}:{}:{}: {}: {}: {}",
            path.display(),
            p.line,
            p.column,
            p.element,
            p.reason,
            p.message
        );
        totals.failed += 1;
    }
    for a in &r.activities {
        if let Some(p) = &a.problem {
            println!(
                "{}:{}:{}: {}: {}: {} (activity {:?} at line {})",
                path.display(),
                p.line,
                p.column,
                p.element,
                p.reason,
                p.message,
                a.iati_identifier,
                a.line
            );
        }
    }
    totals.written += r.written;
    totals.unchanged += r.unchanged;
    totals.stale += r.stale;
    totals.failed += r.failed;
    for (k, v) in r.unused {
        *totals.unused.entry(k).or_default() += v;
    }
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let mut client = IatiServiceClient::new(client::connect(&args.client).await?);
    let programmes = args
        .programmes
        .iter()
        .map(|p| {
            if p.contains('/') {
                p.clone()
            } else {
                format!("programmes/{p}")
            }
        })
        .collect();
    let mut stream = client
        .export_iati(pb::ExportIatiRequest {
            programmes,
            as_of: args.as_of.map(timestamp),
        })
        .await
        .map_err(|s| anyhow::anyhow!(client::explain(&s)))?
        .into_inner();
    let part = args.out.with_extension("part");
    let mut file = std::io::BufWriter::new(
        File::create(&part).with_context(|| format!("creating {}", part.display()))?,
    );
    let mut written = 0usize;
    while let Some(chunk) = stream
        .message()
        .await
        .map_err(|s| anyhow::anyhow!(client::explain(&s)))?
    {
        file.write_all(&chunk.chunk)?;
        written += chunk.chunk.len();
    }
    file.flush()?;
    drop(file);
    std::fs::rename(&part, &args.out).with_context(|| format!("writing {}", args.out.display()))?;
    println!("{} ({written} bytes)", args.out.display());
    Ok(())
}

async fn reconcile(args: ReconcileArgs) -> anyhow::Result<()> {
    let mut client = IatiServiceClient::new(client::connect(&args.client).await?);
    let file = File::open(&args.donor_file)
        .with_context(|| format!("opening {}", args.donor_file.display()))?;
    let (tx, rx) = mpsc::channel(4);
    let receiver_ref = args.receiver_ref.clone();
    let as_of = args.as_of.map(timestamp);
    let path = args.donor_file.clone();
    let reader = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut file = BufReader::new(file);
        let mut first = true;
        loop {
            let mut chunk = vec![0u8; MESSAGE_BYTES];
            let n = file
                .read(&mut chunk)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 && !first {
                return Ok(());
            }
            chunk.truncate(n);
            let message = pb::ReconcileRequest {
                chunk,
                receiver_ref: if first {
                    receiver_ref.clone()
                } else {
                    String::new()
                },
                as_of: if first { as_of } else { None },
            };
            first = false;
            if tx.blocking_send(message).is_err() || n == 0 {
                return Ok(());
            }
        }
    });
    let response = client
        .reconcile(ReceiverStream::new(rx))
        .await
        .map_err(|s| anyhow::anyhow!(client::explain(&s)))?
        .into_inner();
    reader.await.context("the file reader stopped")??;
    for p in &response.problems {
        eprintln!(
            "{}:{}:{}: {}: {}: {}",
            args.donor_file.display(),
            p.line,
            p.column,
            p.element,
            p.reason,
            p.message
        );
    }
    let text = match args.format {
        Format::Csv => csv(&response.lines)?,
        Format::Markdown => markdown(&response.lines),
    };
    match &args.out {
        Some(out) => {
            std::fs::write(out, text).with_context(|| format!("writing {}", out.display()))?
        }
        None => print!("{text}"),
    }
    Ok(())
}

const COLUMNS: [&str; 13] = [
    "donor",
    "contribution",
    "year",
    "currency_code",
    "donor_committed",
    "recorded_due",
    "committed_difference",
    "donor_disbursed",
    "recorded_received",
    "received_difference",
    "match",
    "donor_activities",
    "note",
];

fn row(l: &pb::ReconciliationLine) -> [String; 13] {
    let side = pb::ReconciliationMatch::try_from(l.r#match)
        .map(|m| {
            m.as_str_name()
                .trim_start_matches("RECONCILIATION_MATCH_")
                .to_owned()
        })
        .unwrap_or_default();
    [
        l.donor.clone(),
        l.contribution.clone(),
        l.year.to_string(),
        l.currency_code.clone(),
        l.donor_committed.clone(),
        l.recorded_due.clone(),
        l.committed_difference.clone(),
        l.donor_disbursed.clone(),
        l.recorded_received.clone(),
        l.received_difference.clone(),
        side,
        l.donor_activities.join(" "),
        l.note.clone(),
    ]
}

/// The lines as CSV: exact decimal strings, one header row.
pub fn csv(lines: &[pb::ReconciliationLine]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for l in lines {
        w.write_record(row(l))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The lines as a Markdown table, amounts right-aligned.
pub fn markdown(lines: &[pb::ReconciliationLine]) -> String {
    let escape = |s: &str| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", COLUMNS.join(" | "));
    let align: Vec<&str> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, _)| if (4..=9).contains(&i) { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", align.join(" | ")));
    for l in lines {
        let cells: Vec<String> = row(l).iter().map(|c| escape(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}
