//! Sessions of the governing bodies.

use std::fmt;

use chrono::NaiveDate;

use super::{FieldViolation, Parsed, dates, field, not_empty};

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
        not_empty(
            name,
            field,
            "a session name such as sessions/36 is required",
        )?;
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
    /// The date its report states the financial position at, when it names one.
    pub status_date: Option<NaiveDate>,
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
        if let Some(date) = self.status_date {
            self.check_status_date(date, &field(path, "status_date"))?;
        }
        Ok(self)
    }

    /// The date its report states the financial position at: its own, else the end of the
    /// reporting period.
    pub fn status_date(&self) -> NaiveDate {
        self.status_date.unwrap_or(self.reporting_period_end)
    }

    /// The dates a status date may take: from the start of the reporting period to the later of
    /// its end and the meeting's last day (a position stated before the period began, or after
    /// the session met, would not be this session's).
    pub fn status_date_range(&self) -> (NaiveDate, NaiveDate) {
        (
            self.reporting_period_start,
            self.reporting_period_end.max(self.end_date),
        )
    }

    /// Checks a status date (the session's own or one asked for a report) against
    /// [`Session::status_date_range`].
    pub fn check_status_date(&self, date: NaiveDate, field: &str) -> Parsed<NaiveDate> {
        let (first, last) = self.status_date_range();
        if date < first || date > last {
            return Err(FieldViolation::new(
                field,
                "STATUS_DATE_OUT_OF_RANGE",
                format!(
                    "the status date of {} lies between {first} (start of its reporting period) \
                     and {last}; got {date}",
                    self.name()
                ),
            ));
        }
        Ok(date)
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
    use crate::domain::assert_refused;

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
            status_date: None,
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
        assert_refused(
            session("2025-06-26", "2025-06-25", "2025-01-01", "2025-05-31").check("s"),
            "s.end_date",
            "END_BEFORE_START",
        );
        assert_refused(
            session("2025-06-25", "2025-06-26", "2025-05-31", "2025-01-01").check("s"),
            "s.reporting_period_end",
            "END_BEFORE_START",
        );
    }

    #[test]
    fn the_status_date_defaults_to_the_period_end_and_stays_in_range() {
        let d = |s| dates::parse_date(s, "d").unwrap();
        let s = session("2025-06-25", "2025-06-26", "2025-01-01", "2025-05-31");
        assert_eq!(s.status_date(), d("2025-05-31"));
        // From the period's start to the meeting's last day, which is after the period's end.
        for ok in ["2025-01-01", "2025-05-31", "2025-06-26"] {
            let with = Session {
                status_date: Some(d(ok)),
                ..s.clone()
            };
            assert_eq!(with.clone().check("s").unwrap().status_date(), d(ok));
        }
        for bad in ["2024-12-31", "2025-06-27", "2026-05-31"] {
            let err = Session {
                status_date: Some(d(bad)),
                ..s.clone()
            }
            .check("s")
            .unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.reason),
                ("s.status_date", "STATUS_DATE_OUT_OF_RANGE"),
                "{bad}"
            );
        }
        // A period that ends after the meeting bounds the range by its own end.
        let autumn = session("2025-10-27", "2025-10-28", "2025-07-01", "2025-12-31");
        assert_eq!(
            autumn.status_date_range(),
            (d("2025-07-01"), d("2025-12-31"))
        );
    }

    #[test]
    fn body_and_number_cannot_change() {
        let key = SessionKey::new(Body::Scpf, 36, "n").unwrap();
        assert!(check_same_identity(key, None, 0, "s").is_ok());
        assert!(check_same_identity(key, Some(Body::Scpf), 36, "s").is_ok());
        assert_refused(
            check_same_identity(key, Some(Body::Council), 0, "s"),
            "s.body",
            "IMMUTABLE_FIELD",
        );
        assert_refused(
            check_same_identity(key, None, 37, "s"),
            "s.number",
            "IMMUTABLE_FIELD",
        );
    }
}
