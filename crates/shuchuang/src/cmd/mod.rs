//! One module per subcommand group; each owns its argument types and its `run`.

pub mod compute;
pub mod cycle;
pub mod index;
pub mod registry;
pub mod rules;
pub mod voucher;
