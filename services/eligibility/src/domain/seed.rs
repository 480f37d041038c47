//! Seeding a number's facts through the sandbox: which changes make sense together.

use textport_domain::{AccountId, BillingCheck, Holding, LineType, NumberFacts};

/// Who a seed says holds the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldingKind {
    None,
    Inventory,
    Account,
}

/// The facts a seed changes; every absent one keeps the number's current value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seed {
    pub line_type: Option<LineType>,
    pub carrier_name: Option<String>,
    pub nnid: Option<String>,
    pub routable: Option<bool>,
    pub portable: Option<bool>,
    pub fast_portable: Option<bool>,
    pub messaging_capable: Option<bool>,
    pub billing_check: Option<BillingCheck>,
    pub holding: Option<HoldingKind>,
    pub holder: Option<AccountId>,
    pub transferable: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    #[error("Only a number held by an account has a holder_account_id.")]
    HolderWithoutAccountHolding,
    /// Stateless on purpose: whether the number has a holder today does not change the answer.
    #[error("holding account needs holder_account_id.")]
    AccountHoldingWithoutHolder,
}

impl SeedError {
    /// The seed field at fault.
    pub fn field(self) -> &'static str {
        match self {
            SeedError::HolderWithoutAccountHolding | SeedError::AccountHoldingWithoutHolder => {
                "holder_account_id"
            }
        }
    }
}

/// `facts` with the seed's changes; on error, nothing is changed.
pub fn apply_seed(mut facts: NumberFacts, seed: &Seed) -> Result<NumberFacts, SeedError> {
    let transferable = seed.transferable.unwrap_or(match facts.holding {
        Holding::Account { transferable, .. } => transferable,
        Holding::None | Holding::Inventory => true,
    });
    facts.holding = match (seed.holding, seed.holder) {
        (Some(HoldingKind::None | HoldingKind::Inventory), Some(_)) => {
            return Err(SeedError::HolderWithoutAccountHolding);
        }
        (Some(HoldingKind::Account), None) => return Err(SeedError::AccountHoldingWithoutHolder),
        (Some(HoldingKind::None), None) => Holding::None,
        (Some(HoldingKind::Inventory), None) => Holding::Inventory,
        (Some(HoldingKind::Account) | None, Some(holder)) => Holding::Account {
            holder,
            transferable,
        },
        (None, None) => match facts.holding {
            Holding::Account { holder, .. } => Holding::Account {
                holder,
                transferable,
            },
            unheld => unheld,
        },
    };
    let flags = [
        (seed.routable, &mut facts.routable),
        (seed.portable, &mut facts.portable),
        (seed.fast_portable, &mut facts.fast_portable),
        (seed.messaging_capable, &mut facts.messaging_capable),
    ];
    for (value, slot) in flags {
        if let Some(value) = value {
            *slot = value;
        }
    }
    if let Some(line_type) = seed.line_type {
        facts.line_type = line_type;
    }
    if let Some(billing_check) = seed.billing_check {
        facts.billing_check = billing_check;
    }
    if let Some(carrier) = &seed.carrier_name {
        facts.carrier_name.clone_from(carrier);
    }
    if let Some(nnid) = &seed.nnid {
        facts.nnid.clone_from(nnid);
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tests::landline;

    #[test]
    fn an_empty_seed_changes_nothing() {
        assert_eq!(apply_seed(landline(), &Seed::default()), Ok(landline()));
    }

    #[test]
    fn a_holder_alone_means_held_by_that_account_transferable_by_default() {
        let holder = AccountId::new();
        let seeded = apply_seed(
            landline(),
            &Seed {
                holder: Some(holder),
                ..Seed::default()
            },
        )
        .expect("valid");
        assert_eq!(
            seeded.holding,
            Holding::Account {
                holder,
                transferable: true
            }
        );
    }

    #[test]
    fn transferable_alone_changes_only_the_current_holders_consent() {
        let holder = AccountId::new();
        let held = NumberFacts {
            holding: Holding::Account {
                holder,
                transferable: true,
            },
            ..landline()
        };
        let seeded = apply_seed(
            held,
            &Seed {
                transferable: Some(false),
                ..Seed::default()
            },
        )
        .expect("valid");
        assert_eq!(
            seeded.holding,
            Holding::Account {
                holder,
                transferable: false
            }
        );
        let unheld = apply_seed(
            landline(),
            &Seed {
                transferable: Some(false),
                ..Seed::default()
            },
        )
        .expect("valid");
        assert_eq!(unheld.holding, Holding::None);
    }

    #[test]
    fn a_new_holder_keeps_the_current_consent_unless_told() {
        let (first, second) = (AccountId::new(), AccountId::new());
        let held = NumberFacts {
            holding: Holding::Account {
                holder: first,
                transferable: false,
            },
            ..landline()
        };
        let seeded = apply_seed(
            held,
            &Seed {
                holder: Some(second),
                ..Seed::default()
            },
        )
        .expect("valid");
        assert_eq!(
            seeded.holding,
            Holding::Account {
                holder: second,
                transferable: false
            }
        );
    }

    #[test]
    fn holding_and_holder_must_agree() {
        let holder = Some(AccountId::new());
        let inventory_with_holder = Seed {
            holding: Some(HoldingKind::Inventory),
            holder,
            ..Seed::default()
        };
        assert_eq!(
            apply_seed(landline(), &inventory_with_holder),
            Err(SeedError::HolderWithoutAccountHolding)
        );
        let account_without_holder = Seed {
            holding: Some(HoldingKind::Account),
            ..Seed::default()
        };
        let already_held = NumberFacts {
            holding: Holding::Account {
                holder: AccountId::new(),
                transferable: true,
            },
            ..landline()
        };
        assert_eq!(
            apply_seed(already_held, &account_without_holder),
            Err(SeedError::AccountHoldingWithoutHolder)
        );
        let released = apply_seed(
            NumberFacts {
                holding: Holding::Account {
                    holder: AccountId::new(),
                    transferable: true,
                },
                ..landline()
            },
            &Seed {
                holding: Some(HoldingKind::None),
                ..Seed::default()
            },
        );
        assert_eq!(released.map(|f| f.holding), Ok(Holding::None));
    }

    #[test]
    fn every_other_fact_is_replaced_when_given() {
        let seed = Seed {
            line_type: Some(LineType::TollFree),
            carrier_name: Some("Other".into()),
            nnid: Some("N2".into()),
            routable: Some(false),
            portable: Some(false),
            fast_portable: Some(true),
            messaging_capable: Some(false),
            billing_check: Some(BillingCheck::Abolished),
            ..Seed::default()
        };
        let seeded = apply_seed(landline(), &seed).expect("valid");
        assert_eq!(
            seeded,
            NumberFacts {
                routable: false,
                line_type: LineType::TollFree,
                carrier_name: "Other".into(),
                nnid: "N2".into(),
                portable: false,
                fast_portable: true,
                messaging_capable: false,
                billing_check: BillingCheck::Abolished,
                holding: Holding::None,
            }
        );
    }
}
