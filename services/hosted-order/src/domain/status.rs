//! The order and number state machines: every documented status, one transition function each,
//! and an illegal transition that names the current state and the allowed ones.

use textport_domain::statuses;

statuses! {
    /// An order's `status`.
    OrderStatus {
        Pending => "pending",
        LoaFileSuccessful => "loa_file_successful",
        Provisioning => "provisioning",
        Successful => "successful",
        Failed => "failed",
        Deleted => "deleted",
        CarrierRejected => "carrier_rejected",
        IneligibleCarrier => "ineligible_carrier",
        ComplianceReviewFailed => "compliance_review_failed",
        IncompleteDocumentation => "incomplete_documentation",
        IncorrectBillingInformation => "incorrect_billing_information",
        LoaFileInvalid => "loa_file_invalid",
    }
}

statuses! {
    /// A number's `status` (the webhook enum, which adds `ownership_successful`).
    NumberStatus {
        Pending => "pending",
        OwnershipSuccessful => "ownership_successful",
        Provisioning => "provisioning",
        Successful => "successful",
        Deleted => "deleted",
        Failed => "failed",
        FailedActivation => "failed_activation",
        FailedCarrierRejected => "failed_carrier_rejected",
        FailedIneligibleCarrier => "failed_ineligible_carrier",
        FailedNumberAlreadyHosted => "failed_number_already_hosted",
        FailedNumberNotFound => "failed_number_not_found",
        FailedOwnershipVerification => "failed_ownership_verification",
        FailedTimeout => "failed_timeout",
    }
}

pub use textport_domain::InvalidTransition;

/// What may happen to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// Every live number verified and both documents present.
    DocumentsComplete,
    /// Re-uploaded documents after a review asked for them, with verification still open.
    Reopen,
    /// The operator accepts the review.
    Accept,
    /// Activation answered for every number and at least one is hosted.
    Activated,
    /// The operator's (or the numbers') failure.
    Fail(OrderStatus),
    Delete,
    /// Failed numbers start again.
    Retry,
}

use OrderStatus as O;

/// The statuses an order may fail into (`Fail`).
pub const ORDER_FAILURES: &[OrderStatus] = &[
    O::Failed,
    O::CarrierRejected,
    O::ComplianceReviewFailed,
    O::IncompleteDocumentation,
    O::IncorrectBillingInformation,
    O::IneligibleCarrier,
    O::LoaFileInvalid,
];

impl OrderStatus {
    /// The one transition function of an order.
    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, InvalidTransition> {
        let (action, allowed, next): (&'static str, &[OrderStatus], OrderStatus) = match event {
            OrderEvent::DocumentsComplete => (
                "submitted for review",
                &[O::Pending, O::LoaFileInvalid, O::IncompleteDocumentation],
                O::LoaFileSuccessful,
            ),
            OrderEvent::Reopen => (
                "reopened",
                &[O::LoaFileInvalid, O::IncompleteDocumentation],
                O::Pending,
            ),
            OrderEvent::Accept => ("accepted", &[O::LoaFileSuccessful], O::Provisioning),
            OrderEvent::Activated => ("activated", &[O::Provisioning], O::Successful),
            OrderEvent::Fail(status) => {
                if !ORDER_FAILURES.contains(&status) {
                    return Err(self.refuse("failed", ORDER_FAILURES));
                }
                (
                    "failed",
                    &[
                        O::Pending,
                        O::LoaFileSuccessful,
                        O::LoaFileInvalid,
                        O::IncompleteDocumentation,
                        O::Provisioning,
                    ],
                    status,
                )
            }
            OrderEvent::Delete => (
                "deleted",
                &[
                    O::Pending,
                    O::LoaFileSuccessful,
                    O::LoaFileInvalid,
                    O::IncompleteDocumentation,
                    O::Failed,
                    O::CarrierRejected,
                    O::IneligibleCarrier,
                    O::ComplianceReviewFailed,
                    O::IncorrectBillingInformation,
                ],
                O::Deleted,
            ),
            OrderEvent::Retry => (
                "retried",
                &[
                    O::Pending,
                    O::LoaFileSuccessful,
                    O::Successful,
                    O::Failed,
                    O::CarrierRejected,
                    O::IneligibleCarrier,
                    O::ComplianceReviewFailed,
                    O::IncompleteDocumentation,
                    O::IncorrectBillingInformation,
                    O::LoaFileInvalid,
                ],
                O::Pending,
            ),
        };
        if allowed.contains(&self) {
            Ok(next)
        } else {
            Err(self.refuse(action, allowed))
        }
    }

    fn refuse(self, action: &'static str, allowed: &[OrderStatus]) -> InvalidTransition {
        InvalidTransition {
            entity: "order",
            action,
            current: self.as_str(),
            allowed: allowed.iter().map(|s| s.as_str()).collect(),
        }
    }

    /// A closed order takes no more changes but deletion.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            O::Successful
                | O::Failed
                | O::Deleted
                | O::CarrierRejected
                | O::IneligibleCarrier
                | O::ComplianceReviewFailed
                | O::IncorrectBillingInformation
        )
    }

    /// Whether the customer may still send codes and documents.
    pub fn awaits_customer(self) -> bool {
        matches!(
            self,
            O::Pending | O::LoaFileInvalid | O::IncompleteDocumentation
        )
    }

    /// What its numbers become when the order fails this way; `None`: they stay as they are
    /// (the customer may fix the documents).
    pub fn number_failure(self) -> Option<NumberStatus> {
        match self {
            O::CarrierRejected => Some(N::FailedCarrierRejected),
            O::IneligibleCarrier => Some(N::FailedIneligibleCarrier),
            O::Failed | O::ComplianceReviewFailed | O::IncorrectBillingInformation => {
                Some(N::Failed)
            }
            O::IncompleteDocumentation
            | O::LoaFileInvalid
            | O::Pending
            | O::LoaFileSuccessful
            | O::Provisioning
            | O::Successful
            | O::Deleted => None,
        }
    }
}

/// What may happen to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberEvent {
    /// Its ownership code was verified.
    Verified,
    /// It used up its verification budget.
    OwnershipUnproven,
    /// The order was accepted.
    Provision,
    Activated,
    /// Activation, or the operator, failed it with this status.
    Fail(NumberStatus),
    Delete,
    Retry,
}

use NumberStatus as N;

/// The statuses a number may fail into.
pub const NUMBER_FAILURES: &[NumberStatus] = &[
    N::Failed,
    N::FailedActivation,
    N::FailedCarrierRejected,
    N::FailedIneligibleCarrier,
    N::FailedNumberAlreadyHosted,
    N::FailedNumberNotFound,
    N::FailedOwnershipVerification,
    N::FailedTimeout,
];

impl NumberStatus {
    /// The one transition function of a number.
    pub fn apply(self, event: NumberEvent) -> Result<NumberStatus, InvalidTransition> {
        let (action, allowed, next): (&'static str, &[NumberStatus], NumberStatus) = match event {
            NumberEvent::Verified => ("verified", &[N::Pending], N::OwnershipSuccessful),
            NumberEvent::OwnershipUnproven => (
                "failed verification",
                &[N::Pending],
                N::FailedOwnershipVerification,
            ),
            NumberEvent::Provision => ("provisioned", &[N::OwnershipSuccessful], N::Provisioning),
            NumberEvent::Activated => ("activated", &[N::Provisioning], N::Successful),
            NumberEvent::Fail(status) => {
                if !NUMBER_FAILURES.contains(&status) {
                    return Err(self.refuse("failed", NUMBER_FAILURES));
                }
                (
                    "failed",
                    &[N::Pending, N::OwnershipSuccessful, N::Provisioning],
                    status,
                )
            }
            NumberEvent::Delete => (
                "deleted",
                &[
                    N::Pending,
                    N::OwnershipSuccessful,
                    N::Successful,
                    N::Failed,
                    N::FailedActivation,
                    N::FailedCarrierRejected,
                    N::FailedIneligibleCarrier,
                    N::FailedNumberAlreadyHosted,
                    N::FailedNumberNotFound,
                    N::FailedOwnershipVerification,
                    N::FailedTimeout,
                ],
                N::Deleted,
            ),
            NumberEvent::Retry => ("retried", NUMBER_FAILURES, N::Pending),
        };
        if allowed.contains(&self) {
            Ok(next)
        } else {
            Err(self.refuse(action, allowed))
        }
    }

    fn refuse(self, action: &'static str, allowed: &[NumberStatus]) -> InvalidTransition {
        InvalidTransition {
            entity: "phone number",
            action,
            current: self.as_str(),
            allowed: allowed.iter().map(|s| s.as_str()).collect(),
        }
    }

    pub fn is_failed(self) -> bool {
        NUMBER_FAILURES.contains(&self)
    }

    /// Still on its way to being hosted (or hosted).
    pub fn is_live(self) -> bool {
        !self.is_failed() && self != N::Deleted
    }
}
