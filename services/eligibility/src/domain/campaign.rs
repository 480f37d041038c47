//! 10DLC phone-number ↔ campaign links: who may link a number, what a campaign id looks like,
//! what creating a link over an existing one means, and which links a change of holder ends.

use chrono::{DateTime, Utc};
use textport_domain::{AccountId, E164, E164Error, Holding, NumberFacts};

/// The longest campaign id accepted; Telnyx's are UUIDs (36) and TCR's 7 characters.
pub const MAX_CAMPAIGN_ID_LEN: usize = 64;

/// A number linked to a campaign by the account that holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLink {
    pub number: E164,
    pub account: AccountId,
    pub campaign_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A campaign id as a request sends it: there is no campaign registry to ask, so only its shape
/// is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignId(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CampaignIdError {
    #[error("campaignId is required.")]
    Missing,
    #[error("campaignId must be at most 64 characters.")]
    TooLong,
    #[error("campaignId may contain only letters, digits, '-' and '_'.")]
    Invalid,
}

impl CampaignId {
    pub fn parse(raw: &str) -> Result<Self, CampaignIdError> {
        if raw.is_empty() {
            return Err(CampaignIdError::Missing);
        }
        if raw.len() > MAX_CAMPAIGN_ID_LEN {
            return Err(CampaignIdError::TooLong);
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(CampaignIdError::Invalid);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkNumberError {
    #[error("phoneNumber is required.")]
    Missing,
    #[error("phoneNumber must be in +E.164 format: {0}")]
    NotE164(E164Error),
    /// 10DLC is the US long-code registry.
    #[error(
        "phoneNumber is not a US number; 10DLC campaigns exist only for US numbers your account holds."
    )]
    NotUs,
}

/// The number a link request names.
pub fn link_number(raw: &str) -> Result<E164, LinkNumberError> {
    if raw.is_empty() {
        return Err(LinkNumberError::Missing);
    }
    let number = E164::parse(raw).map_err(LinkNumberError::NotE164)?;
    if !number.is_us() {
        return Err(LinkNumberError::NotUs);
    }
    Ok(number)
}

/// Only the holder may link a number: the link is the holder's statement about its own traffic.
pub fn may_link(account: AccountId, facts: &NumberFacts) -> bool {
    matches!(facts.holding, Holding::Account { holder, .. } if holder == account)
}

/// What a create request does given the number's current link (whoever made it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateLink {
    Insert,
    /// The same link again (a retried create): answered as it is, nothing written.
    Unchanged(CampaignLink),
    /// A link left by an earlier holder of the number, which the caller now holds: it goes.
    ReplaceStale,
    /// The caller linked the number to another campaign already.
    Conflict(CampaignLink),
}

/// Call only once [`may_link`] said yes: an existing link of another account is then stale.
pub fn create_link(
    caller: AccountId,
    existing: Option<CampaignLink>,
    campaign: &CampaignId,
) -> CreateLink {
    match existing {
        None => CreateLink::Insert,
        Some(link) if link.account != caller => CreateLink::ReplaceStale,
        Some(link) if link.campaign_id == campaign.as_str() => CreateLink::Unchanged(link),
        Some(link) => CreateLink::Conflict(link),
    }
}

/// The links that no longer stand once the numbers have these facts: a link lasts only while
/// its account holds the number.
pub fn ended_links<'a>(
    links: &'a [CampaignLink],
    facts: impl Fn(&E164) -> Option<&'a NumberFacts>,
) -> Vec<E164> {
    links
        .iter()
        .filter(|link| !facts(&link.number).is_some_and(|facts| may_link(link.account, facts)))
        .map(|link| link.number.clone())
        .collect()
}

/// What a list is ordered by; ties are broken by the phone number so pages never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrder {
    PhoneNumber,
    CreatedAt,
    /// Every link here is assigned, so this is the phone number's order.
    AssignmentStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSort {
    pub by: LinkOrder,
    pub descending: bool,
}

impl Default for LinkSort {
    /// Oldest first, as other lists.
    fn default() -> Self {
        Self {
            by: LinkOrder::CreatedAt,
            descending: false,
        }
    }
}

/// Which of the account's links a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFilter {
    pub campaign_id: Option<String>,
    /// A filter on a brand or TCR id: no link records one, so none matches.
    pub matches_nothing: bool,
}

impl LinkFilter {
    pub fn new(
        campaign_id: Option<String>,
        brand_id: Option<&str>,
        tcr_brand_id: Option<&str>,
        tcr_campaign_id: Option<&str>,
    ) -> Self {
        Self {
            campaign_id,
            matches_nothing: brand_id.is_some()
                || tcr_brand_id.is_some()
                || tcr_campaign_id.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use textport_domain::{BillingCheck, LineType};
    use uuid::Uuid;

    use super::*;

    fn account(n: u128) -> AccountId {
        AccountId::from_uuid(Uuid::from_u128(n))
    }

    fn number(raw: &str) -> E164 {
        E164::parse(raw).expect("valid number")
    }

    fn held_by(holding: Holding) -> NumberFacts {
        NumberFacts {
            routable: true,
            line_type: LineType::Voip,
            carrier_name: "Carrier".to_owned(),
            nnid: "123".to_owned(),
            portable: true,
            fast_portable: false,
            messaging_capable: true,
            billing_check: BillingCheck::Ok,
            holding,
        }
    }

    fn link(raw: &str, owner: AccountId, campaign: &str) -> CampaignLink {
        CampaignLink {
            number: number(raw),
            account: owner,
            campaign_id: campaign.to_owned(),
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn campaign_ids_are_uuids_or_tcr_ids_and_nothing_odd() {
        assert!(CampaignId::parse("4b300178-131c-d902-d54e-72d90ba1620j").is_ok());
        assert!(CampaignId::parse("CXXX123").is_ok());
        assert!(CampaignId::parse("a_b").is_ok());
        assert_eq!(CampaignId::parse(""), Err(CampaignIdError::Missing));
        assert_eq!(CampaignId::parse(" C1"), Err(CampaignIdError::Invalid));
        assert_eq!(CampaignId::parse("C1/../x"), Err(CampaignIdError::Invalid));
        assert_eq!(CampaignId::parse("Cé"), Err(CampaignIdError::Invalid));
        assert!(CampaignId::parse(&"a".repeat(MAX_CAMPAIGN_ID_LEN)).is_ok());
        assert_eq!(
            CampaignId::parse(&"a".repeat(MAX_CAMPAIGN_ID_LEN + 1)),
            Err(CampaignIdError::TooLong)
        );
    }

    #[test]
    fn only_us_numbers_in_e164_are_linked() {
        assert_eq!(link_number("+13125552001"), Ok(number("+13125552001")));
        assert_eq!(link_number(""), Err(LinkNumberError::Missing));
        assert!(matches!(
            link_number("13125552001"),
            Err(LinkNumberError::NotE164(_))
        ));
        assert_eq!(link_number("+442071838750"), Err(LinkNumberError::NotUs));
    }

    #[test]
    fn only_the_holder_may_link() {
        let acme = account(1);
        let globex = account(2);
        let holding = |holder| Holding::Account {
            holder,
            transferable: true,
        };
        assert!(may_link(acme, &held_by(holding(acme))));
        assert!(!may_link(globex, &held_by(holding(acme))));
        assert!(!may_link(acme, &held_by(Holding::None)));
        assert!(!may_link(acme, &held_by(Holding::Inventory)));
    }

    #[test]
    fn a_create_over_a_link_answers_it_refuses_another_campaign_and_replaces_a_stale_one() {
        let acme = account(1);
        let globex = account(2);
        let campaign = CampaignId::parse("C1").expect("valid");
        assert_eq!(create_link(acme, None, &campaign), CreateLink::Insert);
        let same = link("+13125552001", acme, "C1");
        assert_eq!(
            create_link(acme, Some(same.clone()), &campaign),
            CreateLink::Unchanged(same)
        );
        let other = link("+13125552001", acme, "C2");
        assert_eq!(
            create_link(acme, Some(other.clone()), &campaign),
            CreateLink::Conflict(other)
        );
        let stale = link("+13125552001", globex, "C1");
        assert_eq!(
            create_link(acme, Some(stale), &campaign),
            CreateLink::ReplaceStale
        );
    }

    #[test]
    fn a_link_ends_when_its_account_no_longer_holds_the_number() {
        let acme = account(1);
        let globex = account(2);
        let facts: HashMap<E164, NumberFacts> = [
            (
                number("+13125552001"),
                held_by(Holding::Account {
                    holder: acme,
                    transferable: false,
                }),
            ),
            (
                number("+13125552002"),
                held_by(Holding::Account {
                    holder: globex,
                    transferable: false,
                }),
            ),
            (number("+13125552003"), held_by(Holding::None)),
        ]
        .into();
        let links = [
            link("+13125552001", acme, "C1"),
            link("+13125552002", acme, "C1"),
            link("+13125552003", acme, "C1"),
            link("+13125552004", acme, "C1"),
        ];
        assert_eq!(
            ended_links(&links, |n| facts.get(n)),
            vec![
                number("+13125552002"),
                number("+13125552003"),
                number("+13125552004")
            ]
        );
    }

    #[test]
    fn brand_and_tcr_filters_match_nothing() {
        assert!(!LinkFilter::new(Some("C1".into()), None, None, None).matches_nothing);
        assert!(LinkFilter::new(None, Some("B1"), None, None).matches_nothing);
        assert!(LinkFilter::new(None, None, Some("B1"), None).matches_nothing);
        assert!(LinkFilter::new(None, None, None, Some("C1")).matches_nothing);
    }
}
