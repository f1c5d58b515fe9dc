//! Demo contributions: Belgium's flexible multi-year funding, other donors' voluntary funding in
//! their own currencies, receipts, and assessed contributions of Member States.

use rust_decimal::Decimal;

use super::{Connection, Tally, money, request_id};
use crate::pb::{self, contribution_service_client::ContributionServiceClient};

struct ContributionRow {
    id: &'static str,
    donor: &'static str,
    funding: pb::FundingType,
    earmarking: Option<(pb::EarmarkingCategory, pb::EarmarkingModality)>,
    programme: &'static str,
    earmarked_to: &'static str,
    status: pb::FlowStatus,
    currency: &'static str,
    installments: &'static [(&'static str, &'static str)],
    agreement: &'static str,
    period: (&'static str, &'static str),
    announced_at: &'static str,
    description: &'static str,
    receipts: &'static [(&'static str, &'static str)],
}

pub(super) async fn contributions(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    use pb::{EarmarkingCategory as C, EarmarkingModality as M, FlowStatus::*, FundingType::*};
    let rows = [
        // The founding example: EUR 1 million a year, 2025-2028, fully flexible.
        ContributionRow {
            id: "belgium-core-2025-2028",
            donor: "belgium",
            funding: Voluntary,
            earmarking: Some((C::Unearmarked, M::A)),
            programme: "",
            earmarked_to: "",
            status: Commitment,
            currency: "EUR",
            installments: &[
                ("2025-06-30", "1000000.00"),
                ("2026-06-30", "1000000.00"),
                ("2027-06-30", "1000000.00"),
                ("2028-06-30", "1000000.00"),
            ],
            agreement: "2025-06-25",
            period: ("2025-01-01", "2028-12-31"),
            announced_at: "sessions/36",
            description: "Flexible, unearmarked funding announced at the 36th session of the SCPF.",
            receipts: &[("2025-06-27", "1000000.00"), ("2026-07-02", "1000000.00")],
        },
        ContributionRow {
            id: "belgium-ukraine-2024",
            donor: "belgium",
            funding: Voluntary,
            earmarking: Some((C::Earmarked, M::G)),
            programme: "ukraine-early-recovery",
            earmarked_to: "",
            status: Commitment,
            currency: "EUR",
            installments: &[("2024-03-31", "1500000.00")],
            agreement: "2024-02-15",
            period: ("2024-01-01", "2024-12-31"),
            announced_at: "",
            description: "Early recovery in Ukraine.",
            receipts: &[("2024-04-05", "1500000.00")],
        },
        ContributionRow {
            id: "belgium-west-africa-2024-2026",
            donor: "belgium",
            funding: Voluntary,
            earmarking: Some((C::TightlyEarmarked, M::I)),
            programme: "west-africa",
            earmarked_to: "",
            status: Commitment,
            currency: "EUR",
            installments: &[
                ("2024-09-30", "800000.00"),
                ("2025-09-30", "800000.00"),
                ("2026-09-30", "400000.00"),
            ],
            agreement: "2024-07-10",
            period: ("2024-07-01", "2026-06-30"),
            announced_at: "",
            description: "Climate resilience and migration data governance in six West African countries.",
            receipts: &[("2024-10-08", "800000.00"), ("2025-10-06", "800000.00")],
        },
        ContributionRow {
            id: "belgium-avr-2025",
            donor: "belgium",
            funding: Voluntary,
            earmarking: Some((C::Earmarked, M::G)),
            programme: "avr-fedasil",
            earmarked_to: "",
            status: Commitment,
            currency: "EUR",
            installments: &[("2025-02-28", "2400000.00")],
            agreement: "2025-01-20",
            period: ("2025-01-01", "2025-12-31"),
            announced_at: "",
            description: "Assisted voluntary return and reintegration, with Fedasil.",
            receipts: &[("2025-03-06", "2400000.00")],
        },
        ContributionRow {
            id: "denmark-data-2025-2027",
            donor: "denmark",
            funding: Voluntary,
            earmarking: Some((C::SoftlyEarmarked, M::E)),
            programme: "",
            earmarked_to: "Migration data governance",
            status: Commitment,
            currency: "DKK",
            installments: &[
                ("2025-03-01", "15000000.00"),
                ("2026-03-01", "10000000.00"),
                ("2027-03-01", "5000000.00"),
            ],
            agreement: "2025-02-10",
            period: ("2025-01-01", "2027-12-31"),
            announced_at: "",
            description: "Softly earmarked to migration data governance; amounts vary by year.",
            receipts: &[("2025-03-14", "15000000.00")],
        },
        ContributionRow {
            id: "norway-ukraine-2025",
            donor: "norway",
            funding: Voluntary,
            earmarking: Some((C::Earmarked, M::G)),
            programme: "ukraine-early-recovery",
            earmarked_to: "",
            status: Commitment,
            currency: "NOK",
            installments: &[("2025-02-01", "20000000.00")],
            agreement: "2025-01-15",
            period: ("2025-01-01", "2025-12-31"),
            announced_at: "",
            description: "Early recovery in Ukraine.",
            receipts: &[("2025-02-20", "20000000.00")],
        },
        ContributionRow {
            id: "sweden-core-2025",
            donor: "sweden",
            funding: Voluntary,
            earmarking: Some((C::Unearmarked, M::A)),
            programme: "",
            earmarked_to: "",
            status: Commitment,
            currency: "SEK",
            installments: &[("2025-04-30", "30000000.00")],
            agreement: "2025-03-20",
            period: ("2025-01-01", "2025-12-31"),
            announced_at: "",
            description: "Core contribution.",
            receipts: &[("2025-05-05", "30000000.00")],
        },
        ContributionRow {
            id: "japan-west-africa-2025",
            donor: "japan",
            funding: Voluntary,
            earmarking: Some((C::TightlyEarmarked, M::I)),
            programme: "west-africa",
            earmarked_to: "",
            status: Commitment,
            currency: "JPY",
            installments: &[("2025-03-31", "150000000")],
            agreement: "2025-02-28",
            period: ("2025-04-01", "2026-03-31"),
            announced_at: "",
            description: "Community climate adaptation in the Sahel.",
            receipts: &[("2025-04-10", "150000000")],
        },
        ContributionRow {
            id: "switzerland-conex-2025-2026",
            donor: "switzerland",
            funding: Voluntary,
            earmarking: Some((C::SoftlyEarmarked, M::D)),
            programme: "conex",
            earmarked_to: "Diaspora engagement",
            status: Commitment,
            currency: "CHF",
            installments: &[("2025-05-15", "1000000.00"), ("2026-05-15", "1000000.00")],
            agreement: "2025-04-02",
            period: ("2025-01-01", "2026-12-31"),
            announced_at: "",
            description: "Diaspora engagement.",
            receipts: &[("2025-05-20", "1000000.00"), ("2026-05-19", "1000000.00")],
        },
        ContributionRow {
            id: "united-states-avr-2025",
            donor: "united-states",
            funding: Voluntary,
            earmarking: Some((C::Earmarked, M::G)),
            programme: "avr-fedasil",
            earmarked_to: "",
            status: Commitment,
            currency: "USD",
            installments: &[("2025-01-15", "5000000.00")],
            agreement: "2025-01-06",
            period: ("2025-01-01", "2025-12-31"),
            announced_at: "",
            description: "Return and reintegration.",
            receipts: &[("2025-01-31", "5000000.00")],
        },
        ContributionRow {
            id: "germany-o-remit-2025",
            donor: "germany",
            funding: Voluntary,
            earmarking: Some((C::Earmarked, M::H)),
            programme: "o-remit",
            earmarked_to: "",
            status: Commitment,
            currency: "EUR",
            installments: &[("2025-03-31", "3000000.00")],
            agreement: "2025-02-12",
            period: ("2025-01-01", "2025-12-31"),
            announced_at: "",
            description: "Remittances and diaspora investment; the last third came in November.",
            receipts: &[("2025-04-15", "2000000.00"), ("2025-11-20", "1000000.00")],
        },
        ContributionRow {
            id: "norway-data-2025",
            donor: "norway",
            funding: Voluntary,
            earmarking: Some((C::SoftlyEarmarked, M::E)),
            programme: "",
            earmarked_to: "Migration data governance",
            status: Commitment,
            currency: "NOK",
            installments: &[("2025-09-15", "10000000.00")],
            agreement: "2025-08-14",
            period: ("2025-07-01", "2026-06-30"),
            announced_at: "",
            description: "Softly earmarked to migration data governance, agreed in August.",
            receipts: &[("2025-09-10", "10000000.00")],
        },
        ContributionRow {
            id: "luxembourg-pledge-2025",
            donor: "luxembourg",
            funding: Voluntary,
            earmarking: Some((C::Unearmarked, M::A)),
            programme: "",
            earmarked_to: "",
            status: Pledge,
            currency: "EUR",
            installments: &[("2025-12-31", "500000.00")],
            agreement: "2025-06-26",
            period: ("2025-07-01", "2025-12-31"),
            announced_at: "sessions/36",
            description: "Pledged at the 36th session; agreement to follow.",
            receipts: &[],
        },
    ];
    let mut client = ContributionServiceClient::new(channel.clone());
    for row in &rows {
        let (category, modality) = row
            .earmarking
            .map(|(c, m)| (c.into(), m.into()))
            .unwrap_or_default();
        let mut request = pb::CreateContributionRequest {
            contribution_id: row.id.into(),
            contribution: Some(pb::Contribution {
                donor: format!("organizations/{}", row.donor),
                funding_type: row.funding.into(),
                earmarking_category: category,
                earmarking_modality: modality,
                programme: if row.programme.is_empty() {
                    String::new()
                } else {
                    format!("programmes/{}", row.programme)
                },
                earmarked_to: row.earmarked_to.into(),
                status: row.status.into(),
                total: money(row.currency, &total(row.installments)?),
                installments: row
                    .installments
                    .iter()
                    .map(|(due, amount)| pb::Installment {
                        due_date: (*due).into(),
                        amount: money(row.currency, amount),
                    })
                    .collect(),
                agreement_date: row.agreement.into(),
                period_start: row.period.0.into(),
                period_end: row.period.1.into(),
                announced_at: row.announced_at.into(),
                description: row.description.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateContribution", &request);
        tally.record(row.id, client.create_contribution(request).await)?;
        receipts(
            &mut client,
            tally,
            &format!("contributions/{}", row.id),
            row.currency,
            row.receipts,
        )
        .await?;
    }
    assessed(&mut client, tally).await
}

async fn receipts(
    client: &mut ContributionServiceClient<Connection>,
    tally: &mut Tally,
    parent: &str,
    currency: &str,
    rows: &[(&str, &str)],
) -> anyhow::Result<()> {
    for (date, amount) in rows {
        let mut request = pb::RecordReceiptRequest {
            parent: parent.to_owned(),
            receipt: Some(pb::Receipt {
                received_date: (*date).into(),
                amount: money(currency, amount),
                reference: format!("{}-{date}", parent.trim_start_matches("contributions/")),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("RecordReceipt", &request);
        tally.record(parent, client.record_receipt(request).await)?;
    }
    Ok(())
}

fn total(installments: &[(&str, &str)]) -> anyhow::Result<String> {
    let mut sum = Decimal::ZERO;
    for (_, amount) in installments {
        sum += amount.parse::<Decimal>()?;
    }
    Ok(sum.to_string())
}

/// A Member State, its yearly assessment in CHF, and the years it paid with the date.
type AssessedScale = (&'static str, &'static str, &'static [(i32, &'static str)]);

/// Assessed contributions to the Administrative Part (CHF), one agreement per Member State and
/// year, due on 1 January. Most are paid; some of the current year's are still outstanding.
async fn assessed(
    client: &mut ContributionServiceClient<Connection>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let scales: &[AssessedScale] = &[
        (
            "belgium",
            "412350.00",
            &[
                (2024, "2024-02-09"),
                (2025, "2025-02-12"),
                (2026, "2026-02-10"),
            ],
        ),
        (
            "luxembourg",
            "31600.00",
            &[
                (2024, "2024-01-30"),
                (2025, "2025-01-28"),
                (2026, "2026-02-02"),
            ],
        ),
        (
            "denmark",
            "262150.00",
            &[
                (2024, "2024-02-20"),
                (2025, "2025-03-03"),
                (2026, "2026-02-25"),
            ],
        ),
        (
            "norway",
            "338900.00",
            &[
                (2024, "2024-01-25"),
                (2025, "2025-01-24"),
                (2026, "2026-01-27"),
            ],
        ),
        (
            "sweden",
            "424700.00",
            &[(2024, "2024-03-01"), (2025, "2025-02-27")],
        ),
        (
            "switzerland",
            "558200.00",
            &[
                (2024, "2024-01-15"),
                (2025, "2025-01-16"),
                (2026, "2026-01-14"),
            ],
        ),
        (
            "germany",
            "2827450.00",
            &[(2024, "2024-04-10"), (2025, "2025-04-08")],
        ),
        (
            "japan",
            "3711300.00",
            &[(2024, "2024-05-20"), (2025, "2025-06-02")],
        ),
        ("united-states", "10213800.00", &[(2024, "2024-09-30")]),
    ];
    for &(donor, amount, paid) in scales {
        for year in 2024..=2026 {
            let id = format!("{donor}-assessed-{year}");
            let mut request = pb::CreateContributionRequest {
                contribution_id: id.clone(),
                contribution: Some(pb::Contribution {
                    donor: format!("organizations/{donor}"),
                    funding_type: pb::FundingType::Assessed.into(),
                    budget_part: pb::BudgetPart::Administrative.into(),
                    status: pb::FlowStatus::Commitment.into(),
                    total: money("CHF", amount),
                    installments: vec![pb::Installment {
                        due_date: format!("{year}-01-01"),
                        amount: money("CHF", amount),
                    }],
                    agreement_date: format!("{}-11-30", year - 1),
                    period_start: format!("{year}-01-01"),
                    period_end: format!("{year}-12-31"),
                    description: format!(
                        "Assessed contribution to the Administrative Part of the Budget for {year}."
                    ),
                    ..Default::default()
                }),
                request_id: String::new(),
            };
            request.request_id = request_id("CreateContribution", &request);
            tally.record(&id, client.create_contribution(request).await)?;
            if let Some((_, date)) = paid.iter().find(|(y, _)| *y == year) {
                receipts(
                    client,
                    tally,
                    &format!("contributions/{id}"),
                    "CHF",
                    &[(date, amount)],
                )
                .await?;
            }
        }
    }
    Ok(())
}
