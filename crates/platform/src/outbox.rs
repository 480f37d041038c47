//! Events that are never lost. A use case writes each event into its service's `outbox` table in
//! the same transaction as the state change ([`push`]); the [`Relay`] of that service sends the
//! rows, oldest first, to the service each row names, over `EventSinkService/Deliver`, until
//! acknowledged. Rows are claimed through the [sweeper](crate::sweeper), so replicas never send a
//! row at the same time, and a relay that dies between sending and marking sends the row again
//! once its lease runs out: delivery is at least once, and sinks de-duplicate on the event id.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{binary, integer, string, text, timestamp_with_time_zone, uuid};
use textport_domain::SharedClock;
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::events::v1::{DeliverRequest, SinkEvent};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use uuid::Uuid;

use crate::client::Downstream;
use crate::service::Downstreams;
use crate::sweeper::{self, Due};
use crate::{convert, metrics, trace_context};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        /// The event id (UUIDv7), stable across resends.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The config section of the service the event goes to.
        pub destination: String,
        pub kind: String,
        /// Emptied once delivered: an event may carry a secret (an approval link) that must not
        /// outlive its delivery.
        pub body: Vec<u8>,
        pub traceparent: String,
        pub occurred_at: DateTimeUtc,
        /// Null once delivered.
        pub due_at: Option<DateTimeUtc>,
        pub claim: Option<Uuid>,
        pub attempts: i32,
        pub delivered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl Due for entity::Entity {
    fn id_column() -> entity::Column {
        entity::Column::Id
    }
    fn due_column() -> entity::Column {
        entity::Column::DueAt
    }
    fn claim_column() -> entity::Column {
        entity::Column::Claim
    }
}

/// One event for the outbox: the protobuf message a sink understands, and which sink.
pub struct OutboxEvent<'a> {
    /// The config section of the receiving service (`notifier`, `hosted_order`).
    pub destination: &'a str,
    /// The full protobuf name of `body`'s message.
    pub kind: &'a str,
    pub body: Vec<u8>,
}

/// Writes `event` into the outbox inside the caller's transaction; returns the event id. The
/// current span's trace context goes with it, so the delivery continues the trace.
pub async fn push(
    txn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    event: OutboxEvent<'_>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    entity::Entity::insert(entity::ActiveModel {
        id: ActiveValue::Set(id),
        destination: ActiveValue::Set(event.destination.to_owned()),
        kind: ActiveValue::Set(event.kind.to_owned()),
        body: ActiveValue::Set(event.body),
        traceparent: ActiveValue::Set(trace_context::current_traceparent().unwrap_or_default()),
        occurred_at: ActiveValue::Set(now),
        due_at: ActiveValue::Set(Some(now)),
        claim: ActiveValue::Set(None),
        attempts: ActiveValue::Set(0),
        delivered_at: ActiveValue::Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(id)
}

/// The `outbox` table; every service with events lists it among its migrations.
pub struct CreateOutbox;

impl MigrationName for CreateOutbox {
    fn name(&self) -> &str {
        "m20261123_100000_create_outbox"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("outbox")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(string("destination"))
                    .col(string("kind"))
                    .col(binary("body"))
                    .col(text("traceparent"))
                    .col(timestamp_with_time_zone("occurred_at"))
                    .col(timestamp_with_time_zone("due_at").null())
                    .col(uuid("claim").null())
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("delivered_at").null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_due")
                    .table("outbox")
                    .col("due_at")
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("outbox").to_owned())
            .await
    }
}

/// Wakes a service's relay right after a transaction with outbox rows commits, instead of at its
/// next poll.
#[derive(Clone, Default)]
pub struct RelayWaker(Arc<Notify>);

impl RelayWaker {
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// How a relay paces itself.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Rows sent in one `Deliver` call.
    pub batch: u64,
    /// How long a claim holds; a relay that dies mid-send gives its rows back after this.
    pub lease: Duration,
    /// How often the table is looked at without a wake-up (rows due after a backoff, other
    /// replicas' rows whose lease ran out).
    pub poll: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long delivered rows are kept (for looking into what was sent) before they are removed.
    pub retention: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch: 256,
            // Longer than a `Deliver` call may take (the channels' 30 s timeout), so a slow call
            // is not sent again by another replica while it is still running.
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(500),
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(60),
            retention: Duration::from_secs(24 * 3600),
        }
    }
}

/// Sends a service's outbox rows to their destinations.
pub struct Relay {
    /// The section of the service whose outbox this is (a metrics label).
    outbox: &'static str,
    db: sea_orm::DatabaseConnection,
    clock: SharedClock,
    sinks: BTreeMap<String, Downstream>,
    waker: RelayWaker,
    settings: RelaySettings,
}

impl Relay {
    /// The relay of `outbox` (its service's section) to each of `destinations` (config
    /// sections), through the service's channels.
    pub fn new(
        outbox: &'static str,
        db: sea_orm::DatabaseConnection,
        clock: SharedClock,
        downstreams: &Downstreams,
        destinations: &[&str],
        settings: RelaySettings,
    ) -> anyhow::Result<Self> {
        let sinks = destinations
            .iter()
            .map(|section| Ok(((*section).to_owned(), downstreams.get(section)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            outbox,
            db,
            clock,
            sinks,
            waker: RelayWaker::default(),
            settings,
        })
    }

    pub fn waker(&self) -> RelayWaker {
        self.waker.clone()
    }

    /// Relays until `shutdown`; a round's failures are logged and retried, never fatal. Every
    /// hundredth round, if idle, removes delivered rows past retention.
    pub async fn run(self, shutdown: CancellationToken) {
        let relay = &self;
        let mut rounds: u32 = 0;
        sweeper::repeat(shutdown, &self.waker.0, self.settings.poll, || {
            rounds = rounds.wrapping_add(1);
            let prune_if_idle = rounds % 100 == 1;
            async move {
                let full = relay.round().await.unwrap_or_else(|error| {
                    tracing::warn!(error = %crate::error::Chain(&error), "outbox relay round failed");
                    false
                });
                if !full
                    && prune_if_idle
                    && let Err(error) = relay.housekeeping().await
                {
                    tracing::warn!(%error, "outbox housekeeping failed");
                }
                full
            }
        })
        .await;
    }

    /// Claims one batch of due rows and sends it; true when the batch was full (more may wait).
    pub async fn round(&self) -> Result<bool, DbErr> {
        let claim = sweeper::claim::<entity::Entity>(
            &self.db,
            self.clock.now(),
            self.settings.lease,
            self.settings.batch,
            Condition::all(),
        )
        .await?;
        let full = claim.rows.len() as u64 >= self.settings.batch;
        let mut rows: Vec<&entity::Model> = claim.rows.iter().collect();
        // UUIDv7 ids sort by creation: oldest first within each destination.
        rows.sort_by_key(|row| row.id);
        let mut by_destination: BTreeMap<&str, Vec<&entity::Model>> = BTreeMap::new();
        for row in rows {
            by_destination
                .entry(&row.destination)
                .or_default()
                .push(row);
        }
        for (destination, rows) in by_destination {
            let result = match self.sinks.get(destination) {
                Some(sink) => send(sink.clone(), &rows).await,
                None => Err(tonic::Status::failed_precondition(format!(
                    "this service has no channel to {destination}"
                ))),
            };
            let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
            let labels = metrics::DestinationLabels {
                outbox: self.outbox,
                destination: destination.to_owned(),
            };
            match result {
                Ok(()) => {
                    metrics::metrics()
                        .outbox_sent
                        .get_or_create(&labels)
                        .inc_by(ids.len() as u64);
                    self.mark_delivered(claim.token, ids).await?;
                }
                Err(status) => {
                    metrics::metrics()
                        .outbox_failures
                        .get_or_create(&labels)
                        .inc_by(ids.len() as u64);
                    tracing::warn!(
                        destination,
                        events = rows.len(),
                        code = ?status.code(),
                        message = status.message(),
                        "outbox delivery failed; will retry"
                    );
                    self.back_off(claim.token, &rows).await?;
                }
            }
        }
        Ok(full)
    }

    async fn mark_delivered(&self, token: Uuid, ids: Vec<Uuid>) -> Result<(), DbErr> {
        let now = self.clock.now();
        entity::Entity::update_many()
            .col_expr(
                entity::Column::DueAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(entity::Column::Claim, Expr::value(Option::<Uuid>::None))
            .col_expr(entity::Column::DeliveredAt, Expr::value(now))
            .col_expr(entity::Column::Body, Expr::value(Vec::<u8>::new()))
            .filter(entity::Column::Id.is_in(ids))
            .filter(entity::Column::Claim.eq(token))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Puts a failed group back, due after a backoff that grows with its attempts so far.
    async fn back_off(&self, token: Uuid, rows: &[&entity::Model]) -> Result<(), DbErr> {
        let attempts = rows.iter().map(|row| row.attempts).max().unwrap_or(0);
        let wait = sweeper::backoff(
            <u32 as TryFrom<i32>>::try_from(attempts).unwrap_or(0),
            self.settings.backoff_base,
            self.settings.backoff_cap,
        );
        let due =
            self.clock.now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
        entity::Entity::update_many()
            .col_expr(entity::Column::DueAt, Expr::value(due))
            .col_expr(entity::Column::Claim, Expr::value(Option::<Uuid>::None))
            .col_expr(
                entity::Column::Attempts,
                Expr::col(entity::Column::Attempts).add(1),
            )
            .filter(entity::Column::Id.is_in(rows.iter().map(|row| row.id)))
            .filter(entity::Column::Claim.eq(token))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Removes delivered rows older than the retention, and reports the outbox's depth (events
    /// not yet delivered) and lag (the oldest one's age).
    pub async fn housekeeping(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        let before = now
            - chrono::Duration::from_std(self.settings.retention).unwrap_or(chrono::Duration::MAX);
        entity::Entity::delete_many()
            .filter(entity::Column::DeliveredAt.lt(before))
            .exec(&self.db)
            .await?;
        let waiting = entity::Entity::find().filter(entity::Column::DeliveredAt.is_null());
        let depth = waiting.clone().count(&self.db).await?;
        let oldest = waiting
            .order_by_asc(entity::Column::OccurredAt)
            .one(&self.db)
            .await?
            .map_or(0.0, |row| (now - row.occurred_at).as_seconds_f64().max(0.0));
        let labels = metrics::OutboxLabels {
            outbox: self.outbox,
        };
        let metrics = metrics::metrics();
        metrics
            .outbox_depth
            .get_or_create(&labels)
            .set(<i64 as TryFrom<u64>>::try_from(depth).unwrap_or(i64::MAX));
        metrics
            .outbox_lag_seconds
            .get_or_create(&labels)
            .set(oldest);
        Ok(())
    }
}

/// One `Deliver` call with `rows`, inside a span that continues the first row's trace.
async fn send(sink: Downstream, rows: &[&entity::Model]) -> Result<(), tonic::Status> {
    let span = tracing::info_span!(
        "relay",
        otel.name = "textport.outbox.relay",
        otel.kind = "client",
        events = rows.len(),
        trace_id = tracing::field::Empty,
    );
    if let Some(first) = rows.first() {
        trace_context::adopt_traceparent(&span, &first.traceparent);
    }
    let events = rows
        .iter()
        .map(|row| SinkEvent {
            id: row.id.to_string(),
            kind: row.kind.clone(),
            body: row.body.clone(),
            occurred_at: Some(convert::timestamp(row.occurred_at)),
            traceparent: row.traceparent.clone(),
        })
        .collect();
    async move {
        EventSinkServiceClient::new(sink)
            .deliver(DeliverRequest { events })
            .await
            .map(drop)
    }
    .instrument(span)
    .await
}
