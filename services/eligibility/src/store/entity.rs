use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directory_numbers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone_number: String,
    pub routable: bool,
    pub line_type: String,
    pub carrier_name: String,
    pub nnid: String,
    pub portable: bool,
    pub fast_portable: bool,
    pub messaging_capable: bool,
    pub billing_check: String,
    pub holding: String,
    pub holder_account_id: Option<Uuid>,
    pub transferable: bool,
    // `campaign_id` is left out on purpose: links live in `phone_number_campaigns` (see the
    // migration that created it); the column stays NULL for new rows.
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
