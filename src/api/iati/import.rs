//! ImportIati: the document is read as it streams in, one activity at a time; each activity is
//! written inside its own write envelope (one transaction, its request_id derived from its
//! identifier and content, audited, all or nothing) through the same store functions as the
//! single calls, so an activity imported twice replays instead of writing again.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::StreamExt;
use prost::Message;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tonic::Streaming;

use crate::{
    api::{
        Api, Caller, contributions as contribution_api,
        convert::canonical_json,
        organizations as organization_api, programmes as programme_api,
        results::{indicators as indicator_api, measurements as measurement_api},
    },
    domain::{
        FieldViolation,
        contribution::{Contribution, receipt::Receipt},
        organization::{Organization, OrganizationKind},
        programme::{Partner, Programme},
        result::Indicator,
        text::{self, Id},
    },
    error::{Error, Result},
    iati::{
        activity::{self, Activity, OrgRef},
        mapping::{self, at, org_key},
        writer::Spending,
        xml::{DocumentReader, Element, Item, Piece, Pieces, Pos, Problem},
    },
    pb,
    store::{
        Versioned,
        contributions::{
            self,
            receipts::{self, ReceiptKey},
        },
        history::{self, Kept},
        iati::{self as iati_store, Link, NewVersion},
        organizations, programmes,
        refs::{self, Target},
        results::{indicators, record},
        write::{Begun, Write, WriteContext},
    },
};

/// Why an activity was not written.
enum Fail {
    Problem(Problem),
    Error(Error),
}

impl From<Problem> for Fail {
    fn from(p: Problem) -> Self {
        Fail::Problem(p)
    }
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Error(e)
    }
}

/// The pieces of a gRPC stream of chunks.
pub fn pieces(stream: Streaming<pb::ImportIatiRequest>) -> Pieces {
    Box::pin(stream.map(|m| match m {
        Ok(m) => Ok(Piece {
            bytes: m.chunk.into(),
            starts_at: (m.line > 0).then(|| Pos {
                line: m.line as u64,
                column: m.column.max(1) as u64,
            }),
        }),
        Err(status) => Err(std::io::Error::other(status)),
    }))
}

/// The answer to a document stream that broke off: the transport's own refusal when it refused
/// the stream (a message that does not decode is INVALID_ARGUMENT), else CANCELLED.
pub fn stream_broke_off(e: std::io::Error) -> tonic::Status {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tonic::Status>())
    {
        Some(status) => status.clone(),
        None => tonic::Status::cancelled(format!("the document stream broke off: {e}")),
    }
}

pub fn problem_message(p: &Problem) -> pb::IatiProblem {
    pb::IatiProblem {
        line: p.at.line as i64,
        column: p.at.column as i64,
        element: p.element.clone(),
        reason: p.reason.to_owned(),
        message: p.message.clone(),
    }
}

pub async fn import(
    api: &Api,
    request: tonic::Request<Streaming<pb::ImportIatiRequest>>,
) -> std::result::Result<pb::ImportIatiResponse, tonic::Status> {
    let (caller, stream) = Caller::split(request);
    let caller = &caller;
    let mut reader = DocumentReader::new(pieces(stream));
    let mut response = pb::ImportIatiResponse::default();
    let mut first_problem: Option<Problem> = None;
    loop {
        let item = reader.next().await.map_err(stream_broke_off)?;
        match item {
            None => break,
            Some(Item::Problem(p)) => {
                first_problem.get_or_insert_with(|| p.clone());
                response.document_problems.push(problem_message(&p));
            }
            Some(Item::Activity { at, read }) => {
                let result = match read {
                    Ok(element) => import_activity(api, caller, &element).await,
                    Err(p) => failed(String::new(), at, &p),
                };
                response.activities.push(result);
            }
        }
    }
    if response.activities.is_empty() {
        let problem = first_problem.unwrap_or_else(|| {
            Problem::new(
                Pos::START,
                "",
                "NO_ACTIVITIES",
                "the document holds no iati-activity",
            )
        });
        return Err(Error::invalid("chunk", problem.reason, problem.to_string()).into());
    }
    use pb::IatiOutcome as O;
    for a in &response.activities {
        match O::try_from(a.outcome) {
            Ok(O::Created | O::Updated) => response.written += 1,
            Ok(O::Unchanged) => response.unchanged += 1,
            Ok(O::Stale) => response.stale += 1,
            _ => response.failed += 1,
        }
        for (k, v) in &a.unused {
            *response.unused.entry(k.clone()).or_default() += v;
        }
    }
    Ok(response)
}

fn failed(identifier: String, at: Pos, p: &Problem) -> pb::IatiActivityResult {
    pb::IatiActivityResult {
        iati_identifier: identifier,
        line: at.line as i64,
        column: at.column as i64,
        outcome: pb::IatiOutcome::Failed.into(),
        problem: Some(problem_message(p)),
        ..Default::default()
    }
}

async fn import_activity(api: &Api, caller: &Caller, e: &Element) -> pb::IatiActivityResult {
    let identifier = e
        .child_unmarked("iati-identifier")
        .map(|i| i.peek_text())
        .unwrap_or_default();
    let activity = match activity::read(e) {
        Ok(a) => a,
        Err(p) => return failed(identifier, e.at, &p),
    };
    let digest: [u8; 32] = Sha256::digest(activity.content_sha256.as_bytes()).into();
    let request_id = format!(
        "iati:{}:{}",
        &hex::encode(Sha256::digest(identifier.as_bytes()))[..32],
        &activity.content_sha256[..32]
    );
    let ctx = WriteContext {
        actor: caller.actor.clone(),
        method: caller.method,
        request_id,
        fingerprint: digest,
    };
    let error_problem = |err: Error| {
        Problem::new(
            e.at,
            "iati-activity",
            err.reason(),
            tonic::Status::from(err).message().to_owned(),
        )
    };
    match Write::begin(api.pool(), ctx).await {
        Err(err) => failed(identifier, e.at, &error_problem(err)),
        Ok(Begun::Replay(bytes)) => match pb::IatiActivityResult::decode(bytes.as_slice()) {
            Ok(earlier) => pb::IatiActivityResult {
                line: e.at.line as i64,
                column: e.at.column as i64,
                outcome: pb::IatiOutcome::Unchanged.into(),
                resources_written: 0,
                ..earlier
            },
            Err(err) => failed(
                identifier,
                e.at,
                &error_problem(Error::Internal(anyhow::anyhow!("stored result: {err}"))),
            ),
        },
        Ok(Begun::Fresh(mut w)) => match write(&mut w, &activity, e).await {
            Ok((result, commit)) => {
                if commit && let Err(err) = w.commit(&result.encode_to_vec()).await {
                    return failed(identifier, e.at, &error_problem(err));
                }
                result
            }
            Err(Fail::Problem(p)) => failed(identifier, e.at, &p),
            Err(Fail::Error(err)) => failed(identifier, e.at, &error_problem(err)),
        },
    }
}

/// What one activity's write did so far.
struct Tally {
    written: i64,
    unused: BTreeMap<String, i64>,
}

impl Tally {
    fn unused(&mut self, name: &str) {
        *self.unused.entry(name.to_owned()).or_default() += 1;
    }

    /// Counts a change and records its audit event in the activity's write (stamped with the
    /// instant of the change, written with the others at commit).
    fn record(&mut self, w: &mut Write, resource: &str, before: Option<Value>, after: Value) {
        self.record_with_reason(w, resource, before, after, None);
    }

    fn record_with_reason(
        &mut self,
        w: &mut Write,
        resource: &str,
        before: Option<Value>,
        after: Value,
        reason: Option<&str>,
    ) {
        self.written += 1;
        w.audit(resource, before, Some(after), reason);
    }

    /// A resource created from nothing.
    fn created<M: Message + prost::Name>(&mut self, w: &mut Write, name: &str, created: &M) {
        self.record(w, name, None, canonical_json(created));
    }

    /// A resource changed from one message to another, with the reason if any.
    fn changed<M: Message + prost::Name>(
        &mut self,
        w: &mut Write,
        name: &str,
        before: &M,
        after: &M,
        reason: Option<&str>,
    ) {
        let (before, after) = (canonical_json(before), canonical_json(after));
        self.record_with_reason(w, name, Some(before), after, reason);
    }
}

/// Writes an activity; returns its result, and whether to commit (a stale activity writes
/// nothing and keeps no record).
async fn write(
    w: &mut Write,
    a: &Activity,
    e: &Element,
) -> std::result::Result<(pb::IatiActivityResult, bool), Fail> {
    let current = iati_store::lock(w, &a.identifier).await?;
    let base = pb::IatiActivityResult {
        iati_identifier: a.identifier.clone(),
        line: a.at.line as i64,
        column: a.at.column as i64,
        ..Default::default()
    };
    if let Some(cur) = &current {
        // The activity is left as it is stored: nothing is written.
        let left = |outcome: pb::IatiOutcome| {
            let programme = format!("programmes/{}", cur.programme_id);
            let result = pb::IatiActivityResult {
                outcome: outcome.into(),
                programme,
                ..base.clone()
            };
            Ok((result, false))
        };
        let same_time = cur.last_updated == a.last_updated;
        if let (Some(file), Some(stored)) = (a.last_updated, cur.last_updated)
            && file < stored
        {
            return left(pb::IatiOutcome::Stale);
        }
        // Idempotent on the identifier and last-updated-datetime; without a datetime, on the
        // content itself.
        if same_time && (a.last_updated.is_some() || cur.content_sha256 == a.content_sha256) {
            return left(pb::IatiOutcome::Unchanged);
        }
    }
    let mut tally = Tally {
        written: 0,
        unused: BTreeMap::new(),
    };
    let (id, exists) =
        programme_id(w, a, current.as_ref().map(|c| c.programme_id.as_str())).await?;

    // Organizations first: partners and donors.
    let named: Vec<&OrgRef> = a
        .participants
        .iter()
        .filter(|p| !p.implied)
        .map(|p| &p.org)
        .chain(
            a.transactions
                .iter()
                .filter(|t| t.is_incoming())
                .filter_map(|t| t.provider.as_ref()),
        )
        .collect();
    let mut orgs = Orgs::find(w, &named).await?;
    let mut partners: Vec<Partner> = Vec::new();
    for p in a.participants.iter().filter(|p| !p.implied) {
        let org = resolve_org(w, &p.org, &mut orgs, &mut tally).await?;
        let partner = Partner {
            organization: org,
            role: p.role,
        };
        if partners.contains(&partner) {
            tally.unused("participating-org");
        } else {
            partners.push(partner);
        }
    }
    for o in a
        .transactions
        .iter()
        .filter(|t| t.is_incoming())
        .filter_map(|t| t.provider.as_ref())
    {
        resolve_org(w, o, &mut orgs, &mut tally).await?;
    }
    let parent = match &a.parent {
        Some(parent) => match iati_store::programme_of(w.conn(), parent).await? {
            Some(p) => Some(stored_id(&p)?),
            None => {
                tally.unused("related-activity");
                None
            }
        },
        None => None,
    };

    let programme = mapping::programme(a, id.clone(), partners, parent)?;
    let fresh = write_programme(w, &programme, exists, a, &mut tally).await?;

    let funding = mapping::funding(a, &id, &orgs.resolved)?;
    for (k, v) in &funding.unused {
        *tally.unused.entry(k.clone()).or_default() += v;
    }
    let mut links = Vec::new();
    // One look-up tells which contributions exist (with the currencies the receipts are
    // checked against) and which receipts; the new ones are created together, the others
    // revised one by one.
    let named: Vec<&Id> = funding
        .contributions
        .iter()
        .map(|p| &p.contribution.id)
        .chain(funding.receipts.iter().map(|p| &p.receipt.contribution))
        .collect();
    let receipt_ids: Vec<&Id> = funding.receipts.iter().map(|p| &p.receipt.id).collect();
    let (mut currencies, existing) = receipts::known(w.conn(), &named, &receipt_ids).await?;
    let mut creating = HashSet::new();
    let mut new: Vec<&Contribution> = Vec::new();
    for (n, planned) in funding.contributions.iter().enumerate() {
        let c = &planned.contribution;
        if let Some(session) = c.announced_at
            && !refs::exists(w.conn(), Target::Session, &session.id()).await?
        {
            return Err(Problem::new(
                planned.at,
                "transaction/@scpf:announced-at",
                "UNKNOWN_SESSION",
                format!("{} does not exist", session.name()),
            )
            .into());
        }
        if !currencies.contains_key(c.id.as_str()) && !new.iter().any(|x| x.id == c.id) {
            creating.insert(n);
            new.push(c);
        }
    }
    let now = w.now();
    let inserted = contributions::create_many(w.conn(), &new, now).await?;
    for c in &new {
        if !inserted.contains(c.id.as_str()) {
            return Err(Error::AlreadyExists { name: c.name() }.into());
        }
        let created = history::first(*c, now);
        tally.created(w, &c.name(), &contribution_api::message(&created));
        currencies.insert(c.id.to_string(), c.currency());
    }
    for (n, planned) in funding.contributions.iter().enumerate() {
        let c = &planned.contribution;
        if !creating.contains(&n) {
            let current = history::lock_current::<Contribution>(w, &c.id).await?;
            c.check_same_identity(&current.value, "")
                .map_err(|v| at(planned.at, "transaction", v))?;
            let reason = format!("IATI activity {}", a.identifier);
            if let Some(after) = history::revise(w, &current, c, &reason).await? {
                tally.changed(
                    w,
                    &c.name(),
                    &contribution_api::message(&current),
                    &contribution_api::message(&after),
                    Some(&reason),
                );
            }
        }
        links.push(Link {
            contribution: c.id.clone(),
            receipt: None,
            transaction_type: planned.transaction_type,
            reference: planned.reference.clone(),
            value_date: planned.value_date,
        });
    }
    // The same for receipts: checked against their contribution's currency, the new ones
    // created together.
    let mut creating = HashSet::new();
    let mut new: Vec<&Receipt> = Vec::new();
    for (n, planned) in funding.receipts.iter().enumerate() {
        let r = &planned.receipt;
        let currency = *currencies.get(r.contribution.as_str()).ok_or_else(|| {
            Problem::new(
                planned.at,
                "transaction/@scpf:contribution",
                "UNKNOWN_CONTRIBUTION",
                format!("contributions/{} does not exist", r.contribution),
            )
        })?;
        r.check_currency(currency, "")
            .map_err(|v| at(planned.at, "transaction/value", v))?;
        // A receipt id held by another contribution is refused as the insert's conflict.
        let exists = existing
            .get(r.id.as_str())
            .is_some_and(|c| c == r.contribution.as_str());
        if !exists && !new.iter().any(|x| x.id == r.id) {
            creating.insert(n);
            new.push(r);
        }
    }
    for created in receipts::create_many(w, &new).await? {
        let m = contribution_api::receipts::message;
        tally.created(w, &created.value.name(), &m(&created));
    }
    let mut kept: HashSet<(String, String)> = HashSet::new();
    for (n, planned) in funding.receipts.iter().enumerate() {
        let r = &planned.receipt;
        if !creating.contains(&n) {
            let current = history::lock_current::<Receipt>(w, &r.key()).await?;
            let reason = format!("IATI activity {}", a.identifier);
            if let Some(after) = history::revise(w, &current, r, &reason).await? {
                let m = contribution_api::receipts::message;
                tally.changed(w, &r.name(), &m(&current), &m(&after), Some(&reason));
            }
        }
        kept.insert((r.contribution.to_string(), r.id.to_string()));
        links.push(Link {
            contribution: r.contribution.clone(),
            receipt: Some(r.id.clone()),
            transaction_type: 1,
            reference: r.reference.clone(),
            value_date: planned.value_date,
        });
    }
    // Incoming funds gone from the newer version were recorded in error: withdrawn.
    if let Some(cur) = &current {
        for (c, r) in &cur.receipts {
            if kept.contains(&(c.clone(), r.clone())) {
                continue;
            }
            let (c, r) = (stored_id(c)?, stored_id(r)?);
            let key = ReceiptKey {
                contribution: c,
                id: r,
            };
            let current = history::lock_current::<Receipt>(w, &key).await?;
            if current.value.withdrawn {
                continue;
            }
            let mut withdrawn = current.value.clone();
            withdrawn.withdrawn = true;
            let reason = format!("no longer in IATI activity {}", a.identifier);
            if let Some(after) = history::revise(w, &current, &withdrawn, &reason).await? {
                let m = contribution_api::receipts::message;
                tally.changed(
                    w,
                    &withdrawn.name(),
                    &m(&current),
                    &m(&after),
                    Some(&reason),
                );
            }
        }
    }

    let (planned_indicators, unused) = mapping::indicators(a, &id)?;
    for (k, v) in unused {
        *tally.unused.entry(k).or_default() += v;
    }
    write_results(w, &planned_indicators, fresh, &mut tally).await?;

    w.restamp().await?;
    let version = NewVersion {
        identifier: a.identifier.clone(),
        last_updated: a.last_updated,
        content_sha256: a.content_sha256.clone(),
        reporting_ref: a.reporting_org.reference.clone(),
        reporting_type: a.reporting_org.kind.clone(),
        reporting_name: a.reporting_org.name.clone(),
        default_currency: a.default_currency,
        status: a.status,
        dates: a.dates,
        countries: a.countries.clone(),
        regions: a.regions.clone(),
        sectors: a.sectors.clone(),
        budgets: a.budgets.clone(),
        spending: funding.spending.iter().map(spending).collect(),
        links,
    };
    iati_store::write_version(w, &id, current.as_ref().map(|c| c.revision), &version).await?;

    let mut unused = BTreeMap::new();
    e.unused("", &mut unused);
    for (k, v) in tally.unused {
        *unused.entry(k).or_default() += v;
    }
    Ok((
        pb::IatiActivityResult {
            outcome: if current.is_some() {
                pb::IatiOutcome::Updated.into()
            } else {
                pb::IatiOutcome::Created.into()
            },
            programme: programme.name(),
            unused: unused.into_iter().collect(),
            resources_written: tally.written,
            ..base
        },
        true,
    ))
}

fn stored_id(text: &str) -> Result<Id> {
    Id::parse(text, "id").map_err(|_| Error::Internal(anyhow::anyhow!("bad stored id {text:?}")))
}

fn spending(t: &activity::Transaction) -> Spending {
    let (provider_ref, provider_name) = t
        .provider
        .as_ref()
        .map(|o| (o.reference.clone(), o.name.clone()))
        .unwrap_or_default();
    let (receiver_ref, receiver_name) = t
        .receiver
        .as_ref()
        .map(|o| (o.reference.clone(), o.name.clone()))
        .unwrap_or_default();
    Spending {
        transaction_type: t.transaction_type,
        reference: t.reference.clone(),
        date: t.date,
        value: t.value,
        value_date: t.value_date,
        description: t.description.clone(),
        provider_ref,
        provider_name,
        receiver_ref,
        receiver_name,
    }
}

/// The programme an activity becomes: the one it became before; else the id it carries
/// (`scpf:id`) unless that programme has another identifier; else one made from its identifier.
/// Also says whether that programme exists, when the choice told.
async fn programme_id(
    w: &mut Write,
    a: &Activity,
    known: Option<&str>,
) -> Result<(Id, Option<bool>)> {
    if let Some(known) = known {
        return Ok((stored_id(known)?, Some(true)));
    }
    if let Some(id) = &a.id
        && !iati_store::has_identity(w.conn(), id.as_str()).await?
    {
        return Ok((id.clone(), None));
    }
    let slug = mapping::slug_id(&a.identifier);
    if !refs::exists(w.conn(), Target::Programme, slug.as_str()).await? {
        return Ok((slug, Some(false)));
    }
    Ok((mapping::derived_id(&slug, "a", &a.identifier), None))
}

/// Creates or revises the programme; says whether it was created.
async fn write_programme(
    w: &mut Write,
    p: &crate::domain::programme::Programme,
    exists: Option<bool>,
    a: &Activity,
    tally: &mut Tally,
) -> std::result::Result<bool, Fail> {
    let name = p.name();
    let exists = match exists {
        Some(known) => known,
        None => refs::exists(w.conn(), Target::Programme, p.id.as_str()).await?,
    };
    if !exists {
        let created = programmes::create(w, p).await?;
        tally.created(w, &name, &programme_api::message(&created));
        return Ok(true);
    }
    let before = history::lock_current::<Programme>(w, &p.id).await?;
    if let Some(parent) = &p.parent
        && before.value.parent.as_ref() != Some(parent)
        && programmes::would_cycle(w, &p.id, parent).await?
    {
        return Err(Problem::new(
            a.at,
            "related-activity",
            "PARENT_CYCLE",
            format!("programmes/{parent} belongs to {name}, so it cannot be its parent"),
        )
        .into());
    }
    if let Some(after) = history::revise(w, &before, p, "").await? {
        tally.changed(
            w,
            &name,
            &programme_api::message(&before),
            &programme_api::message(&after),
            None,
        );
    }
    Ok(false)
}

async fn write_results(
    w: &mut Write,
    planned: &[mapping::PlannedIndicator],
    fresh: bool,
    tally: &mut Tally,
) -> std::result::Result<(), Fail> {
    // The activity's indicators are one programme's: read together, the new ones created
    // together; only those that exist and changed are revised one by one.
    if let Some(first) = planned.first() {
        let ids: Vec<&Id> = planned.iter().map(|p| &p.indicator.id).collect();
        // A programme just created has none yet.
        let current: HashMap<Id, Versioned<Indicator>> = if fresh {
            HashMap::new()
        } else {
            indicators::current_of(w.conn(), &first.indicator.programme, &ids)
                .await?
                .into_iter()
                .map(|v| (v.value.id.clone(), v))
                .collect()
        };
        // The first of each id that does not exist yet is created; any other is a revision.
        let mut known = current;
        let mut creating = HashSet::new();
        let mut new: Vec<&Indicator> = Vec::new();
        for (n, p) in planned.iter().enumerate() {
            if !known.contains_key(&p.indicator.id) && !new.iter().any(|i| i.id == p.indicator.id) {
                creating.insert(n);
                new.push(&p.indicator);
            }
        }
        for created in indicators::create_many(w, &new).await? {
            let name = created.value.name();
            tally.created(w, &name, &indicator_api::message(&created));
            known.insert(created.value.id.clone(), created);
        }
        for (n, p) in planned.iter().enumerate() {
            let i = &p.indicator;
            if creating.contains(&n) || known.get(&i.id).is_some_and(|k| k.value == *i) {
                continue;
            }
            let name = i.name();
            let mut refused = None;
            let (before, after) = indicators::update(w, i, |_, usage| {
                if let Err(v) = i.check_usage(usage, "") {
                    refused = Some(v);
                    return Err(Error::invalid("indicator", "INDICATOR_IN_USE", ""));
                }
                Ok(())
            })
            .await
            .map_err(|err| match refused.take() {
                Some(v) => Fail::Problem(at(p.at, "result/indicator", v)),
                None => Fail::Error(err),
            })?;
            if before.revision != after.revision {
                let m = indicator_api::message;
                tally.changed(w, &name, &m(&before), &m(&after), None);
            }
            known.insert(i.id.clone(), after);
        }
    }
    let rows: Vec<_> = planned
        .iter()
        .flat_map(|p| p.measurements.iter().map(|(_, m)| m))
        .collect();
    let positions: Vec<Pos> = planned
        .iter()
        .flat_map(|p| p.measurements.iter().map(|(pos, _)| *pos))
        .collect();
    let locked = record::lock(w.conn(), &rows).await?;
    let now = w.restamp().await?;
    let results = locked
        .record(w.conn(), now, |_, indicator, _| {
            indicator.map(|_| ()).ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("an indicator written above is missing"))
            })
        })
        .await?;
    for (result, pos) in results.into_iter().zip(positions) {
        let recorded = result.map_err(|err| match err {
            Error::Invalid(v) => Fail::Problem(at(pos, "result/indicator/period", *v)),
            other => Fail::Error(other),
        })?;
        if recorded.changed() {
            let response = measurement_api::message(&recorded.after);
            let before = recorded.before.as_ref().map(measurement_api::audit_json);
            tally.record(w, &response.name, before, canonical_json(&response));
        }
    }
    Ok(())
}

/// The kind of organization an IATI OrganisationType code names.
fn kind(code: &str, o: &OrgRef) -> std::result::Result<OrganizationKind, Problem> {
    use OrganizationKind as K;
    Ok(match code {
        "" | "90" => K::Other,
        "10" => K::Government,
        "11" | "15" => K::OtherPublicSector,
        "21" | "23" => K::InternationalNgo,
        "22" | "24" => K::NationalNgo,
        "30" => K::Other,
        "40" => K::Multilateral,
        "60" => K::Foundation,
        "70" | "71" | "72" | "73" => K::PrivateSector,
        "80" => K::Academic,
        other => {
            return Err(Problem::new(
                o.at,
                "@type",
                "UNKNOWN_CODE",
                format!("{other:?} is not an IATI OrganisationType code"),
            ));
        }
    })
}

/// The organizations an activity names: those resolved so far (by [`org_key`]), and what one
/// look-up found for all of them (by [`org_key`], and `id:SLUG` for the id each would be created
/// with), kept up to date with the organizations the activity creates.
struct Orgs {
    resolved: HashMap<String, Id>,
    found: HashMap<String, String>,
}

impl Orgs {
    async fn find(w: &mut Write, named: &[&OrgRef]) -> Result<Orgs> {
        let (mut ids, mut refs, mut names) = (Vec::new(), Vec::new(), Vec::new());
        for o in named {
            match (&o.id, o.reference.is_empty(), o.name.is_empty()) {
                (Some(id), _, _) => ids.push(id.to_string()),
                (None, false, _) => {
                    refs.push(o.reference.clone());
                    ids.push(mapping::slug_id(&o.reference).to_string());
                }
                (None, true, false) => {
                    names.push(o.name.clone());
                    ids.push(mapping::slug_id(&o.name).to_string());
                }
                (None, true, true) => {}
            }
        }
        let found = if named.is_empty() {
            HashMap::new()
        } else {
            iati_store::organizations_named(w.conn(), &ids, &refs, &names).await?
        };
        Ok(Orgs {
            resolved: HashMap::new(),
            found,
        })
    }

    /// Whether an organization with this id exists.
    fn exists(&self, id: &Id) -> bool {
        self.found.contains_key(&format!("id:{id}"))
    }

    /// An organization just created: found from now on by its id, and by its IATI identifier
    /// (else its name) unless one before it in id order already is.
    fn created(&mut self, org: &Organization) {
        let id = org.id.to_string();
        self.found.insert(format!("id:{id}"), id.clone());
        let key = match &org.iati_ref {
            Some(r) => format!("ref:{r}"),
            None => format!("name:{}", org.display_name),
        };
        let first = self.found.entry(key).or_insert_with(|| id.clone());
        if id < *first {
            *first = id;
        }
    }
}

/// The organization an activity names: by its id, else its IATI identifier, else its name;
/// created when the service does not know it yet.
async fn resolve_org(
    w: &mut Write,
    o: &OrgRef,
    orgs: &mut Orgs,
    tally: &mut Tally,
) -> std::result::Result<Id, Fail> {
    let key = org_key(o);
    if let Some(id) = orgs.resolved.get(&key) {
        return Ok(id.clone());
    }
    if o.id.is_none() && o.reference.is_empty() && o.name.is_empty() {
        return Err(Problem::new(
            o.at,
            "@ref",
            "REQUIRED",
            "an organization needs a ref or a narrative name",
        )
        .into());
    }
    let id = match orgs.found.get(&key) {
        Some(id) => stored_id(id)?,
        None => {
            let id = match &o.id {
                Some(id) => id.clone(),
                None => {
                    let text = if o.reference.is_empty() {
                        &o.name
                    } else {
                        &o.reference
                    };
                    let slug = mapping::slug_id(text);
                    if orgs.exists(&slug) {
                        mapping::derived_id(&slug, "o", text)
                    } else {
                        slug
                    }
                }
            };
            let display = if o.name.is_empty() {
                &o.reference
            } else {
                &o.name
            };
            let problem = |v: FieldViolation| at(o.at, "narrative", v);
            let org = Organization {
                id,
                display_name: text::required_text(display, "display_name", 200).map_err(problem)?,
                kind: kind(&o.kind, o)?,
                member_state: o.member_state,
                country: o.country,
                iati_ref: (!o.reference.is_empty())
                    .then(|| text::required_text(&o.reference, "iati_ref", 100))
                    .transpose()
                    .map_err(|v| at(o.at, "@ref", v))?,
            }
            .check("")
            .map_err(|v| at(o.at, "@scpf:member-state", v))?;
            let created = organizations::create(w, &org).await?;
            tally.created(w, &org.name(), &organization_api::message(&created));
            orgs.created(&org);
            org.id
        }
    };
    orgs.resolved.insert(key, id.clone());
    Ok(id)
}
