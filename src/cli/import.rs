//! `scpf-reports import contributions FILE.csv`: reads a CSV file, streams its rows to
//! ImportContributions, and reports each refused line. Re-running the same file is a no-op:
//! every row carries a request_id, derived from its content when the file gives none.

use std::{collections::BTreeMap, io::IsTerminal, path::PathBuf, time::Duration};

use anyhow::Context;
use clap::Subcommand;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use uuid::Uuid;

use super::client::{self, ClientArgs};
use crate::pb::{self, contribution_service_client::ContributionServiceClient};

/// Rows per call: each call's response stays small and well within the server's time limit.
const ROWS_PER_CALL: usize = 2000;

/// Namespace of the request_ids derived from row content (a UUIDv5 of each row).
const ROW_NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_6a8e_0b8f_4a43_9f0e_2c37_a1f4_c0de);

/// The columns of a contributions file, in the documented order.
pub(super) const COLUMNS: [&str; 18] = [
    "contribution_id",
    "donor",
    "funding_type",
    "budget_part",
    "earmarking_category",
    "earmarking_modality",
    "programme",
    "earmarked_to",
    "status",
    "currency_code",
    "total",
    "installments",
    "agreement_date",
    "period_start",
    "period_end",
    "announced_at",
    "description",
    "request_id",
];

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import contributions from a CSV file with a header row (see README, "Importing").
    Contributions(ContributionsArgs),
    /// Import measurements of indicators from a CSV file with a header row (see README,
    /// "Importing").
    Measurements(super::import_measurements::Args),
    /// Import receipts from a CSV file with a header row, as `export receipts` writes it: an
    /// existing receipt is corrected, any other row recorded (see README, "Spreadsheets").
    Receipts(super::spreadsheet::ImportReceiptsArgs),
}

#[derive(Debug, clap::Args)]
pub struct ContributionsArgs {
    /// The CSV file to import.
    pub file: PathBuf,

    #[command(flatten)]
    pub client: ClientArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    match args.what {
        ImportCommand::Contributions(args) => contributions(args).await,
        ImportCommand::Measurements(args) => super::import_measurements::run(args).await,
        ImportCommand::Receipts(args) => super::spreadsheet::import_receipts(args).await,
    }
}

/// A refusal of one line, found here or by the server.
#[derive(Debug)]
pub(super) struct LineError {
    field: String,
    reason: String,
    message: String,
}

impl LineError {
    fn new(field: &str, reason: &str, message: impl Into<String>) -> Self {
        LineError {
            field: field.to_owned(),
            reason: reason.to_owned(),
            message: message.into(),
        }
    }

    /// What the server said of a refused row. Its message starts with the field, which is
    /// printed once; a result without a reason is named by its gRPC code.
    pub(super) fn refused(r: &pb::ImportRowResult) -> Self {
        let message = r
            .message
            .strip_prefix(&format!("{}: ", r.field))
            .unwrap_or(&r.message);
        let reason = if r.reason.is_empty() {
            format!("{:?}", tonic::Code::from(r.code))
        } else {
            r.reason.clone()
        };
        LineError::new(&r.field, &reason, message)
    }
}

/// `field: REASON: message`, leaving out an empty field.
impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}: {}", self.reason, self.message)
    }
}

/// One line of the file: its request, or why it cannot be sent.
type Line = (u64, Result<pb::CreateContributionRequest, LineError>);

async fn contributions(args: ContributionsArgs) -> anyhow::Result<()> {
    let text =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let lines = read_csv(&text)?;
    let mut client = ContributionServiceClient::new(client::connect(&args.client).await?);

    let mut failures: BTreeMap<u64, LineError> = BTreeMap::new();
    let mut rows = Vec::new();
    for (line, parsed) in lines {
        match parsed {
            Ok(request) => rows.push(pb::ImportContributionsRequest {
                row: line as i64,
                contribution: Some(request),
            }),
            Err(e) => {
                failures.insert(line, e);
            }
        }
    }
    let total = (rows.len() + failures.len()) as u64;
    let progress = progress_bar(rows.len() as u64);
    let (mut written, mut replayed) = (0, 0);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_CALL).collect();
        let bar = progress.clone();
        let stream = futures::stream::iter(chunk).inspect(move |_| bar.inc(1));
        let response = match client.import_contributions(stream).await {
            Ok(response) => response.into_inner(),
            Err(status) => {
                progress.finish_and_clear();
                print_failures(&failures);
                return Err(stopped(
                    &format!("{} ({:?})", status.message(), status.code()),
                    written,
                    replayed,
                    total,
                ));
            }
        };
        written += response.written;
        replayed += response.replayed;
        let mut unavailable = None;
        for r in response.results.iter().filter(|r| r.code != 0) {
            if r.code == tonic::Code::Unavailable as i32 {
                // The other batches would wait as long to fail the same way.
                unavailable.get_or_insert(r);
            } else {
                failures.insert(r.row as u64, LineError::refused(r));
            }
        }
        if let Some(r) = unavailable {
            progress.finish_and_clear();
            print_failures(&failures);
            return Err(stopped(
                &format!("line {}: {}", r.row, LineError::refused(r)),
                written,
                replayed,
                total,
            ));
        }
    }
    progress.finish_and_clear();

    print_failures(&failures);
    let failed = failures.len();
    println!("{total} rows: {written} written, {replayed} already imported, {failed} failed");
    if failed > 0 {
        anyhow::bail!("{failed} of {total} rows failed");
    }
    Ok(())
}

fn print_failures(failures: &BTreeMap<u64, LineError>) {
    for (line, e) in failures {
        println!("line {line}: {e}");
    }
}

/// Why an import stopped before its end, and how far it got. Rows are idempotent, so running
/// the same import again finishes the work.
pub(super) fn stopped(why: &str, written: i64, replayed: i64, total: u64) -> anyhow::Error {
    anyhow::anyhow!(
        "the import stopped: {why}; {written} of {total} rows were written and {replayed} were already imported before it; import the same file again once the server is serving (rows already imported are skipped)"
    )
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub(super) fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {per_sec}  eta {eta}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// A progress bar of bytes on stderr, hidden when stderr is not a terminal.
pub(super) fn progress_bar_bytes(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes}  {bytes_per_sec}  eta {eta}")
    {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The columns of one row, all optional: a missing value is the server's to refuse, naming the
/// field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Row {
    contribution_id: String,
    donor: String,
    funding_type: String,
    budget_part: String,
    earmarking_category: String,
    earmarking_modality: String,
    programme: String,
    earmarked_to: String,
    status: String,
    currency_code: String,
    total: String,
    installments: String,
    agreement_date: String,
    period_start: String,
    period_end: String,
    announced_at: String,
    description: String,
    request_id: String,
}

/// Reads every line of the file. A line that cannot be read is reported on its own; the others
/// still import.
pub(super) fn read_csv(text: &[u8]) -> anyhow::Result<Vec<Line>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text);
    let headers = reader.headers().context("reading the header row")?.clone();
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(h)) {
        anyhow::bail!(
            "unknown column {unknown:?}; the columns are: {}",
            COLUMNS.join(", ")
        );
    }
    let mut lines = Vec::new();
    let mut last_line = 1;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) if e.is_io_error() => return Err(e).context("reading the file"),
            Err(e) => {
                let line = e.position().map_or(last_line + 1, |p| p.line());
                last_line = line;
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("the line has {len} fields; the header has {expected_len}")
                    }
                    _ => e.to_string(),
                };
                lines.push((line, Err(LineError::new("", "CSV", message))));
                continue;
            }
        };
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        let parsed = record
            .deserialize::<Row>(Some(&headers))
            .map_err(|e| LineError::new("", "CSV", e.to_string()))
            .and_then(|row| {
                let derived = Uuid::new_v5(
                    &ROW_NAMESPACE,
                    record.iter().collect::<Vec<_>>().join("\u{1f}").as_bytes(),
                );
                request(row, derived)
            });
        lines.push((line, parsed));
    }
    Ok(lines)
}

/// `belgium` or `organizations/belgium`: bare ids are accepted for convenience.
pub(super) fn name(collection: &str, value: &str) -> String {
    if value.is_empty() || value.contains('/') {
        value.to_owned()
    } else {
        format!("{collection}/{value}")
    }
}

/// An enum column: empty is unspecified; otherwise the value's name with or without the
/// proto prefix, in any case.
fn enum_value<E: Into<i32>>(
    value: &str,
    prefix: &str,
    from_name: fn(&str) -> Option<E>,
    field: &str,
    allowed: &str,
) -> Result<i32, LineError> {
    if value.is_empty() {
        return Ok(0);
    }
    let upper = value.to_ascii_uppercase();
    let full = if upper.starts_with(prefix) {
        upper
    } else {
        format!("{prefix}{upper}")
    };
    from_name(&full)
        .map(Into::into)
        .filter(|v| *v != 0)
        .ok_or_else(|| {
            LineError::new(
                field,
                "INVALID_VALUE",
                format!("{value:?} is not one of {allowed}"),
            )
        })
}

fn request(row: Row, derived_request_id: Uuid) -> Result<pb::CreateContributionRequest, LineError> {
    let funding_type = enum_value(
        &row.funding_type,
        "FUNDING_TYPE_",
        pb::FundingType::from_str_name,
        "contribution.funding_type",
        "ASSESSED, VOLUNTARY",
    )?;
    let budget_part = enum_value(
        &row.budget_part,
        "BUDGET_PART_",
        pb::BudgetPart::from_str_name,
        "contribution.budget_part",
        "ADMINISTRATIVE, OPERATIONAL",
    )?;
    let earmarking_category = match row.earmarking_category.parse::<i32>() {
        Ok(code @ 1..=4) => code,
        _ => enum_value(
            &row.earmarking_category,
            "EARMARKING_CATEGORY_",
            pb::EarmarkingCategory::from_str_name,
            "contribution.earmarking_category",
            "1, 2, 3, 4",
        )?,
    };
    let earmarking_modality = enum_value(
        &row.earmarking_modality,
        "EARMARKING_MODALITY_",
        pb::EarmarkingModality::from_str_name,
        "contribution.earmarking_modality",
        "A to L",
    )?;
    let status = enum_value(
        &row.status,
        "FLOW_STATUS_",
        pb::FlowStatus::from_str_name,
        "contribution.status",
        "PLEDGE, COMMITMENT",
    )?;
    let money = |amount: &str| pb::Money {
        currency_code: row.currency_code.clone(),
        amount: amount.to_owned(),
    };
    let installments = row
        .installments
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .enumerate()
        .map(|(i, part)| {
            let (due_date, amount) = part.split_once('=').ok_or_else(|| {
                LineError::new(
                    &format!("contribution.installments[{i}]"),
                    "INVALID_INSTALLMENT",
                    format!("{part:?} is not DUE_DATE=AMOUNT, for example 2025-06-30=1000000.00"),
                )
            })?;
            Ok(pb::Installment {
                due_date: due_date.trim().to_owned(),
                amount: Some(money(amount.trim())),
            })
        })
        .collect::<Result<Vec<_>, LineError>>()?;
    let request_id = if row.request_id.is_empty() {
        derived_request_id.to_string()
    } else {
        row.request_id.clone()
    };
    Ok(pb::CreateContributionRequest {
        contribution_id: row.contribution_id.clone(),
        contribution: Some(pb::Contribution {
            donor: name("organizations", &row.donor),
            funding_type,
            budget_part,
            earmarking_category,
            earmarking_modality,
            programme: name("programmes", &row.programme),
            earmarked_to: row.earmarked_to.clone(),
            status,
            total: Some(money(&row.total)),
            installments,
            agreement_date: row.agreement_date.clone(),
            period_start: row.period_start.clone(),
            period_end: row.period_end.clone(),
            announced_at: name("sessions", &row.announced_at),
            description: row.description.clone(),
            ..Default::default()
        }),
        request_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "contribution_id,donor,funding_type,budget_part,earmarking_category,earmarking_modality,programme,earmarked_to,status,currency_code,total,installments,agreement_date,period_start,period_end,announced_at,description,request_id\n";

    #[test]
    fn rows_become_requests_with_stable_request_ids() {
        let file = format!(
            "{HEADER}belgium-2025-2028,belgium,VOLUNTARY,,1,A,,,COMMITMENT,EUR,2000000.00,2025-06-30=1000000.00;2026-06-30=1000000.00,2025-06-25,2025-01-01,2026-12-31,36,Flexible funding,\n"
        );
        let lines = read_csv(file.as_bytes()).unwrap();
        let (line, request) = &lines[0];
        let request = request.as_ref().unwrap();
        assert_eq!(*line, 2);
        let c = request.contribution.as_ref().unwrap();
        assert_eq!(c.donor, "organizations/belgium");
        assert_eq!(c.announced_at, "sessions/36");
        assert_eq!(c.earmarking_category, 1);
        assert_eq!(c.earmarking_modality, pb::EarmarkingModality::A as i32);
        assert_eq!(c.installments.len(), 2);
        assert_eq!(
            c.installments[1].amount.as_ref().unwrap().currency_code,
            "EUR"
        );
        let again = read_csv(file.as_bytes()).unwrap();
        assert_eq!(again[0].1.as_ref().unwrap().request_id, request.request_id);
    }

    #[test]
    fn a_malformed_line_is_reported_alone() {
        let file = format!("{HEADER}a,b\nx,belgium,SOMETIMES,,,,,,,,,,,,,,,\n");
        let lines = read_csv(file.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        let (line, err) = (&lines[0].0, lines[0].1.as_ref().unwrap_err());
        assert_eq!((*line, err.reason.as_str()), (2, "CSV"));
        let err = lines[1].1.as_ref().unwrap_err();
        assert_eq!(
            (lines[1].0, err.field.as_str(), err.reason.as_str()),
            (3, "contribution.funding_type", "INVALID_VALUE")
        );
    }
}
