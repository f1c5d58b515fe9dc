//! Reconcile: a donor's IATI document streams in; the outgoing commitments and disbursements it
//! reports to the receiving organisation are compared with the contributions and receipts of
//! the donor's organization as of one settled instant.

use std::collections::BTreeMap;

use futures::StreamExt;
use tonic::Streaming;

use super::import::problem_message;
use crate::{
    api::{Api, convert, iati::every},
    domain::{
        contribution::Contribution,
        filter::{Condition, Filter, Op, Value},
    },
    error::{Error, Result},
    iati::{
        IOM_REF, activity,
        reconcile::{self, Recorded, Side, amount},
        xml::{DocumentReader, Item, Piece, Pieces},
    },
    pb,
    store::{self, AsOf, contributions::receipts, iati as iati_store},
};

pub async fn reconcile(
    api: &Api,
    request: tonic::Request<Streaming<pb::ReconcileRequest>>,
) -> std::result::Result<pb::ReconcileResponse, tonic::Status> {
    let mut stream = request.into_inner();
    let first = stream.message().await?.unwrap_or_default();
    let receiver_ref = if first.receiver_ref.trim().is_empty() {
        IOM_REF.to_owned()
    } else {
        first.receiver_ref.trim().to_owned()
    };
    let requested = convert::instant(first.as_of.as_ref(), "as_of")?;
    let as_of = match store::resolve_as_of(api.pool(), requested, "as_of").await? {
        AsOf::Now => store::settle_history(api.pool()).await?,
        AsOf::At(t) => t,
    };
    let first_piece = Piece {
        bytes: first.chunk.into(),
        starts_at: None,
    };
    let rest = stream.map(|m| match m {
        Ok(m) => Ok(Piece {
            bytes: m.chunk.into(),
            starts_at: None,
        }),
        Err(status) => Err(std::io::Error::other(status.message().to_owned())),
    });
    let pieces: Pieces = Box::pin(futures::stream::iter([Ok(first_piece)]).chain(rest));
    let mut reader = DocumentReader::new(pieces);
    let mut flows = Vec::new();
    let mut problems = Vec::new();
    let mut activities = 0;
    while let Some(item) = reader
        .next()
        .await
        .map_err(super::import::stream_broke_off)?
    {
        match item {
            Item::Problem(p) => problems.push(problem_message(&p)),
            Item::Activity { read: Err(p), .. } => problems.push(problem_message(&p)),
            Item::Activity { read: Ok(e), .. } => match activity::read(&e) {
                Ok(a) => {
                    activities += 1;
                    flows.extend(reconcile::flows(&a, &receiver_ref));
                }
                Err(p) => problems.push(problem_message(&p)),
            },
        }
    }
    if activities == 0 && !problems.is_empty() {
        let p = &problems[0];
        return Err(Error::invalid(
            "chunk",
            "MALFORMED_XML",
            format!(
                "line {}, column {}, {}: {}",
                p.line, p.column, p.element, p.message
            ),
        )
        .into());
    }
    let lines = compare(api, &flows, AsOf::At(as_of)).await?;
    Ok(pb::ReconcileResponse {
        lines,
        problems,
        as_of: Some(convert::timestamp(as_of)),
    })
}

async fn compare(
    api: &Api,
    flows: &[reconcile::DonorFlow],
    as_of: AsOf,
) -> Result<Vec<pb::ReconciliationLine>> {
    let pool = api.pool();
    let mut conn = pool.acquire().await?;
    let mut refs: Vec<String> = flows.iter().map(|f| f.donor_ref.clone()).collect();
    refs.sort();
    refs.dedup();
    let donors = iati_store::organizations_by_ref(&mut conn, &refs, as_of).await?;
    let mut recorded = Vec::new();
    let mut donor_ids: Vec<_> = donors.values().cloned().collect();
    donor_ids.sort();
    donor_ids.dedup();
    for donor in donor_ids {
        let filter = &Filter {
            conditions: vec![Condition {
                field: "donor",
                op: Op::Eq,
                value: Value::Text(donor.to_string()),
            }],
        };
        let donated = every::<Contribution>(pool, None, filter, as_of).await?;
        for c in donated {
            let rs = receipts::of_contribution(&mut conn, &c.value.id, as_of)
                .await?
                .into_iter()
                .map(|r| r.value)
                .filter(|r| !r.withdrawn)
                .collect();
            let activity = match &c.value.programme {
                Some(p) => iati_store::identifier_of(&mut conn, p.as_str()).await?,
                None => None,
            };
            recorded.push(Recorded {
                contribution: c.value,
                receipts: rs,
                activity,
            });
        }
    }
    let donors: BTreeMap<_, _> = donors.into_iter().collect();
    Ok(reconcile::reconcile(flows, &donors, &recorded)
        .into_iter()
        .map(|l| {
            let c = l.currency;
            pb::ReconciliationLine {
                contribution: l
                    .contribution
                    .as_ref()
                    .map(|id| format!("contributions/{id}"))
                    .unwrap_or_default(),
                donor: l.donor.clone(),
                year: l.year,
                currency_code: c.code().to_owned(),
                donor_committed: amount(l.donor_committed, c),
                donor_disbursed: amount(l.donor_disbursed, c),
                recorded_due: amount(l.recorded_due, c),
                recorded_received: amount(l.recorded_received, c),
                committed_difference: amount(l.committed_difference(), c),
                received_difference: amount(l.received_difference(), c),
                r#match: match l.side {
                    Side::Both => pb::ReconciliationMatch::Both,
                    Side::DonorOnly => pb::ReconciliationMatch::DonorOnly,
                    Side::ServiceOnly => pb::ReconciliationMatch::ServiceOnly,
                }
                .into(),
                donor_activities: l.donor_activities.into_iter().collect(),
                note: l.note,
            }
        })
        .collect())
}
