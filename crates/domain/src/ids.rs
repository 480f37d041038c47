#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid {kind} (expected a UUID)")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
}

/// Declares a typed id: a UUID on the wire, a distinct type in Rust so ids cannot be swapped.
/// New ids are UUIDv7, which keeps inserts in index order.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub const KIND: &'static str = $kind;

            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub const fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> &uuid::Uuid {
                &self.0
            }

            pub fn parse(value: &str) -> Result<Self, $crate::IdError> {
                uuid::Uuid::parse_str(value).map(Self).map_err(|_| $crate::IdError {
                    kind: $kind,
                    value: value.chars().take(64).collect(),
                })
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::IdError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value)
            }
        }

        impl From<$name> for uuid::Uuid {
            fn from(id: $name) -> uuid::Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// A customer account (`organization_id` / `user_id` on the wire).
    AccountId,
    "account id"
);
typed_id!(
    /// An API key's row, never the key itself.
    ApiKeyId,
    "API key id"
);
typed_id!(
    /// A messaging profile.
    MessagingProfileId,
    "messaging profile id"
);
typed_id!(
    /// An event, as `data.id` of its webhooks; stable across resends.
    EventId,
    "event id"
);
typed_id!(
    /// One event's webhook to one destination.
    WebhookDeliveryId,
    "webhook delivery id"
);
typed_id!(
    /// A notice in an account's portal.
    PortalNoticeId,
    "portal notice id"
);

typed_id!(
    /// A hosted SMS order.
    OrderId,
    "order id"
);

typed_id!(
    /// One number of a hosted order (`id` of a hosted number).
    HostedNumberId,
    "hosted number id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = AccountId::new();
        assert_eq!(AccountId::parse(&id.to_string()), Ok(id));
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(format!("{id:?}"), format!("AccountId({id})"));
    }

    #[test]
    fn a_non_uuid_names_the_kind_of_id() {
        let err = MessagingProfileId::parse("not-a-uuid").expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "`not-a-uuid` is not a valid messaging profile id (expected a UUID)"
        );
    }
}
