use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    binary, boolean, integer, string, string_null, text, timestamp_with_time_zone, uuid,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateNotifierTables)]
    }
}

struct CreateNotifierTables;

impl MigrationName for CreateNotifierTables {
    fn name(&self) -> &str {
        "m20261123_000001_create_notifier_tables"
    }
}

const TABLES: [&str; 7] = [
    "events",
    "deliveries",
    "delivery_attempts",
    "outgoing_emails",
    "sandbox_mailbox",
    "portal_notices",
    "signing_keys",
];

#[async_trait::async_trait]
impl MigrationTrait for CreateNotifierTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(string("event_type"))
                    .col(uuid("account_id"))
                    .col(timestamp_with_time_zone("received_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("deliveries")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("event_id"))
                    .col(string("event_type"))
                    .col(uuid("account_id"))
                    .col(string_null("resource_id"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(text("payload_json"))
                    .col(text("traceparent"))
                    .col(text("urls"))
                    .col(string("status"))
                    .col(integer("attempts"))
                    .col(integer("failed_rounds"))
                    .col(timestamp_with_time_zone("budget_from"))
                    .col(timestamp_with_time_zone("due_at").null())
                    .col(uuid("claim").null())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("started_at").null())
                    .col(timestamp_with_time_zone("finished_at").null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("deliveries_due", &["due_at"][..]),
            ("deliveries_account", &["account_id", "id"][..]),
            ("deliveries_event", &["event_id"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("deliveries").if_not_exists();
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("delivery_attempts")
                    .if_not_exists()
                    .col(uuid("delivery_id"))
                    .col(integer("attempt"))
                    .col(text("url"))
                    .col(boolean("delivered"))
                    .col(integer("http_status").null())
                    .col(text("errors"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("finished_at"))
                    .primary_key(Index::create().col("delivery_id").col("attempt"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("outgoing_emails")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("event_id"))
                    .col(uuid("account_id"))
                    .col(text("to_address"))
                    .col(text("subject"))
                    .col(text("body_text"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("due_at").null())
                    .col(uuid("claim").null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sandbox_mailbox")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("event_id"))
                    .col(uuid("account_id"))
                    .col(text("to_address"))
                    .col(text("subject"))
                    .col(text("body_text"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("portal_notices")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(uuid("event_id"))
                    .col(string("event_type"))
                    .col(text("title"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("read_at").null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("signing_keys")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    .col(binary("seed"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
