//! `scpf.v1.ProgrammeService`.

use tonic::{Request, Status};

use crate::{
    api::{
        Api, Caller,
        convert::{self, Wire},
        organizations, refs, resource,
    },
    domain::{
        FieldViolation, Parsed, dates, field,
        filter::{FieldSpec, Filter, Kind, Value},
        geo::Country,
        programme::{self, Partner, PartnerRole, Programme, SrfObjective},
        text::{self, Id},
    },
    error::{Error, Result},
    pb::{self, programme_service_server::ProgrammeService},
    store::{Versioned, programmes, refs::Target, write::Write},
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("country_code", Kind::Enum(country_filter)),
    FieldSpec::new("srf_objective", Kind::Enum(objective_filter)),
    FieldSpec::new("parent", Kind::Text),
];

fn country_filter(raw: &str) -> Option<&'static str> {
    Country::parse(raw, "filter").ok().map(Country::code)
}

/// `3`, `REGULAR_PATHWAYS` or `SRF_OBJECTIVE_REGULAR_PATHWAYS`, as the stored number.
fn objective_filter(raw: &str) -> Option<&'static str> {
    let number = match raw.parse::<i32>() {
        Ok(n) => n,
        Err(_) => {
            let upper = raw.to_ascii_uppercase();
            let full = if upper.starts_with("SRF_OBJECTIVE_") {
                upper
            } else {
                format!("SRF_OBJECTIVE_{upper}")
            };
            pb::SrfObjective::from_str_name(&full)? as i32
        }
    };
    match convert::srf_objective(number, "filter").ok()?? {
        SrfObjective::SavingLives => Some("1"),
        SrfObjective::SolutionsToDisplacement => Some("2"),
        SrfObjective::RegularPathways => Some("3"),
    }
}

wire_enum!(PartnerRole => PartnerRole {
    Funding,
    Accountable,
    Extending,
    Implementing,
});

/// Parses `programmes/{id}`.
pub fn parse_name(name: &str, field: &str) -> Parsed<Id> {
    text::parse_name(name, "programmes", field)
}

/// Parses the programme at `path` of a request, with the id it will have. References to other
/// resources are only checked for form here; [`require_references`] checks that they exist.
fn programme(id: Id, p: &pb::Programme, path: &str) -> Parsed<Programme> {
    let partners = p
        .partners
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let at = format!("{path}.partners[{i}]");
            Ok(Partner {
                organization: organizations::parse_name(
                    &x.organization,
                    &field(&at, "organization"),
                )?,
                role: PartnerRole::required(
                    x.role,
                    &field(&at, "role"),
                    "a partner role (FUNDING, ACCOUNTABLE, EXTENDING or IMPLEMENTING)",
                )?,
            })
        })
        .collect::<Parsed<Vec<_>>>()?;
    let parent = if p.parent.is_empty() {
        None
    } else {
        Some(parse_name(&p.parent, &field(path, "parent"))?)
    };
    Programme {
        id,
        code: text::required_text(&p.code, &field(path, "code"), 40)?,
        title: text::required_text(&p.title, &field(path, "title"), 300)?,
        description: text::optional_text(&p.description, &field(path, "description"), 10_000)?,
        countries: programme::parse_countries(&p.country_codes, path)?,
        thematic_area: text::optional_text(&p.thematic_area, &field(path, "thematic_area"), 200)?,
        srf_objective: convert::srf_objective(p.srf_objective, &field(path, "srf_objective"))?,
        partners,
        parent,
        start_date: dates::parse_optional_date(&p.start_date, &field(path, "start_date"))?,
        end_date: dates::parse_optional_date(&p.end_date, &field(path, "end_date"))?,
    }
    .check(path)
}

/// Checks, inside the write, that every partner organization and the parent exist.
async fn require_references(w: &mut Write, p: &Programme, path: &str) -> Result<()> {
    for (i, partner) in p.partners.iter().enumerate() {
        let name = format!("organizations/{}", partner.organization);
        let at = format!("{path}.partners[{i}].organization");
        refs::require(w.conn(), Target::Organization, &name, &at).await?;
    }
    if let Some(parent) = &p.parent {
        let name = format!("programmes/{parent}");
        refs::require(w.conn(), Target::Programme, &name, &field(path, "parent")).await?;
    }
    Ok(())
}

/// The protobuf form of a stored programme.
pub fn message(v: &Versioned<Programme>) -> pb::Programme {
    let p = &v.value;
    versioned_message!(
        v,
        pb::Programme {
            name: p.name(),
            code: p.code.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            country_codes: p.countries.iter().map(|c| c.code().to_owned()).collect(),
            thematic_area: p.thematic_area.clone(),
            srf_objective: convert::srf_message(p.srf_objective).into(),
            partners: p
                .partners
                .iter()
                .map(|x| pb::Partner {
                    organization: format!("organizations/{}", x.organization),
                    role: x.role.to_wire().into(),
                })
                .collect(),
            parent: p
                .parent
                .as_ref()
                .map(|id| format!("programmes/{id}"))
                .unwrap_or_default(),
            start_date: convert::optional_date(p.start_date),
            end_date: convert::optional_date(p.end_date),
        }
    )
}

/// The filter the store runs: `parent` names become ids (empty stays empty: no parent).
fn store_filter(filter: &Filter) -> Parsed<Filter> {
    let mut filter = filter.clone();
    for c in filter.conditions.iter_mut().filter(|c| c.field == "parent") {
        if let Value::Text(name) = &c.value
            && !name.is_empty()
        {
            let id = parse_name(name, "filter").map_err(|_| {
                FieldViolation::new(
                    "filter",
                    "INVALID_FILTER",
                    format!("parent takes a programme name such as \"programmes/west-africa\", or \"\" for none; not {name}", name = crate::domain::text::quote(name)),
                )
            })?;
            c.value = Value::Text(id.into_string());
        }
    }
    Ok(filter)
}

/// Checks, inside the write, that a programme's parent is neither the programme itself nor one
/// of the programmes under it.
async fn refuse_cycle(w: &mut Write, p: &Programme) -> Result<()> {
    if let Some(parent) = &p.parent
        && programmes::would_cycle(w, &p.id, parent).await?
    {
        let name = p.name();
        return Err(Error::invalid(
            "programme.parent",
            "PARENT_CYCLE",
            format!("programmes/{parent} is {name} or belongs to it, so it cannot be its parent"),
        ));
    }
    Ok(())
}

async fn create_programme(
    api: &Api,
    request: Request<pb::CreateProgrammeRequest>,
) -> Result<pb::Programme, Status> {
    let (caller, req) = Caller::split(request);
    let id = Id::parse(&req.programme_id, "programme_id")?;
    let programme = programme(
        id,
        resource::required(req.programme.as_ref(), "programme", "programme")?,
        "programme",
    )?;
    Ok(api
        .create_checked(&caller, &req.request_id, &req, &programme, async |w| {
            require_references(w, &programme, "programme").await
        })
        .await?)
}

async fn update_programme(
    api: &Api,
    request: Request<pb::UpdateProgrammeRequest>,
) -> Result<pb::Programme, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.programme.as_ref(), "programme", "programme")?;
    let id = parse_name(&given.name, "programme.name")?;
    let programme = programme(id, given, "programme")?;
    let etag = given.etag.clone();
    Ok(api
        .mutate(&caller, &req.request_id, &req, async |w| {
            resource::correct(w, &programme, &etag, None, async |w, _| {
                require_references(w, &programme, "programme").await?;
                refuse_cycle(w, &programme).await
            })
            .await
        })
        .await?)
}

shown!(Programme => pb::Programme);

listing!(pb::ListProgrammesRequest => Programme, pb::ListProgrammesResponse { programmes }, "ListProgrammes", filter: FILTER, store_filter);

rpcs!(ProgrammeService {
    create_programme(pb::CreateProgrammeRequest) -> pb::Programme = create_programme;
    get_programme(pb::GetProgrammeRequest) -> pb::Programme = resource::get::<Programme, _>;
    list_programmes(pb::ListProgrammesRequest) -> pb::ListProgrammesResponse = resource::list;
    update_programme(pb::UpdateProgrammeRequest) -> pb::Programme = update_programme;
});
