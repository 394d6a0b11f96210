//! The CAICT 2025 science-industry fusion index (科技创新和产业创新融合发展指数): its 4-12-27
//! framework, every raw value the report states, for China as a whole (unit `CN`), and the
//! index values it publishes for second- and third-level nodes, embedded from the
//! workspace's `data/caict-2025/` so the library works from anywhere.
//!
//! ```
//! let fw = index_engine::caict2025::framework().unwrap();
//! assert_eq!(fw.leaves().len(), 27);
//! let panel = index_engine::caict2025::panel(&fw).unwrap();
//! assert_eq!(panel.units(), ["CN"]);
//! let published = index_engine::caict2025::published(&fw, &panel).unwrap();
//! assert_eq!(published.len(), 18);
//! ```

use crate::error::Result;
use crate::framework::Framework;
use crate::panel::Panel;
use crate::published::Published;

/// `framework.csv`: `id,parent,level,name_zh,name_en,weight,direction,unit`.
pub const FRAMEWORK_CSV: &str = include_str!("../../../data/caict-2025/framework.csv");

/// `observations.csv`: `indicator,unit,year,value,source`.
pub const OBSERVATIONS_CSV: &str = include_str!("../../../data/caict-2025/observations.csv");

/// `published.csv`: `node,year,index,kind,quote`, the index values the report publishes.
pub const PUBLISHED_CSV: &str = include_str!("../../../data/caict-2025/published.csv");

/// The report's headline totals (科技创新和产业创新融合发展指数, 2019 = 100) as (year, index):
/// not observations of any node (published.csv leaves them out), but the final check of the
/// computation (see docs/index-engine.md). Source: the CAICT 2025 report's total index, 138.2
/// for 2023 and 146.4 for 2024.
pub const HEADLINE_TOTALS: [(i32, f64); 2] = [(2023, 138.2), (2024, 146.4)];

/// The report's base year.
pub const BASE_YEAR: i32 = 2019;

/// The report's target year (its latest figures are for 2024).
pub const TO_YEAR: i32 = 2024;

/// The 4-12-27 framework.
pub fn framework() -> Result<Framework> {
    Framework::read_csv(FRAMEWORK_CSV.as_bytes(), "caict-2025/framework.csv")
}

/// The national observations as a panel of `framework`.
pub fn panel(framework: &Framework) -> Result<Panel> {
    Panel::read_csv(
        framework,
        OBSERVATIONS_CSV.as_bytes(),
        "caict-2025/observations.csv",
    )
}

/// The published index values of `framework`'s nodes for `panel` (base year 2019 = 100).
pub fn published(framework: &Framework, panel: &Panel) -> Result<Published> {
    Published::read_csv(
        framework,
        panel,
        PUBLISHED_CSV.as_bytes(),
        "caict-2025/published.csv",
    )
}
