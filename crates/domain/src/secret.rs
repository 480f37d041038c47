use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const API_KEY_PREFIX: &str = "KEY";
const MIN_API_KEY_LEN: usize = 24;
const MAX_API_KEY_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    #[error("an API key starts with `KEY` and has 24 to 128 letters, digits, `-` or `_`")]
    Shape,
}

/// A bearer API key. A secret: `Debug` never shows it and only its hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn parse(raw: &str) -> Result<Self, ApiKeyError> {
        let shaped = raw.starts_with(API_KEY_PREFIX)
            && (MIN_API_KEY_LEN..=MAX_API_KEY_LEN).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if shaped {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ApiKeyError::Shape)
        }
    }

    /// A new key from 32 bytes of the caller's randomness (the domain does no I/O).
    pub fn from_random_bytes(bytes: [u8; 32]) -> Self {
        Self(format!("{API_KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The plaintext, to hand to its owner once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// SHA-256 is enough for 256 bits of entropy; slow hashes are for guessable secrets.
    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// The stored form of an API key. Keys are found by this hash (an index look-up), so the secret
/// itself is never compared: there is no secret-dependent comparison to time.
#[derive(Clone, Copy, Hash, PartialEq, Eq)]
pub struct ApiKeyHash([u8; 32]);

impl ApiKeyHash {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// From bytes received over the wire; `None` unless exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyHash(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_hash_stably() {
        let key = ApiKey::from_random_bytes([7; 32]);
        assert_eq!(ApiKey::parse(key.expose()), Ok(key.clone()));
        assert_eq!(
            key.hash(),
            ApiKey::parse(key.expose()).expect("valid").hash()
        );
        assert_ne!(key.hash(), ApiKey::from_random_bytes([8; 32]).hash());
        assert_eq!(
            ApiKeyHash::from_slice(key.hash().as_bytes()),
            Some(key.hash())
        );
        assert_eq!(ApiKeyHash::from_slice(&[0; 31]), None);
    }

    #[test]
    fn malformed_keys_are_refused() {
        for raw in [
            "",
            "KEY",
            "nokeyprefix_abcdefghijklmnopqrstu",
            "KEYabcdefghijklmnopqrstu v",
            "KEYshort",
        ] {
            assert_eq!(ApiKey::parse(raw), Err(ApiKeyError::Shape), "{raw:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = ApiKey::from_random_bytes([1; 32]);
        assert_eq!(format!("{key:?}"), "ApiKey(…)");
        assert_eq!(format!("{:?}", key.hash()), "ApiKeyHash(…)");
    }
}
