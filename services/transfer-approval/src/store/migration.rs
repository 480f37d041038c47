use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    binary_null, boolean, string, text, timestamp_with_time_zone, timestamp_with_time_zone_null,
    uuid, uuid_null,
};
use textport_platform::outbox::CreateOutbox;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateTransferTables), Box::new(CreateOutbox)]
    }
}

struct CreateTransferTables;

impl MigrationName for CreateTransferTables {
    fn name(&self) -> &str {
        "m20261215_000001_create_transfer_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTransferTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("transfer_requests")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(uuid("from_account_id"))
                    .col(uuid("to_account_id"))
                    .col(text("phone_numbers"))
                    .col(string("decision"))
                    .col(boolean("cancelled_by_receiver"))
                    .col(timestamp_with_time_zone("approval_deadline"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(binary_null("token_hash"))
                    .col(timestamp_with_time_zone_null("due_at"))
                    .col(uuid_null("claim"))
                    .col(text("traceparent"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        // One request per holder of an order: a resent opening meets it and changes nothing.
        manager
            .create_index(
                Index::create()
                    .name("transfer_requests_holder")
                    .table("transfer_requests")
                    .col("order_id")
                    .col("from_account_id")
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("transfer_requests_due")
                    .table("transfer_requests")
                    .col("due_at")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table("transfer_requests")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
