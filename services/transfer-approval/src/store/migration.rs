use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    binary_null, boolean, integer_null, string, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};
use textport_platform::outbox::CreateOutbox;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateTransferTables),
            Box::new(CreateOutbox),
            Box::new(AddReceiverNameAndClosedToken),
            Box::new(AddTransferPolicies),
        ]
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

/// The approval page shows the receiver's name, and tells a token of a closed request "already
/// decided" rather than "wrong token": both need a column. Rows of earlier requests keep an empty
/// name and no closed token.
struct AddReceiverNameAndClosedToken;

impl MigrationName for AddReceiverNameAndClosedToken {
    fn name(&self) -> &str {
        "m20261216_000001_add_receiver_name_and_closed_token"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddReceiverNameAndClosedToken {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        manager
            .alter_table(
                Table::alter()
                    .table("transfer_requests")
                    .add_column(text("to_account_name").default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("transfer_requests")
                    .add_column(binary_null("closed_token_hash"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["closed_token_hash", "to_account_name"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("transfer_requests")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

/// Holders' transfer policies, and on each request what its window's end decides (fixed when it
/// opens). Requests opened before were all due to be auto-approved.
struct AddTransferPolicies;

impl MigrationName for AddTransferPolicies {
    fn name(&self) -> &str {
        "m20261217_000001_add_transfer_policies"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddTransferPolicies {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("transfer_policies")
                    .if_not_exists()
                    .col(uuid("account_id").primary_key())
                    .col(string("mode"))
                    .col(integer_null("window_hours"))
                    .col(text("allowlist"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("transfer_requests")
                    .add_column(string("at_deadline").default("approve"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("transfer_requests")
                    .drop_column("at_deadline")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table("transfer_policies")
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
