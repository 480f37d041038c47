//! The transfer-approval service's tables. Nothing outside `store` sees this model.

pub mod transfer_request {
    use sea_orm::entity::prelude::*;

    /// One holder's transfer request of one order (unique per order and holder). While pending
    /// it has the token's hash and a due time (its deadline) for the sweeper; once closed,
    /// neither (the hash moves to `closed_token_hash`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "transfer_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        pub from_account_id: Uuid,
        pub to_account_id: Uuid,
        /// The receiver's name when the request opened; empty on requests opened before it was
        /// kept.
        pub to_account_name: String,
        /// E.164 numbers separated by spaces.
        pub phone_numbers: String,
        /// `pending`, `approved`, `rejected` or `auto_approved`.
        pub decision: String,
        pub cancelled_by_receiver: bool,
        pub approval_deadline: DateTimeUtc,
        /// `approve` or `reject`: what the window's end decides, by the holder's policy when the
        /// request opened.
        pub at_deadline: String,
        pub decided_at: Option<DateTimeUtc>,
        /// SHA-256 of the token, while pending.
        pub token_hash: Option<Vec<u8>>,
        /// The same hash once closed: it can decide nothing, but it tells its token "already
        /// decided" rather than "wrong token".
        pub closed_token_hash: Option<Vec<u8>>,
        pub due_at: Option<DateTimeUtc>,
        pub claim: Option<Uuid>,
        /// The trace of the change that opened it; the auto-approval continues it.
        pub traceparent: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl textport_platform::sweeper::Due for Entity {
        fn id_column() -> Column {
            Column::Id
        }
        fn due_column() -> Column {
            Column::DueAt
        }
        fn claim_column() -> Column {
            Column::Claim
        }
    }
}

pub mod transfer_policy {
    use sea_orm::entity::prelude::*;

    /// A holder's transfer policy; a holder without a row has the defaults.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "transfer_policies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: Uuid,
        /// `require_approval`, `approve_immediately` or `reject_at_deadline`.
        pub mode: String,
        /// `None`: the service's window.
        pub window_hours: Option<i32>,
        /// A JSON array of account ids.
        pub allowlist: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
