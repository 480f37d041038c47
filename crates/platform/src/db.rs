//! Database connection and migrations. SQLite (a file per service) by default; PostgreSQL by URL,
//! with the service's own schema when one is configured.

use std::time::Duration;

use anyhow::Context as _;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QuerySelect, RuntimeErr, Select, SqlErr,
};
use sea_orm_migration::MigratorTrait;
use textport_domain::Page;

use crate::config::DatabaseConfig;
use crate::{ApiError, ErrorKind};

/// What a failed statement means to its caller, the same on SQLite and PostgreSQL. Call sites
/// turn the first two into their own errors ("that name is taken", "no such account").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    UniqueViolation,
    ForeignKeyViolation,
    /// Lost a race with another transaction (serialization failure, deadlock, busy database, no
    /// free connection): the same request may succeed if sent again.
    Retryable,
    Other,
}

/// PostgreSQL: serialization_failure, deadlock_detected. SQLite: SQLITE_BUSY, SQLITE_LOCKED and
/// their extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT, LOCKED_SHAREDCACHE).
const RETRYABLE_CODES: [&str; 8] = ["40001", "40P01", "5", "6", "261", "517", "773", "262"];

pub fn failure(error: &DbErr) -> DbFailure {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => return DbFailure::UniqueViolation,
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => return DbFailure::ForeignKeyViolation,
        _ => {}
    }
    match error {
        DbErr::ConnectionAcquire(_) => DbFailure::Retryable,
        DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => {
            match sqlx.as_database_error().and_then(|db| db.code()) {
                Some(code) if RETRYABLE_CODES.contains(&code.as_ref()) => DbFailure::Retryable,
                _ => DbFailure::Other,
            }
        }
        _ => DbFailure::Other,
    }
}

/// The public answer for a store error that its call site did not turn into a domain error: a
/// lost race is worth retrying; anything else is logged with its cause and answered opaquely.
pub fn api_error(error: &DbErr) -> ApiError {
    match failure(error) {
        DbFailure::Retryable => ApiError::new(
            ErrorKind::Unavailable,
            "The request collided with another one; send it again.",
        )
        .retry_after(Duration::from_secs(1)),
        DbFailure::UniqueViolation | DbFailure::ForeignKeyViolation | DbFailure::Other => {
            ApiError::internal(error)
        }
    }
}

/// A stored value and the revision it was read at. Updates name the revision they read and
/// change nothing if another writer came first (optimistic concurrency: the same on SQLite and
/// PostgreSQL, and independent of the clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    pub value: T,
    pub revision: i64,
}

/// A `LIKE` pattern matching values that contain `fragment` literally (its `%`, `_` and `\`
/// escaped).
pub fn contains(fragment: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped = fragment
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// One page of `query` (already filtered and ordered) and the count of all its rows.
pub async fn fetch_page<E>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    page: Page,
) -> Result<(Vec<E::Model>, u64), DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(page.offset())
        .limit(u64::from(page.size()))
        .all(db)
        .await?;
    Ok((rows, total))
}

pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if config.url.starts_with("sqlite:") {
        create_sqlite_parent_dir(&config.url)?;
        // WAL lets readers run beside the one writer; the busy timeout queues writers instead of failing them.
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    }
    if let Some(schema) = &config.schema {
        ensure_schema(config, schema).await?;
        options.set_schema_search_path(schema.clone());
    }
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(&config.url)))
}

/// What a service does about its schema when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Bring it up to date (`up`, `migrate`, tests).
    Migrate,
    /// Refuse to start unless it is up to date (`serve`): replicas never race to migrate; the
    /// `migrate` command runs first (a Helm hook Job).
    RequireCurrent,
}

/// Connects and applies `schema`'s rule with the service's migrations.
pub async fn open<M: MigratorTrait>(
    config: &DatabaseConfig,
    schema: Schema,
) -> anyhow::Result<DatabaseConnection> {
    let db = connect(config).await?;
    match schema {
        Schema::Migrate => M::up(&db, None).await.context("running migrations")?,
        Schema::RequireCurrent => {
            let pending = M::get_pending_migrations_read_only(&db).await?;
            let names: Vec<&str> = pending.iter().map(|m| m.name()).collect();
            anyhow::ensure!(
                names.is_empty(),
                "the database schema is behind ({} pending: {}); run `textport migrate` for this service first",
                names.len(),
                names.join(", ")
            );
        }
    }
    Ok(db)
}

/// Removes a service's data: its PostgreSQL schema, or its SQLite file. For tests and teardown.
pub async fn discard(config: &DatabaseConfig) -> anyhow::Result<()> {
    match &config.schema {
        Some(schema) => {
            validate_schema_name(schema)?;
            run_on_server(
                config,
                &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
            )
            .await?;
        }
        None => {
            if let Some(path) = sqlite_path(&config.url) {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
        }
    }
    Ok(())
}

fn validate_schema_name(schema: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !schema.is_empty()
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "database.schema must be lowercase letters, digits and `_`, got {schema:?}"
    );
    Ok(())
}

async fn ensure_schema(config: &DatabaseConfig, schema: &str) -> anyhow::Result<()> {
    validate_schema_name(schema)?;
    anyhow::ensure!(
        config.url.starts_with("postgres"),
        "database.schema is only for PostgreSQL URLs"
    );
    run_on_server(config, &format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")).await
}

/// One statement on a connection of its own (outside any schema's search path).
async fn run_on_server(config: &DatabaseConfig, statement: &str) -> anyhow::Result<()> {
    let admin = Database::connect(
        ConnectOptions::new(config.url.clone())
            .max_connections(1)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .with_context(|| format!("connecting to {}", redact(&config.url)))?;
    admin.execute_unprepared(statement).await?;
    admin.close().await?;
    Ok(())
}

/// The directory of a SQLite database file; the system's temporary directory otherwise.
pub fn files_dir(config: &DatabaseConfig) -> std::path::PathBuf {
    sqlite_path(&config.url)
        .and_then(|path| {
            std::path::Path::new(path)
                .parent()
                .map(std::path::Path::to_path_buf)
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or_else(std::env::temp_dir)
}

/// The file of a SQLite URL; `None` for in-memory databases.
fn sqlite_path(url: &str) -> Option<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then_some(path)
}

fn create_sqlite_parent_dir(url: &str) -> anyhow::Result<()> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    Ok(())
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("sqlite://data/a.db?mode=rwc"),
            "sqlite://data/a.db?mode=rwc"
        );
    }
}
