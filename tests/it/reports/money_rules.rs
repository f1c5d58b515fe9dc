//! The money rules of sections 2 to 5, each on figures computed by hand.

use scpf_reports::pb::{self, EarmarkingCategory as C, EarmarkingModality as M, FlowStatus};
use sqlx::PgPool;

use super::{
    cents, d,
    fixture::{Voluntary, World, content, money},
};
use crate::support::{ok, rid};

/// Session 36 reports on the first half of 2025.
async fn world(pool: PgPool) -> World {
    let mut w = World::start(pool).await;
    w.the_36th().await;
    w
}

#[sqlx::test(migrations = false)]
async fn pledges_are_listed_but_never_totalled(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.donor("luxembourg", "Luxembourg", "LU", true).await;
    w.rate("EUR", "USD", "2025-03", "1.10").await;
    w.voluntary(Voluntary {
        agreement_date: "2025-03-05",
        ..Voluntary::simple("be", "belgium", "EUR", &[("2025-03-31", "1000.00")])
    })
    .await;
    w.receipt("be", "2025-03-20", "EUR", "1000.00").await;
    w.voluntary(Voluntary {
        status: FlowStatus::Pledge,
        agreement_date: "2025-03-10",
        ..Voluntary::simple("lu", "luxembourg", "EUR", &[("2025-12-31", "5000.00")])
    })
    .await;

    let report = w.generate(36, None).await;
    let v = content(&report).voluntary_contributions.clone().unwrap();
    assert_eq!(v.pledges.len(), 1);
    assert_eq!(v.pledges[0].contribution, "contributions/lu");
    assert_eq!(v.pledges[0].amount.as_ref().unwrap().amount, "5000.00");
    // 1,000.00 EUR at 1.10: the pledge's 5,000.00 is in neither total.
    assert_eq!(v.total_paid, "1100.00");
    assert_eq!(v.total_committed, "1100.00");
    let donors: Vec<&str> = v.donors.iter().map(|d| d.donor.as_str()).collect();
    assert_eq!(donors, ["organizations/belgium"]);
    assert_eq!(
        content(&report).flexibility.as_ref().unwrap().total,
        "1100.00"
    );
}

#[sqlx::test(migrations = false)]
async fn each_receipt_is_converted_at_its_month_rate_and_names_it(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.donor("japan", "Japan", "JP", true).await;
    w.rate("EUR", "USD", "2025-01", "1.0412").await;
    w.rate("EUR", "USD", "2025-02", "1.0389").await;
    // Quoted the other way round: yen per dollar.
    w.rate("USD", "JPY", "2025-04", "149.37").await;
    w.voluntary(Voluntary::simple(
        "be",
        "belgium",
        "EUR",
        &[("2025-01-31", "300000.00"), ("2025-02-28", "450000.00")],
    ))
    .await;
    w.receipt("be", "2025-01-15", "EUR", "300000.00").await;
    w.receipt("be", "2025-02-20", "EUR", "450000.00").await;
    w.committed("jp", "japan", "JPY", ("2025-04-30", "1000000"))
        .await;
    w.receipt("jp", "2025-04-10", "JPY", "1000000").await;

    let report = w.generate(36, None).await;
    let c = content(&report);
    let paid = &c.voluntary_contributions.as_ref().unwrap().paid;
    let line = |month: &str, currency: &str| {
        paid.iter()
            .find(|l| l.month == month && l.original.as_ref().unwrap().currency_code == currency)
            .unwrap_or_else(|| panic!("no {currency} line for {month}"))
    };
    let january = cents(d("300000.00") * d("1.0412"));
    let february = cents(d("450000.00") * d("1.0389"));
    let april = cents(d("1000000") / d("149.37"));
    assert_eq!(line("2025-01", "EUR").amount, january.to_string());
    assert_eq!(
        line("2025-01", "EUR").exchange_rate,
        "exchangeRates/EUR-USD-2025-01"
    );
    assert_eq!(line("2025-02", "EUR").amount, february.to_string());
    assert_eq!(
        line("2025-02", "EUR").exchange_rate,
        "exchangeRates/EUR-USD-2025-02"
    );
    assert_eq!(line("2025-04", "JPY").amount, april.to_string());
    assert_eq!(
        line("2025-04", "JPY").exchange_rate,
        "exchangeRates/USD-JPY-2025-04"
    );
    assert_eq!(
        c.voluntary_contributions.as_ref().unwrap().total_paid,
        (january + february + april).to_string()
    );
    let used: Vec<(&str, &str)> = c
        .header
        .as_ref()
        .unwrap()
        .rates_used
        .iter()
        .map(|r| (r.exchange_rate.as_str(), r.rate.as_str()))
        .collect();
    for expected in [
        ("exchangeRates/EUR-USD-2025-01", "1.0412"),
        ("exchangeRates/EUR-USD-2025-02", "1.0389"),
        ("exchangeRates/USD-JPY-2025-04", "149.37"),
    ] {
        assert!(used.contains(&expected), "{expected:?} not in {used:?}");
    }
}

#[sqlx::test(migrations = false)]
async fn each_line_is_rounded_once_and_every_total_is_the_sum_of_its_lines(pool: PgPool) {
    let mut w = world(pool).await;
    w.rate("EUR", "USD", "2025-03", "0.9").await;
    for id in ["a", "b", "c"] {
        w.donor(id, &format!("Donor {id}"), "BE", false).await;
        w.voluntary(Voluntary::simple(id, id, "EUR", &[("2025-03-31", "0.05")]))
            .await;
        w.receipt(id, "2025-03-10", "EUR", "0.05").await;
    }
    let report = w.generate(36, None).await;
    let v = content(&report).voluntary_contributions.clone().unwrap();
    // 0.05 × 0.9 = 0.045 rounds half away from zero to 0.05 on each line (not 0.04); the total
    // is the sum of the three lines, 0.15, not the rounded exact sum 0.14.
    assert_eq!(cents(d("0.045")), d("0.05"));
    for line in &v.paid {
        assert_eq!(line.amount, "0.05");
    }
    for donor in &v.donors {
        assert_eq!(donor.paid, "0.05");
    }
    assert_eq!(v.total_paid, "0.15");
    let sum: rust_decimal::Decimal = v.paid.iter().map(|l| d(&l.amount)).sum();
    assert_eq!(d(&v.total_paid), sum);
}

#[sqlx::test(migrations = false)]
async fn shares_add_up_to_exactly_one_hundred(pool: PgPool) {
    let mut w = world(pool).await;
    w.programme("p", "P", pb::SrfObjective::SavingLives).await;
    let rows = [
        ("a", C::Unearmarked, M::A),
        ("b", C::SoftlyEarmarked, M::D),
        ("c", C::Earmarked, M::G),
    ];
    for (id, category, modality) in rows {
        w.donor(id, &format!("Donor {id}"), "BE", false).await;
        w.voluntary(Voluntary {
            category,
            modality,
            programme: if category == C::Earmarked { "p" } else { "" },
            ..Voluntary::simple(id, id, "USD", &[("2025-03-31", "100.00")])
        })
        .await;
        w.receipt(id, "2025-03-10", "USD", "100.00").await;
    }
    let report = w.generate(36, None).await;
    let f = content(&report).flexibility.clone().unwrap();
    let shares: Vec<(i32, &str, &str)> = f
        .categories
        .iter()
        .map(|c| (c.category, c.amount.as_str(), c.share.as_str()))
        .collect();
    // Thirds: 33.3 each leaves a tenth, which goes to the first of the equal remainders.
    assert_eq!(
        shares,
        [
            (1, "100.00", "33.4"),
            (2, "100.00", "33.3"),
            (3, "100.00", "33.3"),
            (4, "0.00", "0.0")
        ]
    );
    assert_eq!(f.total, "300.00");
    assert_eq!(f.flexible_amount, "200.00");
    assert_eq!(f.flexible_share, "66.7");
    let modality_total: rust_decimal::Decimal = f.modalities.iter().map(|m| d(&m.share)).sum();
    assert_eq!(modality_total, d("100.0"));
}

#[sqlx::test(migrations = false)]
async fn the_administrative_part_is_in_chf_and_the_operational_part_in_usd(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.assessed("belgium", 2025, "412350.00").await;
    w.receipt("belgium-assessed-2025", "2025-02-12", "CHF", "412350.00")
        .await;
    let report = w.generate(36, None).await;
    let c = content(&report);
    let header = c.header.as_ref().unwrap();
    assert_eq!(header.administrative_currency_code, "CHF");
    assert_eq!(header.operational_currency_code, "USD");
    let a = c.assessed_contributions.as_ref().unwrap();
    assert_eq!(a.currency_code, "CHF");
    // No conversion: the CHF figures are the recorded ones.
    assert_eq!(a.member_states[0].received_in_year, "412350.00");
    assert_eq!(a.total_received_in_year, "412350.00");
    assert_eq!(
        c.voluntary_contributions.as_ref().unwrap().currency_code,
        "USD"
    );
    // Assessed money is not voluntary money.
    assert_eq!(
        c.voluntary_contributions.as_ref().unwrap().total_paid,
        "0.00"
    );
}

#[sqlx::test(migrations = false)]
async fn article_4_flags_arrears_equal_to_or_above_two_years_of_assessments(pool: PgPool) {
    let mut w = world(pool).await;
    // The status date is the end of the reporting period, 30 June 2025: "this year" is 2025 and
    // arrears are what is unpaid from the years before, whenever the report is generated.
    let year = 2025;
    for (id, name) in [("equal", "Equal"), ("below", "Below"), ("older", "Older")] {
        w.donor(id, name, "BE", true).await;
    }
    for y in [year - 2, year - 1, year] {
        w.assessed("equal", y, "100.00").await;
        w.assessed("below", y, "100.00").await;
    }
    for y in [year - 3, year - 2, year - 1] {
        w.assessed("older", y, "100.00").await;
    }
    // Below pays one centime: arrears 199.99 < 200.00 due for the two preceding years.
    w.receipt(
        &format!("below-assessed-{}", year - 2),
        &format!("{}-03-01", year - 2),
        "CHF",
        "0.01",
    )
    .await;
    // Older pays its oldest year: 300.00 due before this year, 100.00 paid, 200.00 in arrears.
    w.receipt(
        &format!("older-assessed-{}", year - 3),
        &format!("{}-03-01", year - 3),
        "CHF",
        "100.00",
    )
    .await;

    let report = w.generate(36, None).await;
    let a = content(&report).assessed_contributions.clone().unwrap();
    let line = |id: &str| {
        a.member_states
            .iter()
            .find(|l| l.member_state == format!("organizations/{id}"))
            .unwrap()
            .clone()
    };
    let equal = line("equal");
    assert_eq!(
        (
            equal.outstanding_at_year_start.as_str(),
            equal.assessed_in_year.as_str(),
            equal.arrears.as_str(),
            equal.due_two_preceding_years.as_str()
        ),
        ("200.00", "100.00", "200.00", "200.00")
    );
    assert!(equal.article_4, "equal counts");
    let below = line("below");
    assert_eq!(
        (
            below.arrears.as_str(),
            below.outstanding_at_status_date.as_str()
        ),
        ("199.99", "299.99")
    );
    assert!(!below.article_4);
    let older = line("older");
    assert_eq!(
        (
            older.arrears.as_str(),
            older.due_two_preceding_years.as_str()
        ),
        ("200.00", "200.00")
    );
    assert!(older.article_4);
    assert_eq!(a.article_4_count, 2);
    assert_eq!(a.total_arrears, "599.99");
    assert_eq!(a.year, year);
}

#[sqlx::test(migrations = false)]
async fn outstanding_multi_year_balances_use_the_rate_of_the_status_month(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    // The status date is 30 June 2025: June's rate converts what is outstanding then; the
    // rates of later months (and of the day the report is made) play no part.
    w.rate("EUR", "USD", "2025-06", "1.15").await;
    w.rate("EUR", "USD", "2026-01", "9.99").await;
    let schedule = [
        ("2024-01-15", "1000.00"),
        ("2025-01-15", "1000.00"),
        ("2026-01-15", "1000.00"),
        ("2027-01-15", "1000.00"),
    ];
    w.voluntary(Voluntary {
        agreement_date: "2024-01-05",
        ..Voluntary::simple("be", "belgium", "EUR", &schedule)
    })
    .await;
    w.receipt("be", "2024-01-20", "EUR", "1000.00").await;

    let report = w.generate(36, None).await;
    let m = content(&report).multi_year_commitments.clone().unwrap();
    let schedules = w.schedules(&report.name).await;
    let s = &schedules[0];
    assert_eq!(s.outstanding.as_ref().unwrap().amount, "3000.00");
    assert_eq!(
        s.outstanding_converted,
        cents(d("3000.00") * d("1.15")).to_string()
    );
    assert_eq!(s.exchange_rate, "exchangeRates/EUR-USD-2025-06");
    assert_eq!(m.total_outstanding, s.outstanding_converted);
    let statuses: Vec<i32> = s.installments.iter().map(|i| i.status).collect();
    use pb::InstallmentStatus::{Due, Future, Paid};
    // The 2025 installment fell due on 15 January 2025 and is unpaid at 30 June 2025.
    assert_eq!(
        statuses,
        [Paid as i32, Due as i32, Future as i32, Future as i32]
    );
}

#[sqlx::test(migrations = false)]
async fn unearmarked_allocations_are_totalled_by_objective(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("sweden", "Sweden", "SE", true).await;
    w.programme("p", "P", pb::SrfObjective::SavingLives).await;
    w.committed("se", "sweden", "USD", ("2025-04-30", "1000.00"))
        .await;
    w.receipt("se", "2025-05-05", "USD", "1000.00").await;
    for (id, date, amount, programme, objective) in [
        (
            "a1",
            "2025-03-15",
            "300.00",
            "programmes/p",
            pb::SrfObjective::Unspecified,
        ),
        (
            "a2",
            "2025-05-10",
            "200.00",
            "",
            pb::SrfObjective::SolutionsToDisplacement,
        ),
        (
            "a3",
            "2025-06-20",
            "500.00",
            "",
            pb::SrfObjective::SolutionsToDisplacement,
        ),
        // Outside the reporting period.
        (
            "a4",
            "2025-07-01",
            "999.00",
            "",
            pb::SrfObjective::SavingLives,
        ),
    ] {
        ok(w.allocations
            .create_allocation(pb::CreateAllocationRequest {
                allocation_id: id.into(),
                allocation: Some(pb::Allocation {
                    allocation_date: date.into(),
                    amount: super::fixture::money("USD", amount),
                    programme: programme.into(),
                    srf_objective: objective.into(),
                    ..Default::default()
                }),
                request_id: crate::support::rid(),
            }))
        .await;
    }
    let report = w.generate(36, None).await;
    let u = content(&report).use_of_unearmarked_funding.clone().unwrap();
    assert_eq!(u.allocations.len(), 3);
    // The programme's objective counts for an allocation to a programme.
    assert_eq!(
        u.allocations[0].srf_objective,
        pb::SrfObjective::SavingLives as i32
    );
    let objectives: Vec<(i32, &str, &str)> = u
        .objectives
        .iter()
        .map(|o| (o.srf_objective, o.amount.as_str(), o.share.as_str()))
        .collect();
    assert_eq!(objectives, [(1, "300.00", "30.0"), (2, "700.00", "70.0")]);
    assert_eq!(u.total_allocated, "1000.00");
    assert_eq!(u.unearmarked_received, "1000.00");
    assert_eq!(u.unallocated, "0.00");
}

#[sqlx::test(migrations = false)]
async fn the_multi_year_table_has_a_row_per_donor_and_a_column_per_year_that_add_up(pool: PgPool) {
    let mut w = world(pool).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.donor("norway", "Norway", "NO", true).await;
    w.donor("sweden", "Sweden", "SE", true).await;
    w.donor("switzerland", "Switzerland", "CH", true).await;
    w.donor("denmark", "Denmark", "DK", true).await;
    // June 2025 is the status date's month; a later rate plays no part.
    w.rate("EUR", "USD", "2025-06", "1.1537").await;
    w.rate("SEK", "USD", "2025-06", "0.09333").await;
    w.rate("EUR", "USD", "2026-03", "9.99").await;
    // Belgium: EUR 1,500 received settles 2025 and half of 2026.
    let be = [
        ("2025-03-15", "1000.00"),
        ("2026-03-15", "1000.00"),
        ("2027-03-15", "1000.00"),
    ];
    w.voluntary(Voluntary::simple("be", "belgium", "EUR", &be))
        .await;
    w.receipt("be", "2025-04-01", "EUR", "1500.00").await;
    // Sweden: nothing received; 2025 is overdue, 2027 has no installment.
    let se = [
        ("2025-05-15", "333.33"),
        ("2026-05-15", "333.33"),
        ("2028-05-15", "333.34"),
    ];
    w.voluntary(Voluntary::simple("se", "sweden", "SEK", &se))
        .await;
    // Norway in USD: no conversion; announced at the 36th session.
    w.contributions
        .create_contribution(pb::CreateContributionRequest {
            contribution_id: "no".into(),
            contribution: Some(pb::Contribution {
                donor: "organizations/norway".into(),
                funding_type: pb::FundingType::Voluntary.into(),
                earmarking_category: C::Unearmarked.into(),
                earmarking_modality: M::A.into(),
                status: FlowStatus::Commitment.into(),
                total: money("USD", "500.00"),
                installments: [("2026-09-30", "250.00"), ("2027-09-30", "250.00")]
                    .iter()
                    .map(|(due, amount)| pb::Installment {
                        due_date: (*due).into(),
                        amount: money("USD", amount),
                    })
                    .collect(),
                agreement_date: "2025-02-01".into(),
                period_start: "2025-02-01".into(),
                period_end: "2027-12-31".into(),
                announced_at: "sessions/36".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    // Switzerland in CHF has no rate: out of the table (and noted in section 9).
    let ch = [("2025-12-31", "100.00"), ("2026-12-31", "100.00")];
    w.voluntary(Voluntary::simple("ch", "switzerland", "CHF", &ch))
        .await;
    // Denmark's single-year commitment is not multi-year.
    let dk = [("2025-08-01", "400.00")];
    w.voluntary(Voluntary::simple("dk", "denmark", "USD", &dk))
        .await;
    // A receipt after the status date changes nothing.
    w.receipt("se", "2025-07-02", "SEK", "333.33").await;

    let report = w.generate(36, None).await;
    let m = content(&report).multi_year_commitments.clone().unwrap();

    let (eur, sek) = (d("1.1537"), d("0.09333"));
    let zero = d("0.00");
    let expected: [(&str, &str, [rust_decimal::Decimal; 4]); 3] = [
        (
            "organizations/belgium",
            "Belgium",
            [
                zero,
                cents(d("500.00") * eur),
                cents(d("1000.00") * eur),
                zero,
            ],
        ),
        (
            "organizations/norway",
            "Norway",
            [zero, d("250.00"), d("250.00"), zero],
        ),
        (
            "organizations/sweden",
            "Sweden",
            [
                cents(d("333.33") * sek),
                cents(d("333.33") * sek),
                zero,
                cents(d("333.34") * sek),
            ],
        ),
    ];
    assert_eq!(m.years, [2025, 2026, 2027, 2028]);
    assert_eq!(m.donors.len(), expected.len(), "{:?}", m.donors);
    let mut columns = [zero; 4];
    for (row, (donor, name, cells)) in m.donors.iter().zip(&expected) {
        assert_eq!(
            (row.donor.as_str(), row.donor_name.as_str()),
            (*donor, *name)
        );
        let got: Vec<rust_decimal::Decimal> = row.amounts.iter().map(|a| d(a)).collect();
        assert_eq!(got, cells.to_vec(), "{name}");
        assert_eq!(
            d(&row.total),
            cells.iter().sum::<rust_decimal::Decimal>(),
            "{name}"
        );
        for (c, v) in columns.iter_mut().zip(cells) {
            *c += v;
        }
    }
    let year_totals: Vec<rust_decimal::Decimal> = m.year_totals.iter().map(|a| d(a)).collect();
    assert_eq!(year_totals, columns.to_vec());
    assert_eq!(d(&m.total), columns.iter().sum::<rust_decimal::Decimal>());
    // By hand: 576.85 + 1153.70 + 500.00 + 31.11 + 31.11 + 31.11.
    assert_eq!(m.total, "2323.88");
    // Each schedule names its session and period, and gives its figures in USD at June's rate.
    let schedules = w.schedules(&report.name).await;
    let be = schedules
        .iter()
        .find(|s| s.contribution == "contributions/be")
        .unwrap();
    assert_eq!(be.announced_session, "");
    assert_eq!(
        (be.period_start.as_str(), be.period_end.as_str()),
        ("2025-01-10", "2027-03-15")
    );
    assert_eq!(d(&be.total_converted), cents(d("3000.00") * eur));
    assert_eq!(d(&be.received_converted), cents(d("1500.00") * eur));
    assert_eq!(d(&be.outstanding_converted), cents(d("1500.00") * eur));
    assert_eq!(be.exchange_rate, "exchangeRates/EUR-USD-2025-06");
    let no = schedules
        .iter()
        .find(|s| s.contribution == "contributions/no")
        .unwrap();
    assert_eq!(no.announced_session, "sessions/36");
    assert_eq!(
        (no.period_start.as_str(), no.period_end.as_str()),
        ("2025-02-01", "2027-12-31")
    );
    assert_eq!(
        (no.total_converted.as_str(), no.received_converted.as_str()),
        ("500.00", "0.00")
    );
    let ch = schedules
        .iter()
        .find(|s| s.contribution == "contributions/ch")
        .unwrap();
    assert_eq!(
        (ch.total_converted.as_str(), ch.exchange_rate.as_str()),
        ("", "")
    );
    // The schedules stay in the export's annex, Switzerland's among them.
    assert_eq!(m.schedule_count, 4);
    let mut contributions: Vec<&str> = schedules.iter().map(|s| s.contribution.as_str()).collect();
    contributions.sort_unstable();
    assert_eq!(
        contributions,
        [
            "contributions/be",
            "contributions/ch",
            "contributions/no",
            "contributions/se"
        ]
    );
}

#[sqlx::test(migrations = false)]
async fn flexible_funding_is_given_by_donor_and_adds_up_to_the_flexible_amount(pool: PgPool) {
    let mut w = world(pool).await;
    w.programme("p", "P", pb::SrfObjective::SavingLives).await;
    w.donor("at", "Austria", "AT", true).await;
    w.donor("bg", "Bulgaria", "BG", true).await;
    w.donor("cy", "Cyprus", "CY", true).await;
    w.rate("EUR", "USD", "2025-03", "1.1537").await;
    w.rate("SEK", "USD", "2025-03", "0.09333").await;
    let paid = [
        ("at-1", "at", C::Unearmarked, M::A, "EUR", "100.00"),
        ("at-2", "at", C::SoftlyEarmarked, M::D, "USD", "50.00"),
        ("bg-1", "bg", C::SoftlyEarmarked, M::E, "SEK", "1000.00"),
        ("cy-1", "cy", C::Earmarked, M::G, "USD", "70.00"),
    ];
    for (id, donor, category, modality, currency, value) in paid {
        let schedule = [("2025-03-31", value)];
        w.voluntary(Voluntary {
            category,
            modality,
            programme: if category == C::Earmarked { "p" } else { "" },
            ..Voluntary::simple(id, donor, currency, &schedule)
        })
        .await;
        w.receipt(id, "2025-03-10", currency, value).await;
    }
    let report = w.generate(36, None).await;
    let f = content(&report).flexibility.clone().unwrap();
    let rows: Vec<(&str, &str, rust_decimal::Decimal, rust_decimal::Decimal)> = f
        .donors
        .iter()
        .map(|x| {
            (
                x.donor.as_str(),
                x.donor_name.as_str(),
                d(&x.unearmarked),
                d(&x.softly_earmarked),
            )
        })
        .collect();
    let austria_one = cents(d("100.00") * d("1.1537"));
    let bulgaria_two = cents(d("1000.00") * d("0.09333"));
    // Cyprus paid only earmarked money: not flexible.
    assert_eq!(
        rows,
        [
            ("organizations/at", "Austria", austria_one, d("50.00")),
            ("organizations/bg", "Bulgaria", d("0.00"), bulgaria_two),
        ]
    );
    for x in &f.donors {
        assert_eq!(d(&x.flexible), d(&x.unearmarked) + d(&x.softly_earmarked));
    }
    let sum: rust_decimal::Decimal = f.donors.iter().map(|x| d(&x.flexible)).sum();
    assert_eq!(sum, austria_one + d("50.00") + bulgaria_two);
    assert_eq!(d(&f.flexible_amount), sum);
    // By hand: 115.37 + 50.00 + 93.33.
    assert_eq!(f.flexible_amount, "258.70");
}
