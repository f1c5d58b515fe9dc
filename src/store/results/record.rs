//! Recording measurements: one or many at once, with a fixed number of statements whatever the
//! number of rows. A single RecordMeasurement is a batch of one. New measurements and versions
//! are streamed with COPY, in the batch's transaction, once every row has been checked and
//! sequenced: a refused row is never among them, and a failure rolls the whole batch back.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::measurements;
use crate::{
    domain::{
        result::{Indicator, Measurement, NewMeasurement},
        text::Id,
    },
    error::{Error, Result},
    store::{
        Versioned,
        copy::CopyRows,
        history::{self, Kept},
        map_db_error,
    },
};

/// What recording one row did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The version it corrected; `None` for a first recording.
    pub before: Option<Versioned<Measurement>>,
    /// The version now current. When the row said nothing new, it is `before` itself.
    pub after: Versioned<Measurement>,
}

impl Recorded {
    /// Whether a version was written.
    pub fn changed(&self) -> bool {
        self.before.as_ref().map(|b| b.revision) != Some(self.after.revision)
    }
}

/// The state of one key while a batch is sequenced.
struct Latest {
    version: Versioned<Measurement>,
    /// Where its row is: still open in the database, or an index into the versions to insert.
    place: Place,
}

#[derive(Clone, Copy)]
enum Place {
    Stored,
    Pending(usize),
}

/// The rows of a recording whose indicators are locked until the transaction ends.
pub struct Locked<'r> {
    rows: &'r [&'r NewMeasurement],
    /// The indicators that exist, as (programme ids, indicator ids).
    indicators: (Vec<String>, Vec<String>),
}

/// Locks the indicators of the rows (see the module documentation). Waiting here may let other
/// writers commit first: read the history clock again afterwards (`Write::restamp`) and record
/// with that instant.
pub async fn lock<'r>(
    conn: &mut PgConnection,
    rows: &'r [&'r NewMeasurement],
) -> Result<Locked<'r>> {
    let indicators = if rows.is_empty() {
        Default::default()
    } else {
        lock_indicators(conn, rows).await?
    };
    Ok(Locked { rows, indicators })
}

impl Locked<'_> {
    /// Records the rows in order: the first recording of a key creates its measurement, any
    /// later one (in the database or earlier in the rows) is a correction, a new revision.
    /// `check` refuses a row given its indicator (`None` when there is no such indicator) and
    /// the measurement's current version; a refused row writes nothing and does not affect the
    /// rows after it.
    ///
    /// The outer error is a failure of the whole batch; the inner ones are per row.
    pub async fn record(
        self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        check: impl Fn(usize, Option<&Indicator>, Option<&Versioned<Measurement>>) -> Result<()>,
    ) -> Result<Vec<Result<Recorded>>> {
        let Locked { rows, indicators } = self;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = rows.iter().map(|r| r.key.spelled()).collect();
        let indicators = current_indicators(conn, &indicators).await?;
        let latest = current_versions(conn, rows)
            .await?
            .into_iter()
            .map(|version| {
                let key = version.value.key.spelled();
                let place = Place::Stored;
                (key, Latest { version, place })
            })
            .collect();
        let (plan, results) = sequence(rows, &keys, &indicators, latest, now, check);
        plan.write(conn, now).await?;
        Ok(results)
    }
}

/// Decides, row by row, what to write.
fn sequence(
    rows: &[&NewMeasurement],
    keys: &[String],
    indicators: &HashMap<(String, String), Indicator>,
    mut latest: HashMap<String, Latest>,
    now: DateTime<Utc>,
    check: impl Fn(usize, Option<&Indicator>, Option<&Versioned<Measurement>>) -> Result<()>,
) -> (Plan, Vec<Result<Recorded>>) {
    let mut plan = Plan::default();
    let mut results = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let indicator =
            indicators.get(&(row.key.programme.to_string(), row.key.indicator.to_string()));
        let current = latest.get(&keys[i]);
        if let Err(refused) = check(i, indicator, current.map(|l| &l.version)) {
            results.push(Err(refused));
            continue;
        }
        let before = current.map(|l| l.version.clone());
        if let Some(b) = &before
            && b.value.figures == row.figures
        {
            // Nothing new: answer with the current version rather than write a copy of it.
            results.push(Ok(Recorded {
                before: Some(b.clone()),
                after: b.clone(),
            }));
            continue;
        }
        let after = match current {
            Some(l) => {
                match l.place {
                    Place::Stored => plan.close.push(l.version.value.id.to_string()),
                    Place::Pending(v) => plan.versions[v].valid_to = Some(now),
                }
                Versioned {
                    revision: l.version.revision + 1,
                    created_at: l.version.created_at,
                    updated_at: now,
                    value: Measurement {
                        id: l.version.value.id.clone(),
                        key: row.key.clone(),
                        figures: row.figures.clone(),
                    },
                }
            }
            None => {
                let value = Measurement {
                    id: Id::generated(),
                    key: row.key.clone(),
                    figures: row.figures.clone(),
                };
                let first = history::first(&value, now);
                plan.identities.push(value);
                first
            }
        };
        plan.versions.push(PendingVersion {
            version: after.clone(),
            valid_to: None,
        });
        latest.insert(
            keys[i].clone(),
            Latest {
                version: after.clone(),
                place: Place::Pending(plan.versions.len() - 1),
            },
        );
        results.push(Ok(Recorded { before, after }));
    }
    (plan, results)
}

/// Locks the rows' indicators that exist, in one order so that two writers never wait for each
/// other in a cycle, and returns them as (programme ids, indicator ids).
async fn lock_indicators(
    conn: &mut PgConnection,
    rows: &[&NewMeasurement],
) -> Result<(Vec<String>, Vec<String>)> {
    let mut ids: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.key.programme.as_str(), r.key.indicator.as_str()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let (programmes, indicator_ids): (Vec<String>, Vec<String>) = ids
        .into_iter()
        .map(|(p, i)| (p.to_owned(), i.to_owned()))
        .unzip();
    let locked = sqlx::query!(
        "SELECT i.programme_id, i.id FROM indicators i
           JOIN UNNEST($1::text[], $2::text[]) AS k (p, i) ON i.programme_id = k.p AND i.id = k.i
          ORDER BY i.programme_id, i.id
            FOR NO KEY UPDATE OF i",
        &programmes,
        &indicator_ids,
    )
    .fetch_all(conn)
    .await?;
    Ok(locked.into_iter().map(|r| (r.programme_id, r.id)).unzip())
}

/// The current versions of the locked indicators, keyed by (programme id, indicator id). Read
/// in a statement of its own, so that it sees every version committed before the locks were
/// granted.
async fn current_indicators(
    conn: &mut PgConnection,
    (programmes, indicator_ids): &(Vec<String>, Vec<String>),
) -> Result<HashMap<(String, String), Indicator>> {
    let mut qb = QueryBuilder::<Postgres>::new(Indicator::SELECT);
    qb.push(" JOIN UNNEST(")
        .push_bind(programmes)
        .push("::text[], ")
        .push_bind(indicator_ids)
        .push("::text[]) AS k (p, i) ON i.programme_id = k.p AND i.id = k.i")
        .push(" WHERE v.valid_to IS NULL");
    history::fetch_all::<Indicator>(qb, conn)
        .await?
        .into_iter()
        .map(|v| {
            Ok((
                (v.value.programme.to_string(), v.value.id.to_string()),
                v.value,
            ))
        })
        .collect()
}

/// The current versions of the measurements the rows' keys already name.
async fn current_versions(
    conn: &mut PgConnection,
    rows: &[&NewMeasurement],
) -> Result<Vec<Versioned<Measurement>>> {
    let mut qb = QueryBuilder::<Postgres>::new(measurements::SELECT);
    qb.push(" JOIN UNNEST(")
        .push_bind(
            rows.iter()
                .map(|r| r.key.programme.as_str())
                .collect::<Vec<_>>(),
        )
        .push("::text[], ")
        .push_bind(
            rows.iter()
                .map(|r| r.key.indicator.as_str())
                .collect::<Vec<_>>(),
        )
        .push("::text[], ")
        .push_bind(rows.iter().map(|r| r.key.period_start).collect::<Vec<_>>())
        .push("::date[], ")
        .push_bind(rows.iter().map(|r| r.key.period_end).collect::<Vec<_>>())
        .push("::date[], ")
        .push_bind(
            rows.iter()
                .map(|r| r.key.dimensions.key())
                .collect::<Vec<_>>(),
        )
        .push(
            "::text[]) AS k (p, i, s, e, d)
               ON m.programme_id = k.p AND m.indicator_id = k.i AND m.period_start = k.s
              AND m.period_end = k.e AND m.dimension_key = k.d
            WHERE v.valid_to IS NULL",
        );
    let rows = qb
        .build_query_as::<measurements::Row>()
        .fetch_all(conn)
        .await?;
    // Keys repeated in the batch join more than once; one version per measurement is enough.
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .map(TryInto::try_into)
        .filter(|v: &Result<Versioned<Measurement>>| match v {
            Ok(v) => seen.insert(v.value.id.clone()),
            Err(_) => true,
        })
        .collect()
}

struct PendingVersion {
    version: Versioned<Measurement>,
    /// Set when a later row of the same batch corrects it: it was true for no instant.
    valid_to: Option<DateTime<Utc>>,
}

/// The writes a batch decided on, made with one statement each.
#[derive(Default)]
struct Plan {
    /// Measurements whose open version in the database is superseded.
    close: Vec<String>,
    /// New measurements.
    identities: Vec<Measurement>,
    /// Versions to insert, in order.
    versions: Vec<PendingVersion>,
}

impl Plan {
    async fn write(self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<()> {
        if !self.close.is_empty() {
            let closed = sqlx::query!(
                "UPDATE measurement_versions v SET valid_to = $1
                   FROM UNNEST($2::text[]) AS c (id)
                  WHERE v.measurement_id = c.id AND v.valid_to IS NULL",
                now,
                &self.close,
            )
            .execute(&mut *conn)
            .await
            .map_err(map_db_error)?
            .rows_affected();
            if closed != self.close.len() as u64 {
                return Err(Error::Internal(anyhow::anyhow!(
                    "closed {closed} measurement versions, expected {}",
                    self.close.len()
                )));
            }
        }
        if !self.identities.is_empty() {
            let mut rows = CopyRows::new();
            for m in &self.identities {
                rows.text(m.id.as_str())
                    .text(m.key.programme.as_str())
                    .text(m.key.indicator.as_str())
                    .plain(m.key.period_start)
                    .plain(m.key.period_end)
                    .text(&dimensions_json(m))
                    .text(&m.key.dimensions.key())
                    .plain(now.to_rfc3339())
                    .end_row();
            }
            rows.send(
                conn,
                "COPY measurements (id, programme_id, indicator_id, period_start, period_end,
                     dimensions, dimension_key, created_at) FROM STDIN",
            )
            .await
            .map_err(map_db_error)?;
        }
        if !self.versions.is_empty() {
            let mut rows = CopyRows::new();
            for p in &self.versions {
                let f = &p.version.value.figures;
                rows.text(p.version.value.id.as_str())
                    .plain(p.version.revision)
                    .plain(now.to_rfc3339())
                    .opt_plain(p.valid_to.map(|t| t.to_rfc3339()))
                    .opt_plain(f.target)
                    .opt_plain(f.actual)
                    .text(f.source.as_str())
                    .plain(f.verified)
                    .text(f.comment.as_str())
                    .end_row();
            }
            rows.send(
                conn,
                "COPY measurement_versions (measurement_id, revision, valid_from, valid_to,
                     target, actual, source, verified, comment) FROM STDIN",
            )
            .await
            .map_err(map_db_error)?;
        }
        Ok(())
    }
}

/// The dimension values as a JSON object, for the `dimensions` column.
fn dimensions_json(m: &Measurement) -> String {
    let map: serde_json::Map<String, serde_json::Value> = m
        .key
        .dimensions
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
        .collect();
    serde_json::Value::Object(map).to_string()
}
