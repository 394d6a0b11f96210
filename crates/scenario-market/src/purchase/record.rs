//! The record of purchases of catalogue products, and which one was each product's first
//! purchase (首购).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use registry_model::Money;
use serde::{Deserialize, Serialize};

use crate::error::{MarketError, Result};
use crate::key::{self, Key};
use crate::purchase::catalogue::Catalogue;
use crate::purchase::rules::Category;
use crate::scenario::OwnerType;
use crate::total::money_total;

/// Most purchases in one record.
pub const PURCHASES_MAX: usize = 1_000_000;

/// A purchase of a catalogue product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// Id (a contract number).
    pub id: Key,
    /// The product bought.
    pub product: Key,
    /// The buyer.
    pub buyer: String,
    /// The buyer's type.
    pub buyer_type: OwnerType,
    /// The contract date.
    pub date: NaiveDate,
    /// The contract amount, yuan.
    pub amount: Money,
    /// The procurement it came from, if any.
    pub procurement: Option<Key>,
}

/// A product's first purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstPurchase {
    /// The product.
    pub product: Key,
    /// Its category.
    pub category: Category,
    /// The first purchase (earliest date; ties by id).
    pub purchase: Purchase,
    /// Purchases of the product in all.
    pub purchases: usize,
}

/// Purchases by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseSummary {
    /// The category.
    pub category: Category,
    /// Products in the catalogue.
    pub listed: usize,
    /// Of which bought at least once.
    pub bought: usize,
    /// Σ first-purchase amounts, yuan.
    pub first_amount: Money,
    /// Σ all purchase amounts, yuan.
    pub total_amount: Money,
}

/// Purchases, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseLog {
    purchases: BTreeMap<Key, Purchase>,
}

impl PurchaseLog {
    /// An empty record.
    pub fn new() -> Self {
        Self::default()
    }

    /// A record of purchases recorded before and kept elsewhere (a ledger's documents): they
    /// were checked against the catalogue of their day when recorded, so only what must hold
    /// of any record is checked again — each id once, amounts positive, at most
    /// [`PURCHASES_MAX`].
    pub fn restore(purchases: impl IntoIterator<Item = Purchase>) -> Result<Self> {
        let mut out = Self::new();
        for p in purchases {
            if p.amount.fen() <= 0 {
                return Err(MarketError::Invalid {
                    what: "purchase",
                    id: p.id.to_string(),
                    field: "amount_yuan".into(),
                    value: p.amount.to_string(),
                    reason: "must be positive".into(),
                });
            }
            if out.purchases.len() >= PURCHASES_MAX {
                return Err(MarketError::Limit {
                    what: "purchases",
                    value: out.purchases.len() as u64 + 1,
                    limit: PURCHASES_MAX as u64,
                });
            }
            if out.purchases.contains_key(&p.id) {
                return Err(MarketError::Duplicate {
                    what: "purchase",
                    key: p.id.to_string(),
                    detail: String::new(),
                });
            }
            out.purchases.insert(p.id.clone(), p);
        }
        Ok(out)
    }

    /// Records a purchase; `Ok(true)` when the same purchase was recorded before (nothing
    /// changes). Refused: a product not listed on the purchase date, an amount not
    /// positive, an id recorded before with other content.
    pub fn record(&mut self, catalogue: &Catalogue, p: Purchase) -> Result<bool> {
        if let Some(old) = self.purchases.get(&p.id) {
            return if *old == p {
                Ok(true)
            } else {
                Err(MarketError::Duplicate {
                    what: "purchase",
                    key: p.id.to_string(),
                    detail: ", with other content".into(),
                })
            };
        }
        let invalid = |field: &str, value: String, reason: String| MarketError::Invalid {
            what: "purchase",
            id: p.id.to_string(),
            field: field.to_string(),
            value,
            reason,
        };
        key::text("buyer", &p.buyer, true).map_err(|e| e.of("purchase", p.id.as_str()))?;
        if p.amount.fen() <= 0 {
            return Err(invalid(
                "amount_yuan",
                p.amount.to_string(),
                "must be positive".into(),
            ));
        }
        if catalogue.listed(&p.product, p.date).is_none() {
            return Err(invalid(
                "product",
                p.product.to_string(),
                format!("not in the catalogue on {}", p.date),
            ));
        }
        if self.purchases.len() >= PURCHASES_MAX {
            return Err(MarketError::Limit {
                what: "purchases",
                value: self.purchases.len() as u64 + 1,
                limit: PURCHASES_MAX as u64,
            });
        }
        self.purchases.insert(p.id.clone(), p);
        Ok(false)
    }

    /// Every purchase, by id.
    pub fn purchases(&self) -> impl Iterator<Item = &Purchase> {
        self.purchases.values()
    }

    /// Each bought product's first purchase, by product.
    pub fn first_purchases(&self, catalogue: &Catalogue) -> Vec<FirstPurchase> {
        let mut by_product: BTreeMap<&Key, (Vec<&Purchase>,)> = BTreeMap::new();
        for p in self.purchases.values() {
            by_product.entry(&p.product).or_default().0.push(p);
        }
        by_product
            .into_iter()
            .filter_map(|(product, (ps,))| {
                let first = ps
                    .iter()
                    .min_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)))?;
                let category = catalogue.entry(product)?.category;
                Some(FirstPurchase {
                    product: product.clone(),
                    category,
                    purchase: (*first).clone(),
                    purchases: ps.len(),
                })
            })
            .collect()
    }

    /// Listed and bought products and amounts, by category.
    pub fn summary(&self, catalogue: &Catalogue) -> Result<Vec<PurchaseSummary>> {
        let firsts = self.first_purchases(catalogue);
        Category::ALL
            .iter()
            .map(|&category| {
                let money = |xs: Vec<Money>| money_total("purchase amounts of a category", xs);
                Ok(PurchaseSummary {
                    category,
                    listed: catalogue
                        .entries()
                        .filter(|e| e.category == category)
                        .count(),
                    bought: firsts.iter().filter(|f| f.category == category).count(),
                    first_amount: money(
                        firsts
                            .iter()
                            .filter(|f| f.category == category)
                            .map(|f| f.purchase.amount)
                            .collect(),
                    )?,
                    total_amount: money(
                        self.purchases
                            .values()
                            .filter(|p| {
                                catalogue
                                    .entry(&p.product)
                                    .is_some_and(|e| e.category == category)
                            })
                            .map(|p| p.amount)
                            .collect(),
                    )?,
                })
            })
            .collect()
    }
}
