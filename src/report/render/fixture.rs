//! The founding example as a computed report: the 36th SCPF session (25–26 June 2025), Belgium's
//! EUR 1,000,000 a year for 2025–2028, other donors in CHF, NOK, SEK, JPY and USD, assessed
//! contributions with one Member State under Article 4, allocations of unearmarked money,
//! results of assisted voluntary return with an unverified figure, and data-quality entries.
//! The figures add up the way the report computes them.

use crate::pb;

fn money(currency: &str, amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: currency.into(),
        amount: amount.into(),
    })
}

fn at(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

fn rate(name: &str, rate: &str, revision: i64) -> pb::RateUsed {
    pb::RateUsed {
        exchange_rate: format!("exchangeRates/{name}"),
        rate: rate.into(),
        source: "UN operational rates of exchange".into(),
        revision,
    }
}

fn org(id: &str) -> String {
    format!("organizations/{id}")
}

#[allow(clippy::too_many_arguments)]
fn line(
    donor: &str,
    name: &str,
    category: pb::EarmarkingCategory,
    modality: pb::EarmarkingModality,
    month: &str,
    original: (&str, &str),
    rate: &str,
    amount: &str,
) -> pb::ConvertedLine {
    pb::ConvertedLine {
        donor: org(donor),
        donor_name: name.into(),
        earmarking_category: category as i32,
        earmarking_modality: modality as i32,
        month: month.into(),
        original: money(original.0, original.1),
        exchange_rate: if rate.is_empty() {
            String::new()
        } else {
            format!("exchangeRates/{rate}")
        },
        amount: amount.into(),
    }
}

fn donor(id: &str, name: &str, paid: &str, committed: &str) -> pb::DonorTotal {
    pb::DonorTotal {
        donor: org(id),
        donor_name: name.into(),
        paid: paid.into(),
        committed: committed.into(),
    }
}

fn assessed(id: &str, name: &str, figures: [&str; 5], article_4: bool) -> pb::AssessedLine {
    let [assessed, received, outstanding, arrears, due_two] = figures;
    pb::AssessedLine {
        member_state: org(id),
        display_name: name.into(),
        assessed: assessed.into(),
        received: received.into(),
        outstanding: outstanding.into(),
        arrears: arrears.into(),
        due_two_preceding_years: due_two.into(),
        article_4,
    }
}

fn installment(
    due: &str,
    currency: &str,
    amount: &str,
    paid: &str,
    status: pb::InstallmentStatus,
) -> pb::ScheduledInstallment {
    pb::ScheduledInstallment {
        due_date: due.into(),
        amount: money(currency, amount),
        paid: money(currency, paid),
        status: status as i32,
    }
}

fn result(
    target: &str,
    actual: &str,
    achievement: &str,
    verified: bool,
) -> Option<pb::ResultFigures> {
    Some(pb::ResultFigures {
        target: target.into(),
        actual: actual.into(),
        achievement: achievement.into(),
        verified,
    })
}

fn breakdown(sex: &str, age: &str, f: Option<pb::ResultFigures>) -> pb::DisaggregatedResult {
    pb::DisaggregatedResult {
        dimensions: vec![
            pb::DimensionValue {
                name: "sex".into(),
                value: sex.into(),
            },
            pb::DimensionValue {
                name: "age".into(),
                value: age.into(),
            },
        ],
        figures: f,
    }
}

fn issue(kind: pb::DataQualityKind, subject: &str, message: &str) -> pb::DataQualityIssue {
    pb::DataQualityIssue {
        kind: kind as i32,
        subject: subject.into(),
        message: message.into(),
    }
}

fn change(figure: &str, old: &str, new: &str) -> pb::FigureChange {
    pb::FigureChange {
        figure: figure.into(),
        old_value: old.into(),
        new_value: new.into(),
    }
}

/// The 36th session's third draft, as of 2025-06-20T16:00:00Z.
pub fn report() -> pb::Report {
    use pb::{
        DataQualityKind as K, EarmarkingCategory as C, EarmarkingModality as M,
        InstallmentStatus as S, SrfObjective as O,
    };
    let as_of = at(1_750_435_200);
    let header = pb::ReportHeader {
        session: "sessions/36".into(),
        body: pb::GoverningBody::Scpf as i32,
        session_number: 36,
        title: "36th session of the Standing Committee on Programmes and Finance".into(),
        session_start_date: "2025-06-25".into(),
        session_end_date: "2025-06-26".into(),
        reporting_period_start: "2025-01-01".into(),
        reporting_period_end: "2025-06-30".into(),
        as_of,
        administrative_currency_code: "CHF".into(),
        operational_currency_code: "USD".into(),
        rates_used: vec![
            rate("CHF-USD-2025-03", "1.1325", 1),
            rate("EUR-USD-2025-06", "1.1450", 2),
            rate("JPY-USD-2025-02", "0.006620", 1),
            rate("NOK-USD-2025-04", "0.0952", 1),
            rate("SEK-USD-2025-05", "0.1038", 1),
            rate("SEK-USD-2025-06", "0.1049", 1),
        ],
    };
    let assessed_contributions = pb::AssessedContributions {
        currency_code: "CHF".into(),
        year: 2025,
        member_states: vec![
            assessed(
                "belgium",
                "Belgium",
                ["1203560.00", "1203560.00", "0.00", "0.00", "2331750.00"],
                false,
            ),
            assessed(
                "freedonia",
                "Freedonia",
                ["128460.00", "15000.00", "113460.00", "85180.00", "84900.00"],
                true,
            ),
            assessed(
                "germany",
                "Germany",
                ["9876540.00", "9876540.00", "0.00", "0.00", "19100000.00"],
                false,
            ),
            assessed(
                "japan",
                "Japan",
                [
                    "7564320.00",
                    "5000000.00",
                    "2564320.00",
                    "0.00",
                    "14950000.00",
                ],
                false,
            ),
            assessed(
                "norway",
                "Norway",
                ["789650.00", "789650.00", "0.00", "0.00", "1570000.00"],
                false,
            ),
            assessed(
                "switzerland",
                "Switzerland",
                [
                    "1098760.00",
                    "1200000.00",
                    "-101240.00",
                    "0.00",
                    "2190000.00",
                ],
                false,
            ),
            assessed(
                "united-states",
                "United States of America",
                [
                    "22345670.00",
                    "11000000.00",
                    "11345670.00",
                    "0.00",
                    "44200000.00",
                ],
                false,
            ),
        ],
        total_assessed: "43006960.00".into(),
        total_received: "29084750.00".into(),
        total_outstanding: "13922210.00".into(),
        total_arrears: "85180.00".into(),
        article_4_count: 1,
    };
    let voluntary_contributions = pb::VoluntaryContributions {
        currency_code: "USD".into(),
        paid: vec![
            line(
                "belgium",
                "Belgium",
                C::Unearmarked,
                M::A,
                "2025-06",
                ("EUR", "1000000.00"),
                "EUR-USD-2025-06",
                "1145000.00",
            ),
            line(
                "japan",
                "Japan",
                C::TightlyEarmarked,
                M::I,
                "2025-02",
                ("JPY", "150000000"),
                "JPY-USD-2025-02",
                "993000.00",
            ),
            line(
                "norway",
                "Norway",
                C::Unearmarked,
                M::A,
                "2025-04",
                ("NOK", "20000000.00"),
                "NOK-USD-2025-04",
                "1904000.00",
            ),
            line(
                "sweden",
                "Sweden",
                C::SoftlyEarmarked,
                M::D,
                "2025-05",
                ("SEK", "15000000.00"),
                "SEK-USD-2025-05",
                "1557000.00",
            ),
            line(
                "switzerland",
                "Switzerland",
                C::SoftlyEarmarked,
                M::E,
                "2025-03",
                ("CHF", "500000.00"),
                "CHF-USD-2025-03",
                "566250.00",
            ),
            line(
                "switzerland",
                "Switzerland",
                C::SoftlyEarmarked,
                M::E,
                "2025-06",
                ("CHF", "120000.00"),
                "",
                "",
            ),
            line(
                "united-states",
                "United States of America",
                C::Earmarked,
                M::G,
                "2025-03",
                ("USD", "2500000.00"),
                "",
                "2500000.00",
            ),
        ],
        committed: vec![
            line(
                "belgium",
                "Belgium",
                C::Unearmarked,
                M::A,
                "2025-06",
                ("EUR", "4000000.00"),
                "EUR-USD-2025-06",
                "4580000.00",
            ),
            line(
                "japan",
                "Japan",
                C::TightlyEarmarked,
                M::I,
                "2025-02",
                ("JPY", "150000000"),
                "JPY-USD-2025-02",
                "993000.00",
            ),
            line(
                "norway",
                "Norway",
                C::Unearmarked,
                M::A,
                "2025-04",
                ("NOK", "20000000.00"),
                "NOK-USD-2025-04",
                "1904000.00",
            ),
            line(
                "united-states",
                "United States of America",
                C::Earmarked,
                M::G,
                "2025-03",
                ("USD", "2500000.00"),
                "",
                "2500000.00",
            ),
        ],
        donors: vec![
            donor("belgium", "Belgium", "1145000.00", "4580000.00"),
            donor("japan", "Japan", "993000.00", "993000.00"),
            donor("norway", "Norway", "1904000.00", "1904000.00"),
            donor("sweden", "Sweden", "1557000.00", "0.00"),
            donor("switzerland", "Switzerland", "566250.00", "0.00"),
            donor(
                "united-states",
                "United States of America",
                "2500000.00",
                "2500000.00",
            ),
        ],
        total_paid: "8665250.00".into(),
        total_committed: "9977000.00".into(),
        pledges: vec![
            pb::PledgeLine {
                contribution: "contributions/ca-2025-007".into(),
                donor: org("canada"),
                donor_name: "Canada".into(),
                amount: money("CAD", "1500000.00"),
                agreement_date: "2025-05-12".into(),
                earmarking_category: C::Earmarked as i32,
            },
            pb::PledgeLine {
                contribution: "contributions/de-2025-011".into(),
                donor: org("germany"),
                donor_name: "Germany".into(),
                amount: money("EUR", "3000000.00"),
                agreement_date: "2025-06-25".into(),
                earmarking_category: C::SoftlyEarmarked as i32,
            },
            pb::PledgeLine {
                contribution: "contributions/lu-2025-002".into(),
                donor: org("luxembourg"),
                donor_name: "Luxembourg".into(),
                amount: money("EUR", "250000.00"),
                agreement_date: "2025-06-26".into(),
                earmarking_category: C::Unearmarked as i32,
            },
        ],
        lines_without_rate: 1,
    };
    let category = |c: C, amount: &str, share: &str| pb::CategoryShare {
        category: c as i32,
        amount: amount.into(),
        share: share.into(),
    };
    let modality = |m: M, c: C, amount: &str, share: &str| pb::ModalityShare {
        modality: m as i32,
        category: c as i32,
        amount: amount.into(),
        share: share.into(),
    };
    let flexibility = pb::Flexibility {
        currency_code: "USD".into(),
        categories: vec![
            category(C::Unearmarked, "3049000.00", "35.2"),
            category(C::SoftlyEarmarked, "2123250.00", "24.5"),
            category(C::Earmarked, "2500000.00", "28.8"),
            category(C::TightlyEarmarked, "993000.00", "11.5"),
        ],
        modalities: vec![
            modality(M::A, C::Unearmarked, "3049000.00", "35.2"),
            modality(M::D, C::SoftlyEarmarked, "1557000.00", "18.0"),
            modality(M::E, C::SoftlyEarmarked, "566250.00", "6.5"),
            modality(M::G, C::Earmarked, "2500000.00", "28.8"),
            modality(M::I, C::TightlyEarmarked, "993000.00", "11.5"),
        ],
        total: "8665250.00".into(),
        flexible_amount: "5172250.00".into(),
        flexible_share: "59.7".into(),
    };
    let multi_year_commitments = pb::MultiYearCommitments {
        currency_code: "USD".into(),
        schedules: vec![
            pb::Schedule {
                contribution: "contributions/be-2025-001".into(),
                donor: org("belgium"),
                donor_name: "Belgium".into(),
                earmarking_category: C::Unearmarked as i32,
                total: money("EUR", "4000000.00"),
                received: money("EUR", "1000000.00"),
                outstanding: money("EUR", "3000000.00"),
                outstanding_converted: "3435000.00".into(),
                exchange_rate: "exchangeRates/EUR-USD-2025-06".into(),
                installments: vec![
                    installment("2025-06-15", "EUR", "1000000.00", "1000000.00", S::Paid),
                    installment("2026-06-15", "EUR", "1000000.00", "0.00", S::Future),
                    installment("2027-06-15", "EUR", "1000000.00", "0.00", S::Future),
                    installment("2028-06-15", "EUR", "1000000.00", "0.00", S::Future),
                ],
            },
            pb::Schedule {
                contribution: "contributions/se-2024-004".into(),
                donor: org("sweden"),
                donor_name: "Sweden".into(),
                earmarking_category: C::SoftlyEarmarked as i32,
                total: money("SEK", "45000000.00"),
                received: money("SEK", "30000000.00"),
                outstanding: money("SEK", "15000000.00"),
                outstanding_converted: "1573500.00".into(),
                exchange_rate: "exchangeRates/SEK-USD-2025-06".into(),
                installments: vec![
                    installment("2024-05-15", "SEK", "15000000.00", "15000000.00", S::Paid),
                    installment("2025-05-15", "SEK", "15000000.00", "15000000.00", S::Paid),
                    installment("2026-05-15", "SEK", "15000000.00", "0.00", S::Future),
                ],
            },
            pb::Schedule {
                contribution: "contributions/ch-2024-002".into(),
                donor: org("switzerland"),
                donor_name: "Switzerland".into(),
                earmarking_category: C::SoftlyEarmarked as i32,
                total: money("CHF", "1500000.00"),
                received: money("CHF", "1120000.00"),
                outstanding: money("CHF", "380000.00"),
                outstanding_converted: String::new(),
                exchange_rate: String::new(),
                installments: vec![
                    installment("2024-03-31", "CHF", "500000.00", "500000.00", S::Paid),
                    installment("2025-03-31", "CHF", "500000.00", "500000.00", S::Paid),
                    installment("2025-06-15", "CHF", "500000.00", "120000.00", S::Due),
                ],
            },
        ],
        total_outstanding: "5008500.00".into(),
    };
    let allocation =
        |id: &str, date: &str, programme: &str, objective: O, amount: &str, what: &str| {
            pb::AllocationLine {
                allocation: format!("allocations/{id}"),
                allocation_date: date.into(),
                programme: if programme.is_empty() {
                    String::new()
                } else {
                    format!("programmes/{}", programme.to_lowercase())
                },
                programme_code: programme.into(),
                srf_objective: objective as i32,
                amount: amount.into(),
                description: what.into(),
            }
        };
    let objective = |o: O, amount: &str, share: &str| pb::ObjectiveTotal {
        srf_objective: o as i32,
        amount: amount.into(),
        share: share.into(),
    };
    let use_of_unearmarked_funding = pb::UnearmarkedUse {
        currency_code: "USD".into(),
        unearmarked_received: "3049000.00".into(),
        allocations: vec![
            allocation(
                "2025-003",
                "2025-02-10",
                "UA-ER",
                O::SolutionsToDisplacement,
                "750000.00",
                "Early recovery in Ukraine: shelter repair and livelihoods",
            ),
            allocation(
                "2025-007",
                "2025-04-02",
                "BE-OREMIT",
                O::RegularPathways,
                "400000.00",
                "O-REMIT: remittance price comparison and diaspora investment",
            ),
            allocation(
                "2025-009",
                "2025-05-20",
                "",
                O::SavingLives,
                "1200000.00",
                "Rapid response capacity for sudden-onset emergencies",
            ),
            allocation(
                "2025-012",
                "2025-06-10",
                "WA-CLIM",
                O::Unspecified,
                "350000.00",
                "West Africa: climate resilience and migration data governance (six countries)",
            ),
        ],
        objectives: vec![
            objective(O::SavingLives, "1200000.00", "44.4"),
            objective(O::SolutionsToDisplacement, "750000.00", "27.8"),
            objective(O::RegularPathways, "400000.00", "14.8"),
            objective(O::Unspecified, "350000.00", "13.0"),
        ],
        total_allocated: "2700000.00".into(),
        unallocated: "349000.00".into(),
    };
    let programme_results = pb::ProgrammeResults {
        programmes: vec![
            pb::ProgrammeResult {
                programme: "programmes/be-avr".into(),
                code: "BE-AVR".into(),
                title: "Assisted voluntary return and reintegration from Belgium, with Fedasil"
                    .into(),
                srf_objective: O::SavingLives as i32,
                indicators: vec![
                    pb::IndicatorResult {
                        indicator: "programmes/be-avr/indicators/returns-since-1984".into(),
                        title: "Assisted voluntary returns from Belgium since 1984".into(),
                        result_level: pb::ResultLevel::Outcome as i32,
                        measure: pb::IndicatorMeasure::Unit as i32,
                        direction: pb::IndicatorDirection::Increasing as i32,
                        cumulative: true,
                        unit: "returns".into(),
                        baseline: "0".into(),
                        baseline_date: "1984-01-01".into(),
                        period_start: "2025-01-01".into(),
                        period_end: "2025-06-30".into(),
                        total: result("91000", "90500", "99.5", true),
                        disaggregation: vec![],
                    },
                    pb::IndicatorResult {
                        indicator: "programmes/be-avr/indicators/returnees-assisted".into(),
                        title: "Returnees assisted in the period".into(),
                        result_level: pb::ResultLevel::Output as i32,
                        measure: pb::IndicatorMeasure::Unit as i32,
                        direction: pb::IndicatorDirection::Increasing as i32,
                        cumulative: false,
                        unit: "persons".into(),
                        baseline: String::new(),
                        baseline_date: String::new(),
                        period_start: "2025-01-01".into(),
                        period_end: "2025-06-30".into(),
                        total: result("1200", "1046", "87.2", false),
                        disaggregation: vec![
                            breakdown("female", "0-17", result("100", "88", "88.0", true)),
                            breakdown("female", "18-59", result("400", "352", "88.0", true)),
                            breakdown("male", "0-17", result("100", "94", "94.0", true)),
                            breakdown("male", "18-59", result("600", "512", "85.3", false)),
                        ],
                    },
                    pb::IndicatorResult {
                        indicator: "programmes/be-avr/indicators/reintegration-support".into(),
                        title: "Share of returnees receiving reintegration support".into(),
                        result_level: pb::ResultLevel::Outcome as i32,
                        measure: pb::IndicatorMeasure::Percentage as i32,
                        direction: pb::IndicatorDirection::Increasing as i32,
                        cumulative: false,
                        unit: "%".into(),
                        baseline: "62.0".into(),
                        baseline_date: "2023-12-31".into(),
                        period_start: "2025-01-01".into(),
                        period_end: "2025-06-30".into(),
                        total: result("75.0", "71.5", "73.1", true),
                        disaggregation: vec![],
                    },
                ],
            },
            pb::ProgrammeResult {
                programme: "programmes/be-conex".into(),
                code: "BE-CONEX".into(),
                title: "Conex: training diaspora leaders".into(),
                srf_objective: O::RegularPathways as i32,
                indicators: vec![pb::IndicatorResult {
                    indicator: "programmes/be-conex/indicators/leaders-trained".into(),
                    title: "Diaspora leaders trained".into(),
                    result_level: pb::ResultLevel::Output as i32,
                    measure: pb::IndicatorMeasure::Unit as i32,
                    direction: pb::IndicatorDirection::Increasing as i32,
                    cumulative: false,
                    unit: "persons".into(),
                    total: result("", "", "", true),
                    ..Default::default()
                }],
            },
            pb::ProgrammeResult {
                programme: "programmes/be-oremit".into(),
                code: "BE-OREMIT".into(),
                title: "O-REMIT: affordable remittances and diaspora investment".into(),
                srf_objective: O::RegularPathways as i32,
                indicators: vec![pb::IndicatorResult {
                    indicator: "programmes/be-oremit/indicators/remittance-cost".into(),
                    title: "Average cost of sending EUR 200 to partner countries".into(),
                    result_level: pb::ResultLevel::Outcome as i32,
                    measure: pb::IndicatorMeasure::Percentage as i32,
                    direction: pb::IndicatorDirection::Decreasing as i32,
                    cumulative: false,
                    unit: "%".into(),
                    baseline: "7.2".into(),
                    baseline_date: "2022-12-31".into(),
                    period_start: "2025-01-01".into(),
                    period_end: "2025-06-30".into(),
                    total: result("5.0", "5.9", "59.1", true),
                    disaggregation: vec![],
                }],
            },
        ],
    };
    let changes_since_previous = pb::ChangesSincePrevious {
        previous_report: "sessions/35/reports/2".into(),
        changes: vec![
            change("assessed.article_4_count", "2", "1"),
            change("flexibility.flexible_share", "52.3", "59.7"),
            change(
                "voluntary.donors[organizations/belgium].paid",
                "0.00",
                "1145000.00",
            ),
            change(
                "voluntary.donors[organizations/sweden].paid",
                "",
                "1557000.00",
            ),
        ],
    };
    let data_quality = pb::DataQuality {
        issues: vec![
            issue(
                K::MissingRate,
                "exchangeRates/CHF-USD-2025-06",
                "No CHF-USD rate for 2025-06: one paid line (CHF 120000.00) and one schedule are left out of the USD totals.",
            ),
            issue(
                K::UnverifiedResult,
                "programmes/be-avr/indicators/returnees-assisted",
                "The actual for 2025-04-01 to 2025-06-30 (male, 18-59) is not verified.",
            ),
            issue(
                K::OverdueInstallment,
                "contributions/ch-2024-002",
                "The installment due 2025-06-15 (CHF 500000.00) has CHF 120000.00 paid.",
            ),
            issue(
                K::EarmarkedWithoutProgramme,
                "contributions/us-2025-003",
                "Earmarked money (category 3) is not tied to a programme.",
            ),
            issue(
                K::NoResultsInPeriod,
                "programmes/be-conex/indicators/leaders-trained",
                "No measurement covers 2025-01-01 to 2025-06-30.",
            ),
        ],
    };
    pb::Report {
        name: "sessions/36/reports/3".into(),
        revision: 3,
        state: pb::ReportState::Draft as i32,
        as_of,
        content_sha256: "9f2c4e7a1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8".into(),
        content: Some(pb::ReportContent {
            header: Some(header),
            assessed_contributions: Some(assessed_contributions),
            voluntary_contributions: Some(voluntary_contributions),
            flexibility: Some(flexibility),
            multi_year_commitments: Some(multi_year_commitments),
            use_of_unearmarked_funding: Some(use_of_unearmarked_funding),
            programme_results: Some(programme_results),
            changes_since_previous: Some(changes_since_previous),
            data_quality: Some(data_quality),
        }),
        etag: "r3".into(),
        create_time: at(1_750_435_331),
        created_by: "report-job@scpf-reports".into(),
        finalize_time: None,
        finalized_by: String::new(),
    }
}

/// Every figure of the report's tables, as the report's own strings: what a rendering must show
/// unchanged.
pub fn figures(report: &pb::Report) -> Vec<String> {
    let c = report.content.clone().unwrap_or_default();
    let mut f: Vec<String> = Vec::new();
    let amount = |m: &Option<pb::Money>| m.as_ref().map(|m| m.amount.clone()).unwrap_or_default();
    let h = c.header.unwrap_or_default();
    f.extend(h.rates_used.iter().map(|r| r.rate.clone()));
    let a = c.assessed_contributions.unwrap_or_default();
    for l in &a.member_states {
        f.extend([
            l.assessed.clone(),
            l.received.clone(),
            l.outstanding.clone(),
            l.arrears.clone(),
            l.due_two_preceding_years.clone(),
        ]);
    }
    f.extend([
        a.total_assessed,
        a.total_received,
        a.total_outstanding,
        a.total_arrears,
        a.article_4_count.to_string(),
    ]);
    let v = c.voluntary_contributions.unwrap_or_default();
    for l in v.paid.iter().chain(&v.committed) {
        f.extend([amount(&l.original), l.amount.clone()]);
    }
    for d in &v.donors {
        f.extend([d.paid.clone(), d.committed.clone()]);
    }
    f.extend(v.pledges.iter().map(|p| amount(&p.amount)));
    f.extend([v.total_paid, v.total_committed]);
    let x = c.flexibility.unwrap_or_default();
    for cat in &x.categories {
        f.extend([cat.amount.clone(), cat.share.clone()]);
    }
    for m in &x.modalities {
        f.extend([m.amount.clone(), m.share.clone()]);
    }
    f.extend([x.total, x.flexible_amount, x.flexible_share]);
    let m = c.multi_year_commitments.unwrap_or_default();
    for s in &m.schedules {
        f.extend([
            amount(&s.total),
            amount(&s.received),
            amount(&s.outstanding),
            s.outstanding_converted.clone(),
        ]);
        for i in &s.installments {
            f.extend([amount(&i.amount), amount(&i.paid)]);
        }
    }
    f.push(m.total_outstanding);
    let u = c.use_of_unearmarked_funding.unwrap_or_default();
    f.extend(u.allocations.iter().map(|a| a.amount.clone()));
    for o in &u.objectives {
        f.extend([o.amount.clone(), o.share.clone()]);
    }
    f.extend([u.unearmarked_received, u.total_allocated, u.unallocated]);
    for p in &c.programme_results.unwrap_or_default().programmes {
        for i in &p.indicators {
            f.push(i.baseline.clone());
            let rows = i
                .total
                .iter()
                .chain(i.disaggregation.iter().filter_map(|d| d.figures.as_ref()));
            for r in rows {
                f.extend([r.target.clone(), r.actual.clone(), r.achievement.clone()]);
            }
        }
    }
    for change in &c.changes_since_previous.unwrap_or_default().changes {
        f.extend([change.old_value.clone(), change.new_value.clone()]);
    }
    f.retain(|s| !s.is_empty());
    f
}

/// The founding example with a donor whose name is markup, to prove it is shown, not run.
pub fn report_with_markup_in_a_name() -> pb::Report {
    let mut report = report();
    let name = "<script>alert(\"x\")</script> & Co";
    if let Some(v) = report
        .content
        .as_mut()
        .and_then(|c| c.voluntary_contributions.as_mut())
    {
        v.donors[0].donor_name = name.into();
        v.paid[0].donor_name = name.into();
    }
    report
}
