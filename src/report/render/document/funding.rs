//! Sections 2 to 6, the money: assessed and voluntary contributions, flexibility, multi-year
//! commitments and the use of unearmarked funding.

use super::{Cell, Section, Table, cell, terms};
use crate::{
    pb,
    report::render::{
        labels,
        words::{Arg, Words},
    },
};

/// A column label: `#` marks a figure column, `~` one kept on one line.
fn figure(w: &Words, id: &str) -> String {
    format!("{}#", w.t(id))
}

/// A figure column in a currency: "Paid (USD)".
fn in_currency(w: &Words, id: &str, currency: &str) -> String {
    format!(
        "{}#",
        w.t_args(
            "col-in-currency",
            &[
                ("label", Arg::Text(&w.t(id))),
                ("currency", Arg::Text(currency))
            ]
        )
    )
}

/// A line that could not be converted: "no rate", flagged, never 0.00.
fn no_rate(w: &Words) -> Cell {
    cell(w.t("no-rate")).note(w.t("not-counted")).flag(true)
}

/// Lines in the alphabetical order of the names the reader reads (a Member State is named in
/// the language, so its place in the list changes with it); lines of the same name keep the
/// report's order.
fn by_name<'a, T>(
    w: &Words,
    lines: &'a [T],
    name: impl Fn(&T) -> (&String, &String),
) -> Vec<&'a T> {
    let mut named: Vec<(String, &T)> = lines
        .iter()
        .map(|l| {
            let (organization, recorded) = name(l);
            (w.organization(organization, recorded), l)
        })
        .collect();
    // Stable: lines of the same name keep the report's order.
    named.sort_by(|a, b| w.compare_names(&a.0, &b.0));
    named.into_iter().map(|(_, l)| l).collect()
}

fn text(words: &[String]) -> Vec<&str> {
    words.iter().map(String::as_str).collect()
}

pub(super) fn assessed(a: &pb::AssessedContributions, w: &Words) -> Section {
    let columns = [
        w.t("col-member-state"),
        figure(w, "col-scale"),
        figure(w, "col-outstanding-year-start"),
        figure(w, "col-assessed-in-year"),
        figure(w, "col-received-in-year"),
        figure(w, "col-outstanding-status-date"),
        figure(w, "col-arrears-prior-years"),
        w.t("col-article-4"),
    ];
    let mut t = Table::new("", &text(&columns)).empty(w.t("assessed-none"));
    for l in by_name(w, &a.member_states, |l| (&l.member_state, &l.display_name)) {
        t.row(vec![
            cell(w.organization(&l.member_state, &l.display_name)),
            cell(&l.scale_percentage),
            cell(&l.outstanding_at_year_start),
            cell(&l.assessed_in_year),
            cell(&l.received_in_year),
            cell(&l.outstanding_at_status_date),
            cell(&l.arrears),
            if l.article_4 {
                cell(w.t("yes"))
                    .flag(true)
                    .note(w.t("assessed-subject-to-article-4"))
            } else {
                cell("")
            },
        ]);
    }
    t.total(vec![
        cell(w.t("total")),
        cell(""),
        cell(&a.total_outstanding_at_year_start),
        cell(&a.total_assessed_in_year),
        cell(&a.total_received_in_year),
        cell(&a.total_outstanding_at_status_date),
        cell(&a.total_arrears),
        cell(w.t_args(
            "assessed-subject-count",
            &[("count", Arg::Count(a.article_4_count.into()))],
        )),
    ]);
    let columns = [
        w.t("col-member-state"),
        figure(w, "col-arrears"),
        figure(w, "col-due-two-preceding-years"),
        w.t("col-council-informed"),
        w.t("col-loss-of-vote-from"),
        w.t("col-vote"),
    ];
    let mut subject =
        Table::new(w.t("article-4-title"), &text(&columns)).empty(w.t("article-4-none"));
    for l in by_name(w, &a.subject_to_article_4, |l| {
        (&l.member_state, &l.display_name)
    }) {
        subject.row(vec![
            cell(w.organization(&l.member_state, &l.display_name)),
            cell(&l.arrears),
            cell(&l.due_two_preceding_years),
            cell(w.date(&l.council_informed_date)),
            cell(w.date(&l.loss_of_vote_date)),
            cell(terms::vote(w, l.vote)).flag(l.vote == pb::VoteStatus::Lost as i32),
        ]);
    }
    let columns = [
        w.t("col-member-state"),
        w.t("col-plan"),
        w.t("col-agreed"),
        figure(w, "col-due-to-date"),
        figure(w, "col-paid-since-agreed"),
        w.t("col-honoured"),
    ];
    let mut plans = Table::new(w.t("plans-title"), &text(&columns)).empty(w.t("plans-none"));
    for l in by_name(w, &a.payment_plans, |l| (&l.member_state, &l.display_name)) {
        plans.row(vec![
            cell(w.organization(&l.member_state, &l.display_name)),
            cell(&l.reference),
            cell(w.date(&l.agreed_date)),
            cell(&l.due_to_date),
            cell(&l.paid_since_agreed),
            cell(terms::yes_no(w, l.honoured)).flag(!l.honoured),
        ]);
    }
    let columns = [
        w.t("col-member-state"),
        w.t("col-decision"),
        w.t("col-date"),
        w.t("col-council-document"),
    ];
    let mut decisions =
        Table::new(w.t("decisions-title"), &text(&columns)).empty(w.t("decisions-none"));
    for l in by_name(w, &a.council_decisions, |l| {
        (&l.member_state, &l.display_name)
    }) {
        decisions.row(vec![
            cell(w.organization(&l.member_state, &l.display_name)),
            cell(terms::vote(w, l.decision)),
            cell(w.date(&l.date)),
            cell(&l.reference),
        ]);
    }
    let year = a.year.to_string();
    Section {
        id: "assessed",
        heading: w.t_args(
            "heading-assessed",
            &[("currency", Arg::Text(&a.currency_code))],
        ),
        notes: vec![
            w.t_args(
                "assessed-note",
                &[
                    ("year", Arg::Text(&year)),
                    ("currency", Arg::Text(&a.currency_code)),
                ],
            ),
            w.t_args(
                "assessed-article-4-note",
                &[("count", Arg::Count(a.article_4_count.into()))],
            ),
        ],
        tables: vec![t, subject, plans, decisions],
    }
}

fn converted(
    title: String,
    header: &pb::ReportHeader,
    currency: &str,
    lines: &[pb::ConvertedLine],
    total: &str,
    w: &Words,
) -> Table {
    let columns = [
        w.t("col-donor"),
        w.t("col-category"),
        w.t("col-modality"),
        format!("{}~", w.t("col-month")),
        format!("{}~", w.t("col-currency")),
        figure(w, "col-amount"),
        figure(w, "col-rate"),
        format!("{currency}#"),
    ];
    let mut t = Table::new(title, &text(&columns));
    for l in by_name(w, lines, |l| (&l.donor, &l.donor_name)) {
        let (code, amount) = labels::money(l.original.as_ref());
        t.row(vec![
            cell(w.organization(&l.donor, &l.donor_name)),
            cell(terms::category_with_code(w, l.earmarking_category)),
            cell(terms::modality(w, l.earmarking_modality)),
            cell(w.date(&l.month)),
            cell(code),
            cell(amount),
            cell(labels::rate_value(Some(header), &l.exchange_rate)),
            if l.amount.is_empty() {
                no_rate(w)
            } else {
                cell(&l.amount)
            },
        ]);
    }
    let mut totals = vec![cell(w.t("total"))];
    totals.extend((0..6).map(|_| cell("")));
    totals.push(cell(total));
    t.total(totals);
    t
}

pub(super) fn voluntary(
    header: &pb::ReportHeader,
    v: &pb::VoluntaryContributions,
    w: &Words,
) -> Section {
    let currency = &v.currency_code;
    let columns = [
        w.t("col-donor"),
        in_currency(w, "col-paid", currency),
        in_currency(w, "col-committed", currency),
    ];
    let mut donors = Table::new(w.t("voluntary-by-donor"), &text(&columns));
    for d in by_name(w, &v.donors, |d| (&d.donor, &d.donor_name)) {
        donors.row(vec![
            cell(w.organization(&d.donor, &d.donor_name)),
            cell(&d.paid),
            cell(&d.committed),
        ]);
    }
    donors.total(vec![
        cell(w.t("total")),
        cell(&v.total_paid),
        cell(&v.total_committed),
    ]);

    let columns = [
        w.t("col-donor"),
        format!("{}~", w.t("col-announced")),
        w.t("col-category"),
        format!("{}~", w.t("col-currency")),
        figure(w, "col-amount"),
        w.t("col-counted"),
    ];
    let mut pledges = Table::new(w.t("pledges-title"), &text(&columns))
        .note(w.t("pledges-note"))
        .empty(w.t("pledges-none"))
        .class("pledges");
    for p in by_name(w, &v.pledges, |p| (&p.donor, &p.donor_name)) {
        let (code, amount) = labels::money(p.amount.as_ref());
        pledges.row(vec![
            cell(w.organization(&p.donor, &p.donor_name)),
            cell(w.date(&p.agreement_date)),
            cell(terms::category_with_code(w, p.earmarking_category)),
            cell(code),
            cell(amount),
            cell(w.t("not-counted")),
        ]);
    }

    let mut notes = vec![
        w.t_args("voluntary-note", &[("currency", Arg::Text(currency))]),
        w.t("voluntary-pledges-note"),
    ];
    if v.lines_without_rate > 0 {
        notes.push(w.t_args(
            "voluntary-no-rate-note",
            &[
                ("count", Arg::Count(v.lines_without_rate.into())),
                ("currency", Arg::Text(currency)),
            ],
        ));
    }
    Section {
        id: "voluntary",
        heading: w.t_args("heading-voluntary", &[("currency", Arg::Text(currency))]),
        notes,
        tables: vec![
            donors,
            converted(
                w.t("voluntary-paid-title"),
                header,
                currency,
                &v.paid,
                &v.total_paid,
                w,
            ),
            converted(
                w.t("voluntary-committed-title"),
                header,
                currency,
                &v.committed,
                &v.total_committed,
                w,
            ),
            pledges,
        ],
    }
}

pub(super) fn flexibility(f: &pb::Flexibility, w: &Words) -> Section {
    let currency = &f.currency_code;
    let amount = in_currency(w, "col-amount", currency);
    let share = figure(w, "col-share");
    let category = w.t("col-earmarking-category");
    let mut categories = Table::new(
        w.t("flexibility-by-category"),
        &[&category, &amount, &share],
    );
    for c in &f.categories {
        categories.row(vec![
            cell(terms::category_with_code(w, c.category)),
            cell(&c.amount),
            cell(&c.share),
        ]);
    }
    categories.total(vec![
        cell(w.t("total")),
        cell(&f.total),
        cell(labels::total_share(
            f.categories.iter().map(|c| c.share.as_str()),
        )),
    ]);
    categories.total(vec![
        cell(w.t("flexible-total")),
        cell(&f.flexible_amount),
        cell(&f.flexible_share),
    ]);
    let mut modalities = Table::new(
        w.t("flexibility-by-modality"),
        &[&w.t("col-modality"), &category, &amount, &share],
    );
    for m in &f.modalities {
        modalities.row(vec![
            cell(terms::modality(w, m.modality)),
            cell(terms::category_with_code(w, m.category)),
            cell(&m.amount),
            cell(&m.share),
        ]);
    }
    modalities.total(vec![
        cell(w.t("total")),
        cell(""),
        cell(&f.total),
        cell(labels::total_share(
            f.modalities.iter().map(|m| m.share.as_str()),
        )),
    ]);
    let columns = [
        w.t("col-donor"),
        in_currency(w, "col-unearmarked-1", currency),
        in_currency(w, "col-softly-earmarked-2", currency),
        in_currency(w, "col-flexible", currency),
    ];
    let mut donors = Table::new(w.t("flexibility-by-donor"), &text(&columns))
        .empty(w.t("flexibility-by-donor-none"));
    for d in by_name(w, &f.donors, |d| (&d.donor, &d.donor_name)) {
        donors.row(vec![
            cell(w.organization(&d.donor, &d.donor_name)),
            cell(&d.unearmarked),
            cell(&d.softly_earmarked),
            cell(&d.flexible),
        ]);
    }
    donors.total(vec![
        cell(w.t("total")),
        cell(f.categories.first().map_or("", |c| c.amount.as_str())),
        cell(f.categories.get(1).map_or("", |c| c.amount.as_str())),
        cell(&f.flexible_amount),
    ]);
    Section {
        id: "flexibility",
        heading: w.t("heading-flexibility"),
        notes: vec![
            w.t_args("flexibility-note", &[("currency", Arg::Text(currency))]),
            w.t_args(
                "flexibility-flexible-note",
                &[
                    ("amount", Arg::Text(&w.money(currency, &f.flexible_amount))),
                    ("share", Arg::Text(&w.number(&f.flexible_share))),
                ],
            ),
        ],
        tables: vec![categories, modalities, donors],
    }
}

pub(super) fn multi_year(m: &pb::MultiYearCommitments, w: &Words) -> Section {
    let currency = &m.currency_code;
    let mut columns = vec![w.t("col-donor")];
    columns.extend(m.years.iter().map(|y| format!("{y}#")));
    columns.push(in_currency(w, "col-total", currency));
    let mut by_year = Table::new(
        w.t_args("multi-year-by-year", &[("currency", Arg::Text(currency))]),
        &text(&columns),
    )
    .empty(w.t("multi-year-none"));
    for d in by_name(w, &m.donors, |d| (&d.donor, &d.donor_name)) {
        let mut cells = vec![cell(w.organization(&d.donor, &d.donor_name))];
        cells.extend(d.amounts.iter().map(cell));
        cells.push(cell(&d.total));
        by_year.row(cells);
    }
    let mut totals = vec![cell(w.t("total"))];
    totals.extend(m.year_totals.iter().map(cell));
    totals.push(cell(&m.total));
    by_year.total(totals);
    Section {
        id: "multi-year",
        heading: w.t("heading-multi-year"),
        notes: vec![
            w.t_args("multi-year-note", &[("currency", Arg::Text(currency))]),
            w.t("multi-year-no-rate-note"),
        ],
        tables: vec![by_year],
    }
}

/// The per-contribution schedules, placed after the numbered sections.
pub(super) fn schedules_annex(
    header: &pb::ReportHeader,
    m: &pb::MultiYearCommitments,
    w: &Words,
) -> Section {
    let currency = &m.currency_code;
    let columns = [
        w.t("col-donor"),
        w.t("col-contribution"),
        w.t("col-announced-at"),
        w.t("col-period"),
        w.t("col-category"),
        format!("{}~", w.t("col-currency")),
        figure(w, "col-total"),
        figure(w, "col-received"),
        figure(w, "col-outstanding"),
        w.t("col-rate"),
        in_currency(w, "col-total", currency),
        in_currency(w, "col-received", currency),
        in_currency(w, "col-outstanding", currency),
    ];
    let mut schedules = Table::new(w.t("annex-schedules-title"), &text(&columns))
        .empty(w.t("annex-schedules-none"));
    let columns = [
        w.t("col-donor"),
        format!("{}~", w.t("col-due-date")),
        format!("{}~", w.t("col-currency")),
        figure(w, "col-amount"),
        figure(w, "col-paid"),
        w.t("col-status"),
    ];
    let mut installments = Table::new(w.t("annex-installments-title"), &text(&columns))
        .empty(w.t("annex-installments-none"));
    for s in by_name(w, &m.schedules, |s| (&s.donor, &s.donor_name)) {
        let (code, total) = labels::money(s.total.as_ref());
        schedules.row(vec![
            cell(w.organization(&s.donor, &s.donor_name)),
            cell(&s.contribution),
            cell(terms::session_name(w, &s.announced_session)),
            cell(terms::span(w, &s.period_start, &s.period_end)),
            cell(terms::category_with_code(w, s.earmarking_category)),
            cell(&code),
            cell(total),
            cell(labels::amount(s.received.as_ref())),
            cell(labels::amount(s.outstanding.as_ref())),
            cell(terms::rate_named(w, header, &s.exchange_rate)),
            cell(&s.total_converted),
            cell(&s.received_converted),
            if s.outstanding_converted.is_empty() {
                no_rate(w)
            } else {
                cell(&s.outstanding_converted)
            },
        ]);
        for i in &s.installments {
            let (code, amount) = labels::money(i.amount.as_ref());
            let due = i.status == pb::InstallmentStatus::Due as i32;
            installments.row(vec![
                cell(w.organization(&s.donor, &s.donor_name)),
                cell(w.date(&i.due_date)),
                cell(code),
                cell(amount),
                cell(labels::amount(i.paid.as_ref())),
                cell(terms::installment_status(w, i.status)).flag(due),
            ]);
        }
    }
    let mut total = vec![cell(w.t("total"))];
    total.extend((0..11).map(|_| cell("")));
    total.push(cell(&m.total_outstanding));
    schedules.total(total);
    Section {
        id: "annex-schedules",
        heading: w.t("heading-annex-schedules"),
        notes: vec![
            w.t_args("annex-note", &[("currency", Arg::Text(currency))]),
            w.t("annex-installments-note"),
        ],
        tables: vec![schedules, installments],
    }
}

pub(super) fn unearmarked(
    u: &pb::UnearmarkedUse,
    results: &pb::ProgrammeResults,
    w: &Words,
) -> Section {
    let currency = &u.currency_code;
    let amount = in_currency(w, "col-amount", currency);
    let mut summary = Table::new("", &["", &amount]).class("summary");
    summary.row(vec![
        cell(w.t("unearmarked-received")),
        cell(&u.unearmarked_received),
    ]);
    summary.row(vec![
        cell(w.t("unearmarked-allocated")),
        cell(&u.total_allocated),
    ]);
    summary.total(vec![
        cell(w.t("unearmarked-unallocated")),
        cell(&u.unallocated),
    ]);

    let columns = [
        format!("{}~", w.t("col-date")),
        w.t("col-programme"),
        w.t("col-objective"),
        w.t("col-purpose"),
        amount.clone(),
    ];
    let mut allocations =
        Table::new(w.t("allocations-title"), &text(&columns)).empty(w.t("allocations-none"));
    for a in &u.allocations {
        let programme = if a.programme_code.is_empty() {
            w.t("allocation-objective-wide")
        } else {
            // The programme's title when the report knows it, with its code.
            results
                .programmes
                .iter()
                .find(|p| !a.programme.is_empty() && p.programme == a.programme)
                .map(|p| format!("{} ({})", p.title, p.code))
                .unwrap_or_else(|| a.programme_code.clone())
        };
        allocations.row(vec![
            cell(w.date(&a.allocation_date)),
            cell(programme),
            cell(terms::objective(w, a.srf_objective)),
            cell(&a.description),
            cell(&a.amount),
        ]);
    }
    allocations.total(vec![
        cell(w.t("total")),
        cell(""),
        cell(""),
        cell(""),
        cell(&u.total_allocated),
    ]);
    let share = figure(w, "col-share");
    let mut objectives = Table::new(
        w.t("objectives-title"),
        &[&w.t("col-objective"), &amount, &share],
    );
    for o in &u.objectives {
        objectives.row(vec![
            cell(terms::objective(w, o.srf_objective)),
            cell(&o.amount),
            cell(&o.share),
        ]);
    }
    objectives.total(vec![
        cell(w.t("total")),
        cell(&u.total_allocated),
        cell(labels::total_share(
            u.objectives.iter().map(|o| o.share.as_str()),
        )),
    ]);
    Section {
        id: "unearmarked",
        heading: w.t("heading-unearmarked"),
        notes: vec![w.t_args("unearmarked-note", &[("currency", Arg::Text(currency))])],
        tables: vec![summary, allocations, objectives],
    }
}
