//! What is known about a phone number: from the routing database (the outside world) and from
//! the platform's own directory (who holds it here).

use crate::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineType {
    Landline,
    Voip,
    Wireless,
    TollFree,
}

impl LineType {
    pub const ALL: [LineType; 4] = [
        LineType::Landline,
        LineType::Voip,
        LineType::Wireless,
        LineType::TollFree,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineType::Landline => "landline",
            LineType::Voip => "voip",
            LineType::Wireless => "wireless",
            LineType::TollFree => "toll_free",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// The `phone_number_type` the porting API shows for this line.
    pub fn porting_type(self) -> &'static str {
        match self {
            LineType::Landline => "landline",
            LineType::Voip => "local",
            LineType::Wireless => "mobile",
            LineType::TollFree => "toll_free",
        }
    }
}

/// The losing carrier's answer about the billing account behind the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingCheck {
    Ok,
    Failed,
    Abolished,
}

impl BillingCheck {
    pub const ALL: [BillingCheck; 3] = [
        BillingCheck::Ok,
        BillingCheck::Failed,
        BillingCheck::Abolished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BillingCheck::Ok => "ok",
            BillingCheck::Failed => "failed",
            BillingCheck::Abolished => "abolished",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == value)
    }
}

/// Who holds the number on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Holding {
    /// No one: the number lives with an outside carrier.
    None,
    /// Platform inventory no customer holds.
    Inventory,
    /// A customer account, which may or may not let the number be transferred out.
    Account {
        holder: AccountId,
        transferable: bool,
    },
}

/// The network id that routes a number's messaging to this platform, once hosting is active.
pub const PLATFORM_NNID: &str = "TEXTPORT-NNID";

/// Everything the eligibility and portability rules look at, for one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFacts {
    /// Known to the routing database at all.
    pub routable: bool,
    pub line_type: LineType,
    pub carrier_name: String,
    /// The network id routing the number's messaging today.
    pub nnid: String,
    pub portable: bool,
    pub fast_portable: bool,
    pub messaging_capable: bool,
    pub billing_check: BillingCheck,
    pub holding: Holding,
}
