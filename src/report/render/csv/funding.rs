//! The tables of the money sections (2 to 6): assessed, voluntary, flexibility, multi-year
//! commitments and the use of unearmarked funding.

use super::{Emit, Part, Piece, TOTAL, Table};
use crate::{
    pb,
    report::render::{RenderError, labels},
};

/// The parts of sections 2 to 6, in order, each handed to `emit` when finished.
pub fn parts(
    header: Option<&pb::ReportHeader>,
    content: &pb::ReportContent,
    emit: &mut Emit<'_>,
) -> Result<(), RenderError> {
    // Sections a report lacks are empty: borrowed, not copied, since they can be large.
    let (v, f, m, u) = Default::default();
    let voluntary = content.voluntary_contributions.as_ref().unwrap_or(&v);
    let flexibility = content.flexibility.as_ref().unwrap_or(&f);
    let multi_year = content.multi_year_commitments.as_ref().unwrap_or(&m);
    let unearmarked = content.use_of_unearmarked_funding.as_ref().unwrap_or(&u);
    let no_assessed = pb::AssessedContributions::default();
    let assessed_section = content
        .assessed_contributions
        .as_ref()
        .unwrap_or(&no_assessed);
    emit(assessed(assessed_section)?)?;
    emit(article_4(assessed_section)?)?;
    emit(payment_plans(assessed_section)?)?;
    emit(council_decisions(assessed_section)?)?;
    emit(converted_lines(
        "voluntary_paid.csv",
        header,
        voluntary,
        &voluntary.paid,
        &voluntary.total_paid,
    )?)?;
    emit(converted_lines(
        "voluntary_committed.csv",
        header,
        voluntary,
        &voluntary.committed,
        &voluntary.total_committed,
    )?)?;
    emit(donors(voluntary)?)?;
    emit(pledges(voluntary, Piece::WHOLE)?)?;
    emit(flexibility_categories(flexibility)?)?;
    emit(flexibility_modalities(flexibility)?)?;
    emit(flexibility_donors(flexibility)?)?;
    emit(multi_year_commitments(header, multi_year, Piece::WHOLE)?)?;
    emit(multi_year_by_year(multi_year)?)?;
    emit(multi_year_schedules(multi_year, Piece::WHOLE)?)?;
    emit(unearmarked_allocations(
        unearmarked,
        content
            .programme_results
            .as_ref()
            .unwrap_or(&Default::default()),
    )?)?;
    emit(unearmarked_objectives(unearmarked)?)
}

fn assessed(a: &pb::AssessedContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "assessed_contributions.csv",
        &[
            "member_state",
            "name",
            "currency",
            "scale_percentage",
            "outstanding_at_year_start",
            "assessed_in_year",
            "received_in_year",
            "outstanding_at_status_date",
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
            &l.scale_percentage,
            &l.outstanding_at_year_start,
            &l.assessed_in_year,
            &l.received_in_year,
            &l.outstanding_at_status_date,
            &l.arrears,
            &l.due_two_preceding_years,
            &labels::yes_no(l.article_4),
        ])?;
    }
    // The total of the flag column is the number of Member States subject to Article 4.
    t.labelled(
        TOTAL,
        &[
            ("currency", &a.currency_code),
            (
                "outstanding_at_year_start",
                &a.total_outstanding_at_year_start,
            ),
            ("assessed_in_year", &a.total_assessed_in_year),
            ("received_in_year", &a.total_received_in_year),
            (
                "outstanding_at_status_date",
                &a.total_outstanding_at_status_date,
            ),
            ("arrears", &a.total_arrears),
            ("article_4", &a.article_4_count.to_string()),
        ],
    )?;
    t.finish()
}

fn article_4(a: &pb::AssessedContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "article_4.csv",
        &[
            "member_state",
            "name",
            "currency",
            "arrears",
            "due_two_preceding_years",
            "council_informed_date",
            "loss_of_vote_date",
            "vote",
        ],
    )?;
    for l in &a.subject_to_article_4 {
        t.row([
            l.member_state.as_str(),
            &l.display_name,
            &a.currency_code,
            &l.arrears,
            &l.due_two_preceding_years,
            &l.council_informed_date,
            &l.loss_of_vote_date,
            &labels::vote(l.vote),
        ])?;
    }
    t.finish()
}

fn payment_plans(a: &pb::AssessedContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "payment_plans.csv",
        &[
            "member_state",
            "name",
            "reference",
            "agreed_date",
            "currency",
            "due_to_date",
            "paid_since_agreed",
            "honoured",
        ],
    )?;
    for l in &a.payment_plans {
        t.row([
            l.member_state.as_str(),
            &l.display_name,
            &l.reference,
            &l.agreed_date,
            &a.currency_code,
            &l.due_to_date,
            &l.paid_since_agreed,
            &labels::yes_no(l.honoured),
        ])?;
    }
    t.finish()
}

fn council_decisions(a: &pb::AssessedContributions) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "council_decisions.csv",
        &["member_state", "name", "decision", "date", "reference"],
    )?;
    for l in &a.council_decisions {
        t.row([
            l.member_state.as_str(),
            &l.display_name,
            &labels::vote(l.decision),
            &l.date,
            &l.reference,
        ])?;
    }
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
    t.labelled(
        TOTAL,
        &[
            ("converted_currency", &section.currency_code),
            ("converted_amount", total),
        ],
    )?;
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
    t.labelled(
        TOTAL,
        &[
            ("currency", &v.currency_code),
            ("paid", &v.total_paid),
            ("committed", &v.total_committed),
        ],
    )?;
    t.finish()
}

pub(super) fn pledges(v: &pb::VoluntaryContributions, piece: Piece) -> Result<Part, RenderError> {
    let mut t = Table::piece(
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
        piece,
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

fn flexibility_donors(f: &pb::Flexibility) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "flexibility_donors.csv",
        &[
            "donor",
            "donor_name",
            "currency",
            "unearmarked",
            "softly_earmarked",
            "flexible",
        ],
    )?;
    for d in &f.donors {
        t.row([
            d.donor.as_str(),
            &d.donor_name,
            &f.currency_code,
            &d.unearmarked,
            &d.softly_earmarked,
            &d.flexible,
        ])?;
    }
    t.labelled(
        TOTAL,
        &[
            ("currency", &f.currency_code),
            ("flexible", &f.flexible_amount),
        ],
    )?;
    t.finish()
}

pub(super) fn multi_year_commitments(
    header: Option<&pb::ReportHeader>,
    m: &pb::MultiYearCommitments,
    piece: Piece,
) -> Result<Part, RenderError> {
    let mut t = Table::piece(
        "multi_year_commitments.csv",
        &[
            "contribution",
            "donor",
            "donor_name",
            "announced_session",
            "period_start",
            "period_end",
            "earmarking_category",
            "currency",
            "total",
            "received",
            "outstanding",
            "exchange_rate",
            "rate",
            "converted_currency",
            "total_converted",
            "received_converted",
            "outstanding_converted",
        ],
        piece,
    )?;
    for s in &m.schedules {
        let (currency, total) = labels::money(s.total.as_ref());
        t.row([
            s.contribution.as_str(),
            &s.donor,
            &s.donor_name,
            &s.announced_session,
            &s.period_start,
            &s.period_end,
            &labels::category(s.earmarking_category),
            &currency,
            &total,
            &labels::amount(s.received.as_ref()),
            &labels::amount(s.outstanding.as_ref()),
            &s.exchange_rate,
            labels::rate_value(header, &s.exchange_rate),
            &m.currency_code,
            &s.total_converted,
            &s.received_converted,
            &s.outstanding_converted,
        ])?;
    }
    if piece.total {
        t.labelled(
            TOTAL,
            &[
                ("converted_currency", &m.currency_code),
                ("outstanding_converted", &m.total_outstanding),
            ],
        )?;
    }
    t.finish()
}

/// The donor-by-year table, one row per donor and year, then a total row per year and the grand
/// total.
fn multi_year_by_year(m: &pb::MultiYearCommitments) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "multi_year_by_year.csv",
        &["donor", "donor_name", "year", "currency", "outstanding"],
    )?;
    for d in &m.donors {
        for (year, amount) in m.years.iter().zip(&d.amounts) {
            t.row([
                d.donor.as_str(),
                &d.donor_name,
                &year.to_string(),
                &m.currency_code,
                amount,
            ])?;
        }
    }
    for (year, amount) in m.years.iter().zip(&m.year_totals) {
        t.labelled(
            TOTAL,
            &[
                ("year", &year.to_string()),
                ("currency", &m.currency_code),
                ("outstanding", amount),
            ],
        )?;
    }
    t.labelled(
        TOTAL,
        &[("currency", &m.currency_code), ("outstanding", &m.total)],
    )?;
    t.finish()
}

pub(super) fn multi_year_schedules(
    m: &pb::MultiYearCommitments,
    piece: Piece,
) -> Result<Part, RenderError> {
    let mut t = Table::piece(
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
        piece,
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

/// The allocations, with each programme's title beside its name and code when the report's
/// results section knows it.
fn unearmarked_allocations(
    u: &pb::UnearmarkedUse,
    results: &pb::ProgrammeResults,
) -> Result<Part, RenderError> {
    let mut t = Table::new(
        "unearmarked_allocations.csv",
        &[
            "allocation",
            "allocation_date",
            "programme",
            "programme_code",
            "programme_title",
            "srf_objective",
            "description",
            "currency",
            "amount",
        ],
    )?;
    for a in &u.allocations {
        let title = results
            .programmes
            .iter()
            .find(|p| !a.programme.is_empty() && p.programme == a.programme)
            .map_or("", |p| p.title.as_str());
        t.row([
            a.allocation.as_str(),
            &a.allocation_date,
            &a.programme,
            &a.programme_code,
            title,
            &labels::objective(a.srf_objective),
            &a.description,
            &u.currency_code,
            &a.amount,
        ])?;
    }
    t.labelled(
        TOTAL,
        &[
            ("currency", &u.currency_code),
            ("amount", &u.total_allocated),
        ],
    )?;
    // What the allocations are measured against, after the total.
    t.labelled(
        "unearmarked received",
        &[
            ("currency", &u.currency_code),
            ("amount", &u.unearmarked_received),
        ],
    )?;
    t.labelled(
        "unallocated",
        &[("currency", &u.currency_code), ("amount", &u.unallocated)],
    )?;
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
