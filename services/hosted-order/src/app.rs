//! The use cases of hosted-order: domain values in, domain values or [`Error`] out. Each one
//! reads the order, applies the domain's transitions, and writes the order, its changed numbers,
//! their history rows and the outbox events in one transaction, guarded by the order's version.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use prost::Message as _;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use textport_domain::{
    AccountId, E164, HostedNumberId, MessagingProfileId, OrderId, Page, SharedClock,
};
use textport_platform::CancellationToken;
use textport_platform::client::Downstream;
use textport_platform::convert;
use textport_platform::outbox::{self, OutboxEvent, RelayWaker};
use textport_platform::sweeper;
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::accounts::v1::{GetAccountRequest, GetMessagingProfileRequest};
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::eligibility::v1::{
    self as eligibility_pb, ActivateNumbersRequest, ActivationOutcome, RELEASE_NUMBERS_KIND,
    ReleaseNumbers, ReserveForOrderRequest,
};
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::notifier::v1::{EVENT_KIND, Event};
use textport_proto::transfer_approval::v1::transfer_approval_service_client::TransferApprovalServiceClient;
use textport_proto::transfer_approval::v1::{
    self as transfer_pb, CANCEL_TRANSFERS_KIND, CancelTransfers, DecideTransferRequest, Holding,
    OPEN_TRANSFERS_KIND, OpenTransfers,
};
use textport_proto::verification::v1::verification_service_client::VerificationServiceClient;
use textport_proto::verification::v1::{
    self as verification_pb, CheckCodesRequest, CodeAttempt, CodeCheckStatus, RejectionReason,
    ResetNumbersRequest, SendCodesRequest, SendFailure,
};
use tokio::sync::Notify;
use tracing::Instrument as _;

use crate::documents::{self, BlobStore, DocumentKind, PdfSummary, Warning};
use crate::domain::{
    Actor, Changes, Document, Number, NumberEvent, NumberStatus, Order, OrderEvent, OrderStatus,
    TransferDecision,
};
use crate::error::Error;
use crate::store::{self, HistoryRow, HostedFilter, HostedKey, NewDocument};

/// How many times a use case re-reads and re-applies when another request changed the order.
const ATTEMPTS: usize = 3;

/// The timing of work that runs later.
#[derive(Debug, Clone)]
pub struct Policy {
    /// How often an unanswered activation is asked again.
    pub activation_poll: Duration,
    /// After this long without an answer, a number is `failed_timeout`.
    pub activation_timeout: Duration,
    /// The sandbox reviews orders itself after this long; `None`: the operator does.
    pub auto_review: Option<Duration>,
    pub sweep_poll: Duration,
    pub lease: Duration,
}

/// The downstream services, one long-lived channel each.
#[derive(Clone)]
pub struct Clients {
    pub directory: NumberDirectoryServiceClient<Downstream>,
    pub profiles: MessagingProfileServiceClient<Downstream>,
    pub accounts: AccountServiceClient<Downstream>,
    pub verification: VerificationServiceClient<Downstream>,
    /// Eligibility's event sink, for releasing an order that could not be stored at once.
    pub eligibility_sink: EventSinkServiceClient<Downstream>,
    pub transfers: TransferApprovalServiceClient<Downstream>,
}

#[derive(Clone)]
pub struct App {
    db: DatabaseConnection,
    clock: SharedClock,
    clients: Clients,
    blobs: Arc<dyn BlobStore>,
    relay: RelayWaker,
    work: Arc<Notify>,
    policy: Arc<Policy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sms,
    Call,
}

/// One number's answer to a code request.
#[derive(Debug)]
pub struct CodeSent {
    pub phone_number: String,
    pub verification_code_id: Option<String>,
    pub method: Method,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    Verified,
    Rejected,
    AlreadyVerified,
}

/// One uploaded part.
pub struct Upload {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Where a failure comes from and what it sets.
pub struct Failure {
    pub status: OrderStatus,
    pub numbers: Vec<(E164, NumberStatus)>,
    pub reason: String,
}

/// A created order, or with `dry_run` what it would be, and each number's eligibility.
pub struct Created {
    pub order: Order,
    pub eligibility: Vec<eligibility_pb::HostedEligibilityResult>,
}

/// Everything one use case writes besides the order and its numbers.
#[derive(Default)]
struct Effects {
    /// The webhooks to emit, in order.
    events: Vec<Emit>,
    /// Messages for transfer-approval (opening or cancelling the holders' requests).
    transfers: Vec<(&'static str, Vec<u8>)>,
    /// The id of the other service's event this change applies: applied once.
    applied: Option<uuid::Uuid>,
    /// Numbers whose directory reservation goes (through the outbox to eligibility).
    release: Vec<E164>,
    /// With `release`: the account no longer holds them (deleted hosted numbers).
    unhost: bool,
    documents: Vec<NewDocument>,
    schedule: Vec<(&'static str, DateTime<Utc>, DateTime<Utc>)>,
    unschedule: Vec<&'static str>,
}

impl Effects {
    /// The `.updated` webhook when anything changed status.
    fn updated_if(changes: &Changes) -> Self {
        Self {
            events: if changes.0.is_empty() {
                Vec::new()
            } else {
                vec![Emit::plain("updated")]
            },
            ..Self::default()
        }
    }
}

/// One `messaging_hosted_numbers_orders.<event>` webhook and its transfer fields.
struct Emit {
    event: &'static str,
    decision: &'static str,
    /// Unix seconds.
    approval_deadline: Option<i64>,
    /// Also name the decision `approval_decision` (the older texts' `.updated` events).
    legacy: bool,
}

impl Emit {
    fn plain(event: &'static str) -> Self {
        Self {
            event,
            decision: "pending",
            approval_deadline: None,
            legacy: false,
        }
    }

    /// The webhooks of a holder's decision (or of its request being opened): the transfer
    /// event, and for a decision the `.updated` event that older receivers handle.
    fn transfer(
        event: &'static str,
        decision: TransferDecision,
        deadline: Option<DateTime<Utc>>,
    ) -> Vec<Self> {
        let approval_deadline = deadline.map(|d| d.timestamp());
        let mut events = vec![Self {
            event,
            decision: decision.public(),
            approval_deadline,
            legacy: false,
        }];
        if decision != TransferDecision::Pending {
            events.push(Self {
                event: "updated",
                decision: decision.public(),
                approval_deadline,
                legacy: true,
            });
        }
        events
    }
}

impl App {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        clients: Clients,
        blobs: Arc<dyn BlobStore>,
        relay: RelayWaker,
        policy: Policy,
    ) -> Self {
        Self {
            db,
            clock,
            clients,
            blobs,
            relay,
            work: Arc::default(),
            policy: Arc::new(policy),
        }
    }

    // === orders ===

    /// Checks every number (one call to eligibility, which also reserves them all), then stores
    /// the order as `pending`. An ineligible number refuses the whole order.
    pub async fn create(
        &self,
        account: AccountId,
        profile: Option<MessagingProfileId>,
        numbers: Vec<String>,
        dry_run: bool,
    ) -> Result<Created, Error> {
        let id = OrderId::new();
        let mut directory = self.clients.directory.clone();
        let reserve = directory.reserve_for_order(ReserveForOrderRequest {
            account_id: account.to_string(),
            order_id: id.to_string(),
            phone_numbers: numbers,
            dry_run,
        });
        let (reserved, profile_ok) = tokio::join!(reserve, self.profile_exists(account, profile));
        let reserved = reserved?.into_inner();
        if let Err(error) = profile_ok {
            if reserved.reserved {
                self.release_now(id, &reserved.results).await;
            }
            return Err(error);
        }
        let results = reserved.results;
        if !dry_run {
            all_eligible(&results)?;
        }
        let now = self.clock.now();
        let mut order = new_order(id, account, profile, &results, now);
        if dry_run {
            order.touch(now);
            return Ok(Created {
                order,
                eligibility: results,
            });
        }
        let mut changes = Changes::default();
        changes.0.push(crate::domain::Change {
            phone_number: None,
            from: None,
            to: OrderStatus::Pending.as_str(),
            reason: "order created".to_owned(),
        });
        order.touch(now);
        let written = match self.open_transfers(&order).await {
            Ok(open) => self.write_new(&order, &changes, open, now).await,
            Err(error) => Err(error),
        };
        if let Err(error) = written {
            self.release_now(id, &results).await;
            return Err(error);
        }
        Ok(Created {
            order,
            eligibility: Vec::new(),
        })
    }

    /// The request transfer-approval must open for each holder of the order's numbers; `None`
    /// when no number moves by internal transfer.
    async fn open_transfers(&self, order: &Order) -> Result<Option<OpenTransfers>, Error> {
        let mut holdings: Vec<Holding> = Vec::new();
        for number in &order.numbers {
            let Some(holder) = number.transfer_from else {
                continue;
            };
            let holder = holder.to_string();
            let phone_number = number.phone_number.as_str().to_owned();
            match holdings.iter_mut().find(|h| h.from_account_id == holder) {
                Some(holding) => holding.phone_numbers.push(phone_number),
                None => holdings.push(Holding {
                    from_account_id: holder,
                    phone_numbers: vec![phone_number],
                }),
            }
        }
        if holdings.is_empty() {
            return Ok(None);
        }
        let name = self.account_name(order.account).await?;
        Ok(Some(OpenTransfers {
            order_id: order.id.to_string(),
            to_account_id: order.account.to_string(),
            to_account_name: name,
            holdings,
        }))
    }

    async fn write_new(
        &self,
        order: &Order,
        changes: &Changes,
        open: Option<OpenTransfers>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let txn = self.db.begin().await?;
        store::insert_order(&txn, order).await?;
        store::append_history(&txn, order.id, changes, Actor::Customer, &trace_id(), now).await?;
        push_event(&txn, now, order, &Emit::plain("created")).await?;
        if let Some(open) = open {
            push_event(&txn, now, order, &Emit::plain("internal_transfer_detected")).await?;
            outbox::push(
                &txn,
                now,
                OutboxEvent {
                    destination: "transfer_approval",
                    kind: OPEN_TRANSFERS_KIND,
                    body: open.encode_to_vec(),
                },
            )
            .await?;
        }
        txn.commit().await?;
        self.relay.wake();
        Ok(())
    }

    /// The reservation of an order that was never stored goes at once; should eligibility not
    /// answer, the numbers stay reserved until an operator releases them (logged).
    async fn release_now(&self, id: OrderId, results: &[eligibility_pb::HostedEligibilityResult]) {
        let release = ReleaseNumbers {
            order_id: id.to_string(),
            phone_numbers: results.iter().map(|r| r.phone_number.clone()).collect(),
            unhost_account_id: None,
        };
        let sink = textport_proto::events::v1::SinkEvent {
            id: uuid::Uuid::now_v7().to_string(),
            kind: RELEASE_NUMBERS_KIND.to_owned(),
            body: release.encode_to_vec(),
            occurred_at: Some(convert::timestamp(self.clock.now())),
            traceparent: textport_platform::trace_context::current_traceparent()
                .unwrap_or_default(),
        };
        if let Err(error) = self
            .clients
            .eligibility_sink
            .clone()
            .deliver(textport_proto::events::v1::DeliverRequest { events: vec![sink] })
            .await
        {
            tracing::error!(order = %id, %error, "the numbers of an order that was not stored stay reserved");
        }
    }

    /// The account's name, for the documents and e-mails that show it.
    async fn account_name(&self, account: AccountId) -> Result<String, Error> {
        Ok(self
            .clients
            .accounts
            .clone()
            .get_account(GetAccountRequest {
                account_id: account.to_string(),
            })
            .await?
            .into_inner()
            .account
            .map(|a| a.name)
            .unwrap_or_default())
    }

    async fn profile_exists(
        &self,
        account: AccountId,
        profile: Option<MessagingProfileId>,
    ) -> Result<(), Error> {
        let Some(profile) = profile else {
            return Ok(());
        };
        let found = self
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
            Err(status) if status.code() == tonic::Code::NotFound => Err(Error::ProfileNotFound {
                pointer: "/messaging_profile_id",
            }),
            Err(status) => Err(status.into()),
        }
    }

    pub async fn get(&self, account: Option<AccountId>, id: OrderId) -> Result<Order, Error> {
        store::load_order(&self.db, id, account)
            .await?
            .ok_or(Error::OrderNotFound)
    }

    pub async fn list(&self, account: AccountId, page: Page) -> Result<(Vec<Order>, u64), Error> {
        Ok(store::list_orders(&self.db, account, page).await?)
    }

    pub async fn timeline(
        &self,
        account: AccountId,
        id: OrderId,
    ) -> Result<Vec<HistoryRow>, Error> {
        self.get(Some(account), id).await?;
        Ok(store::timeline(&self.db, id).await?)
    }

    /// Deletes the order and all its numbers (a successful order's numbers are deleted one by
    /// one as hosted numbers instead).
    pub async fn delete(&self, account: AccountId, id: OrderId) -> Result<Order, Error> {
        let (order, ()) = self
            .update(Some(account), id, Actor::Customer, |order, changes, _| {
                order.transition(OrderEvent::Delete, "deleted by the customer", changes)?;
                let mut release = Vec::new();
                for index in 0..order.numbers.len() {
                    if order.numbers[index].status != NumberStatus::Deleted {
                        release.push(order.numbers[index].phone_number.clone());
                        order.transition_number(
                            index,
                            NumberEvent::Delete,
                            "order deleted",
                            changes,
                        )?;
                    }
                }
                let pending = order
                    .numbers
                    .iter()
                    .any(|n| n.transfer_decision == Some(TransferDecision::Pending));
                let cancel = CancelTransfers {
                    order_id: order.id.to_string(),
                };
                Ok((
                    (),
                    Effects {
                        events: vec![Emit::plain("deleted")],
                        transfers: if pending {
                            vec![(CANCEL_TRANSFERS_KIND, cancel.encode_to_vec())]
                        } else {
                            Vec::new()
                        },
                        release,
                        unschedule: vec![store::ACTIVATION, store::AUTO_REVIEW],
                        ..Effects::default()
                    },
                ))
            })
            .await?;
        Ok(order)
    }

    // === ownership verification ===

    /// Sends codes to the order's numbers that still need one; a number that cannot get one
    /// says why in its `error`. When every number is cooling down, the request itself is refused.
    pub async fn request_codes(
        &self,
        account: AccountId,
        id: OrderId,
        requested: Vec<String>,
        method: Method,
    ) -> Result<Vec<CodeSent>, Error> {
        let order = self.get(Some(account), id).await?;
        check_open(&order, "verified")?;
        if requested.is_empty() {
            return Err(invalid(
                "/phone_numbers",
                "You must provide at least 1 phone number.",
            ));
        }
        let mut answers: Vec<CodeSent> = Vec::with_capacity(requested.len());
        let mut to_send: Vec<String> = Vec::new();
        let positions = order.positions();
        for raw in &requested {
            let refusal = match E164::parse(raw)
                .ok()
                .and_then(|n| positions.get(&n).copied())
            {
                None => Some("This phone number is not part of the order.".to_owned()),
                Some(index) if !order.cleared(index) => Some(
                    "This phone number moves by internal transfer: its holder has not approved it."
                        .to_owned(),
                ),
                Some(index) => match order.numbers[index].status {
                    NumberStatus::Pending => None,
                    NumberStatus::OwnershipSuccessful => {
                        Some("This phone number's ownership is already verified.".to_owned())
                    }
                    status => Some(format!(
                        "This phone number has a status of {}; no code can be sent.",
                        status.as_str()
                    )),
                },
            };
            if refusal.is_none() {
                to_send.push(raw.clone());
            }
            answers.push(CodeSent {
                phone_number: raw.clone(),
                verification_code_id: None,
                method,
                error: refusal,
            });
        }
        if to_send.is_empty() {
            return Ok(answers);
        }
        let sent = self
            .clients
            .verification
            .clone()
            .send_codes(SendCodesRequest {
                account_id: account.to_string(),
                subject_id: id.to_string(),
                phone_numbers: to_send,
                method: verification_method(method) as i32,
            })
            .await?
            .into_inner()
            .results;
        let now = self.clock.now();
        let cooling: Vec<Option<DateTime<Utc>>> = sent
            .iter()
            .filter(|r| r.failure() == SendFailure::Cooldown)
            .map(|r| convert::datetime(r.retry_after.as_ref()))
            .collect();
        if cooling.len() == sent.len() && answers.iter().all(|a| a.error.is_none()) {
            let earliest = cooling.into_iter().flatten().min().unwrap_or(now);
            return Err(Error::CoolingDown {
                retry_after: (earliest - now).to_std().unwrap_or_default(),
            });
        }
        let by_number: HashMap<String, &verification_pb::SendResult> =
            sent.iter().map(|r| (r.phone_number.clone(), r)).collect();
        for answer in answers.iter_mut().filter(|a| a.error.is_none()) {
            if let Some(result) = by_number.get(&answer.phone_number) {
                answer.verification_code_id = result.verification_code_id.clone();
                answer.error = result.error.clone();
            }
        }
        self.update(Some(account), id, Actor::Customer, |order, changes, now| {
            let positions = order.positions();
            for result in &sent {
                let Some(index) = E164::parse(&result.phone_number)
                    .ok()
                    .and_then(|n| positions.get(&n).copied())
                else {
                    continue;
                };
                let number = &mut order.numbers[index];
                number.code_attempts_remaining = Some(result.attempts_remaining);
                number.code_resend_allowed_at = convert::datetime(result.retry_after.as_ref());
                number.updated_at = now;
                if result.failure() == SendFailure::BudgetExhausted
                    && number.status == NumberStatus::Pending
                {
                    order.transition_number(
                        index,
                        NumberEvent::OwnershipUnproven,
                        "the daily budget of verification codes is used up",
                        changes,
                    )?;
                }
            }
            order.settle(changes)?;
            let release = failed_now(order, changes);
            Ok((
                (),
                Effects {
                    release,
                    ..Effects::updated_if(changes)
                },
            ))
        })
        .await?;
        Ok(answers)
    }

    /// Checks codes; a verified number moves to `ownership_successful`, and with every number
    /// verified and both documents in, the order to `loa_file_successful`.
    pub async fn validate_codes(
        &self,
        account: AccountId,
        id: OrderId,
        entries: Vec<(String, String)>,
    ) -> Result<Vec<(String, Validation)>, Error> {
        let order = self.get(Some(account), id).await?;
        check_open(&order, "verified")?;
        if entries.is_empty() {
            return Err(invalid(
                "/verification_codes",
                "You must provide at least 1 verification code.",
            ));
        }
        let mut answers: Vec<(String, Option<Validation>)> = Vec::with_capacity(entries.len());
        let mut attempts = Vec::new();
        let positions = order.positions();
        for (raw, code) in &entries {
            let known = E164::parse(raw)
                .ok()
                .and_then(|n| positions.get(&n).copied())
                .filter(|index| order.cleared(*index));
            let answer = match known.map(|index| order.numbers[index].status) {
                None => Some(Validation::Rejected),
                Some(NumberStatus::Pending) => None,
                Some(
                    NumberStatus::OwnershipSuccessful
                    | NumberStatus::Provisioning
                    | NumberStatus::Successful,
                ) => Some(Validation::AlreadyVerified),
                Some(_) => Some(Validation::Rejected),
            };
            if answer.is_none() {
                attempts.push(CodeAttempt {
                    phone_number: raw.clone(),
                    code: code.clone(),
                });
            }
            answers.push((raw.clone(), answer));
        }
        let checked = if attempts.is_empty() {
            Vec::new()
        } else {
            self.clients
                .verification
                .clone()
                .check_codes(CheckCodesRequest {
                    account_id: account.to_string(),
                    subject_id: id.to_string(),
                    codes: attempts,
                })
                .await?
                .into_inner()
                .results
        };
        let by_number: HashMap<String, &verification_pb::CheckResult> = checked
            .iter()
            .map(|r| (r.phone_number.clone(), r))
            .collect();
        self.update(Some(account), id, Actor::Customer, |order, changes, now| {
            let positions = order.positions();
            for result in &checked {
                let Some(index) = E164::parse(&result.phone_number)
                    .ok()
                    .and_then(|n| positions.get(&n).copied())
                else {
                    continue;
                };
                let number = &mut order.numbers[index];
                number.code_attempts_remaining = Some(result.attempts_remaining);
                number.code_resend_allowed_at =
                    convert::datetime(result.resend_allowed_at.as_ref());
                number.updated_at = now;
                if number.status != NumberStatus::Pending {
                    continue;
                }
                match result.status() {
                    CodeCheckStatus::Verified | CodeCheckStatus::AlreadyVerified => {
                        order.transition_number(
                            index,
                            NumberEvent::Verified,
                            "ownership code verified",
                            changes,
                        )?;
                    }
                    CodeCheckStatus::Rejected
                        if result.rejection_reason
                            == Some(RejectionReason::BudgetExhausted as i32) =>
                    {
                        order.transition_number(
                            index,
                            NumberEvent::OwnershipUnproven,
                            "the daily budget of wrong codes is used up",
                            changes,
                        )?;
                    }
                    CodeCheckStatus::Rejected | CodeCheckStatus::Unspecified => {}
                }
            }
            order.settle(changes)?;
            let release = failed_now(order, changes);
            Ok((
                (),
                Effects {
                    release,
                    ..Effects::updated_if(changes)
                },
            ))
        })
        .await?;
        Ok(answers
            .into_iter()
            .map(|(number, answer)| {
                let answer =
                    answer.unwrap_or_else(|| match by_number.get(&number).map(|r| r.status()) {
                        Some(CodeCheckStatus::Verified) => Validation::Verified,
                        Some(CodeCheckStatus::AlreadyVerified) => Validation::AlreadyVerified,
                        _ => Validation::Rejected,
                    });
                (number, answer)
            })
            .collect())
    }

    // === documents ===

    /// Stores the LOA and/or the bill after checking they are real PDFs, and answers what a
    /// reviewer would object to. Both present with every number verified: `loa_file_successful`.
    pub async fn upload(
        &self,
        account: AccountId,
        id: OrderId,
        loa: Option<Upload>,
        bill: Option<Upload>,
    ) -> Result<(Order, Vec<Warning>), Error> {
        if loa.is_none() && bill.is_none() {
            return Err(invalid(
                "/loa",
                "Upload at least one of the parts loa and bill.",
            ));
        }
        let order = self.get(Some(account), id).await?;
        check_open(&order, "given documents")?;
        let numbers: Vec<String> = order
            .numbers
            .iter()
            .filter(|n| n.status.is_live())
            .map(|n| n.phone_number.as_str().to_owned())
            .collect();
        let now = self.clock.now();
        let mut stored = Vec::new();
        let mut warnings = Vec::new();
        for (kind, upload) in [(DocumentKind::Loa, loa), (DocumentKind::Bill, bill)] {
            let Some(upload) = upload else { continue };
            let (document, found) = self.store_document(kind, upload, &numbers, now).await?;
            stored.push(NewDocument {
                kind: kind.field(),
                warnings_json: warnings_json(&found),
                document,
            });
            warnings.extend(found);
        }
        let (order, ()) = self
            .update(
                Some(account),
                id,
                Actor::Customer,
                move |order, changes, _| {
                    check_open(order, "given documents")?;
                    for new in &stored {
                        if new.kind == DocumentKind::Loa.field() {
                            order.loa = Some(new.document.clone());
                        } else {
                            order.bill = Some(new.document.clone());
                        }
                    }
                    if matches!(
                        order.status,
                        OrderStatus::LoaFileInvalid | OrderStatus::IncompleteDocumentation
                    ) {
                        order.transition(
                            OrderEvent::Reopen,
                            "documents uploaded again",
                            changes,
                        )?;
                    }
                    order.settle(changes)?;
                    // New documents are a step of their own, with or without a status change.
                    Ok((
                        (),
                        Effects {
                            events: vec![Emit::plain("updated")],
                            documents: std::mem::take(&mut stored),
                            ..Effects::default()
                        },
                    ))
                },
            )
            .await?;
        Ok((order, warnings))
    }

    /// Reads the PDF on the blocking pool, keeps its bytes in the blob store, and answers its
    /// metadata and warnings.
    async fn store_document(
        &self,
        kind: DocumentKind,
        upload: Upload,
        numbers: &[String],
        now: DateTime<Utc>,
    ) -> Result<(Document, Vec<Warning>), Error> {
        let numbers = numbers.to_vec();
        let (upload, inspected) = tokio::task::spawn_blocking(move || {
            let inspected = documents::inspect(&upload.bytes)
                .map(|summary: PdfSummary| documents::precheck(kind, &summary, &numbers));
            (upload, inspected)
        })
        .await
        .map_err(|error| Error::Blobs(error.into()))?;
        let warnings = inspected.map_err(|error| Error::Document {
            part: kind.field(),
            error,
        })?;
        let id = uuid::Uuid::now_v7();
        self.blobs
            .put(&id.to_string(), &upload.bytes)
            .await
            .map_err(Error::Blobs)?;
        let sha256 = {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(&upload.bytes);
            digest.iter().map(|b| format!("{b:02x}")).collect()
        };
        Ok((
            Document {
                id,
                filename: upload.filename,
                size: upload.bytes.len() as u64,
                sha256,
                uploaded_at: now,
            },
            warnings,
        ))
    }

    /// A pre-filled LOA for the order's live numbers.
    pub async fn loa_template(&self, account: AccountId, id: OrderId) -> Result<Vec<u8>, Error> {
        let order = self.get(Some(account), id).await?;
        let name = self.account_name(account).await?;
        let numbers: Vec<String> = order
            .numbers
            .iter()
            .filter(|n| n.status.is_live())
            .map(|n| n.phone_number.as_str().to_owned())
            .collect();
        let date = self.clock.now().date_naive();
        let order_id = id.to_string();
        tokio::task::spawn_blocking(move || {
            documents::loa_template(&order_id, &name, &numbers, date)
        })
        .await
        .map_err(|error| Error::Blobs(error.into()))?
        .map_err(|error| Error::Document { part: "loa", error })
    }

    /// An uploaded document's bytes and file name, for the reviewer.
    pub async fn document(
        &self,
        id: OrderId,
        kind: DocumentKind,
    ) -> Result<(Vec<u8>, String), Error> {
        let order = self.get(None, id).await?;
        let document = match kind {
            DocumentKind::Loa => order.loa,
            DocumentKind::Bill => order.bill,
        }
        .ok_or(Error::DocumentNotFound)?;
        let bytes = self
            .blobs
            .get(&document.id.to_string())
            .await
            .map_err(Error::Blobs)?;
        Ok((bytes, document.filename))
    }

    // === recovering failed numbers ===

    /// Failed numbers start again as `pending` (reserved again, their codes forgotten); the
    /// others keep their progress.
    pub async fn retry(
        &self,
        account: AccountId,
        id: OrderId,
        requested: Vec<String>,
    ) -> Result<Order, Error> {
        let order = self.get(Some(account), id).await?;
        let numbers: Vec<E164> = if requested.is_empty() {
            order
                .numbers
                .iter()
                .filter(|n| n.status.is_failed())
                .map(|n| n.phone_number.clone())
                .collect()
        } else {
            requested
                .iter()
                .enumerate()
                .map(|(at, raw)| {
                    let pointer = format!("/phone_numbers/{at}");
                    let number = E164::parse(raw).map_err(|e| invalid(&pointer, &e.to_string()))?;
                    let index = order.index_of(&number).ok_or_else(|| {
                        invalid(&pointer, "This phone number is not part of the order.")
                    })?;
                    order.numbers[index]
                        .status
                        .apply(NumberEvent::Retry)
                        .map_err(|source| Error::NumberTransition { pointer, source })?;
                    Ok(number)
                })
                .collect::<Result<_, Error>>()?
        };
        if numbers.is_empty() {
            return Err(invalid(
                "/phone_numbers",
                "The order has no failed number to retry.",
            ));
        }
        order.status.apply(OrderEvent::Retry)?;
        let raw: Vec<String> = numbers.iter().map(|n| n.as_str().to_owned()).collect();
        let reserved = self
            .clients
            .directory
            .clone()
            .reserve_for_order(ReserveForOrderRequest {
                account_id: account.to_string(),
                order_id: id.to_string(),
                phone_numbers: raw.clone(),
                dry_run: false,
            })
            .await?
            .into_inner();
        all_eligible(&reserved.results)?;
        self.clients
            .verification
            .clone()
            .reset_numbers(ResetNumbersRequest {
                account_id: account.to_string(),
                subject_id: id.to_string(),
                phone_numbers: raw,
            })
            .await?;
        let (order, ()) = self
            .update(Some(account), id, Actor::Customer, |order, changes, now| {
                if order.status != OrderStatus::Pending {
                    order.transition(OrderEvent::Retry, "failed numbers retried", changes)?;
                }
                for number in &numbers {
                    let Some(index) = order.index_of(number) else {
                        continue;
                    };
                    if order.numbers[index].status.is_failed() {
                        order.transition_number(
                            index,
                            NumberEvent::Retry,
                            "retried by the customer",
                            changes,
                        )?;
                        let n = &mut order.numbers[index];
                        n.code_attempts_remaining = None;
                        n.code_resend_allowed_at = None;
                        n.updated_at = now;
                    }
                }
                Ok(((), Effects::updated_if(changes)))
            })
            .await?;
        Ok(order)
    }

    // === operator review ===

    pub async fn awaiting_review(&self, page: Page) -> Result<(Vec<Order>, u64), Error> {
        Ok(store::list_awaiting_review(&self.db, page).await?)
    }

    /// Accepts the review: `provisioning`, and activation starts at once.
    pub async fn accept(
        &self,
        id: OrderId,
        note: Option<String>,
        actor: Actor,
    ) -> Result<Order, Error> {
        let reason = note.unwrap_or_else(|| "review accepted".to_owned());
        let timeout = self.policy.activation_timeout;
        let (order, ()) = self
            .update(None, id, actor, |order, changes, now| {
                order.transition(OrderEvent::Accept, reason.clone(), changes)?;
                for index in 0..order.numbers.len() {
                    if order.numbers[index].status == NumberStatus::OwnershipSuccessful {
                        order.transition_number(
                            index,
                            NumberEvent::Provision,
                            "activation started",
                            changes,
                        )?;
                    }
                }
                let deadline =
                    now + chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
                Ok((
                    (),
                    Effects {
                        schedule: vec![(store::ACTIVATION, now, deadline)],
                        unschedule: vec![store::AUTO_REVIEW],
                        ..Effects::updated_if(changes)
                    },
                ))
            })
            .await?;
        Ok(order)
    }

    /// Fails the order with a documented failure status; numbers fail as listed, or as the
    /// order's failure implies.
    pub async fn fail(&self, id: OrderId, failure: Failure) -> Result<Order, Error> {
        let (order, ()) = self
            .update(None, id, Actor::Operator, |order, changes, _| {
                order.transition(
                    OrderEvent::Fail(failure.status),
                    failure.reason.clone(),
                    changes,
                )?;
                order.failure_reason = failure.reason.clone();
                for (at, (number, status)) in failure.numbers.iter().enumerate() {
                    let pointer = format!("/phone_numbers/{at}");
                    let index = order.index_of(number).ok_or_else(|| {
                        invalid(&pointer, "This phone number is not part of the order.")
                    })?;
                    order
                        .transition_number(
                            index,
                            NumberEvent::Fail(*status),
                            failure.reason.clone(),
                            changes,
                        )
                        .map_err(|source| Error::NumberTransition { pointer, source })?;
                }
                if let Some(implied) = failure.status.number_failure() {
                    for index in 0..order.numbers.len() {
                        let status = order.numbers[index].status;
                        if status.is_live() && status != NumberStatus::Successful {
                            order.transition_number(
                                index,
                                NumberEvent::Fail(implied),
                                failure.reason.clone(),
                                changes,
                            )?;
                        }
                    }
                }
                let release = failed_now(order, changes);
                Ok((
                    (),
                    Effects {
                        release,
                        unschedule: vec![store::ACTIVATION, store::AUTO_REVIEW],
                        ..Effects::updated_if(changes)
                    },
                ))
            })
            .await?;
        Ok(order)
    }

    // === activation and other work that runs later ===

    /// Claims due work rows until shutdown: activations (asked again until answered, timed out
    /// at their deadline) and the sandbox's automatic reviews.
    pub async fn run_deadlines(self, shutdown: CancellationToken) {
        let work = self.work.clone();
        sweeper::repeat(shutdown, &work, self.policy.sweep_poll, || async {
            match self.deadline_round().await {
                Ok(more) => more,
                Err(error) => {
                    tracing::warn!(%error, "hosted-order work round failed");
                    false
                }
            }
        })
        .await;
    }

    async fn deadline_round(&self) -> Result<bool, Error> {
        const BATCH: u64 = 16;
        let claim = sweeper::claim::<store::deadline::Entity>(
            &self.db,
            self.clock.now(),
            self.policy.lease,
            BATCH,
            sea_orm::Condition::all(),
        )
        .await?;
        let more = claim.rows.len() as u64 == BATCH;
        for row in claim.rows {
            let order = OrderId::from_uuid(row.order_id);
            let span = tracing::info_span!(
                "work",
                otel.name = %format!("textport.hosted_order.{}", row.kind),
                textport.order.id = %order,
                trace_id = tracing::field::Empty,
            );
            textport_platform::trace_context::adopt_traceparent(&span, &row.traceparent);
            let outcome = async {
                match row.kind.as_str() {
                    store::ACTIVATION => self.activate(order, row.deadline_at).await,
                    store::AUTO_REVIEW => self.auto_review(order).await.map(|()| true),
                    other => {
                        tracing::error!(kind = other, "unknown work row dropped");
                        Ok(true)
                    }
                }
            }
            .instrument(span)
            .await;
            match outcome {
                Ok(true) => {
                    store::finish(&self.db, row.id, claim.token).await?;
                }
                Ok(false) => {
                    let due = self.clock.now()
                        + chrono::Duration::from_std(self.policy.activation_poll)
                            .unwrap_or_default();
                    store::again(&self.db, row.id, claim.token, due).await?;
                }
                Err(error) => {
                    tracing::warn!(%error, order = %order, "work row failed; it is tried again");
                    let wait = sweeper::backoff(
                        u32::try_from(row.attempts).unwrap_or(0),
                        Duration::from_secs(1),
                        self.policy.activation_poll.max(Duration::from_secs(1)),
                    );
                    let due =
                        self.clock.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                    store::again(&self.db, row.id, claim.token, due).await?;
                }
            }
        }
        Ok(more)
    }

    /// Asks the routing database to activate the order's provisioning numbers; answers whether
    /// the activation is finished (every number answered, or the deadline passed).
    async fn activate(&self, id: OrderId, deadline: DateTime<Utc>) -> Result<bool, Error> {
        let order = self.get(None, id).await?;
        if order.status != OrderStatus::Provisioning {
            return Ok(true);
        }
        let provisioning: Vec<String> = order
            .numbers
            .iter()
            .filter(|n| n.status == NumberStatus::Provisioning)
            .map(|n| n.phone_number.as_str().to_owned())
            .collect();
        let results = if provisioning.is_empty() {
            Vec::new()
        } else {
            self.clients
                .directory
                .clone()
                .activate_numbers(ActivateNumbersRequest {
                    account_id: order.account.to_string(),
                    order_id: id.to_string(),
                    phone_numbers: provisioning,
                })
                .await?
                .into_inner()
                .results
        };
        let (order, ()) = self
            .update(None, id, Actor::System, |order, changes, now| {
                let timed_out = now >= deadline;
                let positions = order.positions();
                for result in &results {
                    let Some(index) = E164::parse(&result.phone_number)
                        .ok()
                        .and_then(|n| positions.get(&n).copied())
                    else {
                        continue;
                    };
                    if order.numbers[index].status != NumberStatus::Provisioning {
                        continue;
                    }
                    let event = match result.outcome() {
                        ActivationOutcome::Activated => Some(NumberEvent::Activated),
                        ActivationOutcome::Pending if timed_out => {
                            Some(NumberEvent::Fail(NumberStatus::FailedTimeout))
                        }
                        ActivationOutcome::Pending | ActivationOutcome::Unspecified => None,
                        ActivationOutcome::CarrierRejected => {
                            Some(NumberEvent::Fail(NumberStatus::FailedCarrierRejected))
                        }
                        ActivationOutcome::IneligibleCarrier => {
                            Some(NumberEvent::Fail(NumberStatus::FailedIneligibleCarrier))
                        }
                        ActivationOutcome::NotFound => {
                            Some(NumberEvent::Fail(NumberStatus::FailedNumberNotFound))
                        }
                        ActivationOutcome::AlreadyHosted => {
                            Some(NumberEvent::Fail(NumberStatus::FailedNumberAlreadyHosted))
                        }
                        ActivationOutcome::Failed | ActivationOutcome::NotReserved => {
                            Some(NumberEvent::Fail(NumberStatus::FailedActivation))
                        }
                    };
                    let Some(event) = event else { continue };
                    let reason = if event == NumberEvent::Fail(NumberStatus::FailedTimeout) {
                        "the losing carrier did not answer in time".to_owned()
                    } else {
                        result.detail.clone()
                    };
                    order.transition_number(index, event, reason, changes)?;
                    if event == NumberEvent::Activated {
                        order.numbers[index].messaging_profile_id = order.messaging_profile_id;
                        order.numbers[index].updated_at = now;
                    }
                }
                order.settle(changes)?;
                // A timed-out number's reservation is still held: it goes with the failure.
                let release = failed_now(order, changes);
                Ok((
                    (),
                    Effects {
                        release,
                        ..Effects::updated_if(changes)
                    },
                ))
            })
            .await?;
        Ok(order.status != OrderStatus::Provisioning)
    }

    async fn auto_review(&self, id: OrderId) -> Result<(), Error> {
        match self
            .accept(
                id,
                Some("accepted by the sandbox's automatic review".to_owned()),
                Actor::Sandbox,
            )
            .await
        {
            // The order moved on (deleted, failed) before its review came due.
            Ok(_) | Err(Error::Transition(_)) | Err(Error::OrderNotFound) => Ok(()),
            Err(error) => Err(error),
        }
    }

    // === hosted numbers ===

    pub async fn list_hosted(
        &self,
        account: AccountId,
        filter: HostedFilter,
        page: Page,
    ) -> Result<(Vec<Number>, u64), Error> {
        Ok(store::list_hosted(&self.db, account, &filter, page).await?)
    }

    pub async fn get_hosted(&self, account: AccountId, key: HostedKey) -> Result<Number, Error> {
        store::find_hosted(&self.db, account, &key)
            .await?
            .map(|(_, number)| number)
            .ok_or(Error::NumberNotFound)
    }

    /// Changes a hosted number's messaging settings; `profile`: `Some(None)` unassigns.
    pub async fn update_hosted(
        &self,
        account: AccountId,
        id: HostedNumberId,
        profile: Option<Option<MessagingProfileId>>,
        product: Option<String>,
        tags: Option<Vec<String>>,
    ) -> Result<Number, Error> {
        let (order_id, _) = store::find_hosted(&self.db, account, &HostedKey::Id(id))
            .await?
            .ok_or(Error::NumberNotFound)?;
        if let Some(Some(profile)) = profile {
            self.profile_exists(account, Some(profile)).await?;
        }
        let (order, ()) = self
            .update(Some(account), order_id, Actor::Customer, |order, _, now| {
                let number = order
                    .numbers
                    .iter_mut()
                    .find(|n| n.id == id && n.status == NumberStatus::Successful)
                    .ok_or(Error::NumberNotFound)?;
                if let Some(profile) = profile {
                    number.messaging_profile_id = profile;
                }
                if let Some(product) = &product {
                    number.messaging_product = product.clone();
                }
                if let Some(tags) = &tags {
                    number.tags = tags.clone();
                }
                number.updated_at = now;
                Ok(((), Effects::default()))
            })
            .await?;
        order
            .numbers
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(Error::NumberNotFound)
    }

    /// Deletes a hosted number: it is `deleted` in its order, and the account no longer holds it.
    pub async fn delete_hosted(
        &self,
        account: AccountId,
        id: HostedNumberId,
    ) -> Result<Order, Error> {
        let (order_id, _) = store::find_hosted(&self.db, account, &HostedKey::Id(id))
            .await?
            .ok_or(Error::NumberNotFound)?;
        let (order, ()) = self
            .update(
                Some(account),
                order_id,
                Actor::Customer,
                |order, changes, _| {
                    let index = order
                        .numbers
                        .iter()
                        .position(|n| n.id == id && n.status == NumberStatus::Successful)
                        .ok_or(Error::NumberNotFound)?;
                    let number = order.numbers[index].phone_number.clone();
                    order.transition_number(
                        index,
                        NumberEvent::Delete,
                        "hosted number deleted",
                        changes,
                    )?;
                    Ok((
                        (),
                        Effects {
                            release: vec![number],
                            unhost: true,
                            ..Effects::updated_if(changes)
                        },
                    ))
                },
            )
            .await?;
        Ok(order)
    }

    // === internal transfers ===

    /// A holder's decision, or the opening of its request, as transfer-approval reports it.
    /// Applied once per event id, and only forward.
    pub async fn apply_transfer(
        &self,
        event: uuid::Uuid,
        request: transfer_pb::TransferRequest,
    ) -> Result<(), Error> {
        let order =
            OrderId::parse(&request.order_id).map_err(|e| invalid("/order_id", &e.to_string()))?;
        let holder = AccountId::parse(&request.from_account_id)
            .map_err(|e| invalid("/from_account_id", &e.to_string()))?;
        let decision = decision_of(request.decision())
            .ok_or_else(|| invalid("/decision", "a transfer request has no decision"))?;
        let deadline = convert::datetime(request.approval_deadline.as_ref());
        let actor = match decision {
            TransferDecision::AutoApproved => Actor::System,
            _ if request.cancelled_by_receiver => Actor::Customer,
            _ => Actor::Holder,
        };
        match self
            .decide(order, holder, decision, deadline, actor, Some(event))
            .await
        {
            // An order deleted meanwhile has nothing left to decide.
            Err(Error::OrderNotFound) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    async fn decide(
        &self,
        id: OrderId,
        holder: AccountId,
        decision: TransferDecision,
        deadline: Option<DateTime<Utc>>,
        actor: Actor,
        applied: Option<uuid::Uuid>,
    ) -> Result<Order, Error> {
        let (order, ()) = self
            .update(None, id, actor, |order, changes, now| {
                let Some(event) = order.apply_transfer(holder, decision, deadline, now, changes)?
                else {
                    return Ok((
                        (),
                        Effects {
                            applied,
                            ..Effects::default()
                        },
                    ));
                };
                let deadline = order
                    .numbers
                    .iter()
                    .filter(|n| n.transfer_from == Some(holder))
                    .find_map(|n| n.approval_deadline);
                let release = failed_now(order, changes);
                Ok((
                    (),
                    Effects {
                        events: Emit::transfer(event, decision, deadline),
                        release,
                        applied,
                        ..Effects::default()
                    },
                ))
            })
            .await?;
        Ok(order)
    }

    /// The holder approves or rejects with its token; the answer is the order as the holder may
    /// see it (its own numbers; not the receiver's profile or documents).
    pub async fn decide_transfer(
        &self,
        caller: AccountId,
        id: OrderId,
        token: String,
        approve: bool,
    ) -> Result<Order, Error> {
        let order = self.get(None, id).await?;
        if !order
            .numbers
            .iter()
            .any(|n| n.transfer_from == Some(caller))
        {
            return Err(if order.account == caller {
                Error::ReceiverDecides
            } else {
                Error::OrderNotFound
            });
        }
        let decided = self
            .clients
            .transfers
            .clone()
            .decide_transfer(DecideTransferRequest {
                order_id: id.to_string(),
                holder_account_id: caller.to_string(),
                token,
                approve,
            })
            .await?
            .into_inner()
            .transfer_request
            .ok_or_else(|| {
                Error::Downstream(textport_platform::ApiError::internal_message(
                    "transfer-approval answered no request",
                ))
            })?;
        let decision = decision_of(decided.decision())
            .ok_or_else(|| invalid("/decision", "a transfer request has no decision"))?;
        let deadline = convert::datetime(decided.approval_deadline.as_ref());
        let order = self
            .decide(id, caller, decision, deadline, Actor::Holder, None)
            .await?;
        Ok(order.as_seen_by(caller))
    }

    // === the one write path ===

    /// Reads the order (scoped to `scope`), lets `apply` change it, and writes everything in one
    /// transaction; another request's change in between makes it read and apply again.
    async fn update<T>(
        &self,
        scope: Option<AccountId>,
        id: OrderId,
        actor: Actor,
        mut apply: impl FnMut(&mut Order, &mut Changes, DateTime<Utc>) -> Result<(T, Effects), Error>,
    ) -> Result<(Order, T), Error> {
        for _ in 0..ATTEMPTS {
            let mut order = store::load_order(&self.db, id, scope)
                .await?
                .ok_or(Error::OrderNotFound)?;
            let now = self.clock.now();
            let mut changes = Changes::default();
            let (value, effects) = apply(&mut order, &mut changes, now)?;
            if self
                .write(&mut order, &changes, actor, effects, now)
                .await?
            {
                return Ok((order, value));
            }
        }
        Err(Error::Contended)
    }

    async fn write(
        &self,
        order: &mut Order,
        changes: &Changes,
        actor: Actor,
        effects: Effects,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let schedule_review = self.policy.auto_review.filter(|_| {
            changes.0.iter().any(|c| {
                c.phone_number.is_none() && c.to == OrderStatus::LoaFileSuccessful.as_str()
            })
        });
        for change in &changes.0 {
            if let Some(index) = change.phone_number.as_ref().and_then(|n| order.index_of(n)) {
                order.numbers[index].updated_at = now;
            }
        }
        order.touch(now);
        let txn = self.db.begin().await?;
        if !store::save_order(&txn, order).await? {
            txn.rollback().await?;
            return Ok(false);
        }
        let touched: Vec<&Number> = order
            .numbers
            .iter()
            .filter(|n| n.updated_at == now)
            .collect();
        store::save_numbers(&txn, &touched).await?;
        store::append_history(&txn, order.id, changes, actor, &trace_id(), now).await?;
        store::insert_documents(&txn, order.id, &effects.documents).await?;
        for kind in &effects.unschedule {
            store::unschedule(&txn, order.id, kind).await?;
        }
        let mut scheduled = !effects.schedule.is_empty();
        for (kind, due, deadline) in &effects.schedule {
            store::schedule(&txn, order.id, kind, *due, *deadline).await?;
        }
        if let Some(delay) = schedule_review {
            let due = now + chrono::Duration::from_std(delay).unwrap_or_default();
            store::schedule(&txn, order.id, store::AUTO_REVIEW, due, due).await?;
            scheduled = true;
        }
        if !effects.release.is_empty() {
            let release = ReleaseNumbers {
                order_id: order.id.to_string(),
                phone_numbers: effects
                    .release
                    .iter()
                    .map(|n| n.as_str().to_owned())
                    .collect(),
                unhost_account_id: effects.unhost.then(|| order.account.to_string()),
            };
            outbox::push(
                &txn,
                now,
                OutboxEvent {
                    destination: "eligibility",
                    kind: RELEASE_NUMBERS_KIND,
                    body: release.encode_to_vec(),
                },
            )
            .await?;
        }
        if let Some(id) = effects.applied
            && !store::mark_applied(&txn, id, now).await?
        {
            // Applied before (a resent event): nothing of this change may be written again.
            txn.rollback().await?;
            return Ok(true);
        }
        for (kind, body) in effects.transfers {
            outbox::push(
                &txn,
                now,
                OutboxEvent {
                    destination: "transfer_approval",
                    kind,
                    body,
                },
            )
            .await?;
        }
        for emit in &effects.events {
            push_event(&txn, now, order, emit).await?;
        }
        txn.commit().await?;
        self.relay.wake();
        if scheduled {
            self.work.notify_one();
        }
        Ok(true)
    }
}

/// A `messaging_hosted_numbers_orders.<event>` webhook for the order's profile and account.
async fn push_event(
    txn: &impl sea_orm::ConnectionTrait,
    now: DateTime<Utc>,
    order: &Order,
    emit: &Emit,
) -> Result<(), DbErr> {
    let mut payload = order.event_payload();
    payload.decision = emit.decision;
    payload.approval_deadline = emit.approval_deadline;
    payload.approval_decision = emit.legacy.then_some(emit.decision);
    let payload = serde_json::to_string(&payload)
        .map_err(|error| DbErr::Custom(format!("event payload: {error}")))?;
    let event = Event {
        event_type: format!("messaging_hosted_numbers_orders.{}", emit.event),
        account_id: order.account.to_string(),
        payload_json: payload,
        resource_id: Some(order.id.to_string()),
        messaging_profile_id: order.messaging_profile_id.map(|id| id.to_string()),
        webhook_urls: Vec::new(),
        email: None,
        portal: None,
    };
    outbox::push(
        txn,
        now,
        OutboxEvent {
            destination: "notifier",
            kind: EVENT_KIND,
            body: event.encode_to_vec(),
        },
    )
    .await?;
    Ok(())
}

/// The numbers that failed in these changes: their reservations go.
fn failed_now(order: &Order, changes: &Changes) -> Vec<E164> {
    changes
        .0
        .iter()
        .filter_map(|c| c.phone_number.as_ref())
        .filter(|n| {
            order
                .index_of(n)
                .is_some_and(|i| order.numbers[i].status.is_failed())
        })
        .cloned()
        .collect()
}

/// Codes and documents are taken only while the customer still has work to do on the order.
fn check_open(order: &Order, action: &'static str) -> Result<(), Error> {
    if order.status.awaits_customer() {
        return Ok(());
    }
    let allowed = [
        OrderStatus::Pending,
        OrderStatus::LoaFileInvalid,
        OrderStatus::IncompleteDocumentation,
    ];
    Err(Error::Transition(crate::domain::InvalidTransition {
        entity: "order",
        action,
        current: order.status.as_str(),
        allowed: allowed.iter().map(|s| s.as_str()).collect(),
    }))
}

fn new_order(
    id: OrderId,
    account: AccountId,
    profile: Option<MessagingProfileId>,
    results: &[eligibility_pb::HostedEligibilityResult],
    now: DateTime<Utc>,
) -> Order {
    // Every number of a stored order is eligible, so well formed; a dry run shows what would be
    // ordered of a list that may not be.
    let numbers = results
        .iter()
        .filter_map(|result| Some((E164::parse(&result.phone_number).ok()?, result)))
        .map(|(phone_number, result)| {
            let transfer_from = result
                .transfer_from_account_id
                .as_deref()
                .and_then(|raw| AccountId::parse(raw).ok());
            Number {
                id: HostedNumberId::new(),
                phone_number,
                status: NumberStatus::Pending,
                transfer_decision: transfer_from.map(|_| TransferDecision::Pending),
                approval_deadline: None,
                transfer_from,
                campaign_id: result.campaign_id.clone(),
                messaging_profile_id: None,
                messaging_product: "P2P".to_owned(),
                tags: Vec::new(),
                code_attempts_remaining: None,
                code_resend_allowed_at: None,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    Order {
        id,
        account,
        messaging_profile_id: profile,
        status: OrderStatus::Pending,
        numbers,
        loa: None,
        bill: None,
        failure_reason: String::new(),
        waiting_on: None,
        waiting_since: None,
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

fn verification_method(method: Method) -> verification_pb::VerificationMethod {
    match method {
        Method::Sms => verification_pb::VerificationMethod::Sms,
        Method::Call => verification_pb::VerificationMethod::Call,
    }
}

fn invalid(pointer: &str, detail: &str) -> Error {
    Error::Invalid {
        pointer: pointer.to_owned(),
        detail: detail.to_owned(),
    }
}

fn trace_id() -> String {
    textport_platform::trace_context::trace_id(&tracing::Span::current()).unwrap_or_default()
}

fn warnings_json(warnings: &[Warning]) -> String {
    let list: Vec<serde_json::Value> = warnings
        .iter()
        .map(|w| {
            serde_json::json!({
                "document": w.document.field(),
                "phone_number": w.phone_number,
                "code": w.code.as_str(),
                "message": w.message,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn decision_of(decision: transfer_pb::TransferDecision) -> Option<TransferDecision> {
    match decision {
        transfer_pb::TransferDecision::Pending => Some(TransferDecision::Pending),
        transfer_pb::TransferDecision::Approved => Some(TransferDecision::Approved),
        transfer_pb::TransferDecision::Rejected => Some(TransferDecision::Rejected),
        transfer_pb::TransferDecision::AutoApproved => Some(TransferDecision::AutoApproved),
        transfer_pb::TransferDecision::Unspecified => None,
    }
}

/// Every number of an order must be eligible: the first that is not refuses it, by position.
fn all_eligible(results: &[eligibility_pb::HostedEligibilityResult]) -> Result<(), Error> {
    match results
        .iter()
        .enumerate()
        .find(|(_, r)| r.status() != eligibility_pb::EligibilityStatus::Eligible)
    {
        Some((at, result)) => Err(Error::Ineligible {
            at,
            detail: result.detail.trim_end_matches('.').to_owned(),
        }),
        None => Ok(()),
    }
}
