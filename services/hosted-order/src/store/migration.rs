use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, binary, integer, string, string_null, text, timestamp_with_time_zone, uuid,
};
use textport_platform::outbox::CreateOutbox;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateHostedOrderTables), Box::new(CreateOutbox)]
    }
}

struct CreateHostedOrderTables;

impl MigrationName for CreateHostedOrderTables {
    fn name(&self) -> &str {
        "m20261123_000001_create_hosted_order_tables"
    }
}

const TABLES: [&str; 7] = [
    "hosted_orders",
    "hosted_numbers",
    "order_documents",
    "order_history",
    "order_deadlines",
    "document_blobs",
    "applied_events",
];

#[async_trait::async_trait]
impl MigrationTrait for CreateHostedOrderTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("hosted_orders")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(uuid("messaging_profile_id").null())
                    .col(string("status"))
                    .col(text("failure_reason"))
                    .col(string_null("waiting_on"))
                    .col(timestamp_with_time_zone("waiting_since").null())
                    .col(uuid("loa_document_id").null())
                    .col(uuid("bill_document_id").null())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("version"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("hosted_numbers")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(uuid("account_id"))
                    .col(string("phone_number"))
                    .col(string("status"))
                    .col(uuid("transfer_from_account_id").null())
                    .col(string_null("transfer_decision"))
                    .col(timestamp_with_time_zone("approval_deadline").null())
                    .col(string_null("campaign_id"))
                    .col(uuid("messaging_profile_id").null())
                    .col(string("messaging_product"))
                    .col(text("tags"))
                    .col(integer("code_attempts_remaining").null())
                    .col(timestamp_with_time_zone("code_resend_allowed_at").null())
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("order_documents")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(string("kind"))
                    .col(text("filename"))
                    .col(big_integer("size"))
                    .col(string("sha256"))
                    .col(text("warnings"))
                    .col(timestamp_with_time_zone("uploaded_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("order_history")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(string_null("phone_number"))
                    .col(string_null("from_status"))
                    .col(string("to_status"))
                    .col(string("actor"))
                    .col(text("reason"))
                    .col(string("trace_id"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("order_deadlines")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("order_id"))
                    .col(string("kind"))
                    .col(timestamp_with_time_zone("due_at").null())
                    .col(uuid("claim").null())
                    .col(timestamp_with_time_zone("deadline_at"))
                    .col(integer("attempts"))
                    .col(text("traceparent"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("document_blobs")
                    .if_not_exists()
                    .col(string("key").primary_key())
                    .col(binary("bytes"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("applied_events")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(timestamp_with_time_zone("applied_at"))
                    .to_owned(),
            )
            .await?;
        for (name, table, columns, unique) in [
            (
                "hosted_orders_account",
                "hosted_orders",
                &["account_id", "id"][..],
                false,
            ),
            (
                "hosted_orders_status",
                "hosted_orders",
                &["status", "updated_at"][..],
                false,
            ),
            (
                "hosted_numbers_order",
                "hosted_numbers",
                &["order_id", "id"][..],
                false,
            ),
            (
                "hosted_numbers_account",
                "hosted_numbers",
                &["account_id", "status", "phone_number"][..],
                false,
            ),
            (
                "order_documents_order",
                "order_documents",
                &["order_id"][..],
                false,
            ),
            (
                "order_history_order",
                "order_history",
                &["order_id", "id"][..],
                false,
            ),
            (
                "order_deadlines_due",
                "order_deadlines",
                &["due_at"][..],
                false,
            ),
            (
                "order_deadlines_kind",
                "order_deadlines",
                &["order_id", "kind"][..],
                true,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table).if_not_exists();
            if unique {
                index.unique();
            }
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
