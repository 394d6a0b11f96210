//! Exact money, shared vocabulary: the workspace's one money type, [`Money`] (integer fen
//! inside, `Decimal` yuan at the API), lives in the `money` crate and is re-exported here so
//! that `registry_model::Money` names it for every crate that speaks the registry's language.
//!
//! Criteria compare money and money ratios exactly with integer arithmetic ([`ratio_cmp`]), so
//! a firm exactly at a threshold always passes a "≥" test; nothing on the money path touches
//! floating point.
//!
//! ```
//! use registry_model::Money;
//! let m: Money = "12345.67".parse().unwrap();
//! assert_eq!(m.fen(), 1_234_567);
//! assert_eq!(m.to_string(), "12345.67");
//! assert!("1.005".parse::<Money>().is_err());
//! ```

pub use ::money::{MONEY_FEN_MAX, Money, MoneyError, ratio_cmp};
