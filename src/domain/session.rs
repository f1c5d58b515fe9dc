//! Sessions of the governing bodies.

use std::fmt;

use super::{FieldViolation, Parsed};

/// The governing body that meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// The Standing Committee on Programmes and Finance: `sessions/{number}`.
    Scpf,
    /// The Council: `sessions/council-{number}`.
    Council,
}

impl Body {
    pub fn db_name(self) -> &'static str {
        match self {
            Body::Scpf => "scpf",
            Body::Council => "council",
        }
    }

    pub fn from_db(name: &str) -> Option<Body> {
        match name {
            "scpf" => Some(Body::Scpf),
            "council" => Some(Body::Council),
            _ => None,
        }
    }
}

/// Which session: a body and its ordinal number. Its id is `36` or `council-116`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey {
    pub body: Body,
    pub number: u32,
}

/// The largest session number accepted (the id column allows six digits).
const MAX_NUMBER: u32 = 999_999;

impl SessionKey {
    pub fn new(body: Body, number: i64, field: &str) -> Parsed<SessionKey> {
        if !(1..=i64::from(MAX_NUMBER)).contains(&number) {
            return Err(FieldViolation::new(
                field,
                "INVALID_SESSION_NUMBER",
                format!("a session number is between 1 and {MAX_NUMBER}; got {number}"),
            ));
        }
        Ok(SessionKey {
            body,
            number: number as u32,
        })
    }

    /// Parses `sessions/36` or `sessions/council-116`.
    pub fn parse_name(name: &str, field: &str) -> Parsed<SessionKey> {
        if name.is_empty() {
            return Err(FieldViolation::new(
                field,
                "REQUIRED",
                "a session name such as sessions/36 is required",
            ));
        }
        let bad = || {
            FieldViolation::new(
                field,
                "INVALID_NAME",
                format!(
                    "{name:?} is not a session name such as sessions/36 or sessions/council-116"
                ),
            )
        };
        let id = name.strip_prefix("sessions/").ok_or_else(bad)?;
        let (body, digits) = match id.strip_prefix("council-") {
            Some(rest) => (Body::Council, rest),
            None => (Body::Scpf, id),
        };
        if digits.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.len() > 6
        {
            return Err(bad());
        }
        SessionKey::new(body, digits.parse().map_err(|_| bad())?, field).map_err(|_| bad())
    }

    /// The stored id: `36` or `council-116`.
    pub fn id(self) -> String {
        match self.body {
            Body::Scpf => self.number.to_string(),
            Body::Council => format!("council-{}", self.number),
        }
    }

    /// The resource name.
    pub fn name(self) -> String {
        format!("sessions/{}", self.id())
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_round_trip() {
        let scpf = SessionKey::parse_name("sessions/36", "n").unwrap();
        assert_eq!(
            (scpf.body, scpf.number, scpf.id()),
            (Body::Scpf, 36, "36".to_owned())
        );
        let council = SessionKey::parse_name("sessions/council-116", "n").unwrap();
        assert_eq!(council.name(), "sessions/council-116");
        for bad in [
            "sessions/036",
            "sessions/",
            "sessions/x",
            "session/36",
            "sessions/council-",
            "sessions/0",
        ] {
            assert_eq!(
                SessionKey::parse_name(bad, "n").unwrap_err().reason,
                "INVALID_NAME",
                "{bad}"
            );
        }
    }
}
