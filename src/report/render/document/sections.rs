//! The nine sections of the document in the contract's order, then the annex of schedules; here the session, results,
//! changes and data quality, and in `funding` the money.

use super::{
    Section, Table, cell,
    funding::{assessed, flexibility, multi_year, schedules_annex, unearmarked, voluntary},
    terms,
};
use crate::{
    pb,
    report::render::words::{Arg, Words},
};

pub fn all(report: &pb::Report, content: &pb::ReportContent, w: &Words) -> Vec<Section> {
    let header = content.header.clone().unwrap_or_default();
    let results_section = content.programme_results.clone().unwrap_or_default();
    vec![
        session(report, &header, w),
        assessed(
            &content.assessed_contributions.clone().unwrap_or_default(),
            w,
        ),
        voluntary(
            &header,
            &content.voluntary_contributions.clone().unwrap_or_default(),
            w,
        ),
        flexibility(&content.flexibility.clone().unwrap_or_default(), w),
        multi_year(
            &content.multi_year_commitments.clone().unwrap_or_default(),
            w,
        ),
        unearmarked(
            &content
                .use_of_unearmarked_funding
                .clone()
                .unwrap_or_default(),
            &results_section,
            w,
        ),
        results(&results_section, w),
        changes(
            &header,
            &content.changes_since_previous.clone().unwrap_or_default(),
            w,
        ),
        data_quality(&content.data_quality.clone().unwrap_or_default(), w),
        schedules_annex(
            &header,
            &content.multi_year_commitments.clone().unwrap_or_default(),
            w,
        ),
    ]
}

fn session(report: &pb::Report, h: &pb::ReportHeader, w: &Words) -> Section {
    let mut facts = Table::new("", &[&w.t("col-fact"), &w.t("col-value")]).class("facts");
    let finalized = if report.finalize_time.is_some() {
        w.t_args(
            "instant-by",
            &[
                (
                    "instant",
                    Arg::Text(&w.instant(report.finalize_time.as_ref())),
                ),
                ("who", Arg::Text(&report.finalized_by)),
            ],
        )
    } else {
        w.t("not-finalized")
    };
    let status_date = if h.status_date.is_empty() {
        &report.status_date
    } else {
        &h.status_date
    };
    let session = if h.session_number > 0 {
        format!(
            "{} ({})",
            terms::session_name(w, &format!("sessions/{}", h.session_number)),
            terms::body(w, h.body)
        )
    } else {
        format!("{} ({})", h.session, terms::body(w, h.body))
    };
    let rows: [(String, String); 12] = [
        (w.t("fact-session"), session),
        (
            w.t("fact-meeting-dates"),
            terms::span(w, &h.session_start_date, &h.session_end_date),
        ),
        (
            w.t("fact-reporting-period"),
            terms::span(w, &h.reporting_period_start, &h.reporting_period_end),
        ),
        (w.t("fact-status-date"), w.date(status_date)),
        (w.t("fact-as-of"), w.instant(report.as_of.as_ref())),
        (w.t("fact-report"), report.name.clone()),
        (w.t("fact-revision"), report.revision.to_string()),
        (w.t("fact-state"), terms::state(w, report.state)),
        (
            w.t("fact-generated"),
            w.t_args(
                "instant-by",
                &[
                    (
                        "instant",
                        Arg::Text(&w.instant(report.create_time.as_ref())),
                    ),
                    ("who", Arg::Text(&report.created_by)),
                ],
            ),
        ),
        (w.t("fact-finalized"), finalized),
        (
            w.t("fact-currencies"),
            w.t_args(
                "currencies",
                &[
                    ("administrative", Arg::Text(&h.administrative_currency_code)),
                    ("operational", Arg::Text(&h.operational_currency_code)),
                ],
            ),
        ),
        (w.t("fact-sha256"), report.content_sha256.clone()),
    ];
    for (label, value) in rows {
        facts.row(vec![cell(label), cell(value)]);
    }
    let mut rates = Table::new(
        w.t("rates-title"),
        &[
            &w.t("col-exchange-rate"),
            &format!("{}#", w.t("col-rate")),
            &w.t("col-source"),
            &format!("{}#", w.t("col-revision")),
        ],
    )
    .note(w.t("rates-note"))
    .empty(w.t("rates-empty"));
    for r in &h.rates_used {
        rates.row(vec![
            cell(terms::rate_title(w, &r.exchange_rate)),
            cell(&r.rate),
            cell(terms::rate_source(w, &r.source)),
            cell(r.revision.to_string()),
        ]);
    }
    Section {
        id: "session",
        heading: w.t("heading-session"),
        notes: vec![],
        tables: vec![facts, rates],
    }
}
fn results(r: &pb::ProgrammeResults, w: &Words) -> Section {
    let mut tables = Vec::new();
    for p in &r.programmes {
        let mut t = Table::new(
            format!("{} — {}", p.title, p.code),
            &[
                &w.t("col-indicator"),
                &format!("{}~", w.t("col-breakdown")),
                &format!("{}#", w.t("col-baseline")),
                &format!("{}#", w.t("col-target")),
                &format!("{}#", w.t("col-actual")),
                &format!("{}#", w.t("col-achievement")),
            ],
        )
        .note(w.t_args(
            "results-objective",
            &[(
                "objective",
                Arg::Text(&terms::objective(w, p.srf_objective)),
            )],
        ))
        .empty(w.t("results-no-indicator"));
        for i in &p.indicators {
            let mut qualifiers = vec![terms::result_level(w, i.result_level)];
            if i.cumulative {
                qualifiers.push(w.t("results-cumulative"));
            }
            if !i.unit.is_empty() {
                qualifiers.push(w.t_args("results-unit", &[("unit", Arg::Text(&i.unit))]));
            }
            qualifiers.push(if i.period_start.is_empty() {
                w.t("results-no-measurement")
            } else {
                terms::span(w, &i.period_start, &i.period_end)
            });
            qualifiers.retain(|q| !q.is_empty());
            let total = i.total.clone().unwrap_or_default();
            let unverified = !total.verified;
            t.row(vec![
                cell(&i.title).note(qualifiers.join(", ")),
                cell(if i.disaggregation.is_empty() {
                    String::new()
                } else {
                    w.t("results-total")
                }),
                cell(&i.baseline).note(w.date(&i.baseline_date)),
                cell(&total.target),
                cell(&total.actual).unverified(unverified),
                cell(&total.achievement).unverified(unverified),
            ]);
            for d in &i.disaggregation {
                let f = d.figures.clone().unwrap_or_default();
                let unverified = !f.verified;
                t.detail(vec![
                    cell(""),
                    cell(terms::dimensions(&d.dimensions)),
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
        tables.push(Table::new("", &[&w.t("col-programme")]).empty(w.t("results-none")));
    }
    Section {
        id: "results",
        heading: w.t("heading-results"),
        notes: vec![w.t("results-note-figures"), w.t("results-note-unverified")],
        tables,
    }
}

fn changes(header: &pb::ReportHeader, c: &pb::ChangesSincePrevious, w: &Words) -> Section {
    let mut t = Table::new("", &[&w.t("col-change")]).empty(w.t("changes-none"));
    for statement in &c.statements {
        t.row(vec![cell(super::changes::sentence(statement, w))]);
    }
    let mut notes = vec![if c.previous_report.is_empty() {
        w.t("changes-no-previous")
    } else {
        previous_report(header, c, w)
    }];
    let listed = c
        .statements
        .iter()
        .filter(|s| !s.contribution.is_empty())
        .count();
    if (c.contribution_changes as usize) > listed {
        notes.push(w.t_args(
            "changes-some-listed",
            &[
                ("listed", Arg::Count(listed as i64)),
                ("total", Arg::Count(c.contribution_changes.into())),
            ],
        ));
    }
    Section {
        id: "changes",
        heading: w.t("heading-changes"),
        notes,
        tables: if c.previous_report.is_empty() {
            vec![]
        } else {
            vec![t]
        },
    }
}

/// Section 8's first note: the previous report named as a reader knows it, by its session and
/// the day it was made final; by its identifier for reports stored before those were recorded.
fn previous_report(header: &pb::ReportHeader, c: &pb::ChangesSincePrevious, w: &Words) -> String {
    let status = w.date(&c.previous_status_date);
    let previous = pb::ReportHeader {
        body: header.body,
        session_number: c.previous_session_number,
        ..Default::default()
    };
    match terms::session_title(w, &previous) {
        Some(session) if !c.previous_finalized_date.is_empty() => w.t_args(
            "changes-note-session",
            &[
                ("session", Arg::Text(&session)),
                (
                    "dates",
                    Arg::Text(&terms::span(
                        w,
                        &c.previous_session_start_date,
                        &c.previous_session_end_date,
                    )),
                ),
                ("final", Arg::Text(&w.date(&c.previous_finalized_date))),
                ("date", Arg::Text(&status)),
            ],
        ),
        _ => w.t_args(
            "changes-note",
            &[
                ("report", Arg::Text(&c.previous_report)),
                ("date", Arg::Text(&status)),
            ],
        ),
    }
}

pub(super) fn data_quality(d: &pb::DataQuality, w: &Words) -> Section {
    let mut t = Table::new(
        "",
        // The sentence before the identifier it is about, so that it has the room to read.
        &[&w.t("col-issue"), &w.t("col-detail"), &w.t("col-subject")],
    )
    .empty(w.t("quality-none"));
    for i in &d.issues {
        t.row(vec![
            cell(terms::data_quality_kind(w, i.kind)),
            cell(terms::quality_sentence(w, i)),
            cell(&i.subject),
        ]);
    }
    Section {
        id: "data-quality",
        heading: w.t("heading-data-quality"),
        notes: vec![w.t("quality-note")],
        tables: vec![t],
    }
}
