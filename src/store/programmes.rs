//! Programmes and their versions. Each version owns its partner and country rows, written with it
//! and never changed, so a programme read as of an instant has the partners it had then.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{AsOf, Versioned, already_exists, write::Write};
use crate::{
    domain::{
        filter::{Filter, Group, Op, Value},
        geo::Country,
        programme::{Partner, PartnerRole, Programme, SrfObjective},
        text::Id,
    },
    error::{Error, Result},
};

/// Advisory lock key of the programme hierarchy ("scph"). A change of parent holds it until
/// commit, so two concurrent changes cannot each pass the cycle check and together close a loop.
const HIERARCHY_LOCK: i64 = 0x7363_7068;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
    code: String,
    title: String,
    description: String,
    thematic_area: String,
    srf_objective: Option<i16>,
    parent_id: Option<String>,
    start_date: Option<NaiveDate>,
    end_date: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct PartnerRow {
    programme_id: String,
    revision: i32,
    organization_id: String,
    role: String,
}

#[derive(sqlx::FromRow)]
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

impl Row {
    fn into_versioned(
        self,
        partners: Vec<Partner>,
        countries: Vec<Country>,
    ) -> Result<Versioned<Programme>> {
        let srf_objective = self
            .srf_objective
            .map(|n| SrfObjective::from_number(n).ok_or_else(|| corrupt(&self.id, "objective")))
            .transpose()?;
        let parent = self
            .parent_id
            .as_deref()
            .map(|p| id(p, &self.id))
            .transpose()?;
        let value = Programme {
            id: id(&self.id, &self.id)?,
            code: self.code,
            title: self.title,
            description: self.description,
            countries,
            thematic_area: self.thematic_area,
            srf_objective,
            partners,
            parent,
            start_date: self.start_date,
            end_date: self.end_date,
        };
        Ok(Versioned {
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.valid_from,
            value,
        })
    }
}

const SELECT: &str = "SELECT p.id, v.revision, p.created_at, v.valid_from, v.code, v.title,
        v.description, v.thematic_area, v.srf_objective, v.parent_id, v.start_date, v.end_date
   FROM programmes p JOIN programme_versions v ON v.programme_id = p.id";

/// Records a new programme (revision 1) with its partners and countries.
pub async fn create(w: &mut Write, programme: &Programme) -> Result<Versioned<Programme>> {
    let now = w.now();
    sqlx::query("INSERT INTO programmes (id, created_at) VALUES ($1, $2)")
        .bind(programme.id.as_str())
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(|e| already_exists(e, "programmes_pkey", &programme.name()))?;
    insert_version(w.conn(), programme, 1, now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: programme.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    p: &Programme,
    revision: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO programme_versions (programme_id, revision, valid_from, code, title,
             description, thematic_area, srf_objective, parent_id, start_date, end_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(p.id.as_str())
    .bind(revision)
    .bind(now)
    .bind(&p.code)
    .bind(&p.title)
    .bind(&p.description)
    .bind(&p.thematic_area)
    .bind(p.srf_objective.map(SrfObjective::number))
    .bind(p.parent.as_ref().map(Id::as_str))
    .bind(p.start_date)
    .bind(p.end_date)
    .execute(&mut *conn)
    .await
    .map_err(super::map_db_error)?;
    if !p.partners.is_empty() {
        let positions: Vec<i16> = (0..p.partners.len())
            .map(|i| i16::try_from(i).map_err(|_| corrupt(p.id.as_str(), "partner count")))
            .collect::<Result<_>>()?;
        sqlx::query(
            "INSERT INTO programme_partners (programme_id, revision, position, organization_id, role)
             SELECT $1, $2, k.position, k.organization_id, k.role
               FROM UNNEST($3::smallint[], $4::text[], $5::text[]) AS k(position, organization_id, role)",
        )
        .bind(p.id.as_str())
        .bind(revision)
        .bind(positions)
        .bind(p.partners.iter().map(|x| x.organization.as_str()).collect::<Vec<_>>())
        .bind(p.partners.iter().map(|x| x.role.db_name()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(super::map_db_error)?;
    }
    if !p.countries.is_empty() {
        sqlx::query(
            "INSERT INTO programme_countries (programme_id, revision, country_code)
             SELECT $1, $2, k.code FROM UNNEST($3::text[]) AS k(code)",
        )
        .bind(p.id.as_str())
        .bind(revision)
        .bind(p.countries.iter().map(|c| c.code()).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await
        .map_err(super::map_db_error)?;
    }
    Ok(())
}

/// Attaches partners and countries to version rows: one query for each, whatever the number
/// of rows.
async fn with_children(
    conn: &mut PgConnection,
    rows: Vec<Row>,
) -> Result<Vec<Versioned<Programme>>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let revisions: Vec<i32> = rows.iter().map(|r| r.revision).collect();
    let partner_rows: Vec<PartnerRow> = sqlx::query_as(
        "SELECT x.programme_id, x.revision, x.organization_id, x.role
           FROM programme_partners x
           JOIN UNNEST($1::text[], $2::integer[]) AS k(programme_id, revision)
             ON x.programme_id = k.programme_id AND x.revision = k.revision
          ORDER BY x.programme_id, x.revision, x.position",
    )
    .bind(&ids)
    .bind(&revisions)
    .fetch_all(&mut *conn)
    .await?;
    let country_rows: Vec<CountryRow> = sqlx::query_as(
        "SELECT x.programme_id, x.revision, x.country_code
           FROM programme_countries x
           JOIN UNNEST($1::text[], $2::integer[]) AS k(programme_id, revision)
             ON x.programme_id = k.programme_id AND x.revision = k.revision
          ORDER BY x.programme_id, x.revision, x.country_code",
    )
    .bind(&ids)
    .bind(&revisions)
    .fetch_all(&mut *conn)
    .await?;

    let mut partners: HashMap<(String, i32), Vec<Partner>> = HashMap::new();
    for r in partner_rows {
        let partner = Partner {
            organization: id(&r.organization_id, &r.programme_id)?,
            role: PartnerRole::from_db(&r.role).ok_or_else(|| corrupt(&r.programme_id, "role"))?,
        };
        partners
            .entry((r.programme_id, r.revision))
            .or_default()
            .push(partner);
    }
    let mut countries: HashMap<(String, i32), Vec<Country>> = HashMap::new();
    for r in country_rows {
        let country = Country::parse(&r.country_code, "country_code")
            .map_err(|_| corrupt(&r.programme_id, "country"))?;
        countries
            .entry((r.programme_id, r.revision))
            .or_default()
            .push(country);
    }
    rows.into_iter()
        .map(|r| {
            let key = (r.id.clone(), r.revision);
            let p = partners.remove(&key).unwrap_or_default();
            let c = countries.remove(&key).unwrap_or_default();
            r.into_versioned(p, c)
        })
        .collect()
}

/// Reads one programme as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    id: &Id,
    as_of: AsOf,
) -> Result<Option<Versioned<Programme>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE p.id = ")
        .push_bind(id.as_str())
        .push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    let row = qb
        .build_query_as::<Row>()
        .fetch_optional(&mut *conn)
        .await?;
    Ok(with_children(conn, row.into_iter().collect()).await?.pop())
}

/// Programmes after `after` (by id) matching the filter, as of an instant. The filter's
/// `parent` values are programme ids, or empty for "no parent".
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Versioned<Programme>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(after) = after {
        qb.push(" AND p.id > ").push_bind(after.to_owned());
    }
    for group in filter.groups() {
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
                super::push_group(&mut qb, "v.srf_objective", &group, "::smallint", true)?;
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
                    super::push_group(&mut qb, "v.parent_id", &ids, "", true)?;
                }
            }
            other => return Err(super::undeclared_filter(other)),
        }
    }
    qb.push(" ORDER BY p.id LIMIT ").push_bind(limit);
    let mut conn = pool.acquire().await?;
    let rows = qb.build_query_as::<Row>().fetch_all(&mut *conn).await?;
    with_children(&mut conn, rows).await
}

/// Waits for this programme's other writers, then reads its current version, for an update in
/// this transaction.
pub async fn lock_current(w: &mut Write, id: &Id) -> Result<Versioned<Programme>> {
    let lock =
        sqlx::query_scalar("SELECT 1 FROM programmes WHERE id = $1 FOR UPDATE").bind(id.as_str());
    super::take_turn(w, lock, &format!("programmes/{id}")).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE p.id = ")
        .push_bind(id.as_str())
        .push(" AND v.valid_to IS NULL");
    let row = qb
        .build_query_as::<Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(format!("programmes/{id}")))?;
    with_children(w.conn(), vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("programme {id} vanished")))
}

/// Whether making `parent` the parent of `id` would close a loop: `id` is `parent` or one of
/// its ancestors. Holds the hierarchy lock until the transaction ends.
pub async fn would_cycle(w: &mut Write, id: &Id, parent: &Id) -> Result<bool> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(HIERARCHY_LOCK)
        .execute(w.conn())
        .await?;
    // UNION (not UNION ALL) ends the walk even if the stored hierarchy ever held a loop.
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE up(id) AS (
             SELECT $1::text
           UNION
             SELECT v.parent_id FROM up
               JOIN programme_versions v ON v.programme_id = up.id AND v.valid_to IS NULL
              WHERE v.parent_id IS NOT NULL
         )
         SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)",
    )
    .bind(parent.as_str())
    .bind(id.as_str())
    .fetch_one(w.conn())
    .await?)
}

/// Writes `programme` as the revision after `current`. When nothing changed, nothing is written
/// and `current` is returned.
pub async fn replace(
    w: &mut Write,
    current: &Versioned<Programme>,
    programme: &Programme,
) -> Result<Versioned<Programme>> {
    if current.value == *programme {
        return Ok(current.clone());
    }
    let now = w.now();
    super::close_version(
        w.conn(),
        "programme_versions",
        "programme_id",
        programme.id.as_str(),
        now,
    )
    .await?;
    let revision = current.revision + 1;
    insert_version(w.conn(), programme, revision, now).await?;
    Ok(Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: programme.clone(),
    })
}
