//! The verification rules, without I/O: a number's code from sending to its end (verified, dead
//! after too many wrong tries, expired), the resend cooldown, the rolling daily budget of sends
//! and wrong tries, and the text a code travels in. Time comes in as `now`; whether an attempt
//! matches the stored hash is asked of the caller, who holds the key.

use std::fmt;

use chrono::{DateTime, Duration, SecondsFormat, SubsecRound as _, Utc};
use textport_domain::{AccountId, E164, E164Error, MAX_NUMBERS_PER_REQUEST};

#[cfg(test)]
mod tests;

textport_domain::typed_id!(
    /// One code sent to one number (`verification_code_id`).
    VerificationCodeId,
    "verification code id"
);
textport_domain::typed_id!(
    /// What codes verify for (a hosted order, …): it groups the codes of one flow.
    SubjectId,
    "subject id"
);
textport_domain::typed_id!(
    /// One SMS or call the simulated phone network carried.
    SentCodeId,
    "sent code id"
);

/// How far back the daily budgets count.
pub const BUDGET_WINDOW: Duration = Duration::days(1);

/// Whose flow a request is about: codes are kept per (account, subject, number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    pub account: AccountId,
    pub subject: SubjectId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Sms,
    Call,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Call => "call",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Sms, Self::Call]
            .into_iter()
            .find(|method| method.as_str() == text)
    }
}

/// The limits a deployment configures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub code_ttl: Duration,
    /// Wrong tries one code survives; the next code starts afresh.
    pub max_wrong_tries: u32,
    pub resend_cooldown: Duration,
    /// Sends per (subject, number) in any [`BUDGET_WINDOW`].
    pub daily_sends: u32,
    /// Wrong tries per (subject, number) in any [`BUDGET_WINDOW`], over all its codes.
    pub daily_wrong_tries: u32,
}

const CODE_SPACE: u32 = 1_000_000;
/// The largest multiple of a million that fits in 32 bits: the values from here up would make
/// the low codes a little likelier, so they are drawn again.
const UNBIASED_LIMIT: u32 = u32::MAX / CODE_SPACE * CODE_SPACE;

/// A code as the person receives it: six digits. Only the message that carries it (and the
/// sandbox's copy of that message) holds it; `Debug` shows none of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl Code {
    /// The code for 32 random bits; `None` for the few values that would bias it (draw again).
    pub fn from_random(bits: u32) -> Option<Self> {
        (bits < UNBIASED_LIMIT).then(|| Self(format!("{:06}", bits % CODE_SPACE)))
    }

    /// Only for a code read back from the sandbox's record of what the network carried.
    pub fn from_record(digits: String) -> Self {
        Self(digits)
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code(******)")
    }
}

/// A code's keyed hash: the only form of it the service keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeHash(pub Vec<u8>);

/// The code a number was last sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub id: VerificationCodeId,
    pub hash: CodeHash,
    pub method: Method,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub wrong_tries: u32,
}

/// When a number was sent codes and tried wrong ones, oldest first, within the window. It
/// outlives codes and resets: it is what stops a number from being tried without end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Budget {
    pub sends: Vec<DateTime<Utc>>,
    pub wrong_tries: Vec<DateTime<Utc>>,
}

impl Budget {
    fn prune(&mut self, now: DateTime<Utc>) {
        let since = now - BUDGET_WINDOW;
        self.sends.retain(|at| *at > since);
        self.wrong_tries.retain(|at| *at > since);
    }

    fn sends_exhausted(&self, now: DateTime<Utc>, policy: &Policy) -> bool {
        left(&self.sends, policy.daily_sends, now) == 0
    }

    fn wrong_tries_exhausted(&self, now: DateTime<Utc>, policy: &Policy) -> bool {
        left(&self.wrong_tries, policy.daily_wrong_tries, now) == 0
    }
}

fn in_window(times: &[DateTime<Utc>], now: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> {
    let since = now - BUDGET_WINDOW;
    times.iter().copied().filter(move |at| *at > since)
}

fn left(times: &[DateTime<Utc>], limit: u32, now: DateTime<Utc>) -> u32 {
    let used = u32::try_from(in_window(times, now).count()).unwrap_or(u32::MAX);
    limit.saturating_sub(used)
}

/// When `times` falls back under `limit`, if it has reached it.
fn frees_at(times: &[DateTime<Utc>], limit: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let live: Vec<DateTime<Utc>> = in_window(times, now).collect();
    let over = live.len().checked_sub(usize::try_from(limit).ok()?)?;
    live.get(over).map(|at| *at + BUDGET_WINDOW)
}

/// Where a number's current code stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CodeStatus {
    NoCode,
    Live,
    /// Too many wrong tries: even the right code is refused now.
    Dead,
    Expired,
}

/// Everything kept about one number of one flow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberState {
    pub code: Option<IssuedCode>,
    pub verified_at: Option<DateTime<Utc>>,
    pub budget: Budget,
}

/// Why no code was sent to a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// The last code was sent less than the cooldown ago.
    Cooldown,
    /// The number used up its sends or wrong tries for the window.
    BudgetExhausted,
    AlreadyVerified,
    /// The network (or the lack of one) could not carry the code; nothing was recorded as sent.
    Undeliverable(String),
    NotE164(E164Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Verified,
    AlreadyVerified,
    Rejected(Rejection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    WrongCode,
    Expired,
    AttemptsExhausted,
    NoCodeSent,
    BudgetExhausted,
}

impl NumberState {
    fn code_status(&self, now: DateTime<Utc>, policy: &Policy) -> CodeStatus {
        match &self.code {
            None => CodeStatus::NoCode,
            Some(code) if code.wrong_tries >= policy.max_wrong_tries => CodeStatus::Dead,
            Some(code) if now >= code.expires_at => CodeStatus::Expired,
            Some(_) => CodeStatus::Live,
        }
    }

    /// The current code, while it can still be verified.
    pub fn live_code(&self, now: DateTime<Utc>, policy: &Policy) -> Option<&IssuedCode> {
        match self.code_status(now, policy) {
            CodeStatus::Live => self.code.as_ref(),
            CodeStatus::NoCode | CodeStatus::Dead | CodeStatus::Expired => None,
        }
    }

    /// Whether a new code may be sent now. Running out of wrong tries also stops sends: a code
    /// that could not be checked is not worth sending.
    pub fn may_send(&self, now: DateTime<Utc>, policy: &Policy) -> Result<(), SendFailure> {
        if self.verified_at.is_some() {
            return Err(SendFailure::AlreadyVerified);
        }
        if self.budget.sends_exhausted(now, policy)
            || self.budget.wrong_tries_exhausted(now, policy)
        {
            return Err(SendFailure::BudgetExhausted);
        }
        match self.budget.sends.last() {
            Some(last) if now < *last + policy.resend_cooldown => Err(SendFailure::Cooldown),
            _ => Ok(()),
        }
    }

    /// Records a code just sent; it replaces the previous one, dead or alive.
    pub fn issue(&mut self, code: IssuedCode) {
        self.budget.prune(code.sent_at);
        self.budget.sends.push(code.sent_at);
        self.code = Some(code);
    }

    /// Checks an attempt: `matches` compares it with the live code (and is not asked otherwise).
    /// The right code is consumed and the number verified; a wrong one counts against the code
    /// and the budget.
    pub fn check(
        &mut self,
        now: DateTime<Utc>,
        policy: &Policy,
        matches: impl FnOnce(&IssuedCode) -> bool,
    ) -> CheckOutcome {
        if self.verified_at.is_some() {
            return CheckOutcome::AlreadyVerified;
        }
        if self.budget.wrong_tries_exhausted(now, policy) {
            return CheckOutcome::Rejected(Rejection::BudgetExhausted);
        }
        let code = match (self.code_status(now, policy), self.code.as_mut()) {
            (CodeStatus::Live, Some(code)) => code,
            (CodeStatus::Dead, _) => return CheckOutcome::Rejected(Rejection::AttemptsExhausted),
            (CodeStatus::Expired, _) => return CheckOutcome::Rejected(Rejection::Expired),
            (CodeStatus::NoCode | CodeStatus::Live, _) => {
                return CheckOutcome::Rejected(Rejection::NoCodeSent);
            }
        };
        if matches(code) {
            self.code = None;
            self.verified_at = Some(now);
            CheckOutcome::Verified
        } else {
            code.wrong_tries = code.wrong_tries.saturating_add(1);
            self.budget.prune(now);
            self.budget.wrong_tries.push(now);
            CheckOutcome::Rejected(Rejection::WrongCode)
        }
    }

    /// Forgets the verification and the code, so the number proves ownership again; the budget
    /// stays, so a reset buys no extra tries.
    pub fn reset(&mut self) {
        self.code = None;
        self.verified_at = None;
    }

    /// Wrong tries the current code still allows: the fewer of its own and the budget's.
    pub fn attempts_remaining(&self, now: DateTime<Utc>, policy: &Policy) -> u32 {
        self.live_code(now, policy).map_or(0, |code| {
            policy
                .max_wrong_tries
                .saturating_sub(code.wrong_tries)
                .min(left(
                    &self.budget.wrong_tries,
                    policy.daily_wrong_tries,
                    now,
                ))
        })
    }

    /// When a new code may be sent (now, if it may); `None` once the number is verified.
    pub fn resend_allowed_at(&self, now: DateTime<Utc>, policy: &Policy) -> Option<DateTime<Utc>> {
        if self.verified_at.is_some() {
            return None;
        }
        [
            Some(now),
            self.budget
                .sends
                .last()
                .map(|last| *last + policy.resend_cooldown),
            frees_at(&self.budget.sends, policy.daily_sends, now),
            frees_at(&self.budget.wrong_tries, policy.daily_wrong_tries, now),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// What a send answers for one requested number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendAnswer {
    /// The code sent, or why none was.
    pub sent: Result<VerificationCodeId, SendFailure>,
    /// When the number's current code expires, while it can be verified.
    pub expires_at: Option<DateTime<Utc>>,
    pub attempts_remaining: u32,
    pub resend_allowed_at: Option<DateTime<Utc>>,
}

impl SendAnswer {
    pub fn of(
        state: &NumberState,
        sent: Result<VerificationCodeId, SendFailure>,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Self {
        Self {
            sent,
            expires_at: state.live_code(now, policy).map(|code| code.expires_at),
            attempts_remaining: state.attempts_remaining(now, policy),
            resend_allowed_at: state.resend_allowed_at(now, policy),
        }
    }

    pub fn not_e164(error: E164Error) -> Self {
        Self {
            sent: Err(SendFailure::NotE164(error)),
            expires_at: None,
            attempts_remaining: 0,
            resend_allowed_at: None,
        }
    }

    /// Why no code was sent, for people; `None` when one was.
    pub fn error(&self) -> Option<String> {
        let failure = self.sent.as_ref().err()?;
        let when = self
            .resend_allowed_at
            .map_or_else(|| "a later time".to_owned(), rfc3339_up);
        Some(match failure {
            SendFailure::Cooldown => {
                format!(
                    "A code was sent to this number moments ago; a new one may be sent at {when}."
                )
            }
            SendFailure::BudgetExhausted => format!(
                "This number used up its verification codes and tries for today; a new code may be sent at {when}."
            ),
            SendFailure::AlreadyVerified => {
                "This number is already verified; no code is needed.".to_owned()
            }
            SendFailure::Undeliverable(why) => why.clone(),
            SendFailure::NotE164(error) => {
                format!("Phone number must be in +E164 format: {error}.")
            }
        })
    }
}

/// What a check answers for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckAnswer {
    pub outcome: CheckOutcome,
    pub attempts_remaining: u32,
    pub resend_allowed_at: Option<DateTime<Utc>>,
}

impl CheckAnswer {
    pub fn of(
        state: &NumberState,
        outcome: CheckOutcome,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Self {
        Self {
            outcome,
            attempts_remaining: state.attempts_remaining(now, policy),
            resend_allowed_at: state.resend_allowed_at(now, policy),
        }
    }

    /// No code can have been sent to a number that is not E.164.
    pub fn not_e164() -> Self {
        Self {
            outcome: CheckOutcome::Rejected(Rejection::NoCodeSent),
            attempts_remaining: 0,
            resend_allowed_at: None,
        }
    }
}

/// A time for people, rounded up to the second so that waiting until it is always enough.
fn rfc3339_up(at: DateTime<Utc>) -> String {
    let whole = at.trunc_subsecs(0);
    let up = if whole < at {
        whole + Duration::seconds(1)
    } else {
        whole
    };
    up.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The SMS text or the call's script that carries `code`.
pub fn message_body(method: Method, code: &Code, ttl: Duration) -> String {
    let expiry = match ttl.num_seconds() {
        seconds if seconds % 60 == 0 && seconds >= 60 => match seconds / 60 {
            1 => "1 minute".to_owned(),
            minutes => format!("{minutes} minutes"),
        },
        seconds => format!("{seconds} seconds"),
    };
    match method {
        Method::Sms => format!(
            "Your textport verification code is {}. It expires in {expiry}. Do not share it.",
            code.digits()
        ),
        Method::Call => {
            let spoken: Vec<String> = code.digits().chars().map(String::from).collect();
            let spoken = spoken.join(", ");
            format!(
                "Hello, this is textport. Your verification code is {spoken}. Again: {spoken}. \
                 It expires in {expiry}. Goodbye."
            )
        }
    }
}

/// One SMS or call as the simulated network carried it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCode {
    pub id: SentCodeId,
    pub code_id: VerificationCodeId,
    pub scope: Scope,
    pub phone_number: E164,
    pub method: Method,
    pub code: Code,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    NoNumbers,
    TooManyNumbers,
}

impl RequestError {
    pub fn detail(self) -> String {
        match self {
            Self::NoNumbers => "You must provide at least 1 phone number.".to_owned(),
            Self::TooManyNumbers => format!(
                "You may provide at most {MAX_NUMBERS_PER_REQUEST} phone numbers in one request."
            ),
        }
    }
}

/// Parses each requested number, after the cap on how many one request carries.
pub fn parse_numbers<'a>(
    raw: impl ExactSizeIterator<Item = &'a str>,
) -> Result<Vec<Result<E164, E164Error>>, RequestError> {
    match raw.len() {
        0 => Err(RequestError::NoNumbers),
        n if n > MAX_NUMBERS_PER_REQUEST => Err(RequestError::TooManyNumbers),
        _ => Ok(raw.map(E164::parse).collect()),
    }
}
