//! The one-time token a holder decides with: 32 random bytes in base64url, sent only in the
//! holder's e-mail, kept only as its SHA-256 (a fast hash is right for a secret of 256 bits:
//! slow hashes are for guessable ones).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::{CtOutput, Output};
use sha2::{Digest as _, Sha256};

/// A token as issued or as presented. A secret: `Debug` never shows it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub const RANDOM_BYTES: usize = 32;

    /// A new token from the caller's randomness (the domain does no I/O).
    pub fn from_random_bytes(bytes: [u8; Self::RANDOM_BYTES]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The text a holder sent back, to be checked.
    pub fn presented(text: String) -> Self {
        Self(text)
    }

    /// The plaintext, for the holder's e-mail only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The stored form of a token. Equality is constant-time, so no comparison of a guess can tell
/// by its timing how much of the hash it got right.
#[derive(Clone, Copy)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// From a stored column; `None` unless exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        let ours: CtOutput<Sha256> = CtOutput::new(Output::<Sha256>::from(self.0));
        ours == CtOutput::new(Output::<Sha256>::from(other.0))
    }
}

impl Eq for TokenHash {}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(…)")
    }
}
