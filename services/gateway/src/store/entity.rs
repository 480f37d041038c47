use sea_orm::entity::prelude::*;

/// One `Idempotency-Key` of one caller: the request it was first used with and, once answered,
/// the answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The caller: an account id, or `operator`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Which request holds the key: only it may store its answer or give the key up, even after
    /// another request took an abandoned key over.
    pub claim_id: Uuid,
    /// SHA-256 of the method, path with query, and body.
    pub fingerprint: Vec<u8>,
    /// Null while the first request is still being processed.
    pub status: Option<i32>,
    /// The answer's headers worth replaying, as JSON `[[name, value], …]`.
    pub headers: Option<String>,
    pub body: Option<Vec<u8>>,
    pub started_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
