//! Identifiers, resource names, request ids and free text, each with its limits.

use std::fmt;

use super::{FieldViolation, Parsed, not_empty};

/// Most characters of a caller's input that a message quotes back: an error about a
/// 10,000-character value stays small.
pub const QUOTED_CHARS: usize = 64;

/// A caller's text quoted in a message: in double quotes with control characters escaped, cut
/// after [`QUOTED_CHARS`] characters with `...` after the closing quote.
pub struct Quoted<'a>(&'a str);

/// Quotes `text` for a message (see [`Quoted`]).
pub fn quote(text: &str) -> Quoted<'_> {
    Quoted(text)
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(QUOTED_CHARS) {
            Some((end, _)) => write!(f, "{:?}...", &self.0[..end]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

/// The id part of a resource name: lower case letters, digits and hyphens, starting with a letter,
/// not ending with a hyphen, at most 63 characters (`belgium`, `o-remit`, `belgium-2025-2028`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(String);

impl Id {
    pub fn parse(text: &str, field: &str) -> Parsed<Id> {
        not_empty(text, field, "an id is required")?;
        let bytes = text.as_bytes();
        let ok = text.len() <= 63
            && bytes[0].is_ascii_lowercase()
            && !text.ends_with('-')
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if ok {
            Ok(Id(text.to_owned()))
        } else {
            Err(FieldViolation::new(
                field,
                "INVALID_ID",
                format!(
                    "{} is not a valid id: use 1 to 63 lower case letters, digits and hyphens, starting with a letter",
                    quote(text)
                ),
            ))
        }
    }

    /// An id the server made itself (always valid).
    pub fn generated() -> Id {
        // A letter first, so that the id follows the same rule as client-chosen ones.
        Id(format!("x{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses `{collection}/{id}` into its id: `parse_name("organizations/belgium", "organizations", ..)`.
pub fn parse_name(name: &str, collection: &str, field: &str) -> Parsed<Id> {
    let [id] = parse_nested_name(name, &[collection], field)?;
    Ok(id)
}

/// Parses a nested name such as `programmes/o-remit/indicators/returns` against its collections
/// (`["programmes", "indicators"]`) into its ids, one per collection.
pub fn parse_nested_name<const N: usize>(
    name: &str,
    collections: &[&str; N],
    field: &str,
) -> Parsed<[Id; N]> {
    let pattern = collections
        .iter()
        .map(|c| format!("{c}/{{id}}"))
        .collect::<Vec<_>>()
        .join("/");
    if name.is_empty() {
        return Err(FieldViolation::required(
            field,
            format!("a resource name of the form {pattern} is required"),
        ));
    }
    let bad = || {
        FieldViolation::new(
            field,
            "INVALID_NAME",
            format!(
                "{} is not a resource name of the form {pattern}",
                quote(name)
            ),
        )
    };
    let parts: Vec<&str> = name.split('/').collect();
    if parts.len() != collections.len() * 2 {
        return Err(bad());
    }
    let mut ids = Vec::with_capacity(collections.len());
    for (pair, collection) in parts.chunks(2).zip(collections) {
        if pair[0] != *collection {
            return Err(bad());
        }
        ids.push(Id::parse(pair[1], field).map_err(|_| bad())?);
    }
    <[Id; N]>::try_from(ids).map_err(|_| bad())
}

/// A parent that may be a wildcard (`programmes/-`): `None` means "every parent".
pub fn parse_parent_or_wildcard(name: &str, collection: &str, field: &str) -> Parsed<Option<Id>> {
    if name == format!("{collection}/-") {
        Ok(None)
    } else {
        parse_name(name, collection, field).map(Some)
    }
}

/// The client's idempotency key: 1 to 128 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    pub fn parse(text: &str, field: &str) -> Parsed<RequestId> {
        not_empty(
            text,
            field,
            "a request_id is required so that the call can be retried safely; a UUID is a good choice",
        )?;
        if text.len() > 128 || !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldViolation::new(
                field,
                "INVALID_REQUEST_ID",
                "a request_id is 1 to 128 visible ASCII characters",
            ));
        }
        Ok(RequestId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Required free text: not blank, at most `max` characters, no control characters.
/// Surrounding whitespace is trimmed.
pub fn required_text(text: &str, field: &str, max: usize) -> Parsed<String> {
    let text = optional_text(text, field, max)?;
    if text.is_empty() {
        Err(FieldViolation::required(field, "must not be empty"))
    } else {
        Ok(text)
    }
}

/// Optional free text: at most `max` characters, no control characters except newlines and tabs.
pub fn optional_text(text: &str, field: &str, max: usize) -> Parsed<String> {
    let text = text.trim();
    let length = text.chars().count();
    if length > max {
        return Err(FieldViolation::new(
            field,
            "TOO_LONG",
            format!("is {length} characters long; at most {max} are allowed"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(FieldViolation::new(
            field,
            "INVALID_CHARACTERS",
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_resource_name_rules() {
        assert!(Id::parse("belgium-2025-2028", "f").is_ok());
        for bad in ["Belgium", "1abc", "a_b", "abc-", &"a".repeat(64)] {
            assert_eq!(
                Id::parse(bad, "f").unwrap_err().reason,
                "INVALID_ID",
                "{bad}"
            );
        }
        assert!(Id::parse(Id::generated().as_str(), "f").is_ok());
    }

    #[test]
    fn nested_names_yield_their_ids() {
        let ids = parse_nested_name(
            "programmes/o-remit/indicators/returns",
            &["programmes", "indicators"],
            "name",
        )
        .unwrap();
        assert_eq!(ids[0].as_str(), "o-remit");
        assert_eq!(ids[1].as_str(), "returns");
        assert_eq!(
            parse_name("programmes/o-remit", "organizations", "name")
                .unwrap_err()
                .reason,
            "INVALID_NAME"
        );
    }

    #[test]
    fn quotes_are_cut_after_a_bounded_prefix() {
        assert_eq!(quote("belgium").to_string(), "\"belgium\"");
        assert_eq!(quote("a\0b").to_string(), "\"a\\0b\"");
        let long = "é".repeat(10_000);
        let quoted = quote(&long).to_string();
        assert_eq!(quoted, format!("{:?}...", "é".repeat(QUOTED_CHARS)));
        assert_eq!(
            quote(&"x".repeat(QUOTED_CHARS)).to_string(),
            format!("{:?}", "x".repeat(QUOTED_CHARS))
        );
    }

    #[test]
    fn text_limits_count_characters() {
        assert!(required_text(&"é".repeat(200), "f", 200).is_ok());
        assert_eq!(
            required_text("   ", "f", 10).unwrap_err().reason,
            "REQUIRED"
        );
        assert_eq!(
            required_text(&"x".repeat(11), "f", 10).unwrap_err().reason,
            "TOO_LONG"
        );
    }
}
