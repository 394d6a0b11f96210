//! The digital-economy classification (国家统计局令第33号《数字经济及其核心产业统计分类（2021）》)
//! as data: which GB/T 4754-2017 codes belong to which of its five classes.
//!
//! Classes 01–04 are the core industries (数字产业化); 05 is industrial digitalisation
//! (产业数字化), which reaches nearly every industry and so needs evidence beyond the code.
//!
//! The table (`data/registry/digital-economy-2021.csv`, its sources in
//! `data/registry/digital-economy-2021.md`) maps a code prefix — a class (4 digits), a group
//! (3), a division (2) or `*` for any code — to a class, says whether the code belongs only in
//! part, and whether the line was verified in a source or assumed. A code is looked up at the
//! most specific level the table has: class, then group, then division, then `*`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};
use crate::industry::{IndustryCode, section_of};

/// Most lines a classification table may have (GB/T 4754-2017 has 1,382 classes).
pub const DIGITAL_TABLE_ROWS_MAX: usize = 10_000;

/// The shipped table.
pub const EMBEDDED_TABLE: (&str, &str) = (
    "data/registry/digital-economy-2021.csv",
    include_str!("../../../data/registry/digital-economy-2021.csv"),
);

/// The document the shipped table follows.
pub const CLASSIFICATION_DOCUMENT: &str =
    "数字经济及其核心产业统计分类（2021）(国家统计局令第33号)";

/// One of the five classes (大类) of the 2021 classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DigitalClass {
    /// 01 数字产品制造业.
    #[serde(rename = "01")]
    ProductManufacturing,
    /// 02 数字产品服务业.
    #[serde(rename = "02")]
    ProductServices,
    /// 03 数字技术应用业.
    #[serde(rename = "03")]
    TechnologyApplication,
    /// 04 数字要素驱动业.
    #[serde(rename = "04")]
    FactorDriven,
    /// 05 数字化效率提升业.
    #[serde(rename = "05")]
    EfficiencyImprovement,
}

impl DigitalClass {
    /// Every class, 01 first.
    pub const ALL: [DigitalClass; 5] = [
        DigitalClass::ProductManufacturing,
        DigitalClass::ProductServices,
        DigitalClass::TechnologyApplication,
        DigitalClass::FactorDriven,
        DigitalClass::EfficiencyImprovement,
    ];

    /// The class code (`01` … `05`), also the key in files.
    pub fn key(self) -> &'static str {
        match self {
            DigitalClass::ProductManufacturing => "01",
            DigitalClass::ProductServices => "02",
            DigitalClass::TechnologyApplication => "03",
            DigitalClass::FactorDriven => "04",
            DigitalClass::EfficiencyImprovement => "05",
        }
    }

    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        match self {
            DigitalClass::ProductManufacturing => "数字产品制造业",
            DigitalClass::ProductServices => "数字产品服务业",
            DigitalClass::TechnologyApplication => "数字技术应用业",
            DigitalClass::FactorDriven => "数字要素驱动业",
            DigitalClass::EfficiencyImprovement => "数字化效率提升业",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            DigitalClass::ProductManufacturing => "digital product manufacturing",
            DigitalClass::ProductServices => "digital product services",
            DigitalClass::TechnologyApplication => "digital technology application",
            DigitalClass::FactorDriven => "digital factor driven",
            DigitalClass::EfficiencyImprovement => "digital efficiency improvement",
        }
    }

    /// One of the core industries (01–04).
    pub fn is_core(self) -> bool {
        self != DigitalClass::EfficiencyImprovement
    }
}

impl fmt::Display for DigitalClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for DigitalClass {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self> {
        DigitalClass::ALL
            .into_iter()
            .find(|c| c.key() == s.trim())
            .ok_or_else(|| RegistryError::NotFound {
                what: "digital-economy class (01-05)",
                key: s.to_string(),
            })
    }
}

/// How specific a line of the table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingLevel {
    /// `*`: any code the table has no more specific line for.
    Any,
    /// A division (2 digits).
    Division,
    /// A group (3 digits).
    Group,
    /// A class (4 digits).
    Class,
}

impl MappingLevel {
    /// `class`, `group`, `division` or `any`.
    pub fn key(self) -> &'static str {
        match self {
            MappingLevel::Any => "any",
            MappingLevel::Division => "division",
            MappingLevel::Group => "group",
            MappingLevel::Class => "class",
        }
    }
}

/// Whether a line was found in a source or assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The line was found in a source (named in its note).
    Verified,
    /// The line is our reading where no source was found (its note says why).
    Assumed,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The code prefix (`6513`, `643`, `39`) or `*`.
    pub code: String,
    /// How specific it is.
    pub level: MappingLevel,
    /// The class.
    pub class: DigitalClass,
    /// The mid class (中类) with its code, when known (`0401 互联网平台`).
    pub mid_class: String,
    /// The code belongs to the class only in part.
    pub partial: bool,
    /// Verified or assumed.
    pub basis: Basis,
    /// The source, or why it is assumed.
    pub note: String,
}

impl Mapping {
    /// How the line is marked for readers: `class-level`, `group-level, assumed`,
    /// `division-level, assumed, partial`.
    pub fn provenance(&self) -> String {
        let mut s = format!("{}-level", self.level.key());
        if self.basis == Basis::Assumed {
            s.push_str(", assumed");
        }
        if self.partial {
            s.push_str(", partial");
        }
        s
    }
}

#[derive(Debug, Deserialize)]
struct Row {
    code: String,
    class: String,
    mid_class: String,
    partial: String,
    basis: String,
    note: String,
}

/// The classification as a lookup table.
///
/// ```
/// use registry_model::digital::{DigitalClass, DigitalEconomyTable};
/// let t = DigitalEconomyTable::embedded()?;
/// let m = t.classify(&"6432".parse()?);          // group 643 互联网平台
/// assert_eq!(m.map(|m| m.class), Some(DigitalClass::FactorDriven));
/// let m = t.classify(&"1311".parse()?).unwrap(); // no core line: possibly 05, in part
/// assert_eq!((m.class, m.partial), (DigitalClass::EfficiencyImprovement, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitalEconomyTable {
    source: String,
    lines: BTreeMap<String, Mapping>,
}

impl DigitalEconomyTable {
    /// Reads a table from CSV (`code,class,mid_class,partial,basis,note`); `source` names it
    /// in errors, which give the line and field.
    pub fn from_csv(reader: impl std::io::Read, source: &str) -> Result<Self> {
        let mut r = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let mut lines = BTreeMap::new();
        for (i, rec) in r.deserialize::<Row>().enumerate() {
            let line = i as u64 + 2;
            let bad = |field: &str, value: &str, reason: &str| RegistryError::Csv {
                file: source.to_string(),
                line,
                field: field.to_string(),
                value: value.to_string(),
                reason: reason.to_string(),
            };
            let row = rec.map_err(|e| bad("-", "", &e.to_string()))?;
            if lines.len() >= DIGITAL_TABLE_ROWS_MAX {
                return Err(RegistryError::Limit {
                    what: "lines of a digital-economy table",
                    value: lines.len() as u64 + 1,
                    limit: DIGITAL_TABLE_ROWS_MAX as u64,
                });
            }
            let level = match row.code.len() {
                _ if row.code == "*" => MappingLevel::Any,
                2 => MappingLevel::Division,
                3 => MappingLevel::Group,
                4 => MappingLevel::Class,
                _ => {
                    return Err(bad(
                        "code",
                        &row.code,
                        "a class (4 digits), group (3), division (2) or *",
                    ));
                }
            };
            if level != MappingLevel::Any {
                let digits = row.code.as_bytes();
                let division = if digits.iter().all(u8::is_ascii_digit) {
                    Some((digits[0] - b'0') * 10 + (digits[1] - b'0'))
                } else {
                    None
                };
                if division.and_then(section_of).is_none() || digits.get(2) == Some(&b'0') {
                    return Err(bad(
                        "code",
                        &row.code,
                        "not a GB/T 4754-2017 division, group or class",
                    ));
                }
            }
            let class: DigitalClass = row
                .class
                .parse()
                .map_err(|_| bad("class", &row.class, "one of 01, 02, 03, 04, 05"))?;
            let partial = match row.partial.as_str() {
                "yes" => true,
                "no" => false,
                other => return Err(bad("partial", other, "yes or no")),
            };
            let basis = match row.basis.as_str() {
                "verified" => Basis::Verified,
                "assumed" => Basis::Assumed,
                other => return Err(bad("basis", other, "verified or assumed")),
            };
            if row.note.is_empty() {
                return Err(bad(
                    "note",
                    "",
                    "every line names its source or why it is assumed",
                ));
            }
            let m = Mapping {
                code: row.code.clone(),
                level,
                class,
                mid_class: row.mid_class,
                partial,
                basis,
                note: row.note,
            };
            if lines.insert(row.code.clone(), m).is_some() {
                return Err(bad("code", &row.code, "listed twice"));
            }
        }
        Ok(Self {
            source: source.to_string(),
            lines,
        })
    }

    /// A table without lines (every code outside the digital economy).
    pub fn empty(source: &str) -> Self {
        Self {
            source: source.to_string(),
            lines: BTreeMap::new(),
        }
    }

    /// The shipped table (parsed once per process).
    pub fn embedded() -> Result<Arc<Self>> {
        static TABLE: OnceLock<std::result::Result<Arc<DigitalEconomyTable>, String>> =
            OnceLock::new();
        TABLE
            .get_or_init(|| {
                Self::from_csv(EMBEDDED_TABLE.1.as_bytes(), EMBEDDED_TABLE.0)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(|message| RegistryError::Config {
                file: EMBEDDED_TABLE.0.to_string(),
                message,
            })
    }

    /// Reads a table file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let f = std::fs::File::open(path).map_err(|source| RegistryError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_csv(f, &path.display().to_string())
    }

    /// Where the table was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every line, by code.
    pub fn lines(&self) -> impl Iterator<Item = &Mapping> {
        self.lines.values()
    }

    /// The most specific line for `code` (class, group, division, then `*`); `None` when the
    /// table has none (a table without a `*` line leaves unlisted codes outside the digital
    /// economy).
    pub fn classify(&self, code: &IndustryCode) -> Option<&Mapping> {
        let c = code.as_str();
        [c, &c[..3], &c[..2], "*"]
            .into_iter()
            .find_map(|k| self.lines.get(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> IndustryCode {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_table_puts_the_core_divisions_and_the_platforms_where_the_notice_does() {
        let t = DigitalEconomyTable::embedded().unwrap();
        let class = |s: &str| t.classify(&code(s)).map(|m| (m.class, m.partial));
        // The core's main body: divisions 39, 63, 64, 65.
        assert_eq!(
            class("3911"),
            Some((DigitalClass::ProductManufacturing, false))
        );
        assert_eq!(
            class("6311"),
            Some((DigitalClass::TechnologyApplication, false))
        );
        assert_eq!(
            class("6421"),
            Some((DigitalClass::TechnologyApplication, false))
        );
        assert_eq!(
            class("6513"),
            Some((DigitalClass::TechnologyApplication, false))
        );
        // Group 643 互联网平台 is 04, class by class.
        for c in ["6431", "6432", "6433", "6434", "6439"] {
            assert_eq!(class(c), Some((DigitalClass::FactorDriven, false)), "{c}");
        }
        // A class line wins over its division's default: robots are 01 though 34 is not core.
        assert_eq!(
            class("3491"),
            Some((DigitalClass::ProductManufacturing, false))
        );
        assert_eq!(
            class("3499"),
            Some((DigitalClass::EfficiencyImprovement, true))
        );
        // Every other code is possibly 05, in part.
        assert_eq!(
            class("0111"),
            Some((DigitalClass::EfficiencyImprovement, true))
        );
        let m = t.classify(&code("6432")).unwrap();
        assert_eq!(m.provenance(), "group-level, assumed");
        assert_eq!(
            t.classify(&code("3491")).unwrap().provenance(),
            "class-level"
        );
        assert!(t.lines().all(|m| !m.note.is_empty()));
    }

    #[test]
    fn a_bad_line_names_file_line_and_field() {
        let text =
            "code,class,mid_class,partial,basis,note\n39,01,,no,assumed,x\n6503,01,,no,assumed,x\n";
        let e = DigitalEconomyTable::from_csv(text.as_bytes(), "t.csv").unwrap_err();
        assert!(
            e.to_string().starts_with("t.csv:3: field 'code' = '6503'"),
            "{e}"
        );
        let text = "code,class,mid_class,partial,basis,note\n39,06,,no,assumed,x\n";
        let e = DigitalEconomyTable::from_csv(text.as_bytes(), "t.csv").unwrap_err();
        assert!(e.to_string().contains("field 'class' = '06'"), "{e}");
        let text =
            "code,class,mid_class,partial,basis,note\n39,01,,no,assumed,x\n39,03,,no,assumed,y\n";
        let e = DigitalEconomyTable::from_csv(text.as_bytes(), "t.csv").unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        // No `*` line: unlisted codes are outside.
        let text = "code,class,mid_class,partial,basis,note\n39,01,,no,assumed,x\n";
        let t = DigitalEconomyTable::from_csv(text.as_bytes(), "t.csv").unwrap();
        assert!(t.classify(&code("1311")).is_none());
    }
}
