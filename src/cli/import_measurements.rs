//! `scpf-reports import measurements FILE.csv`: records the measurements of a CSV file through
//! `ResultService/ImportMeasurements`, then reports every refused line and a summary.
//!
//! Re-importing a file is safe: a row without a request_id gets one derived from its content
//! (a UUIDv5), so the same row always has the same id and a second import only replays.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use anyhow::Context;
use futures::StreamExt;
use prost::Message;
use serde::Deserialize;

use super::client::{self, ClientArgs};

use crate::pb::{self, result_service_client::ResultServiceClient};

/// Rows sent in one call: each call answers with one result per row in a single message, which
/// must stay under the server's message size limit.
const CALL_ROWS: usize = 10_000;

/// Namespace of the request_ids derived from row content.
const ROW_NAMESPACE: uuid::Uuid = uuid::uuid!("6f1c8e4a-2b1d-5c7e-9a30-5d7c2f0b8e11");

/// The columns of a measurements file, in order.
pub(super) const COLUMNS: [&str; 10] = [
    "indicator",
    "period_start",
    "period_end",
    "target",
    "actual",
    "dimensions",
    "source",
    "verified",
    "comment",
    "request_id",
];
const REQUIRED_COLUMNS: [&str; 3] = ["indicator", "period_start", "period_end"];

/// Record measurements from a CSV file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV file with a header row; columns: indicator, period_start, period_end, target, actual,
    /// dimensions (`sex=female;age=18-59`), source, verified (true/false), comment, request_id.
    pub file: PathBuf,

    #[command(flatten)]
    pub client: ClientArgs,
}

/// One line of the file, as written.
#[derive(Debug, Deserialize)]
struct CsvRow {
    indicator: String,
    period_start: String,
    period_end: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    actual: String,
    #[serde(default)]
    dimensions: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    verified: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    request_id: String,
}

/// A line that failed, here or at the server.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct LineError {
    line: i64,
    /// `field: REASON: message`, or less when the field or reason is unknown.
    text: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.text)
    }
}

/// Totals of an import.
#[derive(Debug, Default)]
struct Tally {
    rows: i64,
    written: i64,
    replayed: i64,
    errors: Vec<LineError>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let (rows, mut errors) = read(&args.file)?;
    let mut client = ResultServiceClient::new(client::connect(&args.client).await?);
    let bar = super::import::progress_bar((rows.len() + errors.len()) as u64);
    bar.inc(errors.len() as u64);
    let mut tally = Tally {
        rows: (rows.len() + errors.len()) as i64,
        ..Tally::default()
    };
    for chunk in rows.chunks(CALL_ROWS) {
        let counted = bar.clone();
        let stream = futures::stream::iter(chunk.to_vec()).inspect(move |_| counted.inc(1));
        let response = match client.import_measurements(stream).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                bar.finish_and_clear();
                return Err(super::import::stopped(
                    &format!("{} ({:?})", status.message(), status.code()),
                    tally.written,
                    tally.replayed,
                    tally.rows as u64,
                ));
            }
        };
        tally.written += response.written;
        tally.replayed += response.replayed;
        let unavailable = response
            .results
            .iter()
            .find(|r| r.code == tonic::Code::Unavailable as i32)
            .map(|r| server_error(r.clone()));
        errors.extend(
            response
                .results
                .into_iter()
                .filter(|r| r.code != 0 && r.code != tonic::Code::Unavailable as i32)
                .map(server_error),
        );
        if let Some(first) = unavailable {
            // The other batches would wait as long to fail the same way.
            bar.finish_and_clear();
            errors.sort();
            for e in &errors {
                eprintln!("line {}: {}", e.line, e.text);
            }
            return Err(super::import::stopped(
                &format!("line {}: {}", first.line, first.text),
                tally.written,
                tally.replayed,
                tally.rows as u64,
            ));
        }
    }
    bar.finish_and_clear();
    errors.sort();
    tally.errors = errors;
    report(&args.file, &tally)
}

/// Reads every line into a request, or into the reason it cannot be one.
fn read(path: &Path) -> anyhow::Result<(Vec<pb::ImportMeasurementsRequest>, Vec<LineError>)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    read_from(file).with_context(|| format!("reading {}", path.display()))
}

/// Reads every line of a measurements CSV into a request, or into the reason it cannot be one.
pub(super) fn read_from(
    input: impl std::io::Read,
) -> anyhow::Result<(Vec<pb::ImportMeasurementsRequest>, Vec<LineError>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers().context("reading the header row")?.clone();
    check_headers(&headers)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line() as i64;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line() as i64);
                match record
                    .deserialize::<CsvRow>(Some(&headers))
                    .map_err(|e| format!("CSV: {e}"))
                    .and_then(request)
                {
                    Ok(measurement) => rows.push(pb::ImportMeasurementsRequest {
                        row: line,
                        measurement: Some(measurement),
                    }),
                    Err(text) => errors.push(LineError { line, text }),
                }
            }
            // A malformed line is reported; the reader goes on with the next one.
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line() as i64);
                errors.push(LineError {
                    line,
                    text: format!("CSV: {}", csv_error(&e)),
                });
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(e.into());
                }
            }
        }
    }
    Ok((rows, errors))
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => e.to_string(),
    }
}

/// Refuses a header that misses a required column or names one that does not exist (a typo
/// would otherwise drop a column's values silently).
fn check_headers(headers: &csv::StringRecord) -> anyhow::Result<()> {
    let given: BTreeSet<&str> = headers.iter().collect();
    let missing: Vec<&str> = REQUIRED_COLUMNS
        .into_iter()
        .filter(|c| !given.contains(c))
        .collect();
    let unknown: Vec<&str> = headers.iter().filter(|h| !COLUMNS.contains(h)).collect();
    if !missing.is_empty() || !unknown.is_empty() {
        anyhow::bail!(
            "the header row must name the columns {}; missing: {}; unknown: {}",
            COLUMNS.join(","),
            none_if_empty(&missing),
            none_if_empty(&unknown)
        );
    }
    Ok(())
}

fn none_if_empty(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// The request a line stands for. Values are checked by the server, which names the field
/// that is wrong; only the CSV-specific spellings are read here.
fn request(row: CsvRow) -> Result<pb::RecordMeasurementRequest, String> {
    let verified = match row.verified.to_ascii_lowercase().as_str() {
        "" | "false" => false,
        "true" => true,
        other => return Err(format!("verified: {other:?} is neither true nor false")),
    };
    let mut request = pb::RecordMeasurementRequest {
        parent: row.indicator,
        measurement: Some(pb::Measurement {
            period_start: row.period_start,
            period_end: row.period_end,
            target: row.target,
            actual: row.actual,
            dimensions: dimensions(&row.dimensions)?,
            source: row.source,
            verified,
            comment: row.comment,
            ..Default::default()
        }),
        request_id: row.request_id,
    };
    if request.request_id.is_empty() {
        // The encoding is deterministic (maps are ordered), so the same row always gets the
        // same id.
        request.request_id =
            uuid::Uuid::new_v5(&ROW_NAMESPACE, &request.encode_to_vec()).to_string();
    }
    Ok(request)
}

/// Reads `sex=female;age=18-59`.
fn dimensions(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
    let mut out = std::collections::BTreeMap::new();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            format!("dimensions: {pair:?} is not name=value (pairs are separated by \";\")")
        })?;
        if out
            .insert(name.trim().to_owned(), value.trim().to_owned())
            .is_some()
        {
            return Err(format!("dimensions: {} is given twice", name.trim()));
        }
    }
    Ok(out)
}

fn server_error(r: pb::ImportRowResult) -> LineError {
    LineError {
        line: r.row,
        text: super::import::LineError::refused(&r).to_string(),
    }
}

/// Prints every failed line (stderr) and the summary (stdout); fails when any line failed.
fn report(path: &Path, tally: &Tally) -> anyhow::Result<()> {
    for e in &tally.errors {
        eprintln!("line {}: {}", e.line, e.text);
    }
    let failed = tally.errors.len();
    println!(
        "{}: {} rows: {} written, {} replayed, {} failed",
        path.display(),
        tally.rows,
        tally.written,
        tally.replayed,
        failed
    );
    if failed > 0 {
        anyhow::bail!("{failed} of {} rows failed", tally.rows);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(dimensions: &str, verified: &str) -> CsvRow {
        CsvRow {
            indicator: "programmes/avr-belgium/indicators/returns".into(),
            period_start: "2025-01-01".into(),
            period_end: "2025-12-31".into(),
            target: String::new(),
            actual: "1432".into(),
            dimensions: dimensions.into(),
            source: String::new(),
            verified: verified.into(),
            comment: String::new(),
            request_id: String::new(),
        }
    }

    #[test]
    fn dimensions_are_name_value_pairs() {
        let d = dimensions(" sex=female; age = 18-59 ;").unwrap();
        assert_eq!(d["sex"], "female");
        assert_eq!(d["age"], "18-59");
        assert!(dimensions("").unwrap().is_empty());
        assert!(dimensions("sex").unwrap_err().starts_with("dimensions:"));
        assert!(dimensions("sex=f;sex=m").unwrap_err().contains("twice"));
    }

    #[test]
    fn a_row_without_request_id_gets_one_from_its_content() {
        let a = request(row("sex=female;age=18-59", "true")).unwrap();
        let b = request(row("age=18-59;sex=female", "TRUE")).unwrap();
        assert_eq!(a.request_id, b.request_id);
        let c = request(row("sex=male", "true")).unwrap();
        assert_ne!(a.request_id, c.request_id);
        assert!(
            request(row("", "yes"))
                .unwrap_err()
                .starts_with("verified:")
        );
    }

    #[test]
    fn server_errors_name_the_field_once() {
        let e = server_error(pb::ImportRowResult {
            row: 7,
            code: 3,
            field: "measurement.actual".into(),
            reason: "INVALID_DECIMAL".into(),
            message: "measurement.actual: the value \"x\" is not a plain decimal such as 1234.50"
                .into(),
            ..Default::default()
        });
        assert_eq!(
            e.text,
            "measurement.actual: INVALID_DECIMAL: the value \"x\" is not a plain decimal such as 1234.50"
        );
    }
}
