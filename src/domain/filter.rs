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

use std::fmt::{self, Write as _};

use chrono::{DateTime, NaiveDate, Utc};

use super::{FieldViolation, Parsed};

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

impl Filter {
    /// Parses `text` against the fields a List accepts. `field` names the request field in errors.
    pub fn parse(text: &str, specs: &[FieldSpec], field: &str) -> Parsed<Filter> {
        let tokens = tokenize(text).map_err(|why| invalid(field, why))?;
        let mut conditions = Vec::new();
        let mut rest = tokens.as_slice();
        while !rest.is_empty() {
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
                        "cannot filter on {name:?}; the fields are: {}",
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
    match spec.kind {
        Kind::Text => equality_only(Value::Text(raw.to_owned())),
        Kind::Bool => match raw {
            "true" => equality_only(Value::Bool(true)),
            "false" => equality_only(Value::Bool(false)),
            _ => Err(format!("{name} is true or false, not {raw:?}")),
        },
        Kind::Enum(map) => match map(raw) {
            Some(v) => equality_only(Value::Text(v.to_owned())),
            None => Err(format!("{raw:?} is not a value of {name}")),
        },
        Kind::Date => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("{name} takes a date such as \"2025-01-01\", not {raw:?}")),
        Kind::Month => NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| format!("{name} takes a month such as \"2025-06\", not {raw:?}")),
        Kind::Timestamp => DateTime::parse_from_rfc3339(raw)
            .map(|t| Value::Timestamp(t.with_timezone(&Utc)))
            .map_err(|_| {
                format!(
                    "{name} takes an RFC 3339 instant such as \"2025-06-01T00:00:00Z\", not {raw:?}"
                )
            }),
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Op),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
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
        FieldSpec {
            name: "donor",
            kind: Kind::Text,
        },
        FieldSpec {
            name: "status",
            kind: Kind::Enum(status),
        },
        FieldSpec {
            name: "agreement_date",
            kind: Kind::Date,
        },
        FieldSpec {
            name: "verified",
            kind: Kind::Bool,
        },
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
