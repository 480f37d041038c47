//! The statuses of a porting order and of its numbers, each one explicit text table, and the two
//! state machines: the order's status and a number's messaging. An illegal transition names the
//! current state and the allowed ones.

use textport_domain::statuses;

statuses! {
    /// A porting order's `status.value`.
    OrderStatus {
        Draft => "draft",
        InProcess => "in-process",
        Submitted => "submitted",
        Exception => "exception",
        FocDateConfirmed => "foc-date-confirmed",
        Ported => "ported",
        CancelPending => "cancel-pending",
        Cancelled => "cancelled",
    }
}

statuses! {
    /// A porting phone number's `activation_status` (exact case, with spaces).
    ActivationStatus {
        New => "New",
        Pending => "Pending",
        Conflict => "Conflict",
        CancelPending => "Cancel Pending",
        Failed => "Failed",
        Concurred => "Concurred",
        ActivateRdy => "Activate RDY",
        DisconnectPending => "Disconnect Pending",
        ConcurrenceSent => "Concurrence Sent",
        Old => "Old",
        Sending => "Sending",
        Active => "Active",
        Cancelled => "Cancelled",
    }
}

statuses! {
    /// A porting phone number's `portability_status`.
    PortabilityStatus {
        Pending => "pending",
        Confirmed => "confirmed",
        Provisional => "provisional",
    }
}

statuses! {
    /// A porting phone number's `requirements_status`.
    RequirementsStatus {
        RequirementInfoPending => "requirement-info-pending",
        RequirementInfoUnderReview => "requirement-info-under-review",
        RequirementInfoException => "requirement-info-exception",
        Approved => "approved",
    }
}

statuses! {
    /// `messaging.messaging_port_status`, of an order and (on `/porting_phone_numbers`) of a
    /// number. `canceled` has one L, unlike the order's `cancelled`.
    MessagingPortStatus {
        NotApplicable => "not_applicable",
        Pending => "pending",
        Activating => "activating",
        Ported => "ported",
        Exception => "exception",
        PartialPortComplete => "partial_port_complete",
        Canceled => "canceled",
    }
}

statuses! {
    /// One number's messaging, as stored: the public statuses plus `given_up`.
    NumberMessaging {
        NotApplicable => "not_applicable",
        Pending => "pending",
        Activating => "activating",
        Ported => "ported",
        Exception => "exception",
        GivenUp => "given_up",
        Canceled => "canceled",
    }
}

statuses! {
    /// Why a number's messaging is in `exception`.
    MessagingException {
        /// The losing carrier kept the NNID past the watch deadline.
        NnidNotReleased => "nnid_not_released",
        /// Messaging was enabled but the order had no messaging profile when it ported.
        NoMessagingProfile => "no_messaging_profile",
        /// The losing carrier refuses to release the NNID.
        NnidRefused => "nnid_refused",
    }
}

impl MessagingPortStatus {
    /// `messaging.messaging_port_completed`: nothing is left to port.
    pub fn is_completed(self) -> bool {
        matches!(self, Self::Ported | Self::PartialPortComplete)
    }
}

impl MessagingException {
    /// The reason in words, for the timeline and the operator's exception list.
    pub fn description(self) -> &'static str {
        match self {
            Self::NnidNotReleased => "the losing carrier has not released the NNID",
            Self::NoMessagingProfile => {
                "messaging is enabled but no messaging profile was set when the order ported \
                 (/phone_number_configuration/messaging_profile_id)"
            }
            Self::NnidRefused => "the losing carrier refuses to release the NNID",
        }
    }
}

pub use textport_domain::InvalidTransition;

/// What may happen to a porting order's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// The customer submits the draft.
    Confirm,
    /// The operator (or the sandbox) hands the order to the losing carrier, or resolves an
    /// exception.
    Submit,
    /// The losing carrier confirmed the FOC date.
    ConfirmFoc,
    /// The losing carrier (through the operator) refused something in the order.
    RaiseException,
    /// The FOC arrives: voice ports. `+1` numbers with messaging on are watched for our NNID
    /// until `watch_until`.
    Port {
        watch_until: chrono::DateTime<chrono::Utc>,
    },
    Cancel,
    /// The losing carrier acknowledged the cancellation.
    FinishCancel,
}

use OrderStatus as O;

/// The statuses an order may be cancelled from.
const CANCELLABLE: &[OrderStatus] = &[
    O::Draft,
    O::InProcess,
    O::Submitted,
    O::Exception,
    O::FocDateConfirmed,
];

impl OrderStatus {
    /// The one transition function of an order.
    ///
    /// Cancelling a draft ends in `cancelled` at once: nothing was sent to the losing carrier,
    /// so there is nothing to wait for. Any later status goes through `cancel-pending` until
    /// the carrier acknowledges ([`OrderEvent::FinishCancel`]).
    ///
    /// The FOC arrives only once its date is confirmed: a caller that makes it arrive early
    /// (the sandbox) applies [`OrderEvent::ConfirmFoc`] first.
    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, InvalidTransition> {
        let (action, allowed, next): (&'static str, &[OrderStatus], OrderStatus) = match event {
            OrderEvent::Confirm => ("confirmed", &[O::Draft], O::InProcess),
            OrderEvent::Submit => ("submitted", &[O::InProcess, O::Exception], O::Submitted),
            OrderEvent::ConfirmFoc => (
                "given a confirmed FOC date",
                &[O::InProcess, O::Submitted],
                O::FocDateConfirmed,
            ),
            OrderEvent::RaiseException => (
                "put in exception",
                &[O::InProcess, O::Submitted, O::FocDateConfirmed],
                O::Exception,
            ),
            OrderEvent::Port { .. } => ("ported", &[O::FocDateConfirmed], O::Ported),
            OrderEvent::Cancel => (
                "cancelled",
                CANCELLABLE,
                if self == O::Draft {
                    O::Cancelled
                } else {
                    O::CancelPending
                },
            ),
            OrderEvent::FinishCancel => ("cancelled", &[O::CancelPending], O::Cancelled),
        };
        if allowed.contains(&self) {
            Ok(next)
        } else {
            Err(self.refuse(action, allowed))
        }
    }

    /// Only a draft may be deleted; the others are with the losing carrier or closed.
    pub fn ensure_deletable(self) -> Result<(), InvalidTransition> {
        if self == O::Draft {
            Ok(())
        } else {
            Err(self.refuse("deleted", &[O::Draft]))
        }
    }

    /// The numbers' `activation_status` at this stage of the order; `None` while a draft.
    pub fn activation_status(self) -> Option<ActivationStatus> {
        match self {
            O::Draft => None,
            O::InProcess => Some(ActivationStatus::New),
            O::Submitted => Some(ActivationStatus::Pending),
            O::Exception => Some(ActivationStatus::Conflict),
            O::FocDateConfirmed => Some(ActivationStatus::ActivateRdy),
            O::Ported => Some(ActivationStatus::Active),
            O::CancelPending => Some(ActivationStatus::CancelPending),
            O::Cancelled => Some(ActivationStatus::Cancelled),
        }
    }

    /// The numbers' `portability_status`: confirmed once the losing carrier confirmed the FOC.
    pub fn portability_status(self) -> PortabilityStatus {
        match self {
            O::Draft | O::InProcess | O::CancelPending | O::Cancelled => PortabilityStatus::Pending,
            O::Submitted | O::Exception => PortabilityStatus::Provisional,
            O::FocDateConfirmed | O::Ported => PortabilityStatus::Confirmed,
        }
    }

    /// The numbers' `requirements_status`: a draft still gathers them; a confirmed order has them.
    pub fn requirements_status(self) -> RequirementsStatus {
        match self {
            O::Draft => RequirementsStatus::RequirementInfoPending,
            O::Exception => RequirementsStatus::RequirementInfoException,
            O::InProcess
            | O::Submitted
            | O::FocDateConfirmed
            | O::Ported
            | O::CancelPending
            | O::Cancelled => RequirementsStatus::Approved,
        }
    }

    /// Whether the order still holds its numbers (another order may not take them).
    pub fn is_open(self) -> bool {
        !matches!(self, O::Ported | O::Cancelled)
    }

    /// Whether `enable_messaging` may still change.
    pub fn accepts_messaging_changes(self) -> bool {
        matches!(self, O::Draft | O::InProcess | O::Exception)
    }

    fn refuse(self, action: &'static str, allowed: &[OrderStatus]) -> InvalidTransition {
        InvalidTransition {
            entity: "porting order",
            action,
            current: self.as_str(),
            allowed: allowed.iter().map(|s| s.as_str()).collect(),
        }
    }
}

/// What may happen to one number's messaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberEvent {
    /// The order's `enable_messaging` became true.
    Enable,
    /// The order's `enable_messaging` became false.
    Disable,
    /// Voice ported; wait for our NNID.
    Watch,
    /// Voice ported and messaging with it (no NNID to wait for).
    PortWithVoice,
    /// The watch deadline passed, or the order ported without a messaging profile.
    Fail(MessagingException),
    /// Our NNID shows: the carrier released it (on time or late) or the operator overrode it.
    NnidShown,
    /// The operator closed the escalation: this number's messaging stays elsewhere.
    GiveUp,
    /// The order was cancelled before it ported.
    Cancel,
}

use NumberMessaging as N;

impl NumberMessaging {
    /// The one transition function of a number's messaging.
    pub fn apply(self, event: NumberEvent) -> Result<NumberMessaging, InvalidTransition> {
        let (action, allowed, next): (&'static str, &[NumberMessaging], NumberMessaging) =
            match event {
                NumberEvent::Enable => ("enabled", &[N::NotApplicable], N::Pending),
                NumberEvent::Disable => ("disabled", &[N::Pending], N::NotApplicable),
                NumberEvent::Watch => ("watched", &[N::Pending], N::Activating),
                NumberEvent::PortWithVoice => ("ported with voice", &[N::Pending], N::Ported),
                NumberEvent::Fail(_) => ("failed", &[N::Pending, N::Activating], N::Exception),
                NumberEvent::NnidShown => ("ported", &[N::Activating, N::Exception], N::Ported),
                NumberEvent::GiveUp => ("given up", &[N::Activating, N::Exception], N::GivenUp),
                NumberEvent::Cancel => ("cancelled", &[N::Pending], N::Canceled),
            };
        if allowed.contains(&self) {
            Ok(next)
        } else {
            Err(InvalidTransition {
                entity: "phone number's messaging",
                action,
                current: self.as_str(),
                allowed: allowed.iter().map(|s| s.as_str()).collect(),
            })
        }
    }

    /// The number's public `messaging_port_status`. A given-up number shows `canceled`: its
    /// messaging port was called off, which `not_applicable` (never attempted) would not say.
    pub fn public(self) -> MessagingPortStatus {
        match self {
            N::NotApplicable => MessagingPortStatus::NotApplicable,
            N::Pending => MessagingPortStatus::Pending,
            N::Activating => MessagingPortStatus::Activating,
            N::Ported => MessagingPortStatus::Ported,
            N::Exception => MessagingPortStatus::Exception,
            N::GivenUp | N::Canceled => MessagingPortStatus::Canceled,
        }
    }
}
