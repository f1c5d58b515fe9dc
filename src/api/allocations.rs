//! `scpf.v1.AllocationService`.

use sqlx::PgConnection;
use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, convert, refs, resource},
    domain::{
        FieldViolation, Parsed,
        allocation::{self, Allocation},
        dates, field,
        filter::{FieldSpec, Kind},
        money::{Currency, Money},
        text::{self, Id},
    },
    error::Result,
    pb::{self, allocation_service_server::AllocationService},
    store::{Versioned, refs::Target},
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("programme", Kind::Text),
    FieldSpec::new("srf_objective", Kind::Enum(srf_filter)),
    FieldSpec::new("allocation_date", Kind::Date),
];

/// `srf_objective = 3`, `= REGULAR_PATHWAYS` or `= SRF_OBJECTIVE_REGULAR_PATHWAYS`; 0 or
/// UNSPECIFIED for allocations to a programme only. Stored spelling: the number.
fn srf_filter(raw: &str) -> Option<&'static str> {
    const NUMBERS: [&str; 4] = ["0", "1", "2", "3"];
    let name = raw.strip_prefix("SRF_OBJECTIVE_").unwrap_or(raw);
    pb::SrfObjective::from_str_name(&format!("SRF_OBJECTIVE_{name}"))
        .map(|o| o as usize)
        .or_else(|| NUMBERS.iter().position(|n| *n == raw))
        .and_then(|i| NUMBERS.get(i).copied())
}

/// A positive amount in USD at `path` (for example `allocation.amount`). The currency is
/// checked first: an amount in another currency is refused for that, whatever its decimals.
fn usd(m: Option<&pb::Money>, path: &str, allocation_path: &str) -> Parsed<Money> {
    let m = m.ok_or_else(|| FieldViolation::required(path, "an amount in USD is required"))?;
    let currency = Currency::parse(&m.currency_code, &field(path, "currency_code"))?;
    if currency != Currency::USD {
        return Err(allocation::not_usd(currency, allocation_path));
    }
    let amount_field = field(path, "amount");
    Money::parse(&m.amount, currency, &amount_field)?.require_positive(&amount_field)
}

/// Parses the allocation at `path` of a request, with the id it will have.
fn allocation(id: Id, a: Option<&pb::Allocation>, path: &str) -> Parsed<Allocation> {
    let a = resource::required(a, path, "allocation")?;
    let programme = if a.programme.is_empty() {
        None
    } else {
        Some(text::parse_name(
            &a.programme,
            "programmes",
            &field(path, "programme"),
        )?)
    };
    Allocation {
        id,
        allocation_date: dates::parse_date(&a.allocation_date, &field(path, "allocation_date"))?,
        amount: usd(a.amount.as_ref(), &field(path, "amount"), path)?,
        programme,
        srf_objective: convert::srf_objective(a.srf_objective, &field(path, "srf_objective"))?,
        description: text::optional_text(&a.description, &field(path, "description"), 1000)?,
    }
    .check(path)
}

/// Checks, inside the write, that the programme an allocation goes to exists.
async fn require_programme(conn: &mut PgConnection, a: &Allocation, path: &str) -> Result<()> {
    if let Some(programme) = &a.programme {
        refs::require(
            conn,
            Target::Programme,
            &format!("programmes/{programme}"),
            &field(path, "programme"),
        )
        .await?;
    }
    Ok(())
}

/// The protobuf form of a stored allocation.
pub fn message(v: &Versioned<Allocation>) -> pb::Allocation {
    let a = &v.value;
    versioned_message!(
        v,
        pb::Allocation {
            name: a.name(),
            allocation_date: convert::date(a.allocation_date),
            amount: Some(convert::money_message(a.amount)),
            programme: a
                .programme
                .as_ref()
                .map(|p| format!("programmes/{p}"))
                .unwrap_or_default(),
            srf_objective: convert::srf_message(a.srf_objective).into(),
            description: a.description.clone(),
        }
    )
}

/// Parses `allocations/{id}`.
pub fn parse_name(name: &str, field: &str) -> Parsed<Id> {
    text::parse_name(name, "allocations", field)
}

async fn create_allocation(
    api: &Api,
    request: Request<pb::CreateAllocationRequest>,
) -> Result<pb::Allocation, Status> {
    let (caller, req) = Caller::split(request);
    // A generated id is safe to retry: the retry carries the same request_id and payload,
    // so it replays the first response, generated name included.
    let id = if req.allocation_id.is_empty() {
        Id::generated()
    } else {
        Id::parse(&req.allocation_id, "allocation_id")?
    };
    let allocation = allocation(id, req.allocation.as_ref(), "allocation")?;
    Ok(api
        .create_checked(&caller, &req.request_id, &req, &allocation, async |w| {
            require_programme(w.conn(), &allocation, "allocation").await
        })
        .await?)
}

async fn update_allocation(
    api: &Api,
    request: Request<pb::UpdateAllocationRequest>,
) -> Result<pb::Allocation, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.allocation.as_ref(), "allocation", "allocation")?;
    let id = parse_name(&given.name, "allocation.name")?;
    let allocation = allocation(id, Some(given), "allocation")?;
    let etag = given.etag.clone();
    let response = api
        .mutate(&caller, &req.request_id, &req, async |w| {
            require_programme(w.conn(), &allocation, "allocation").await?;
            resource::update_with_etag(w, &allocation, &etag).await
        })
        .await?;
    Ok(response)
}

shown!(Allocation => pb::Allocation);

listing!(pb::ListAllocationsRequest => Allocation, pb::ListAllocationsResponse { allocations }, "ListAllocations", filter: FILTER);

rpcs!(AllocationService {
    create_allocation(pb::CreateAllocationRequest) -> pb::Allocation = create_allocation;
    get_allocation(pb::GetAllocationRequest) -> pb::Allocation = resource::get::<Allocation, _>;
    list_allocations(pb::ListAllocationsRequest) -> pb::ListAllocationsResponse = resource::list;
    update_allocation(pb::UpdateAllocationRequest) -> pb::Allocation = update_allocation;
});
