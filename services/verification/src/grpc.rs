//! The gRPC edge of verification: proto requests become domain values, the app answers, and
//! domain values become proto responses. No rules and no storage here.

use textport_domain::AccountId;
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::verification::v1::{
    self as pb, verification_sandbox_service_server, verification_service_server,
};
use tonic::{Request, Response, Status};

use crate::app::{App, Attempt};
use crate::domain::{
    CheckAnswer, CheckOutcome, Method, Rejection, Scope, SendAnswer, SendFailure, SentCode,
    SubjectId,
};
use crate::store::SentCodeFilter;

#[derive(Clone)]
pub struct VerificationApi {
    app: App,
}

impl VerificationApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

fn scope(account_id: &str, subject_id: &str) -> Result<Scope, ApiError> {
    Ok(Scope {
        account: convert::caller(account_id)?,
        subject: convert::id("/subject_id", SubjectId::parse, subject_id)?,
    })
}

fn method_from_proto(raw: i32) -> Result<Method, ApiError> {
    const FIELD: &str = "/verification_method";
    match pb::VerificationMethod::try_from(raw) {
        Ok(pb::VerificationMethod::Sms) => Ok(Method::Sms),
        Ok(pb::VerificationMethod::Call) => Ok(Method::Call),
        Ok(pb::VerificationMethod::Unspecified) => Err(ApiError::at_pointer(
            ErrorKind::Validation,
            FIELD,
            "verification_method is required: sms or call.",
        )),
        Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            FIELD,
            "verification_method must be one of sms, call.",
        )),
    }
}

fn method_to_proto(method: Method) -> pb::VerificationMethod {
    match method {
        Method::Sms => pb::VerificationMethod::Sms,
        Method::Call => pb::VerificationMethod::Call,
    }
}

fn send_result(phone_number: String, method: Method, answer: SendAnswer) -> pb::SendResult {
    let error = answer.error();
    let (code_id, failure) = match answer.sent {
        Ok(id) => (Some(id.to_string()), pb::SendFailure::Unspecified),
        Err(failure) => (None, failure_to_proto(&failure)),
    };
    pb::SendResult {
        phone_number,
        verification_code_id: code_id,
        method: method_to_proto(method).into(),
        expires_at: answer.expires_at.map(convert::timestamp),
        error,
        retry_after: answer.resend_allowed_at.map(convert::timestamp),
        failure: failure.into(),
        attempts_remaining: answer.attempts_remaining,
    }
}

fn failure_to_proto(failure: &SendFailure) -> pb::SendFailure {
    match failure {
        SendFailure::Cooldown => pb::SendFailure::Cooldown,
        SendFailure::BudgetExhausted => pb::SendFailure::BudgetExhausted,
        SendFailure::AlreadyVerified => pb::SendFailure::AlreadyVerified,
        // The contract has no value of its own for a malformed number; `error` says which.
        SendFailure::Undeliverable(_) | SendFailure::NotE164(_) => pb::SendFailure::Undeliverable,
    }
}

fn check_result(phone_number: String, answer: CheckAnswer) -> pb::CheckResult {
    let (status, rejection) = match answer.outcome {
        CheckOutcome::Verified => (pb::CodeCheckStatus::Verified, None),
        CheckOutcome::AlreadyVerified => (pb::CodeCheckStatus::AlreadyVerified, None),
        CheckOutcome::Rejected(rejection) => (
            pb::CodeCheckStatus::Rejected,
            Some(rejection_to_proto(rejection)),
        ),
    };
    pb::CheckResult {
        phone_number,
        status: status.into(),
        rejection_reason: rejection.map(Into::into),
        attempts_remaining: answer.attempts_remaining,
        resend_allowed_at: answer.resend_allowed_at.map(convert::timestamp),
    }
}

fn rejection_to_proto(rejection: Rejection) -> pb::RejectionReason {
    match rejection {
        Rejection::WrongCode => pb::RejectionReason::WrongCode,
        Rejection::Expired => pb::RejectionReason::Expired,
        Rejection::AttemptsExhausted => pb::RejectionReason::AttemptsExhausted,
        Rejection::NoCodeSent => pb::RejectionReason::NoCodeSent,
        Rejection::BudgetExhausted => pb::RejectionReason::BudgetExhausted,
    }
}

fn sent_code(sent: SentCode) -> pb::SentCode {
    pb::SentCode {
        id: sent.id.to_string(),
        verification_code_id: sent.code_id.to_string(),
        account_id: sent.scope.account.to_string(),
        subject_id: sent.scope.subject.to_string(),
        phone_number: sent.phone_number.to_string(),
        method: method_to_proto(sent.method).into(),
        code: sent.code.digits().to_owned(),
        body: sent.body,
        sent_at: Some(convert::timestamp(sent.sent_at)),
    }
}

// === impl VerificationService ===

#[tonic::async_trait]
impl verification_service_server::VerificationService for VerificationApi {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn send_codes(
        &self,
        request: Request<pb::SendCodesRequest>,
    ) -> Result<Response<pb::SendCodesResponse>, Status> {
        let request = request.into_inner();
        let scope = scope(&request.account_id, &request.subject_id)?;
        let method = method_from_proto(request.method)?;
        let answers = self
            .app
            .send_codes(scope, &request.phone_numbers, method)
            .await?;
        let results = request
            .phone_numbers
            .into_iter()
            .zip(answers)
            .map(|(phone_number, answer)| send_result(phone_number, method, answer))
            .collect();
        Ok(Response::new(pb::SendCodesResponse { results }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().codes.len()))]
    async fn check_codes(
        &self,
        request: Request<pb::CheckCodesRequest>,
    ) -> Result<Response<pb::CheckCodesResponse>, Status> {
        let request = request.into_inner();
        let scope = scope(&request.account_id, &request.subject_id)?;
        let attempts: Vec<Attempt> = request
            .codes
            .into_iter()
            .map(|attempt| Attempt {
                phone_number: attempt.phone_number,
                code: attempt.code,
            })
            .collect();
        let answers = self.app.check_codes(scope, &attempts).await?;
        let results = attempts
            .into_iter()
            .zip(answers)
            .map(|(attempt, answer)| check_result(attempt.phone_number, answer))
            .collect();
        Ok(Response::new(pb::CheckCodesResponse { results }))
    }

    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len()))]
    async fn reset_numbers(
        &self,
        request: Request<pb::ResetNumbersRequest>,
    ) -> Result<Response<pb::ResetNumbersResponse>, Status> {
        let request = request.into_inner();
        let scope = scope(&request.account_id, &request.subject_id)?;
        self.app
            .reset_numbers(scope, &request.phone_numbers)
            .await?;
        Ok(Response::new(pb::ResetNumbersResponse {}))
    }
}

// === impl VerificationSandboxService ===

#[tonic::async_trait]
impl verification_sandbox_service_server::VerificationSandboxService for VerificationApi {
    async fn list_sent_codes(
        &self,
        request: Request<pb::ListSentCodesRequest>,
    ) -> Result<Response<pb::ListSentCodesResponse>, Status> {
        let request = request.into_inner();
        let page = convert::page(request.page.as_ref())?;
        let filter = SentCodeFilter {
            phone_number: request.phone_number,
            subject: request
                .subject_id
                .as_deref()
                .map(|raw| convert::id("/subject_id", SubjectId::parse, raw))
                .transpose()?,
            account: request
                .account_id
                .as_deref()
                .map(|raw| convert::id("/account_id", AccountId::parse, raw))
                .transpose()?,
        };
        let (sent, total) = self.app.sent_codes(&filter, page).await?;
        Ok(Response::new(pb::ListSentCodesResponse {
            sent_codes: sent.into_iter().map(sent_code).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }
}
