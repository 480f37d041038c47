//! The verification service through its gRPC API, on a suite whose clock the tests move: codes
//! read back from the sandbox's phone network, wrong tries, expiry, the resend cooldown, the
//! daily budget and the magic numbers that cannot receive SMS or calls.

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound as _, Utc};
use textport::{Config, Storage};
use textport_domain::{Clock as _, ManualClock, SystemClock};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::verification::v1 as pb;
use textport_proto::verification::v1::verification_sandbox_service_client::VerificationSandboxServiceClient;
use textport_proto::verification::v1::verification_service_client::VerificationServiceClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::support::{self, TestSuite};

use pb::VerificationMethod::{Call, Sms};

/// A suite on a manual clock, and one verification flow (an account and a subject) in it.
struct Flow {
    suite: TestSuite,
    clock: ManualClock,
    codes: VerificationServiceClient<Channel>,
    sandbox: VerificationSandboxServiceClient<Channel>,
    account_id: String,
    subject_id: String,
}

async fn flow() -> Flow {
    let clock = ManualClock::starting_at(SystemClock.now());
    let suite = support::spawn_timed(
        Config::default(),
        Storage::fresh("t"),
        Arc::new(clock.clone()),
    )
    .await;
    let channel = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        suite.state.services["verification"]
    ))
    .expect("valid")
    .connect()
    .await
    .expect("connects");
    Flow {
        account_id: suite.acme().id.clone(),
        subject_id: uuid::Uuid::now_v7().to_string(),
        codes: VerificationServiceClient::new(channel.clone()),
        sandbox: VerificationSandboxServiceClient::new(channel),
        suite,
        clock,
    }
}

fn at(timestamp: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    convert::datetime(timestamp)
}

/// A code that is not `code`.
fn wrong(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

impl Flow {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn advance(&self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
    }

    async fn send_all(
        &mut self,
        numbers: &[&str],
        method: pb::VerificationMethod,
    ) -> Vec<pb::SendResult> {
        let results = self
            .codes
            .send_codes(pb::SendCodesRequest {
                account_id: self.account_id.clone(),
                subject_id: self.subject_id.clone(),
                phone_numbers: numbers.iter().map(|n| (*n).to_owned()).collect(),
                method: method.into(),
            })
            .await
            .expect("a send answers per number")
            .into_inner()
            .results;
        assert_eq!(results.len(), numbers.len());
        results
    }

    async fn send(&mut self, number: &str, method: pb::VerificationMethod) -> pb::SendResult {
        self.send_all(&[number], method).await.remove(0)
    }

    /// Sends and asserts that a code went out; answers the code, as the phone received it.
    async fn send_ok(&mut self, number: &str, method: pb::VerificationMethod) -> String {
        let result = self.send(number, method).await;
        assert_eq!(result.failure(), pb::SendFailure::Unspecified, "{result:?}");
        assert_eq!(result.error, None);
        let sent = self.received(number).await;
        assert_eq!(
            Some(&sent[0].verification_code_id),
            result.verification_code_id.as_ref()
        );
        sent[0].code.clone()
    }

    async fn check(&mut self, number: &str, code: &str) -> pb::CheckResult {
        let mut results = self
            .codes
            .check_codes(pb::CheckCodesRequest {
                account_id: self.account_id.clone(),
                subject_id: self.subject_id.clone(),
                codes: vec![pb::CodeAttempt {
                    phone_number: number.to_owned(),
                    code: code.to_owned(),
                }],
            })
            .await
            .expect("a check answers per number")
            .into_inner()
            .results;
        assert_eq!(results.len(), 1);
        results.remove(0)
    }

    async fn reset(&mut self, number: &str) {
        self.codes
            .reset_numbers(pb::ResetNumbersRequest {
                account_id: self.account_id.clone(),
                subject_id: self.subject_id.clone(),
                phone_numbers: vec![number.to_owned()],
            })
            .await
            .expect("reset");
    }

    /// What the simulated network carried to `number` in this flow, newest first.
    async fn received(&mut self, number: &str) -> Vec<pb::SentCode> {
        self.sandbox
            .list_sent_codes(pb::ListSentCodesRequest {
                phone_number: Some(number.to_owned()),
                subject_id: Some(self.subject_id.clone()),
                account_id: Some(self.account_id.clone()),
                page: None,
            })
            .await
            .expect("listed")
            .into_inner()
            .sent_codes
    }
}

#[track_caller]
fn assert_rejected(result: &pb::CheckResult, reason: pb::RejectionReason, attempts: u32) {
    assert_eq!(result.status(), pb::CodeCheckStatus::Rejected, "{result:?}");
    assert_eq!(result.rejection_reason(), reason, "{result:?}");
    assert_eq!(result.attempts_remaining, attempts, "{result:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_read_from_the_sandbox_verifies_its_number_once() {
    let mut flow = flow().await;
    let number = "+13125550001";
    let result = flow.send(number, Sms).await;
    let now = flow.now();
    assert_eq!(result.phone_number, number);
    assert_eq!(result.method(), Sms);
    assert_eq!(result.attempts_remaining, 5);
    assert_eq!(
        at(result.expires_at.as_ref()),
        Some(now + Duration::minutes(10))
    );
    assert_eq!(
        at(result.retry_after.as_ref()),
        Some(now + Duration::seconds(60))
    );
    let sent = flow.received(number).await;
    assert_eq!(sent.len(), 1);
    let code = sent[0].code.clone();
    assert_eq!(code.len(), 6);
    assert!(sent[0].body.contains(&code), "{}", sent[0].body);
    assert_eq!(sent[0].method(), Sms);
    assert_eq!(
        Some(&sent[0].verification_code_id),
        result.verification_code_id.as_ref()
    );

    let missed = flow.check(number, wrong(&code)).await;
    assert_rejected(&missed, pb::RejectionReason::WrongCode, 4);
    assert_eq!(
        at(missed.resend_allowed_at.as_ref()),
        Some(now + Duration::seconds(60))
    );
    let verified = flow.check(number, &code).await;
    assert_eq!(
        verified.status(),
        pb::CodeCheckStatus::Verified,
        "{verified:?}"
    );
    assert_eq!(verified.rejection_reason, None);
    let again = flow.check(number, &code).await;
    assert_eq!(
        again.status(),
        pb::CodeCheckStatus::AlreadyVerified,
        "{again:?}"
    );
    let resend = flow.send(number, Sms).await;
    assert_eq!(resend.failure(), pb::SendFailure::AlreadyVerified);
    assert_eq!(resend.verification_code_id, None);
    assert!(resend.error.is_some());
    assert_eq!(
        flow.received(number).await.len(),
        1,
        "nothing more was sent"
    );

    // A reset makes the number prove itself again (after the cooldown, which it keeps).
    flow.reset(number).await;
    let forgotten = flow.check(number, &code).await;
    assert_rejected(&forgotten, pb::RejectionReason::NoCodeSent, 0);
    flow.advance(61);
    let code = flow.send_ok(number, Call).await;
    assert_eq!(
        flow.check(number, &code).await.status(),
        pb::CodeCheckStatus::Verified
    );

    // One answer per requested number, in order, whatever happens to each.
    let other = "+13125550002";
    let results = flow.send_all(&[other, "not a number", other], Sms).await;
    assert_eq!(results[0].failure(), pb::SendFailure::Unspecified);
    assert_eq!(results[1].phone_number, "not a number");
    assert_eq!(results[1].failure(), pb::SendFailure::Undeliverable);
    assert!(
        results[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("E164")),
        "{:?}",
        results[1]
    );
    assert_eq!(results[2].failure(), pb::SendFailure::Cooldown);
    flow.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_tries_kill_a_code_and_an_unused_code_expires() {
    let mut flow = flow().await;
    let number = "+13125550003";
    let code = flow.send_ok(number, Sms).await;
    for remaining in (0..5).rev() {
        let result = flow.check(number, wrong(&code)).await;
        assert_rejected(&result, pb::RejectionReason::WrongCode, remaining);
    }
    let dead = flow.check(number, &code).await;
    assert_rejected(&dead, pb::RejectionReason::AttemptsExhausted, 0);

    let number = "+13125550004";
    let code = flow.send_ok(number, Sms).await;
    flow.advance(11 * 60);
    let expired = flow.check(number, &code).await;
    assert_rejected(&expired, pb::RejectionReason::Expired, 0);
    let code = flow.send_ok(number, Sms).await;
    assert_eq!(
        flow.check(number, &code).await.status(),
        pb::CodeCheckStatus::Verified,
        "a new code after the old one expired"
    );
    flow.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn resends_wait_for_the_cooldown_and_stop_at_the_daily_budget() {
    let mut flow = flow().await;
    let number = "+13125550005";
    let first = flow.send_ok(number, Sms).await;
    let sent_at = flow.now();
    flow.advance(30);
    let early = flow.send(number, Sms).await;
    assert_eq!(early.failure(), pb::SendFailure::Cooldown, "{early:?}");
    assert_eq!(early.verification_code_id, None);
    let allowed = sent_at + Duration::seconds(60);
    assert_eq!(at(early.retry_after.as_ref()), Some(allowed));
    let error = early.error.expect("a cooldown says until when");
    // Said for people, to the second, rounded up so that waiting until then is enough.
    let said = (allowed + Duration::microseconds(999_999)).trunc_subsecs(0);
    assert!(
        error.contains(&said.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "{error}"
    );
    assert_eq!(
        early.attempts_remaining, 5,
        "the current code is still live"
    );
    flow.advance(31);
    let second = flow.send_ok(number, Sms).await;
    if second != first {
        let replaced = flow.check(number, &first).await;
        assert_rejected(&replaced, pb::RejectionReason::WrongCode, 4);
    }
    for _ in 0..3 {
        flow.advance(61);
        flow.send_ok(number, Sms).await;
    }
    flow.advance(61);
    let spent = flow.send(number, Sms).await;
    assert_eq!(
        spent.failure(),
        pb::SendFailure::BudgetExhausted,
        "{spent:?}"
    );
    assert_eq!(
        at(spent.retry_after.as_ref()),
        Some(sent_at + Duration::hours(24))
    );
    flow.reset(number).await;
    let still = flow.send(number, Sms).await;
    assert_eq!(
        still.failure(),
        pb::SendFailure::BudgetExhausted,
        "a reset does not buy more sends"
    );
    flow.advance(24 * 3_600);
    flow.send_ok(number, Sms).await;

    // Ten wrong tries over two codes use up the day for the number.
    let number = "+13125550006";
    let code = flow.send_ok(number, Sms).await;
    for _ in 0..5 {
        flow.check(number, wrong(&code)).await;
    }
    flow.advance(61);
    let code = flow.send_ok(number, Sms).await;
    for remaining in (0..5).rev() {
        let result = flow.check(number, wrong(&code)).await;
        assert_rejected(&result, pb::RejectionReason::WrongCode, remaining);
    }
    let exhausted = flow.check(number, &code).await;
    assert_rejected(&exhausted, pb::RejectionReason::BudgetExhausted, 0);
    flow.advance(61);
    let refused = flow.send(number, Sms).await;
    assert_eq!(refused.failure(), pb::SendFailure::BudgetExhausted);
    flow.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn magic_numbers_refuse_sms_or_calls_and_spend_nothing() {
    let mut flow = flow().await;
    let call_only = "+13125551420";
    let refused = flow.send(call_only, Sms).await;
    assert_eq!(
        refused.failure(),
        pb::SendFailure::Undeliverable,
        "{refused:?}"
    );
    assert_eq!(refused.verification_code_id, None);
    assert!(
        refused.error.as_deref().is_some_and(|e| e.contains("SMS")),
        "{refused:?}"
    );
    assert!(flow.received(call_only).await.is_empty());
    // Nothing was recorded as sent: no cooldown, no budget spent.
    let code = flow.send_ok(call_only, Call).await;
    let sent = flow.received(call_only).await;
    assert_eq!(sent[0].method(), Call);
    let spoken: Vec<String> = code.chars().map(String::from).collect();
    assert!(
        sent[0].body.contains(&spoken.join(", ")),
        "{}",
        sent[0].body
    );
    assert_eq!(
        flow.check(call_only, &code).await.status(),
        pb::CodeCheckStatus::Verified
    );

    let unreachable = "+13125551470";
    for method in [Sms, Call] {
        let result = flow.send(unreachable, method).await;
        assert_eq!(
            result.failure(),
            pb::SendFailure::Undeliverable,
            "{result:?}"
        );
    }
    let never = flow.check(unreachable, "123456").await;
    assert_rejected(&never, pb::RejectionReason::NoCodeSent, 0);
    flow.suite.stop().await;
}

#[track_caller]
fn assert_field(status: &tonic::Status, kind: ErrorKind, pointer: &str) {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let error = ApiError::from_status(status);
    assert_eq!(error.kind, kind, "{status:?}");
    assert_eq!(error.envelope()["errors"][0]["source"]["pointer"], pointer);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_what_no_number_can_fix_fails_a_request() {
    let mut flow = flow().await;
    let send = |numbers: Vec<String>, method: pb::VerificationMethod| pb::SendCodesRequest {
        account_id: flow.account_id.clone(),
        subject_id: flow.subject_id.clone(),
        phone_numbers: numbers,
        method: method.into(),
    };
    let cases = [
        (send(vec![], Sms), ErrorKind::Validation, "/phone_numbers"),
        (
            send(vec!["+13125550001".to_owned(); 1_001], Sms),
            ErrorKind::Validation,
            "/phone_numbers",
        ),
        (
            send(
                vec!["+13125550001".to_owned()],
                pb::VerificationMethod::Unspecified,
            ),
            ErrorKind::Validation,
            "/verification_method",
        ),
        (
            pb::SendCodesRequest {
                subject_id: "order-1".to_owned(),
                ..send(vec!["+13125550001".to_owned()], Sms)
            },
            ErrorKind::Validation,
            "/subject_id",
        ),
        (
            pb::SendCodesRequest {
                account_id: "nobody".to_owned(),
                ..send(vec!["+13125550001".to_owned()], Sms)
            },
            ErrorKind::Validation,
            "/account_id",
        ),
    ];
    for (request, kind, pointer) in cases {
        let status = flow.codes.send_codes(request).await.expect_err("refused");
        assert_field(&status, kind, pointer);
    }
    let status = flow
        .codes
        .check_codes(pb::CheckCodesRequest {
            account_id: flow.account_id.clone(),
            subject_id: flow.subject_id.clone(),
            codes: vec![],
        })
        .await
        .expect_err("no codes");
    assert_field(&status, ErrorKind::Validation, "/codes");
    assert!(
        flow.received("+13125550001").await.is_empty(),
        "a refused request sends nothing"
    );
    flow.suite.stop().await;
}
