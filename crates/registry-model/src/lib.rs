//! # registry-model
//!
//! The cultivation registry (培育库) of digital-economy innovative enterprises, and the shared
//! vocabulary of the shuchuang crates: [`EnterpriseId`] (a validated Unified Social Credit
//! Code), [`RegionCode`], [`Tier`] and [`Year`].
//!
//! ```
//! use registry_model::{EnterpriseId, Tier};
//!
//! let id: EnterpriseId = "91310110666007217T".parse()?;
//! assert_eq!(id.region().province_name_zh(), Some("上海"));
//! assert_eq!(Tier::Leading.name_zh(), "领军型");
//! # Ok::<(), registry_model::UsccError>(())
//! ```
#![warn(missing_docs)]

pub mod id;
pub mod region;
pub mod tier;

pub use id::{EnterpriseId, LegacyPolicy, UsccError};
pub use region::{RegionCode, RegionError};
pub use tier::{Tier, TierParseError, Year};
