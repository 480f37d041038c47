//! Value types shared by every service. Parsing happens once, at the edge; past it, a value of
//! one of these types is valid by construction.

mod clock;
mod ids;
mod number;
mod page;
mod phone;
mod secret;
mod statuses;
mod transition;
mod url;

pub use clock::{AdvanceError, Clock, ManualClock, OffsetClock, SharedClock, SystemClock};
pub use ids::{
    AccountId, ApiKeyId, EventId, HostedNumberId, IdError, MessagingProfileId, OrderId,
    PortalNoticeId, WebhookDeliveryId,
};
pub use number::{BillingCheck, Holding, LineType, NumberFacts, PLATFORM_NNID};
pub use page::{MAX_PAGE_SIZE, Page, PageError, PageInfo};
pub use phone::{E164, E164Error, NanpRegion};
pub use secret::{ApiKey, ApiKeyError, ApiKeyHash};
pub use transition::InvalidTransition;
pub use url::{WebhookUrl, WebhookUrlError};

/// Most phone numbers one request may carry (eligibility, portability, orders).
pub const MAX_NUMBERS_PER_REQUEST: usize = 1_000;
