//! Transfer approval on its own, without hosted-order: two replicas on one database
//! (PostgreSQL with `TEXTPORT_TEST_DATABASE_URL`, else one SQLite file) take `OpenTransfers`
//! through their event sink, relay what they write to sinks inside the test, and when the
//! approval window lapses auto-approve each request exactly once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prost::Message as _;
use textport::Storage;
use textport_domain::{Clock as _, ManualClock, SystemClock};
use textport_platform::client::{Downstream, channel, in_process};
use textport_platform::service::{Downstreams, ServiceRoutes};
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::events::v1::event_sink_service_server::{
    EventSinkService, EventSinkServiceServer,
};
use textport_proto::events::v1::{DeliverRequest, DeliverResponse, SinkEvent};
use textport_proto::notifier::v1 as notifier;
use textport_proto::transfer_approval::v1::transfer_approval_service_client::TransferApprovalServiceClient;
use textport_proto::transfer_approval::v1::{
    self as pb, OPEN_TRANSFERS_KIND, TRANSFER_CHANGED_KIND, TransferDecision,
};

use crate::replicas::Replica;

/// A sink inside the test that records every event it is given.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<SinkEvent>>>);

#[tonic::async_trait]
impl EventSinkService for Recorder {
    async fn deliver(
        &self,
        request: tonic::Request<DeliverRequest>,
    ) -> Result<tonic::Response<DeliverResponse>, tonic::Status> {
        self.0
            .lock()
            .expect("lock")
            .extend(request.into_inner().events);
        Ok(tonic::Response::new(DeliverResponse {}))
    }
}

impl Recorder {
    fn downstream(&self) -> Downstream {
        in_process(
            ServiceRoutes::new()
                .add_service(EventSinkServiceServer::new(self.clone()))
                .routes(),
        )
    }

    fn events(&self) -> Vec<SinkEvent> {
        self.0.lock().expect("lock").clone()
    }

    /// The `TransferChanged` events received, with their event ids.
    fn changes(&self) -> Vec<(String, pb::TransferRequest)> {
        self.events()
            .into_iter()
            .map(|event| {
                assert_eq!(event.kind, TRANSFER_CHANGED_KIND);
                let change = pb::TransferChanged::decode(event.body.as_slice())
                    .expect("TransferChanged")
                    .transfer_request
                    .expect("a request");
                (event.id, change)
            })
            .collect()
    }

    /// Waits (at most 60 s) until `done` holds for what was received.
    async fn wait_until(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !done(self) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: {} events so far",
                self.events().len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn open_event(order: &str, holder: &str, number: u32) -> SinkEvent {
    let open = pb::OpenTransfers {
        order_id: order.to_owned(),
        to_account_id: uuid::Uuid::now_v7().to_string(),
        to_account_name: "Globex".to_owned(),
        holdings: vec![pb::Holding {
            from_account_id: holder.to_owned(),
            phone_numbers: vec![format!("+1312555{number:04}")],
        }],
    };
    SinkEvent {
        id: uuid::Uuid::now_v7().to_string(),
        kind: OPEN_TRANSFERS_KIND.to_owned(),
        body: open.encode_to_vec(),
        occurred_at: None,
        traceparent: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_database_auto_approve_each_of_1000_lapsed_requests_exactly_once() {
    const ORDERS: u32 = 1_000;
    let storage = Storage::fresh("x");
    let clock = ManualClock::starting_at(SystemClock.now());
    let (hosted_order, notifier_sink) = (Recorder::default(), Recorder::default());
    let mut sinks = Downstreams::default();
    sinks.insert("hosted_order", hosted_order.downstream());
    sinks.insert("notifier", notifier_sink.downstream());
    // Nothing here asks accounts.
    sinks.insert("accounts", channel("http://127.0.0.1:9").expect("channel"));
    let start = || {
        Replica::start(
            "transfer-approval",
            &storage,
            Arc::new(clock.clone()),
            &sinks,
            &[],
        )
    };
    let replicas = [start().await, start().await];
    let client = |replica: &Replica| EventSinkServiceClient::new(replica.channel());

    // 1 000 orders of one holder each, in deliveries of 100 to either replica; the first delivery
    // goes to both at once, as a relay that resends it might, and opens each request once.
    let orders: Vec<(String, String)> = (0..ORDERS)
        .map(|_| {
            (
                uuid::Uuid::now_v7().to_string(),
                uuid::Uuid::now_v7().to_string(),
            )
        })
        .collect();
    let events: Vec<SinkEvent> = orders
        .iter()
        .zip(1..)
        .map(|((order, holder), n)| open_event(order, holder, n))
        .collect();
    let deliver = |replica: &Replica, events: &[SinkEvent]| {
        let mut client = client(replica);
        let events = events.to_vec();
        async move { client.deliver(DeliverRequest { events }).await }
    };
    let (first, again) = futures::join!(
        deliver(&replicas[0], &events[..100]),
        deliver(&replicas[1], &events[..100])
    );
    first.expect("delivered");
    again.expect("delivered again");
    for (n, chunk) in events.chunks(100).enumerate().skip(1) {
        deliver(&replicas[n % 2], chunk).await.expect("delivered");
    }

    let deadline = clock.now() + chrono::Duration::hours(72);
    hosted_order
        .wait_until("every opening relayed", |r| {
            r.events().len() >= ORDERS as usize
        })
        .await;
    notifier_sink
        .wait_until("every approval request relayed", |r| {
            r.events().len() >= ORDERS as usize
        })
        .await;
    let opened: HashMap<String, pb::TransferRequest> = hosted_order
        .changes()
        .into_iter()
        .map(|(_, change)| (change.order_id.clone(), change))
        .collect();
    assert_eq!(opened.len(), ORDERS as usize);
    for change in opened.values() {
        assert_eq!(change.decision(), TransferDecision::Pending);
        assert_eq!(
            change.approval_deadline.as_ref().map(|t| t.seconds),
            Some(deadline.timestamp())
        );
    }
    for event in notifier_sink.events() {
        let notice = notifier::Event::decode(event.body.as_slice()).expect("Event");
        assert_eq!(
            notice.event_type,
            "messaging_hosted_numbers_orders.internal_transfer_approval_requested"
        );
        let body = notice.email.expect("an e-mail").body_text;
        assert!(body.contains("&token="), "{body}");
        assert!(!notice.payload_json.contains("token"));
    }

    clock.advance(chrono::Duration::hours(73));
    let auto_approved = |r: &Recorder| -> Vec<(String, pb::TransferRequest)> {
        r.changes()
            .into_iter()
            .filter(|(_, change)| change.decision() == TransferDecision::AutoApproved)
            .collect()
    };
    hosted_order
        .wait_until("every request auto-approved", |r| {
            auto_approved(r).len() >= ORDERS as usize
        })
        .await;
    // Both sweepers and relays look again: nothing more comes.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let approved = auto_approved(&hosted_order);
    assert_eq!(approved.len(), ORDERS as usize, "one event per request");
    let event_ids: HashSet<&str> = approved.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(event_ids.len(), ORDERS as usize, "each event relayed once");
    let request_ids: HashSet<&str> = approved.iter().map(|(_, c)| c.id.as_str()).collect();
    assert_eq!(request_ids.len(), ORDERS as usize, "no request twice");
    for (_, change) in &approved {
        assert_eq!(change.id, opened[&change.order_id].id);
        assert!(change.decided_at.is_some());
    }
    assert_eq!(
        hosted_order.events().len(),
        2 * ORDERS as usize,
        "one opening and one auto-approval per request, nothing else"
    );
    assert_eq!(notifier_sink.events().len(), ORDERS as usize);

    let mut transfers = TransferApprovalServiceClient::new(replicas[0].channel());
    for (order, holder) in &orders {
        let listed = transfers
            .list_transfer_requests(pb::ListTransferRequestsRequest {
                order_id: order.clone(),
            })
            .await
            .expect("listed")
            .into_inner()
            .transfer_requests;
        assert_eq!(listed.len(), 1, "{order}");
        assert_eq!(listed[0].decision(), TransferDecision::AutoApproved);
        assert_eq!(&listed[0].from_account_id, holder);
        assert!(!listed[0].cancelled_by_receiver);
    }

    for replica in replicas {
        replica.stop().await;
    }
    storage.discard().await.expect("removed");
}
