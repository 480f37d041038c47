//! The deployment's Ed25519 webhook key: generated once and kept in the notifier's database, or
//! supplied by configuration (a Kubernetes Secret) so every replica signs with the same key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};

use crate::domain::signed_message;

#[derive(Clone)]
pub struct WebhookSigner {
    key: SigningKey,
}

impl WebhookSigner {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// A key from the base64 of its 32-byte seed, as configuration gives it.
    pub fn from_base64_seed(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(text.trim())?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("a signing key seed is 32 bytes"))?;
        Ok(Self::from_seed(seed))
    }

    pub fn generate_seed() -> anyhow::Result<[u8; 32]> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|error| anyhow::anyhow!("no entropy: {error}"))?;
        Ok(seed)
    }

    /// Base64 (standard, padded) of the raw 32-byte public key: what the SDKs take.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().to_bytes())
    }

    /// The `telnyx-signature-ed25519` header for `body` sent at `timestamp` (Unix seconds).
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        STANDARD.encode(self.key.sign(&signed_message(timestamp, body)).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    use super::*;

    #[test]
    fn a_signature_verifies_with_the_published_key_and_not_on_a_tampered_body() {
        let signer = WebhookSigner::from_seed([7; 32]);
        let key_bytes: [u8; 32] = STANDARD
            .decode(signer.public_key())
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        let key = VerifyingKey::from_bytes(&key_bytes).expect("key");
        let signature_bytes: [u8; 64] = STANDARD
            .decode(signer.sign(1_700_000_000, b"{\"a\":1}"))
            .expect("base64")
            .try_into()
            .expect("64 bytes");
        let signature = Signature::from_bytes(&signature_bytes);
        assert!(key.verify(b"1700000000|{\"a\":1}", &signature).is_ok());
        assert!(key.verify(b"1700000000|{\"a\":2}", &signature).is_err());
        assert_eq!(signer.public_key().len(), 44);
    }

    #[test]
    fn a_configured_seed_must_be_32_bytes() {
        assert!(WebhookSigner::from_base64_seed(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(WebhookSigner::from_base64_seed(&STANDARD.encode([1u8; 31])).is_err());
        assert!(WebhookSigner::from_base64_seed("not base64!").is_err());
    }
}
