//! Conversions shared by every service: timestamps, dates, money, etags, canonical JSON. The
//! outbound ones that reports use too live in `pb::wire`.

use chrono::{DateTime, SubsecRound, Utc};

use crate::{
    domain::{
        FieldViolation, Parsed, field,
        money::{Currency, Money},
        programme::SrfObjective,
    },
    error::{Error, Result},
    pb,
};

pub use crate::pb::wire::{date, money_message, optional_date, timestamp};

/// Reads an optional instant, truncated to the microsecond the database keeps, so that the same
/// instant always selects the same history.
pub fn instant(ts: Option<&prost_types::Timestamp>, field: &str) -> Parsed<Option<DateTime<Utc>>> {
    let Some(ts) = ts else { return Ok(None) };
    let t = DateTime::from_timestamp(ts.seconds, ts.nanos.max(0) as u32)
        .filter(|_| (0..1_000_000_000).contains(&ts.nanos))
        .ok_or_else(|| FieldViolation::new(field, "INVALID_TIMESTAMP", "not a valid instant"))?;
    crate::domain::dates::check_year(t.date_naive(), field)?;
    Ok(Some(t.trunc_subsecs(6)))
}

/// Parses a required `Money` message at `path` (for example `contribution.total`).
pub fn money(m: Option<&pb::Money>, path: &str) -> Parsed<Money> {
    let m =
        m.ok_or_else(|| FieldViolation::required(path, "an amount with its currency is required"))?;
    let currency = Currency::parse(&m.currency_code, &field(path, "currency_code"))?;
    Money::parse(&m.amount, currency, &field(path, "amount"))
}

/// A domain enum and its protobuf enum, variant for variant (`wire_enum!` writes it).
pub trait Wire: Sized {
    type Message;

    /// The value of a message's number; `None` for UNSPECIFIED or a number the enum does not
    /// have.
    fn from_wire(value: i32) -> Option<Self>;

    /// The protobuf value.
    fn to_wire(self) -> Self::Message;

    /// The value of a message's number in `field`, which must have one: REQUIRED when it is
    /// UNSPECIFIED or a number the enum does not have (`what` is what the refusal says is
    /// required: "a measure").
    fn required(value: i32, field: &str, what: &str) -> Parsed<Self> {
        Self::from_wire(value)
            .ok_or_else(|| FieldViolation::required(field, format!("{what} is required")))
    }
}

wire_enum!(SrfObjective => SrfObjective {
    SavingLives,
    SolutionsToDisplacement,
    RegularPathways,
});

/// A filter's value of an enum field: the name the database keeps of the one of `all` it names,
/// with or without the protobuf enum's `prefix`, in any case (`kind = government`,
/// `kind = ORGANIZATION_KIND_GOVERNMENT`).
pub fn enum_filter<E>(
    raw: &str,
    prefix: &str,
    all: impl IntoIterator<Item = E>,
    db_name: fn(E) -> &'static str,
) -> Option<&'static str> {
    let raw = raw.strip_prefix(prefix).unwrap_or(raw);
    all.into_iter()
        .map(db_name)
        .find(|name| name.eq_ignore_ascii_case(raw))
}

/// Parses a Strategic Results Framework objective at `field` (an allocation's or a programme's);
/// `None` when unspecified.
pub fn srf_objective(value: i32, field: &str) -> Parsed<Option<SrfObjective>> {
    match pb::SrfObjective::try_from(value) {
        Ok(_) => Ok(SrfObjective::from_wire(value)),
        Err(_) => Err(FieldViolation::new(
            field,
            "UNKNOWN_ENUM_VALUE",
            format!("{value} is not a Strategic Results Framework objective (1 to 3)"),
        )),
    }
}

/// The protobuf form of an objective, `UNSPECIFIED` for none.
pub fn srf_message(o: Option<SrfObjective>) -> pb::SrfObjective {
    o.map_or(pb::SrfObjective::Unspecified, Wire::to_wire)
}

/// The etag of a revision.
pub fn etag(revision: i32) -> String {
    format!("r{revision}")
}

/// Reads an optional etag into the revision it names. An etag this service never issued is
/// necessarily stale, so it is refused as ABORTED like any other stale one.
pub fn expected_revision(etag: &str) -> Option<Option<i32>> {
    if etag.is_empty() {
        return Some(None);
    }
    etag.strip_prefix('r')
        .and_then(|n| n.parse::<i32>().ok())
        .map(Some)
}

/// Checks a caller's etag against the current revision.
pub fn check_etag(name: &str, given: &str, current_revision: i32) -> Result<()> {
    match expected_revision(given) {
        Some(None) => Ok(()),
        Some(Some(r)) if r == current_revision => Ok(()),
        _ => Err(Error::StaleEtag {
            name: name.to_owned(),
            given: given.to_owned(),
            current: etag(current_revision),
        }),
    }
}

/// A message as its canonical protobuf JSON, for the audit trail.
pub fn canonical_json<M: prost::Message + prost::Name>(message: &M) -> serde_json::Value {
    pb::json::value(message)
}

/// A JSON value as a `google.protobuf.Struct`, for audit events.
pub fn json_struct(value: &serde_json::Value) -> Option<prost_types::Struct> {
    match json_value(value).kind {
        Some(prost_types::value::Kind::StructValue(s)) => Some(s),
        _ => None,
    }
}

fn json_value(value: &serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    use serde_json::Value as J;
    let kind = match value {
        J::Null => Kind::NullValue(0),
        J::Bool(b) => Kind::BoolValue(*b),
        J::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        J::String(s) => Kind::StringValue(s.clone()),
        J::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(json_value).collect(),
        }),
        J::Object(map) => Kind::StructValue(prost_types::Struct {
            fields: map
                .iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}
