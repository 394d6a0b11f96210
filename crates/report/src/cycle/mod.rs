//! The annual cycle presented: its steps as printed for people ([`console`]) and its report
//! folder ([`folder`]: summary.md, the CSV tables behind every number, SVG charts).

pub mod charts;
pub mod console;
pub mod folder;
pub mod markdown;

pub use console::Console;
pub use folder::{REPORT_FILES, write_folder};
