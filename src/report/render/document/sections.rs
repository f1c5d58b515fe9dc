//! The nine sections of the document in the contract's order, then the annex of schedules; here the session, results,
//! changes and data quality, and in `funding` the money.

use super::{
    Section, Table, cell,
    funding::{assessed, flexibility, multi_year, schedules_annex, unearmarked, voluntary},
};
use crate::{pb, report::render::labels};

pub fn all(report: &pb::Report, content: &pb::ReportContent) -> Vec<Section> {
    let header = content.header.clone().unwrap_or_default();
    vec![
        session(report, &header),
        assessed(&content.assessed_contributions.clone().unwrap_or_default()),
        voluntary(
            &header,
            &content.voluntary_contributions.clone().unwrap_or_default(),
        ),
        flexibility(&content.flexibility.clone().unwrap_or_default()),
        multi_year(&content.multi_year_commitments.clone().unwrap_or_default()),
        unearmarked(
            &content
                .use_of_unearmarked_funding
                .clone()
                .unwrap_or_default(),
        ),
        results(&content.programme_results.clone().unwrap_or_default()),
        changes(&content.changes_since_previous.clone().unwrap_or_default()),
        data_quality(&content.data_quality.clone().unwrap_or_default()),
        schedules_annex(
            &header,
            &content.multi_year_commitments.clone().unwrap_or_default(),
        ),
    ]
}

/// "2025-01-01 to 2025-06-30", or the one date there is.
pub(super) fn span(from: &str, to: &str) -> String {
    match (from.is_empty(), to.is_empty()) {
        (false, false) => format!("{from} to {to}"),
        (false, true) => from.to_owned(),
        (true, false) => to.to_owned(),
        (true, true) => String::new(),
    }
}

/// The rate's value when the report lists it, else its name.
pub(super) fn rate(header: &pb::ReportHeader, name: &str) -> String {
    match labels::rate_value(Some(header), name) {
        "" => name.to_owned(),
        value => value.to_owned(),
    }
}

fn session(report: &pb::Report, h: &pb::ReportHeader) -> Section {
    let mut facts = Table::new("", &["Fact", "Value"]).class("facts");
    let finalized = if report.finalize_time.is_some() {
        format!(
            "{} by {}",
            labels::instant(report.finalize_time.as_ref()),
            report.finalized_by
        )
    } else {
        "not finalized".to_owned()
    };
    let status_date = if h.status_date.is_empty() {
        &report.status_date
    } else {
        &h.status_date
    };
    let rows: [(&str, String); 12] = [
        (
            "Session",
            format!("{} ({})", h.session, labels::body(h.body)),
        ),
        (
            "Meeting dates",
            span(&h.session_start_date, &h.session_end_date),
        ),
        (
            "Reporting period",
            span(&h.reporting_period_start, &h.reporting_period_end),
        ),
        (
            "Status of contributions as at",
            labels::long_date(status_date),
        ),
        (
            "Figures as known at",
            labels::instant(report.as_of.as_ref()),
        ),
        ("Report", report.name.clone()),
        ("Revision", report.revision.to_string()),
        ("State", labels::state(report.state)),
        (
            "Generated",
            format!(
                "{} by {}",
                labels::instant(report.create_time.as_ref()),
                report.created_by
            ),
        ),
        ("Finalized", finalized),
        (
            "Currencies",
            format!(
                "Administrative Part {}, Operational Part {}",
                h.administrative_currency_code, h.operational_currency_code
            ),
        ),
        ("Content SHA-256", report.content_sha256.clone()),
    ];
    for (label, value) in rows {
        facts.row(vec![cell(label), cell(value)]);
    }
    let mut rates = Table::new(
        "Exchange rates used",
        &["Exchange rate~", "Rate#", "Source", "Revision#"],
    )
    .note("Units of the quote currency per unit of the base currency.")
    .empty("No conversion was needed.");
    for r in &h.rates_used {
        rates.row(vec![
            cell(&r.exchange_rate),
            cell(&r.rate),
            cell(&r.source),
            cell(r.revision.to_string()),
        ]);
    }
    Section {
        id: "session",
        heading: "1. Session, reporting period and rates".into(),
        notes: vec![],
        tables: vec![facts, rates],
    }
}
fn results(r: &pb::ProgrammeResults) -> Section {
    let mut tables = Vec::new();
    for p in &r.programmes {
        let mut t = Table::new(
            format!("{} — {}", p.code, p.title),
            &[
                "Indicator",
                "Breakdown~",
                "Baseline#",
                "Target#",
                "Actual#",
                "Achievement (%)#",
            ],
        )
        .note(format!(
            "Objective: {}.",
            labels::objective(p.srf_objective)
        ))
        .empty("No indicator.");
        for i in &p.indicators {
            let mut qualifiers = vec![labels::result_level(i.result_level)];
            if i.cumulative {
                qualifiers.push("cumulative".into());
            }
            if !i.unit.is_empty() {
                qualifiers.push(format!("in {}", i.unit));
            }
            qualifiers.push(if i.period_start.is_empty() {
                "no measurement in the period".into()
            } else {
                span(&i.period_start, &i.period_end)
            });
            qualifiers.retain(|q| !q.is_empty());
            let total = i.total.clone().unwrap_or_default();
            let unverified = !total.verified;
            t.row(vec![
                cell(&i.title).note(qualifiers.join(", ")),
                cell(if i.disaggregation.is_empty() {
                    ""
                } else {
                    "total"
                }),
                cell(&i.baseline).note(&i.baseline_date),
                cell(&total.target),
                cell(&total.actual).unverified(unverified),
                cell(&total.achievement).unverified(unverified),
            ]);
            for d in &i.disaggregation {
                let f = d.figures.clone().unwrap_or_default();
                let unverified = !f.verified;
                t.detail(vec![
                    cell(""),
                    cell(labels::dimensions_for_people(&d.dimensions)),
                    cell(""),
                    cell(&f.target),
                    cell(&f.actual).unverified(unverified),
                    cell(&f.achievement).unverified(unverified),
                ]);
            }
        }
        tables.push(t);
    }
    if tables.is_empty() {
        tables.push(Table::new("", &["Programme"]).empty("No programme has indicators."));
    }
    Section {
        id: "results",
        heading: "7. Programme results".into(),
        notes: vec![
            "For a cumulative indicator the figures are those of the latest period ending by \
             the end of the reporting period; otherwise they are the sums over the periods \
             within it. Achievement is the progress from baseline to target, in the direction \
             that is better."
                .into(),
            "Figures marked † are unverified: at least one measurement behind them has not \
             been verified."
                .into(),
        ],
        tables,
    }
}

fn changes(c: &pb::ChangesSincePrevious) -> Section {
    let mut t = Table::new("", &["Change"]).empty("Nothing changed.");
    for statement in &c.statements {
        t.row(vec![cell(super::changes::sentence(statement))]);
    }
    let mut notes = vec![if c.previous_report.is_empty() {
        "There is no previous final report to compare with.".to_owned()
    } else {
        format!(
            "What changed since {}, the previous session's final report (status at {}): the \
             same Member State's position, the same contribution's schedule, and the totals of \
             the same year. Money paid in each report's own period is not compared.",
            c.previous_report, c.previous_status_date
        )
    }];
    let listed = c
        .statements
        .iter()
        .filter(|s| !s.contribution.is_empty())
        .count();
    if (c.contribution_changes as usize) > listed {
        notes.push(format!(
            "{listed} of {} changes to contributions are listed here; the exports list them all.",
            c.contribution_changes
        ));
    }
    Section {
        id: "changes",
        heading: "8. Changes since the previous session's final report".into(),
        notes,
        tables: if c.previous_report.is_empty() {
            vec![]
        } else {
            vec![t]
        },
    }
}

fn data_quality(d: &pb::DataQuality) -> Section {
    let mut t =
        Table::new("", &["Issue", "Subject", "Detail"]).empty("Nothing is missing or doubtful.");
    for i in &d.issues {
        t.row(vec![
            cell(labels::data_quality_kind(i.kind)),
            cell(&i.subject),
            cell(&i.message),
        ]);
    }
    Section {
        id: "data-quality",
        heading: "9. Data quality".into(),
        notes: vec![
            "What is missing or doubtful in the data behind this report: missing rates, \
             unverified results, overdue installments and the like."
                .into(),
        ],
        tables: vec![t],
    }
}
