//! The porting order's rules, without I/O: the order's status machine, each number's messaging
//! machine and how it rolls up to the order, when `enable_messaging` may change, the divergence
//! alert, how a create request splits into orders, and what the public shows of each status.
//! Time comes in as arguments.

mod country;
mod details;
mod order;
mod split;
mod status;

pub use country::country_code;
pub use details::{
    Details, Documents, DocumentsPatch, EndUser, EndUserAdmin, EndUserLocation, EndUserPatch, Misc,
    MiscPatch, Order, OrderPatch, PortingType, RemainingNumbersAction, Requirement, StatusDetail,
    UserFeedback, UserFeedbackPatch,
};
pub use order::{
    ENABLE_MESSAGING_POINTER, Emit, MESSAGING_PROFILE_POINTER, Nnid, PortingNumber, PortingOrder,
    Refusal, coalesce, divergence_since, roll_up,
};
pub use split::{PortingFacts, Split, split};
pub use status::{
    ActivationStatus, InvalidTransition, MessagingException, MessagingPortStatus, NumberEvent,
    NumberMessaging, OrderEvent, OrderStatus, PortabilityStatus, RequirementsStatus,
};

textport_domain::typed_id!(
    /// A porting order.
    PortingOrderId,
    "porting order id"
);

textport_domain::typed_id!(
    /// One number of a porting order.
    PortingNumberId,
    "porting phone number id"
);

#[cfg(test)]
mod tests;
