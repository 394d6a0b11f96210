//! [`MoneyError`]: why a value is not an amount, a ratio or a set of weights.

/// `"field: "` when the field is known, for the messages below.
fn at(field: &Option<String>) -> String {
    field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default()
}

/// Why a value is not an amount of money, a ratio, or a set of weights to split by.
///
/// Each names the field when the caller gave it ([`MoneyError::with_field`]), the value as
/// given and the reason.
///
/// ```
/// let e = "1.005".parse::<money::Money>().unwrap_err().with_field("contract amount");
/// assert_eq!(e.field(), Some("contract amount"));
/// assert_eq!(e.value(), "1.005");
/// assert_eq!(
///     e.to_string(),
///     "contract amount: '1.005' is not an amount of yuan: not a whole number of fen (at most two decimal places)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Not an amount of yuan (not a number, a fraction of a fen, beyond the bound).
    #[error("{}'{value}' is not an amount of yuan: {reason}", at(field))]
    Amount {
        /// The field or parameter, when the caller named it.
        field: Option<String>,
        /// The text or value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Not a ratio in [0, 1].
    #[error("{}'{value}' is not a ratio in [0, 1]: {reason}", at(field))]
    Ratio {
        /// The field or parameter, when the caller named it.
        field: Option<String>,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Weights that cannot split a total (none, negative, all zero, too many).
    #[error("{}'{value}' cannot split a total: {reason}", at(field))]
    Weights {
        /// The party or list at fault.
        field: Option<String>,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl MoneyError {
    pub(crate) fn amount(value: impl ToString, reason: &'static str) -> Self {
        Self::Amount {
            field: None,
            value: value.to_string(),
            reason,
        }
    }

    pub(crate) fn ratio(value: impl ToString, reason: &'static str) -> Self {
        Self::Ratio {
            field: None,
            value: value.to_string(),
            reason,
        }
    }

    pub(crate) fn weights(field: String, value: impl ToString, reason: &'static str) -> Self {
        Self::Weights {
            field: Some(field),
            value: value.to_string(),
            reason,
        }
    }

    /// The same error naming `field` (a column, a TOML key, a command-line option).
    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>) -> Self {
        match &mut self {
            Self::Amount { field, .. }
            | Self::Ratio { field, .. }
            | Self::Weights { field, .. } => {
                *field = Some(name.into());
            }
        }
        self
    }

    /// The field named, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Amount { field, .. }
            | Self::Ratio { field, .. }
            | Self::Weights { field, .. } => field.as_deref(),
        }
    }

    /// The value as given.
    pub fn value(&self) -> &str {
        match self {
            Self::Amount { value, .. }
            | Self::Ratio { value, .. }
            | Self::Weights { value, .. } => value,
        }
    }

    /// What is wrong with the value.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Amount { reason, .. }
            | Self::Ratio { reason, .. }
            | Self::Weights { reason, .. } => reason,
        }
    }
}
