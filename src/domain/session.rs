//! Sessions of the governing bodies.

use std::fmt;

use chrono::NaiveDate;

use super::{FieldViolation, Parsed, dates, field};

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
                    "{name} is not a session name such as sessions/36 or sessions/council-116",
                    name = super::text::quote(name)
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

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Scheduled, documents in preparation.
    Planned,
    /// The meeting has been held.
    Held,
    /// The session's record is closed.
    Closed,
}

impl SessionState {
    pub fn db_name(self) -> &'static str {
        match self {
            SessionState::Planned => "planned",
            SessionState::Held => "held",
            SessionState::Closed => "closed",
        }
    }

    pub fn from_db(name: &str) -> Option<SessionState> {
        match name {
            "planned" => Some(SessionState::Planned),
            "held" => Some(SessionState::Held),
            "closed" => Some(SessionState::Closed),
            _ => None,
        }
    }
}

/// One session of a governing body, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key: SessionKey,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub reporting_period_start: NaiveDate,
    pub reporting_period_end: NaiveDate,
    pub state: SessionState,
}

impl Session {
    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        dates::check_order(self.start_date, self.end_date, &field(path, "end_date"))?;
        dates::check_order(
            self.reporting_period_start,
            self.reporting_period_end,
            &field(path, "reporting_period_end"),
        )?;
        Ok(self)
    }

    pub fn name(&self) -> String {
        self.key.name()
    }
}

/// Body and number are a session's identity: an update may repeat them but not change them.
/// `body` is `None` and `number` 0 when the caller left them out.
pub fn check_same_identity(
    named: SessionKey,
    body: Option<Body>,
    number: i64,
    path: &str,
) -> Parsed<()> {
    if body.is_some_and(|b| b != named.body) {
        return Err(FieldViolation::new(
            field(path, "body"),
            "IMMUTABLE_FIELD",
            format!(
                "{named} belongs to its body for good; to record another body's session, create it"
            ),
        ));
    }
    if number != 0 && number != i64::from(named.number) {
        return Err(FieldViolation::new(
            field(path, "number"),
            "IMMUTABLE_FIELD",
            format!(
                "the number of {named} is {}, not {number}; a session's number never changes",
                named.number
            ),
        ));
    }
    Ok(())
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

    fn session(start: &str, end: &str, from: &str, to: &str) -> Session {
        let d = |s| dates::parse_date(s, "d").unwrap();
        Session {
            key: SessionKey::new(Body::Scpf, 36, "n").unwrap(),
            start_date: d(start),
            end_date: d(end),
            reporting_period_start: d(from),
            reporting_period_end: d(to),
            state: SessionState::Planned,
        }
    }

    #[test]
    fn a_session_ends_after_it_starts_and_so_does_its_period() {
        assert!(
            session("2025-06-25", "2025-06-26", "2025-01-01", "2025-05-31")
                .check("s")
                .is_ok()
        );
        let err = session("2025-06-26", "2025-06-25", "2025-01-01", "2025-05-31")
            .check("s")
            .unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.reason),
            ("s.end_date", "END_BEFORE_START")
        );
        let err = session("2025-06-25", "2025-06-26", "2025-05-31", "2025-01-01")
            .check("s")
            .unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.reason),
            ("s.reporting_period_end", "END_BEFORE_START")
        );
    }

    #[test]
    fn body_and_number_cannot_change() {
        let key = SessionKey::new(Body::Scpf, 36, "n").unwrap();
        assert!(check_same_identity(key, None, 0, "s").is_ok());
        assert!(check_same_identity(key, Some(Body::Scpf), 36, "s").is_ok());
        let err = check_same_identity(key, Some(Body::Council), 0, "s").unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.reason),
            ("s.body", "IMMUTABLE_FIELD")
        );
        let err = check_same_identity(key, None, 37, "s").unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.reason),
            ("s.number", "IMMUTABLE_FIELD")
        );
    }
}
