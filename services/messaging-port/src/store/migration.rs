use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, boolean, boolean_null, integer, string, string_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};
use textport_platform::outbox::CreateOutbox;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreatePortingTables), Box::new(CreateOutbox)]
    }
}

struct CreatePortingTables;

impl MigrationName for CreatePortingTables {
    fn name(&self) -> &str {
        "m20261207_000001_create_porting_tables"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePortingTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("porting_orders")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(big_integer("version"))
                    .col(string("status"))
                    .col(string_null("support_key"))
                    .col(string_null("customer_reference"))
                    .col(string_null("customer_group_reference"))
                    .col(string("description"))
                    .col(string("carrier_name"))
                    .col(string("phone_number_type"))
                    .col(boolean("fast_port_eligible"))
                    .col(timestamp_with_time_zone_null("foc_datetime_requested"))
                    .col(timestamp_with_time_zone_null("foc_datetime_actual"))
                    .col(boolean_null("enable_messaging"))
                    .col(string("messaging_port_status"))
                    .col(uuid_null("messaging_profile_id"))
                    .col(timestamp_with_time_zone_null("divergence_since"))
                    .col(text_null("webhook_url"))
                    .col(string_null("end_user_entity_name"))
                    .col(string_null("end_user_auth_person_name"))
                    .col(string_null("misc_type"))
                    .col(text("details"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "porting_orders_account",
            "porting_orders",
            &["account_id", "id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("porting_numbers")
                    .if_not_exists()
                    .col(uuid("order_id"))
                    .col(string("phone_number"))
                    .col(integer("position"))
                    .col(uuid("account_id"))
                    .col(string("order_status"))
                    .col(string_null("support_key"))
                    .col(string("carrier_name"))
                    .col(string("phone_number_type"))
                    .col(string_null("country_code"))
                    .col(boolean("messaging_capable"))
                    .col(string("messaging"))
                    .col(timestamp_with_time_zone_null("watch_until"))
                    .col(string_null("exception"))
                    .col(uuid_null("messaging_profile_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("order_id").col("phone_number"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "porting_numbers_number",
            "porting_numbers",
            &["phone_number"],
        )
        .await?;
        // A number is in one open order at most: two racing creates meet here, on any replica.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS porting_numbers_open ON porting_numbers \
                 (phone_number) WHERE order_status NOT IN ('ported', 'cancelled')",
            )
            .await?;
        index(
            manager,
            "porting_numbers_account",
            "porting_numbers",
            &["account_id", "order_id", "position"],
        )
        .await?;
        index(
            manager,
            "porting_numbers_messaging",
            "porting_numbers",
            &["messaging", "updated_at"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("porting_history")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(string_null("phone_number"))
                    .col(string("from_status"))
                    .col(string("to_status"))
                    .col(string("actor"))
                    .col(text("reason"))
                    .col(string("trace_id"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "porting_history_order",
            "porting_history",
            &["order_id", "id"],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("porting_work")
                    .if_not_exists()
                    .col(uuid("order_id").primary_key())
                    .col(timestamp_with_time_zone_null("due_at"))
                    .col(uuid_null("claim"))
                    .col(integer("attempts"))
                    .col(text("traceparent"))
                    .to_owned(),
            )
            .await?;
        index(manager, "porting_work_due", "porting_work", &["due_at"]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "porting_work",
            "porting_history",
            "porting_numbers",
            "porting_orders",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table.to_owned()).if_not_exists();
    for column in columns {
        index.col(Alias::new(*column));
    }
    manager.create_index(index.to_owned()).await
}
