//! Secrets made from the operating system's randomness (the domain types do no I/O).

use textport_domain::ApiKey;

/// A new API key: 32 random bytes behind the `KEY` prefix.
pub fn new_api_key() -> anyhow::Result<ApiKey> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("getrandom: {error}"))?;
    Ok(ApiKey::from_random_bytes(bytes))
}
