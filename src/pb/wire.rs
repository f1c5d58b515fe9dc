//! Domain values as protobuf fields: what the API answers and what a report's content holds, so
//! both write them the same way.

use chrono::{DateTime, NaiveDate, Utc};

use crate::{domain::money::Money, pb};

/// A protobuf timestamp of an instant.
pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: t.timestamp_subsec_nanos() as i32,
    }
}

/// `YYYY-MM-DD`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD`, or empty.
pub fn optional_date(d: Option<NaiveDate>) -> String {
    d.map(date).unwrap_or_default()
}

/// The protobuf form of an amount.
pub fn money_message(m: Money) -> pb::Money {
    pb::Money {
        currency_code: m.currency().code().to_owned(),
        amount: m.amount().to_string(),
    }
}
