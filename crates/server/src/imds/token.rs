//! IMDSv2 session tokens, kept nowhere: a token carries its own expiry and an HMAC-SHA256 over
//! the instance ID and that expiry under a random key, as Firecracker's MMDS does. The key is
//! the process's, or shared by every server of a PostgreSQL store (`share_token_key`). A token
//! is refused on another instance, after its expiry, or by a server with another key.
//! Time is an argument (milliseconds since the Unix epoch), so tests choose it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngExt;
use sha2::Sha256;
use std::sync::atomic::{AtomicU64, Ordering};

/// The range of `X-aws-ec2-metadata-token-ttl-seconds` EC2 accepts.
pub const TTL_SECONDS: std::ops::RangeInclusive<u64> = 1..=21600;

/// Expiry (8 bytes) and serial (8 bytes), then the 32-byte MAC: 64 base64 characters.
const PAYLOAD: usize = 16;
const TOKEN: usize = PAYLOAD + 32;

pub struct Tokens {
    key: [u8; 32],
    /// Makes every PUT a distinct session, even two in the same millisecond.
    serial: AtomicU64,
}

impl Tokens {
    /// A fresh random key: tokens die with the process, as sessions die with a reboot on EC2.
    pub fn random() -> Self {
        Self::with_key(rand::rng().random())
    }

    /// A fresh random key as text (to store).
    pub fn random_key() -> String {
        STANDARD.encode(rand::rng().random::<[u8; 32]>())
    }

    /// Tokens under a key [`random_key`](Self::random_key) wrote; `None` for other text.
    pub fn from_key_text(text: &str) -> Option<Self> {
        let key: [u8; 32] = STANDARD.decode(text).ok()?.try_into().ok()?;
        Some(Self::with_key(key))
    }

    fn with_key(key: [u8; 32]) -> Self {
        Self {
            key,
            serial: AtomicU64::new(0),
        }
    }

    /// A token for `instance_id` valid for `ttl_seconds` from `now_ms`.
    pub fn issue(&self, instance_id: &str, ttl_seconds: u64, now_ms: u64) -> String {
        let expires_ms = now_ms.saturating_add(ttl_seconds.saturating_mul(1000));
        let mut bytes = Vec::with_capacity(TOKEN);
        bytes.extend_from_slice(&expires_ms.to_be_bytes());
        bytes.extend_from_slice(&self.serial.fetch_add(1, Ordering::Relaxed).to_be_bytes());
        let tag = self.mac(instance_id, &bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag);
        STANDARD.encode(bytes)
    }

    /// Whether `token` was issued by this process for `instance_id` and is still valid at
    /// `now_ms` (a token of TTL *n* issued at *t* is refused from *t + n* on).
    pub fn is_valid(&self, instance_id: &str, token: &str, now_ms: u64) -> bool {
        let Ok(bytes) = STANDARD.decode(token) else {
            return false;
        };
        if bytes.len() != TOKEN {
            return false;
        }
        let (payload, tag) = bytes.split_at(PAYLOAD);
        if self.mac(instance_id, payload).verify_slice(tag).is_err() {
            return false;
        }
        let expires_ms = u64::from_be_bytes(payload[..8].try_into().expect("8 bytes"));
        now_ms < expires_ms
    }

    fn mac(&self, instance_id: &str, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(instance_id.as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        mac
    }
}

/// The TTL a token PUT asks for, if it is a whole number of seconds EC2 accepts.
pub fn parse_ttl(header: Option<&str>) -> Option<u64> {
    let text = header?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|ttl| TTL_SECONDS.contains(ttl))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000;

    #[test]
    fn expiry_on_a_fake_clock() {
        let tokens = Tokens::with_key([7; 32]);
        let token = tokens.issue("i-1", 60, T0);
        assert_eq!(token.len(), 64);
        assert!(tokens.is_valid("i-1", &token, T0));
        assert!(tokens.is_valid("i-1", &token, T0 + 59_999));
        assert!(!tokens.is_valid("i-1", &token, T0 + 60_000));
        assert!(!tokens.is_valid("i-1", &token, T0 + 3_600_000));
    }

    #[test]
    fn bound_to_instance_key_and_bytes() {
        let tokens = Tokens::with_key([7; 32]);
        let token = tokens.issue("i-1", 21600, T0);
        assert!(!tokens.is_valid("i-2", &token, T0));
        assert!(!Tokens::with_key([8; 32]).is_valid("i-1", &token, T0));
        let mut bytes = STANDARD.decode(&token).unwrap();
        bytes[3] ^= 1; // a later expiry, forged
        assert!(!tokens.is_valid("i-1", &STANDARD.encode(&bytes), T0));
        for junk in ["", "not base64!", "AAAA", &token[..40]] {
            assert!(!tokens.is_valid("i-1", junk, T0), "{junk}");
        }
    }

    #[test]
    fn a_stored_key_issues_the_same_tokens() {
        let text = Tokens::random_key();
        let (a, b) = (
            Tokens::from_key_text(&text).unwrap(),
            Tokens::from_key_text(&text).unwrap(),
        );
        assert!(b.is_valid("i-1", &a.issue("i-1", 60, T0), T0));
        assert!(Tokens::from_key_text("not a key").is_none());
    }

    #[test]
    fn every_put_is_a_new_session() {
        let tokens = Tokens::random();
        let a = tokens.issue("i-1", 60, T0);
        let b = tokens.issue("i-1", 60, T0);
        assert_ne!(a, b);
        assert!(tokens.is_valid("i-1", &a, T0) && tokens.is_valid("i-1", &b, T0));
    }

    #[test]
    fn ttl_header() {
        assert_eq!(parse_ttl(Some("1")), Some(1));
        assert_eq!(parse_ttl(Some("21600")), Some(21600));
        assert_eq!(parse_ttl(Some(" 60 ")), Some(60));
        for bad in [
            "0",
            "21601",
            "-1",
            "+5",
            "1.5",
            "sixty",
            "",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_ttl(Some(bad)), None, "{bad}");
        }
        assert_eq!(parse_ttl(None), None);
    }
}
