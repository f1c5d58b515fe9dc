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

    /// A required field left empty or unset: REQUIRED, with what was expected.
    pub fn required(field: impl Into<String>, expected: impl Into<String>) -> Self {
        Self::new(field, "REQUIRED", expected)
    }
}

/// Refuses an empty `text` as REQUIRED, saying what was `expected`.
pub fn not_empty(text: &str, field: &str, expected: impl Into<String>) -> Parsed<()> {
    if text.is_empty() {
        Err(FieldViolation::required(field, expected))
    } else {
        Ok(())
    }
}

/// Asserts that `parsed` is refused on `field` for `reason`.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_refused<T: std::fmt::Debug>(parsed: Parsed<T>, field: &str, reason: &str) {
    let err = parsed.unwrap_err();
    assert_eq!(
        (err.field.as_str(), err.reason),
        (field, reason),
        "{}",
        err.description
    );
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
