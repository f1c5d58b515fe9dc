//! Programmes and their versions. Each version owns its partner and country rows, written with it
//! and never changed, so a programme read as of an instant has the partners it had then.

use chrono::NaiveDate;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{
    Statement, Versioned,
    history::{self, Kept, Listed, Revision, Stamp},
    write::Write,
};
use crate::{
    domain::{
        filter::{Group, Op, Value},
        geo::Country,
        programme::{Partner, PartnerRole, Programme, SrfObjective},
        text::Id,
    },
    error::{Error, Result},
};

/// Advisory lock key of the programme hierarchy ("scph"). A change of parent holds it until
/// commit, so two concurrent changes cannot each pass the cycle check and together close a loop.
const HIERARCHY_LOCK: i64 = 0x7363_7068;

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    #[sqlx(flatten)]
    stamp: Stamp,
    code: String,
    title: String,
    description: String,
    thematic_area: String,
    srf_objective: Option<i16>,
    parent_id: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
}

struct PartnerRow {
    programme_id: String,
    revision: i32,
    organization_id: String,
    role: String,
}

struct CountryRow {
    programme_id: String,
    revision: i32,
    country_code: String,
}

fn corrupt(id: &str, what: &str) -> Error {
    Error::Internal(anyhow::anyhow!("programme {id}: bad {what}"))
}

fn id(text: &str, owner: &str) -> Result<Id> {
    Id::parse(text, "id").map_err(|_| corrupt(owner, "id"))
}

/// A version without its partners and countries, which [`Kept::attach_children`] adds.
impl TryFrom<Row> for Versioned<Programme> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let srf_objective = r
            .srf_objective
            .map(|n| SrfObjective::from_number(n).ok_or_else(|| corrupt(&r.id, "objective")))
            .transpose()?;
        let parent = r.parent_id.as_deref().map(|p| id(p, &r.id)).transpose()?;
        let value = Programme {
            id: id(&r.id, &r.id)?,
            code: r.code,
            title: r.title,
            description: r.description,
            countries: Vec::new(),
            thematic_area: r.thematic_area,
            srf_objective,
            partners: Vec::new(),
            parent,
            start_date: r.start_date,
            end_date: r.end_date,
        };
        Ok(r.stamp.version(value))
    }
}

impl Kept for Programme {
    type Row = Row;
    const SELECT: &'static str = "SELECT p.id, v.revision, p.created_at, v.valid_from, v.code,
            v.title, v.description, v.thematic_area, v.srf_objective, v.parent_id, v.start_date,
            v.end_date
       FROM programmes p JOIN programme_versions v ON v.programme_id = p.id";
    history::kept_by_id!("programmes" as "p", "programme_versions" by "programme_id");

    /// The version row, then its partners and countries.
    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        let p = self;
        sqlx::query!(
            "INSERT INTO programme_versions (programme_id, revision, valid_from, code, title,
                 description, thematic_area, srf_objective, parent_id, start_date, end_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            p.id.as_str(),
            at.number,
            at.valid_from,
            &p.code,
            &p.title,
            &p.description,
            &p.thematic_area,
            p.srf_objective.map(SrfObjective::number),
            p.parent.as_ref().map(Id::as_str),
            p.start_date,
            p.end_date,
        )
        .write(&mut *conn)
        .await?;
        if !p.partners.is_empty() {
            let positions: Vec<i16> = (0..p.partners.len())
                .map(|i| i16::try_from(i).map_err(|_| corrupt(p.id.as_str(), "partner count")))
                .collect::<Result<_>>()?;
            sqlx::query!(
                "INSERT INTO programme_partners (programme_id, revision, position, organization_id, role)
                 SELECT $1, $2, k.position, k.organization_id, k.role
                   FROM UNNEST($3::smallint[], $4::text[], $5::text[]) AS k(position, organization_id, role)",
                p.id.as_str(),
                at.number,
                &positions,
                &p.partners
                    .iter()
                    .map(|x| x.organization.as_str().to_owned())
                    .collect::<Vec<_>>(),
                &p.partners
                    .iter()
                    .map(|x| x.role.db_name().to_owned())
                    .collect::<Vec<_>>(),
            )
            .write(&mut *conn)
            .await?;
        }
        if !p.countries.is_empty() {
            sqlx::query!(
                "INSERT INTO programme_countries (programme_id, revision, country_code)
                 SELECT $1, $2, k.code FROM UNNEST($3::text[]) AS k(code)",
                p.id.as_str(),
                at.number,
                &p.countries
                    .iter()
                    .map(|c| c.code().to_owned())
                    .collect::<Vec<_>>(),
            )
            .write(&mut *conn)
            .await?;
        }
        Ok(())
    }

    /// Partners and countries: one statement for each, whatever the number of versions.
    async fn attach_children(
        conn: &mut PgConnection,
        versions: &mut [Versioned<Programme>],
    ) -> Result<()> {
        let ids: Vec<String> = versions
            .iter()
            .map(|v| v.value.id.as_str().to_owned())
            .collect();
        let revisions: Vec<i32> = versions.iter().map(|v| v.revision).collect();
        let partner_rows: Vec<PartnerRow> = sqlx::query_as!(
            PartnerRow,
            "SELECT x.programme_id, x.revision, x.organization_id, x.role
               FROM programme_partners x
               JOIN UNNEST($1::text[], $2::integer[]) AS k(programme_id, revision)
                 ON x.programme_id = k.programme_id AND x.revision = k.revision
              ORDER BY x.programme_id, x.revision, x.position",
            &ids,
            &revisions,
        )
        .fetch_all(&mut *conn)
        .await?;
        let country_rows: Vec<CountryRow> = sqlx::query_as!(
            CountryRow,
            "SELECT x.programme_id, x.revision, x.country_code
               FROM programme_countries x
               JOIN UNNEST($1::text[], $2::integer[]) AS k(programme_id, revision)
                 ON x.programme_id = k.programme_id AND x.revision = k.revision
              ORDER BY x.programme_id, x.revision, x.country_code",
            &ids,
            &revisions,
        )
        .fetch_all(&mut *conn)
        .await?;

        let mut partners = history::by_version(partner_rows, |r| {
            let partner = Partner {
                organization: id(&r.organization_id, &r.programme_id)?,
                role: PartnerRole::from_db(&r.role)
                    .ok_or_else(|| corrupt(&r.programme_id, "role"))?,
            };
            Ok(((r.programme_id, r.revision), partner))
        })?;
        let mut countries = history::by_version(country_rows, |r| {
            let country = Country::parse(&r.country_code, "country_code")
                .map_err(|_| corrupt(&r.programme_id, "country"))?;
            Ok(((r.programme_id, r.revision), country))
        })?;
        for v in versions {
            let key = (v.value.id.to_string(), v.revision);
            v.value.partners = partners.remove(&key).unwrap_or_default();
            v.value.countries = countries.remove(&key).unwrap_or_default();
        }
        Ok(())
    }
}

/// Records a new programme (revision 1) with its partners and countries.
pub async fn create(w: &mut Write, programme: &Programme) -> Result<Versioned<Programme>> {
    history::create(w, programme).await
}

/// The filter's `parent` values are programme ids, or empty for "no parent".
impl Listed for Programme {
    type Cursor = String;
    const ORDER: &'static [&'static str] = &["p.id"];

    fn cursor(v: &Versioned<Programme>) -> String {
        v.value.id.to_string()
    }

    fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, group: &Group<'_>) -> Result<()> {
        let negated = group.op == Op::Ne;
        let mut values = Vec::with_capacity(group.values.len());
        for value in &group.values {
            let Value::Text(value) = value else {
                return Err(super::undeclared_filter(value));
            };
            values.push(value.clone());
        }
        match group.field {
            // A programme has many countries: each `=` names one it must have, each `!=` one it
            // must not have. One subquery answers for the whole group.
            "country_code" => {
                let count = i64::try_from(values.len()).map_err(super::undeclared_filter)?;
                let countries = "(SELECT count(*) FROM programme_countries c
                      WHERE c.programme_id = v.programme_id AND c.revision = v.revision
                        AND c.country_code = ANY(";
                if negated {
                    qb.push(format!(" AND {countries}"))
                        .push_bind(values)
                        .push(")) = 0");
                } else {
                    qb.push(format!(" AND {countries}"))
                        .push_bind(values)
                        .push(")) = ")
                        .push_bind(count);
                }
            }
            "srf_objective" => {
                super::push_group(qb, "v.srf_objective", group, "::smallint", true)?;
            }
            // `parent = ""` is "no parent"; any other value is a programme id.
            "parent" => {
                let (none, ids): (Vec<&Value>, Vec<&Value>) = group
                    .values
                    .iter()
                    .partition(|v| matches!(v, Value::Text(t) if t.is_empty()));
                if !none.is_empty() {
                    qb.push(if negated {
                        " AND v.parent_id IS NOT NULL"
                    } else {
                        " AND v.parent_id IS NULL"
                    });
                }
                if !ids.is_empty() {
                    let ids = Group {
                        values: ids,
                        ..group.clone()
                    };
                    super::push_group(qb, "v.parent_id", &ids, "", true)?;
                }
            }
            other => return Err(super::undeclared_filter(other)),
        }
        Ok(())
    }
}

/// Whether making `parent` the parent of `id` would close a loop: `id` is `parent` or one of
/// its ancestors. Holds the hierarchy lock until the transaction ends.
pub async fn would_cycle(w: &mut Write, id: &Id, parent: &Id) -> Result<bool> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", HIERARCHY_LOCK,)
        .execute(w.conn())
        .await?;
    // UNION (not UNION ALL) ends the walk even if the stored hierarchy ever held a loop.
    Ok(sqlx::query_scalar!(
        "WITH RECURSIVE up(id) AS (
             SELECT $1::text
           UNION
             SELECT v.parent_id FROM up
               JOIN programme_versions v ON v.programme_id = up.id AND v.valid_to IS NULL
              WHERE v.parent_id IS NOT NULL
         )
         SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS \"exists!\"",
        parent.as_str(),
        id.as_str(),
    )
    .fetch_one(w.conn())
    .await?)
}
