//! CSV: one part per table, each with a header row of lower_snake_case column names. A table whose
//! section carries a total ends with a row labelled `Total` holding the report's own totals;
//! pledges never have one.

use ::csv::Writer;

use super::{Part, RenderError, labels};
use crate::pb;

const CONTENT_TYPE: &str = "text/csv; charset=utf-8";
const TOTAL: &str = "Total";

/// One CSV file being written.
struct Table {
    name: &'static str,
    writer: Writer<Vec<u8>>,
}

impl Table {
    fn new(name: &'static str, columns: &[&str]) -> Result<Self, RenderError> {
        let mut writer = Writer::from_writer(Vec::new());
        writer.write_record(columns)?;
        Ok(Self { name, writer })
    }

    fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> Result<(), RenderError> {
        let cells: Vec<String> = cells.into_iter().map(|c| c.as_ref().to_owned()).collect();
        self.writer.write_record(&cells)?;
        Ok(())
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

/// Every table of the report, in section order.
pub fn render(report: &pb::Report, content: &pb::ReportContent) -> Result<Vec<Part>, RenderError> {
    let header = content.header.as_ref();
    let default_voluntary = pb::VoluntaryContributions::default();
    let voluntary = content
        .voluntary_contributions
        .as_ref()
        .unwrap_or(&default_voluntary);
    let mut parts = vec![
        header_table(report, content)?,
        rates_used(header)?,
        assessed(&content.assessed_contributions.clone().unwrap_or_default())?,
        converted_lines(
            "voluntary_paid.csv",
            header,
            voluntary,
            &voluntary.paid,
            &voluntary.total_paid,
        )?,
        converted_lines(
            "voluntary_committed.csv",
            header,
            voluntary,
            &voluntary.committed,
            &voluntary.total_committed,
        )?,
        donors(voluntary)?,
        pledges(voluntary)?,
    ];
    let flexibility = content.flexibility.clone().unwrap_or_default();
    parts.push(flexibility_categories(&flexibility)?);
    parts.push(flexibility_modalities(&flexibility)?);
    let multi_year = content.multi_year_commitments.clone().unwrap_or_default();
    parts.push(multi_year_commitments(header, &multi_year)?);
    parts.push(multi_year_schedules(&multi_year)?);
    let unearmarked = content
        .use_of_unearmarked_funding
        .clone()
        .unwrap_or_default();
    parts.push(unearmarked_allocations(&unearmarked)?);
    parts.push(unearmarked_objectives(&unearmarked)?);
    parts.push(programme_results(
        &content.programme_results.clone().unwrap_or_default(),
    )?);
    parts.push(changes(
        &content.changes_since_previous.clone().unwrap_or_default(),
    )?);
    parts.push(data_quality(
        &content.data_quality.clone().unwrap_or_default(),
    )?);
    Ok(parts)
}

fn header_table(report: &pb::Report, content: &pb::ReportContent) -> Result<Part, RenderError> {
    let h = content.header.clone().unwrap_or_default();
    let previous = content
        .changes_since_previous
        .as_ref()
        .map(|c| c.previous_report.clone())
        .unwrap_or_default();
    let mut t = Table::new("header.csv", &["field", "value"])?;
    let facts: [(&str, String); 22] = [
        ("report", report.name.clone()),
        ("revision", report.revision.to_string()),
        ("state", labels::state(report.state)),
        ("as_of", labels::instant(report.as_of.as_ref())),
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

fn assessed(a: &pb::AssessedContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "assessed_contributions.csv",
        &[
            "member_state",
            "name",
            "currency",
            "assessed",
            "received",
            "outstanding",
            "arrears",
            "due_two_preceding_years",
            "article_4",
        ],
    )?;
    for l in &a.member_states {
        t.row([
            l.member_state.as_str(),
            &l.display_name,
            &a.currency_code,
            &l.assessed,
            &l.received,
            &l.outstanding,
            &l.arrears,
            &l.due_two_preceding_years,
            &labels::yes_no(l.article_4),
        ])?;
    }
    // The total of the flag column is the number of Member States flagged.
    t.row([
        TOTAL,
        "",
        &a.currency_code,
        &a.total_assessed,
        &a.total_received,
        &a.total_outstanding,
        &a.total_arrears,
        "",
        &a.article_4_count.to_string(),
    ])?;
    t.finish()
}

fn converted_lines(
    name: &'static str,
    header: Option<&pb::ReportHeader>,
    section: &pb::VoluntaryContributions,
    lines: &[pb::ConvertedLine],
    total: &str,
) -> Result<Part, RenderError> {
    let mut t = Table::new(
        name,
        &[
            "donor",
            "donor_name",
            "earmarking_category",
            "earmarking_modality",
            "month",
            "currency",
            "original_amount",
            "exchange_rate",
            "rate",
            "converted_currency",
            "converted_amount",
        ],
    )?;
    for l in lines {
        let (currency, original) = labels::money(l.original.as_ref());
        t.row([
            l.donor.as_str(),
            &l.donor_name,
            &labels::category(l.earmarking_category),
            &labels::modality(l.earmarking_modality),
            &l.month,
            &currency,
            &original,
            &l.exchange_rate,
            labels::rate_value(header, &l.exchange_rate),
            &section.currency_code,
            &l.amount,
        ])?;
    }
    t.row([
        TOTAL,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        &section.currency_code,
        total,
    ])?;
    t.finish()
}

fn donors(v: &pb::VoluntaryContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "voluntary_donors.csv",
        &["donor", "donor_name", "currency", "paid", "committed"],
    )?;
    for d in &v.donors {
        t.row([
            d.donor.as_str(),
            &d.donor_name,
            &v.currency_code,
            &d.paid,
            &d.committed,
        ])?;
    }
    t.row([
        TOTAL,
        "",
        &v.currency_code,
        &v.total_paid,
        &v.total_committed,
    ])?;
    t.finish()
}

fn pledges(v: &pb::VoluntaryContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "pledges.csv",
        &[
            "contribution",
            "donor",
            "donor_name",
            "agreement_date",
            "earmarking_category",
            "currency",
            "amount",
            "counted_in_totals",
        ],
    )?;
    for p in &v.pledges {
        let (currency, amount) = labels::money(p.amount.as_ref());
        t.row([
            p.contribution.as_str(),
            &p.donor,
            &p.donor_name,
            &p.agreement_date,
            &labels::category(p.earmarking_category),
            &currency,
            &amount,
            "no",
        ])?;
    }
    t.finish()
}

fn flexibility_categories(f: &pb::Flexibility) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "flexibility_categories.csv",
        &["earmarking_category", "code", "currency", "amount", "share"],
    )?;
    for c in &f.categories {
        t.row([
            labels::category(c.category).as_str(),
            &c.category.to_string(),
            &f.currency_code,
            &c.amount,
            &c.share,
        ])?;
    }
    let total_share = labels::total_share(f.categories.iter().map(|c| c.share.as_str()));
    t.row([TOTAL, "", &f.currency_code, &f.total, &total_share])?;
    // A part of the total, after it: categories 1 and 2 together.
    t.row([
        "flexible (1 and 2)",
        "1,2",
        &f.currency_code,
        &f.flexible_amount,
        &f.flexible_share,
    ])?;
    t.finish()
}

fn flexibility_modalities(f: &pb::Flexibility) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "flexibility_modalities.csv",
        &[
            "earmarking_modality",
            "earmarking_category",
            "currency",
            "amount",
            "share",
        ],
    )?;
    for m in &f.modalities {
        t.row([
            labels::modality(m.modality).as_str(),
            &labels::category(m.category),
            &f.currency_code,
            &m.amount,
            &m.share,
        ])?;
    }
    let total_share = labels::total_share(f.modalities.iter().map(|m| m.share.as_str()));
    t.row([TOTAL, "", &f.currency_code, &f.total, &total_share])?;
    t.finish()
}

fn multi_year_commitments(
    header: Option<&pb::ReportHeader>,
    m: &pb::MultiYearCommitments,
) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "multi_year_commitments.csv",
        &[
            "contribution",
            "donor",
            "donor_name",
            "earmarking_category",
            "currency",
            "total",
            "received",
            "outstanding",
            "exchange_rate",
            "rate",
            "converted_currency",
            "outstanding_converted",
        ],
    )?;
    for s in &m.schedules {
        let (currency, total) = labels::money(s.total.as_ref());
        t.row([
            s.contribution.as_str(),
            &s.donor,
            &s.donor_name,
            &labels::category(s.earmarking_category),
            &currency,
            &total,
            &labels::amount(s.received.as_ref()),
            &labels::amount(s.outstanding.as_ref()),
            &s.exchange_rate,
            labels::rate_value(header, &s.exchange_rate),
            &m.currency_code,
            &s.outstanding_converted,
        ])?;
    }
    t.row([
        TOTAL,
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        &m.currency_code,
        &m.total_outstanding,
    ])?;
    t.finish()
}

fn multi_year_schedules(m: &pb::MultiYearCommitments) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "multi_year_schedules.csv",
        &[
            "contribution",
            "donor",
            "donor_name",
            "due_date",
            "currency",
            "amount",
            "paid",
            "status",
        ],
    )?;
    for s in &m.schedules {
        for i in &s.installments {
            let (currency, amount) = labels::money(i.amount.as_ref());
            t.row([
                s.contribution.as_str(),
                &s.donor,
                &s.donor_name,
                &i.due_date,
                &currency,
                &amount,
                &labels::amount(i.paid.as_ref()),
                &labels::installment_status(i.status),
            ])?;
        }
    }
    t.finish()
}

fn unearmarked_allocations(u: &pb::UnearmarkedUse) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "unearmarked_allocations.csv",
        &[
            "allocation",
            "allocation_date",
            "programme",
            "programme_code",
            "srf_objective",
            "description",
            "currency",
            "amount",
        ],
    )?;
    for a in &u.allocations {
        t.row([
            a.allocation.as_str(),
            &a.allocation_date,
            &a.programme,
            &a.programme_code,
            &labels::objective(a.srf_objective),
            &a.description,
            &u.currency_code,
            &a.amount,
        ])?;
    }
    t.row([
        TOTAL,
        "",
        "",
        "",
        "",
        "",
        &u.currency_code,
        &u.total_allocated,
    ])?;
    // What the allocations are measured against, after the total.
    t.row([
        "unearmarked received",
        "",
        "",
        "",
        "",
        "",
        &u.currency_code,
        &u.unearmarked_received,
    ])?;
    t.row([
        "unallocated",
        "",
        "",
        "",
        "",
        "",
        &u.currency_code,
        &u.unallocated,
    ])?;
    t.finish()
}

fn unearmarked_objectives(u: &pb::UnearmarkedUse) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "unearmarked_objectives.csv",
        &["srf_objective", "currency", "amount", "share"],
    )?;
    for o in &u.objectives {
        t.row([
            labels::objective(o.srf_objective).as_str(),
            &u.currency_code,
            &o.amount,
            &o.share,
        ])?;
    }
    let total_share = labels::total_share(u.objectives.iter().map(|o| o.share.as_str()));
    t.row([TOTAL, &u.currency_code, &u.total_allocated, &total_share])?;
    t.finish()
}

fn programme_results(r: &pb::ProgrammeResults) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "programme_results.csv",
        &[
            "programme",
            "programme_code",
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

fn data_quality(d: &pb::DataQuality) -> Result<Part, RenderError> {
    let mut t = Table::new("data_quality.csv", &["kind", "subject", "message"])?;
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
mod tests {
    use std::collections::HashMap;

    use crate::report::render::{Format, fixture, render};

    /// A part parsed back: its header, and its records by column name.
    type Parsed = (Vec<String>, Vec<HashMap<String, String>>);

    /// Every part, parsed back, by name.
    fn parsed() -> HashMap<String, Parsed> {
        let report = fixture::report();
        let parts = render(&report, Format::Csv).expect("the fixture renders");
        parts
            .into_iter()
            .map(|part| {
                assert_eq!(part.content_type, "text/csv; charset=utf-8");
                let mut reader = ::csv::Reader::from_reader(part.data.as_slice());
                let header: Vec<String> = reader
                    .headers()
                    .expect("a header row")
                    .iter()
                    .map(str::to_owned)
                    .collect();
                let records = reader
                    .records()
                    .map(|r| {
                        let r = r.expect("a well-formed record");
                        header
                            .iter()
                            .cloned()
                            .zip(r.iter().map(str::to_owned))
                            .collect()
                    })
                    .collect();
                (part.name, (header, records))
            })
            .collect()
    }

    fn total_row<'a>(
        parts: &'a HashMap<String, Parsed>,
        part: &str,
    ) -> &'a HashMap<String, String> {
        let (header, records) = &parts[part];
        let first = &header[0];
        let totals: Vec<_> = records.iter().filter(|r| r[first] == "Total").collect();
        assert_eq!(totals.len(), 1, "{part} has exactly one Total row");
        totals[0]
    }

    #[test]
    fn every_table_is_a_part_with_a_lower_snake_case_header() {
        let parts = parsed();
        let mut names: Vec<&str> = parts.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "assessed_contributions.csv",
                "changes.csv",
                "data_quality.csv",
                "flexibility_categories.csv",
                "flexibility_modalities.csv",
                "header.csv",
                "multi_year_commitments.csv",
                "multi_year_schedules.csv",
                "pledges.csv",
                "programme_results.csv",
                "rates_used.csv",
                "unearmarked_allocations.csv",
                "unearmarked_objectives.csv",
                "voluntary_committed.csv",
                "voluntary_donors.csv",
                "voluntary_paid.csv",
            ]
        );
        for (name, (header, _)) in &parts {
            for column in header {
                assert!(
                    !column.is_empty()
                        && column
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{name}: column {column:?} is not lower_snake_case"
                );
            }
        }
    }

    #[test]
    fn total_rows_equal_the_reports_totals() {
        let report = fixture::report();
        let c = report.content.expect("content");
        let a = c.assessed_contributions.expect("assessed");
        let v = c.voluntary_contributions.expect("voluntary");
        let f = c.flexibility.expect("flexibility");
        let m = c.multi_year_commitments.expect("multi-year");
        let u = c.use_of_unearmarked_funding.expect("unearmarked");
        let expected: [(&str, &str, &str); 15] = [
            ("assessed_contributions.csv", "assessed", &a.total_assessed),
            ("assessed_contributions.csv", "received", &a.total_received),
            (
                "assessed_contributions.csv",
                "outstanding",
                &a.total_outstanding,
            ),
            ("assessed_contributions.csv", "arrears", &a.total_arrears),
            ("assessed_contributions.csv", "article_4", "1"),
            ("voluntary_paid.csv", "converted_amount", &v.total_paid),
            (
                "voluntary_committed.csv",
                "converted_amount",
                &v.total_committed,
            ),
            ("voluntary_donors.csv", "paid", &v.total_paid),
            ("voluntary_donors.csv", "committed", &v.total_committed),
            ("flexibility_categories.csv", "amount", &f.total),
            ("flexibility_categories.csv", "share", "100.0"),
            ("flexibility_modalities.csv", "share", "100.0"),
            (
                "multi_year_commitments.csv",
                "outstanding_converted",
                &m.total_outstanding,
            ),
            ("unearmarked_allocations.csv", "amount", &u.total_allocated),
            ("unearmarked_objectives.csv", "amount", &u.total_allocated),
        ];
        let parts = parsed();
        for (part, column, value) in expected {
            assert_eq!(total_row(&parts, part)[column], value, "{part} {column}");
        }
        assert_eq!(
            total_row(&parts, "flexibility_modalities.csv")["amount"],
            f.total
        );
        assert_eq!(
            total_row(&parts, "unearmarked_objectives.csv")["share"],
            "100.0"
        );
    }

    #[test]
    fn pledges_are_listed_but_never_totalled() {
        let parts = parsed();
        let (_, pledges) = &parts["pledges.csv"];
        assert_eq!(pledges.len(), 3);
        assert!(pledges.iter().all(|p| p["counted_in_totals"] == "no"));
        assert!(pledges.iter().all(|p| p["contribution"] != "Total"));
    }

    #[test]
    fn lines_keep_their_original_currency_and_the_rate_they_used() {
        let parts = parsed();
        let (_, paid) = &parts["voluntary_paid.csv"];
        let belgium = &paid[0];
        assert_eq!(belgium["donor_name"], "Belgium");
        assert_eq!(belgium["earmarking_category"], "unearmarked");
        assert_eq!(belgium["earmarking_modality"], "A");
        assert_eq!(belgium["month"], "2025-06");
        assert_eq!(belgium["currency"], "EUR");
        assert_eq!(belgium["original_amount"], "1000000.00");
        assert_eq!(belgium["exchange_rate"], "exchangeRates/EUR-USD-2025-06");
        assert_eq!(belgium["rate"], "1.1450");
        assert_eq!(belgium["converted_amount"], "1145000.00");
        let without_rate = paid
            .iter()
            .find(|l| l["month"] == "2025-06" && l["currency"] == "CHF");
        assert_eq!(
            without_rate.map(|l| l["converted_amount"].as_str()),
            Some("")
        );
    }

    #[test]
    fn schedules_have_one_row_per_installment_with_its_status() {
        let parts = parsed();
        let (_, rows) = &parts["multi_year_schedules.csv"];
        let belgium: Vec<_> = rows
            .iter()
            .filter(|r| r["donor_name"] == "Belgium")
            .collect();
        assert_eq!(belgium.len(), 4);
        let statuses: Vec<&str> = belgium.iter().map(|r| r["status"].as_str()).collect();
        assert_eq!(statuses, ["paid", "future", "future", "future"]);
        assert!(rows.iter().any(|r| r["status"] == "due"));
        assert_eq!(belgium[0]["amount"], "1000000.00");
        assert_eq!(belgium[0]["paid"], "1000000.00");
    }

    #[test]
    fn results_have_a_total_row_and_one_per_disaggregation() {
        let parts = parsed();
        let (_, rows) = &parts["programme_results.csv"];
        let assisted: Vec<_> = rows
            .iter()
            .filter(|r| r["indicator"] == "programmes/be-avr/indicators/returnees-assisted")
            .collect();
        let dimensions: Vec<&str> = assisted.iter().map(|r| r["dimensions"].as_str()).collect();
        assert_eq!(
            dimensions,
            [
                "total",
                "sex=female;age=0-17",
                "sex=female;age=18-59",
                "sex=male;age=0-17",
                "sex=male;age=18-59"
            ]
        );
        assert_eq!(assisted[0]["verified"], "no");
        let returns = rows
            .iter()
            .find(|r| r["indicator"] == "programmes/be-avr/indicators/returns-since-1984")
            .expect("the cumulative returns indicator");
        assert_eq!(returns["baseline"], "0");
        assert_eq!(returns["baseline_date"], "1984-01-01");
        assert_eq!(returns["actual"], "90500");
        assert_eq!(returns["cumulative"], "yes");
    }

    #[test]
    fn data_quality_entries_are_listed() {
        let parts = parsed();
        let (_, rows) = &parts["data_quality.csv"];
        let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "missing rate",
                "unverified result",
                "overdue installment",
                "earmarked without programme",
                "no results in period"
            ]
        );
    }
}
