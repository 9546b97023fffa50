//! Casualty counts, whose subsets never exceed their totals.

use crate::ValueError;

/// The six casualty counts as given, before their rules are checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CasualtyCounts {
    /// People killed.
    pub killed: u32,
    /// Women among the killed.
    pub killed_women: u32,
    /// Children among the killed.
    pub killed_children: u32,
    /// People injured.
    pub injured: u32,
    /// Women among the injured.
    pub injured_women: u32,
    /// Children among the injured.
    pub injured_children: u32,
}

/// Casualties of one incident. Women and children are disjoint subsets of each total
/// (reports count "K killed, among them W women and C children"), so neither alone nor
/// together may they exceed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Casualties {
    killed: u32,
    killed_women: u32,
    killed_children: u32,
    injured: u32,
    injured_women: u32,
    injured_children: u32,
}

fn check(
    total: (&'static str, u32),
    women: (&'static str, u32),
    children: (&'static str, u32),
    errors: &mut Vec<(&'static str, ValueError)>,
) {
    for (subset, value) in [women, children] {
        if value > total.1 {
            errors.push((
                subset,
                ValueError::SubsetExceedsTotal {
                    subset,
                    subset_value: value,
                    total: total.0,
                    total_value: total.1,
                },
            ));
        }
    }
    if women.1 <= total.1 && children.1 <= total.1 && women.1 + children.1 > total.1 {
        errors.push((
            children.0,
            ValueError::SubsetExceedsTotal {
                subset: if total.0 == "killed" {
                    "killed_women + killed_children"
                } else {
                    "injured_women + injured_children"
                },
                subset_value: women.1 + children.1,
                total: total.0,
                total_value: total.1,
            },
        ));
    }
}

impl Casualties {
    /// Checks the subset rules; each error names the field at fault.
    pub fn new(counts: CasualtyCounts) -> Result<Self, Vec<(&'static str, ValueError)>> {
        let mut errors = Vec::new();
        check(
            ("killed", counts.killed),
            ("killed_women", counts.killed_women),
            ("killed_children", counts.killed_children),
            &mut errors,
        );
        check(
            ("injured", counts.injured),
            ("injured_women", counts.injured_women),
            ("injured_children", counts.injured_children),
            &mut errors,
        );
        if errors.is_empty() {
            Ok(Self {
                killed: counts.killed,
                killed_women: counts.killed_women,
                killed_children: counts.killed_children,
                injured: counts.injured,
                injured_women: counts.injured_women,
                injured_children: counts.injured_children,
            })
        } else {
            Err(errors)
        }
    }

    /// People killed.
    pub fn killed(&self) -> u32 {
        self.killed
    }
    /// Women among the killed.
    pub fn killed_women(&self) -> u32 {
        self.killed_women
    }
    /// Children among the killed.
    pub fn killed_children(&self) -> u32 {
        self.killed_children
    }
    /// People injured.
    pub fn injured(&self) -> u32 {
        self.injured
    }
    /// Women among the injured.
    pub fn injured_women(&self) -> u32 {
        self.injured_women
    }
    /// Children among the injured.
    pub fn injured_children(&self) -> u32 {
        self.injured_children
    }

    /// The six counts.
    pub fn counts(&self) -> CasualtyCounts {
        CasualtyCounts {
            killed: self.killed,
            killed_women: self.killed_women,
            killed_children: self.killed_children,
            injured: self.injured,
            injured_women: self.injured_women,
            injured_children: self.injured_children,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn more_children_killed_than_killed_is_rejected() {
        let errors = Casualties::new(CasualtyCounts {
            killed: 1,
            killed_children: 2,
            ..CasualtyCounts::default()
        })
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "killed_children");
        assert_eq!(
            errors[0].1.to_string(),
            "killed_children (2) exceeds killed (1)"
        );
    }

    #[test]
    fn women_and_children_together_may_not_exceed_the_total() {
        let errors = Casualties::new(CasualtyCounts {
            injured: 3,
            injured_women: 2,
            injured_children: 2,
            ..CasualtyCounts::default()
        })
        .unwrap_err();
        assert_eq!(
            errors[0].1.to_string(),
            "injured_women + injured_children (4) exceeds injured (3)"
        );
    }

    #[test]
    fn subsets_equal_to_the_total_are_accepted() {
        let casualties = Casualties::new(CasualtyCounts {
            killed: 3,
            killed_women: 1,
            killed_children: 2,
            injured: 4,
            injured_women: 4,
            ..CasualtyCounts::default()
        })
        .unwrap();
        assert_eq!(casualties.killed_children(), 2);
    }

    proptest! {
        #[test]
        fn accepted_casualties_always_keep_subsets_within_totals(
            k in 0u32..20, kw in 0u32..20, kc in 0u32..20, i in 0u32..20, iw in 0u32..20, ic in 0u32..20,
        ) {
            let counts = CasualtyCounts { killed: k, killed_women: kw, killed_children: kc, injured: i, injured_women: iw, injured_children: ic };
            match Casualties::new(counts) {
                Ok(c) => {
                    prop_assert!(c.killed_women() + c.killed_children() <= c.killed());
                    prop_assert!(c.injured_women() + c.injured_children() <= c.injured());
                }
                Err(errors) => prop_assert!(kw + kc > k || iw + ic > i, "{errors:?}"),
            }
        }
    }
}
