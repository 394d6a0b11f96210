//! The four rule sets shipped with shuchuang (data/rules/), embedded so the binary works
//! from any directory. Each comes with its test cases.

use crate::error::Error;
use crate::model::RuleSet;

/// A shipped rule set: its folder name, rules text and cases text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shipped {
    /// Folder name under data/rules/.
    pub name: &'static str,
    /// The rules TOML.
    pub rules: &'static str,
    /// The cases TOML.
    pub cases: &'static str,
}

/// Sandbox admission and exit (沙盒监管).
pub const SANDBOX: Shipped = Shipped {
    name: "sandbox",
    rules: include_str!("../../../data/rules/sandbox/rules.toml"),
    cases: include_str!("../../../data/rules/sandbox/cases.toml"),
};
/// Flexible enforcement (柔性执法, 行政处罚法 Art. 33, 免罚清单).
pub const ENFORCEMENT: Shipped = Shipped {
    name: "enforcement",
    rules: include_str!("../../../data/rules/enforcement/rules.toml"),
    cases: include_str!("../../../data/rules/enforcement/cases.toml"),
};
/// Inspection planning (规范涉企检查).
pub const INSPECTION: Shipped = Shipped {
    name: "inspection",
    rules: include_str!("../../../data/rules/inspection/rules.toml"),
    cases: include_str!("../../../data/rules/inspection/cases.toml"),
};
/// Benefit matching (惠企政策自动适配、免申即享).
pub const BENEFITS: Shipped = Shipped {
    name: "benefits",
    rules: include_str!("../../../data/rules/benefits/rules.toml"),
    cases: include_str!("../../../data/rules/benefits/cases.toml"),
};

/// All four.
pub const ALL: [Shipped; 4] = [SANDBOX, ENFORCEMENT, INSPECTION, BENEFITS];

impl Shipped {
    /// Loads the rule set.
    pub fn load(&self) -> Result<RuleSet, Error> {
        RuleSet::from_toml(self.rules, &format!("data/rules/{}/rules.toml", self.name))
    }
}
