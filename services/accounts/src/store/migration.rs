use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, binary, boolean, string, string_null, text, timestamp_with_time_zone, uuid,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateAccountsKeysProfiles),
            Box::new(super::notification_migration::CreateNotificationTables),
        ]
    }
}

struct CreateAccountsKeysProfiles;

impl MigrationName for CreateAccountsKeysProfiles {
    fn name(&self) -> &str {
        "m20261123_000001_create_accounts_keys_profiles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAccountsKeysProfiles {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("accounts")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(string("name").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(string("label"))
                    .col(binary("key_hash").unique_key())
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("api_keys", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_account_label")
                    .table("api_keys")
                    .col("account_id")
                    .col("label")
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("messaging_profiles")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(string("name"))
                    .col(string("name_folded"))
                    .col(boolean("enabled"))
                    .col(string_null("webhook_url"))
                    .col(string_null("webhook_failover_url"))
                    .col(string("webhook_api_version"))
                    .col(text("whitelisted_destinations"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("revision"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("messaging_profiles", "account_id")
                            .to("accounts", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("messaging_profiles_account_created")
                    .table("messaging_profiles")
                    .col("account_id")
                    .col("created_at")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["messaging_profiles", "api_keys", "accounts"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
