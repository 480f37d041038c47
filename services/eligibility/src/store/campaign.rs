use sea_orm::entity::prelude::*;

/// A number's 10DLC campaign link, owned by the account that made it: the primary key keeps
/// one campaign per number.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "phone_number_campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone_number: String,
    pub account_id: Uuid,
    pub campaign_id: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
