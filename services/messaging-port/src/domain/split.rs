//! Splitting a create request: one porting order per losing carrier and number type, as the
//! losing carriers port them.

use textport_domain::E164;

/// What a portability check says about a number that decides its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortingFacts {
    pub carrier_name: String,
    /// As the porting API spells it: `landline`, `local`, `mobile`, `toll_free`, …
    pub phone_number_type: String,
    pub messaging_capable: bool,
    pub fast_portable: bool,
}

/// The numbers of one order-to-be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub carrier_name: String,
    pub phone_number_type: String,
    pub numbers: Vec<(E164, PortingFacts)>,
}

/// Groups `numbers` by (`carrier_name`, `phone_number_type`). Groups come in the order of their
/// first number in the request, and numbers keep their request order within a group, so the
/// answer's orders are stable for the same request.
pub fn split(numbers: Vec<(E164, PortingFacts)>) -> Vec<Split> {
    let mut splits: Vec<Split> = Vec::new();
    for (number, facts) in numbers {
        let existing = splits.iter_mut().find(|s| {
            s.carrier_name == facts.carrier_name && s.phone_number_type == facts.phone_number_type
        });
        match existing {
            Some(split) => split.numbers.push((number, facts)),
            None => splits.push(Split {
                carrier_name: facts.carrier_name.clone(),
                phone_number_type: facts.phone_number_type.clone(),
                numbers: vec![(number, facts)],
            }),
        }
    }
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(raw: &str, carrier: &str, kind: &str) -> (E164, PortingFacts) {
        (
            E164::parse(raw).expect("valid number"),
            PortingFacts {
                carrier_name: carrier.to_owned(),
                phone_number_type: kind.to_owned(),
                messaging_capable: true,
                fast_portable: false,
            },
        )
    }

    fn shape(splits: &[Split]) -> Vec<(&str, &str, Vec<&str>)> {
        splits
            .iter()
            .map(|s| {
                (
                    s.carrier_name.as_str(),
                    s.phone_number_type.as_str(),
                    s.numbers.iter().map(|(n, _)| n.last4()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn numbers_group_by_carrier_and_type_in_request_order() {
        let splits = split(vec![
            entry("+13125550001", "Acme", "local"),
            entry("+13125550002", "Bell", "local"),
            entry("+13125550003", "Acme", "mobile"),
            entry("+13125550004", "Acme", "local"),
            entry("+13125550005", "Bell", "local"),
        ]);
        assert_eq!(
            shape(&splits),
            vec![
                ("Acme", "local", vec!["0001", "0004"]),
                ("Bell", "local", vec!["0002", "0005"]),
                ("Acme", "mobile", vec!["0003"]),
            ]
        );
    }

    #[test]
    fn one_carrier_and_type_makes_one_order_and_nothing_makes_none() {
        let splits = split(vec![
            entry("+13125550001", "Acme", "local"),
            entry("+13125550002", "Acme", "local"),
        ]);
        assert_eq!(
            shape(&splits),
            vec![("Acme", "local", vec!["0001", "0002"])]
        );
        assert!(split(Vec::new()).is_empty());
    }
}
