//! The CAICT 2025 science-industry fusion index (科技创新和产业创新融合发展指数): its 4-12-27
//! framework and every raw value the report states, for China as a whole (unit `CN`),
//! embedded from the workspace's `data/caict-2025/` so the library works from anywhere.
//!
//! ```
//! let fw = index_engine::caict2025::framework().unwrap();
//! assert_eq!(fw.leaves().len(), 27);
//! let panel = index_engine::caict2025::panel(&fw).unwrap();
//! assert_eq!(panel.units(), ["CN"]);
//! ```

use crate::error::Result;
use crate::framework::Framework;
use crate::panel::Panel;

/// `framework.csv`: `id,parent,level,name_zh,name_en,weight,direction,unit`.
pub const FRAMEWORK_CSV: &str = include_str!("../../../data/caict-2025/framework.csv");

/// `observations.csv`: `indicator,unit,year,value,source`.
pub const OBSERVATIONS_CSV: &str = include_str!("../../../data/caict-2025/observations.csv");

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
