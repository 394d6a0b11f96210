//! The steps of the annual cycle, numbered as they are printed.

use serde::Serialize;

/// One step of the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 1. The registry: a seeded cohort when empty, then the yearly adjustment.
    Registry,
    /// 2. Benefits matched on registry facts and granted as vouchers.
    Benefits,
    /// 3. The compute-voucher holders' demand placed on the network and paid.
    Compute,
    /// 4. Sandbox applications, violations and inspections decided by the rule sets.
    Supervision,
    /// 5. The CAICT fusion index and the cohort index.
    Index,
    /// 6. The year's scenario list matched to the registry's firms, its bundles granted.
    Scenarios,
    /// 7. The year's 云量贷 credit lines granted from the compute spend the cycle paid.
    Finance,
    /// 8. The report folder.
    Report,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 8] = [
        Step::Registry,
        Step::Benefits,
        Step::Compute,
        Step::Supervision,
        Step::Index,
        Step::Scenarios,
        Step::Finance,
        Step::Report,
    ];

    /// Its number, from 1.
    pub fn number(self) -> u8 {
        match self {
            Step::Registry => 1,
            Step::Benefits => 2,
            Step::Compute => 3,
            Step::Supervision => 4,
            Step::Index => 5,
            Step::Scenarios => 6,
            Step::Finance => 7,
            Step::Report => 8,
        }
    }

    /// Its short name (`registry`, `benefits`, `compute`, `supervision`, `index`,
    /// `scenarios`, `finance`, `report`).
    pub fn key(self) -> &'static str {
        match self {
            Step::Registry => "registry",
            Step::Benefits => "benefits",
            Step::Compute => "compute",
            Step::Supervision => "supervision",
            Step::Index => "index",
            Step::Scenarios => "scenarios",
            Step::Finance => "finance",
            Step::Report => "report",
        }
    }

    /// What it does, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Step::Registry => "registry adjustment",
            Step::Benefits => "benefit matching and grants",
            Step::Compute => "compute placement and payment",
            Step::Supervision => "supervision",
            Step::Index => "index",
            Step::Scenarios => "scenario matching and bundles",
            Step::Finance => "finance",
            Step::Report => "report",
        }
    }

    /// Whether the step writes the voucher ledger.
    pub fn writes_ledger(self) -> bool {
        matches!(
            self,
            Step::Benefits | Step::Compute | Step::Scenarios | Step::Finance
        )
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.number(), self.title())
    }
}

impl std::str::FromStr for Step {
    type Err = String;
    /// A step by number (`3`) or short name (`compute`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Step::ALL
            .into_iter()
            .find(|st| st.key() == s || st.number().to_string() == s)
            .ok_or_else(|| {
                format!("'{s}' is not a step (1..8 or registry, benefits, compute, supervision, index, scenarios, finance, report)")
            })
    }
}
