//! What IATI says about an activity beyond the programme it became: its identifier, the
//! version last imported (with its last-updated-datetime and content hash), and the frozen rows
//! of each version (countries with percentages, regions, sectors, budgets, spending, and which
//! contributions and receipts its transactions became). Also the organization look-ups an
//! import resolves participating organisations with.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{AsOf, Statement, close_version, write::Write};
use crate::{
    domain::{
        geo::Country,
        money::{Currency, Money},
        text::Id,
    },
    error::{Error, Result},
    iati::{
        activity::{ActivityDates, Budget, Classified},
        writer::{Spending, StoredActivity, TransactionNote},
    },
};

/// The version of an activity last imported.
#[derive(Debug, Clone)]
pub struct Current {
    pub programme_id: String,
    pub revision: i32,
    pub last_updated: Option<DateTime<Utc>>,
    pub content_sha256: String,
    /// Receipts its transactions became.
    pub receipts: Vec<(String, String)>,
}

/// Finds the activity with this identifier and locks it until the transaction ends, so that
/// two imports of the same activity take turns.
pub async fn lock(w: &mut Write, identifier: &str) -> Result<Option<Current>> {
    let found = sqlx::query_scalar!(
        "SELECT programme_id FROM iati_activities WHERE iati_identifier = $1 FOR UPDATE",
        identifier,
    )
    .fetch_optional(w.conn())
    .await?;
    let Some(programme_id) = found else {
        return Ok(None);
    };
    w.restamp().await?;
    let current = sqlx::query!(
        "SELECT revision, last_updated, content_sha256 FROM iati_activity_versions
          WHERE programme_id = $1 AND valid_to IS NULL",
        programme_id,
    )
    .fetch_one(w.conn())
    .await?;
    let receipts = sqlx::query!(
        r#"SELECT contribution_id, receipt_id AS "receipt_id!" FROM iati_transaction_links
            WHERE programme_id = $1 AND revision = $2 AND receipt_id IS NOT NULL
            ORDER BY position"#,
        programme_id,
        current.revision,
    )
    .fetch_all(w.conn())
    .await?
    .into_iter()
    .map(|r| (r.contribution_id, r.receipt_id))
    .collect();
    Ok(Some(Current {
        programme_id,
        revision: current.revision,
        last_updated: current.last_updated,
        content_sha256: current.content_sha256,
        receipts,
    }))
}

/// The programme an identifier belongs to, if any.
pub async fn programme_of(conn: &mut PgConnection, identifier: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT programme_id FROM iati_activities WHERE iati_identifier = $1",
        identifier,
    )
    .fetch_optional(conn)
    .await?)
}

/// Whether a programme already has an IATI identity.
pub async fn has_identity(conn: &mut PgConnection, programme_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM iati_activities WHERE programme_id = $1) AS "exists!""#,
        programme_id,
    )
    .fetch_one(conn)
    .await?)
}

/// The organizations an activity names, found with one statement: by id (`id:ID`), by IATI
/// identifier (`ref:REF`: the current version with that identifier, the first by id when several
/// share one) and by name (`name:NAME`: the current version without an identifier with that
/// name, the first by id). Keys that name none are left out.
pub async fn organizations_named(
    conn: &mut PgConnection,
    ids: &[String],
    refs: &[String],
    names: &[String],
) -> Result<HashMap<String, String>> {
    let rows = sqlx::query!(
        r#"SELECT 'id:' || id AS "key!", id AS "id!" FROM organizations WHERE id = ANY($1)
         UNION ALL
         (SELECT DISTINCT ON (iati_ref) 'ref:' || iati_ref, organization_id
            FROM organization_versions
           WHERE iati_ref = ANY($2) AND valid_to IS NULL
           ORDER BY iati_ref, organization_id)
         UNION ALL
         (SELECT DISTINCT ON (display_name) 'name:' || display_name, organization_id
            FROM organization_versions
           WHERE display_name = ANY($3) AND iati_ref IS NULL AND valid_to IS NULL
           ORDER BY display_name, organization_id)"#,
        ids,
        refs,
        names,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.key, r.id)).collect())
}

/// Organizations with IATI identifiers, by identifier (the first by id when several share one).
pub async fn organizations_by_ref(
    conn: &mut PgConnection,
    refs: &[String],
    as_of: AsOf,
) -> Result<BTreeMap<String, Id>> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT DISTINCT ON (v.iati_ref) v.iati_ref, v.organization_id FROM organization_versions v
          WHERE v.iati_ref = ANY(",
    );
    qb.push_bind(refs.to_vec()).push(") AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.push(" ORDER BY v.iati_ref, v.organization_id");
    let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(conn).await?;
    rows.into_iter()
        .map(|(r, id)| Ok((r, stored_id(&id)?)))
        .collect()
}

fn stored_id(text: &str) -> Result<Id> {
    Id::parse(text, "id").map_err(|_| Error::Internal(anyhow::anyhow!("bad stored id {text:?}")))
}

/// Which contribution or receipt an incoming transaction became.
#[derive(Debug, Clone)]
pub struct Link {
    pub contribution: Id,
    pub receipt: Option<Id>,
    pub transaction_type: i16,
    pub reference: String,
    pub value_date: NaiveDate,
}

/// A new version of an activity's IATI rows.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub identifier: String,
    pub last_updated: Option<DateTime<Utc>>,
    pub content_sha256: String,
    pub reporting_ref: String,
    pub reporting_type: String,
    pub reporting_name: String,
    pub default_currency: Option<Currency>,
    pub status: i16,
    pub dates: ActivityDates,
    pub countries: Vec<(Country, Option<Decimal>)>,
    pub regions: Vec<Classified>,
    pub sectors: Vec<Classified>,
    pub budgets: Vec<Budget>,
    pub spending: Vec<Spending>,
    pub links: Vec<Link>,
}

fn positions(n: usize) -> Result<Vec<i16>> {
    (0..n)
        .map(|i| i16::try_from(i).map_err(|_| Error::Internal(anyhow::anyhow!("too many rows"))))
        .collect()
}

/// Writes a new version of the activity's IATI rows for `programme`, closing the previous one
/// (`previous` is its revision, `None` for the first import).
pub async fn write_version(
    w: &mut Write,
    programme: &Id,
    previous: Option<i32>,
    v: &NewVersion,
) -> Result<()> {
    let now = w.now();
    let p = programme.as_str();
    let revision = match previous {
        None => {
            sqlx::query!(
                "INSERT INTO iati_activities (programme_id, iati_identifier, created_at)
                 VALUES ($1, $2, $3)",
                p,
                v.identifier,
                now,
            )
            .write(w.conn())
            .await?;
            1
        }
        Some(r) => {
            close_version(w.conn(), "iati_activity_versions", "programme_id", p, now).await?;
            r + 1
        }
    };
    sqlx::query!(
        "INSERT INTO iati_activity_versions (programme_id, revision, valid_from, last_updated,
             content_sha256, reporting_org_ref, reporting_org_type, reporting_org_name,
             default_currency, activity_status, planned_start, actual_start, planned_end, actual_end)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        p,
        revision,
        now,
        v.last_updated,
        v.content_sha256,
        v.reporting_ref,
        v.reporting_type,
        v.reporting_name,
        v.default_currency.map(Currency::code),
        v.status,
        v.dates.planned_start,
        v.dates.actual_start,
        v.dates.planned_end,
        v.dates.actual_end,
    )
    .write(w.conn())
    .await?;

    let conn = w.conn();
    sqlx::query!(
        "INSERT INTO iati_recipient_countries (programme_id, revision, position, country_code,
             percentage)
         SELECT $1, $2, * FROM UNNEST($3::smallint[], $4::text[], $5::numeric[])",
        p,
        revision,
        &positions(v.countries.len())?,
        &v.countries
            .iter()
            .map(|(c, _)| c.code())
            .collect::<Vec<_>>() as &[&str],
        &v.countries.iter().map(|(_, pct)| *pct).collect::<Vec<_>>() as &[Option<Decimal>],
    )
    .write(&mut *conn)
    .await?;
    for (table, rows) in [
        ("iati_recipient_regions", &v.regions),
        ("iati_sectors", &v.sectors),
    ] {
        let mut qb = QueryBuilder::<Postgres>::new(format!(
            "INSERT INTO {table} (programme_id, revision, position, vocabulary, code, percentage, narrative) SELECT "
        ));
        qb.push_bind(p)
            .push(", ")
            .push_bind(revision)
            .push(", * FROM UNNEST(")
            .push_bind(positions(rows.len())?)
            .push("::smallint[], ")
            .push_bind(
                rows.iter()
                    .map(|r| r.vocabulary.clone())
                    .collect::<Vec<_>>(),
            )
            .push("::text[], ")
            .push_bind(rows.iter().map(|r| r.code.clone()).collect::<Vec<_>>())
            .push("::text[], ")
            .push_bind(rows.iter().map(|r| r.percentage).collect::<Vec<_>>())
            .push("::numeric[], ")
            .push_bind(rows.iter().map(|r| r.narrative.clone()).collect::<Vec<_>>())
            .push("::text[])");
        qb.build().write(&mut *conn).await?;
    }
    let b = &v.budgets;
    sqlx::query!(
        "INSERT INTO iati_budgets (programme_id, revision, position, budget_type, budget_status,
             period_start, period_end, amount, currency_code, value_date)
         SELECT $1, $2, * FROM UNNEST($3::smallint[], $4::smallint[], $5::smallint[], $6::date[],
             $7::date[], $8::numeric[], $9::text[], $10::date[])",
        p,
        revision,
        &positions(b.len())?,
        &b.iter().map(|x| x.budget_type).collect::<Vec<_>>(),
        &b.iter().map(|x| x.status).collect::<Vec<_>>(),
        &b.iter().map(|x| x.period_start).collect::<Vec<_>>(),
        &b.iter().map(|x| x.period_end).collect::<Vec<_>>(),
        &b.iter().map(|x| x.value.amount()).collect::<Vec<_>>(),
        &b.iter()
            .map(|x| x.value.currency().code())
            .collect::<Vec<_>>() as &[&str],
        &b.iter().map(|x| x.value_date).collect::<Vec<_>>(),
    )
    .write(&mut *conn)
    .await?;
    let s = &v.spending;
    let texts = |f: fn(&Spending) -> &str| s.iter().map(f).collect::<Vec<_>>();
    sqlx::query!(
        "INSERT INTO iati_spending (programme_id, revision, position, transaction_type, reference,
             transaction_date, amount, currency_code, value_date, description, provider_ref,
             provider_name, receiver_ref, receiver_name)
         SELECT $1, $2, * FROM UNNEST($3::smallint[], $4::smallint[], $5::text[], $6::date[],
             $7::numeric[], $8::text[], $9::date[], $10::text[], $11::text[], $12::text[],
             $13::text[], $14::text[])",
        p,
        revision,
        &positions(s.len())?,
        &s.iter().map(|x| x.transaction_type).collect::<Vec<_>>(),
        &texts(|x| x.reference.as_str()) as &[&str],
        &s.iter().map(|x| x.date).collect::<Vec<_>>(),
        &s.iter().map(|x| x.value.amount()).collect::<Vec<_>>(),
        &texts(|x| x.value.currency().code()) as &[&str],
        &s.iter().map(|x| x.value_date).collect::<Vec<_>>(),
        &texts(|x| x.description.as_str()) as &[&str],
        &texts(|x| x.provider_ref.as_str()) as &[&str],
        &texts(|x| x.provider_name.as_str()) as &[&str],
        &texts(|x| x.receiver_ref.as_str()) as &[&str],
        &texts(|x| x.receiver_name.as_str()) as &[&str],
    )
    .write(&mut *conn)
    .await?;
    let l = &v.links;
    sqlx::query!(
        "INSERT INTO iati_transaction_links (programme_id, revision, position, contribution_id,
             receipt_id, transaction_type, reference, value_date)
         SELECT $1, $2, * FROM UNNEST($3::smallint[], $4::text[], $5::text[], $6::smallint[],
             $7::text[], $8::date[])",
        p,
        revision,
        &positions(l.len())?,
        &l.iter()
            .map(|x| x.contribution.as_str())
            .collect::<Vec<_>>() as &[&str],
        &l.iter()
            .map(|x| x.receipt.as_ref().map(Id::as_str))
            .collect::<Vec<_>>() as &[Option<&str>],
        &l.iter().map(|x| x.transaction_type).collect::<Vec<_>>(),
        &l.iter().map(|x| x.reference.as_str()).collect::<Vec<_>>() as &[&str],
        &l.iter().map(|x| x.value_date).collect::<Vec<_>>(),
    )
    .write(&mut *conn)
    .await
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    programme_id: String,
    iati_identifier: String,
    revision: i32,
    valid_from: DateTime<Utc>,
    last_updated: Option<DateTime<Utc>>,
    reporting_org_ref: String,
    reporting_org_type: String,
    reporting_org_name: String,
    default_currency: Option<String>,
    activity_status: i16,
    planned_start: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
    planned_end: Option<NaiveDate>,
    actual_end: Option<NaiveDate>,
}

/// An activity's stored IATI rows as of an instant, and when that version was written.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub stored: StoredActivity,
    pub written_at: DateTime<Utc>,
    /// Every contribution its transactions became.
    pub contributions: Vec<Id>,
}

fn currency(code: &str) -> Result<Currency> {
    Currency::parse(code.trim(), "currency")
        .map_err(|_| Error::Internal(anyhow::anyhow!("bad stored currency {code:?}")))
}

/// The IATI rows of these programmes as of an instant, by programme id.
pub async fn load(
    conn: &mut PgConnection,
    programmes: &[String],
    as_of: AsOf,
) -> Result<HashMap<String, Loaded>> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT v.programme_id, a.iati_identifier, v.revision, v.valid_from, v.last_updated,
                v.reporting_org_ref, v.reporting_org_type, v.reporting_org_name, v.default_currency,
                v.activity_status, v.planned_start, v.actual_start, v.planned_end, v.actual_end
           FROM iati_activity_versions v JOIN iati_activities a USING (programme_id)
          WHERE v.programme_id = ANY(",
    );
    qb.push_bind(programmes.to_vec()).push(") AND ");
    as_of.push_predicate(&mut qb, "v");
    let rows: Vec<VersionRow> = qb.build_query_as().fetch_all(&mut *conn).await?;
    let mut out = HashMap::new();
    for r in rows {
        let key = (r.programme_id.as_str(), r.revision);
        let countries = sqlx::query!(
            "SELECT country_code, percentage FROM iati_recipient_countries
              WHERE programme_id = $1 AND revision = $2 ORDER BY position",
            key.0,
            key.1,
        )
        .fetch_all(&mut *conn)
        .await?;
        let classified = async |conn: &mut PgConnection, table: &str| -> Result<Vec<Classified>> {
            let mut qb = QueryBuilder::<Postgres>::new(format!(
                "SELECT vocabulary, code, percentage, narrative FROM {table} WHERE programme_id = "
            ));
            qb.push_bind(key.0)
                .push(" AND revision = ")
                .push_bind(key.1)
                .push(" ORDER BY position");
            let rows: Vec<(String, String, Option<Decimal>, String)> =
                qb.build_query_as().fetch_all(conn).await?;
            Ok(rows
                .into_iter()
                .map(|(vocabulary, code, percentage, narrative)| Classified {
                    vocabulary,
                    code,
                    percentage: percentage.map(|p| p.normalize()),
                    narrative,
                })
                .collect())
        };
        let regions = classified(&mut *conn, "iati_recipient_regions").await?;
        let sectors = classified(&mut *conn, "iati_sectors").await?;
        let budgets = sqlx::query!(
            "SELECT budget_type, budget_status, period_start, period_end, amount, currency_code,
                    value_date
               FROM iati_budgets WHERE programme_id = $1 AND revision = $2 ORDER BY position",
            key.0,
            key.1,
        )
        .fetch_all(&mut *conn)
        .await?;
        let spending = sqlx::query!(
            "SELECT transaction_type, reference, transaction_date, amount, currency_code, value_date,
                    description, provider_ref, provider_name, receiver_ref, receiver_name
               FROM iati_spending WHERE programme_id = $1 AND revision = $2 ORDER BY position",
            key.0,
            key.1,
        )
        .fetch_all(&mut *conn)
        .await?;
        let links = sqlx::query!(
            "SELECT contribution_id, receipt_id, reference, value_date FROM iati_transaction_links
              WHERE programme_id = $1 AND revision = $2 ORDER BY position",
            key.0,
            key.1,
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut contribution_notes = BTreeMap::new();
        let mut receipt_notes = BTreeMap::new();
        let mut contributions = Vec::new();
        for link in links {
            let note = TransactionNote {
                reference: link.reference,
                value_date: link.value_date,
            };
            match link.receipt_id {
                Some(r) => {
                    receipt_notes.insert(stored_id(&r)?, note);
                }
                None => {
                    let id = stored_id(&link.contribution_id)?;
                    contributions.push(id.clone());
                    contribution_notes.insert(id, note);
                }
            }
        }
        let stored = StoredActivity {
            identifier: r.iati_identifier,
            last_updated: r.last_updated,
            reporting_ref: r.reporting_org_ref,
            reporting_type: r.reporting_org_type,
            reporting_name: r.reporting_org_name,
            default_currency: r.default_currency.as_deref().map(currency).transpose()?,
            status: r.activity_status,
            dates: ActivityDates {
                planned_start: r.planned_start,
                actual_start: r.actual_start,
                planned_end: r.planned_end,
                actual_end: r.actual_end,
            },
            countries: countries
                .into_iter()
                .map(|r| {
                    let c = Country::parse(&r.country_code, "country")
                        .map_err(|_| Error::Internal(anyhow::anyhow!("bad stored country")))?;
                    Ok((c, r.percentage.map(|p| p.normalize())))
                })
                .collect::<Result<_>>()?,
            regions,
            sectors,
            budgets: budgets
                .into_iter()
                .map(|b| {
                    Ok(Budget {
                        budget_type: b.budget_type,
                        status: b.budget_status,
                        period_start: b.period_start,
                        period_end: b.period_end,
                        value: Money::from_decimal(b.amount, currency(&b.currency_code)?),
                        value_date: b.value_date,
                    })
                })
                .collect::<Result<_>>()?,
            spending: spending
                .into_iter()
                .map(|x| {
                    Ok(Spending {
                        transaction_type: x.transaction_type,
                        reference: x.reference,
                        date: x.transaction_date,
                        value: Money::from_decimal(x.amount, currency(&x.currency_code)?),
                        value_date: x.value_date,
                        description: x.description,
                        provider_ref: x.provider_ref,
                        provider_name: x.provider_name,
                        receiver_ref: x.receiver_ref,
                        receiver_name: x.receiver_name,
                    })
                })
                .collect::<Result<_>>()?,
            contribution_notes,
            receipt_notes,
        };
        out.insert(
            r.programme_id,
            Loaded {
                stored,
                written_at: r.valid_from,
                contributions,
            },
        );
    }
    Ok(out)
}

/// The IATI identifier of a programme, if it has one (identities never change).
pub async fn identifier_of(conn: &mut PgConnection, programme_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT iati_identifier FROM iati_activities WHERE programme_id = $1",
        programme_id,
    )
    .fetch_optional(conn)
    .await?)
}
