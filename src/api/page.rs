//! Page tokens: opaque to clients, signed so that a tampered token is refused, and bound to the
//! method and to the request's filter, parent and as-of so that a token cannot be replayed
//! against a different query.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::{
    domain::FieldViolation,
    error::{Error, Result},
};

const DEFAULT_PAGE_SIZE: i64 = 50;
const MAX_PAGE_SIZE: i64 = 1000;

/// The key that signs page tokens.
#[derive(Clone)]
pub struct PageKey(Vec<u8>);

impl PageKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        PageKey(bytes)
    }

    /// A fresh random key: tokens then work only with this process.
    pub fn random() -> Self {
        PageKey(rand::random::<[u8; 32]>().to_vec())
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }
}

impl std::fmt::Debug for PageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageKey(..)")
    }
}

/// What a List call asks for: how many, and after which item.
pub struct PageRequest<C> {
    /// Items to return.
    pub size: i64,
    /// The last item of the previous page, or `None` for the first page.
    pub after: Option<C>,
    binding: String,
}

#[derive(Serialize, serde::Deserialize)]
struct TokenBody<C> {
    /// Method and query the token belongs to, hashed.
    q: String,
    /// Position: the last item already returned.
    c: C,
}

impl<C: Serialize + DeserializeOwned> PageRequest<C> {
    /// Validates `page_size` and `page_token`. `binding` identifies the query: the method plus
    /// everything that shapes the result (filter, parent, as-of), in a stable spelling.
    pub fn parse(key: &PageKey, page_size: i32, page_token: &str, binding: String) -> Result<Self> {
        let size = match i64::from(page_size) {
            0 => DEFAULT_PAGE_SIZE,
            n if n < 0 => {
                return Err(Error::invalid(
                    "page_size",
                    "INVALID_PAGE_SIZE",
                    format!("page_size must not be negative; got {n}"),
                ));
            }
            n => n.min(MAX_PAGE_SIZE),
        };
        let binding = hex::encode(&Sha256::digest(binding.as_bytes())[..16]);
        let after = if page_token.is_empty() {
            None
        } else {
            let body: TokenBody<C> = decode(key, page_token).ok_or_else(|| {
                Error::from(FieldViolation::new(
                    "page_token",
                    "INVALID_PAGE_TOKEN",
                    "the page token is not one this service issued; start again without it",
                ))
            })?;
            if body.q != binding {
                return Err(Error::invalid(
                    "page_token",
                    "PAGE_TOKEN_MISMATCH",
                    "the page token belongs to a different query; keep filter, parent and as_of unchanged while paging",
                ));
            }
            Some(body.c)
        };
        Ok(PageRequest {
            size,
            after,
            binding,
        })
    }

    /// How many rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Cuts the fetched rows to the page and makes the token of the next page, if there is one.
    pub fn finish<T>(
        &self,
        key: &PageKey,
        mut rows: Vec<T>,
        cursor: impl Fn(&T) -> C,
    ) -> (Vec<T>, String) {
        let more = rows.len() as i64 > self.size;
        rows.truncate(self.size as usize);
        let token = match rows.last() {
            Some(last) if more => encode(
                key,
                &TokenBody {
                    q: self.binding.clone(),
                    c: cursor(last),
                },
            ),
            _ => String::new(),
        };
        (rows, token)
    }
}

fn encode<C: Serialize>(key: &PageKey, body: &TokenBody<C>) -> String {
    let payload = serde_json::to_vec(body).expect("token bodies serialize");
    let mut mac = key.mac();
    mac.update(&payload);
    let tag = mac.finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES])
    )
}

/// Bytes of the HMAC kept in a token. A token must carry all of them: accepting a shorter tag
/// would let anyone forge one by trying the 256 values of a single byte.
const TAG_BYTES: usize = 16;

fn decode<C: DeserializeOwned>(key: &PageKey, token: &str) -> Option<TokenBody<C>> {
    let (payload, tag) = token.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if tag.len() != TAG_BYTES {
        return None;
    }
    let mut mac = key.mac();
    mac.update(&payload);
    mac.verify_truncated_left(&tag).ok()?;
    serde_json::from_slice(&payload).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(key: &PageKey, token: &str, binding: &str) -> Result<PageRequest<String>> {
        PageRequest::parse(key, 2, token, binding.to_owned())
    }

    #[test]
    fn tokens_round_trip_and_refuse_tampering_and_other_queries() {
        let key = PageKey::random();
        let first = page(&key, "", "list a").unwrap();
        let (rows, token) = first.finish(&key, vec!["a", "b", "c"], |s| s.to_string());
        assert_eq!(rows, ["a", "b"]);
        let second = page(&key, &token, "list a").unwrap();
        assert_eq!(second.after.as_deref(), Some("b"));

        let mismatch = page(&key, &token, "list b").err().unwrap();
        assert_eq!(mismatch.reason(), "PAGE_TOKEN_MISMATCH");

        let mut tampered = token.clone();
        tampered.insert(3, 'x');
        assert_eq!(
            page(&key, &tampered, "list a").err().unwrap().reason(),
            "INVALID_PAGE_TOKEN"
        );
        let foreign = PageKey::random();
        assert_eq!(
            page(&foreign, &token, "list a").err().unwrap().reason(),
            "INVALID_PAGE_TOKEN"
        );
    }

    #[test]
    fn page_sizes_are_checked_and_capped() {
        let key = PageKey::random();
        let err = PageRequest::<String>::parse(&key, -1, "", String::new())
            .err()
            .unwrap();
        assert_eq!(err.reason(), "INVALID_PAGE_SIZE");
        assert_eq!(
            PageRequest::<String>::parse(&key, 0, "", String::new())
                .unwrap()
                .size,
            50
        );
        assert_eq!(
            PageRequest::<String>::parse(&key, 5000, "", String::new())
                .unwrap()
                .size,
            1000
        );
    }
}
