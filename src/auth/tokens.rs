//! The tokens file: who may call, and with which role.
//!
//! ```text
//! # comments and blank lines are ignored
//! # sha256:<sha256 of the token, 64 hex digits> <role> <name>
//! sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 admin ops-alice
//! # subject:<certificate subject CN> <role>   (mutual TLS; the CN may contain spaces)
//! subject:report-job reporter
//! ```
//!
//! Only hashes are stored, so the file (a Kubernetes Secret) never holds a usable token; the name
//! of a token is the identity written into the audit trail. `scpf-reports hash-token` prints the
//! hash of a token read from standard input, with its `sha256:` prefix. The prefix is required:
//! a token pasted in place of its hash (tokens are often 64 hex digits too) would otherwise be
//! taken for a hash and never match; without the prefix the line is refused at start.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::policy::Role;

/// Longest token name or certificate subject accepted.
const MAX_NAME: usize = 128;

/// A known token's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

/// The parsed file: token hashes and certificate subjects, each with a role.
#[derive(Debug, Default)]
pub struct Credentials {
    tokens: HashMap<[u8; 32], Principal>,
    subjects: HashMap<String, Role>,
}

/// Why a tokens file was refused. It names the line, never its content: a line may be a token
/// pasted by mistake instead of its hash.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TokensFileError {
    pub line: usize,
    pub problem: String,
}

/// The prefix of a token hash in the tokens file.
const HASH_PREFIX: &str = "sha256:";

/// `sha256:` and the SHA-256 of a token in lowercase hex: what the tokens file holds.
pub fn hash_token(token: &SecretString) -> String {
    format!(
        "{HASH_PREFIX}{}",
        hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
    )
}

impl Credentials {
    pub fn parse(text: &str) -> Result<Credentials, TokensFileError> {
        let mut credentials = Credentials::default();
        let mut names = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let fail = |problem: String| TokensFileError { line, problem };
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if let Some(rest) = content.strip_prefix("subject:") {
                let (subject, role) = rest
                    .trim()
                    .rsplit_once(char::is_whitespace)
                    .ok_or_else(|| fail("expected `subject:<certificate CN> <role>`".into()))?;
                let subject = subject.trim();
                let role = parse_role(role).map_err(fail)?;
                if subject.is_empty() || subject.len() > MAX_NAME {
                    return Err(fail(format!(
                        "the subject must have 1 to {MAX_NAME} characters"
                    )));
                }
                if credentials
                    .subjects
                    .insert(subject.to_owned(), role)
                    .is_some()
                {
                    return Err(fail(format!("subject {subject:?} is listed twice")));
                }
                continue;
            }
            let fields: Vec<&str> = content.split_whitespace().collect();
            let [hash, role, name] = fields[..] else {
                return Err(fail(
                    "expected `<sha256-hex> <role> <name>` or `subject:<certificate CN> <role>`"
                        .into(),
                ));
            };
            let hash = match hash.strip_prefix(HASH_PREFIX) {
                Some(hex) => parse_hash(hex).ok_or_else(|| {
                    fail("after `sha256:` come the token's SHA-256 as 64 hex digits (see `scpf-reports hash-token`)".into())
                })?,
                None => {
                    return Err(fail(
                        "the first field is not `sha256:<64 hex digits>`; if it is a token, it must not be here: put the output of `scpf-reports hash-token` in its place"
                            .into(),
                    ));
                }
            };
            let role = parse_role(role).map_err(fail)?;
            if name.len() > MAX_NAME
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._@:-".contains(c))
            {
                return Err(fail(format!(
                    "the name must have at most {MAX_NAME} letters, digits or ._@:- characters"
                )));
            }
            if let Some(first) = names.insert(name.to_owned(), line) {
                return Err(fail(format!(
                    "the name {name:?} is already used on line {first}"
                )));
            }
            let principal = Principal {
                name: name.to_owned(),
                role,
            };
            if credentials.tokens.insert(hash, principal).is_some() {
                return Err(fail("the same token hash is listed twice".into()));
            }
        }
        Ok(credentials)
    }

    /// The principal a bearer token belongs to.
    pub fn token(&self, token: &SecretString) -> Option<&Principal> {
        let hash: [u8; 32] = Sha256::digest(token.expose_secret().as_bytes()).into();
        self.tokens.get(&hash)
    }

    /// The role of a certificate subject.
    pub fn subject(&self, common_name: &str) -> Option<Role> {
        self.subjects.get(common_name).copied()
    }

    /// How many tokens and subjects the file holds, for the log.
    pub fn counts(&self) -> (usize, usize) {
        (self.tokens.len(), self.subjects.len())
    }
}

fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let mut hash = [0u8; 32];
    hex::decode_to_slice(text.to_ascii_lowercase(), &mut hash).ok()?;
    Some(hash)
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        format!("unknown role {text:?}; the roles are viewer, editor, reporter and admin")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn tokens_and_subjects_are_read_with_their_roles() {
        // Hex digits in upper case are read as well.
        let upper = format!(
            "sha256:{}",
            hash_token(&secret("dash-token"))["sha256:".len()..].to_uppercase()
        );
        let text = format!(
            "# operators\n\n{} admin ops-alice\n  {upper} viewer dashboards \nsubject:report job reporter\n",
            hash_token(&secret("alice-token")),
        );
        let credentials = Credentials::parse(&text).unwrap();
        assert_eq!(
            credentials.token(&secret("alice-token")),
            Some(&Principal {
                name: "ops-alice".into(),
                role: Role::Admin
            })
        );
        assert_eq!(
            credentials.token(&secret("dash-token")).map(|p| p.role),
            Some(Role::Viewer)
        );
        assert_eq!(credentials.token(&secret("other")), None);
        assert_eq!(credentials.subject("report job"), Some(Role::Reporter));
        assert_eq!(credentials.counts(), (2, 1));
    }

    #[test]
    fn bad_lines_are_refused_with_their_number_and_without_their_content() {
        let hash = hash_token(&secret("t"));
        for (text, line, says) in [
            ("a-raw-token admin ops".to_owned(), 1, "sha256:"),
            // A raw token of 64 hex digits looks like a bare hash: refused all the same.
            (format!("{} admin ops", "a".repeat(64)), 1, "hash-token"),
            ("sha256:abc admin ops".to_owned(), 1, "64 hex digits"),
            (format!("\n{hash} owner ops"), 2, "unknown role"),
            (format!("{hash} admin"), 1, "expected"),
            (format!("{hash} admin ops extra"), 1, "expected"),
            (format!("{hash} admin ops\n{hash} viewer ops2"), 2, "twice"),
            (
                format!("{hash} admin ops\n{} viewer ops", hash_token(&secret("u"))),
                2,
                "already used",
            ),
            (format!("{hash} admin o/ps"), 1, "name"),
            ("subject:reporter".to_owned(), 1, "expected"),
            (
                "subject:job admin\nsubject:job viewer".to_owned(),
                2,
                "twice",
            ),
        ] {
            let err = Credentials::parse(&text).expect_err(&text);
            assert_eq!(err.line, line, "{text}: {err}");
            assert!(err.problem.contains(says), "{text}: {err}");
            assert!(!err.to_string().contains("a-raw-token"));
            assert!(!err.to_string().contains(&"a".repeat(64)));
        }
    }

    #[test]
    fn the_hash_is_lowercase_sha256_hex() {
        assert_eq!(
            hash_token(&secret("test")),
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
    }
}
