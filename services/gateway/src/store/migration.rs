use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    binary, binary_null, integer_null, string, text_null, timestamp_with_time_zone, uuid,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        // The outbox carries the sandbox's emitted events to the notifier.
        vec![
            Box::new(CreateIdempotencyKeys),
            Box::new(textport_platform::outbox::CreateOutbox),
        ]
    }
}

struct CreateIdempotencyKeys;

impl MigrationName for CreateIdempotencyKeys {
    fn name(&self) -> &str {
        "m20261123_000001_create_idempotency_keys"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdempotencyKeys {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .if_not_exists()
                    .col(string("scope"))
                    .col(string("key"))
                    .col(uuid("claim_id"))
                    .col(binary("fingerprint"))
                    .col(integer_null("status"))
                    .col(text_null("headers"))
                    .col(binary_null("body"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .primary_key(Index::create().col("scope").col("key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idempotency_keys_expires_at")
                    .table("idempotency_keys")
                    .col("expires_at")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_keys").to_owned())
            .await
    }
}
