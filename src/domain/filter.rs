//! The `filter` of List calls: a small, documented subset of AIP-160.
//!
//! ```text
//! filter    = condition { "AND" condition }
//! condition = FIELD op value
//! op        = "=" | "!=" | "<" | "<=" | ">" | ">="
//! value     = "quoted text" | bare-word
//! ```
//!
//! Each List declares which fields it accepts and of what kind; a filter naming anything else,
//! or comparing a value that does not parse, is refused with a violation on `filter`.
//!
//! A filter is bounded: at most [`MAX_LENGTH`] characters and [`MAX_CONDITIONS`] conditions, no
//! control characters. Repeated conditions on one field with one operator are read as a
//! [`Group`], which the store turns into one comparison with an array of values, so that the cost
//! of a query does not grow with the number of conditions.

use std::fmt::{self, Write as _};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::{FieldViolation, Parsed, dates::YEARS, text::quote};

/// Most characters a filter may have.
pub const MAX_LENGTH: usize = 2048;

/// Most conditions a filter may hold.
pub const MAX_CONDITIONS: usize = 32;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    fn is_equality(self) -> bool {
        matches!(self, Op::Eq | Op::Ne)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

/// What kind of value a filter field holds.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Text compared for equality.
    Text,
    /// `true` or `false`.
    Bool,
    /// A `YYYY-MM-DD` date, ordered.
    Date,
    /// A `YYYY-MM` month, compared as its first day, ordered.
    Month,
    /// An RFC 3339 instant, ordered.
    Timestamp,
    /// A closed set of values; the function maps what the caller wrote to the stored value.
    Enum(fn(&str) -> Option<&'static str>),
}

/// One field a List accepts in its filter.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: Kind,
}

impl FieldSpec {
    /// The field `name`, holding values of `kind`.
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        FieldSpec { name, kind }
    }
}

/// A parsed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) => write!(f, "{t:?}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Date(d) => write!(f, "\"{d}\""),
            Value::Timestamp(t) => write!(f, "\"{}\"", t.to_rfc3339()),
        }
    }
}

/// One `field op value` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: &'static str,
    pub op: Op,
    pub value: Value,
}

/// A parsed filter: conditions that must all hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub conditions: Vec<Condition>,
}

/// Every condition of a filter on one field with one operator: all must hold. The values are in
/// the order first written, each once.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<'a> {
    pub field: &'static str,
    pub op: Op,
    pub values: Vec<&'a Value>,
}

impl Filter {
    /// Parses `text` against the fields a List accepts. `field` names the request field in errors.
    pub fn parse(text: &str, specs: &[FieldSpec], field: &str) -> Parsed<Filter> {
        let length = text.chars().count();
        if length > MAX_LENGTH {
            return Err(invalid(
                field,
                format!("the filter has {length} characters; at most {MAX_LENGTH} are allowed"),
            ));
        }
        let tokens = tokenize(text).map_err(|why| invalid(field, why))?;
        let mut conditions = Vec::new();
        let mut rest = tokens.as_slice();
        while !rest.is_empty() {
            if conditions.len() == MAX_CONDITIONS {
                return Err(invalid(
                    field,
                    format!("a filter holds at most {MAX_CONDITIONS} conditions"),
                ));
            }
            let [Token::Word(name), Token::Op(op), value, tail @ ..] = rest else {
                return Err(invalid(
                    field,
                    "expected a condition such as `status = COMMITMENT`".to_owned(),
                ));
            };
            let spec = specs.iter().find(|s| s.name == name).ok_or_else(|| {
                let known: Vec<_> = specs.iter().map(|s| s.name).collect();
                invalid(
                    field,
                    format!(
                        "cannot filter on {}; the fields are: {}",
                        quote(name),
                        known.join(", ")
                    ),
                )
            })?;
            let raw = match value {
                Token::Word(w) | Token::Quoted(w) => w.as_str(),
                Token::Op(_) => return Err(invalid(field, format!("{name}: a value is missing"))),
            };
            conditions.push(Condition {
                field: spec.name,
                op: *op,
                value: parse_value(spec, *op, raw).map_err(|why| invalid(field, why))?,
            });
            rest = match tail {
                [] => tail,
                [Token::Word(and), more @ ..] if and == "AND" && !more.is_empty() => more,
                _ => {
                    return Err(invalid(
                        field,
                        "conditions are joined by AND (upper case)".to_owned(),
                    ));
                }
            };
        }
        Ok(Filter { conditions })
    }

    /// The conditions grouped by field and operator, in the order each group first appears.
    pub fn groups(&self) -> Vec<Group<'_>> {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for c in &self.conditions {
            match groups
                .iter_mut()
                .find(|g| g.field == c.field && g.op == c.op)
            {
                Some(group) => {
                    if !group.values.contains(&&c.value) {
                        group.values.push(&c.value);
                    }
                }
                None => groups.push(Group {
                    field: c.field,
                    op: c.op,
                    values: vec![&c.value],
                }),
            }
        }
        groups
    }

    /// A normal form that two equivalent filters share, for binding page tokens to a filter.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.conditions.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            let _ = write!(out, "{} {} {}", c.field, c.op, c.value);
        }
        out
    }
}

fn invalid(field: &str, why: String) -> FieldViolation {
    FieldViolation::new(field, "INVALID_FILTER", why)
}

fn parse_value(spec: &FieldSpec, op: Op, raw: &str) -> Result<Value, String> {
    let name = spec.name;
    let equality_only = |v: Value| {
        if op.is_equality() {
            Ok(v)
        } else {
            Err(format!("{name} can only be compared with = or !="))
        }
    };
    // A date or an instant, within the years the service accepts.
    let ordered = |parsed: Option<(i32, Value)>, example: &str| {
        parsed
            .filter(|(year, _)| YEARS.contains(year))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("{name} takes {example}, not {}", quote(raw)))
    };
    match spec.kind {
        Kind::Text => equality_only(Value::Text(raw.to_owned())),
        Kind::Bool => match raw {
            "true" => equality_only(Value::Bool(true)),
            "false" => equality_only(Value::Bool(false)),
            _ => Err(format!("{name} is true or false, not {}", quote(raw))),
        },
        Kind::Enum(map) => match map(raw) {
            Some(v) => equality_only(Value::Text(v.to_owned())),
            None => Err(format!("{} is not a value of {name}", quote(raw))),
        },
        Kind::Date => ordered(
            NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .map(|d| (d.year(), Value::Date(d))),
            "a date such as \"2025-01-01\"",
        ),
        Kind::Month => ordered(
            NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
                .ok()
                .map(|d| (d.year(), Value::Date(d))),
            "a month such as \"2025-06\"",
        ),
        Kind::Timestamp => ordered(
            DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|t| t.with_timezone(&Utc))
                .map(|t| (t.year(), Value::Timestamp(t))),
            "an RFC 3339 instant such as \"2025-06-01T00:00:00Z\"",
        ),
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Op),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    // The database cannot hold NUL, and no value of any field holds a control character.
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return Err("the filter must not contain control characters".to_owned());
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped) => value.push(escaped),
                            None => return Err("unterminated quoted value".to_owned()),
                        },
                        Some(other) => value.push(other),
                        None => return Err("unterminated quoted value".to_owned()),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            '=' | '!' | '<' | '>' => {
                chars.next();
                let with_eq = chars.peek() == Some(&'=');
                let op = match (c, with_eq) {
                    ('=', _) => Op::Eq,
                    ('!', true) => Op::Ne,
                    ('<', true) => Op::Le,
                    ('<', false) => Op::Lt,
                    ('>', true) => Op::Ge,
                    ('>', false) => Op::Gt,
                    _ => return Err("`!` must be followed by `=`".to_owned()),
                };
                if with_eq && c != '=' {
                    chars.next();
                }
                tokens.push(Token::Op(op));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '=' | '!' | '<' | '>' | '"') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(raw: &str) -> Option<&'static str> {
        match raw {
            "PLEDGE" => Some("pledge"),
            "COMMITMENT" => Some("commitment"),
            _ => None,
        }
    }

    const SPECS: &[FieldSpec] = &[
        FieldSpec::new("donor", Kind::Text),
        FieldSpec::new("status", Kind::Enum(status)),
        FieldSpec::new("agreement_date", Kind::Date),
        FieldSpec::new("verified", Kind::Bool),
    ];

    #[test]
    fn conditions_are_parsed_with_their_types() {
        let f = Filter::parse(
            r#"donor = "organizations/belgium" AND status=COMMITMENT AND agreement_date>="2025-01-01""#,
            SPECS,
            "filter",
        )
        .unwrap();
        assert_eq!(f.conditions.len(), 3);
        assert_eq!(f.conditions[1].value, Value::Text("commitment".into()));
        assert_eq!(f.conditions[2].op, Op::Ge);
        assert_eq!(
            f.canonical(),
            r#"donor = "organizations/belgium" AND status = "commitment" AND agreement_date >= "2025-01-01""#
        );
        assert!(
            Filter::parse("", SPECS, "filter")
                .unwrap()
                .conditions
                .is_empty()
        );
    }

    #[test]
    fn filters_are_bounded_with_the_cap_in_the_message() {
        let condition = r#"donor = "organizations/belgium""#;
        let at_cap = vec![condition; MAX_CONDITIONS].join(" AND ");
        assert!(at_cap.chars().count() <= MAX_LENGTH);
        assert_eq!(
            Filter::parse(&at_cap, SPECS, "filter")
                .unwrap()
                .conditions
                .len(),
            MAX_CONDITIONS
        );
        let over = vec!["verified = true"; MAX_CONDITIONS + 1].join(" AND ");
        assert!(over.chars().count() <= MAX_LENGTH);
        let err = Filter::parse(&over, SPECS, "filter").unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.reason),
            ("filter", "INVALID_FILTER")
        );
        assert!(
            err.description.contains(&MAX_CONDITIONS.to_string()),
            "{err:?}"
        );
        let long = format!(r#"donor = "{}""#, "x".repeat(MAX_LENGTH));
        let err = Filter::parse(&long, SPECS, "filter").unwrap_err();
        assert!(err.description.contains(&MAX_LENGTH.to_string()), "{err:?}");
        assert!(err.description.len() < 200, "{err:?}");
    }

    #[test]
    fn repeated_conditions_form_one_group_per_field_and_operator() {
        let f = Filter::parse(
            r#"donor = a AND status = PLEDGE AND donor = b AND donor = a AND donor != c AND agreement_date >= "2025-01-01" AND agreement_date >= "2024-01-01""#,
            SPECS,
            "filter",
        )
        .unwrap();
        let groups = f.groups();
        let summary: Vec<_> = groups
            .iter()
            .map(|g| (g.field, g.op, g.values.len()))
            .collect();
        assert_eq!(
            summary,
            [
                ("donor", Op::Eq, 2),
                ("status", Op::Eq, 1),
                ("donor", Op::Ne, 1),
                ("agreement_date", Op::Ge, 2),
            ]
        );
        assert_eq!(
            groups[0].values,
            [&Value::Text("a".into()), &Value::Text("b".into())]
        );
    }

    #[test]
    fn malformed_filters_are_refused_on_the_filter_field() {
        for bad in [
            "colour = red",
            "status = PAID",
            "status > PLEDGE",
            "agreement_date >= 2025",
            "donor = \"x",
            "donor = x OR status = PLEDGE",
            "donor = x AND",
            "donor",
            "verified = yes",
            "donor = \"a\0b\"",
            "agreement_date >= \"0000-01-01\"",
            "agreement_date < \"9999-12-31\"",
        ] {
            let err = Filter::parse(bad, SPECS, "filter").unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.reason),
                ("filter", "INVALID_FILTER"),
                "{bad}"
            );
        }
    }
}
