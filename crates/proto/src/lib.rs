//! The gRPC contracts, generated once for every service. Services depend on this crate, never on
//! each other.

pub mod common {
    pub mod v1 {
        tonic::include_proto!("textport.common.v1");
    }
}

pub mod accounts {
    pub mod v1 {
        tonic::include_proto!("textport.accounts.v1");
    }
}

pub mod eligibility {
    pub mod v1 {
        tonic::include_proto!("textport.eligibility.v1");

        /// The `kind` of an outbox event whose body is a [`ReleaseNumbers`] for eligibility.
        pub const RELEASE_NUMBERS_KIND: &str = "textport.eligibility.v1.ReleaseNumbers";
    }
}

pub mod hosted_order {
    pub mod v1 {
        tonic::include_proto!("textport.hosted_order.v1");
    }
}

pub mod transfer_approval {
    pub mod v1 {
        tonic::include_proto!("textport.transfer_approval.v1");

        /// The `kind` of an outbox event whose body is an [`OpenTransfers`].
        pub const OPEN_TRANSFERS_KIND: &str = "textport.transfer_approval.v1.OpenTransfers";
        /// The `kind` of an outbox event whose body is a [`CancelTransfers`].
        pub const CANCEL_TRANSFERS_KIND: &str = "textport.transfer_approval.v1.CancelTransfers";
        /// The `kind` of an outbox event whose body is a [`TransferChanged`].
        pub const TRANSFER_CHANGED_KIND: &str = "textport.transfer_approval.v1.TransferChanged";
    }
}

pub mod verification {
    pub mod v1 {
        tonic::include_proto!("textport.verification.v1");
    }
}

pub mod messaging_port {
    pub mod v1 {
        tonic::include_proto!("textport.messaging_port.v1");
    }
}

pub mod events {
    pub mod v1 {
        tonic::include_proto!("textport.events.v1");
    }
}

pub mod notifier {
    pub mod v1 {
        tonic::include_proto!("textport.notifier.v1");

        /// The `kind` of an outbox event whose body is an [`Event`] for the notifier.
        pub const EVENT_KIND: &str = "textport.notifier.v1.Event";
    }
}

/// The encoded descriptor set of every textport package, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("textport_descriptor");
