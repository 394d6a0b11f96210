//! The record of an outlier treatment: which values changed, and how (see
//! [`crate::outliers`]). Kept apart so the filled panel and the result can hold it without
//! depending on the treatment itself.

use serde::{Deserialize, Serialize};

use crate::year::Year;

/// How a value was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// Replaced by the next value inwards.
    Winsorised,
    /// Log-transformed with its whole cross-section.
    Logged,
}

impl Treatment {
    /// `winsorised` or `logged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Winsorised => "winsorised",
            Self::Logged => "logged",
        }
    }
}

/// One treated value: which leaf, unit and year, its value before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreatedValue {
    /// Leaf id.
    pub indicator: String,
    /// Unit.
    pub unit: String,
    /// Year.
    pub year: Year,
    /// The (filled) value before treatment.
    pub original: f64,
    /// The value normalised instead.
    pub treated: f64,
    /// How it was changed.
    pub treatment: Treatment,
}
