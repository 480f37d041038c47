//! The use cases of transfer-approval: domain values in, domain values or [`Error`] out. Each
//! writes its requests and their outbox events in one transaction, and wakes the relay after
//! it commits. A request is closed only by a write guarded by its still being pending, so the
//! holder, the receiver's cancellation and the sweeper can race: one wins, and only the winner's
//! `TransferChanged` is written.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use textport_domain::{AccountId, OrderId, SharedClock};
use textport_platform::outbox::{self, OutboxEvent, RelayWaker};
use textport_platform::{CancellationToken, sweeper, trace_context};
use tokio::sync::Notify;
use tracing::Instrument as _;
use url::Url;
use uuid::Uuid;

use crate::domain::{
    Choice, Mode, Opening, Outcome, Refusal, State, Token, TransferPolicy, TransferRequest,
    TransferRequestId, approval_link, approval_message,
};
use crate::error::Error;
use crate::events;
use crate::store::{self, Stored};

/// How many times a decision reads again when another change came first.
const ATTEMPTS: usize = 3;
/// Lapsed requests closed per sweeper transaction.
const SWEEP_BATCH: u64 = 64;

#[derive(Debug, Clone)]
pub struct Policy {
    /// How long a holder has to decide, unless its own policy says.
    pub window_hours: u32,
    /// The page the holder's e-mail links to.
    pub approval_page: Url,
    pub sweep_poll: Duration,
    /// How long a sweeper's claim holds; one that dies gives its rows back after this.
    pub lease: Duration,
}

/// An event's content with the trace of the change that sent it.
pub struct Received<T> {
    pub value: T,
    pub traceparent: String,
}

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    clock: SharedClock,
    relay: RelayWaker,
    policy: Policy,
}

/// One request being opened, with its token, which only its opening knows.
struct Opened {
    stored: Stored,
    token: Token,
}

impl App {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        relay: RelayWaker,
        policy: Policy,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                relay,
                policy,
            }),
        }
    }

    /// Applies one delivery in one transaction: first the openings (a request for each holder
    /// of an order that has none yet), then the cancellations (every pending request of the
    /// order rejected).
    pub async fn apply(
        &self,
        openings: &[Received<Opening>],
        cancellations: &[Received<OrderId>],
    ) -> Result<(), Error> {
        if openings.is_empty() && cancellations.is_empty() {
            return Ok(());
        }
        let now = self.inner.clock.now();
        // Read before the transaction: one connection (SQLite in tests) cannot serve both.
        let holders: Vec<AccountId> = openings
            .iter()
            .flat_map(|received| received.value.holdings.iter().map(|holding| holding.from))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let policies = store::policies_of(&self.inner.db, &holders).await?;
        let opened = self.open(openings, &policies, now)?;
        let txn = self.inner.db.begin().await?;
        let rows: Vec<Stored> = opened.iter().map(|o| o.stored.clone()).collect();
        let inserted = store::insert_new(&txn, &rows).await?;
        for opened in opened
            .iter()
            .filter(|o| inserted.contains(&o.stored.request.id))
        {
            self.push_opened(&txn, opened, now).await?;
        }
        let mut cancelled_by: HashMap<OrderId, &str> = HashMap::new();
        for cancellation in cancellations {
            cancelled_by
                .entry(cancellation.value)
                .or_insert(&cancellation.traceparent);
        }
        let orders: Vec<OrderId> = cancelled_by.keys().copied().collect();
        let mut closing = store::pending_of(&txn, &orders).await?;
        closing.retain_mut(|request| request.cancel(now));
        let written = close_all(&txn, &closing, None).await?;
        for request in closing.iter().filter(|r| written.contains(&r.id)) {
            let traceparent = cancelled_by
                .get(&request.order)
                .copied()
                .unwrap_or_default();
            push_in_trace(
                &txn,
                "cancel",
                request,
                traceparent,
                events::changed(request),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        self.inner.relay.wake();
        Ok(())
    }

    /// The requests the openings ask for, each with a fresh token, on its holder's policy: one
    /// per (order, holder) of the delivery, the first opening naming it deciding.
    fn open(
        &self,
        openings: &[Received<Opening>],
        policies: &HashMap<AccountId, TransferPolicy>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Opened>, Error> {
        let default = TransferPolicy::default();
        let mut asked: HashSet<(OrderId, AccountId)> = HashSet::new();
        let mut opened = Vec::new();
        for received in openings {
            let opening = &received.value;
            for holding in &opening.holdings {
                if !asked.insert((opening.order, holding.from)) {
                    continue;
                }
                let token = new_token()?;
                let terms = policies
                    .get(&holding.from)
                    .unwrap_or(&default)
                    .terms(opening.to, self.inner.policy.window_hours);
                let request = TransferRequest::open(opening, holding, token.hash(), now, terms);
                opened.push(Opened {
                    stored: Stored {
                        request,
                        // The sweeper's auto-approval continues the trace of the change that
                        // asked for the transfer.
                        traceparent: if received.traceparent.is_empty() {
                            trace_context::current_traceparent().unwrap_or_default()
                        } else {
                            received.traceparent.clone()
                        },
                    },
                    token,
                });
            }
        }
        Ok(opened)
    }

    /// Hosted-order hears of the request. For a pending one, the holder gets its e-mail with the
    /// token, which from now on exists only in that outbox row (emptied once delivered) and the
    /// e-mail; one its policy approved at once asks the holder nothing.
    async fn push_opened(
        &self,
        txn: &impl ConnectionTrait,
        opened: &Opened,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let request = &opened.stored.request;
        let traceparent = &opened.stored.traceparent;
        push_in_trace(
            txn,
            "open",
            request,
            traceparent,
            events::changed(request),
            now,
        )
        .await?;
        if !matches!(request.state, State::Pending { .. }) {
            return Ok(());
        }
        let link = approval_link(
            &self.inner.policy.approval_page,
            request.order,
            &opened.token,
        );
        let message = approval_message(request, &link, &opened.token);
        push_in_trace(
            txn,
            "open",
            request,
            traceparent,
            events::approval_requested(request, message),
            now,
        )
        .await
    }

    /// The holder's decision with its token. A wrong token changes nothing; a request whose
    /// window lapsed unswept is auto-approved now, and the decision is refused as such.
    pub async fn decide(
        &self,
        order: OrderId,
        holder: AccountId,
        token: &Token,
        choice: Choice,
    ) -> Result<TransferRequest, Error> {
        let presented = token.hash();
        for _ in 0..ATTEMPTS {
            let mut request = store::find(&self.inner.db, order, holder)
                .await?
                .ok_or(Error::NotFound)?;
            let before = request.state.clone();
            let now = self.inner.clock.now();
            let decided = request.decide(choice, &presented, now);
            if request.state != before && !self.write_closed(&request, now).await? {
                // The receiver's cancellation or the sweeper came first: read what they left.
                continue;
            }
            return match decided {
                Ok(()) => Ok(request),
                Err(Refusal::WrongToken) => Err(Error::WrongToken),
                Err(Refusal::Closed(verdict)) => Err(Error::Closed(verdict)),
            };
        }
        Err(Error::Contended)
    }

    /// The request of `order` that `token` was issued for, pending or closed; one whose window
    /// lapsed unswept shows as auto-approved, as a decision would find it. Each request's hash is
    /// compared in constant time.
    pub async fn find_by_token(
        &self,
        order: OrderId,
        token: &Token,
    ) -> Result<TransferRequest, Error> {
        let presented = token.hash();
        let requests = store::with_tokens(&self.inner.db, order).await?;
        if requests.is_empty() {
            return Err(Error::NoRequest);
        }
        let mut request = requests
            .into_iter()
            .find(|(_, issued)| issued.as_ref() == Some(&presented))
            .map(|(request, _)| request)
            .ok_or(Error::WrongToken)?;
        request.lapse(self.inner.clock.now());
        Ok(request)
    }

    /// The holder's decision with the token alone (the approval page): the holder is the one of
    /// the request the token was issued for, and the decision is [`App::decide`]'s.
    pub async fn decide_by_token(
        &self,
        order: OrderId,
        token: &Token,
        choice: Choice,
    ) -> Result<TransferRequest, Error> {
        let holder = self.find_by_token(order, token).await?.from;
        self.decide(order, holder, token, choice).await
    }

    /// Writes a request the holder's decision closed, with its event; false if it was no
    /// longer pending.
    async fn write_closed(
        &self,
        request: &TransferRequest,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let txn = self.inner.db.begin().await?;
        if close_all(&txn, std::slice::from_ref(request), None)
            .await?
            .is_empty()
        {
            txn.rollback().await?;
            return Ok(false);
        }
        outbox::push(&txn, now, events::changed(request)).await?;
        txn.commit().await?;
        self.inner.relay.wake();
        Ok(true)
    }

    /// The holder's policy (the defaults if it never set one), and the service's window it falls
    /// back on.
    pub async fn policy(&self, holder: AccountId) -> Result<(TransferPolicy, u32), Error> {
        let policy = store::policies_of(&self.inner.db, &[holder])
            .await?
            .remove(&holder)
            .unwrap_or_default();
        Ok((policy, self.inner.policy.window_hours))
    }

    /// Replaces the holder's policy; requests already open keep theirs.
    pub async fn set_policy(
        &self,
        holder: AccountId,
        mode: Mode,
        window_hours: Option<u32>,
        allowlist: Vec<AccountId>,
    ) -> Result<(TransferPolicy, u32), Error> {
        let now = self.inner.clock.now();
        let policy = TransferPolicy::new(mode, window_hours, allowlist, now)?;
        store::put_policy(&self.inner.db, holder, &policy, now).await?;
        Ok((policy, self.inner.policy.window_hours))
    }

    /// Every request of the order, oldest first.
    pub async fn list(&self, order: OrderId) -> Result<Vec<TransferRequest>, Error> {
        Ok(store::list(&self.inner.db, order).await?)
    }

    // === the sweeper ===

    /// Closes lapsed requests (as their policy said) until shutdown.
    pub async fn run_windows(self, shutdown: CancellationToken) {
        // Nothing wakes it early: windows last hours, and the poll finds them as they lapse.
        let idle = Notify::new();
        sweeper::repeat(shutdown, &idle, self.inner.policy.sweep_poll, || async {
            self.window_round().await.unwrap_or_else(|error| {
                tracing::warn!(%error, "transfer approval sweep failed; its claims lapse and it is tried again");
                false
            })
        })
        .await;
    }

    /// Claims one batch of lapsed requests and closes them as their policy said (auto-approved,
    /// or rejected) in one transaction, each only while still pending and held by this claim;
    /// true when the batch was full.
    async fn window_round(&self) -> Result<bool, Error> {
        let now = self.inner.clock.now();
        let (claim, claimed) =
            store::claim_lapsed(&self.inner.db, now, self.inner.policy.lease, SWEEP_BATCH).await?;
        let more = claimed.len() as u64 == SWEEP_BATCH;
        let mut lapsed = claimed;
        lapsed.retain_mut(|stored| stored.request.lapse(now));
        if lapsed.is_empty() {
            return Ok(more);
        }
        let requests: Vec<TransferRequest> = lapsed.iter().map(|s| s.request.clone()).collect();
        let txn = self.inner.db.begin().await?;
        let written = close_all(&txn, &requests, Some(claim)).await?;
        for stored in lapsed.iter().filter(|s| written.contains(&s.request.id)) {
            let request = &stored.request;
            push_in_trace(
                &txn,
                "auto_approve",
                request,
                &stored.traceparent,
                events::changed(request),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        self.inner.relay.wake();
        Ok(more)
    }
}

/// Writes the outcomes of requests just closed in the domain, one statement per distinct
/// outcome, each only while still pending (and held by `claim`); answers the ids written.
async fn close_all(
    txn: &impl ConnectionTrait,
    closed: &[TransferRequest],
    claim: Option<Uuid>,
) -> Result<HashSet<TransferRequestId>, DbErr> {
    let mut by_outcome: HashMap<Outcome, Vec<TransferRequestId>> = HashMap::new();
    for request in closed {
        if let Some(outcome) = request.outcome() {
            by_outcome.entry(outcome).or_default().push(request.id);
        }
    }
    let mut written = HashSet::new();
    for (outcome, ids) in by_outcome {
        written.extend(store::close(txn, &ids, outcome, claim).await?);
    }
    Ok(written)
}

/// Pushes `event` inside a span continuing `traceparent`, so its delivery joins the trace of
/// the change that caused the work rather than that of the batch it arrived in.
async fn push_in_trace(
    txn: &impl ConnectionTrait,
    work: &'static str,
    request: &TransferRequest,
    traceparent: &str,
    event: OutboxEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let span = tracing::info_span!(
        "work",
        otel.name = %format!("textport.transfer_approval.{work}"),
        textport.order.id = %request.order,
        textport.transfer_request.id = %request.id,
        trace_id = tracing::field::Empty,
    );
    trace_context::adopt_traceparent(&span, traceparent);
    outbox::push(txn, now, event).instrument(span).await?;
    Ok(())
}

fn new_token() -> Result<Token, Error> {
    let mut bytes = [0u8; Token::RANDOM_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Entropy(anyhow::anyhow!("no entropy: {error}")))?;
    Ok(Token::from_random_bytes(bytes))
}

#[cfg(test)]
mod tests;
