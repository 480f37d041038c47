//! The porting order's rules, without I/O: the order's status machine, each number's messaging
//! machine and how it rolls up to the order, when `enable_messaging` may change, the divergence
//! alert, how a create request splits into orders, and the sandbox's losing carriers. Time comes
//! in as arguments.

mod carrier;
mod order;
mod split;
mod status;

pub use carrier::CarrierBehaviour;
pub use order::{
    ENABLE_MESSAGING_POINTER, Emit, MESSAGING_PROFILE_POINTER, PortingNumber, PortingOrder,
    Refusal, divergence_since, roll_up,
};
pub use split::{PortingFacts, Split, split};
pub use status::{
    ActivationStatus, InvalidTransition, MessagingException, MessagingPortStatus, NumberEvent,
    NumberMessaging, OrderEvent, OrderStatus, PortabilityStatus,
};

#[cfg(test)]
mod tests;
