//! The transfer rules, without I/O: a request from its opening to its one outcome (the holder's
//! policy approves it as it opens, the holder approves or rejects with its token, the receiver
//! cancels, or the window lapses and it is auto-approved, or auto-rejected if the holder's policy
//! said so when it opened), what an opening may hold, the holder's policy, and the holder's
//! messages. Time comes in as `now`.
//!
//! A lapsed window decides before anything else: once the deadline has passed, the request is
//! closed as its policy said whether or not the sweeper has written it yet, so every answer
//! agrees.

mod message;
mod policy;
mod token;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use textport_domain::{AccountId, E164, OrderId};

pub use message::{ApprovalMessage, approval_link, approval_message};
pub use policy::{
    AtDeadline, MAX_ALLOWLIST, MAX_WINDOW_HOURS, Mode, PolicyError, Terms, TransferPolicy,
};
pub use token::{Token, TokenHash};

textport_domain::typed_id!(
    /// One holder's transfer request of one order.
    TransferRequestId,
    "transfer request id"
);

/// A request's decision as the contract shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Pending,
    Approved,
    Rejected,
    AutoApproved,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::AutoApproved => "auto_approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Approved,
            Self::Rejected,
            Self::AutoApproved,
        ]
        .into_iter()
        .find(|decision| decision.as_str() == text)
    }
}

/// How a request was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Approved,
    Rejected,
    /// The receiver cancelled or deleted the order: a rejection.
    CancelledByReceiver,
    /// The window lapsed with no decision, or the holder's policy approved it as it opened.
    AutoApproved,
}

impl Verdict {
    pub fn decision(self) -> Decision {
        match self {
            Self::Approved => Decision::Approved,
            Self::Rejected | Self::CancelledByReceiver => Decision::Rejected,
            Self::AutoApproved => Decision::AutoApproved,
        }
    }

    /// Why a decision on a request closed this way is refused.
    pub fn detail(self) -> &'static str {
        match self {
            Self::Approved => "The transfer request was already approved.",
            Self::Rejected => "The transfer request was already rejected.",
            Self::CancelledByReceiver => {
                "The receiving account cancelled the order; the transfer request is closed."
            }
            Self::AutoApproved => "The transfer was approved automatically.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Outcome {
    pub verdict: Verdict,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Waiting on the holder, who holds the token of this hash.
    Pending { token: TokenHash },
    /// Decided once and for all; the token is forgotten.
    Closed(Outcome),
}

/// The holder's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Approve,
    Reject,
}

/// Why a holder's decision was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not this request's token; nothing changed.
    WrongToken,
    Closed(Verdict),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRequest {
    pub id: TransferRequestId,
    pub order: OrderId,
    pub phone_numbers: Vec<E164>,
    /// The holder, who decides.
    pub from: AccountId,
    /// The receiver: the order's account.
    pub to: AccountId,
    /// The receiver's account name when the request opened, for the holder to see.
    pub to_name: String,
    pub approval_deadline: DateTime<Utc>,
    /// What the window's end decides, by the holder's policy when the request opened.
    pub at_deadline: AtDeadline,
    pub state: State,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TransferRequest {
    /// The request for one holding of `opening` on the holder's `terms`: pending, due to lapse
    /// their window from `now`, or auto-approved at once (the token is then never used).
    pub fn open(
        opening: &Opening,
        holding: &Holding,
        token: TokenHash,
        now: DateTime<Utc>,
        terms: Terms,
    ) -> Self {
        let state = if terms.at_once {
            State::Closed(Outcome {
                verdict: Verdict::AutoApproved,
                at: now,
            })
        } else {
            State::Pending { token }
        };
        Self {
            id: TransferRequestId::new(),
            order: opening.order,
            phone_numbers: holding.phone_numbers.clone(),
            from: holding.from,
            to: opening.to,
            to_name: opening.to_name.clone(),
            approval_deadline: now + terms.window,
            at_deadline: terms.at_deadline,
            state,
            created_at: now,
            updated_at: now,
        }
    }

    pub fn decision(&self) -> Decision {
        match &self.state {
            State::Pending { .. } => Decision::Pending,
            State::Closed(outcome) => outcome.verdict.decision(),
        }
    }

    pub fn outcome(&self) -> Option<Outcome> {
        match &self.state {
            State::Pending { .. } => None,
            State::Closed(outcome) => Some(*outcome),
        }
    }

    pub fn cancelled_by_receiver(&self) -> bool {
        self.outcome()
            .is_some_and(|outcome| outcome.verdict == Verdict::CancelledByReceiver)
    }

    /// Whether the window has lapsed on a pending request.
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        matches!(self.state, State::Pending { .. }) && now >= self.approval_deadline
    }

    /// Closes a pending request whose window lapsed as its policy said (auto-approved, or
    /// rejected); answers whether it did.
    pub fn lapse(&mut self, now: DateTime<Utc>) -> bool {
        let lapsed = self.lapsed(now);
        if lapsed {
            self.close(self.at_deadline.verdict(), now);
        }
        lapsed
    }

    /// The receiver cancelled the order: a pending request is rejected, unless its window had
    /// already lapsed (then it was closed by its policy first). Answers whether it changed.
    pub fn cancel(&mut self, now: DateTime<Utc>) -> bool {
        if self.lapse(now) {
            return true;
        }
        let pending = matches!(self.state, State::Pending { .. });
        if pending {
            self.close(Verdict::CancelledByReceiver, now);
        }
        pending
    }

    /// The holder's decision with the token it presented. A wrong token changes nothing; on a
    /// pending request whose window lapsed, the right one finds it closed by its policy (and so
    /// changes it, for the sweeper may not have come yet).
    pub fn decide(
        &mut self,
        choice: Choice,
        presented: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        match &self.state {
            State::Closed(outcome) => return Err(Refusal::Closed(outcome.verdict)),
            State::Pending { token } if token != presented => return Err(Refusal::WrongToken),
            State::Pending { .. } => {}
        }
        if self.lapse(now) {
            return Err(Refusal::Closed(self.at_deadline.verdict()));
        }
        let verdict = match choice {
            Choice::Approve => Verdict::Approved,
            Choice::Reject => Verdict::Rejected,
        };
        self.close(verdict, now);
        Ok(())
    }

    fn close(&mut self, verdict: Verdict, now: DateTime<Utc>) {
        self.state = State::Closed(Outcome { verdict, at: now });
        self.updated_at = now;
    }
}

/// One holder's numbers in an opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub from: AccountId,
    pub phone_numbers: Vec<E164>,
}

/// What an `OpenTransfers` asks: one request per holder of the order's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub order: OrderId,
    pub to: AccountId,
    /// The receiver's account name, for the holder's messages.
    pub to_name: String,
    /// One per holder, in the order first named.
    pub holdings: Vec<Holding>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    #[error("an opening names no holdings")]
    NoHoldings,
    #[error("the holding of {0} names no numbers")]
    NoNumbers(AccountId),
    #[error("{0} would transfer numbers to itself")]
    HolderIsReceiver(AccountId),
}

impl Opening {
    /// Holdings of the same holder are merged, each number kept once.
    pub fn new(
        order: OrderId,
        to: AccountId,
        to_name: String,
        holdings: Vec<Holding>,
    ) -> Result<Self, OpeningError> {
        if holdings.is_empty() {
            return Err(OpeningError::NoHoldings);
        }
        let mut merged: Vec<Holding> = Vec::with_capacity(holdings.len());
        let mut at: HashMap<AccountId, usize> = HashMap::new();
        let mut seen: HashSet<(AccountId, E164)> = HashSet::new();
        for holding in holdings {
            if holding.phone_numbers.is_empty() {
                return Err(OpeningError::NoNumbers(holding.from));
            }
            if holding.from == to {
                return Err(OpeningError::HolderIsReceiver(to));
            }
            let index = *at.entry(holding.from).or_insert_with(|| {
                merged.push(Holding {
                    from: holding.from,
                    phone_numbers: Vec::new(),
                });
                merged.len() - 1
            });
            for number in holding.phone_numbers {
                if seen.insert((holding.from, number.clone())) {
                    merged[index].phone_numbers.push(number);
                }
            }
        }
        Ok(Self {
            order,
            to,
            to_name,
            holdings: merged,
        })
    }
}
