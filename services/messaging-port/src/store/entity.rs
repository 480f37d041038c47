//! The messaging-port tables.

pub mod order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "porting_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub account_id: Uuid,
        pub version: i64,
        pub status: String,
        pub support_key: Option<String>,
        pub customer_reference: Option<String>,
        pub customer_group_reference: Option<String>,
        pub description: String,
        pub carrier_name: String,
        pub phone_number_type: String,
        pub fast_port_eligible: bool,
        pub foc_datetime_requested: Option<DateTimeUtc>,
        pub foc_datetime_actual: Option<DateTimeUtc>,
        pub enable_messaging: Option<bool>,
        pub messaging_port_status: String,
        pub messaging_profile_id: Option<Uuid>,
        pub divergence_since: Option<DateTimeUtc>,
        pub webhook_url: Option<String>,
        /// The list filters' fields, copied out of `details` so they can be queried.
        pub end_user_entity_name: Option<String>,
        pub end_user_auth_person_name: Option<String>,
        pub misc_type: Option<String>,
        /// Everything else the order shows (end user, documents, misc, requirements, …), JSON.
        pub details: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod number {
    use sea_orm::entity::prelude::*;

    /// One number of an order; `position` keeps the request's order.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "porting_numbers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub phone_number: String,
        pub position: i32,
        pub account_id: Uuid,
        /// The order's status, copied so numbers can be listed by it in one query.
        pub order_status: String,
        pub support_key: Option<String>,
        pub carrier_name: String,
        pub phone_number_type: String,
        pub country_code: Option<String>,
        pub messaging_capable: bool,
        pub messaging: String,
        pub watch_until: Option<DateTimeUtc>,
        pub exception: Option<String>,
        pub messaging_profile_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod history {
    use sea_orm::entity::prelude::*;

    /// One change of an order or of one number's messaging.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "porting_history")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub order_id: Uuid,
        pub phone_number: Option<String>,
        pub from_status: String,
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

pub mod work {
    use sea_orm::entity::prelude::*;

    /// An order with something due: its FOC, or numbers watched for our NNID. One row per
    /// order; the sweeper claims it when due.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "porting_work")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub order_id: Uuid,
        pub due_at: Option<DateTimeUtc>,
        pub claim: Option<Uuid>,
        /// Failed rounds in a row, for the backoff.
        pub attempts: i32,
        /// The change that scheduled the work; the work continues its trace.
        pub traceparent: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl textport_platform::sweeper::Due for Entity {
        fn id_column() -> Column {
            Column::OrderId
        }
        fn due_column() -> Column {
            Column::DueAt
        }
        fn claim_column() -> Column {
            Column::Claim
        }
    }
}
