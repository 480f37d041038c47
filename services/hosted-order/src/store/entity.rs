//! The hosted-order tables.

pub mod order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "hosted_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub account_id: Uuid,
        pub messaging_profile_id: Option<Uuid>,
        pub status: String,
        pub failure_reason: String,
        pub waiting_on: Option<String>,
        pub waiting_since: Option<DateTimeUtc>,
        pub loa_document_id: Option<Uuid>,
        pub bill_document_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod number {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "hosted_numbers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        pub account_id: Uuid,
        pub phone_number: String,
        pub status: String,
        pub transfer_from_account_id: Option<Uuid>,
        pub transfer_decision: Option<String>,
        pub approval_deadline: Option<DateTimeUtc>,
        pub campaign_id: Option<String>,
        pub messaging_profile_id: Option<Uuid>,
        pub messaging_product: String,
        /// JSON array of strings.
        pub tags: String,
        pub code_attempts_remaining: Option<i32>,
        pub code_resend_allowed_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod document {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        /// `loa` or `bill`.
        pub kind: String,
        pub filename: String,
        pub size: i64,
        pub sha256: String,
        /// The pre-check's warnings, JSON.
        pub warnings: String,
        pub uploaded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod history {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_history")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        pub phone_number: Option<String>,
        pub from_status: Option<String>,
        pub to_status: String,
        pub actor: String,
        pub reason: String,
        pub trace_id: String,
        pub occurred_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod deadline {
    use sea_orm::entity::prelude::*;

    /// Work an order has waiting: its activation (due again until answered, given up at
    /// `deadline_at`) or the sandbox's automatic review.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_deadlines")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        /// `activation` or `auto_review`.
        pub kind: String,
        pub due_at: Option<DateTimeUtc>,
        pub claim: Option<Uuid>,
        pub deadline_at: DateTimeUtc,
        pub attempts: i32,
        /// The trace of the change that scheduled it; the work continues it.
        pub traceparent: String,
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

pub mod blob {
    use sea_orm::entity::prelude::*;

    /// A document's bytes, when the service keeps them in its database.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "document_blobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub bytes: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod applied {
    use sea_orm::entity::prelude::*;

    /// Events from other services already applied, by id: a resent event changes nothing.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "applied_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub applied_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
