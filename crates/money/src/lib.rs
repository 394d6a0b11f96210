//! # money
//!
//! The one money type of shuchuang: [`Money`] holds integer fen (分) inside and speaks
//! `rust_decimal::Decimal` yuan at the API. Every crate of the workspace that touches money
//! (the registry's criteria, the voucher ledger, the compute scheduler's bills, the rules'
//! benefit amounts) uses this crate, so an amount parses, prints, serialises and rounds the
//! same way everywhere. It depends on no crate of the workspace.
//!
//! # The rules, written once
//!
//! - **Exact.** No floating point anywhere on the money path. An amount given in yuan must be
//!   a whole number of fen: `1.005` is refused, never rounded ([`Money::from_yuan`]).
//! - **Bounded.** |amount| ≤ [`MONEY_FEN_MAX`] fen (¥10^15), so sums of many amounts and
//!   products with ratios stay inside `i128` and Decimal's 96-bit mantissa.
//! - **Subsidies round down.** `ratio × amount` is rounded DOWN to the fen, computed exactly in
//!   integers ([`Ratio::floor_fen`], [`Money::floor_ratio`], [`ratio_floor_fen`]): a program
//!   never pays a fraction of a fen it did not promise, and the result never exceeds the
//!   exact product.
//! - **Bills round half up.** A price × quantity (a provider's usage bill) is rounded half up
//!   to the fen ([`div_half_up`]), as a provider bills.
//! - **Splits hand out the whole.** A total split by weights gives every part its exact quota
//!   rounded down, then the fen left over one each to the largest remainders (Hamilton's
//!   method; ties to the larger weight, then the earlier party): the parts always sum to the
//!   total and each is within one fen of its quota ([`split_by_weights`]).
//! - **Errors name the field.** A [`MoneyError`] carries the field (when the caller names it
//!   with [`MoneyError::with_field`]), the value as given and the reason.
//! - **Serde as a yuan string.** `Money` serialises as a decimal string of yuan (`"1234.50"`),
//!   exact in JSON, TOML and CSV alike; it deserialises from such a string or an integer.
//!
//! ```
//! use money::{Money, Ratio, split_by_weights};
//! use rust_decimal_macros::dec;
//!
//! let contract: Money = "300000".parse()?;
//! assert_eq!(contract.fen(), 30_000_000);
//! // A subsidy of 1/3 rounds down to the fen: ¥99,999.99, never ¥100,000.00.
//! let third = Ratio::new(dec!(0.333333333333))?;
//! assert_eq!(contract.floor_ratio(third).to_string(), "99999.99");
//! // A fraction of a fen is an error that names the field.
//! let err = Money::from_yuan(dec!(0.005)).map_err(|e| e.with_field("grant amount")).unwrap_err();
//! assert!(err.to_string().starts_with("grant amount: '0.005'"));
//! // 100 fen in thirds: 34 + 33 + 33, always the whole.
//! let parts = split_by_weights(100, &[("a", dec!(1)), ("b", dec!(1)), ("c", dec!(1))])?;
//! assert_eq!(parts, vec![34, 33, 33]);
//! // Serde: a yuan string.
//! assert_eq!(serde_json::to_string(&contract)?, "\"300000.00\"");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod amount;
mod error;
mod ratio;
mod round;
mod split;
mod wide;

pub use amount::{FEN_PER_YUAN, MONEY_FEN_MAX, Money, yuan_of_fen, yuan_of_fen_i128};
pub use error::MoneyError;
pub use ratio::{Ratio, ratio_cmp, ratio_floor_fen};
pub use round::{div_floor, div_half_up, round_down_to_fen};
pub use split::{PARTS_MAX, split_by_weights};
pub use wide::mul_div_rem;
