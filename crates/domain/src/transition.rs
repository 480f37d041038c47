//! The refusal every state machine gives for a transition its current state does not allow.

/// A transition the current state does not allow: names the current and the allowed states.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "The {entity} could not be {action} because it has a status of {current}. The expected status is {}.",
    expected(allowed)
)]
pub struct InvalidTransition {
    pub entity: &'static str,
    pub action: &'static str,
    pub current: &'static str,
    pub allowed: Vec<&'static str>,
}

fn expected(allowed: &[&str]) -> String {
    match allowed {
        [] => "none (it is closed)".to_owned(),
        [one] => (*one).to_owned(),
        many => format!("one of {}", many.join(", ")),
    }
}
