//! The notifier's use cases: take events (each once), resolve where they go, and deliver them —
//! webhooks in rounds over the primary and failover URLs with backoff until a horizon, e-mails
//! through the mailer, portal notices at once — and answer what was delivered.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, TransactionTrait};
use textport_domain::{
    AccountId, Clock as _, EventId, MessagingProfileId, Page, PortalNoticeId, SharedClock,
    SystemClock, WebhookDeliveryId,
};
use textport_platform::client::Downstream;
use textport_platform::{CancellationToken, trace_context};
use textport_platform::{metrics, sweeper};
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::accounts::v1::notification_service_client::NotificationServiceClient;
use textport_proto::accounts::v1::{
    GetMessagingProfileRequest, NotificationChannelType, NotificationEventCondition,
    ResolveNotificationChannelsRequest,
};
use tokio::sync::Notify;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::domain::{self, Condition, DeliveryStatus, WebhookEvent};
use crate::error::Error;
use crate::http::WebhookClient;
use crate::mail::Mailer;
use crate::signing::WebhookSigner;
use crate::store::{self, DeliveryFilter, NewEvent, RoundResult, attempt, delivery, email, notice};

/// How deliveries are paced.
#[derive(Debug, Clone)]
pub struct Policy {
    pub retry_base: Duration,
    pub retry_cap: Duration,
    pub retry_horizon: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How often due rows are looked for without a wake-up.
    pub poll: Duration,
    /// How long a claimed round may take before another replica may take it over.
    pub lease: Duration,
}

/// An e-mail the event brings: to explicit addresses, or to the account's e-mail channels.
#[derive(Debug, Clone)]
pub struct EmailContent {
    pub to: Vec<String>,
    pub subject: String,
    pub body_text: String,
}

/// One event as a relay delivered it.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub id: EventId,
    pub occurred_at: DateTime<Utc>,
    pub traceparent: String,
    pub event_type: String,
    pub account_id: AccountId,
    pub payload_json: String,
    pub resource_id: Option<String>,
    /// The messaging profile whose webhook URLs receive it.
    pub profile: Option<MessagingProfileId>,
    /// Explicit URLs: the primary, then failovers.
    pub urls: Vec<String>,
    pub email: Option<EmailContent>,
    pub portal: Option<(String, String)>,
}

/// A delivery and its attempts (newest first), as the API shows it.
pub type DeliveryView = (delivery::Model, Vec<attempt::Model>);

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    clock: SharedClock,
    profiles: MessagingProfileServiceClient<Downstream>,
    notifications: NotificationServiceClient<Downstream>,
    signer: WebhookSigner,
    http: WebhookClient,
    mailer: Arc<dyn Mailer>,
    policy: Policy,
    deliveries_due: Notify,
    emails_due: Notify,
}

/// Where one event goes, resolved before anything is stored.
struct Plan {
    deliveries: Vec<Vec<String>>,
    emails: Vec<(String, String, String)>,
    notice: Option<(String, String)>,
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        accounts: Downstream,
        signer: WebhookSigner,
        http: WebhookClient,
        mailer: Arc<dyn Mailer>,
        policy: Policy,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                profiles: MessagingProfileServiceClient::new(accounts.clone()),
                notifications: NotificationServiceClient::new(accounts),
                signer,
                http,
                mailer,
                policy,
                deliveries_due: Notify::new(),
                emails_due: Notify::new(),
            }),
        }
    }

    pub fn public_key(&self) -> String {
        self.inner.signer.public_key()
    }

    // === receiving ===

    /// Stores each new event once with everything it should produce, in one transaction; an
    /// event already received is acknowledged and nothing more.
    pub async fn receive(&self, events: Vec<Incoming>) -> Result<(), Error> {
        let ids: Vec<Uuid> = events.iter().map(|event| *event.id.as_uuid()).collect();
        let known = store::known_events(&self.inner.db, &ids).await?;
        let fresh: Vec<Incoming> = events
            .into_iter()
            .filter(|event| !known.contains(event.id.as_uuid()))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let mut resolver = Resolver::new(self);
        let mut plans = Vec::with_capacity(fresh.len());
        for event in &fresh {
            plans.push(resolver.plan(event).await?);
        }
        let now = self.inner.clock.now();
        let txn = self.inner.db.begin().await?;
        let new_events: Vec<NewEvent<'_>> = fresh
            .iter()
            .map(|event| NewEvent {
                id: *event.id.as_uuid(),
                event_type: &event.event_type,
                account_id: event.account_id,
            })
            .collect();
        let recorded: HashSet<Uuid> = store::insert_events(&txn, &new_events, now)
            .await?
            .into_iter()
            .collect();
        let (mut deliveries, mut emails, mut notices) = (Vec::new(), Vec::new(), Vec::new());
        for (event, plan) in fresh.iter().zip(plans) {
            // Another replica recorded it between the look-up and now: its work is that one's.
            if !recorded.contains(event.id.as_uuid()) {
                continue;
            }
            for urls in plan.deliveries {
                deliveries.push(delivery_row(event, &urls, now)?);
            }
            for (to, subject, body_text) in plan.emails {
                emails.push(email::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    event_id: Set(*event.id.as_uuid()),
                    account_id: Set(*event.account_id.as_uuid()),
                    to_address: Set(to),
                    subject: Set(subject),
                    body_text: Set(body_text),
                    attempts: Set(0),
                    due_at: Set(Some(now)),
                    claim: Set(None),
                });
            }
            if let Some((title, body)) = plan.notice {
                notices.push(notice::ActiveModel {
                    id: Set(*PortalNoticeId::new().as_uuid()),
                    account_id: Set(*event.account_id.as_uuid()),
                    event_id: Set(*event.id.as_uuid()),
                    event_type: Set(event.event_type.clone()),
                    title: Set(title),
                    body: Set(body),
                    created_at: Set(now),
                    read_at: Set(None),
                });
            }
        }
        store::insert_deliveries(&txn, deliveries).await?;
        store::insert_emails(&txn, emails).await?;
        store::insert_notices(&txn, notices).await?;
        txn.commit().await?;
        self.inner.deliveries_due.notify_one();
        self.inner.emails_due.notify_one();
        Ok(())
    }

    // === webhooks ===

    /// Runs delivery rounds until `shutdown`; a round that fails is logged and retried.
    pub async fn run_deliveries(self, shutdown: CancellationToken) {
        let inner = self.inner.clone();
        sweeper::repeat(
            shutdown,
            &inner.deliveries_due,
            inner.policy.poll,
            || async {
                self.deliver_due().await.unwrap_or_else(|error| {
                    tracing::warn!(%error, "webhook delivery round failed");
                    false
                })
            },
        )
        .await;
    }

    /// One round over every due delivery this replica can claim; true when the claim was full.
    pub async fn deliver_due(&self) -> Result<bool, DbErr> {
        let policy = &self.inner.policy;
        let limit = (policy.concurrency * 4) as u64;
        let claim =
            store::claim_deliveries(&self.inner.db, self.inner.clock.now(), policy.lease, limit)
                .await?;
        let full = claim.rows.len() as u64 >= limit;
        // Rounds are recorded as they finish, a chunk per transaction: one commit for many
        // deliveries, and a slow receiver does not hold back the others' records.
        let mut finished = futures::stream::iter(claim.rows)
            .map(|row| {
                let app = self.clone();
                async move { app.round(&row).await }
            })
            .buffer_unordered(policy.concurrency)
            .ready_chunks(policy.concurrency);
        while let Some(rounds) = finished.next().await {
            let txn = self.inner.db.begin().await?;
            let lost = store::finish_rounds(&txn, claim.token, rounds).await?;
            txn.commit().await?;
            if lost > 0 {
                tracing::warn!(
                    lost,
                    "delivery rounds outlived their lease; another replica took them over"
                );
            }
        }
        Ok(full)
    }

    /// One round: the primary, then each failover, until one answers 2xx; what to record.
    async fn round(&self, row: &delivery::Model) -> RoundResult {
        let span = tracing::info_span!(
            "deliver",
            otel.name = "textport.notifier.deliver_webhook",
            otel.kind = "client",
            textport.event.id = %row.event_id,
            textport.event.type = %row.event_type,
            textport.account.id = %row.account_id,
            trace_id = tracing::field::Empty,
        );
        trace_context::adopt_traceparent(&span, &row.traceparent);
        async move {
            let urls: Vec<String> = serde_json::from_str(&row.urls).unwrap_or_default();
            let event = WebhookEvent {
                id: row.event_id,
                event_type: &row.event_type,
                occurred_at: row.occurred_at,
                payload_json: &row.payload_json,
            };
            let mut attempts = Vec::new();
            let mut number = row.attempts;
            let mut delivered = false;
            let started_at = row.started_at.unwrap_or_else(|| self.inner.clock.now());
            for url in &urls {
                number += 1;
                let (ok, attempt) = self.attempt(&event, row.id, number, url).await;
                delivered = ok;
                attempts.push(attempt);
                if delivered {
                    break;
                }
            }
            let now = self.inner.clock.now();
            let (status, failed_rounds, due_at) = if delivered {
                (DeliveryStatus::Delivered, row.failed_rounds, None)
            } else {
                let failed_rounds = row.failed_rounds.saturating_add(1);
                let policy = &self.inner.policy;
                let wait = sweeper::backoff(
                    u32::try_from(failed_rounds - 1).unwrap_or(0),
                    policy.retry_base,
                    policy.retry_cap,
                );
                let next = domain::next_round(row.budget_from, now, wait, policy.retry_horizon);
                let status = if next.is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Failed
                };
                (status, failed_rounds, next)
            };
            RoundResult {
                id: row.id,
                attempt_rows: attempts,
                status,
                attempts: number,
                failed_rounds,
                due_at,
                started_at,
                finished_at: (status != DeliveryStatus::Pending).then_some(now),
            }
        }
        .instrument(span)
        .await
    }

    /// One signed POST: whether it was delivered, and its record.
    async fn attempt(
        &self,
        event: &WebhookEvent<'_>,
        delivery_id: Uuid,
        number: i32,
        url: &str,
    ) -> (bool, attempt::ActiveModel) {
        let started_at = self.inner.clock.now();
        let answer = match domain::envelope(event, u32::try_from(number).unwrap_or(u32::MAX), url) {
            Ok(body) => {
                // Receivers check the signature's age against their own clock: always wall time,
                // even when the business clock was moved.
                let timestamp = SystemClock.now().timestamp();
                let signature = self.inner.signer.sign(timestamp, &body);
                self.inner.http.post(url, &signature, timestamp, body).await
            }
            Err(error) => {
                tracing::error!(%error, "an event's payload is not JSON; it cannot be delivered");
                crate::http::Answer {
                    http_status: None,
                    outcome: Err(domain::AttemptError::InvalidUrl),
                }
            }
        };
        let errors: Vec<i32> = answer.outcome.err().map(|e| e.code()).into_iter().collect();
        let delivered = answer.outcome.is_ok();
        metrics::metrics()
            .webhook_attempts
            .get_or_create(&metrics::AttemptLabels {
                outcome: if delivered { "delivered" } else { "failed" },
                error: errors.first().copied().unwrap_or(0),
            })
            .inc();
        let record = attempt::ActiveModel {
            delivery_id: Set(delivery_id),
            attempt: Set(number),
            url: Set(url.to_owned()),
            delivered: Set(delivered),
            http_status: Set(answer.http_status.map(i32::from)),
            errors: Set(serde_json::to_string(&errors).unwrap_or_else(|_| "[]".to_owned())),
            started_at: Set(started_at),
            finished_at: Set(self.inner.clock.now()),
        };
        (delivered, record)
    }

    pub async fn deliveries(
        &self,
        account_id: AccountId,
        filter: &DeliveryFilter,
        page: Page,
    ) -> Result<(Vec<DeliveryView>, u64), Error> {
        Ok(store::deliveries(&self.inner.db, account_id, filter, page).await?)
    }

    pub async fn delivery(
        &self,
        account_id: AccountId,
        id: WebhookDeliveryId,
    ) -> Result<DeliveryView, Error> {
        store::delivery(&self.inner.db, account_id, *id.as_uuid())
            .await?
            .ok_or(Error::DeliveryNotFound)
    }

    /// A new round now with the same event id, signed afresh, and a fresh retry budget.
    pub async fn redeliver(
        &self,
        account_id: AccountId,
        id: WebhookDeliveryId,
    ) -> Result<DeliveryView, Error> {
        if !store::redeliver(
            &self.inner.db,
            account_id,
            *id.as_uuid(),
            self.inner.clock.now(),
        )
        .await?
        {
            return Err(Error::DeliveryNotFound);
        }
        self.inner.deliveries_due.notify_one();
        self.delivery(account_id, id).await
    }

    pub async fn event_deliveries(&self, event_id: EventId) -> Result<Vec<DeliveryView>, Error> {
        Ok(store::event_deliveries(&self.inner.db, *event_id.as_uuid()).await?)
    }

    // === e-mail ===

    pub async fn run_emails(self, shutdown: CancellationToken) {
        let inner = self.inner.clone();
        sweeper::repeat(shutdown, &inner.emails_due, inner.policy.poll, || async {
            if let Err(error) = self.send_due_emails().await {
                tracing::warn!(%error, "e-mail round failed");
            }
            false
        })
        .await;
    }

    async fn send_due_emails(&self) -> Result<(), DbErr> {
        let policy = &self.inner.policy;
        let claim =
            store::claim_emails(&self.inner.db, self.inner.clock.now(), policy.lease, 64).await?;
        for row in &claim.rows {
            let email = store::email_of(row);
            match self.inner.mailer.send(&email).await {
                Ok(()) => store::email_sent(&self.inner.db, &claim, row.id).await?,
                Err(error) => {
                    let attempts = row.attempts.saturating_add(1);
                    tracing::warn!(error = %format!("{error:#}"), attempts, "e-mail not sent; will retry");
                    let wait = sweeper::backoff(
                        u32::try_from(attempts).unwrap_or(u32::MAX),
                        policy.retry_base,
                        policy.retry_cap,
                    );
                    let due = self.inner.clock.now()
                        + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                    store::email_failed(&self.inner.db, &claim, row.id, attempts, due).await?;
                }
            }
        }
        Ok(())
    }

    pub async fn mailbox(
        &self,
        to: Option<&str>,
        page: Page,
    ) -> Result<(Vec<store::mailbox::Model>, u64), Error> {
        Ok(store::mailbox(&self.inner.db, to, page).await?)
    }

    // === portal notices ===

    pub async fn notices(
        &self,
        account_id: AccountId,
        read: Option<bool>,
        page: Page,
    ) -> Result<(Vec<notice::Model>, u64), Error> {
        Ok(store::notices(&self.inner.db, account_id, read, page).await?)
    }

    pub async fn mark_read(
        &self,
        account_id: AccountId,
        id: PortalNoticeId,
    ) -> Result<notice::Model, Error> {
        store::mark_read(
            &self.inner.db,
            account_id,
            *id.as_uuid(),
            self.inner.clock.now(),
        )
        .await?
        .ok_or(Error::NoticeNotFound)
    }
}

fn delivery_row(
    event: &Incoming,
    urls: &[String],
    now: DateTime<Utc>,
) -> Result<delivery::ActiveModel, Error> {
    Ok(delivery::ActiveModel {
        id: Set(*WebhookDeliveryId::new().as_uuid()),
        event_id: Set(*event.id.as_uuid()),
        event_type: Set(event.event_type.clone()),
        account_id: Set(*event.account_id.as_uuid()),
        resource_id: Set(event.resource_id.clone()),
        occurred_at: Set(event.occurred_at),
        payload_json: Set(event.payload_json.clone()),
        traceparent: Set(event.traceparent.clone()),
        urls: Set(serde_json::to_string(urls).map_err(|error| Error::Internal(error.to_string()))?),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        failed_rounds: Set(0),
        budget_from: Set(now),
        due_at: Set(Some(now)),
        claim: Set(None),
        created_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
    })
}

/// Resolves events' destinations through accounts, asking once per profile and per
/// (account, condition) within a batch.
struct Resolver<'a> {
    app: &'a App,
    profiles: HashMap<(AccountId, MessagingProfileId), Vec<String>>,
    channels: HashMap<(AccountId, NotificationEventCondition), Channels>,
}

/// What an account's notification settings select for one condition.
#[derive(Debug, Clone, Default)]
struct Channels {
    /// Some setting selects the condition (so a portal notice is due).
    selected: bool,
    emails: Vec<String>,
    webhooks: Vec<String>,
}

impl<'a> Resolver<'a> {
    fn new(app: &'a App) -> Self {
        Self {
            app,
            profiles: HashMap::new(),
            channels: HashMap::new(),
        }
    }

    async fn plan(&mut self, event: &Incoming) -> Result<Plan, Error> {
        let mut deliveries = Vec::new();
        if let Some(profile) = event.profile {
            let urls = self.profile_urls(event.account_id, profile).await?;
            if !urls.is_empty() {
                deliveries.push(urls);
            }
        }
        if !event.urls.is_empty() {
            deliveries.push(event.urls.clone());
        }
        let condition = Condition::of(&event.event_type);
        let Channels {
            selected,
            emails: mut email_channels,
            webhooks: mut webhook_channels,
        } = match condition {
            Some(condition) => self.channels(event.account_id, condition).await?,
            None => Channels::default(),
        };
        // A porting order's own webhook_url replaces the port-in channels (the notice stays).
        if condition == Some(Condition::PortInNotifications) && !event.urls.is_empty() {
            email_channels.clear();
            webhook_channels.clear();
        }
        for url in webhook_channels {
            if !deliveries.iter().any(|urls| urls.contains(&url)) {
                deliveries.push(vec![url]);
            }
        }
        let generic = || domain::generic_notice(&event.event_type, event.resource_id.as_deref());
        let emails = match &event.email {
            Some(content) => {
                let to = if content.to.is_empty() {
                    email_channels
                } else {
                    content.to.clone()
                };
                to.into_iter()
                    .map(|to| (to, content.subject.clone(), content.body_text.clone()))
                    .collect()
            }
            None if selected => {
                let (subject, body) = generic();
                email_channels
                    .into_iter()
                    .map(|to| (to, subject.clone(), body.clone()))
                    .collect()
            }
            None => Vec::new(),
        };
        let notice = match &event.portal {
            Some(notice) => Some(notice.clone()),
            None => selected.then(generic),
        };
        Ok(Plan {
            deliveries,
            emails,
            notice,
        })
    }

    async fn profile_urls(
        &mut self,
        account: AccountId,
        profile: MessagingProfileId,
    ) -> Result<Vec<String>, Error> {
        if let Some(urls) = self.profiles.get(&(account, profile)) {
            return Ok(urls.clone());
        }
        let answer = self
            .app
            .inner
            .profiles
            .clone()
            .get_messaging_profile(GetMessagingProfileRequest {
                account_id: account.to_string(),
                profile_id: profile.to_string(),
            })
            .await;
        let urls = match answer {
            Ok(response) => response
                .into_inner()
                .profile
                .map(|p| {
                    p.webhook_url
                        .into_iter()
                        .chain(p.webhook_failover_url)
                        .collect()
                })
                .unwrap_or_default(),
            // A profile deleted since the event was written has no webhook to receive it.
            Err(status) if status.code() == tonic::Code::NotFound => {
                tracing::warn!(%profile, "the event's messaging profile is gone; no webhook");
                Vec::new()
            }
            Err(status) => return Err(Error::Accounts(status)),
        };
        self.profiles.insert((account, profile), urls.clone());
        Ok(urls)
    }

    async fn channels(
        &mut self,
        account: AccountId,
        condition: Condition,
    ) -> Result<Channels, Error> {
        let condition = match condition {
            Condition::HostedSmsOrderUpdates => NotificationEventCondition::HostedSmsOrderUpdates,
            Condition::InternalTransferRequests => {
                NotificationEventCondition::InternalTransferRequests
            }
            Condition::PortInNotifications => NotificationEventCondition::PortInNotifications,
        };
        if let Some(found) = self.channels.get(&(account, condition)) {
            return Ok(found.clone());
        }
        let answer = self
            .app
            .inner
            .notifications
            .clone()
            .resolve_notification_channels(ResolveNotificationChannelsRequest {
                account_id: account.to_string(),
                condition: condition.into(),
            })
            .await
            .map_err(Error::Accounts)?
            .into_inner();
        let of_type = |wanted: NotificationChannelType| {
            answer
                .channels
                .iter()
                .filter(|channel| channel.channel_type() == wanted)
                .map(|channel| channel.destination.clone())
                .collect::<Vec<_>>()
        };
        let found = Channels {
            selected: answer.selected,
            emails: of_type(NotificationChannelType::Email),
            webhooks: of_type(NotificationChannelType::Webhook),
        };
        self.channels.insert((account, condition), found.clone());
        Ok(found)
    }
}
