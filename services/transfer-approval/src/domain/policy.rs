//! The holder's transfer policy: whether its numbers' requests wait on its decision (and for how
//! long, and what the window's end decides), or are approved as they open, by mode or because
//! the receiver is on its allowlist. What it makes of a request is fixed when the request opens.

use chrono::{DateTime, Duration, Utc};
use textport_domain::AccountId;

use super::Verdict;

/// The longest approval window, a holder's or a deployment's: a year.
pub const MAX_WINDOW_HOURS: u32 = 365 * 24;
/// The most receiving accounts one allowlist names.
pub const MAX_ALLOWLIST: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The holder decides within the window; the window's end approves.
    RequireApproval,
    /// Every request is approved as it opens.
    ApproveImmediately,
    /// The holder decides within the window; the window's end rejects.
    RejectAtDeadline,
}

impl Mode {
    const ALL: [Self; 3] = [
        Self::RequireApproval,
        Self::ApproveImmediately,
        Self::RejectAtDeadline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequireApproval => "require_approval",
            Self::ApproveImmediately => "approve_immediately",
            Self::RejectAtDeadline => "reject_at_deadline",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == text)
    }
}

/// What a pending request becomes when its window lapses. Kept on the request, so a policy
/// changed later does not alter requests already open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AtDeadline {
    Approve,
    Reject,
}

impl AtDeadline {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Approve, Self::Reject]
            .into_iter()
            .find(|at| at.as_str() == text)
    }

    pub fn verdict(self) -> Verdict {
        match self {
            Self::Approve => Verdict::AutoApproved,
            Self::Reject => Verdict::Rejected,
        }
    }
}

/// What the holder's policy makes of one request as it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub window: Duration,
    pub at_deadline: AtDeadline,
    /// Approved as it opens, without asking the holder.
    pub at_once: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferPolicy {
    pub mode: Mode,
    /// `None`: the service's window, whatever it is when a request opens.
    pub window_hours: Option<u32>,
    /// Receiving accounts approved as they ask, whatever the mode; each once, in the order given.
    pub allowlist: Vec<AccountId>,
    /// `None` while the holder never set one.
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("window_hours must be 1 to {MAX_WINDOW_HOURS}, not {0}")]
    WindowOutOfRange(u32),
    #[error("allowlist names at most {MAX_ALLOWLIST} accounts, not {0}")]
    AllowlistTooLong(usize),
}

impl Default for TransferPolicy {
    /// A holder that never set a policy decides every request, within the service's window.
    fn default() -> Self {
        Self {
            mode: Mode::RequireApproval,
            window_hours: None,
            allowlist: Vec::new(),
            updated_at: None,
        }
    }
}

impl TransferPolicy {
    /// The policy a holder sets at `now`; the allowlist keeps each account once.
    pub fn new(
        mode: Mode,
        window_hours: Option<u32>,
        allowlist: Vec<AccountId>,
        now: DateTime<Utc>,
    ) -> Result<Self, PolicyError> {
        if let Some(hours) = window_hours.filter(|h| !(1..=MAX_WINDOW_HOURS).contains(h)) {
            return Err(PolicyError::WindowOutOfRange(hours));
        }
        let mut unique: Vec<AccountId> = Vec::with_capacity(allowlist.len());
        for account in allowlist {
            if !unique.contains(&account) {
                unique.push(account);
            }
        }
        if unique.len() > MAX_ALLOWLIST {
            return Err(PolicyError::AllowlistTooLong(unique.len()));
        }
        Ok(Self {
            mode,
            window_hours,
            allowlist: unique,
            updated_at: Some(now),
        })
    }

    /// The window in hours: the holder's, or `service_hours`.
    pub fn window_hours_or(&self, service_hours: u32) -> u32 {
        self.window_hours.unwrap_or(service_hours)
    }

    /// What this policy makes of a request from `receiver`, with `service_hours` as the window
    /// when the holder set none.
    pub fn terms(&self, receiver: AccountId, service_hours: u32) -> Terms {
        Terms {
            window: Duration::hours(i64::from(self.window_hours_or(service_hours))),
            at_deadline: match self.mode {
                Mode::RejectAtDeadline => AtDeadline::Reject,
                Mode::RequireApproval | Mode::ApproveImmediately => AtDeadline::Approve,
            },
            at_once: self.mode == Mode::ApproveImmediately || self.allowlist.contains(&receiver),
        }
    }
}
