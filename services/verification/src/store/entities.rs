//! The verification service's tables. Nothing outside `store` sees these models.

pub mod number {
    use sea_orm::entity::prelude::*;

    /// One number of one flow: its current code (hashed), whether it is verified, and its
    /// budget. Every write names the revision it read (see `store::save`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "verification_numbers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub phone_number: String,
        /// The current code: all five columns, or none.
        pub code_id: Option<Uuid>,
        pub code_hash: Option<Vec<u8>>,
        pub method: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        pub expires_at: Option<DateTimeUtc>,
        pub wrong_tries: i32,
        pub verified_at: Option<DateTimeUtc>,
        /// The budget's sends and wrong tries within the window, oldest first: Unix
        /// microseconds separated by spaces.
        pub send_times: String,
        pub wrong_try_times: String,
        pub revision: i64,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sent_code {
    use sea_orm::entity::prelude::*;

    /// What the simulated phone network carried (sandbox only): the one place a code's
    /// plaintext is kept, because it is what the outside world received.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sent_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub verification_code_id: Uuid,
        pub account_id: Uuid,
        pub subject_id: Uuid,
        pub phone_number: String,
        pub method: String,
        pub code: String,
        pub body: String,
        pub sent_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod code_key {
    use sea_orm::entity::prelude::*;

    /// The deployment's code pepper (one row), unless configuration supplies one.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "code_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub key: Vec<u8>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
