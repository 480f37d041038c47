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
    /// The porting order whose port asked the losing carrier for the NNID; NULL when none did.
    pub ported_by_order: Option<Uuid>,
    /// When the losing carrier releases the NNID to us; NULL: never by itself (or no port).
    pub nnid_release_at: Option<DateTimeUtc>,
    /// The losing carrier refuses to release the NNID.
    pub nnid_refused: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
