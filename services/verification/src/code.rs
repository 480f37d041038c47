//! Codes from the OS's randomness, and their keyed hash: HMAC-SHA256 under the deployment's
//! pepper (configured, or generated once and kept in the service's database), so a copy of the
//! table alone cannot be searched through the million possible codes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{Code, CodeHash, VerificationCodeId};

type HmacSha256 = Hmac<Sha256>;

/// A fresh code, uniformly one of the million.
pub fn generate() -> anyhow::Result<Code> {
    loop {
        let bits = getrandom::u32().map_err(|error| anyhow::anyhow!("no entropy: {error}"))?;
        if let Some(code) = Code::from_random(bits) {
            return Ok(code);
        }
    }
}

/// The pepper codes are hashed under. `Debug` shows none of it.
#[derive(Clone)]
pub struct CodeKey {
    /// The HMAC with the key absorbed, cloned for each code.
    keyed: HmacSha256,
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey(..)")
    }
}

impl CodeKey {
    pub const LEN: usize = 32;

    pub fn from_bytes(key: &[u8]) -> anyhow::Result<Self> {
        anyhow::ensure!(
            key.len() == Self::LEN,
            "a code key is {} bytes, not {}",
            Self::LEN,
            key.len()
        );
        let keyed = HmacSha256::new_from_slice(key)
            .map_err(|error| anyhow::anyhow!("a code key: {error}"))?;
        Ok(Self { keyed })
    }

    /// A key from the base64 of its 32 bytes, as configuration gives it.
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        Self::from_bytes(&STANDARD.decode(text.trim())?)
    }

    pub fn generate() -> anyhow::Result<[u8; Self::LEN]> {
        let mut key = [0u8; Self::LEN];
        getrandom::fill(&mut key).map_err(|error| anyhow::anyhow!("no entropy: {error}"))?;
        Ok(key)
    }

    /// The code's id goes into the hash, so equal codes sent to two numbers hash apart.
    fn mac(&self, id: VerificationCodeId, code: &[u8]) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(id.as_uuid().as_bytes());
        mac.update(code);
        mac
    }

    pub fn hash(&self, id: VerificationCodeId, code: &Code) -> CodeHash {
        CodeHash(
            self.mac(id, code.digits().as_bytes())
                .finalize()
                .into_bytes()
                .to_vec(),
        )
    }

    /// Whether `attempt` is the code hashed as `hash`, compared in constant time.
    pub fn verifies(&self, id: VerificationCodeId, attempt: &str, hash: &CodeHash) -> bool {
        self.mac(id, attempt.as_bytes())
            .verify_slice(&hash.0)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CodeKey {
        CodeKey::from_bytes(&[byte; CodeKey::LEN]).expect("32 bytes")
    }

    #[test]
    fn a_code_verifies_under_its_key_and_id_only() {
        let code = generate().expect("entropy");
        let id = VerificationCodeId::new();
        let hash = key(1).hash(id, &code);
        assert_eq!(hash.0.len(), 32);
        assert!(key(1).verifies(id, code.digits(), &hash));
        assert!(!key(2).verifies(id, code.digits(), &hash));
        assert!(!key(1).verifies(VerificationCodeId::new(), code.digits(), &hash));
        assert!(!key(1).verifies(id, "", &hash));
        assert!(!key(1).verifies(id, &format!("{}0", code.digits()), &hash));
    }

    #[test]
    fn generated_codes_are_six_digits() {
        for _ in 0..100 {
            let code = generate().expect("entropy");
            assert_eq!(code.digits().len(), 6);
            assert!(code.digits().bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn a_configured_key_is_32_bytes_of_base64_and_never_shown() {
        let text = STANDARD.encode([7u8; 32]);
        let key = CodeKey::from_base64(&text).expect("valid");
        assert_eq!(format!("{key:?}"), "CodeKey(..)");
        assert!(CodeKey::from_base64(&STANDARD.encode([7u8; 31])).is_err());
        assert!(CodeKey::from_base64("not base64!").is_err());
    }
}
