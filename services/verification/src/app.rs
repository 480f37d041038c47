//! The use cases of verification: domain values in, domain values or [`Error`] out. Each reads
//! the state of all its numbers in one query and writes what changed in one statement, guarded
//! by the revisions it read; the numbers another request changed in between are done again.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use textport_domain::{E164, E164Error, Page, SharedClock};
use textport_platform::db::Versioned;

use crate::code::{self, CodeKey};
use crate::domain::{
    self, CheckAnswer, IssuedCode, Method, NumberState, Policy, Scope, SendAnswer, SendFailure,
    SentCode, VerificationCodeId,
};
use crate::error::Error;
use crate::sender::{CodeSender, Delivery, Outgoing};
use crate::store::{self, SentCodeFilter};

/// How many times a use case goes round for numbers that other requests changed under it.
const ROUNDS: usize = 3;

/// One attempt of a check. No `Debug`: it carries what the person typed.
pub struct Attempt {
    pub phone_number: String,
    pub code: String,
}

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    clock: SharedClock,
    key: CodeKey,
    sender: Arc<dyn CodeSender>,
    policy: Policy,
}

/// A request's numbers: the distinct valid ones, where each was asked, and the rest.
struct Requested {
    distinct: Vec<E164>,
    /// For each distinct number, its places in the request, in order.
    asked_at: Vec<Vec<usize>>,
    /// The numbers that are not E.164, by place.
    invalid: Vec<(usize, E164Error)>,
}

impl Requested {
    fn new<'a>(
        raw: impl ExactSizeIterator<Item = &'a str>,
        field: &'static str,
    ) -> Result<Self, Error> {
        let parsed = domain::parse_numbers(raw).map_err(|error| Error::Request { field, error })?;
        let mut requested = Self {
            distinct: Vec::new(),
            asked_at: Vec::new(),
            invalid: Vec::new(),
        };
        let mut index: HashMap<E164, usize> = HashMap::with_capacity(parsed.len());
        for (at, parsed) in parsed.into_iter().enumerate() {
            match parsed {
                Ok(number) => {
                    let i = *index.entry(number.clone()).or_insert_with(|| {
                        requested.distinct.push(number);
                        requested.asked_at.push(Vec::new());
                        requested.distinct.len() - 1
                    });
                    requested.asked_at[i].push(at);
                }
                Err(error) => requested.invalid.push((at, error)),
            }
        }
        Ok(requested)
    }
}

/// One number's state as read, as left by a use case's step, and what the step answered.
struct Stepped<T> {
    number: E164,
    before: NumberState,
    after: Versioned<NumberState>,
    out: T,
    now: DateTime<Utc>,
}

impl App {
    pub fn new(
        db: DatabaseConnection,
        clock: SharedClock,
        key: CodeKey,
        sender: Arc<dyn CodeSender>,
        policy: Policy,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                key,
                sender,
                policy,
            }),
        }
    }

    /// Sends a fresh code to each number that may have one, in one call to the sender, and
    /// answers each requested number in order. The send is recorded (cooldown, budget, the new
    /// code) before the sender is called, so a concurrent request cannot send twice; a code the
    /// network could not carry is taken back, leaving the number as it was.
    pub async fn send_codes(
        &self,
        scope: Scope,
        raw: &[String],
        method: Method,
    ) -> Result<Vec<SendAnswer>, Error> {
        let requested = Requested::new(raw.iter().map(String::as_str), "phone_numbers")?;
        let policy = self.inner.policy;
        let key = &self.inner.key;
        let codes = requested
            .distinct
            .iter()
            .map(|_| Ok((VerificationCodeId::new(), code::generate()?)))
            .collect::<anyhow::Result<Vec<_>>>()
            .map_err(Error::Entropy)?;
        let stepped = self
            .step(scope, &requested.distinct, |i, state, now| {
                let (id, code) = &codes[i];
                requested.asked_at[i]
                    .iter()
                    .map(|&at| {
                        let sent = state.may_send(now, &policy).map(|()| {
                            state.issue(IssuedCode {
                                id: *id,
                                hash: key.hash(*id, code),
                                method,
                                sent_at: now,
                                expires_at: now + policy.code_ttl,
                                wrong_tries: 0,
                            });
                            *id
                        });
                        (at, sent)
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        let sending: Vec<usize> = stepped
            .iter()
            .enumerate()
            .filter(|(_, stepped)| stepped.out.iter().any(|(_, sent)| sent.is_ok()))
            .map(|(i, _)| i)
            .collect();
        let messages: Vec<Outgoing> = sending
            .iter()
            .map(|&i| {
                let (code_id, code) = &codes[i];
                Outgoing {
                    code_id: *code_id,
                    scope,
                    number: requested.distinct[i].clone(),
                    method,
                    code: code.clone(),
                    body: domain::message_body(method, code, policy.code_ttl),
                }
            })
            .collect();
        let undeliverable = self.deliver(scope, &messages, &sending, &stepped).await?;
        let per_number = stepped.into_iter().enumerate().map(|(i, stepped)| {
            let Stepped {
                before,
                after,
                out,
                now,
                ..
            } = stepped;
            match undeliverable.get(&i) {
                Some(why) => out
                    .into_iter()
                    .map(|(at, _)| {
                        let failure = Err(SendFailure::Undeliverable(why.clone()));
                        (at, SendAnswer::of(&before, failure, now, &policy))
                    })
                    .collect(),
                None => out
                    .into_iter()
                    .map(|(at, sent)| (at, SendAnswer::of(&after.value, sent, now, &policy)))
                    .collect::<Vec<_>>(),
            }
        });
        let invalid = requested
            .invalid
            .into_iter()
            .map(|(at, error)| (at, SendAnswer::not_e164(error)));
        Ok(in_request_order(invalid, per_number))
    }

    /// Hands the messages to the sender; takes back the sends it could not carry (all of them
    /// if it failed outright). Answers why, by distinct number.
    async fn deliver<T>(
        &self,
        scope: Scope,
        messages: &[Outgoing],
        sending: &[usize],
        stepped: &[Stepped<T>],
    ) -> Result<HashMap<usize, String>, Error> {
        if messages.is_empty() {
            return Ok(HashMap::new());
        }
        let deliveries = match self.inner.sender.send(messages).await {
            Ok(deliveries) if deliveries.len() == messages.len() => deliveries,
            Ok(deliveries) => {
                self.take_back(scope, sending, stepped).await?;
                return Err(Error::Sender(anyhow::anyhow!(
                    "the sender answered {} of {} messages",
                    deliveries.len(),
                    messages.len()
                )));
            }
            Err(error) => {
                self.take_back(scope, sending, stepped).await?;
                return Err(Error::Sender(error));
            }
        };
        let undeliverable: HashMap<usize, String> = sending
            .iter()
            .zip(deliveries)
            .filter_map(|(&i, delivery)| match delivery {
                Delivery::Delivered => None,
                Delivery::Undeliverable(why) => Some((i, why)),
            })
            .collect();
        let mut failed: Vec<usize> = undeliverable.keys().copied().collect();
        failed.sort_unstable();
        self.take_back(scope, &failed, stepped).await?;
        Ok(undeliverable)
    }

    /// Restores these numbers as they were before a send that did not happen (one guarded
    /// statement). One that another request changed since keeps that request's state.
    async fn take_back<T>(
        &self,
        scope: Scope,
        numbers: &[usize],
        stepped: &[Stepped<T>],
    ) -> Result<(), Error> {
        let restored: Vec<(E164, Versioned<NumberState>)> = numbers
            .iter()
            .filter_map(|&i| stepped.get(i))
            .map(|stepped| {
                let state = Versioned {
                    value: stepped.before.clone(),
                    revision: stepped.after.revision + 1,
                };
                (stepped.number.clone(), state)
            })
            .collect();
        let written = store::save(&self.inner.db, scope, &restored, self.inner.clock.now()).await?;
        for (number, _) in restored
            .iter()
            .filter(|(number, _)| !written.contains(number.as_str()))
        {
            tracing::warn!(
                ?number,
                "an undelivered code stays recorded as sent: another request changed the number first"
            );
        }
        Ok(())
    }

    /// Checks each attempt in request order (a number tried twice is tried twice).
    pub async fn check_codes(
        &self,
        scope: Scope,
        attempts: &[Attempt],
    ) -> Result<Vec<CheckAnswer>, Error> {
        let requested = Requested::new(
            attempts.iter().map(|attempt| attempt.phone_number.as_str()),
            "codes",
        )?;
        let policy = self.inner.policy;
        let key = &self.inner.key;
        let stepped = self
            .step(scope, &requested.distinct, |i, state, now| {
                requested.asked_at[i]
                    .iter()
                    .map(|&at| {
                        let typed = attempts[at].code.as_str();
                        let outcome = state.check(now, &policy, |code| {
                            key.verifies(code.id, typed, &code.hash)
                        });
                        (at, CheckAnswer::of(state, outcome, now, &policy))
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
        let invalid = requested
            .invalid
            .into_iter()
            .map(|(at, _)| (at, CheckAnswer::not_e164()));
        Ok(in_request_order(
            invalid,
            stepped.into_iter().map(|stepped| stepped.out),
        ))
    }

    /// Forgets the numbers' verification and codes, keeping their budget. A number that is not
    /// E.164 has nothing to forget.
    pub async fn reset_numbers(&self, scope: Scope, raw: &[String]) -> Result<(), Error> {
        let requested = Requested::new(raw.iter().map(String::as_str), "phone_numbers")?;
        self.step(scope, &requested.distinct, |_, state, _| state.reset())
            .await?;
        Ok(())
    }

    pub async fn sent_codes(
        &self,
        filter: &SentCodeFilter,
        page: Page,
    ) -> Result<(Vec<SentCode>, u64), Error> {
        Ok(store::sent_codes(&self.inner.db, filter, page).await?)
    }

    /// Runs `step` on each number's stored state (a number without a row starts empty) and
    /// stores the states it changed: one load and one guarded write per round. Numbers whose
    /// write lost to another request are loaded and stepped again, up to [`ROUNDS`] times.
    async fn step<T>(
        &self,
        scope: Scope,
        numbers: &[E164],
        mut step: impl FnMut(usize, &mut NumberState, DateTime<Utc>) -> T,
    ) -> Result<Vec<Stepped<T>>, Error> {
        let mut done: Vec<Option<Stepped<T>>> = numbers.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..numbers.len()).collect();
        for _ in 0..ROUNDS {
            if pending.is_empty() {
                break;
            }
            let asked: Vec<E164> = pending.iter().map(|&i| numbers[i].clone()).collect();
            let mut stored = store::load(&self.inner.db, scope, &asked).await?;
            let now = self.inner.clock.now();
            let mut writes = Vec::new();
            let mut round = Vec::with_capacity(pending.len());
            for (&i, number) in pending.iter().zip(asked) {
                let read = stored.remove(number.as_str()).unwrap_or(Versioned {
                    value: NumberState::default(),
                    revision: 0,
                });
                let mut state = read.value.clone();
                let out = step(i, &mut state, now);
                let changed = state != read.value;
                let after = Versioned {
                    value: state,
                    revision: read.revision + i64::from(changed),
                };
                if changed {
                    writes.push((number.clone(), after.clone()));
                }
                round.push((
                    i,
                    changed,
                    Stepped {
                        number,
                        before: read.value,
                        after,
                        out,
                        now,
                    },
                ));
            }
            let written = store::save(&self.inner.db, scope, &writes, now).await?;
            pending.clear();
            for (i, changed, stepped) in round {
                if changed && !written.contains(stepped.number.as_str()) {
                    pending.push(i);
                } else {
                    done[i] = Some(stepped);
                }
            }
        }
        done.into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or(Error::Contended)
    }
}

/// The answers, each given with its place in the request, in request order.
fn in_request_order<A>(
    invalid: impl Iterator<Item = (usize, A)>,
    per_number: impl Iterator<Item = Vec<(usize, A)>>,
) -> Vec<A> {
    let mut answers: Vec<(usize, A)> = invalid.chain(per_number.flatten()).collect();
    answers.sort_by_key(|(at, _)| *at);
    answers.into_iter().map(|(_, answer)| answer).collect()
}
