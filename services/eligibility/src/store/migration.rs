use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, string, string_null, timestamp_with_time_zone, timestamp_with_time_zone_null, uuid,
    uuid_null,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateDirectoryNumbers),
            Box::new(CreateNumberReservations),
            Box::new(CreatePhoneNumberCampaigns),
            Box::new(AddReservationHolder),
            Box::new(AddNnidHandover),
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

/// 10DLC links get a table of their own, the one source of truth: a link belongs to the account
/// that made it, which `directory_numbers.campaign_id` could not say. That column is no longer
/// read or written; it stays so that replicas of the previous release keep working during a
/// rolling upgrade, and a later migration drops it. Links it held move here, owned by the
/// number's holder.
struct CreatePhoneNumberCampaigns;

impl MigrationName for CreatePhoneNumberCampaigns {
    fn name(&self) -> &str {
        "m20261201_000003_create_phone_number_campaigns"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePhoneNumberCampaigns {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("phone_number_campaigns")
                    .if_not_exists()
                    .col(string("phone_number").primary_key())
                    .col(uuid("account_id"))
                    .col(string("campaign_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        // A list is one account's links, oldest first by default.
        manager
            .create_index(
                Index::create()
                    .name("phone_number_campaigns_account_created")
                    .table("phone_number_campaigns")
                    .col("account_id")
                    .col("created_at")
                    .col("phone_number")
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        let legacy = Query::select()
            .column("phone_number")
            .column("holder_account_id")
            .column("campaign_id")
            .column("updated_at")
            .column("updated_at")
            .from("directory_numbers")
            .and_where(Expr::col("campaign_id").is_not_null())
            .and_where(Expr::col("holding").eq("account"))
            .and_where(Expr::col("holder_account_id").is_not_null())
            .to_owned();
        let copy = Query::insert()
            .into_table("phone_number_campaigns")
            .columns([
                "phone_number",
                "account_id",
                "campaign_id",
                "created_at",
                "updated_at",
            ])
            .select_from(legacy)
            .map_err(|error| DbErr::Migration(error.to_string()))?
            .to_owned();
        manager.execute(copy).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("phone_number_campaigns").to_owned())
            .await
    }
}

/// The account an internal transfer takes a reserved number from.
struct AddReservationHolder;

impl MigrationName for AddReservationHolder {
    fn name(&self) -> &str {
        "m20261202_000004_add_reservation_holder"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddReservationHolder {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("number_reservations")
                    .add_column(uuid_null("held_by"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("number_reservations")
                    .drop_column("held_by")
                    .to_owned(),
            )
            .await
    }
}

/// A number's NNID handover at a port: which order asked, when the losing carrier releases the
/// NNID, whether it refuses. Rows written before stay "no port asked".
struct AddNnidHandover;

impl MigrationName for AddNnidHandover {
    fn name(&self) -> &str {
        "m20261207_000005_add_nnid_handover"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for AddNnidHandover {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            uuid_null("ported_by_order"),
            timestamp_with_time_zone_null("nnid_release_at"),
            boolean("nnid_refused").default(false).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("directory_numbers")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["ported_by_order", "nnid_release_at", "nnid_refused"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("directory_numbers")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
