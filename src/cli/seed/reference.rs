//! Demo organizations, sessions, exchange rates and allocations of unearmarked funds.

use rust_decimal::Decimal;

use super::{Connection, Tally, money, request_id};
use crate::pb::{
    self, allocation_service_client::AllocationServiceClient,
    exchange_rate_service_client::ExchangeRateServiceClient,
    organization_service_client::OrganizationServiceClient,
    session_service_client::SessionServiceClient,
};

pub(super) async fn organizations(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    use pb::OrganizationKind::*;
    let mut client = OrganizationServiceClient::new(channel.clone());
    let rows: &[(&str, &str, pb::OrganizationKind, bool, &str, &str)] = &[
        ("belgium", "Belgium", Government, true, "BE", "XM-DAC-2-10"),
        (
            "luxembourg",
            "Luxembourg",
            Government,
            true,
            "LU",
            "XM-DAC-22-1",
        ),
        ("denmark", "Denmark", Government, true, "DK", "XM-DAC-3-1"),
        ("norway", "Norway", Government, true, "NO", "XM-DAC-8-1"),
        ("sweden", "Sweden", Government, true, "SE", "XM-DAC-10-1"),
        (
            "switzerland",
            "Switzerland",
            Government,
            true,
            "CH",
            "XM-DAC-11-1",
        ),
        ("germany", "Germany", Government, true, "DE", "XM-DAC-5-1"),
        ("japan", "Japan", Government, true, "JP", "XM-DAC-701-1"),
        (
            "united-states",
            "United States of America",
            Government,
            true,
            "US",
            "XM-DAC-302-1",
        ),
        (
            "fedasil",
            "Fedasil (Federal Agency for the Reception of Asylum Seekers)",
            OtherPublicSector,
            false,
            "BE",
            "",
        ),
        (
            "diaspora-advisory-board",
            "Diaspora Advisory Board",
            Other,
            false,
            "BE",
            "",
        ),
        (
            "iom",
            "International Organization for Migration",
            Multilateral,
            false,
            "",
            "XM-DAC-47066",
        ),
    ];
    for &(id, name, kind, member_state, country, iati) in rows {
        let mut request = pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: name.into(),
                kind: kind.into(),
                member_state,
                country_code: country.into(),
                iati_ref: iati.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateOrganization", &request);
        tally.record(id, client.create_organization(request).await)?;
    }
    Ok(())
}

pub(super) async fn sessions(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = SessionServiceClient::new(channel.clone());
    // Real meeting dates; each session reports on the half-year it falls in. The autumn session
    // meets before its half-year ends: its report states the position at the end of the last
    // quarter before the meeting, as the committee's documents do. The others state it at the
    // end of their period (an empty status date).
    let rows: &[(i32, &str, &str, &str, &str, &str, pb::SessionState)] = &[
        (
            34,
            "2024-06-12",
            "2024-06-13",
            "2024-01-01",
            "2024-06-30",
            "",
            pb::SessionState::Held,
        ),
        (
            35,
            "2024-11-04",
            "2024-11-05",
            "2024-07-01",
            "2024-12-31",
            "2024-09-30",
            pb::SessionState::Held,
        ),
        (
            36,
            "2025-06-25",
            "2025-06-26",
            "2025-01-01",
            "2025-06-30",
            "",
            pb::SessionState::Held,
        ),
        (
            37,
            "2025-10-27",
            "2025-10-28",
            "2025-07-01",
            "2025-12-31",
            "2025-09-30",
            pb::SessionState::Held,
        ),
    ];
    for &(number, start, end, period_start, period_end, status_date, state) in rows {
        let mut request = pb::CreateSessionRequest {
            session: Some(pb::Session {
                body: pb::GoverningBody::Scpf.into(),
                number,
                start_date: start.into(),
                end_date: end.into(),
                reporting_period_start: period_start.into(),
                reporting_period_end: period_end.into(),
                status_date: status_date.into(),
                state: state.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateSession", &request);
        tally.record(
            &format!("session {number}"),
            client.create_session(request).await,
        )?;
    }
    Ok(())
}

/// Monthly rates for 2024 to 2026: most currencies quoted against the dollar, the yen the other
/// way round (yen per dollar), as UN operational rates are. Each month moves a little.
pub(super) async fn rates(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ExchangeRateServiceClient::new(channel.clone());
    let bases: &[(&str, &str, &str)] = &[
        ("EUR", "USD", "1.0850"),
        ("CHF", "USD", "1.1320"),
        ("NOK", "USD", "0.0935"),
        ("DKK", "USD", "0.1455"),
        ("SEK", "USD", "0.0950"),
        ("USD", "JPY", "149.50"),
    ];
    for &(base, quote, level) in bases {
        let level: Decimal = level.parse()?;
        for year in 2024..=2026 {
            for month in 1..=12u32 {
                // A deterministic wobble of at most ±0.6 %.
                let step = i64::from((year as u32 * 12 + month) % 13) - 6;
                let rate = (level * (Decimal::ONE + Decimal::new(step, 3))).round_dp(6);
                let mut request = pb::CreateExchangeRateRequest {
                    exchange_rate: Some(pb::ExchangeRate {
                        base_currency_code: base.into(),
                        quote_currency_code: quote.into(),
                        month: format!("{year}-{month:02}"),
                        rate: rate.normalize().to_string(),
                        source: "UN operational rates of exchange".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                };
                request.request_id = request_id("CreateExchangeRate", &request);
                tally.record("exchange rate", client.create_exchange_rate(request).await)?;
            }
        }
    }
    Ok(())
}

pub(super) async fn allocations(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    use pb::SrfObjective::*;
    let mut client = AllocationServiceClient::new(channel.clone());
    let rows: &[(&str, &str, &str, &str, pb::SrfObjective, &str)] = &[
        (
            "unearmarked-2025-01",
            "2025-03-15",
            "1500000.00",
            "o-remit",
            Unspecified,
            "Scaling up diaspora investment pilots.",
        ),
        (
            "unearmarked-2025-02",
            "2025-05-10",
            "1200000.00",
            "",
            SavingLives,
            "Emergency response to sudden-onset disasters.",
        ),
        (
            "unearmarked-2025-03",
            "2025-06-20",
            "750000.00",
            "conex",
            Unspecified,
            "Second Conex cohort.",
        ),
        (
            "unearmarked-2025-04",
            "2025-06-27",
            "400000.00",
            "",
            SolutionsToDisplacement,
            "Data for durable solutions.",
        ),
    ];
    for &(id, date, amount, programme, objective, description) in rows {
        let mut request = pb::CreateAllocationRequest {
            allocation_id: id.into(),
            allocation: Some(pb::Allocation {
                allocation_date: date.into(),
                amount: money("USD", amount),
                programme: if programme.is_empty() {
                    String::new()
                } else {
                    format!("programmes/{programme}")
                },
                srf_objective: objective.into(),
                description: description.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateAllocation", &request);
        tally.record(id, client.create_allocation(request).await)?;
    }
    Ok(())
}
