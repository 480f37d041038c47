//! The hosted order's rules, without I/O: the order and number state machines, how number
//! changes settle the order's status, what an open order waits on, and the webhook payload.

mod status;

pub use status::{
    InvalidTransition, NUMBER_FAILURES, NumberEvent, NumberStatus, ORDER_FAILURES, OrderEvent,
    OrderStatus,
};

use chrono::{DateTime, Utc};
use serde::Serialize;
use textport_domain::{AccountId, E164, HostedNumberId, MessagingProfileId, OrderId};

/// Who made a change, for the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Customer,
    Operator,
    System,
    Sandbox,
    /// The account that held a number moving by internal transfer.
    Holder,
}

impl Actor {
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Operator => "operator",
            Actor::System => "system",
            Actor::Sandbox => "sandbox",
            Actor::Holder => "holder",
        }
    }
}

/// The holder's decision on a number that moves by internal transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferDecision {
    Pending,
    Approved,
    Rejected,
    /// The window lapsed with no decision.
    AutoApproved,
}

impl TransferDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferDecision::Pending => "pending",
            TransferDecision::Approved => "approved",
            TransferDecision::Rejected => "rejected",
            TransferDecision::AutoApproved => "auto_approved",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            TransferDecision::Pending,
            TransferDecision::Approved,
            TransferDecision::Rejected,
            TransferDecision::AutoApproved,
        ]
        .into_iter()
        .find(|d| d.as_str() == text)
    }

    /// The webhooks' `decision`: an auto-approval is an approval.
    pub fn public(self) -> &'static str {
        match self {
            TransferDecision::Pending => "pending",
            TransferDecision::Approved | TransferDecision::AutoApproved => "approved",
            TransferDecision::Rejected => "rejected",
        }
    }
}

/// What an open order waits on (beyond Telnyx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitingOn {
    CustomerVerification,
    Documents,
    Review,
    Carrier,
}

impl WaitingOn {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingOn::CustomerVerification => "customer_verification",
            WaitingOn::Documents => "documents",
            WaitingOn::Review => "review",
            WaitingOn::Carrier => "carrier",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            WaitingOn::CustomerVerification,
            WaitingOn::Documents,
            WaitingOn::Review,
            WaitingOn::Carrier,
        ]
        .into_iter()
        .find(|w| w.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    pub id: HostedNumberId,
    pub phone_number: E164,
    pub status: NumberStatus,
    /// The account it moves from, by internal transfer.
    pub transfer_from: Option<AccountId>,
    /// With `transfer_from`: the holder's decision so far.
    pub transfer_decision: Option<TransferDecision>,
    /// With `transfer_from`, once the holder was asked: when the window lapses.
    pub approval_deadline: Option<DateTime<Utc>>,
    /// The 10DLC campaign an internal transfer's activation removes.
    pub campaign_id: Option<String>,
    pub messaging_profile_id: Option<MessagingProfileId>,
    pub messaging_product: String,
    pub tags: Vec<String>,
    pub code_attempts_remaining: Option<u32>,
    pub code_resend_allowed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One uploaded document's metadata; the bytes live in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: uuid::Uuid,
    pub filename: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub account: AccountId,
    pub messaging_profile_id: Option<MessagingProfileId>,
    pub status: OrderStatus,
    pub numbers: Vec<Number>,
    pub loa: Option<Document>,
    pub bill: Option<Document>,
    pub failure_reason: String,
    pub waiting_on: Option<WaitingOn>,
    pub waiting_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write, so two concurrent changes cannot both apply.
    pub version: i64,
}

/// One status change, as the timeline records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `None`: the order itself.
    pub phone_number: Option<E164>,
    pub from: Option<&'static str>,
    pub to: &'static str,
    pub reason: String,
}

/// The changes one use case made to an order, in order.
#[derive(Debug, Default)]
pub struct Changes(pub Vec<Change>);

impl Order {
    /// Moves the order by `event`, recording the change.
    pub fn transition(
        &mut self,
        event: OrderEvent,
        reason: impl Into<String>,
        changes: &mut Changes,
    ) -> Result<(), InvalidTransition> {
        let next = self.status.apply(event)?;
        changes.0.push(Change {
            phone_number: None,
            from: Some(self.status.as_str()),
            to: next.as_str(),
            reason: reason.into(),
        });
        self.status = next;
        Ok(())
    }

    /// Moves the number at `index` by `event`, recording the change.
    pub fn transition_number(
        &mut self,
        index: usize,
        event: NumberEvent,
        reason: impl Into<String>,
        changes: &mut Changes,
    ) -> Result<(), InvalidTransition> {
        let number = &mut self.numbers[index];
        let next = number.status.apply(event)?;
        changes.0.push(Change {
            phone_number: Some(number.phone_number.clone()),
            from: Some(number.status.as_str()),
            to: next.as_str(),
            reason: reason.into(),
        });
        number.status = next;
        Ok(())
    }

    /// Whether the number may prove ownership: it moves by no transfer, or its holder approved.
    pub fn cleared(&self, index: usize) -> bool {
        matches!(
            self.numbers[index].transfer_decision,
            None | Some(TransferDecision::Approved | TransferDecision::AutoApproved)
        )
    }

    /// Applies a holder's decision (or the opening of its request, `Pending` with a deadline)
    /// to the numbers it holds, only forward: a number already decided keeps its decision.
    /// Answers the webhook the change calls for, if anything changed.
    pub fn apply_transfer(
        &mut self,
        holder: AccountId,
        decision: TransferDecision,
        deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        changes: &mut Changes,
    ) -> Result<Option<&'static str>, InvalidTransition> {
        let mut changed = false;
        for index in 0..self.numbers.len() {
            let number = &self.numbers[index];
            if number.transfer_from != Some(holder)
                || number.transfer_decision != Some(TransferDecision::Pending)
            {
                continue;
            }
            match decision {
                TransferDecision::Pending => {
                    if number.approval_deadline.is_none() && deadline.is_some() {
                        self.numbers[index].approval_deadline = deadline;
                        self.numbers[index].updated_at = now;
                        changed = true;
                    }
                }
                TransferDecision::Approved | TransferDecision::AutoApproved => {
                    self.numbers[index].transfer_decision = Some(decision);
                    self.numbers[index].updated_at = now;
                    changed = true;
                }
                TransferDecision::Rejected => {
                    self.numbers[index].transfer_decision = Some(decision);
                    self.numbers[index].updated_at = now;
                    changed = true;
                    if self.numbers[index].status.is_live() {
                        self.transition_number(
                            index,
                            NumberEvent::Fail(NumberStatus::Failed),
                            "the holder rejected the internal transfer",
                            changes,
                        )?;
                    }
                }
            }
        }
        if !changed {
            return Ok(None);
        }
        self.settle(changes)?;
        Ok(Some(match decision {
            TransferDecision::Pending => "internal_transfer_approval_requested",
            TransferDecision::Approved => "internal_transfer_approved",
            TransferDecision::AutoApproved => "internal_transfer_auto_approved",
            TransferDecision::Rejected => "internal_transfer_rejected",
        }))
    }

    /// The order as a number's holder may see it: the numbers it holds, not the receiver's
    /// profile or documents.
    pub fn as_seen_by(mut self, holder: AccountId) -> Order {
        self.numbers.retain(|n| n.transfer_from == Some(holder));
        self.messaging_profile_id = None;
        self.loa = None;
        self.bill = None;
        self.failure_reason.clear();
        self
    }

    pub fn index_of(&self, number: &E164) -> Option<usize> {
        self.numbers.iter().position(|n| &n.phone_number == number)
    }

    /// Each number's index, so per-number answers for a large order apply in one pass.
    pub fn positions(&self) -> std::collections::HashMap<E164, usize> {
        self.numbers
            .iter()
            .enumerate()
            .map(|(index, n)| (n.phone_number.clone(), index))
            .collect()
    }

    pub fn documents_complete(&self) -> bool {
        self.loa.is_some() && self.bill.is_some()
    }

    /// The order status its numbers now imply: submitted for review once every live number is
    /// verified and both documents are in; failed once no number is left; settled once
    /// activation answered for every number.
    pub fn settle(&mut self, changes: &mut Changes) -> Result<(), InvalidTransition> {
        let live: Vec<NumberStatus> = self
            .numbers
            .iter()
            .map(|n| n.status)
            .filter(|s| s.is_live())
            .collect();
        let failed: Vec<NumberStatus> = self
            .numbers
            .iter()
            .map(|n| n.status)
            .filter(|s| s.is_failed())
            .collect();
        match self.status {
            OrderStatus::Provisioning => {
                if live.contains(&NumberStatus::Provisioning) {
                    return Ok(());
                }
                if live.contains(&NumberStatus::Successful) {
                    self.transition(OrderEvent::Activated, "activation finished", changes)
                } else {
                    self.transition(
                        OrderEvent::Fail(failure_of(&failed)),
                        "no number could be activated",
                        changes,
                    )
                }
            }
            OrderStatus::Pending
            | OrderStatus::LoaFileSuccessful
            | OrderStatus::LoaFileInvalid
            | OrderStatus::IncompleteDocumentation
                if live.is_empty() && !failed.is_empty() =>
            {
                self.transition(
                    OrderEvent::Fail(failure_of(&failed)),
                    "every number failed",
                    changes,
                )
            }
            OrderStatus::Pending
                if !live.is_empty()
                    && live.iter().all(|s| *s == NumberStatus::OwnershipSuccessful)
                    && self.documents_complete() =>
            {
                self.transition(
                    OrderEvent::DocumentsComplete,
                    "ownership verified and documents uploaded",
                    changes,
                )
            }
            _ => Ok(()),
        }
    }

    /// What the order waits on now; `None` once it is closed.
    pub fn waiting(&self) -> Option<WaitingOn> {
        match self.status {
            OrderStatus::Pending => Some(
                if self
                    .numbers
                    .iter()
                    .any(|n| n.status == NumberStatus::Pending)
                {
                    WaitingOn::CustomerVerification
                } else {
                    WaitingOn::Documents
                },
            ),
            OrderStatus::LoaFileInvalid | OrderStatus::IncompleteDocumentation => {
                Some(WaitingOn::Documents)
            }
            OrderStatus::LoaFileSuccessful => Some(WaitingOn::Review),
            OrderStatus::Provisioning => Some(WaitingOn::Carrier),
            OrderStatus::Successful
            | OrderStatus::Failed
            | OrderStatus::Deleted
            | OrderStatus::CarrierRejected
            | OrderStatus::IneligibleCarrier
            | OrderStatus::ComplianceReviewFailed
            | OrderStatus::IncorrectBillingInformation => None,
        }
    }

    /// Refreshes `waiting_on`, restarting `waiting_since` when it changed.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        let waiting = self.waiting();
        if waiting != self.waiting_on {
            self.waiting_since = waiting.map(|_| now);
        }
        self.waiting_on = waiting;
        self.updated_at = now;
    }
}

/// The order failure that every number failing this way implies.
fn failure_of(failed: &[NumberStatus]) -> OrderStatus {
    let uniform = |status| !failed.is_empty() && failed.iter().all(|s| *s == status);
    if uniform(NumberStatus::FailedCarrierRejected) {
        OrderStatus::CarrierRejected
    } else if uniform(NumberStatus::FailedIneligibleCarrier) {
        OrderStatus::IneligibleCarrier
    } else {
        OrderStatus::Failed
    }
}

/// `data.payload` of a `messaging_hosted_numbers_orders.*` webhook.
#[derive(Debug, Serialize)]
pub struct EventPayload<'a> {
    pub order_id: String,
    pub order_status: &'static str,
    pub profile_id: Option<String>,
    pub user_id: String,
    pub numbers: Vec<EventNumber<'a>>,
    /// `pending` unless an internal transfer decided.
    pub decision: &'static str,
    /// Unix seconds; only internal-transfer events carry one.
    pub approval_deadline: Option<i64>,
    /// The older texts' name of `decision`, on `.updated` events a transfer decision caused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_decision: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct EventNumber<'a> {
    pub value: &'a str,
    pub status: &'static str,
}

impl Order {
    pub fn event_payload(&self) -> EventPayload<'_> {
        EventPayload {
            order_id: self.id.to_string(),
            order_status: self.status.as_str(),
            profile_id: self.messaging_profile_id.map(|id| id.to_string()),
            user_id: self.account.to_string(),
            numbers: self
                .numbers
                .iter()
                .map(|n| EventNumber {
                    value: n.phone_number.as_str(),
                    status: n.status.as_str(),
                })
                .collect(),
            decision: "pending",
            approval_deadline: None,
            approval_decision: None,
        }
    }
}

#[cfg(test)]
mod tests;
