//! How codes reach phones, behind one trait: the sandbox's simulated phone network (which keeps
//! what it carried for the sandbox API to show), or, with the sandbox off and no provider
//! adapter yet, nothing at all.

use sea_orm::DatabaseConnection;
use textport_domain::{E164, SharedClock};
use textport_sandbox::Channel;

use crate::domain::{Code, Method, Scope, SentCode, SentCodeId, VerificationCodeId};
use crate::store;

/// One code on its way. No `Debug`: it carries the plaintext.
pub struct Outgoing {
    pub code_id: VerificationCodeId,
    pub scope: Scope,
    pub number: E164,
    pub method: Method,
    pub code: Code,
    /// The SMS text or the call's script.
    pub body: String,
}

/// What became of one code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// The network could not carry it; why, for people.
    Undeliverable(String),
}

#[async_trait::async_trait]
pub trait CodeSender: Send + Sync {
    /// One answer per message, in order. An error means the provider could not be asked at
    /// all, and nothing was sent.
    async fn send(&self, messages: &[Outgoing]) -> anyhow::Result<Vec<Delivery>>;
}

/// The simulated phone network: magic numbers that cannot receive SMS or calls refuse them
/// (`textport_sandbox::receives_codes`); everything else arrives and is kept in `sent_codes`.
pub struct SimulatedNetwork {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
}

#[async_trait::async_trait]
impl CodeSender for SimulatedNetwork {
    async fn send(&self, messages: &[Outgoing]) -> anyhow::Result<Vec<Delivery>> {
        let now = self.clock.now();
        let mut carried = Vec::new();
        let answers = messages
            .iter()
            .map(|message| {
                let (channel, refusal) = match message.method {
                    Method::Sms => (Channel::Sms, "This number cannot receive SMS; try a call."),
                    Method::Call => (Channel::Call, "This number cannot receive calls; try SMS."),
                };
                if !textport_sandbox::receives_codes(&message.number, channel) {
                    return Delivery::Undeliverable(refusal.to_owned());
                }
                carried.push(SentCode {
                    id: SentCodeId::new(),
                    code_id: message.code_id,
                    scope: message.scope,
                    phone_number: message.number.clone(),
                    method: message.method,
                    code: message.code.clone(),
                    body: message.body.clone(),
                    sent_at: now,
                });
                Delivery::Delivered
            })
            .collect();
        store::insert_sent_codes(&self.db, &carried).await?;
        Ok(answers)
    }
}

/// With the sandbox off and no provider configured, no code can leave.
pub struct NoProvider;

#[async_trait::async_trait]
impl CodeSender for NoProvider {
    async fn send(&self, messages: &[Outgoing]) -> anyhow::Result<Vec<Delivery>> {
        Ok(messages
            .iter()
            .map(|_| Delivery::Undeliverable("no SMS or voice provider is configured".to_owned()))
            .collect())
    }
}
