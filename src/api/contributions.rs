//! `scpf.v1.ContributionService`: contributions here, receipts and the bulk import in the
//! submodules.

mod import;
pub(crate) mod receipts;
mod wire;

use tonic::{Request, Status, Streaming};

use crate::{
    api::{Api, Caller, resource},
    domain::{
        contribution::{Contribution, receipt::Receipt},
        filter::{Condition, FieldSpec, Filter, Kind, Value},
        text::{self, Id},
    },
    error::{Error, Result},
    pb::{self, contribution_service_server::ContributionService},
    store::contributions::{self, import::References},
};

pub use wire::{contribution, message};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("donor", Kind::Text),
    FieldSpec::new("funding_type", Kind::Enum(wire::funding_type_filter)),
    FieldSpec::new("earmarking_category", Kind::Enum(wire::category_filter)),
    FieldSpec::new("status", Kind::Enum(wire::status_filter)),
    FieldSpec::new("currency_code", Kind::Text),
    FieldSpec::new("programme", Kind::Text),
    FieldSpec::new("agreement_date", Kind::Date),
];

/// The filter with `donor` and `programme` names turned into the ids the store compares.
fn filter_ids(filter: &Filter) -> Result<Filter> {
    let conditions = filter
        .conditions
        .iter()
        .map(|c| {
            let collection = match c.field {
                "donor" => "organizations",
                "programme" => "programmes",
                _ => return Ok(c.clone()),
            };
            let Value::Text(name) = &c.value else {
                return Ok(c.clone());
            };
            let id = text::parse_name(name, collection, "filter").map_err(|_| {
                Error::invalid(
                    "filter",
                    "INVALID_FILTER",
                    format!(
                        "{} takes a resource name such as \"{collection}/x\", not {name}",
                        c.field,
                        name = text::quote(name)
                    ),
                )
            })?;
            Ok(Condition {
                value: Value::Text(id.into_string()),
                ..c.clone()
            })
        })
        .collect::<Result<_>>()?;
    Ok(Filter { conditions })
}

/// Parses the contribution of a CreateContributionRequest, with the id it will have.
pub(crate) fn parse_create(req: &pb::CreateContributionRequest) -> Result<Contribution> {
    let id = if req.contribution_id.is_empty() {
        Id::generated()
    } else {
        Id::parse(&req.contribution_id, "contribution_id")?
    };
    Ok(contribution(id, req.contribution.as_ref(), "contribution")?)
}

/// The checks of a new contribution's references, answered from what the database knows of them
/// (the import's one statement for all its rows; a single create is a batch of one): the donor
/// exists and may pay this kind of money, then the links hold.
pub(crate) fn check_references(c: &Contribution, known: &References) -> Result<()> {
    let Some(member_state) = known.member_state else {
        return Err(missing(
            "contribution.donor",
            "UNKNOWN_ORGANIZATION",
            format!("organizations/{}", c.donor),
        ));
    };
    c.check_donor(member_state, "contribution")?;
    check_links(c, known)
}

/// The programme and the session a contribution names exist.
fn check_links(c: &Contribution, known: &References) -> Result<()> {
    if let Some(programme) = &c.programme
        && !known.programme_known
    {
        return Err(missing(
            "contribution.programme",
            "UNKNOWN_PROGRAMME",
            format!("programmes/{programme}"),
        ));
    }
    if let Some(session) = c.announced_at
        && !known.session_known
    {
        return Err(missing(
            "contribution.announced_at",
            "UNKNOWN_SESSION",
            session.name(),
        ));
    }
    Ok(())
}

fn missing(field: &str, reason: &'static str, name: String) -> Error {
    Error::invalid(field, reason, format!("{name} does not exist"))
}

/// A single CreateContribution is a batch of one of the import: the same checks, claim, write and
/// audit event, under its own method.
async fn create_contribution(
    api: &Api,
    request: Request<pb::CreateContributionRequest>,
) -> Result<pb::Contribution, Status> {
    let (caller, req) = Caller::split(request);
    let row = import::parse_valid(0, &req)?;
    let answer = import::write(api, &caller, std::slice::from_ref(&row))
        .await?
        .pop();
    match answer {
        Some(import::Answer::Done { response, .. }) => Ok(*response),
        Some(import::Answer::Refused(err)) => Err(err.into()),
        _ => Err(Error::Internal(anyhow::anyhow!("a single write without its answer")).into()),
    }
}

async fn amend_contribution(
    api: &Api,
    request: Request<pb::AmendContributionRequest>,
) -> Result<pb::Contribution, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.contribution.as_ref(), "contribution", "contribution")?;
    let id = text::parse_name(&given.name, "contributions", "contribution.name")?;
    let c = contribution(id, Some(given), "contribution")?;
    let reason = text::required_text(&req.reason, "reason", 500)?;
    let etag = given.etag.clone();
    Ok(api
        .mutate(&caller, &req.request_id, &req, async |w| {
            resource::correct(w, &c, &etag, Some(&reason), async |w, current| {
                c.check_same_identity(&current.value, "contribution")?;
                check_links(&c, &contributions::references(w.conn(), &c).await?)
            })
            .await
        })
        .await?)
}

listing!(pb::ListContributionsRequest => Contribution, pb::ListContributionsResponse { contributions }, "ListContributions", filter: FILTER, filter_ids);

rpcs!(ContributionService {
    create_contribution(pb::CreateContributionRequest) -> pb::Contribution = create_contribution;
    get_contribution(pb::GetContributionRequest) -> pb::Contribution = resource::get::<Contribution, _>;
    list_contributions(pb::ListContributionsRequest) -> pb::ListContributionsResponse = resource::list;
    amend_contribution(pb::AmendContributionRequest) -> pb::Contribution = amend_contribution;
    record_receipt(pb::RecordReceiptRequest) -> pb::Receipt = receipts::record;
    correct_receipt(pb::CorrectReceiptRequest) -> pb::Receipt = receipts::correct;
    get_receipt(pb::GetReceiptRequest) -> pb::Receipt = resource::get::<Receipt, _>;
    list_receipts(pb::ListReceiptsRequest) -> pb::ListReceiptsResponse = receipts::list;
    import_contributions(Streaming<pb::ImportContributionsRequest>) -> pb::ImportContributionsResponse = import::import;
});

shown!(Contribution => pb::Contribution, |name, field| text::parse_name(name, "contributions", field));
