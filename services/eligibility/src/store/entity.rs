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
    pub campaign_id: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
