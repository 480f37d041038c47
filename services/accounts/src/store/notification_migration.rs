//! Notification profiles, channels and settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, string, timestamp_with_time_zone, uuid, uuid_null};

pub struct CreateNotificationTables;

impl MigrationName for CreateNotificationTables {
    fn name(&self) -> &str {
        "m20261124_000001_create_notification_tables"
    }
}

/// An index named `{table}_{columns joined by _}`.
fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("{table}_{}", columns.join("_")))
        .table(table)
        .if_not_exists();
    for column in columns {
        index.col(*column);
    }
    index
}

fn account_key(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, "account_id")
        .to("accounts", "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateNotificationTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("notification_profiles")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(string("name"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut account_key("notification_profiles"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notification_profiles",
                &["account_id", "created_at"],
            ))
            .await?;
        // A profile is deleted only once its channels and settings are (the keys below refuse
        // it otherwise), so nothing a client holds an id of disappears as a side effect.
        manager
            .create_table(
                Table::create()
                    .table("notification_channels")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(uuid("notification_profile_id"))
                    .col(string("channel_type"))
                    .col(string("channel_destination"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(big_integer("revision"))
                    .foreign_key(&mut account_key("notification_channels"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("notification_channels", "notification_profile_id")
                            .to("notification_profiles", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for columns in [
            &["account_id", "created_at"][..],
            &["notification_profile_id"],
        ] {
            manager
                .create_index(index("notification_channels", columns))
                .await?;
        }
        // The key a setting's (channel, profile) pair refers to, so that the database itself
        // keeps every setting's channel in the setting's profile.
        manager
            .create_index(
                index("notification_channels", &["id", "notification_profile_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A channel that settings use can neither be deleted nor move to another profile (the
        // pair's key refuses both).
        manager
            .create_table(
                Table::create()
                    .table("notification_settings")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid("account_id"))
                    .col(uuid("notification_profile_id"))
                    .col(uuid_null("notification_channel_id"))
                    .col(string("condition"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut account_key("notification_settings"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("notification_settings", "notification_profile_id")
                            .to("notification_profiles", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                "notification_settings",
                                ("notification_channel_id", "notification_profile_id"),
                            )
                            .to("notification_channels", ("id", "notification_profile_id")),
                    )
                    .to_owned(),
            )
            .await?;
        // Lists, the notifier's look-up by condition, and the keys' checks.
        for columns in [
            &["account_id", "created_at"][..],
            &["account_id", "condition"],
            &["notification_profile_id"],
            &["notification_channel_id"],
        ] {
            manager
                .create_index(index("notification_settings", columns))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "notification_settings",
            "notification_channels",
            "notification_profiles",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
