//! CSV: one part per table, each with a header row of lower_snake_case column names. A table whose
//! section carries a total ends with a row labelled `Total` holding the report's own totals;
//! pledges never have one.

use ::csv::Writer;

mod funding;

use super::{
    Part, RenderError, Sink,
    annex::{Annexes, Spool},
    labels,
};
use crate::pb;

const CONTENT_TYPE: &str = "text/csv; charset=utf-8";
const TOTAL: &str = "Total";

/// One CSV file being written.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    writer: Writer<Vec<u8>>,
}

/// Which pieces of a table to write: the whole of it, or (for an annex streamed a page at a
/// time) its header row, the rows of one page, or its total rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    head: bool,
    total: bool,
}

impl Piece {
    const WHOLE: Piece = Piece {
        head: true,
        total: true,
    };
    const HEAD: Piece = Piece {
        head: true,
        total: false,
    };
    const ROWS: Piece = Piece {
        head: false,
        total: false,
    };
    const TAIL: Piece = Piece {
        head: false,
        total: true,
    };
}

impl Table {
    fn new(name: &'static str, columns: &'static [&'static str]) -> Result<Self, RenderError> {
        Self::piece(name, columns, Piece::WHOLE)
    }

    /// A table writing its header row only when `piece` asks for it.
    fn piece(
        name: &'static str,
        columns: &'static [&'static str],
        piece: Piece,
    ) -> Result<Self, RenderError> {
        let mut writer = Writer::from_writer(Vec::new());
        if piece.head {
            writer.write_record(columns)?;
        }
        Ok(Self {
            name,
            columns,
            writer,
        })
    }

    fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> Result<(), RenderError> {
        let cells: Vec<String> = cells.into_iter().map(|c| c.as_ref().to_owned()).collect();
        self.writer.write_record(&cells)?;
        Ok(())
    }

    /// A row labelled in its first column (`Total`, ...), with values in the named columns and
    /// the other columns empty.
    fn labelled(&mut self, label: &str, values: &[(&str, &str)]) -> Result<(), RenderError> {
        let cells: Vec<&str> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                if i == 0 {
                    return label;
                }
                values
                    .iter()
                    .find(|(name, _)| name == column)
                    .map_or("", |(_, value)| *value)
            })
            .collect();
        self.row(cells)
    }

    fn finish(self) -> Result<Part, RenderError> {
        let data = self
            .writer
            .into_inner()
            .map_err(|e| ::csv::Error::from(e.into_error()))?;
        Ok(Part {
            name: self.name.into(),
            content_type: CONTENT_TYPE,
            data,
        })
    }
}

/// Where each finished table goes.
type Emit<'a> = dyn FnMut(Part) -> Result<(), RenderError> + 'a;

/// Every table of the report, in section order, each handed to `emit` when finished (so that
/// one table at a time is held).
pub fn render(
    report: &pb::Report,
    content: &pb::ReportContent,
    emit: &mut Emit<'_>,
) -> Result<(), RenderError> {
    let header = content.header.as_ref();
    emit(header_table(report, content)?)?;
    emit(rates_used(header)?)?;
    funding::parts(header, content, emit)?;
    emit(programme_results(
        content
            .programme_results
            .as_ref()
            .unwrap_or(&Default::default()),
    )?)?;
    emit(changes(
        content
            .changes_since_previous
            .as_ref()
            .unwrap_or(&Default::default()),
    )?)?;
    emit(change_statements(
        content
            .changes_since_previous
            .as_ref()
            .unwrap_or(&Default::default()),
        Piece::WHOLE,
    )?)?;
    emit(data_quality(
        content.data_quality.as_ref().unwrap_or(&Default::default()),
        Piece::WHOLE,
    )?)
}

/// The parts the annexes replace: whole in the export, where the stored content keeps a count
/// and a sample.
const ANNEXED: [&str; 5] = [
    "pledges.csv",
    "multi_year_commitments.csv",
    "multi_year_schedules.csv",
    "changes_stated.csv",
    "data_quality.csv",
];

/// Every table of the report as [`render`] makes them from the stored content, then the parts
/// that list contributions, pledges and overdue installments, written a page of `annexes` at a
/// time: the schedules (`multi_year_commitments.csv`, with the report's total), their
/// installments (`multi_year_schedules.csv`), the pledges (`pledges.csv`), section 8's
/// statements (`changes_stated.csv`: the stored ones about Member States and totals, then every
/// change to a contribution) and the data-quality entries (`data_quality.csv`: the stored
/// entries of other kinds, then every overdue installment, overpaid contribution and pledge with
/// receipts).
pub fn render_annexed(
    report: &pb::Report,
    content: &pb::ReportContent,
    annexes: &mut dyn Annexes,
    sink: &mut dyn Sink,
) -> Result<(), RenderError> {
    render(report, content, &mut |part| {
        if !ANNEXED.contains(&part.name.as_str()) {
            sink.begin(&part.name, part.content_type)?;
            sink.write_all(&part.data)?;
        }
        Ok(())
    })?;
    let header = content.header.as_ref();
    let m = content.multi_year_commitments.clone().unwrap_or_default();
    let page_of = |schedules: Vec<pb::Schedule>| pb::MultiYearCommitments {
        schedules,
        currency_code: m.currency_code.clone(),
        total_outstanding: m.total_outstanding.clone(),
        ..Default::default()
    };
    // One pass over the installments: the rows of the later parts wait in temporary files.
    sink.begin("multi_year_commitments.csv", CONTENT_TYPE)?;
    let empty = page_of(Vec::new());
    sink.write_all(&funding::multi_year_commitments(header, &empty, Piece::HEAD)?.data)?;
    let (mut installments, mut overdue) = (Spool::default(), Spool::default());
    annexes.installments(&mut |schedules, issues| {
        let page = page_of(schedules);
        sink.write_all(&funding::multi_year_commitments(header, &page, Piece::ROWS)?.data)?;
        installments.write(&funding::multi_year_schedules(&page, Piece::ROWS)?.data)?;
        let issues = pb::DataQuality {
            issues,
            ..Default::default()
        };
        Ok(overdue.write(&data_quality(&issues, Piece::ROWS)?.data)?)
    })?;
    sink.write_all(&funding::multi_year_commitments(header, &empty, Piece::TAIL)?.data)?;

    sink.begin("multi_year_schedules.csv", CONTENT_TYPE)?;
    sink.write_all(&funding::multi_year_schedules(&empty, Piece::HEAD)?.data)?;
    installments.copy_into(&mut |bytes| Ok(sink.write_all(bytes)?))?;

    let v = pb::VoluntaryContributions::default();
    sink.begin("pledges.csv", CONTENT_TYPE)?;
    sink.write_all(&funding::pledges(&v, Piece::HEAD)?.data)?;
    annexes.pledges(&mut |pledges| {
        let page = pb::VoluntaryContributions {
            pledges,
            ..Default::default()
        };
        Ok(sink.write_all(&funding::pledges(&page, Piece::ROWS)?.data)?)
    })?;

    let mut stored = content.changes_since_previous.clone().unwrap_or_default();
    stored.statements.retain(|s| s.contribution.is_empty());
    sink.begin("changes_stated.csv", CONTENT_TYPE)?;
    sink.write_all(&change_statements(&stored, Piece::HEAD)?.data)?;
    stored.statements.clear();
    annexes.changes(&mut |statements| {
        let page = pb::ChangesSincePrevious {
            statements,
            previous_report: stored.previous_report.clone(),
            ..Default::default()
        };
        Ok(sink.write_all(&change_statements(&page, Piece::ROWS)?.data)?)
    })?;

    let annexed = crate::report::assemble::SAMPLED_KINDS.map(|k| k as i32);
    let mut stored = content.data_quality.clone().unwrap_or_default();
    stored.issues.retain(|i| !annexed.contains(&i.kind));
    sink.begin("data_quality.csv", CONTENT_TYPE)?;
    sink.write_all(&data_quality(&stored, Piece::HEAD)?.data)?;
    overdue.copy_into(&mut |bytes| Ok(sink.write_all(bytes)?))?;
    annexes.quality(&mut |issues| {
        let page = pb::DataQuality {
            issues,
            ..Default::default()
        };
        Ok(sink.write_all(&data_quality(&page, Piece::ROWS)?.data)?)
    })?;
    Ok(())
}

fn header_table(report: &pb::Report, content: &pb::ReportContent) -> Result<Part, RenderError> {
    let h = content.header.clone().unwrap_or_default();
    let previous = content
        .changes_since_previous
        .as_ref()
        .map(|c| c.previous_report.clone())
        .unwrap_or_default();
    let mut t = Table::new("header.csv", &["field", "value"])?;
    let facts: [(&str, String); 24] = [
        ("report", report.name.clone()),
        ("revision", report.revision.to_string()),
        ("state", labels::state(report.state)),
        ("as_of", labels::instant(report.as_of.as_ref())),
        ("status_date", report.status_date.clone()),
        ("content_sha256", report.content_sha256.clone()),
        ("create_time", labels::instant(report.create_time.as_ref())),
        ("created_by", report.created_by.clone()),
        (
            "finalize_time",
            labels::instant(report.finalize_time.as_ref()),
        ),
        ("finalized_by", report.finalized_by.clone()),
        ("session", h.session),
        ("body", labels::body(h.body)),
        ("session_number", h.session_number.to_string()),
        ("title", h.title),
        ("session_start_date", h.session_start_date),
        ("session_end_date", h.session_end_date),
        ("reporting_period_start", h.reporting_period_start),
        ("reporting_period_end", h.reporting_period_end),
        ("header_as_of", labels::instant(h.as_of.as_ref())),
        ("header_status_date", h.status_date),
        (
            "administrative_currency_code",
            h.administrative_currency_code,
        ),
        ("operational_currency_code", h.operational_currency_code),
        ("previous_report", previous),
        (
            "lines_without_rate",
            content
                .voluntary_contributions
                .as_ref()
                .map(|v| v.lines_without_rate)
                .unwrap_or_default()
                .to_string(),
        ),
    ];
    for (field, value) in facts {
        t.row([field, value.as_str()])?;
    }
    t.finish()
}

fn rates_used(header: Option<&pb::ReportHeader>) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "rates_used.csv",
        &["exchange_rate", "rate", "source", "revision"],
    )?;
    for r in header.map(|h| h.rates_used.as_slice()).unwrap_or_default() {
        t.row([
            r.exchange_rate.as_str(),
            &r.rate,
            &r.source,
            &r.revision.to_string(),
        ])?;
    }
    t.finish()
}

fn programme_results(r: &pb::ProgrammeResults) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "programme_results.csv",
        &[
            "programme",
            "programme_code",
            "programme_title",
            "srf_objective",
            "indicator",
            "indicator_title",
            "result_level",
            "measure",
            "direction",
            "cumulative",
            "unit",
            "dimensions",
            "baseline",
            "baseline_date",
            "period_start",
            "period_end",
            "target",
            "actual",
            "achievement",
            "verified",
        ],
    )?;
    for p in &r.programmes {
        for i in &p.indicators {
            let rows = std::iter::once((labels::dimensions(&[]), i.total.clone())).chain(
                i.disaggregation
                    .iter()
                    .map(|d| (labels::dimensions(&d.dimensions), d.figures.clone())),
            );
            for (dimensions, figures) in rows {
                let f = figures.unwrap_or_default();
                t.row([
                    p.programme.as_str(),
                    &p.code,
                    &p.title,
                    &labels::objective(p.srf_objective),
                    &i.indicator,
                    &i.title,
                    &labels::result_level(i.result_level),
                    &labels::measure(i.measure),
                    &labels::direction(i.direction),
                    &labels::yes_no(i.cumulative),
                    &i.unit,
                    &dimensions,
                    &i.baseline,
                    &i.baseline_date,
                    &i.period_start,
                    &i.period_end,
                    &f.target,
                    &f.actual,
                    &f.achievement,
                    &labels::yes_no(f.verified),
                ])?;
            }
        }
    }
    t.finish()
}

fn changes(c: &pb::ChangesSincePrevious) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "changes.csv",
        &["previous_report", "figure", "old_value", "new_value"],
    )?;
    for change in &c.changes {
        t.row([
            c.previous_report.as_str(),
            &change.figure,
            &change.old_value,
            &change.new_value,
        ])?;
    }
    t.finish()
}

/// Section 8's statements as data: kinds and totals by their contract names.
fn change_statements(c: &pb::ChangesSincePrevious, piece: Piece) -> Result<Part, RenderError> {
    let mut t = Table::piece(
        "changes_stated.csv",
        &[
            "previous_report",
            "kind",
            "organization",
            "organization_name",
            "contribution",
            "currency",
            "old_amount",
            "new_amount",
            "year",
            "due_date",
            "period_start",
            "period_end",
            "article_4",
            "total",
            "status",
        ],
        piece,
    )?;
    for s in &c.statements {
        let year = if s.year == 0 {
            String::new()
        } else {
            s.year.to_string()
        };
        t.row([
            c.previous_report.as_str(),
            s.kind().as_str_name(),
            s.organization.as_str(),
            s.organization_name.as_str(),
            s.contribution.as_str(),
            s.currency_code.as_str(),
            s.old_amount.as_str(),
            s.new_amount.as_str(),
            year.as_str(),
            s.due_date.as_str(),
            s.period_start.as_str(),
            s.period_end.as_str(),
            if s.article_4 { "true" } else { "false" },
            s.total().as_str_name(),
            s.status().as_str_name(),
        ])?;
    }
    t.finish()
}

fn data_quality(d: &pb::DataQuality, piece: Piece) -> Result<Part, RenderError> {
    let mut t = Table::piece("data_quality.csv", &["kind", "subject", "message"], piece)?;
    for i in &d.issues {
        t.row([
            labels::data_quality_kind(i.kind).as_str(),
            &i.subject,
            &i.message,
        ])?;
    }
    t.finish()
}

#[cfg(test)]
mod tests;
