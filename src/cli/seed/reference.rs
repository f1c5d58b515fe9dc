//! Demo organizations, sessions, exchange rates and allocations of unearmarked funds.

use serde::Deserialize;

use super::{
    ALLOCATIONS, Connection, EXCHANGE_RATES, ORGANIZATIONS, SESSIONS, Tally, enum_field, money,
    request_id,
};
use crate::cli::import::name;
use crate::pb::{
    self, allocation_service_client::AllocationServiceClient,
    exchange_rate_service_client::ExchangeRateServiceClient,
    organization_service_client::OrganizationServiceClient,
    session_service_client::SessionServiceClient,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganizationRow {
    organization_id: String,
    display_name: String,
    kind: String,
    member_state: bool,
    country_code: String,
    iati_ref: String,
}

pub(super) async fn organizations(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = OrganizationServiceClient::new(channel.clone());
    for row in ORGANIZATIONS.rows::<OrganizationRow>()? {
        let mut request = pb::CreateOrganizationRequest {
            organization_id: row.organization_id,
            organization: Some(pb::Organization {
                display_name: row.display_name,
                kind: enum_field(
                    &row.kind,
                    "ORGANIZATION_KIND_",
                    pb::OrganizationKind::from_str_name,
                )?,
                member_state: row.member_state,
                country_code: row.country_code,
                iati_ref: row.iati_ref,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateOrganization", &request);
        let id = request.organization_id.clone();
        tally.record(&id, client.create_organization(request).await)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRow {
    body: String,
    number: i32,
    start_date: String,
    end_date: String,
    reporting_period_start: String,
    reporting_period_end: String,
    status_date: String,
    state: String,
}

pub(super) async fn sessions(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = SessionServiceClient::new(channel.clone());
    for row in SESSIONS.rows::<SessionRow>()? {
        let number = row.number;
        let mut request = pb::CreateSessionRequest {
            session: Some(pb::Session {
                body: enum_field(
                    &row.body,
                    "GOVERNING_BODY_",
                    pb::GoverningBody::from_str_name,
                )?,
                number,
                start_date: row.start_date,
                end_date: row.end_date,
                reporting_period_start: row.reporting_period_start,
                reporting_period_end: row.reporting_period_end,
                status_date: row.status_date,
                state: enum_field(
                    &row.state,
                    "SESSION_STATE_",
                    pb::SessionState::from_str_name,
                )?,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeRateRow {
    base_currency_code: String,
    quote_currency_code: String,
    month: String,
    rate: String,
    source: String,
}

pub(super) async fn rates(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ExchangeRateServiceClient::new(channel.clone());
    for row in EXCHANGE_RATES.rows::<ExchangeRateRow>()? {
        let mut request = pb::CreateExchangeRateRequest {
            exchange_rate: Some(pb::ExchangeRate {
                base_currency_code: row.base_currency_code,
                quote_currency_code: row.quote_currency_code,
                month: row.month,
                rate: row.rate,
                source: row.source,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateExchangeRate", &request);
        tally.record("exchange rate", client.create_exchange_rate(request).await)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllocationRow {
    allocation_id: String,
    allocation_date: String,
    currency_code: String,
    amount: String,
    programme: String,
    srf_objective: String,
    description: String,
}

pub(super) async fn allocations(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = AllocationServiceClient::new(channel.clone());
    for row in ALLOCATIONS.rows::<AllocationRow>()? {
        let mut request = pb::CreateAllocationRequest {
            allocation_id: row.allocation_id,
            allocation: Some(pb::Allocation {
                allocation_date: row.allocation_date,
                amount: money(&row.currency_code, &row.amount),
                programme: name("programmes", &row.programme),
                srf_objective: enum_field(
                    &row.srf_objective,
                    "SRF_OBJECTIVE_",
                    pb::SrfObjective::from_str_name,
                )?,
                description: row.description,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateAllocation", &request);
        let id = request.allocation_id.clone();
        tally.record(&id, client.create_allocation(request).await)?;
    }
    Ok(())
}
