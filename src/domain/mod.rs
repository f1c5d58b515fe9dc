//! The types and rules of the domain. No I/O and no protobuf here: values are parsed once at the
//! edge (`api/`) and are valid by construction from then on.

pub mod allocation;
pub mod contribution;
pub mod dates;
pub mod exchange_rate;
pub mod filter;
pub mod geo;
pub mod member_state;
pub mod money;
pub mod organization;
pub mod programme;
pub mod reporting;
pub mod result;
pub mod session;
pub mod text;

/// A refusal of one input field: which field, a stable reason, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Path of the field in the request, for example `contribution.total.amount`.
    pub field: String,
    /// Stable machine-readable reason, for example `TOO_MANY_DECIMALS`.
    pub reason: &'static str,
    /// What is wrong, for the person who sent it.
    pub description: String,
}

impl FieldViolation {
    pub fn new(
        field: impl Into<String>,
        reason: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            reason,
            description: description.into(),
        }
    }
}

/// Result of parsing one field.
pub type Parsed<T> = Result<T, FieldViolation>;

/// Joins a parent field path and a child: `field("contribution", "total")` is
/// `contribution.total`.
pub fn field(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}
