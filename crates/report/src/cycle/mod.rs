//! The annual cycle presented: its steps as printed for people ([`console`]) and its report
//! folder ([`folder`]): the CSV tables behind every number ([`tables`]), the charts
//! ([`charts`]), summary.md ([`markdown`]), index.html ([`html`]) and report.xlsx
//! ([`xlsx`]), in the reader's language.

pub mod charts;
pub mod console;
pub mod folder;
pub mod html;
pub mod markdown;
pub mod tables;
pub mod xlsx;

pub use console::Console;
pub use folder::{REPORT_FILES, write_folder};
