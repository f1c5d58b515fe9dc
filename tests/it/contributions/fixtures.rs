//! What contribution tests start from: donors, the 36th session, programmes, and Belgium's
//! founding example (EUR 4,000,000 unearmarked, four yearly installments, announced at the 36th
//! session).

use scpf_reports::pb::{
    self, EarmarkingCategory, EarmarkingModality, FlowStatus, FundingType, OrganizationKind,
    contribution_service_client::ContributionServiceClient,
};
use sqlx::PgPool;
use tonic::transport::Channel;

pub use crate::support::count;
use crate::support::fixtures;
use crate::support::{TestServer, ok, rid};

pub type Client = ContributionServiceClient<Channel>;

pub fn client(server: &TestServer) -> Client {
    ContributionServiceClient::new(server.channel.clone())
}

/// Starts a server with Belgium and Luxembourg (Member States), the European Commission (a
/// donor that is not a Member State), the 36th session and two programmes.
pub async fn setup(pool: &PgPool) -> TestServer {
    let server = TestServer::start(pool.clone()).await;
    let mut orgs = server.organizations();
    let donors = [
        ("belgium", "Belgium", true, "BE"),
        ("luxembourg", "Luxembourg", true, "LU"),
        ("european-commission", "European Commission", false, ""),
    ];
    for (id, display_name, member_state, country) in donors {
        ok(orgs.create_organization(pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: display_name.into(),
                kind: if member_state {
                    OrganizationKind::Government
                } else {
                    OrganizationKind::Multilateral
                } as i32,
                member_state,
                country_code: country.into(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    fixtures::session(&server, 36).await;
    fixtures::programme(&server, "o-remit", "O-REMIT").await;
    fixtures::programme(&server, "conex", "Conex").await;
    server
}

pub fn money(currency: &str, amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: currency.into(),
        amount: amount.into(),
    })
}

pub fn installment(due_date: &str, currency: &str, amount: &str) -> pb::Installment {
    pb::Installment {
        due_date: due_date.into(),
        amount: money(currency, amount),
    }
}

/// Belgium commits EUR 1 million a year, 2025 to 2028, unearmarked, announced at the 36th
/// session.
pub fn belgium() -> pb::Contribution {
    pb::Contribution {
        donor: "organizations/belgium".into(),
        funding_type: FundingType::Voluntary as i32,
        earmarking_category: EarmarkingCategory::Unearmarked as i32,
        earmarking_modality: EarmarkingModality::A as i32,
        status: FlowStatus::Commitment as i32,
        total: money("EUR", "4000000.00"),
        installments: (2025..=2028)
            .map(|year| installment(&format!("{year}-06-30"), "EUR", "1000000.00"))
            .collect(),
        agreement_date: "2025-06-25".into(),
        period_start: "2025-01-01".into(),
        period_end: "2028-12-31".into(),
        announced_at: "sessions/36".into(),
        description: "Flexible funding, announced at the 36th SCPF session".into(),
        ..Default::default()
    }
}

/// The founding example with a different single-currency schedule: one installment of `total`.
pub fn with_total(currency: &str, total: &str) -> pb::Contribution {
    pb::Contribution {
        total: money(currency, total),
        installments: vec![installment("2025-06-30", currency, total)],
        ..belgium()
    }
}

/// Earmarked money: USD to a programme, category 3, modality G.
pub fn earmarked(programme: &str) -> pb::Contribution {
    pb::Contribution {
        earmarking_category: EarmarkingCategory::Earmarked as i32,
        earmarking_modality: EarmarkingModality::G as i32,
        programme: programme.into(),
        ..with_total("USD", "250000.00")
    }
}

/// An assessed contribution of a Member State, in CHF.
pub fn assessed(donor: &str) -> pb::Contribution {
    pb::Contribution {
        donor: format!("organizations/{donor}"),
        funding_type: FundingType::Assessed as i32,
        earmarking_category: 0,
        earmarking_modality: 0,
        announced_at: String::new(),
        ..with_total("CHF", "1250000.00")
    }
}

pub fn create(id: &str, contribution: pb::Contribution) -> pb::CreateContributionRequest {
    pb::CreateContributionRequest {
        contribution_id: id.into(),
        contribution: Some(contribution),
        request_id: rid(),
    }
}

pub fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetContributionRequest {
    pb::GetContributionRequest {
        name: name.into(),
        as_of,
    }
}

/// A contribution's total and schedule moved to another currency.
pub trait WithCurrency {
    fn with_currency(self, currency: &str) -> Self;
}

impl WithCurrency for pb::Contribution {
    fn with_currency(mut self, currency: &str) -> Self {
        for m in self.total.iter_mut().chain(
            self.installments
                .iter_mut()
                .filter_map(|i| i.amount.as_mut()),
        ) {
            m.currency_code = currency.into();
        }
        self
    }
}
