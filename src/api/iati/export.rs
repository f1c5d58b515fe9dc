//! ExportIati: programmes read as of one settled instant (so the same instant always gives the
//! same bytes), each written as an activity with its funding and results, streamed in chunks.

use std::{collections::BTreeMap, pin::Pin};

use chrono::{DateTime, Utc};
use futures::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::{
    api::{
        Api,
        iati::{PAGE, every, every_page},
    },
    domain::{
        contribution::Contribution,
        filter::{Condition, Filter, Op, Value},
        programme::Programme,
        result::Indicator,
        text::{self, Id},
    },
    error::{Error, Result},
    iati::writer::{self, ActivityOut, OrgOut},
    pb,
    store::{
        self, AsOf, Versioned, contributions::receipts, history, iati as iati_store,
        results::measurements,
    },
};

/// The stream of an export's chunks.
pub type ExportStream =
    Pin<Box<dyn Stream<Item = std::result::Result<pb::ExportIatiResponse, Status>> + Send>>;

/// Largest chunk sent in one message.
const CHUNK: usize = 256 * 1024;

pub async fn export(
    api: &Api,
    request: tonic::Request<pb::ExportIatiRequest>,
) -> std::result::Result<ExportStream, Status> {
    Ok(stream(api, request.into_inner()).await?)
}

async fn stream(api: &Api, req: pb::ExportIatiRequest) -> Result<ExportStream> {
    let ids = req
        .programmes
        .iter()
        .enumerate()
        .map(|(i, name)| text::parse_name(name, "programmes", &format!("programmes[{i}]")))
        .collect::<std::result::Result<Vec<Id>, _>>()?;
    let requested = crate::api::convert::instant(req.as_of.as_ref(), "as_of")?;
    let as_of = match store::resolve_as_of(api.pool(), requested, "as_of").await? {
        AsOf::Now => AsOf::At(store::settle_history(api.pool()).await?),
        at => at,
    };
    let chosen = choose(api, &ids, as_of).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let api = api.clone();
    tokio::spawn(async move {
        let send = async |text: String| {
            for piece in text.as_bytes().chunks(CHUNK) {
                let chunk = pb::ExportIatiResponse {
                    chunk: piece.to_vec(),
                };
                if tx.send(Ok(chunk)).await.is_err() {
                    return false;
                }
            }
            true
        };
        if !send(writer::document_start()).await {
            return;
        }
        for p in chosen {
            match activity(&api, p, as_of).await {
                Ok(out) => {
                    if !send(writer::activity(&out)).await {
                        return;
                    }
                }
                Err(err) => {
                    let _ = tx.send(Err(err.into())).await;
                    return;
                }
            }
        }
        send(writer::document_end()).await;
    });
    Ok(Box::pin(ReceiverStream::new(rx)))
}

/// The programmes to export, parents before their children, otherwise by id.
async fn choose(api: &Api, ids: &[Id], as_of: AsOf) -> Result<Vec<Versioned<Programme>>> {
    let mut all = Vec::new();
    if ids.is_empty() {
        let pool = api.pool();
        let none = &Filter::default();
        all = every::<Programme>(pool, None, none, as_of).await?;
    } else {
        let mut conn = api.pool().acquire().await?;
        for id in ids {
            let found = history::get::<Programme>(&mut conn, id, as_of)
                .await?
                .ok_or_else(|| Error::not_found(format!("programmes/{id}")))?;
            if !all
                .iter()
                .any(|p: &Versioned<Programme>| p.value.id == found.value.id)
            {
                all.push(found);
            }
        }
        all.sort_by(|a, b| a.value.id.cmp(&b.value.id));
    }
    let mut ordered = Vec::with_capacity(all.len());
    let exported: std::collections::HashSet<Id> = all.iter().map(|p| p.value.id.clone()).collect();
    let mut placed = std::collections::HashSet::new();
    while !all.is_empty() {
        let before = all.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| {
            p.value
                .parent
                .as_ref()
                .is_none_or(|parent| placed.contains(parent) || !exported.contains(parent))
        });
        for p in &ready {
            placed.insert(p.value.id.clone());
        }
        ordered.extend(ready);
        all = waiting;
        if all.len() == before {
            // A loop in the stored hierarchy (the database refuses one): keep the rest by id.
            ordered.append(&mut all);
        }
    }
    Ok(ordered)
}

fn by_programme(id: &Id) -> Filter {
    Filter {
        conditions: vec![Condition {
            field: "programme",
            op: Op::Eq,
            value: Value::Text(id.to_string()),
        }],
    }
}

/// Everything one programme's activity holds, read as of `as_of`.
async fn activity(api: &Api, p: Versioned<Programme>, as_of: AsOf) -> Result<ActivityOut> {
    let pool = api.pool();
    let mut conn = pool.acquire().await?;
    let id = p.value.id.clone();
    let mut latest: DateTime<Utc> = p.updated_at;
    let loaded = iati_store::load(&mut conn, &[id.to_string()], as_of)
        .await?
        .remove(id.as_str());

    let filter = &by_programme(&id);
    let mut contributions: BTreeMap<Id, Versioned<Contribution>> =
        every::<Contribution>(pool, None, filter, as_of)
            .await?
            .into_iter()
            .map(|c| (c.value.id.clone(), c))
            .collect();
    for linked in loaded.iter().flat_map(|l| &l.contributions) {
        if !contributions.contains_key(linked)
            && let Some(c) = history::get::<Contribution>(&mut conn, linked, as_of).await?
        {
            contributions.insert(linked.clone(), c);
        }
    }
    let mut receipts_out = Vec::new();
    for c in contributions.values() {
        latest = latest.max(c.updated_at);
        for r in receipts::of_contribution(&mut conn, &c.value.id, as_of).await? {
            latest = latest.max(r.updated_at);
            if !r.value.withdrawn {
                receipts_out.push(r.value);
            }
        }
    }
    receipts_out.sort_by(|a, b| (a.received_date, &a.id).cmp(&(b.received_date, &b.id)));

    let mut orgs = BTreeMap::new();
    let org_ids: Vec<Id> = p
        .value
        .partners
        .iter()
        .map(|x| x.organization.clone())
        .chain(contributions.values().map(|c| c.value.donor.clone()))
        .collect();
    for org_id in org_ids {
        if orgs.contains_key(&org_id) {
            continue;
        }
        if let Some(o) =
            history::get::<crate::domain::organization::Organization>(&mut conn, &org_id, as_of)
                .await?
        {
            latest = latest.max(o.updated_at);
            let o = o.value;
            orgs.insert(
                org_id,
                OrgOut {
                    id: o.id.clone(),
                    reference: o.iati_ref.clone().unwrap_or_default(),
                    kind: o.kind.iati_code(),
                    name: o.display_name.clone(),
                    member_state: o.member_state,
                    country: o.country,
                },
            );
        }
    }

    let mut results = Vec::new();
    let none = &Filter::default();
    let indicators = every::<Indicator>(pool, Some(&id), none, as_of).await?;
    for i in indicators {
        latest = latest.max(i.updated_at);
        let scope = &measurements::Scope::Indicator(id.clone(), i.value.id.clone());
        let mut ms = Vec::new();
        let all = every_page(
            |after| async move {
                measurements::list(pool, scope, none, as_of, after.as_ref(), PAGE).await
            },
            measurements::cursor,
        )
        .await?;
        for m in all {
            latest = latest.max(m.updated_at);
            ms.push(m.value);
        }
        results.push((i.value, ms));
    }

    let parent_identifier = match &p.value.parent {
        None => None,
        Some(parent) => {
            let stored = iati_store::load(&mut conn, &[parent.to_string()], as_of).await?;
            match stored.get(parent.as_str()) {
                Some(l) => Some(l.stored.identifier.clone()),
                None => history::get::<Programme>(&mut conn, parent, as_of)
                    .await?
                    .map(|pp| writer::identifier_of(&pp.value)),
            }
        }
    };
    // The published last-updated-datetime stands as long as nothing changed since the import.
    let last_updated = match &loaded {
        Some(l) if latest <= l.written_at => l.stored.last_updated.unwrap_or(l.written_at),
        Some(l) => latest.max(l.written_at),
        None => latest,
    };
    Ok(ActivityOut {
        programme: p.value,
        stored: loaded.map(|l| l.stored),
        parent_identifier,
        orgs,
        contributions: contributions.into_values().map(|c| c.value).collect(),
        receipts: receipts_out,
        indicators: results,
        last_updated,
    })
}
