//! The use cases of messaging-port: domain values in, domain values or [`Error`] out. Every
//! change reads the order, applies the domain's rules, and writes the order, its changed
//! numbers, their history rows, the webhooks (outbox) and the order's next work in one
//! transaction, guarded by the order's version.
//!
//! The activation monitor is that work: one row per order with something due (its FOC, or
//! numbers waiting for our NNID), claimed by the sweeper. At the FOC eligibility records the
//! port in its directory (where the losing carrier's NNID release shows); then each round asks
//! the directory for the watched numbers' NNIDs, in one call per order.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use textport_domain::{
    AccountId, E164, MAX_NUMBERS_PER_REQUEST, MessagingProfileId, Page, SharedClock,
};
use textport_platform::client::Downstream;
use textport_platform::db::{self, DbFailure};
use textport_platform::outbox::{self, OutboxEvent, RelayWaker};
use textport_platform::{CancellationToken, convert, sweeper, trace_context};
use textport_proto::accounts::v1::GetMessagingProfileRequest;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::eligibility::v1::{
    CheckPortabilityRequest, GetNnidStatesRequest, NnidHandover, NnidState, OverrideNnidsRequest,
    PortNumbersRequest,
};
use tokio::sync::Notify;
use tracing::Instrument as _;

use crate::domain::{
    Emit, Nnid, NumberMessaging, Order, OrderEvent, OrderPatch, OrderStatus, PortingFacts,
    PortingOrderId, StatusDetail, coalesce, split,
};
use crate::error::Error;
use crate::events;
use crate::store::{self, Change, ListedNumber, NumberFilter, OrderFilter, OrderSort};

/// How many times a change re-reads and re-applies when another request changed the order.
const ATTEMPTS: usize = 3;
/// A FOC confirmed without a date comes this long after.
const DEFAULT_FOC_DELAY: TimeDelta = TimeDelta::days(1);
/// Orders claimed per monitor round.
const WORK_BATCH: u64 = 16;

/// The timing of the activation monitor.
#[derive(Debug, Clone)]
pub struct Policy {
    /// After the FOC, how long a number may wait for our NNID before it is an exception.
    pub nnid_watch: TimeDelta,
    /// How often a watched number's NNID is looked at.
    pub nnid_poll: TimeDelta,
    /// How long messaging may lag voice before the divergence alert.
    pub divergence_alert: TimeDelta,
    pub sweep_poll: Duration,
    pub lease: Duration,
}

/// The downstream services, one long-lived channel each.
#[derive(Clone)]
pub struct Clients {
    pub eligibility: EligibilityServiceClient<Downstream>,
    pub directory: NumberDirectoryServiceClient<Downstream>,
    pub profiles: MessagingProfileServiceClient<Downstream>,
}

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    clock: SharedClock,
    clients: Clients,
    relay: RelayWaker,
    work: Notify,
    policy: Policy,
}

/// Who made a change, for the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Customer,
    Operator,
    Sandbox,
    Monitor,
}

impl Actor {
    fn as_str(self) -> &'static str {
        match self {
            Actor::Customer => "customer",
            Actor::Operator => "operator",
            Actor::Sandbox => "sandbox",
            Actor::Monitor => "monitor",
        }
    }
}

/// A create request as sent.
pub struct NewOrders {
    pub phone_numbers: Vec<String>,
    pub customer_reference: Option<String>,
    pub customer_group_reference: Option<String>,
}

/// One step of the simulated porting network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Submit,
    ConfirmFoc(Option<DateTime<Utc>>),
    RaiseException(StatusDetail),
    Port,
    FinishCancel,
}

impl App {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        clients: Clients,
        relay: RelayWaker,
        policy: Policy,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                clients,
                relay,
                work: Notify::new(),
                policy,
            }),
        }
    }

    // === the customer's porting orders ===

    /// Draft orders for the numbers, one per (losing carrier, number type): every number must
    /// be a portable E.164 number, once, and in no other open order.
    pub async fn create(
        &self,
        account: AccountId,
        request: NewOrders,
    ) -> Result<Vec<Order>, Error> {
        let numbers = parse_numbers(&request.phone_numbers)?;
        self.refuse_taken(&numbers).await?;
        let requested = numbers.clone();
        let checked = self
            .inner
            .clients
            .eligibility
            .clone()
            .check_portability(CheckPortabilityRequest {
                account_id: account.to_string(),
                phone_numbers: numbers.iter().map(|n| n.as_str().to_owned()).collect(),
            })
            .await?
            .into_inner()
            .results;
        if checked.len() != numbers.len() {
            return Err(Error::Downstream(
                textport_platform::ApiError::internal_message(
                    "eligibility answered a portability check with another count of numbers",
                ),
            ));
        }
        let mut facts = Vec::with_capacity(numbers.len());
        for (index, (number, result)) in numbers.into_iter().zip(checked).enumerate() {
            if !result.portable {
                return Err(Error::NumberRefused {
                    pointer: format!("/phone_numbers/{index}"),
                    detail: format!(
                        "{} is not portable: {}.",
                        number.as_str(),
                        result.not_portable_reason
                    ),
                });
            }
            facts.push((
                number,
                PortingFacts {
                    carrier_name: result.carrier_name.unwrap_or_default(),
                    phone_number_type: result.phone_number_type.unwrap_or_default(),
                    messaging_capable: result.messaging_capable,
                    fast_portable: result.fast_portable,
                },
            ));
        }
        let now = self.inner.clock.now();
        let orders: Vec<Order> = split(facts)
            .into_iter()
            .map(|split| {
                Order::draft(
                    account,
                    split,
                    request.customer_reference.clone(),
                    request.customer_group_reference.clone(),
                    now,
                )
            })
            .collect();
        let txn = self.inner.db.begin().await?;
        if let Err(error) = store::insert_orders(&txn, &orders).await {
            txn.rollback().await?;
            return match db::failure(&error) {
                // Another order took a number since it was looked at.
                DbFailure::UniqueViolation => {
                    self.refuse_taken(&requested).await?;
                    Err(Error::Contended)
                }
                DbFailure::ForeignKeyViolation | DbFailure::Retryable | DbFailure::Other => {
                    Err(error.into())
                }
            };
        }
        for order in &orders {
            let changes = [Change {
                phone_number: None,
                from: "",
                to: OrderStatus::Draft.as_str(),
                reason: "order created".to_owned(),
            }];
            store::append_history(
                &txn,
                order.id,
                &changes,
                Actor::Customer.as_str(),
                &trace_id(),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        Ok(orders)
    }

    /// Refuses the request naming its first number already in an open porting order.
    async fn refuse_taken(&self, numbers: &[E164]) -> Result<(), Error> {
        let taken = store::in_open_orders(&self.inner.db, numbers).await?;
        match numbers.iter().position(|n| taken.contains(n)) {
            Some(index) => Err(Error::NumberRefused {
                pointer: format!("/phone_numbers/{index}"),
                detail: format!(
                    "{} is already in an open porting order.",
                    numbers[index].as_str()
                ),
            }),
            None => Ok(()),
        }
    }

    pub async fn get(
        &self,
        account: Option<AccountId>,
        id: PortingOrderId,
    ) -> Result<Order, Error> {
        store::load(&self.inner.db, id, account)
            .await?
            .ok_or(Error::OrderNotFound)
    }

    pub async fn list(
        &self,
        account: AccountId,
        filter: &OrderFilter,
        sort: OrderSort,
        page: Page,
    ) -> Result<(Vec<Order>, u64), Error> {
        Ok(store::list(&self.inner.db, account, filter, sort, page).await?)
    }

    /// The public PATCH. A profile it names must be the caller's.
    pub async fn update(
        &self,
        account: AccountId,
        id: PortingOrderId,
        patch: OrderPatch,
    ) -> Result<Order, Error> {
        if let Some(Some(profile)) = patch.messaging_profile_id {
            self.profile_exists(account, profile).await?;
        }
        let (order, ()) = self
            .change(Some(account), id, Actor::Customer, |order, _| {
                Ok(((), order.patch(patch.clone())?))
            })
            .await?;
        Ok(order)
    }

    async fn profile_exists(
        &self,
        account: AccountId,
        profile: MessagingProfileId,
    ) -> Result<(), Error> {
        let found = self
            .inner
            .clients
            .profiles
            .clone()
            .get_messaging_profile(GetMessagingProfileRequest {
                account_id: account.to_string(),
                profile_id: profile.to_string(),
            })
            .await;
        match found {
            Ok(_) => Ok(()),
            Err(status) if status.code() == tonic::Code::NotFound => Err(Error::ProfileNotFound),
            Err(status) => Err(status.into()),
        }
    }

    /// Submits a draft: it gets its support key.
    pub async fn confirm(&self, account: AccountId, id: PortingOrderId) -> Result<Order, Error> {
        let support_key = new_support_key();
        let (order, ()) = self
            .change(Some(account), id, Actor::Customer, |order, _| {
                let emits = order.rules.transition(OrderEvent::Confirm)?;
                order.support_key.get_or_insert_with(|| support_key.clone());
                Ok(((), emits))
            })
            .await?;
        Ok(order)
    }

    pub async fn cancel(&self, account: AccountId, id: PortingOrderId) -> Result<Order, Error> {
        let (order, ()) = self
            .change(Some(account), id, Actor::Customer, |order, _| {
                Ok(((), order.rules.transition(OrderEvent::Cancel)?))
            })
            .await?;
        Ok(order)
    }

    /// Deletes a draft; `porting_order.deleted` tells the account.
    pub async fn delete(&self, account: AccountId, id: PortingOrderId) -> Result<(), Error> {
        for _ in 0..ATTEMPTS {
            let order = self.get(Some(account), id).await?;
            order.rules.ensure_deletable()?;
            let now = self.inner.clock.now();
            let txn = self.inner.db.begin().await?;
            if !store::delete(&txn, &order).await? {
                txn.rollback().await?;
                continue;
            }
            let deleted = events::deleted(&order, now).map_err(payload_error)?;
            outbox::push(&txn, now, deleted).await?;
            txn.commit().await?;
            self.inner.relay.wake();
            return Ok(());
        }
        Err(Error::Contended)
    }

    pub async fn list_numbers(
        &self,
        account: AccountId,
        filter: &NumberFilter,
        page: Page,
    ) -> Result<(Vec<ListedNumber>, u64), Error> {
        Ok(store::list_numbers(&self.inner.db, account, filter, page).await?)
    }

    // === the operator ===

    pub async fn list_exceptions(&self, page: Page) -> Result<(Vec<ListedNumber>, u64), Error> {
        Ok(store::list_exceptions(&self.inner.db, page).await?)
    }

    /// Forces our NNID on one number through the routing database; its messaging ports at once.
    pub async fn override_nnid(
        &self,
        id: PortingOrderId,
        number: &E164,
    ) -> Result<(Order, usize), Error> {
        let (order, index) = self.with_number(id, number).await?;
        // Refused before the carrier is asked: a number that is not waiting has nothing to override.
        order.rules.clone().nnid_shown(index)?;
        let states = self
            .inner
            .clients
            .directory
            .clone()
            .override_nnids(OverrideNnidsRequest {
                phone_numbers: vec![number.as_str().to_owned()],
            })
            .await?
            .into_inner()
            .numbers;
        if nnid_of(&states, number) != Some(Nnid::Ours) {
            return Err(Error::OverrideRefused);
        }
        let (order, ()) = self
            .change_read(None, id, Some(order), Actor::Operator, |order, _| {
                Ok(((), order.rules.nnid_shown(index)?))
            })
            .await?;
        Ok((order, index))
    }

    /// Gives up one number's messaging: it stays with the losing carrier.
    pub async fn give_up(
        &self,
        id: PortingOrderId,
        number: &E164,
    ) -> Result<(Order, usize), Error> {
        let (order, index) = self.with_number(id, number).await?;
        let (order, ()) = self
            .change_read(None, id, Some(order), Actor::Operator, |order, _| {
                Ok(((), order.rules.give_up(index)?))
            })
            .await?;
        Ok((order, index))
    }

    /// The order (any account's) and where `number` is in it.
    async fn with_number(
        &self,
        id: PortingOrderId,
        number: &E164,
    ) -> Result<(Order, usize), Error> {
        let order = self.get(None, id).await?;
        let index = order.position(number).ok_or(Error::NumberNotInOrder)?;
        Ok((order, index))
    }

    // === the sandbox's porting network ===

    pub async fn advance(&self, id: PortingOrderId, step: Step) -> Result<Order, Error> {
        if step == Step::Port {
            let order = self.get(None, id).await?;
            return self.port(order, Actor::Sandbox, Arrival::Now).await;
        }
        let (order, ()) = self
            .change(None, id, Actor::Sandbox, |order, now| {
                let emits = match &step {
                    Step::Submit => {
                        let emits = order.rules.transition(OrderEvent::Submit)?;
                        order.details.status_details.clear();
                        emits
                    }
                    Step::ConfirmFoc(at) => {
                        let emits = order.rules.transition(OrderEvent::ConfirmFoc)?;
                        // A FOC is a date ahead; `port` is how the sandbox makes it arrive now.
                        order.rules.foc_datetime_actual = Some(
                            at.or(order.foc_datetime_requested)
                                .unwrap_or(now + DEFAULT_FOC_DELAY),
                        );
                        emits
                    }
                    Step::RaiseException(detail) => {
                        let emits = order.rules.transition(OrderEvent::RaiseException)?;
                        order.details.status_details = vec![detail.clone()];
                        emits
                    }
                    Step::FinishCancel => order.rules.transition(OrderEvent::FinishCancel)?,
                    Step::Port => Vec::new(),
                };
                Ok(((), emits))
            })
            .await?;
        Ok(order)
    }

    // === the activation monitor ===

    /// Claims due orders until shutdown: each one's FOC, then its numbers' NNIDs.
    pub async fn run_work(self, shutdown: CancellationToken) {
        let inner = self.inner.clone();
        sweeper::repeat(shutdown, &inner.work, inner.policy.sweep_poll, || async {
            self.work_round().await.unwrap_or_else(|error| {
                tracing::warn!(%error, "porting work round failed; its claims lapse and it is tried again");
                false
            })
        })
        .await;
    }

    /// One round: claims a batch of due orders and does each one's work; true when the batch
    /// was full.
    pub async fn work_round(&self) -> Result<bool, Error> {
        let now = self.inner.clock.now();
        let claim =
            store::claim_work(&self.inner.db, now, self.inner.policy.lease, WORK_BATCH).await?;
        let more = claim.rows.len() as u64 == WORK_BATCH;
        for row in claim.rows {
            let id = PortingOrderId::from_uuid(row.order_id);
            let span = tracing::info_span!(
                "work",
                otel.name = "textport.messaging_port.monitor",
                textport.porting_order.id = %id,
                trace_id = tracing::field::Empty,
            );
            trace_context::adopt_traceparent(&span, &row.traceparent);
            let outcome = self.monitor(id).instrument(span).await;
            let now = self.inner.clock.now();
            let (due, failed) = match outcome {
                Ok(order) => match order.as_ref().and_then(|o| self.next_due(o, now)) {
                    Some(due) => (due, false),
                    None => {
                        store::schedule(&self.inner.db, id, None, String::new()).await?;
                        continue;
                    }
                },
                Err(error) => {
                    tracing::warn!(%error, order = %id, "porting work failed; it is tried again");
                    let wait = sweeper::backoff(
                        u32::try_from(row.attempts).unwrap_or(0),
                        Duration::from_secs(1),
                        self.inner.policy.sweep_poll.max(Duration::from_secs(60)),
                    );
                    (now + TimeDelta::from_std(wait).unwrap_or_default(), true)
                }
            };
            store::again(&self.inner.db, row.order_id, claim.token, due, failed).await?;
        }
        Ok(more)
    }

    /// Does what is due for the order: the port at its FOC, or a look at its watched numbers'
    /// NNIDs, their deadlines and the divergence alert. Answers the order as it now stands
    /// (`None`: it is gone).
    async fn monitor(&self, id: PortingOrderId) -> Result<Option<Order>, Error> {
        let Some(order) = store::load(&self.inner.db, id, None).await? else {
            return Ok(None);
        };
        let now = self.inner.clock.now();
        if order.status() == OrderStatus::FocDateConfirmed {
            let due = order.rules.foc_datetime_actual.unwrap_or(now);
            return if due <= now {
                self.port(order, Actor::Monitor, Arrival::Due)
                    .await
                    .map(Some)
            } else {
                Ok(Some(order))
            };
        }
        if !order.rules.is_watching() {
            return Ok(Some(order));
        }
        let watched: Vec<String> = order
            .rules
            .numbers
            .iter()
            .filter(|n| {
                matches!(
                    n.messaging,
                    NumberMessaging::Activating | NumberMessaging::Exception
                )
            })
            .map(|n| n.phone_number.as_str().to_owned())
            .collect();
        let states = self.nnid_states(watched).await?;
        let policy = &self.inner.policy;
        let (order, ()) = self
            .change_read(None, id, Some(order), Actor::Monitor, |order, now| {
                let mut emits = apply_nnids(order, &states)?;
                emits.extend(order.rules.expire_watches(now)?);
                emits.extend(order.rules.watch_divergence(now, policy.divergence_alert));
                Ok(((), emits))
            })
            .await?;
        Ok(Some(order))
    }

    /// The FOC arrives: eligibility records the port (the account holds the numbers; the losing
    /// carriers are asked for the NNIDs), the order is `ported`, and each number's messaging is
    /// watched, ported with voice, or (no profile) in exception. What the directory already
    /// says of the NNIDs applies at once: a number hosted with us before the port is `ported`.
    /// The order is refused before eligibility hears of a port it cannot make.
    async fn port(&self, order: Order, actor: Actor, arrival: Arrival) -> Result<Order, Error> {
        let now = self.inner.clock.now();
        let watch = self.inner.policy.nnid_watch;
        if arrival == Arrival::Due && order.status() != OrderStatus::FocDateConfirmed {
            return Ok(order);
        }
        let mut trial = order.clone();
        arrive(&mut trial, arrival, now, watch)?;
        let foc = trial.rules.foc_datetime_actual.unwrap_or(now);
        let states = self
            .inner
            .clients
            .directory
            .clone()
            .port_numbers(PortNumbersRequest {
                account_id: order.account.to_string(),
                porting_order_id: order.id.to_string(),
                phone_numbers: order
                    .rules
                    .numbers
                    .iter()
                    .map(|n| n.phone_number.as_str().to_owned())
                    .collect(),
                foc_at: Some(convert::timestamp(foc)),
            })
            .await?
            .into_inner()
            .numbers;
        let (order, ()) = self
            .change_read(None, order.id, Some(order), actor, |order, now| {
                // Ported meanwhile by another round (the trial refused an order ported before).
                let ported = order.status() == OrderStatus::Ported;
                if ported
                    || (arrival == Arrival::Due && order.status() != OrderStatus::FocDateConfirmed)
                {
                    return Ok(((), Vec::new()));
                }
                let mut emits = arrive(order, arrival, now, watch)?;
                emits.extend(apply_nnids(order, &states)?);
                Ok(((), emits))
            })
            .await?;
        Ok(order)
    }

    async fn nnid_states(&self, numbers: Vec<String>) -> Result<Vec<NnidState>, Error> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .inner
            .clients
            .directory
            .clone()
            .get_nnid_states(GetNnidStatesRequest {
                phone_numbers: numbers,
            })
            .await?
            .into_inner()
            .numbers)
    }

    /// When the order's work is next due: at its FOC, or while numbers wait for their NNID at
    /// the next poll (sooner for a watch's deadline or the divergence alert); `None`: nothing.
    fn next_due(&self, order: &Order, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let rules = &order.rules;
        match rules.status {
            OrderStatus::FocDateConfirmed => Some(rules.foc_datetime_actual.unwrap_or(now)),
            _ if rules.is_watching() => {
                let policy = &self.inner.policy;
                let mut due = now + policy.nnid_poll;
                if let Some(deadline) = rules.next_watch_deadline() {
                    due = due.min(deadline);
                }
                if let (None, Some(foc)) = (rules.divergence_since, rules.foc_datetime_actual) {
                    due = due.min(foc + policy.divergence_alert);
                }
                Some(due.max(now))
            }
            _ => None,
        }
    }

    // === the one write path ===

    /// Reads the order (scoped to `scope`), lets `apply` change it, and writes everything in one
    /// transaction; another change in between makes it read and apply again. An `apply` that
    /// changes nothing writes nothing.
    async fn change<T>(
        &self,
        scope: Option<AccountId>,
        id: PortingOrderId,
        actor: Actor,
        apply: impl FnMut(&mut Order, DateTime<Utc>) -> Result<(T, Vec<Emit>), Error>,
    ) -> Result<(Order, T), Error> {
        self.change_read(scope, id, None, actor, apply).await
    }

    /// [`App::change`] starting from `read`, the order as the caller read it (the monitor reads
    /// it anyway); only a lost race reads it again.
    async fn change_read<T>(
        &self,
        scope: Option<AccountId>,
        id: PortingOrderId,
        mut read: Option<Order>,
        actor: Actor,
        mut apply: impl FnMut(&mut Order, DateTime<Utc>) -> Result<(T, Vec<Emit>), Error>,
    ) -> Result<(Order, T), Error> {
        for _ in 0..ATTEMPTS {
            let before = match read.take() {
                Some(order) => order,
                None => self.get(scope, id).await?,
            };
            let now = self.inner.clock.now();
            let mut order = before.clone();
            let (value, emits) = apply(&mut order, now)?;
            let emits = coalesce(emits);
            if order == before {
                return Ok((order, value));
            }
            order.updated_at = now;
            if self.write(&mut order, &before, actor, &emits, now).await? {
                return Ok((order, value));
            }
        }
        Err(Error::Contended)
    }

    async fn write(
        &self,
        order: &mut Order,
        before: &Order,
        actor: Actor,
        emits: &[Emit],
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let due = self.next_due(order, now);
        let txn = self.inner.db.begin().await?;
        if !store::save(&txn, order, before).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        store::append_history(
            &txn,
            order.id,
            &changes(before, order),
            actor.as_str(),
            &trace_id(),
            now,
        )
        .await?;
        for emit in emits {
            let event = events::emitted(order, *emit).map_err(payload_error)?;
            push_in_span(&txn, order, event, now).await?;
        }
        store::schedule(
            &txn,
            order.id,
            due,
            trace_context::current_traceparent().unwrap_or_default(),
        )
        .await?;
        txn.commit().await?;
        self.inner.relay.wake();
        if due.is_some() {
            self.inner.work.notify_one();
        }
        Ok(true)
    }
}

/// How a port comes: at the FOC date confirmed earlier (the monitor), or now (the sandbox), its
/// date confirmed first when it was not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    Due,
    Now,
}

/// Moves the order to `ported` as `arrival` says; each number is watched until `watch` after
/// the FOC.
fn arrive(
    order: &mut Order,
    arrival: Arrival,
    now: DateTime<Utc>,
    watch: TimeDelta,
) -> Result<Vec<Emit>, Error> {
    let mut emits = Vec::new();
    if arrival == Arrival::Now {
        if order.status() != OrderStatus::FocDateConfirmed {
            emits = order.rules.transition(OrderEvent::ConfirmFoc)?;
        }
        order.rules.foc_datetime_actual = Some(now);
    }
    let foc = *order.rules.foc_datetime_actual.get_or_insert(now);
    emits.extend(order.rules.transition(OrderEvent::Port {
        watch_until: foc.max(now) + watch,
    })?);
    Ok(emits)
}

/// Applies what the directory says of the watched numbers.
fn apply_nnids(order: &mut Order, states: &[NnidState]) -> Result<Vec<Emit>, Error> {
    let positions: HashMap<&str, usize> = order
        .rules
        .numbers
        .iter()
        .enumerate()
        .map(|(i, n)| (n.phone_number.as_str(), i))
        .collect();
    let seen: Vec<(usize, Nnid)> = states
        .iter()
        .filter_map(|state| {
            let index = *positions.get(state.phone_number.as_str())?;
            Some((index, nnid(state.handover())?))
        })
        .collect();
    let mut emits = Vec::new();
    for (index, nnid) in seen {
        emits.extend(order.rules.nnid_seen(index, nnid)?);
    }
    Ok(emits)
}

fn nnid(handover: NnidHandover) -> Option<Nnid> {
    match handover {
        NnidHandover::Ours => Some(Nnid::Ours),
        NnidHandover::Waiting | NnidHandover::None => Some(Nnid::Waiting),
        NnidHandover::Refused => Some(Nnid::Refused),
        NnidHandover::Unspecified => None,
    }
}

fn nnid_of(states: &[NnidState], number: &E164) -> Option<Nnid> {
    states
        .iter()
        .find(|state| state.phone_number == number.as_str())
        .and_then(|state| nnid(state.handover()))
}

/// What changed between two readings of an order, for the history.
fn changes(before: &Order, after: &Order) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.status() != after.status() {
        changes.push(Change {
            phone_number: None,
            from: before.status().as_str(),
            to: after.status().as_str(),
            reason: "status".to_owned(),
        });
    }
    let (was, is) = (
        before.rules.messaging_port_status,
        after.rules.messaging_port_status,
    );
    if was != is {
        changes.push(Change {
            phone_number: None,
            from: was.as_str(),
            to: is.as_str(),
            reason: "messaging".to_owned(),
        });
    }
    for (was, is) in before.rules.numbers.iter().zip(&after.rules.numbers) {
        if was.messaging != is.messaging {
            changes.push(Change {
                phone_number: Some(is.phone_number.clone()),
                from: was.messaging.as_str(),
                to: is.messaging.as_str(),
                reason: is
                    .exception
                    .map_or("messaging", |e| e.description())
                    .to_owned(),
            });
        }
    }
    if changes.is_empty() {
        changes.push(Change {
            phone_number: None,
            from: after.status().as_str(),
            to: after.status().as_str(),
            reason: "updated".to_owned(),
        });
    }
    changes
}

/// Pushes a webhook inside a span of the order, so its delivery joins the change's trace.
async fn push_in_span(
    txn: &impl sea_orm::ConnectionTrait,
    order: &Order,
    event: OutboxEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let span = tracing::info_span!(
        "emit",
        otel.name = "textport.messaging_port.emit",
        textport.porting_order.id = %order.id,
    );
    outbox::push(txn, now, event).instrument(span).await?;
    Ok(())
}

/// The request's numbers, parsed: at least one, at most 1 000, each E.164 and once.
fn parse_numbers(raw: &[String]) -> Result<Vec<E164>, Error> {
    let invalid = |pointer: String, detail: String| Error::Invalid { pointer, detail };
    if raw.is_empty() {
        return Err(invalid(
            "/phone_numbers".to_owned(),
            "You must provide at least 1 phone number.".to_owned(),
        ));
    }
    if raw.len() > MAX_NUMBERS_PER_REQUEST {
        return Err(invalid(
            "/phone_numbers".to_owned(),
            format!(
                "At most {MAX_NUMBERS_PER_REQUEST} phone numbers may be ported in one request."
            ),
        ));
    }
    let mut numbers: Vec<E164> = Vec::with_capacity(raw.len());
    let mut seen = std::collections::HashSet::with_capacity(raw.len());
    for (index, text) in raw.iter().enumerate() {
        let number = E164::parse(text).map_err(|error| Error::InvalidNumber {
            pointer: format!("/phone_numbers/{index}"),
            detail: format!("The phone number must be in +E.164 format: {error}."),
        })?;
        if !seen.insert(number.clone()) {
            return Err(invalid(
                format!("/phone_numbers/{index}"),
                "The phone number is repeated in the request.".to_owned(),
            ));
        }
        numbers.push(number);
    }
    Ok(numbers)
}

/// `sr_` and six hex digits from the OS's randomness.
fn new_support_key() -> String {
    let mut bytes = [0u8; 3];
    // Without entropy a key is still unique enough for a support reference.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = uuid::Uuid::now_v7().as_bytes()[13..16]
            .try_into()
            .unwrap_or_default();
    }
    format!("sr_{:02x}{:02x}{:02x}", bytes[0], bytes[1], bytes[2])
}

fn trace_id() -> String {
    trace_context::trace_id(&tracing::Span::current()).unwrap_or_default()
}

fn payload_error(error: serde_json::Error) -> Error {
    Error::Store(DbErr::Custom(format!("webhook payload: {error}")))
}
