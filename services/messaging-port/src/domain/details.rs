//! The rest of a porting order: what the customer tells about the end user, documents and
//! references, and the public PATCH that changes it. A PATCH merges: a field it does not send
//! keeps its value, `null` clears a nullable one, and inside `end_user`, `documents`, `misc` and
//! `user_feedback` the same holds field by field.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use textport_domain::{AccountId, MessagingProfileId, WebhookUrl, statuses};

use super::order::{Emit, PortingNumber, PortingOrder, Refusal};
use super::split::Split;
use super::{OrderStatus, PortingOrderId};

statuses! {
    /// `misc.type`.
    PortingType {
        Full => "full",
        Partial => "partial",
    }
}

statuses! {
    /// `misc.remaining_numbers_action`.
    RemainingNumbersAction {
        Keep => "keep",
        Disconnect => "disconnect",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUserAdmin {
    pub entity_name: Option<String>,
    pub auth_person_name: Option<String>,
    pub billing_phone_number: Option<String>,
    pub account_number: Option<String>,
    pub pin_passcode: Option<String>,
    pub tax_identifier: Option<String>,
    pub business_identifier: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUserLocation {
    pub street_address: Option<String>,
    pub extended_address: Option<String>,
    pub locality: Option<String>,
    pub administrative_area: Option<String>,
    pub postal_code: Option<String>,
    pub country_code: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndUser {
    pub admin: EndUserAdmin,
    pub location: EndUserLocation,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Documents {
    pub loa: Option<String>,
    pub invoice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Misc {
    /// `misc.type`, as its text.
    pub kind: String,
    pub remaining_numbers_action: Option<String>,
    pub new_billing_phone_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub requirement_type_id: String,
    pub field_value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFeedback {
    pub user_rating: Option<i32>,
    pub user_comment: Option<String>,
}

/// One entry of `status.details` (an exception's reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    pub code: String,
    pub description: String,
}

/// The fields that only travel: stored together, shown as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub end_user: EndUser,
    pub documents: Documents,
    pub misc: Option<Misc>,
    pub requirements: Vec<Requirement>,
    pub requirement_group_id: Option<String>,
    pub user_feedback: UserFeedback,
    pub status_details: Vec<StatusDetail>,
    pub connection_id: Option<String>,
    pub billing_group_id: Option<String>,
    pub emergency_address_id: Option<String>,
    pub tags: Vec<String>,
}

/// A porting order whole: its rules' part and everything else it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: PortingOrderId,
    pub account: AccountId,
    /// Bumped by every write; a write based on an older read is refused.
    pub version: i64,
    pub rules: PortingOrder,
    /// `sr_` and six hex digits, given at confirmation.
    pub support_key: Option<String>,
    pub customer_reference: Option<String>,
    pub customer_group_reference: Option<String>,
    pub description: String,
    pub carrier_name: String,
    pub phone_number_type: String,
    pub fast_port_eligible: bool,
    pub foc_datetime_requested: Option<DateTime<Utc>>,
    pub webhook_url: Option<WebhookUrl>,
    pub details: Details,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Order {
    /// A new draft of one split's numbers, fast-portable when every number is.
    pub fn draft(
        account: AccountId,
        split: Split,
        customer_reference: Option<String>,
        customer_group_reference: Option<String>,
        now: DateTime<Utc>,
    ) -> Self {
        let count = split.numbers.len();
        let fast_port_eligible = split.numbers.iter().all(|(_, f)| f.fast_portable);
        let numbers = split
            .numbers
            .iter()
            .map(|(number, facts)| PortingNumber::with_facts(number.clone(), facts))
            .collect();
        Self {
            id: PortingOrderId::new(),
            account,
            version: 0,
            rules: PortingOrder::new(numbers),
            support_key: None,
            customer_reference,
            customer_group_reference,
            description: format!(
                "{count} {} number{} from {}",
                split.phone_number_type,
                if count == 1 { "" } else { "s" },
                split.carrier_name
            ),
            carrier_name: split.carrier_name,
            phone_number_type: split.phone_number_type,
            fast_port_eligible,
            foc_datetime_requested: None,
            webhook_url: None,
            details: Details::default(),
            created_at: now,
            updated_at: now,
        }
    }

    pub fn status(&self) -> OrderStatus {
        self.rules.status
    }

    /// The index of `number` in the order, if it has it.
    pub fn position(&self, number: &textport_domain::E164) -> Option<usize> {
        self.rules
            .numbers
            .iter()
            .position(|n| &n.phone_number == number)
    }

    /// Applies a PATCH: the messaging switch by its rules, the rest merged as sent.
    pub fn patch(&mut self, patch: OrderPatch) -> Result<Vec<Emit>, Refusal> {
        let mut emits = Vec::new();
        if let Some(enable) = patch.enable_messaging {
            emits = self.rules.set_enable_messaging(enable)?;
        }
        if let Some(profile) = patch.messaging_profile_id {
            self.rules.messaging_profile_id = profile;
        }
        let details = &mut self.details;
        set(&mut details.connection_id, patch.connection_id);
        set(&mut details.billing_group_id, patch.billing_group_id);
        set(
            &mut details.emergency_address_id,
            patch.emergency_address_id,
        );
        set(&mut details.tags, patch.tags);
        set(
            &mut self.foc_datetime_requested,
            patch.foc_datetime_requested.map(Some),
        );
        if let Some(end_user) = patch.end_user {
            end_user.apply(&mut details.end_user);
        }
        set(&mut details.documents.loa, patch.documents.loa);
        set(&mut details.documents.invoice, patch.documents.invoice);
        if let Some(misc) = patch.misc {
            details.misc = misc.apply(details.misc.take());
        }
        set(&mut details.requirements, patch.requirements);
        set(
            &mut details.requirement_group_id,
            patch.requirement_group_id.map(Some),
        );
        set(
            &mut details.user_feedback.user_rating,
            patch.user_feedback.user_rating,
        );
        set(
            &mut details.user_feedback.user_comment,
            patch.user_feedback.user_comment,
        );
        set(&mut self.customer_reference, patch.customer_reference);
        set(
            &mut self.customer_group_reference,
            patch.customer_group_reference.map(Some),
        );
        set(&mut self.webhook_url, patch.webhook_url);
        Ok(emits)
    }
}

fn set<T>(field: &mut T, change: Option<T>) {
    if let Some(value) = change {
        *field = value;
    }
}

/// A PATCH: `None` keeps a field; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderPatch {
    pub enable_messaging: Option<bool>,
    pub messaging_profile_id: Option<Option<MessagingProfileId>>,
    pub connection_id: Option<Option<String>>,
    pub billing_group_id: Option<Option<String>>,
    pub emergency_address_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub foc_datetime_requested: Option<DateTime<Utc>>,
    pub end_user: Option<EndUserPatch>,
    pub documents: DocumentsPatch,
    pub misc: Option<MiscPatch>,
    pub requirements: Option<Vec<Requirement>>,
    pub requirement_group_id: Option<String>,
    pub user_feedback: UserFeedbackPatch,
    pub customer_reference: Option<Option<String>>,
    pub customer_group_reference: Option<String>,
    pub webhook_url: Option<Option<WebhookUrl>>,
}

/// `end_user`'s fields as sent: each `None` keeps, `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndUserPatch {
    pub admin: [Option<Option<String>>; 7],
    pub location: [Option<Option<String>>; 6],
}

impl EndUserPatch {
    fn apply(self, end_user: &mut EndUser) {
        let admin = &mut end_user.admin;
        let location = &mut end_user.location;
        let admin_fields = [
            &mut admin.entity_name,
            &mut admin.auth_person_name,
            &mut admin.billing_phone_number,
            &mut admin.account_number,
            &mut admin.pin_passcode,
            &mut admin.tax_identifier,
            &mut admin.business_identifier,
        ];
        for (field, change) in admin_fields.into_iter().zip(self.admin) {
            set(field, change);
        }
        let location_fields = [
            &mut location.street_address,
            &mut location.extended_address,
            &mut location.locality,
            &mut location.administrative_area,
            &mut location.postal_code,
            &mut location.country_code,
        ];
        for (field, change) in location_fields.into_iter().zip(self.location) {
            set(field, change);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentsPatch {
    pub loa: Option<Option<String>>,
    pub invoice: Option<Option<String>>,
}

/// `misc` as sent: `Clear` is `"misc": null`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MiscPatch {
    Clear,
    Merge {
        kind: Option<PortingType>,
        remaining_numbers_action: Option<Option<RemainingNumbersAction>>,
        new_billing_phone_number: Option<Option<String>>,
    },
}

impl MiscPatch {
    fn apply(self, current: Option<Misc>) -> Option<Misc> {
        match self {
            MiscPatch::Clear => None,
            MiscPatch::Merge {
                kind,
                remaining_numbers_action,
                new_billing_phone_number,
            } => {
                let mut misc = current.unwrap_or(Misc {
                    kind: PortingType::Full.as_str().to_owned(),
                    remaining_numbers_action: None,
                    new_billing_phone_number: None,
                });
                set(&mut misc.kind, kind.map(|k| k.as_str().to_owned()));
                set(
                    &mut misc.remaining_numbers_action,
                    remaining_numbers_action.map(|a| a.map(|a| a.as_str().to_owned())),
                );
                set(&mut misc.new_billing_phone_number, new_billing_phone_number);
                Some(misc)
            }
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFeedbackPatch {
    pub user_rating: Option<Option<i32>>,
    pub user_comment: Option<Option<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PortingNumber;
    use textport_domain::E164;

    fn order() -> Order {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        Order {
            id: PortingOrderId::new(),
            account: AccountId::new(),
            version: 0,
            rules: PortingOrder::new(vec![PortingNumber::new(
                E164::parse("+13125550001").expect("valid"),
                true,
            )]),
            support_key: None,
            customer_reference: Some("ref".into()),
            customer_group_reference: None,
            description: String::new(),
            carrier_name: "Acme".into(),
            phone_number_type: "local".into(),
            fast_port_eligible: false,
            foc_datetime_requested: None,
            webhook_url: None,
            details: Details::default(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_send_and_clears_what_it_sends_as_null() {
        let mut order = order();
        let mut end_user = EndUserPatch::default();
        end_user.admin[0] = Some(Some("Acme Inc".into()));
        end_user.location[2] = Some(Some("Chicago".into()));
        order
            .patch(OrderPatch {
                end_user: Some(end_user),
                tags: Some(vec!["a".into()]),
                ..OrderPatch::default()
            })
            .expect("patches");
        let mut again = EndUserPatch::default();
        again.admin[1] = Some(Some("Jane".into()));
        order
            .patch(OrderPatch {
                end_user: Some(again),
                customer_reference: Some(None),
                ..OrderPatch::default()
            })
            .expect("patches");
        let admin = &order.details.end_user.admin;
        assert_eq!(admin.entity_name.as_deref(), Some("Acme Inc"), "kept");
        assert_eq!(admin.auth_person_name.as_deref(), Some("Jane"));
        assert_eq!(
            order.details.end_user.location.locality.as_deref(),
            Some("Chicago")
        );
        assert_eq!(order.details.tags, ["a"]);
        assert_eq!(order.customer_reference, None, "null clears");
    }

    #[test]
    fn misc_merges_field_by_field_and_null_removes_it() {
        let mut order = order();
        let merge = |kind, action| MiscPatch::Merge {
            kind,
            remaining_numbers_action: action,
            new_billing_phone_number: None,
        };
        order
            .patch(OrderPatch {
                misc: Some(merge(
                    Some(PortingType::Partial),
                    Some(Some(RemainingNumbersAction::Keep)),
                )),
                ..OrderPatch::default()
            })
            .expect("patches");
        order
            .patch(OrderPatch {
                misc: Some(merge(None, None)),
                ..OrderPatch::default()
            })
            .expect("patches");
        let misc = order.details.misc.clone().expect("kept");
        assert_eq!(
            (misc.kind.as_str(), misc.remaining_numbers_action.as_deref()),
            ("partial", Some("keep"))
        );
        order
            .patch(OrderPatch {
                misc: Some(MiscPatch::Clear),
                ..OrderPatch::default()
            })
            .expect("patches");
        assert_eq!(order.details.misc, None);
    }

    #[test]
    fn a_refused_messaging_switch_changes_nothing_else() {
        let mut order = order();
        order.rules.numbers[0].messaging_capable = false;
        let before = order.clone();
        let refused = order.patch(OrderPatch {
            enable_messaging: Some(true),
            tags: Some(vec!["x".into()]),
            ..OrderPatch::default()
        });
        assert_eq!(refused, Err(Refusal::NotMessagingCapable));
        assert_eq!(order.details, before.details);
    }
}
