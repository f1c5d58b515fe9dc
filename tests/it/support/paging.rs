//! Paging through any List call: every page in order, and what every List call refuses about
//! its pages.

use std::future::Future;

use scpf_reports::pb::{
    self, allocation_service_client::AllocationServiceClient,
    audit_service_client::AuditServiceClient,
    contribution_service_client::ContributionServiceClient,
    exchange_rate_service_client::ExchangeRateServiceClient,
    member_state_service_client::MemberStateServiceClient,
    organization_service_client::OrganizationServiceClient,
    programme_service_client::ProgrammeServiceClient, report_service_client::ReportServiceClient,
    result_service_client::ResultServiceClient, session_service_client::SessionServiceClient,
};
use tonic::{Code, Status, transport::Channel};

use super::{assert_invalid, assert_refused};

/// A client that lists with `Request`: one page of at most `size` items from `token`, and the
/// token of the next page (empty after the last).
pub trait Listing<Request> {
    type Item;

    fn page(
        &mut self,
        request: Request,
        size: i32,
        token: String,
    ) -> impl Future<Output = Result<(Vec<Self::Item>, String), Status>>;
}

/// An item a List call returns, named like every resource.
pub trait Named {
    fn name(&self) -> &str;
}

/// The names of `items`, in their order.
pub fn names<T: Named>(items: &[T]) -> Vec<&str> {
    items.iter().map(Named::name).collect()
}

/// A List request that takes a filter.
pub trait Filtered: Default {
    fn filtered(filter: &str) -> Self;
}

macro_rules! listing {
    ($client:ident, $method:ident, $request:ident, $items:ident, $item:ident) => {
        impl Listing<pb::$request> for $client<Channel> {
            type Item = pb::$item;

            async fn page(
                &mut self,
                request: pb::$request,
                size: i32,
                token: String,
            ) -> Result<(Vec<pb::$item>, String), Status> {
                let request = pb::$request {
                    page_size: size,
                    page_token: token,
                    ..request
                };
                let page = self.$method(request).await?.into_inner();
                Ok((page.$items, page.next_page_token))
            }
        }

        impl Named for pb::$item {
            fn name(&self) -> &str {
                &self.name
            }
        }
    };
}

macro_rules! filtered {
    ($($request:ident),*) => {
        $(impl Filtered for pb::$request {
            fn filtered(filter: &str) -> Self {
                pb::$request {
                    filter: filter.into(),
                    ..Default::default()
                }
            }
        })*
    };
}

filtered!(
    ListAllocationsRequest,
    ListAuditEventsRequest,
    ListContributionsRequest,
    ListExchangeRatesRequest,
    ListOrganizationsRequest,
    ListProgrammesRequest,
    ListSessionsRequest
);

listing!(
    AllocationServiceClient,
    list_allocations,
    ListAllocationsRequest,
    allocations,
    Allocation
);
listing!(
    AuditServiceClient,
    list_audit_events,
    ListAuditEventsRequest,
    audit_events,
    AuditEvent
);
listing!(
    ContributionServiceClient,
    list_contributions,
    ListContributionsRequest,
    contributions,
    Contribution
);
listing!(
    ContributionServiceClient,
    list_receipts,
    ListReceiptsRequest,
    receipts,
    Receipt
);
listing!(
    ExchangeRateServiceClient,
    list_exchange_rates,
    ListExchangeRatesRequest,
    exchange_rates,
    ExchangeRate
);
listing!(
    MemberStateServiceClient,
    list_member_states,
    ListMemberStatesRequest,
    member_states,
    MemberState
);
listing!(
    OrganizationServiceClient,
    list_organizations,
    ListOrganizationsRequest,
    organizations,
    Organization
);
listing!(
    ProgrammeServiceClient,
    list_programmes,
    ListProgrammesRequest,
    programmes,
    Programme
);
listing!(
    ReportServiceClient,
    list_reports,
    ListReportsRequest,
    reports,
    Report
);
listing!(
    ResultServiceClient,
    list_indicators,
    ListIndicatorsRequest,
    indicators,
    Indicator
);
listing!(
    ResultServiceClient,
    list_measurements,
    ListMeasurementsRequest,
    measurements,
    Measurement
);
listing!(
    SessionServiceClient,
    list_sessions,
    ListSessionsRequest,
    sessions,
    Session
);

/// Every page of `request`, `size` items at most each (checked), in the order they came.
pub async fn pages<R, C>(client: &mut C, request: R, size: i32) -> Vec<Vec<C::Item>>
where
    R: Clone + std::fmt::Debug,
    C: Listing<R>,
{
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let (items, next) = client
            .page(request.clone(), size, token)
            .await
            .unwrap_or_else(|s| panic!("page {} of {request:?}: {s:?}", pages.len() + 1));
        assert!(
            items.len() <= size as usize,
            "{} items on a page of {size}",
            items.len()
        );
        pages.push(items);
        if next.is_empty() {
            return pages;
        }
        token = next;
    }
}

/// Every item `request` lists, read `size` at a time.
pub async fn every<R, C>(client: &mut C, request: R, size: i32) -> Vec<C::Item>
where
    R: Clone + std::fmt::Debug,
    C: Listing<R>,
{
    pages(client, request, size)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// The name of every item `request` lists, read `size` at a time.
pub async fn every_name<R, C>(client: &mut C, request: R, size: i32) -> Vec<String>
where
    R: Clone + std::fmt::Debug,
    C: Listing<R>,
    C::Item: Named,
{
    let items = every(client, request, size).await;
    items.iter().map(|i| i.name().to_owned()).collect()
}

/// `assert_pages_are_checked` for a listing with `filter`, and a token of it used with `other`.
pub async fn assert_page_tokens<R, C>(
    client: &mut C,
    filter: &str,
    other: &str,
    size: i32,
    byte: usize,
) where
    R: Filtered + Clone + std::fmt::Debug,
    C: Listing<R>,
    C::Item: std::fmt::Debug,
{
    assert_pages_are_checked(client, R::filtered(filter), R::filtered(other), size, byte).await;
}

/// Asserts that listing with `filter` is refused as INVALID_FILTER, naming the filter.
pub async fn assert_bad_filter<R, C>(client: &mut C, filter: &str)
where
    R: Filtered,
    C: Listing<R>,
    C::Item: std::fmt::Debug,
{
    let result = client.page(R::filtered(filter), 0, String::new()).await;
    assert_invalid(result, "INVALID_FILTER", "filter");
}

/// A page token is good only for the listing it came from (`other` is another one) and cannot
/// be forged by changing the byte at `byte`, and a negative page size is refused. `request`
/// must list more than `size` items, so that its first page has a token.
pub async fn assert_pages_are_checked<R, C>(
    client: &mut C,
    request: R,
    other: R,
    size: i32,
    byte: usize,
) where
    R: Clone + std::fmt::Debug,
    C: Listing<R>,
    C::Item: std::fmt::Debug,
{
    let (_, token) = client
        .page(request.clone(), size, String::new())
        .await
        .expect("the first page");
    assert!(
        !token.is_empty(),
        "{request:?} should list more than {size}"
    );

    let result = client.page(other, size, token.clone()).await;
    assert_refused(
        result,
        Code::InvalidArgument,
        "PAGE_TOKEN_MISMATCH",
        Some("page_token"),
    );

    let mut tampered = token.into_bytes();
    tampered[byte] ^= 1;
    let tampered = String::from_utf8_lossy(&tampered).into_owned();
    let result = client.page(request.clone(), size, tampered).await;
    assert_refused(
        result,
        Code::InvalidArgument,
        "INVALID_PAGE_TOKEN",
        Some("page_token"),
    );

    let result = client.page(request, -1, String::new()).await;
    assert_refused(
        result,
        Code::InvalidArgument,
        "INVALID_PAGE_SIZE",
        Some("page_size"),
    );
}
