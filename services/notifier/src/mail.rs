//! E-mail behind one trait: the sandbox mailbox (readable through the sandbox API) or SMTP
//! (lettre, configured by URL) for real deployments.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// One e-mail to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub id: uuid::Uuid,
    pub event_id: uuid::Uuid,
    pub account_id: uuid::Uuid,
    pub to: String,
    pub subject: String,
    pub body_text: String,
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &Email) -> anyhow::Result<()>;
}

/// SMTP through lettre: `smtp://host:port` (plain, for a relay next to the service),
/// `smtp://user:pass@host?tls=required` (STARTTLS) or `smtps://…` (TLS).
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        Ok(Self {
            transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.build(),
            from: from.parse()?,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for Smtp {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(email.to.parse()?)
            .subject(email.subject.clone())
            .message_id(Some(format!("<{}@textport>", email.id)))
            .body(email.body_text.clone())?;
        self.transport.send(message).await?;
        Ok(())
    }
}
