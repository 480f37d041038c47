//! Two replicas of each stateful service on one database (PostgreSQL with
//! `TEXTPORT_TEST_DATABASE_URL`, else one SQLite file), as a Deployment with two pods runs them:
//! requests racing through both decide once, and their sweepers act once per row.
//! (Transfer-approval's and the notifier's replicas are in `transfers` and `events`.)

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{SubsecRound as _, TimeDelta, Utc};
use futures::future::join_all;
use sea_orm::{
    ColumnTrait as _, Condition, EntityTrait as _, PaginatorTrait as _, QueryFilter as _,
};
use textport::{Config, Role, Storage};
use textport_domain::{Clock as _, ManualClock, SharedClock, SystemClock};
use textport_messaging_port::store::work;
use textport_platform::CancellationToken;
use textport_platform::client::{Downstream, channel};
use textport_platform::config::ServiceConfig;
use textport_platform::db::{self, Schema};
use textport_platform::service::{Downstreams, Start};
use textport_proto::eligibility::v1 as eligibility;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::hosted_order::v1 as hosted;
use textport_proto::hosted_order::v1::hosted_order_service_client::HostedOrderServiceClient;
use textport_proto::hosted_order::v1::operator_review_service_client::OperatorReviewServiceClient;
use textport_proto::messaging_port::v1 as porting;
use textport_proto::messaging_port::v1::porting_order_service_client::PortingOrderServiceClient;
use textport_proto::messaging_port::v1::porting_sandbox_service_client::PortingSandboxServiceClient;
use textport_proto::verification::v1 as verification;
use textport_proto::verification::v1::verification_sandbox_service_client::VerificationSandboxServiceClient;
use textport_proto::verification::v1::verification_service_client::VerificationServiceClient;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

use crate::events::{Receiver, create_profile};
use crate::hosted::{BILL, LOA};
use crate::support;

/// One replica of a service, serving on its own port until stopped.
pub struct Replica {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Replica {
    /// Builds and serves the registry's `role` (sandbox on) on `storage`'s database for it.
    pub async fn start(
        role: &str,
        storage: &Storage,
        clock: SharedClock,
        downstreams: &Downstreams,
        settings: &[(&str, &str)],
    ) -> Self {
        let role = Role::find(role).expect("a registry role");
        let built = role
            .build(
                Start {
                    config: ServiceConfig {
                        listen: "127.0.0.1:0".parse().expect("address"),
                        database: storage.database(role.section),
                        drain_seconds: 0,
                        settings: settings
                            .iter()
                            .map(|(name, value)| ((*name).to_owned(), (*value).into()))
                            .collect::<BTreeMap<_, _>>(),
                    },
                    schema: Schema::Migrate,
                    tls: None,
                    clock,
                    sandbox: true,
                    downstreams: downstreams.clone(),
                },
                &Config::default(),
            )
            .await
            .expect("the replica builds");
        let addr = built.local_addr();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(built.run(shutdown.clone()));
        Self {
            addr,
            shutdown,
            task,
        }
    }

    pub fn channel(&self) -> Downstream {
        channel(&format!("http://{}", self.addr)).expect("channel")
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.expect("joins").expect("stops cleanly");
    }
}

async fn start_pair(
    role: &str,
    storage: &Storage,
    downstreams: &Downstreams,
    settings: &[(&str, &str)],
) -> [Replica; 2] {
    let clock: SharedClock = Arc::new(SystemClock);
    [
        Replica::start(role, storage, clock.clone(), downstreams, settings).await,
        Replica::start(role, storage, clock, downstreams, settings).await,
    ]
}

fn number(n: usize) -> String {
    format!("+1312555{:04}", 3000 + n)
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_eligibility_replicas_reserve_overlapping_orders_all_or_none_once() {
    const ROUNDS: usize = 30;
    let storage = Storage::fresh("r");
    let replicas = start_pair("eligibility", &storage, &Downstreams::default(), &[]).await;
    let directory = |n: usize| NumberDirectoryServiceClient::new(replicas[n % 2].channel());
    let reserve = |replica: usize, numbers: std::ops::Range<usize>| {
        let mut client = directory(replica);
        async move {
            client
                .reserve_for_order(eligibility::ReserveForOrderRequest {
                    account_id: uuid(),
                    order_id: uuid(),
                    phone_numbers: numbers.map(number).collect(),
                    dry_run: false,
                })
                .await
        }
    };

    // Per round, two orders sharing three numbers race through different replicas.
    let races = join_all((0..ROUNDS).map(|round| {
        let first = round * 10;
        futures::future::join(
            reserve(round, first..first + 6),
            reserve(round + 1, first + 3..first + 9),
        )
    }))
    .await;
    let mut leftovers = Vec::new();
    for (round, (a, b)) in races.into_iter().enumerate() {
        let first = round * 10;
        // The loser is refused naming its first shared number, and keeps its own ones free.
        let (lost, shared, left) = match (a, b) {
            (Ok(won), Err(lost)) => {
                assert!(won.into_inner().reserved);
                (lost, "/phone_numbers/0", first + 6..first + 9)
            }
            (Err(lost), Ok(won)) => {
                assert!(won.into_inner().reserved);
                (lost, "/phone_numbers/3", first..first + 3)
            }
            (a, b) => panic!("round {round}: exactly one order wins: {a:?} / {b:?}"),
        };
        assert_eq!(lost.code(), tonic::Code::AlreadyExists, "{lost:?}");
        assert!(
            String::from_utf8_lossy(lost.details()).contains(shared),
            "{shared}: {lost:?}"
        );
        leftovers.push(left);
    }
    // All or none: the numbers only the loser asked for were not reserved.
    for (round, left) in leftovers.into_iter().enumerate() {
        let again = reserve(round, left).await.expect("free numbers reserve");
        assert!(again.into_inner().reserved, "round {round}");
    }

    for replica in replicas {
        replica.stop().await;
    }
    storage.discard().await.expect("removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_verification_replicas_send_one_code_verify_once_and_count_every_wrong_try() {
    const SUBJECTS: usize = 30;
    let storage = Storage::fresh("r");
    let replicas = start_pair("verification", &storage, &Downstreams::default(), &[]).await;
    let account = uuid();
    let codes = |n: usize| VerificationServiceClient::new(replicas[n % 2].channel());
    let send = |replica: usize, subject: String, n: usize| {
        let mut client = codes(replica);
        let account = account.clone();
        async move {
            client
                .send_codes(verification::SendCodesRequest {
                    account_id: account,
                    subject_id: subject,
                    phone_numbers: vec![number(n)],
                    method: verification::VerificationMethod::Sms.into(),
                })
                .await
                .expect("sent")
                .into_inner()
                .results
                .remove(0)
        }
    };
    let check = |replica: usize, subject: String, n: usize, code: String| {
        let mut client = codes(replica);
        let account = account.clone();
        async move {
            client
                .check_codes(verification::CheckCodesRequest {
                    account_id: account,
                    subject_id: subject,
                    codes: vec![verification::CodeAttempt {
                        phone_number: number(n),
                        code,
                    }],
                })
                .await
                .expect("checked")
                .into_inner()
                .results
                .remove(0)
        }
    };
    let mut sandbox = VerificationSandboxServiceClient::new(replicas[0].channel());

    let subjects: Vec<String> = (0..SUBJECTS).map(|_| uuid()).collect();
    join_all(subjects.iter().enumerate().map(|(n, subject)| async move {
        // Both replicas are asked to send at once: one code goes out, the other waits.
        let (a, b) = futures::join!(send(n, subject.clone(), n), send(n + 1, subject.clone(), n));
        let sent = [&a, &b]
            .iter()
            .filter(|r| r.verification_code_id.is_some())
            .count();
        assert_eq!(sent, 1, "one code per number: {a:?} / {b:?}");
        let waiting = if a.verification_code_id.is_some() {
            &b
        } else {
            &a
        };
        assert_eq!(waiting.failure(), verification::SendFailure::Cooldown);
    }))
    .await;

    let mut sent = Vec::new();
    for subject in &subjects {
        let mut listed = sandbox
            .list_sent_codes(verification::ListSentCodesRequest {
                subject_id: Some(subject.clone()),
                ..Default::default()
            })
            .await
            .expect("listed")
            .into_inner()
            .sent_codes;
        assert_eq!(listed.len(), 1, "one SMS per number");
        sent.push(listed.remove(0).code);
    }

    join_all(sent.iter().enumerate().map(|(n, code)| {
        let subject = subjects[n].clone();
        let check = &check;
        async move {
            if n % 2 == 0 {
                // The right code through both replicas at once: verified once.
                let (a, b) = futures::join!(
                    check(n, subject.clone(), n, code.clone()),
                    check(n + 1, subject.clone(), n, code.clone())
                );
                let mut statuses = [a.status(), b.status()];
                statuses.sort();
                assert_eq!(
                    statuses,
                    [
                        verification::CodeCheckStatus::Verified,
                        verification::CodeCheckStatus::AlreadyVerified
                    ]
                );
            } else {
                // Six wrong tries, two at a time through both replicas: five count, then the
                // code is dead, and the right code no longer verifies.
                let wrong = format!(
                    "{:06}",
                    (code.parse::<u32>().expect("digits") + 1) % 1_000_000
                );
                let mut reasons = Vec::new();
                for _ in 0..3 {
                    let (a, b) = futures::join!(
                        check(n, subject.clone(), n, wrong.clone()),
                        check(n + 1, subject.clone(), n, wrong.clone())
                    );
                    reasons.extend([a.rejection_reason(), b.rejection_reason()]);
                }
                let wrong_tries = reasons
                    .iter()
                    .filter(|r| **r == verification::RejectionReason::WrongCode)
                    .count();
                assert_eq!(wrong_tries, 5, "{reasons:?}");
                let last = check(n, subject.clone(), n, code.clone()).await;
                assert_eq!(last.status(), verification::CodeCheckStatus::Rejected);
                assert_eq!(
                    last.rejection_reason(),
                    verification::RejectionReason::AttemptsExhausted
                );
                assert_eq!(last.attempts_remaining, 0);
            }
        }
    }))
    .await;

    for replica in replicas {
        replica.stop().await;
    }
    storage.discard().await.expect("removed");
}

/// `inner`, counting the calls of the gRPC method `path`.
fn counting(inner: Downstream, path: &'static str, calls: Arc<AtomicUsize>) -> Downstream {
    Downstream::new(tower::service_fn(
        move |request: http::Request<tonic::body::Body>| {
            if request.uri().path() == path {
                calls.fetch_add(1, Ordering::SeqCst);
            }
            inner.clone().oneshot(request)
        },
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hosted_order_replicas_activate_each_accepted_order_once() {
    const ORDERS: usize = 24;
    // The other services of a running suite; hosted-order's two replicas have their own
    // database, so the suite's own hosted-order never sees their orders.
    let suite = support::spawn().await;
    let acme = suite.acme().clone();
    let activations = Arc::new(AtomicUsize::new(0));
    let mut downstreams = Downstreams::default();
    for (name, role) in [
        ("accounts", "accounts"),
        ("verification", "verification"),
        ("notifier", "notifier"),
        ("transfer_approval", "transfer-approval"),
        ("eligibility", "eligibility"),
    ] {
        let mut target =
            channel(&format!("http://{}", suite.state.services[role])).expect("channel");
        if name == "eligibility" {
            target = counting(
                target,
                "/textport.eligibility.v1.NumberDirectoryService/ActivateNumbers",
                activations.clone(),
            );
        }
        downstreams.insert(name, target);
    }
    let storage = Storage::fresh("r");
    let replicas = start_pair(
        "hosted-order",
        &storage,
        &downstreams,
        &[("documents_store", "database")],
    )
    .await;
    let orders = |n: usize| HostedOrderServiceClient::new(replicas[n % 2].channel());
    let review = |n: usize| OperatorReviewServiceClient::new(replicas[n % 2].channel());
    let pdf = |content: &[u8], filename: &str| hosted::UploadedFile {
        content: content.to_vec(),
        filename: filename.to_owned(),
        content_type: "application/pdf".to_owned(),
    };

    // Each order through both replicas by turns: created, verified, documented.
    let ids = join_all((0..ORDERS).map(|n| {
        let acme = &acme;
        let suite = &suite;
        async move {
            let account_id = acme.id.clone();
            let created = orders(n)
                .create_hosted_order(hosted::CreateHostedOrderRequest {
                    account_id: account_id.clone(),
                    phone_numbers: vec![number(n)],
                    ..Default::default()
                })
                .await
                .expect("created")
                .into_inner()
                .order
                .expect("an order");
            let id = created.id;
            orders(n + 1)
                .request_verification_codes(hosted::RequestVerificationCodesRequest {
                    account_id: account_id.clone(),
                    order_id: id.clone(),
                    phone_numbers: vec![number(n)],
                    verification_method: hosted::VerificationMethod::Sms.into(),
                })
                .await
                .expect("codes sent");
            let sent = suite
                .get(
                    &format!("/sandbox/v1/verification_codes?order_id={id}"),
                    &acme.api_key,
                )
                .await;
            let code = sent.body["data"][0]["code"]
                .as_str()
                .expect("a code")
                .to_owned();
            orders(n)
                .validate_verification_codes(hosted::ValidateVerificationCodesRequest {
                    account_id: account_id.clone(),
                    order_id: id.clone(),
                    verification_codes: vec![hosted::VerificationCodeEntry {
                        phone_number: number(n),
                        code,
                    }],
                })
                .await
                .expect("validated");
            let documented = orders(n + 1)
                .upload_documents(hosted::UploadDocumentsRequest {
                    account_id,
                    order_id: id.clone(),
                    loa: Some(pdf(LOA, "loa.pdf")),
                    bill: Some(pdf(BILL, "bill.pdf")),
                })
                .await
                .expect("uploaded")
                .into_inner()
                .order
                .expect("an order");
            assert_eq!(
                documented.status(),
                hosted::HostedOrderStatus::LoaFileSuccessful
            );
            id
        }
    }))
    .await;

    // Every order accepted at once, half through each replica: both sweepers find the
    // activations due now.
    join_all(ids.iter().enumerate().map(|(n, id)| {
        let mut review = review(n);
        let id = id.clone();
        let operator = acme.id.clone();
        async move {
            review
                .accept_hosted_order(hosted::AcceptHostedOrderRequest {
                    account_id: operator,
                    order_id: id,
                    note: None,
                })
                .await
                .expect("accepted")
        }
    }))
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for (n, id) in ids.iter().enumerate() {
        loop {
            let order = orders(n)
                .get_hosted_order(hosted::GetHostedOrderRequest {
                    account_id: acme.id.clone(),
                    order_id: id.clone(),
                })
                .await
                .expect("read")
                .into_inner()
                .order
                .expect("an order");
            if order.status() == hosted::HostedOrderStatus::Successful {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{order:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Both sweepers look again: nothing more is asked.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        activations.load(Ordering::SeqCst),
        ORDERS,
        "one activation per order"
    );
    for (n, id) in ids.iter().enumerate() {
        let timeline = orders(n)
            .get_timeline(hosted::GetTimelineRequest {
                account_id: acme.id.clone(),
                order_id: id.clone(),
            })
            .await
            .expect("timeline")
            .into_inner();
        let successful = timeline
            .entries
            .iter()
            .filter(|e| e.to_status == "successful")
            .count();
        assert_eq!(
            successful, 2,
            "the order and its number, once each: {timeline:?}"
        );
    }

    for replica in replicas {
        replica.stop().await;
    }
    storage.discard().await.expect("removed");
    suite.stop().await;
}

/// `inner`, holding each call of the gRPC method `path` for `delay` and counting it once answered.
fn slow_counting(
    inner: Downstream,
    path: &'static str,
    calls: Arc<AtomicUsize>,
    delay: Duration,
) -> Downstream {
    Downstream::new(tower::service_fn(
        move |request: http::Request<tonic::body::Body>| {
            let inner = inner.clone();
            let calls = calls.clone();
            async move {
                let counted = request.uri().path() == path;
                if counted {
                    tokio::time::sleep(delay).await;
                }
                let answer = inner.oneshot(request).await;
                if counted {
                    calls.fetch_add(1, Ordering::SeqCst);
                }
                answer
            }
        },
    ))
}

/// Waits (at most 30 s) until `check` holds.
async fn eventually<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// US area codes (none of Canada's nor the Caribbean's), one per porting order.
const AREA_CODES: [u16; 20] = [
    212, 213, 214, 215, 216, 217, 218, 219, 301, 302, 303, 305, 307, 308, 309, 310, 312, 313, 314,
    315,
];

/// After how many minutes past the FOC the losing carrier releases each number's NNID: five of
/// 1–9, so the orders finish their watch at different sweeps (5 to 9 minutes).
fn release_minutes(order: usize) -> impl Iterator<Item = usize> {
    (0..5).map(move |j| (order + j) % 9 + 1)
}

/// The sandbox's magic line `16MM`: its NNID is released `minutes` after the FOC.
fn porting_number(order: usize, minutes: usize) -> String {
    format!("+1{}555{:04}", AREA_CODES[order], 1600 + minutes)
}

fn set(value: &str) -> porting::NullableString {
    porting::NullableString {
        change: Some(porting::nullable_string::Change::Set(value.to_owned())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_messaging_port_replicas_watch_each_order_once_a_sweep_and_tell_its_port_once() {
    const ORDERS: usize = AREA_CODES.len();
    const STEPS: usize = 10;
    const GET_NNID_STATES: &str = "/textport.eligibility.v1.NumberDirectoryService/GetNnidStates";
    // Every watched order asks once a sweep; 16 orders (a claim's batch) take 640 ms, longer than
    // the other replica's 500 ms poll, so both replicas' sweepers take orders.
    const ELIGIBILITY_DELAY: Duration = Duration::from_millis(40);

    let began = std::time::Instant::now();
    let clock = Arc::new(ManualClock::starting_at(Utc::now().trunc_subsecs(0)));
    let shared: SharedClock = clock.clone();
    let suite =
        support::spawn_timed(support::plain_config(), Storage::fresh("t"), shared.clone()).await;
    let acme = suite.acme().clone();
    let receiver = Receiver::start(&[]).await;
    let profile = create_profile(&suite, &acme.api_key, ("https://example.com/hook", None)).await;

    // Two messaging-port replicas on one database of their own, in front of the suite's
    // eligibility, accounts and notifier; each counts its own `GetNnidStates` calls.
    let storage = Storage::fresh("r");
    let asked = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
    let ports = Arc::new(AtomicUsize::new(0));
    let downstream =
        |role: &str| channel(&format!("http://{}", suite.state.services[role])).expect("channel");
    let mut replicas = Vec::new();
    for calls in &asked {
        let mut downstreams = Downstreams::default();
        downstreams.insert("accounts", downstream("accounts"));
        downstreams.insert("notifier", downstream("notifier"));
        downstreams.insert(
            "eligibility",
            counting(
                slow_counting(
                    downstream("eligibility"),
                    GET_NNID_STATES,
                    calls.clone(),
                    ELIGIBILITY_DELAY,
                ),
                "/textport.eligibility.v1.NumberDirectoryService/PortNumbers",
                ports.clone(),
            ),
        );
        replicas.push(
            Replica::start(
                "messaging-port",
                &storage,
                shared.clone(),
                &downstreams,
                &[],
            )
            .await,
        );
    }
    let orders = |n: usize| PortingOrderServiceClient::new(replicas[n % 2].channel());
    let network = |n: usize| PortingSandboxServiceClient::new(replicas[n % 2].channel());
    let work_db = db::connect(&storage.database("messaging_port"))
        .await
        .expect("the replicas' database");

    // Each order through both replicas by turns: created, messaging enabled with the profile and
    // the receiver as its webhook_url, confirmed, and ported (the FOC arrives now).
    let ids = join_all((0..ORDERS).map(|n| {
        let account_id = acme.id.clone();
        let (profile, hook) = (profile.clone(), receiver.url());
        let (orders, network) = (&orders, &network);
        async move {
            let created = orders(n)
                .create_porting_orders(porting::CreatePortingOrdersRequest {
                    account_id: account_id.clone(),
                    phone_numbers: release_minutes(n).map(|m| porting_number(n, m)).collect(),
                    customer_reference: Some(format!("replica-{n}")),
                    customer_group_reference: None,
                })
                .await
                .expect("created")
                .into_inner()
                .orders;
            assert_eq!(created.len(), 1, "one carrier and type: one order");
            let id = created[0].id.clone();
            orders(n + 1)
                .update_porting_order(porting::UpdatePortingOrderRequest {
                    account_id: account_id.clone(),
                    porting_order_id: id.clone(),
                    messaging: Some(porting::MessagingUpdate {
                        enable_messaging: Some(true),
                    }),
                    phone_number_configuration: Some(porting::PhoneNumberConfigurationUpdate {
                        messaging_profile_id: Some(set(&profile)),
                        ..Default::default()
                    }),
                    webhook_url: Some(set(&hook)),
                    ..Default::default()
                })
                .await
                .expect("messaging enabled");
            orders(n)
                .confirm_porting_order(porting::ConfirmPortingOrderRequest {
                    account_id,
                    porting_order_id: id.clone(),
                })
                .await
                .expect("confirmed");
            let ported = network(n + 1)
                .advance_porting_order(porting::AdvancePortingOrderRequest {
                    porting_order_id: id.clone(),
                    step: porting::PortingStep::Port.into(),
                    ..Default::default()
                })
                .await
                .expect("ported")
                .into_inner()
                .order
                .expect("an order");
            assert_eq!(
                ported.status.as_ref().map(|s| s.value()),
                Some(porting::PortingOrderStatus::Ported),
                "{ported:?}"
            );
            assert_eq!(
                ported.messaging.as_ref().map(|m| m.messaging_port_status()),
                Some(porting::MessagingPortStatus::Activating),
                "{ported:?}"
            );
            id
        }
    }))
    .await;
    let order_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| (id.as_str(), n))
        .collect();

    // Settled: no order's work is claimed or due, and every webhook so far has arrived. (Once
    // the clock moves only the sweepers write, so a row nobody claims is not being worked on.)
    let settled = |webhooks: usize| {
        let (clock, work_db, receiver) = (&clock, &work_db, &receiver);
        async move {
            let busy = work::Entity::find()
                .filter(
                    Condition::any()
                        .add(work::Column::Claim.is_not_null())
                        .add(work::Column::DueAt.lte(clock.now())),
                )
                .count(work_db)
                .await
                .expect("work counted");
            busy == 0 && receiver.received().len() >= webhooks
        }
    };
    let ported_numbers = || async {
        orders(0)
            .list_porting_phone_numbers(porting::ListPortingPhoneNumbersRequest {
                account_id: acme.id.clone(),
                page: Some(textport_proto::common::v1::PageRequest { number: 1, size: 1 }),
                messaging_port_status: Some(porting::MessagingPortStatus::Ported.into()),
                ..Default::default()
            })
            .await
            .expect("listed")
            .into_inner()
            .page
            .expect("a page")
            .total_results
    };
    let finished_by = |minute: usize| {
        (0..ORDERS)
            .filter(|n| release_minutes(*n).max().unwrap_or(0) <= minute)
            .count()
    };
    let asked_total = || {
        asked
            .iter()
            .map(|a| a.load(Ordering::SeqCst))
            .sum::<usize>()
    };
    // Per order so far: status in-process, foc-date-confirmed, ported; messaging pending,
    // activating.
    let mut webhooks = 5 * ORDERS;
    eventually("the ports settle", || settled(webhooks)).await;
    // The sandbox's port writes the order foc-date-confirmed, its work due now, and then ports
    // it itself: a sweeper may claim that work meanwhile and port it too (eligibility is asked
    // twice, one write wins, the other finds it ported), or look at its NNIDs once it is ported.
    // The port's write releases that claim, so the sweeper's batch may still be at work
    // although no row is claimed: it is done once eligibility has been asked nothing for a while.
    let calls = || (asked_total(), ports.load(Ordering::SeqCst));
    let mut seen = calls();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = calls();
        if now == seen {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the FOC's work never ends"
        );
        seen = now;
    }
    assert_eq!(ported_numbers().await, 0, "no NNID is released at the FOC");
    let at_foc = asked.each_ref().map(|a| a.load(Ordering::SeqCst));
    let ported_at_foc = ports.load(Ordering::SeqCst);
    assert_eq!(
        ported_at_foc, ORDERS,
        "each order's port asks eligibility once: the sandbox's port is one write"
    );

    // The clock moves a minute at a time: every watched order is due (the poll is 30 s) and is
    // swept once, by one replica, between the steps.
    let set_up = began.elapsed();
    let started = std::time::Instant::now();
    for minute in 1..=STEPS {
        // The notifier records a delivery just after the receiver answered it: a minute is
        // its claim's lease, which must not run out under it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = asked_total();
        clock.advance(TimeDelta::minutes(1));
        webhooks = 5 * ORDERS + finished_by(minute);
        eventually(&format!("minute {minute} settles"), || settled(webhooks)).await;
        let watched = ORDERS - finished_by(minute - 1);
        assert_eq!(
            asked_total() - before,
            watched,
            "minute {minute}: one look at each watched order"
        );
        let expected: usize = (0..ORDERS)
            .map(|n| release_minutes(n).filter(|m| *m <= minute).count())
            .sum();
        assert_eq!(
            ported_numbers().await,
            u64::try_from(expected).expect("small"),
            "minute {minute}"
        );
        assert_eq!(
            receiver.received().len(),
            webhooks,
            "minute {minute}: one messaging_changed per finished order"
        );
    }
    let swept = started.elapsed();
    let failed = work::Entity::find()
        .filter(work::Column::Attempts.gt(0))
        .count(&work_db)
        .await
        .expect("counted");
    assert_eq!(failed, 0, "no sweep failed");
    assert_eq!(
        work::Entity::find().count(&work_db).await.expect("counted"),
        0,
        "nothing is watched any more"
    );

    for (n, id) in ids.iter().enumerate() {
        let order = orders(n)
            .get_porting_order(porting::GetPortingOrderRequest {
                account_id: acme.id.clone(),
                porting_order_id: id.clone(),
                include_phone_numbers: false,
            })
            .await
            .expect("read")
            .into_inner()
            .order
            .expect("an order");
        let messaging = order.messaging.expect("messaging");
        assert_eq!(
            messaging.messaging_port_status(),
            porting::MessagingPortStatus::Ported,
            "order {n}"
        );
        assert!(messaging.messaging_port_completed, "order {n}");
    }

    // Both sweepers and relays look again: nothing more is asked nor told.
    let total = asked.each_ref().map(|a| a.load(Ordering::SeqCst));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(asked.each_ref().map(|a| a.load(Ordering::SeqCst)), total);
    assert_eq!(
        ports.load(Ordering::SeqCst),
        ported_at_foc,
        "no port after the FOC"
    );
    let swept_by = [total[0] - at_foc[0], total[1] - at_foc[1]];
    let expected_looks: usize = (1..=STEPS).map(|m| ORDERS - finished_by(m - 1)).sum();
    assert_eq!(
        swept_by[0] + swept_by[1],
        expected_looks,
        "no order swept twice in a round"
    );
    assert!(
        swept_by.iter().all(|calls| *calls > 0),
        "both replicas' sweepers took orders: {swept_by:?}"
    );

    let received: Vec<serde_json::Value> = receiver
        .received()
        .iter()
        .map(|w| w.json()["data"].clone())
        .collect();
    assert_eq!(received.len(), 6 * ORDERS);
    let event_ids: BTreeSet<&str> = received
        .iter()
        .map(|e| e["id"].as_str().expect("an event id"))
        .collect();
    assert_eq!(event_ids.len(), received.len(), "no event twice");
    let mut told: Vec<Vec<String>> = vec![Vec::new(); ORDERS];
    for event in &received {
        let payload = &event["payload"];
        let n = order_of[payload["id"].as_str().expect("an order id")];
        let (kind, status) = match event["event_type"].as_str().expect("a type") {
            "porting_order.status_changed" => ("status", &payload["status"]["value"]),
            "porting_order.messaging_changed" => {
                ("messaging", &payload["messaging"]["messaging_port_status"])
            }
            other => panic!("unexpected {other}"),
        };
        told[n].push(format!("{kind} {}", status.as_str().expect("a status")));
    }
    for (n, mut told) in told.into_iter().enumerate() {
        told.sort();
        assert_eq!(
            told,
            [
                "messaging activating",
                "messaging pending",
                "messaging ported",
                "status foc-date-confirmed",
                "status in-process",
                "status ported"
            ],
            "order {n}: each change told once"
        );
    }
    println!(
        "messaging-port replicas: set up and ported in {set_up:?}; {ORDERS} orders, \
         {expected_looks} looks in {STEPS} sweeps \
         ({swept:?}), by replica {swept_by:?}; at the FOC {at_foc:?} looks and {ported_at_foc} \
         PortNumbers"
    );

    work_db.close().await.expect("closed");
    for replica in replicas {
        replica.stop().await;
    }
    storage.discard().await.expect("removed");
    suite.stop().await;
}
