use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, string, string_null, timestamp_with_time_zone, uuid, uuid_null,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateDirectoryNumbers),
            Box::new(CreateNumberReservations),
        ]
    }
}

struct CreateDirectoryNumbers;

impl MigrationName for CreateDirectoryNumbers {
    fn name(&self) -> &str {
        "m20261123_000001_create_directory_numbers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDirectoryNumbers {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("directory_numbers")
                    .if_not_exists()
                    .col(string("phone_number").primary_key())
                    .col(boolean("routable"))
                    .col(string("line_type"))
                    .col(string("carrier_name"))
                    .col(string("nnid"))
                    .col(boolean("portable"))
                    .col(boolean("fast_portable"))
                    .col(boolean("messaging_capable"))
                    .col(string("billing_check"))
                    .col(string("holding"))
                    .col(uuid_null("holder_account_id"))
                    .col(boolean("transferable"))
                    .col(string_null("campaign_id"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("directory_numbers_holder")
                    .table("directory_numbers")
                    .col("holder_account_id")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("directory_numbers").to_owned())
            .await
    }
}

struct CreateNumberReservations;

impl MigrationName for CreateNumberReservations {
    fn name(&self) -> &str {
        "m20261123_000002_create_number_reservations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateNumberReservations {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("number_reservations")
                    .if_not_exists()
                    .col(string("phone_number").primary_key())
                    .col(uuid("order_id"))
                    .col(uuid("account_id"))
                    .col(timestamp_with_time_zone("reserved_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("number_reservations_order")
                    .table("number_reservations")
                    .col("order_id")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("number_reservations").to_owned())
            .await
    }
}
