//! `scpf.v1.OrganizationService`.

use tonic::{Request, Status};

use crate::{
    api::{
        Api, Caller,
        convert::{self, Wire},
        resource,
    },
    domain::{
        Parsed, field,
        filter::{FieldSpec, Kind},
        geo::Country,
        organization::{Organization, OrganizationKind},
        text::{self, Id},
    },
    error::Result,
    pb::{self, organization_service_server::OrganizationService},
    store::Versioned,
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("member_state", Kind::Bool),
    FieldSpec::new("kind", Kind::Enum(kind_filter)),
    FieldSpec::new("country_code", Kind::Text),
];

fn kind_filter(raw: &str) -> Option<&'static str> {
    let all = OrganizationKind::ALL;
    convert::enum_filter(raw, "ORGANIZATION_KIND_", all, OrganizationKind::db_name)
}

wire_enum!(OrganizationKind => OrganizationKind {
    Government,
    OtherPublicSector,
    InternationalNgo,
    NationalNgo,
    Multilateral,
    Foundation,
    PrivateSector,
    Academic,
    Other,
});

/// Parses the organization at `path` of a request, with the id it will have.
fn organization(id: Id, o: Option<&pb::Organization>, path: &str) -> Parsed<Organization> {
    let o = resource::required(o, path, "organization")?;
    let iati_ref = text::optional_text(&o.iati_ref, &field(path, "iati_ref"), 100)?;
    Organization {
        id,
        display_name: text::required_text(&o.display_name, &field(path, "display_name"), 200)?,
        kind: OrganizationKind::required(o.kind, &field(path, "kind"), "a kind of organization")?,
        member_state: o.member_state,
        country: Country::parse_optional(&o.country_code, &field(path, "country_code"))?,
        iati_ref: (!iati_ref.is_empty()).then_some(iati_ref),
    }
    .check(path)
}

/// The protobuf form of a stored organization.
pub fn message(v: &Versioned<Organization>) -> pb::Organization {
    let o = &v.value;
    versioned_message!(
        v,
        pb::Organization {
            name: o.name(),
            display_name: o.display_name.clone(),
            kind: o.kind.to_wire().into(),
            member_state: o.member_state,
            country_code: o.country.map(|c| c.code().to_owned()).unwrap_or_default(),
            iati_ref: o.iati_ref.clone().unwrap_or_default(),
        }
    )
}

/// Parses `organizations/{id}`.
pub fn parse_name(name: &str, field: &str) -> Parsed<Id> {
    text::parse_name(name, "organizations", field)
}

async fn create_organization(
    api: &Api,
    request: Request<pb::CreateOrganizationRequest>,
) -> Result<pb::Organization, Status> {
    let (caller, req) = Caller::split(request);
    let id = Id::parse(&req.organization_id, "organization_id")?;
    let org = organization(id, req.organization.as_ref(), "organization")?;
    Ok(api.create_one(&caller, &req.request_id, &req, &org).await?)
}

async fn update_organization(
    api: &Api,
    request: Request<pb::UpdateOrganizationRequest>,
) -> Result<pb::Organization, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.organization.as_ref(), "organization", "organization")?;
    let id = parse_name(&given.name, "organization.name")?;
    let org = organization(id, Some(given), "organization")?;
    let etag = &given.etag;
    Ok(api
        .update_one(&caller, &req.request_id, &req, &org, etag)
        .await?)
}

shown!(Organization => pb::Organization);

listing!(pb::ListOrganizationsRequest => Organization, pb::ListOrganizationsResponse { organizations }, "ListOrganizations", filter: FILTER);

rpcs!(OrganizationService {
    create_organization(pb::CreateOrganizationRequest) -> pb::Organization = create_organization;
    get_organization(pb::GetOrganizationRequest) -> pb::Organization = resource::get::<Organization, _>;
    list_organizations(pb::ListOrganizationsRequest) -> pb::ListOrganizationsResponse = resource::list;
    update_organization(pb::UpdateOrganizationRequest) -> pb::Organization = update_organization;
});
