//! A small world of data for report tests, written through the public API.

use scpf_reports::pb::{
    self, allocation_service_client::AllocationServiceClient,
    contribution_service_client::ContributionServiceClient,
    exchange_rate_service_client::ExchangeRateServiceClient,
    member_state_service_client::MemberStateServiceClient,
    organization_service_client::OrganizationServiceClient,
    programme_service_client::ProgrammeServiceClient, report_service_client::ReportServiceClient,
    result_service_client::ResultServiceClient, session_service_client::SessionServiceClient,
};
use tonic::transport::Channel;

use crate::support::{TestServer, ok, rid};

pub fn money(currency: &str, amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: currency.into(),
        amount: amount.into(),
    })
}

/// The test's server and a client for each service.
pub struct World {
    pub _server: TestServer,
    pub orgs: OrganizationServiceClient<Channel>,
    pub sessions: SessionServiceClient<Channel>,
    pub rates: ExchangeRateServiceClient<Channel>,
    pub contributions: ContributionServiceClient<Channel>,
    pub programmes: ProgrammeServiceClient<Channel>,
    pub results: ResultServiceClient<Channel>,
    pub allocations: AllocationServiceClient<Channel>,
    pub reports: ReportServiceClient<Channel>,
    pub member_states: MemberStateServiceClient<Channel>,
}

/// A voluntary contribution, described briefly.
pub struct Voluntary<'a> {
    pub id: &'a str,
    pub donor: &'a str,
    pub category: pb::EarmarkingCategory,
    pub modality: pb::EarmarkingModality,
    pub programme: &'a str,
    pub status: pb::FlowStatus,
    pub currency: &'a str,
    pub installments: &'a [(&'a str, &'a str)],
    pub agreement_date: &'a str,
}

impl Voluntary<'_> {
    /// An unearmarked commitment paid in one installment.
    pub fn simple<'a>(
        id: &'a str,
        donor: &'a str,
        currency: &'a str,
        installments: &'a [(&'a str, &'a str)],
    ) -> Voluntary<'a> {
        Voluntary {
            id,
            donor,
            category: pb::EarmarkingCategory::Unearmarked,
            modality: pb::EarmarkingModality::A,
            programme: "",
            status: pb::FlowStatus::Commitment,
            currency,
            installments,
            agreement_date: "2025-01-10",
        }
    }
}

impl World {
    pub async fn start(pool: sqlx::PgPool) -> World {
        let server = TestServer::start(pool).await;
        let ch = server.channel.clone();
        World {
            orgs: OrganizationServiceClient::new(ch.clone()),
            sessions: SessionServiceClient::new(ch.clone()),
            rates: ExchangeRateServiceClient::new(ch.clone()),
            contributions: ContributionServiceClient::new(ch.clone()),
            programmes: ProgrammeServiceClient::new(ch.clone()),
            results: ResultServiceClient::new(ch.clone()),
            allocations: AllocationServiceClient::new(ch.clone()),
            member_states: MemberStateServiceClient::new(ch.clone()),
            reports: ReportServiceClient::new(ch),
            _server: server,
        }
    }

    /// Imports Belgium's unearmarked multi-year commitments numbered `range` (`contributions/be-NNNNN`,
    /// EUR 2,000 each in two installments, 30 June 2025 and 2026), in calls of 2,000 rows so that
    /// each call stays well within the request timeout. Returns how many were written.
    pub async fn belgian_commitments(&mut self, range: std::ops::Range<usize>) -> i64 {
        let rows: Vec<pb::ImportContributionsRequest> = range
            .map(|i| pb::ImportContributionsRequest {
                row: i as i64 + 1,
                contribution: Some(pb::CreateContributionRequest {
                    contribution_id: format!("be-{i:05}"),
                    contribution: Some(pb::Contribution {
                        donor: "organizations/belgium".into(),
                        funding_type: pb::FundingType::Voluntary.into(),
                        earmarking_category: pb::EarmarkingCategory::Unearmarked.into(),
                        earmarking_modality: pb::EarmarkingModality::A.into(),
                        status: pb::FlowStatus::Commitment.into(),
                        total: money("EUR", "2000.00"),
                        installments: ["2025-06-30", "2026-06-30"]
                            .into_iter()
                            .map(|due| pb::Installment {
                                due_date: due.into(),
                                amount: money("EUR", "1000.00"),
                            })
                            .collect(),
                        agreement_date: "2025-06-02".into(),
                        period_start: "2025-06-01".into(),
                        period_end: "2026-06-30".into(),
                        description: format!("Commitment {i}"),
                        ..Default::default()
                    }),
                    request_id: rid(),
                }),
            })
            .collect();
        let mut written = 0;
        for batch in rows.chunks(2000) {
            written += ok(self
                .contributions
                .import_contributions(tokio_stream::iter(batch.to_vec())))
            .await
            .written;
        }
        written
    }

    /// A government donor; `member_state` gives it a vote and assessments.
    pub async fn donor(&mut self, id: &str, name: &str, country: &str, member_state: bool) {
        ok(self
            .orgs
            .create_organization(pb::CreateOrganizationRequest {
                organization_id: id.into(),
                organization: Some(pb::Organization {
                    display_name: name.into(),
                    kind: pb::OrganizationKind::Government.into(),
                    member_state,
                    country_code: country.into(),
                    ..Default::default()
                }),
                request_id: rid(),
            }))
        .await;
    }

    /// The 36th SCPF session, held on 25 and 26 June 2025 on the period January to June 2025.
    pub async fn the_36th(&mut self) {
        self.session(
            36,
            ("2025-06-25", "2025-06-26"),
            ("2025-01-01", "2025-06-30"),
        )
        .await;
    }

    /// A world with the 36th session and Belgium, a Member State, as a donor.
    pub async fn belgium_at_the_36th(pool: sqlx::PgPool) -> World {
        let mut w = World::start(pool).await;
        w.the_36th().await;
        w.donor("belgium", "Belgium", "BE", true).await;
        w
    }

    /// The 36th session, with Norway's NOK 20,000,000 and the United States' USD 5,000,000
    /// committed and received in February 2025, and no NOK rate.
    pub async fn norway_without_a_rate(pool: sqlx::PgPool) -> World {
        let mut w = World::start(pool).await;
        w.the_36th().await;
        w.donor("norway", "Norway", "NO", true).await;
        w.donor("us", "United States", "US", true).await;
        w.committed("no", "norway", "NOK", ("2025-02-28", "20000000.00"))
            .await;
        w.receipt("no", "2025-02-20", "NOK", "20000000.00").await;
        w.committed("us", "us", "USD", ("2025-02-28", "5000000.00"))
            .await;
        w.receipt("us", "2025-02-21", "USD", "5000000.00").await;
        w
    }

    /// An SCPF session with its meeting dates and reporting period.
    pub async fn session(&mut self, number: i32, meeting: (&str, &str), period: (&str, &str)) {
        ok(self.sessions.create_session(pb::CreateSessionRequest {
            session: Some(pb::Session {
                body: pb::GoverningBody::Scpf.into(),
                number,
                start_date: meeting.0.into(),
                end_date: meeting.1.into(),
                reporting_period_start: period.0.into(),
                reporting_period_end: period.1.into(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }

    pub async fn rate(
        &mut self,
        base: &str,
        quote: &str,
        month: &str,
        rate: &str,
    ) -> pb::ExchangeRate {
        ok(self
            .rates
            .create_exchange_rate(pb::CreateExchangeRateRequest {
                exchange_rate: Some(pb::ExchangeRate {
                    base_currency_code: base.into(),
                    quote_currency_code: quote.into(),
                    month: month.into(),
                    rate: rate.into(),
                    source: "test rates".into(),
                    ..Default::default()
                }),
                request_id: rid(),
            }))
        .await
    }

    /// An unearmarked commitment of `donor` in one installment of `amount`, due on `due`.
    pub async fn committed(
        &mut self,
        id: &str,
        donor: &str,
        currency: &str,
        (due, amount): (&str, &str),
    ) -> pb::Contribution {
        self.voluntary(Voluntary::simple(id, donor, currency, &[(due, amount)]))
            .await
    }

    pub async fn voluntary(&mut self, c: Voluntary<'_>) -> pb::Contribution {
        let total: rust_decimal::Decimal = c
            .installments
            .iter()
            .map(|(_, a)| a.parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        let last_due = c
            .installments
            .last()
            .map(|(d, _)| *d)
            .unwrap_or("2025-12-31");
        ok(self
            .contributions
            .create_contribution(pb::CreateContributionRequest {
                contribution_id: c.id.into(),
                contribution: Some(pb::Contribution {
                    donor: format!("organizations/{}", c.donor),
                    funding_type: pb::FundingType::Voluntary.into(),
                    earmarking_category: c.category.into(),
                    earmarking_modality: c.modality.into(),
                    programme: if c.programme.is_empty() {
                        String::new()
                    } else {
                        format!("programmes/{}", c.programme)
                    },
                    status: c.status.into(),
                    total: money(c.currency, &total.to_string()),
                    installments: c
                        .installments
                        .iter()
                        .map(|(due, amount)| pb::Installment {
                            due_date: (*due).into(),
                            amount: money(c.currency, amount),
                        })
                        .collect(),
                    agreement_date: c.agreement_date.into(),
                    period_start: c.agreement_date.into(),
                    period_end: last_due.max(c.agreement_date).into(),
                    ..Default::default()
                }),
                request_id: rid(),
            }))
        .await
    }

    /// An assessed contribution of a Member State for one year, due on 1 January.
    pub async fn assessed(&mut self, donor: &str, year: i32, amount: &str) {
        ok(self
            .contributions
            .create_contribution(pb::CreateContributionRequest {
                contribution_id: format!("{donor}-assessed-{year}"),
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
                    agreement_date: format!("{}-12-01", year - 1),
                    period_start: format!("{year}-01-01"),
                    period_end: format!("{year}-12-31"),
                    ..Default::default()
                }),
                request_id: rid(),
            }))
        .await;
    }

    pub async fn receipt(
        &mut self,
        contribution: &str,
        date: &str,
        currency: &str,
        amount: &str,
    ) -> pb::Receipt {
        ok(self.contributions.record_receipt(pb::RecordReceiptRequest {
            parent: format!("contributions/{contribution}"),
            receipt: Some(pb::Receipt {
                received_date: date.into(),
                amount: money(currency, amount),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await
    }

    pub async fn programme(&mut self, id: &str, code: &str, objective: pb::SrfObjective) {
        ok(self
            .programmes
            .create_programme(pb::CreateProgrammeRequest {
                programme_id: id.into(),
                programme: Some(pb::Programme {
                    code: code.into(),
                    title: format!("Programme {code}"),
                    srf_objective: objective.into(),
                    ..Default::default()
                }),
                request_id: rid(),
            }))
        .await;
    }

    /// Generates the session's report as of an instant (now when `None`) at the session's
    /// status date, and answers it with its content.
    /// Records a Member State's standing (scale, Council acts, payment plans).
    pub async fn standing(&mut self, standing: pb::MemberState) {
        ok(self
            .member_states
            .create_member_state(pb::CreateMemberStateRequest {
                member_state: Some(standing),
                request_id: rid(),
            }))
        .await;
    }

    pub async fn generate(
        &mut self,
        session: i32,
        as_of: Option<prost_types::Timestamp>,
    ) -> pb::Report {
        self.generate_at(session, as_of, "").await
    }

    /// Generates the session's report at a status date (the session's own when empty), with its
    /// content.
    pub async fn generate_at(
        &mut self,
        session: i32,
        as_of: Option<prost_types::Timestamp>,
        status_date: &str,
    ) -> pb::Report {
        ok(self.reports.generate_report(pb::GenerateReportRequest {
            parent: format!("sessions/{session}"),
            as_of,
            request_id: rid(),
            status_date: status_date.into(),
            view: pb::ReportView::Full.into(),
        }))
        .await
    }
}

/// The content of a report, which every generated report has.
pub fn content(report: &pb::Report) -> &pb::ReportContent {
    report
        .content
        .as_ref()
        .expect("a generated report has content")
}

impl World {
    /// Section 5's schedules of a report, from its export's annex (see [`schedules`]).
    pub async fn schedules(&mut self, report: &str) -> Vec<pb::Schedule> {
        schedules(&mut self.reports, report).await
    }
}

/// The parts of a report's CSV export, by name.
pub async fn csv_parts(
    reports: &mut ReportServiceClient<Channel>,
    report: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut stream = ok(reports.export_report(pb::ExportReportRequest {
        name: report.into(),
        format: pb::ExportFormat::Csv.into(),
        ..Default::default()
    }))
    .await;
    let mut parts = std::collections::BTreeMap::<String, Vec<u8>>::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        parts.entry(chunk.part).or_default().extend(chunk.data);
    }
    parts
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

/// Section 5's schedules, which the stored content leaves to the exports' annex: read back
/// from the CSV export (`multi_year_commitments.csv` and `multi_year_schedules.csv`).
pub async fn schedules(
    reports: &mut ReportServiceClient<Channel>,
    report: &str,
) -> Vec<pb::Schedule> {
    let parts = csv_parts(reports, report).await;
    let records = |name: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut reader = csv::Reader::from_reader(parts[name].as_bytes());
        let headers = reader.headers().unwrap().clone();
        reader
            .records()
            .map(|r| {
                headers
                    .iter()
                    .zip(r.unwrap().iter())
                    .map(|(h, v)| (h.to_owned(), v.to_owned()))
                    .collect()
            })
            .collect()
    };
    let mut schedules: Vec<pb::Schedule> = records("multi_year_commitments.csv")
        .into_iter()
        .filter(|r| r["contribution"] != "Total")
        .map(|r| pb::Schedule {
            contribution: r["contribution"].clone(),
            donor: r["donor"].clone(),
            donor_name: r["donor_name"].clone(),
            total: money(&r["currency"], &r["total"]),
            received: money(&r["currency"], &r["received"]),
            outstanding: money(&r["currency"], &r["outstanding"]),
            outstanding_converted: r["outstanding_converted"].clone(),
            exchange_rate: r["exchange_rate"].clone(),
            announced_session: r["announced_session"].clone(),
            period_start: r["period_start"].clone(),
            period_end: r["period_end"].clone(),
            total_converted: r["total_converted"].clone(),
            received_converted: r["received_converted"].clone(),
            ..Default::default()
        })
        .collect();
    for r in records("multi_year_schedules.csv") {
        let status = match r["status"].as_str() {
            "paid" => pb::InstallmentStatus::Paid,
            "due" => pb::InstallmentStatus::Due,
            "future" => pb::InstallmentStatus::Future,
            other => panic!("installment status {other}"),
        };
        let schedule = schedules
            .iter_mut()
            .find(|s| s.contribution == r["contribution"])
            .expect("an installment of a listed schedule");
        schedule.installments.push(pb::ScheduledInstallment {
            due_date: r["due_date"].clone(),
            amount: money(&r["currency"], &r["amount"]),
            paid: money(&r["currency"], &r["paid"]),
            status: status.into(),
        });
    }
    schedules
}
