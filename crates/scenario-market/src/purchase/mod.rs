//! First purchase (首购首用): a catalogue of recognised new products whose eligibility rules
//! are data (dated rule sets with citations), recognition decisions explained condition by
//! condition, 首台套 recognition as a catalogue entry, purchase preferences in a procurement
//! evaluation (the Ministry of Finance's price deductions for small firms, and a program
//! deduction for catalogue products), and the record of first purchases.

mod catalogue;
mod io;
mod preference;
mod record;
mod rules;

pub use catalogue::{
    Application, CATALOGUE_MAX, Catalogue, CatalogueEntry, ConditionOutcome, Decision, Recognition,
};
pub use io::{read_applications_csv, read_procurement_bids_csv, read_purchases_csv};
pub use preference::{
    BidResult, DEFAULT_PREFERENCES_TOML, Deduction, FirmSize, Method, PROCUREMENT_BIDS_MAX,
    PreferencePeriod, PreferencePolicy, Procurement, ProcurementBid, ProcurementKind,
    ProcurementResult, Range, evaluate,
};
pub use record::{FirstPurchase, PURCHASES_MAX, Purchase, PurchaseLog, PurchaseSummary};
pub use rules::{
    CONDITIONS_MAX, CatalogueRules, Category, Condition, DEFAULT_CATALOGUE_RULES_TOML, Fact,
    RULE_SETS_MAX, RuleSet, Test,
};
