//! Contributions, their versions and installment schedules. Every write takes a slice, so that a
//! single call and a bulk import share the same statements (`INSERT .. SELECT FROM UNNEST`).

pub mod import;
pub mod receipts;

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{
    Statement, Versioned,
    copy::CopyRows,
    history::{self, Kept, Listed, Revision, Stamp},
    write::Write,
};
use crate::{
    domain::{
        contribution::{
            Contribution, Earmarking, EarmarkingCategory, EarmarkingModality, FlowStatus,
            FundingType, Installment,
        },
        money::{Currency, Money},
        session::SessionKey,
        text::Id,
    },
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    donor_id: String,
    funding_type: String,
    currency_code: String,
    #[sqlx(flatten)]
    stamp: Stamp,
    earmarking_category: Option<i16>,
    earmarking_modality: Option<String>,
    programme_id: Option<String>,
    earmarked_to: String,
    status: String,
    total: Decimal,
    agreement_date: NaiveDate,
    period_start: NaiveDate,
    period_end: NaiveDate,
    announced_session_id: Option<String>,
    description: String,
    /// The version's schedule, in order: due dates and amounts, position by position.
    due_dates: Vec<NaiveDate>,
    amounts: Vec<Decimal>,
}

fn corrupt(id: &str, what: &str) -> Error {
    Error::Internal(anyhow::anyhow!("contribution {id}: bad stored {what}"))
}

/// Parses a currency read back from the database.
pub(crate) fn stored_currency(code: &str, owner: &str) -> Result<Currency> {
    Currency::parse(code, "currency_code").map_err(|_| corrupt(owner, "currency"))
}

/// A version with its schedule.
impl TryFrom<Row> for Versioned<Contribution> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let bad = |what: &str| corrupt(&r.id, what);
        let currency = stored_currency(&r.currency_code, &r.id)?;
        let earmarking = match (r.earmarking_category, r.earmarking_modality.as_deref()) {
            (None, None) => None,
            (Some(code), Some(letter)) => {
                let category =
                    EarmarkingCategory::from_code(code).ok_or_else(|| bad("category"))?;
                let modality = letter
                    .chars()
                    .next()
                    .and_then(EarmarkingModality::from_letter)
                    .ok_or_else(|| bad("modality"))?;
                Some(Earmarking::new(category, modality, "").map_err(|_| bad("earmarking"))?)
            }
            _ => return Err(bad("earmarking")),
        };
        if r.due_dates.len() != r.amounts.len() {
            return Err(bad("schedule"));
        }
        let installments = r
            .due_dates
            .iter()
            .zip(&r.amounts)
            .map(|(&due_date, &amount)| Installment {
                due_date,
                amount: Money::from_decimal(amount, currency),
            })
            .collect();
        let id = |text: &str, what: &str| Id::parse(text, "").map_err(|_| bad(what));
        let value = Contribution {
            id: id(&r.id, "id")?,
            donor: id(&r.donor_id, "donor")?,
            funding_type: FundingType::from_db(&r.funding_type)
                .ok_or_else(|| bad("funding type"))?,
            earmarking,
            programme: r
                .programme_id
                .as_deref()
                .map(|p| id(p, "programme"))
                .transpose()?,
            earmarked_to: r.earmarked_to.clone(),
            status: FlowStatus::from_db(&r.status).ok_or_else(|| bad("status"))?,
            total: Money::from_decimal(r.total, currency),
            installments,
            agreement_date: r.agreement_date,
            period_start: r.period_start,
            period_end: r.period_end,
            announced_at: r
                .announced_session_id
                .as_deref()
                .map(|s| {
                    SessionKey::parse_name(&format!("sessions/{s}"), "").map_err(|_| bad("session"))
                })
                .transpose()?,
            description: r.description.clone(),
        };
        Ok(r.stamp.version(value))
    }
}

/// A version's schedule is read in the same statement, by key (`installments_pkey`), so that a
/// Get is one statement: a second one for the installments cost the database more than the
/// version itself, and was planned again at every call (BENCHMARKS.md, "Run 6").
impl Kept for Contribution {
    type Row = Row;
    const SELECT: &'static str = "SELECT c.id, c.donor_id, c.funding_type, c.currency_code,
            c.created_at, v.revision, v.valid_from, v.earmarking_category, v.earmarking_modality,
            v.programme_id, v.earmarked_to, v.status, v.total, v.agreement_date, v.period_start,
            v.period_end, v.announced_session_id, v.description,
            ARRAY(SELECT i.due_date FROM installments i
                   WHERE i.contribution_id = c.id AND i.revision = v.revision
                   ORDER BY i.position) AS due_dates,
            ARRAY(SELECT i.amount FROM installments i
                   WHERE i.contribution_id = c.id AND i.revision = v.revision
                   ORDER BY i.position) AS amounts
       FROM contributions c JOIN contribution_versions v ON v.contribution_id = c.id";
    history::kept_by_id!("contributions" as "c", "contribution_versions" by "contribution_id");

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        let version = NewVersion {
            contribution: self,
            revision: at.number,
            reason: at.reason,
        };
        insert_versions(conn, &[version], at.valid_from).await
    }
}

/// Records new contributions (revision 1) with their schedules. Returns the ids written: an id
/// that already exists is skipped, so a concurrent writer of the same id never fails the batch.
pub async fn create_many(
    conn: &mut PgConnection,
    contributions: &[&Contribution],
    now: DateTime<Utc>,
) -> Result<HashSet<String>> {
    if contributions.is_empty() {
        return Ok(HashSet::new());
    }
    let inserted: Vec<String> = sqlx::query_scalar!(
        "INSERT INTO contributions (id, donor_id, funding_type, currency_code, created_at)
         SELECT id, donor, funding_type, currency, $5
           FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
                AS t (id, donor, funding_type, currency)
         ON CONFLICT (id) DO NOTHING
         RETURNING id",
        &contributions
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>() as &[&str],
        &contributions
            .iter()
            .map(|c| c.donor.as_str())
            .collect::<Vec<_>>() as &[&str],
        &contributions
            .iter()
            .map(|c| c.funding_type.db_name())
            .collect::<Vec<_>>() as &[&str],
        &contributions
            .iter()
            .map(|c| c.currency().code())
            .collect::<Vec<_>>() as &[&str],
        now,
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(super::map_db_error)?;
    let inserted: HashSet<String> = inserted.into_iter().collect();
    let versions: Vec<NewVersion> = contributions
        .iter()
        .filter(|c| inserted.contains(c.id.as_str()))
        .map(|c| NewVersion {
            contribution: c,
            revision: 1,
            reason: "",
        })
        .collect();
    insert_versions(conn, &versions, now).await?;
    Ok(inserted)
}

/// Records one new contribution.
pub async fn create(w: &mut Write, c: &Contribution) -> Result<Versioned<Contribution>> {
    let now = w.now();
    let inserted = create_many(w.conn(), &[c], now).await?;
    history::refuse_existing(&[c], inserted.len(), |c| inserted.contains(c.id.as_str()))?;
    Ok(history::first(c, now))
}

/// Writes as COPY columns what a version of `c` holds, `budget_part` to `description` in the
/// order of `contribution_versions`: the same whether an import stages it or the bench copies it.
pub(crate) fn copy_version_fields<'r>(
    rows: &'r mut CopyRows,
    c: &Contribution,
) -> &'r mut CopyRows {
    rows.text(c.budget_part().db_name())
        .opt_plain(c.earmarking.map(|e| e.category().code()))
        .opt_plain(c.earmarking.map(|e| e.modality().letter()))
        .opt_text(c.programme.as_ref().map(|p| p.as_str()))
        .text(&c.earmarked_to)
        .text(c.status.db_name())
        .plain(c.total.amount())
        .plain(c.agreement_date)
        .plain(c.period_start)
        .plain(c.period_end)
        .opt_text(c.announced_at.map(SessionKey::id).as_deref())
        .text(&c.description)
}

/// One version to write.
struct NewVersion<'a> {
    contribution: &'a Contribution,
    revision: i32,
    reason: &'a str,
}

/// Writes versions and their installments, two statements whatever their number.
async fn insert_versions(
    conn: &mut PgConnection,
    versions: &[NewVersion<'_>],
    now: DateTime<Utc>,
) -> Result<()> {
    if versions.is_empty() {
        return Ok(());
    }
    let each = |f: fn(&Contribution) -> Option<String>| -> Vec<Option<String>> {
        versions.iter().map(|v| f(v.contribution)).collect()
    };
    let cs = || versions.iter().map(|v| v.contribution);
    let mut qb = QueryBuilder::<Postgres>::new(
        "INSERT INTO contribution_versions (contribution_id, revision, valid_from, budget_part,
             earmarking_category, earmarking_modality, programme_id, earmarked_to, status, total,
             agreement_date, period_start, period_end, announced_session_id, description, reason)
         SELECT id, revision, ",
    );
    qb.push_bind(now)
        .push(
            ", budget_part, category, modality, programme, earmarked_to, status, total,
               agreement_date, period_start, period_end, session, description, reason
          FROM UNNEST(",
        )
        .push_bind(cs().map(|c| c.id.as_str()).collect::<Vec<_>>())
        .push("::text[], ")
        .push_bind(versions.iter().map(|v| v.revision).collect::<Vec<_>>())
        .push("::int[], ")
        .push_bind(cs().map(|c| c.budget_part().db_name()).collect::<Vec<_>>())
        .push("::text[], ")
        .push_bind(
            cs().map(|c| c.earmarking.map(|e| e.category().code()))
                .collect::<Vec<_>>(),
        )
        .push("::smallint[], ")
        .push_bind(each(|c| {
            c.earmarking.map(|e| e.modality().letter().to_string())
        }))
        .push("::text[], ")
        .push_bind(each(|c| c.programme.as_ref().map(Id::to_string)))
        .push("::text[], ")
        .push_bind(cs().map(|c| c.earmarked_to.as_str()).collect::<Vec<_>>())
        .push("::text[], ")
        .push_bind(cs().map(|c| c.status.db_name()).collect::<Vec<_>>())
        .push("::text[], ")
        .push_bind(cs().map(|c| c.total.amount()).collect::<Vec<_>>())
        .push("::numeric[], ")
        .push_bind(cs().map(|c| c.agreement_date).collect::<Vec<_>>())
        .push("::date[], ")
        .push_bind(cs().map(|c| c.period_start).collect::<Vec<_>>())
        .push("::date[], ")
        .push_bind(cs().map(|c| c.period_end).collect::<Vec<_>>())
        .push("::date[], ")
        .push_bind(each(|c| c.announced_at.map(SessionKey::id)))
        .push("::text[], ")
        .push_bind(cs().map(|c| c.description.as_str()).collect::<Vec<_>>())
        .push("::text[], ")
        .push_bind(versions.iter().map(|v| v.reason).collect::<Vec<_>>())
        .push(
            "::text[]) AS t (id, revision, budget_part, category, modality, programme,
                earmarked_to, status, total, agreement_date, period_start, period_end, session,
                description, reason)",
        );
    qb.build().write(&mut *conn).await?;

    let mut ids = Vec::new();
    let mut revisions = Vec::new();
    let mut positions = Vec::new();
    let mut due_dates = Vec::new();
    let mut amounts = Vec::new();
    for v in versions {
        for (position, i) in v.contribution.installments.iter().enumerate() {
            ids.push(v.contribution.id.as_str());
            revisions.push(v.revision);
            // The domain caps a schedule far below i16::MAX.
            positions.push(i16::try_from(position).map_err(|_| {
                Error::Internal(anyhow::anyhow!("installment position {position} overflows"))
            })?);
            due_dates.push(i.due_date);
            amounts.push(i.amount.amount());
        }
    }
    sqlx::query!(
        "INSERT INTO installments (contribution_id, revision, position, due_date, amount)
         SELECT * FROM UNNEST($1::text[], $2::int[], $3::smallint[], $4::date[], $5::numeric[])",
        &ids as &[&str],
        &revisions,
        &positions,
        &due_dates,
        &amounts,
    )
    .write(&mut *conn)
    .await
}

/// Filter values of `donor` and `programme` are ids, not names.
impl Listed for Contribution {
    type Cursor = String;
    const ORDER: &'static [&'static str] = &["c.id"];
    // Columns that may be NULL must still match `!=`.
    const FILTER_NULLS: bool = true;

    fn cursor(v: &Versioned<Contribution>) -> String {
        v.value.id.to_string()
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            "donor" => ("c.donor_id", ""),
            "funding_type" => ("c.funding_type", ""),
            "currency_code" => ("c.currency_code::text", ""),
            // The API maps the category to its code, "1" to "4".
            "earmarking_category" => ("v.earmarking_category", "::smallint"),
            "status" => ("v.status", ""),
            "programme" => ("v.programme_id", ""),
            "agreement_date" => ("v.agreement_date", ""),
            _ => return None,
        })
    }
}

/// What the database knows of one contribution's references: the donor as it is now, the
/// programme, the session. The same answer a batch reads for each of its rows.
pub async fn references(conn: &mut PgConnection, c: &Contribution) -> Result<import::References> {
    Ok(sqlx::query_as(
        "SELECT 0 AS n,
                (SELECT o.member_state FROM organization_versions o
                  WHERE o.organization_id = $1 AND o.valid_to IS NULL) AS member_state,
                $2::text IS NULL OR EXISTS (SELECT 1 FROM programmes p WHERE p.id = $2)
                    AS programme_known,
                $3::text IS NULL OR EXISTS (SELECT 1 FROM sessions x WHERE x.id = $3)
                    AS session_known",
    )
    .bind(c.donor.as_str())
    .bind(c.programme.as_ref().map(Id::as_str))
    .bind(c.announced_at.map(SessionKey::id))
    .fetch_one(conn)
    .await?)
}
