use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, binary, binary_null, integer, string, string_null, text, timestamp_with_time_zone,
    timestamp_with_time_zone_null, uuid, uuid_null,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateVerificationTables)]
    }
}

struct CreateVerificationTables;

impl MigrationName for CreateVerificationTables {
    fn name(&self) -> &str {
        "m20261201_000001_create_verification_tables"
    }
}

const TABLES: [&str; 3] = ["verification_numbers", "sent_codes", "code_keys"];

#[async_trait::async_trait]
impl MigrationTrait for CreateVerificationTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("verification_numbers")
                    .if_not_exists()
                    .col(uuid("account_id"))
                    .col(uuid("subject_id"))
                    .col(string("phone_number"))
                    .col(uuid_null("code_id"))
                    .col(binary_null("code_hash"))
                    .col(string_null("method"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(integer("wrong_tries"))
                    .col(timestamp_with_time_zone_null("verified_at"))
                    .col(text("send_times"))
                    .col(text("wrong_try_times"))
                    .col(big_integer("revision"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(
                        Index::create()
                            .col("account_id")
                            .col("subject_id")
                            .col("phone_number"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sent_codes")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("verification_code_id"))
                    .col(uuid("account_id"))
                    .col(uuid("subject_id"))
                    .col(string("phone_number"))
                    .col(string("method"))
                    .col(string("code"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("sent_at"))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("sent_codes_phone_number", "phone_number"),
            ("sent_codes_subject", "subject_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("sent_codes")
                        .col(column)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("code_keys")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    .col(binary("key"))
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
