//! Spreadsheets both ways: `scpf-reports export contributions|receipts|measurements` writes CSV
//! with the columns the imports read (amounts as exact decimal strings), and
//! `scpf-reports import receipts` reads receipts back, so that a file can go through a
//! spreadsheet and come back without losing anything.

use std::{collections::BTreeMap, path::PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::client::{self, ClientArgs, Connection};
use crate::pb::{
    self, contribution_service_client::ContributionServiceClient,
    result_service_client::ResultServiceClient,
};

/// Namespace of the request_ids derived from a receipts row.
const ROW_NAMESPACE: uuid::Uuid = uuid::uuid!("0b6c1f5e-4d1a-5e0f-8a7b-3c9d2e1f4a60");

/// The columns of a receipts file, in order.
pub const RECEIPT_COLUMNS: [&str; 9] = [
    "receipt",
    "contribution",
    "received_date",
    "currency_code",
    "amount",
    "reference",
    "withdrawn",
    "reason",
    "request_id",
];

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// Contributions, with the columns `import contributions` reads.
    Contributions(ExportFile),
    /// Receipts, with the columns `import receipts` reads.
    Receipts(ExportFile),
    /// Measurements, with the columns `import measurements` reads.
    Measurements(ExportFile),
}

#[derive(Debug, clap::Args)]
pub struct ExportFile {
    /// CSV file to write (replaced when complete).
    #[arg(long)]
    pub out: PathBuf,
    /// The data as it was at this instant (RFC 3339); now when absent.
    #[arg(long)]
    pub as_of: Option<DateTime<Utc>>,
    #[command(flatten)]
    pub client: ClientArgs,
}

pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let (file, rows) = match args.what {
        ExportCommand::Contributions(f) => {
            let rows = contributions(&f).await?;
            (f, rows)
        }
        ExportCommand::Receipts(f) => {
            let rows = receipts(&f).await?;
            (f, rows)
        }
        ExportCommand::Measurements(f) => {
            let rows = measurements(&f).await?;
            (f, rows)
        }
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let count = rows.len() - 1;
    for r in rows {
        w.write_record(r)?;
    }
    let part = file.out.with_extension("part");
    std::fs::write(&part, w.into_inner()?)
        .with_context(|| format!("writing {}", part.display()))?;
    std::fs::rename(&part, &file.out).with_context(|| format!("writing {}", file.out.display()))?;
    println!("{}: {count} rows", file.out.display());
    Ok(())
}

fn as_of(f: &ExportFile) -> Option<prost_types::Timestamp> {
    f.as_of.map(crate::api::convert::timestamp)
}

fn failed(status: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(client::explain(&status))
}

/// The last part of a resource name: `organizations/belgium` is `belgium`.
fn id(name: &str) -> String {
    name.rsplit('/').next().unwrap_or_default().to_owned()
}

fn strip(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix).unwrap_or(name).to_owned()
}

fn amount(m: &Option<pb::Money>) -> (String, String) {
    m.as_ref()
        .map(|m| (m.currency_code.clone(), m.amount.clone()))
        .unwrap_or_default()
}

/// Every page of a List as rows, after a header of `columns`: `page` asks for the page a token
/// names (the first with an empty one) and answers its items with the next page's token (empty
/// after the last); `row` writes an item as a row.
async fn every_page<T>(
    columns: &[&str],
    mut page: impl AsyncFnMut(String) -> Result<(Vec<T>, String), tonic::Status>,
    mut row: impl FnMut(T) -> anyhow::Result<Vec<String>>,
) -> anyhow::Result<Vec<Vec<String>>> {
    let mut rows = vec![columns.iter().map(|c| c.to_string()).collect()];
    let mut page_token = String::new();
    loop {
        let (items, next_page_token) = page(page_token).await.map_err(failed)?;
        for item in items {
            rows.push(row(item)?);
        }
        if next_page_token.is_empty() {
            return Ok(rows);
        }
        page_token = next_page_token;
    }
}

async fn contributions(f: &ExportFile) -> anyhow::Result<Vec<Vec<String>>> {
    let mut client = ContributionServiceClient::new(client::connect(&f.client).await?);
    every_page(
        &super::import::COLUMNS,
        async |page_token| {
            let page = client
                .list_contributions(pb::ListContributionsRequest {
                    page_size: 1000,
                    page_token,
                    as_of: as_of(f),
                    ..Default::default()
                })
                .await?
                .into_inner();
            Ok((page.contributions, page.next_page_token))
        },
        |c| Ok(contribution_row(c)),
    )
    .await
}

/// A contribution in the columns `import contributions` reads.
fn contribution_row(c: pb::Contribution) -> Vec<String> {
    let (currency, total) = amount(&c.total);
    let enum_name =
        |name: Option<&str>, prefix: &str| name.map(|n| strip(n, prefix)).unwrap_or_default();
    let category = pb::EarmarkingCategory::try_from(c.earmarking_category)
        .ok()
        .filter(|c| *c != pb::EarmarkingCategory::Unspecified)
        .map(|c| (c as i32).to_string())
        .unwrap_or_default();
    let modality = pb::EarmarkingModality::try_from(c.earmarking_modality)
        .ok()
        .filter(|m| *m != pb::EarmarkingModality::Unspecified)
        .map(|m| strip(m.as_str_name(), "EARMARKING_MODALITY_"))
        .unwrap_or_default();
    let installments: Vec<String> = c
        .installments
        .iter()
        .map(|i| format!("{}={}", i.due_date, amount(&i.amount).1))
        .collect();
    vec![
        id(&c.name),
        id(&c.donor),
        enum_name(
            pb::FundingType::try_from(c.funding_type)
                .ok()
                .map(|t| t.as_str_name()),
            "FUNDING_TYPE_",
        ),
        enum_name(
            pb::BudgetPart::try_from(c.budget_part)
                .ok()
                .map(|t| t.as_str_name()),
            "BUDGET_PART_",
        ),
        category,
        modality,
        if c.programme.is_empty() {
            String::new()
        } else {
            id(&c.programme)
        },
        c.earmarked_to.clone(),
        enum_name(
            pb::FlowStatus::try_from(c.status)
                .ok()
                .map(|t| t.as_str_name()),
            "FLOW_STATUS_",
        ),
        currency,
        total,
        installments.join(";"),
        c.agreement_date.clone(),
        c.period_start.clone(),
        c.period_end.clone(),
        if c.announced_at.is_empty() {
            String::new()
        } else {
            id(&c.announced_at)
        },
        c.description.clone(),
        String::new(),
    ]
}

async fn receipts(f: &ExportFile) -> anyhow::Result<Vec<Vec<String>>> {
    let mut client = ContributionServiceClient::new(client::connect(&f.client).await?);
    every_page(
        &RECEIPT_COLUMNS,
        async |page_token| {
            let page = client
                .list_receipts(pb::ListReceiptsRequest {
                    parent: "contributions/-".into(),
                    page_size: 1000,
                    page_token,
                    as_of: as_of(f),
                    ..Default::default()
                })
                .await?
                .into_inner();
            Ok((page.receipts, page.next_page_token))
        },
        |r| {
            let (currency, value) = amount(&r.amount);
            let contribution = r.name.split('/').nth(1).unwrap_or_default().to_owned();
            Ok(vec![
                r.name.clone(),
                contribution,
                r.received_date.clone(),
                currency,
                value,
                r.reference.clone(),
                r.withdrawn.to_string(),
                String::new(),
                String::new(),
            ])
        },
    )
    .await
}

async fn measurements(f: &ExportFile) -> anyhow::Result<Vec<Vec<String>>> {
    let mut client = ResultServiceClient::new(client::connect(&f.client).await?);
    every_page(
        &super::import_measurements::COLUMNS,
        async |page_token| {
            let page = client
                .list_measurements(pb::ListMeasurementsRequest {
                    parent: "programmes/-/indicators/-".into(),
                    page_size: 1000,
                    page_token,
                    as_of: as_of(f),
                    ..Default::default()
                })
                .await?
                .into_inner();
            Ok((page.measurements, page.next_page_token))
        },
        |m| {
            let indicator = m
                .name
                .rsplit_once("/measurements/")
                .map(|(i, _)| i.to_owned())
                .unwrap_or_default();
            let mut dimensions = Vec::new();
            for (k, v) in &m.dimensions {
                // The import reads `name=value;...`: a value holding either separator would
                // come back as something else.
                if v.contains([';', '=']) {
                    anyhow::bail!(
                        "{}: the dimension value {v:?} holds ';' or '=', which the measurements file format cannot carry",
                        m.name
                    );
                }
                dimensions.push(format!("{k}={v}"));
            }
            Ok(vec![
                indicator,
                m.period_start.clone(),
                m.period_end.clone(),
                m.target.clone(),
                m.actual.clone(),
                dimensions.join(";"),
                m.source.clone(),
                m.verified.to_string(),
                m.comment.clone(),
                String::new(),
            ])
        },
    )
    .await
}

/// Record receipts from a CSV file.
#[derive(Debug, clap::Args)]
pub struct ImportReceiptsArgs {
    /// CSV file with a header row; columns: receipt, contribution, received_date,
    /// currency_code, amount, reference, withdrawn (true/false), reason, request_id.
    pub file: PathBuf,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReceiptRow {
    receipt: String,
    contribution: String,
    received_date: String,
    currency_code: String,
    amount: String,
    reference: String,
    withdrawn: String,
    reason: String,
    request_id: String,
}

/// What importing one row did.
pub(super) enum Done {
    Recorded,
    Corrected,
    Unchanged,
}

/// One line of a receipts file: its row and the request_id derived from the row's content, or
/// why the line cannot be read.
pub(super) type ReceiptLine = (u64, Result<(ReceiptRow, uuid::Uuid), String>);

/// Reads the lines of a receipts file, after checking its header.
pub(super) fn read_receipts(
    input: impl std::io::Read,
) -> anyhow::Result<impl Iterator<Item = ReceiptLine>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader.headers().context("reading the header row")?.clone();
    if let Some(unknown) = headers.iter().find(|h| !RECEIPT_COLUMNS.contains(h)) {
        anyhow::bail!(
            "unknown column {unknown:?}; the columns are: {}",
            RECEIPT_COLUMNS.join(", ")
        );
    }
    Ok(reader.into_records().map(move |record| {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                return (
                    e.position().map_or(0, |p| p.line()),
                    Err(format!("CSV: {e}")),
                );
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let row = record
            .deserialize::<ReceiptRow>(Some(&headers))
            .map_err(|e| format!("CSV: {e}"))
            .map(|row| {
                let derived = uuid::Uuid::new_v5(
                    &ROW_NAMESPACE,
                    record.iter().collect::<Vec<_>>().join("\u{1f}").as_bytes(),
                );
                (row, derived)
            });
        (line, row)
    }))
}

/// Each row: a receipt that exists (its `receipt` name) is corrected when the row differs and
/// left alone when it does not; any other row is recorded, with a request_id derived from the
/// row when none is given, so that importing the same file again writes nothing.
pub async fn import_receipts(args: ImportReceiptsArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let lines = read_receipts(file)?;
    let mut client = ContributionServiceClient::new(client::connect(&args.client).await?);
    let mut failures: BTreeMap<u64, String> = BTreeMap::new();
    let (mut recorded, mut corrected, mut unchanged, mut total) = (0, 0, 0, 0);
    for (line, row) in lines {
        total += 1;
        let done = match row {
            Ok((row, derived)) => {
                receipt_row(&mut client, &row, &derived.to_string(), &args.file).await
            }
            Err(e) => Err(e),
        };
        match done {
            Ok(Done::Recorded) => recorded += 1,
            Ok(Done::Corrected) => corrected += 1,
            Ok(Done::Unchanged) => unchanged += 1,
            Err(e) => {
                failures.insert(line, e);
            }
        }
    }
    for (line, e) in &failures {
        println!("line {line}: {e}");
    }
    println!(
        "{total} rows: {recorded} recorded, {corrected} corrected, {unchanged} unchanged, {} failed",
        failures.len()
    );
    if !failures.is_empty() {
        anyhow::bail!("{} of {total} rows failed", failures.len());
    }
    Ok(())
}

fn refused(status: tonic::Status) -> String {
    use tonic_types::StatusExt;
    let field = status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.first().map(|v| v.field.clone()))
        .unwrap_or_default();
    let reason = status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_else(|| format!("{:?}", status.code()));
    let message = status
        .message()
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(status.message());
    if field.is_empty() {
        format!("{reason}: {message}")
    } else {
        format!("{field}: {reason}: {message}")
    }
}

/// The receipt a row gives, and the contribution it is recorded against.
pub(super) fn given(row: &ReceiptRow) -> Result<(String, pb::Receipt), String> {
    let withdrawn = match row.withdrawn.to_ascii_lowercase().as_str() {
        "" | "false" => false,
        "true" => true,
        other => return Err(format!("withdrawn: {other:?} is neither true nor false")),
    };
    let receipt = pb::Receipt {
        received_date: row.received_date.clone(),
        amount: Some(pb::Money {
            currency_code: row.currency_code.clone(),
            amount: row.amount.clone(),
        }),
        reference: row.reference.clone(),
        withdrawn,
        ..Default::default()
    };
    let contribution = if row.contribution.contains('/') {
        row.contribution.clone()
    } else {
        format!("contributions/{}", row.contribution)
    };
    Ok((contribution, receipt))
}

/// Imports one row; `derived` is its request_id when the row gives none.
pub(super) async fn receipt_row(
    client: &mut ContributionServiceClient<Connection>,
    row: &ReceiptRow,
    derived: &str,
    file: &std::path::Path,
) -> Result<Done, String> {
    let (contribution, given) = given(row)?;
    let request_id = if row.request_id.is_empty() {
        derived.to_owned()
    } else {
        row.request_id.clone()
    };
    let reason = if row.reason.is_empty() {
        format!("corrected from the spreadsheet {}", file.display())
    } else {
        row.reason.clone()
    };
    let existing = if row.receipt.is_empty() {
        None
    } else {
        match client
            .get_receipt(pb::GetReceiptRequest {
                name: row.receipt.clone(),
                as_of: None,
            })
            .await
        {
            Ok(r) => Some(r.into_inner()),
            Err(s) if s.code() == tonic::Code::NotFound => None,
            Err(s) => return Err(refused(s)),
        }
    };
    let (current, done) = match existing {
        Some(current) => (current, Done::Unchanged),
        None => {
            let created = client
                .record_receipt(pb::RecordReceiptRequest {
                    parent: contribution,
                    receipt: Some(pb::Receipt {
                        withdrawn: false,
                        ..given.clone()
                    }),
                    request_id: request_id.clone(),
                })
                .await
                .map_err(refused)?
                .into_inner();
            (created, Done::Recorded)
        }
    };
    let same = current.received_date == given.received_date
        && current.amount == given.amount
        && current.reference == given.reference
        && current.withdrawn == given.withdrawn;
    if same {
        return Ok(done);
    }
    client
        .correct_receipt(pb::CorrectReceiptRequest {
            receipt: Some(pb::Receipt {
                name: current.name.clone(),
                etag: current.etag.clone(),
                ..given
            }),
            reason,
            request_id: format!("{request_id}:{}", current.etag),
        })
        .await
        .map_err(refused)?;
    Ok(match done {
        Done::Recorded => Done::Recorded,
        _ => Done::Corrected,
    })
}
