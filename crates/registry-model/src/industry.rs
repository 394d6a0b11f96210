//! Industry codes of the national classification of economic activities (国民经济行业分类,
//! GB/T 4754-2017): four digits, the first two the division (大类), the third the group (中类),
//! the fourth the class (小类).
//!
//! A code is normalised and validated once, here: surrounding blanks are trimmed, an optional
//! section letter (`I6513`, the form many registration systems print) is checked against the
//! division and dropped, the division must be one of the standard's 97 (01–97), and the group
//! digit is never 0 (the standard numbers groups from 1; a class digit 0 marks a group that is
//! not subdivided, such as 6520). Whether a class exists within its group is not checked: the
//! standard's class list is not shipped, and the digital-economy table maps what it knows.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The sections (门类) of GB/T 4754-2017 with their divisions, first to last.
const SECTIONS: [(char, u8, u8); 20] = [
    ('A', 1, 5),
    ('B', 6, 12),
    ('C', 13, 43),
    ('D', 44, 46),
    ('E', 47, 50),
    ('F', 51, 52),
    ('G', 53, 60),
    ('H', 61, 62),
    ('I', 63, 65),
    ('J', 66, 69),
    ('K', 70, 70),
    ('L', 71, 72),
    ('M', 73, 75),
    ('N', 76, 79),
    ('O', 80, 82),
    ('P', 83, 83),
    ('Q', 84, 85),
    ('R', 86, 90),
    ('S', 91, 96),
    ('T', 97, 97),
];

/// Why a text is not an industry code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{code}' is not a GB/T 4754-2017 industry code: {reason}")]
pub struct IndustryCodeError {
    /// The text as given.
    pub code: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A validated four-digit GB/T 4754-2017 class code.
///
/// ```
/// use registry_model::industry::IndustryCode;
/// let c: IndustryCode = " I6513 ".parse()?;
/// assert_eq!(c.as_str(), "6513");
/// assert_eq!((c.division(), c.group(), c.section()), ("65", "651", 'I'));
/// assert!("6513x".parse::<IndustryCode>().is_err());
/// assert!("9913".parse::<IndustryCode>().is_err()); // no division 99
/// assert!("C6513".parse::<IndustryCode>().is_err()); // 65 is in section I
/// # Ok::<(), registry_model::industry::IndustryCodeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode([u8; 4]);

impl IndustryCode {
    /// Parses and validates a code (see the module documentation for the form accepted).
    pub fn parse(text: &str) -> Result<Self, IndustryCodeError> {
        let bad = |reason: String| IndustryCodeError {
            code: text.to_string(),
            reason,
        };
        let t = text.trim();
        let (letter, digits) = match t.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => (Some(c.to_ascii_uppercase()), &t[1..]),
            _ => (None, t),
        };
        let bytes = digits.as_bytes();
        if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(bad(
                "needs four digits (division, group, class), optionally after the section letter"
                    .into(),
            ));
        }
        let division = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        let Some(section) = section_of(division) else {
            return Err(bad(format!(
                "division {division:02} does not exist (the standard has divisions 01–97)"
            )));
        };
        if let Some(l) = letter
            && l != section
        {
            return Err(bad(format!(
                "section {l} does not contain division {division:02} (it is in section {section})"
            )));
        }
        if bytes[2] == b'0' {
            return Err(bad("the group digit (third) is never 0".into()));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// The four digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("0000")
    }

    /// The division (大类), two digits.
    pub fn division(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The group (中类), three digits.
    pub fn group(&self) -> &str {
        &self.as_str()[..3]
    }

    /// The section letter (门类).
    pub fn section(&self) -> char {
        let division = (self.0[0] - b'0') * 10 + (self.0[1] - b'0');
        section_of(division).unwrap_or('?')
    }
}

/// The section letter of a division, `None` when the standard has no such division.
pub fn section_of(division: u8) -> Option<char> {
    SECTIONS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&division))
        .map(|(c, _, _)| *c)
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndustryCode({})", self.as_str())
    }
}

impl std::str::FromStr for IndustryCode {
    type Err = IndustryCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = IndustryCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<IndustryCode> for String {
    fn from(c: IndustryCode) -> String {
        c.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_division_has_one_section_and_the_sections_cover_01_to_97() {
        for d in 0u8..=100 {
            let n = SECTIONS
                .iter()
                .filter(|(_, lo, hi)| (*lo..=*hi).contains(&d))
                .count();
            assert_eq!(n, usize::from((1..=97).contains(&d)), "division {d}");
        }
    }

    #[test]
    fn codes_are_normalised_and_faults_named() {
        assert_eq!(IndustryCode::parse("i6513").unwrap().as_str(), "6513");
        assert_eq!(IndustryCode::parse("3911").unwrap().section(), 'C');
        assert_eq!(IndustryCode::parse("6520").unwrap().group(), "652");
        for bad in [
            "",
            "651",
            "65133",
            "65a3",
            "0011",
            "9801",
            "6503",
            "A6513",
            "６５１３",
        ] {
            let e = IndustryCode::parse(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
        let json = serde_json::to_string(&IndustryCode::parse("6432").unwrap()).unwrap();
        assert_eq!(json, "\"6432\"");
        assert!(serde_json::from_str::<IndustryCode>("\"9999\"").is_err());
    }
}
