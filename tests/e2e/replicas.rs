//! Two replicas of each stateful service on one database (PostgreSQL with
//! `TEXTPORT_TEST_DATABASE_URL`, else one SQLite file), as a Deployment with two pods runs them:
//! requests racing through both decide once, and their sweepers act once per row.
//! (Transfer-approval's and the notifier's replicas are in `transfers` and `events`.)

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;
use textport::{Config, Role, Storage};
use textport_domain::{SharedClock, SystemClock};
use textport_platform::CancellationToken;
use textport_platform::client::{Downstream, channel};
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::service::{Downstreams, Start};
use textport_proto::eligibility::v1 as eligibility;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::hosted_order::v1 as hosted;
use textport_proto::hosted_order::v1::hosted_order_service_client::HostedOrderServiceClient;
use textport_proto::hosted_order::v1::operator_review_service_client::OperatorReviewServiceClient;
use textport_proto::verification::v1 as verification;
use textport_proto::verification::v1::verification_sandbox_service_client::VerificationSandboxServiceClient;
use textport_proto::verification::v1::verification_service_client::VerificationServiceClient;
use tokio::task::JoinHandle;
use tower::ServiceExt as _;

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
