use sea_orm::entity::prelude::*;

/// A number reserved for one open hosted order: the primary key keeps a number in one order
/// only, across accounts and replicas.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "number_reservations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone_number: String,
    pub order_id: Uuid,
    pub account_id: Uuid,
    pub reserved_at: DateTimeUtc,
    /// The account an internal transfer takes the number from; activation checks it still holds it.
    pub held_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
