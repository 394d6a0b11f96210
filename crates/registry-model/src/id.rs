//! The Unified Social Credit Code (统一社会信用代码, GB 32100-2015) as [`EnterpriseId`].
//!
//! Eighteen characters from a 31-character set (no I, O, S, V, Z): position 1 the registration
//! authority, 2 the category, 3–8 the GB/T 2260 administrative division, 9–17 the GB 11714
//! organisation code and 18 a check character over the first seventeen (weights 3^i mod 31).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::region::RegionCode;

/// The 31 characters a USCC may contain; a character's value is its index here.
pub const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17 in the check-character sum (3^i mod 31).
pub const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Weights of the first eight characters of the embedded organisation code (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Length of a USCC in characters.
pub const USCC_LEN: usize = 18;

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsccError {
    /// The code does not have 18 characters.
    #[error("USCC '{code}' has {len} characters, expected 18")]
    Length {
        /// The code as given.
        code: String,
        /// Its length in characters.
        len: usize,
    },
    /// A character outside the USCC character set.
    #[error(
        "USCC '{code}': character '{ch}' at position {position} is not allowed (allowed: 0-9 and ABCDEFGHJKLMNPQRTUWXY)"
    )]
    Character {
        /// The code as given.
        code: String,
        /// The offending character.
        ch: char,
        /// Its 1-based position.
        position: usize,
    },
    /// The check character does not match the first seventeen.
    #[error("USCC '{code}': check character is '{found}', expected '{expected}'")]
    CheckCharacter {
        /// The code as given.
        code: String,
        /// The check character found at position 18.
        found: char,
        /// The check character the first seventeen characters call for.
        expected: char,
    },
    /// Positions 3–8 do not name a known province-level division.
    #[error("USCC '{code}': division code '{division}' (positions 3-8) names no known province")]
    Region {
        /// The code as given.
        code: String,
        /// Positions 3–8.
        division: String,
    },
}

/// Whether legacy pilot codes that fail the checksum are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegacyPolicy {
    /// Only codes with a correct check character are accepted (the default).
    #[default]
    Reject,
    /// Codes whose only fault is the check character are accepted and flagged as legacy.
    Accept,
}

/// A validated Unified Social Credit Code: the key of an enterprise in the registry.
///
/// ```
/// use registry_model::EnterpriseId;
/// let id: EnterpriseId = "91110000600037341L".parse().unwrap();
/// assert_eq!(id.region().province_name_en(), Some("Beijing"));
/// let err = "91110000600037341A".parse::<EnterpriseId>().unwrap_err();
/// assert!(err.to_string().contains("expected 'L'"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnterpriseId {
    code: [u8; USCC_LEN],
    legacy: bool,
}

fn char_value(c: u8) -> Option<u32> {
    USCC_CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character that completes the first seventeen characters of a USCC.
///
/// Returns `None` when `first17` is not seventeen characters of the USCC set.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        sum += char_value(b)? * USCC_WEIGHTS[i];
    }
    let idx = (31 - sum % 31) % 31;
    Some(USCC_CHARSET[idx as usize] as char)
}

/// The check character of a GB 11714 organisation code from its first eight characters.
///
/// Returns `None` when a character is not a digit or upper-case letter.
pub fn org_code_check_char(first8: &str) -> Option<char> {
    let bytes = first8.as_bytes();
    if bytes.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let v = match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'A'..=b'Z' => (b - b'A') as u32 + 10,
            _ => return None,
        };
        sum += v * ORG_WEIGHTS[i];
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from_digit(c, 10)?,
    })
}

impl EnterpriseId {
    /// Parses and validates a USCC, rejecting any code whose check character is wrong.
    pub fn parse(code: &str) -> Result<Self, UsccError> {
        Self::parse_with(code, LegacyPolicy::Reject)
    }

    /// Parses a USCC; with [`LegacyPolicy::Accept`] a code whose only fault is the check
    /// character is accepted and flagged ([`EnterpriseId::is_legacy`]).
    pub fn parse_with(code: &str, policy: LegacyPolicy) -> Result<Self, UsccError> {
        let trimmed = code.trim();
        let len = trimmed.chars().count();
        if len != USCC_LEN {
            return Err(UsccError::Length {
                code: trimmed.to_string(),
                len,
            });
        }
        let mut out = [0u8; USCC_LEN];
        for (i, ch) in trimmed.chars().enumerate() {
            let up = ch.to_ascii_uppercase();
            if !up.is_ascii() || char_value(up as u8).is_none() {
                return Err(UsccError::Character {
                    code: trimmed.to_string(),
                    ch,
                    position: i + 1,
                });
            }
            out[i] = up as u8;
        }
        // All 18 bytes are ASCII from the charset, so this is valid UTF-8.
        let text = std::str::from_utf8(&out).map_err(|_| UsccError::Length {
            code: trimmed.to_string(),
            len,
        })?;
        let division = &text[2..8];
        if crate::region::province_name_en(&division[..2]).is_none() {
            return Err(UsccError::Region {
                code: text.to_string(),
                division: division.to_string(),
            });
        }
        let expected = uscc_check_char(&text[..17]).ok_or_else(|| UsccError::Length {
            code: text.to_string(),
            len,
        })?;
        let found = out[17] as char;
        let legacy = found != expected;
        if legacy && policy == LegacyPolicy::Reject {
            return Err(UsccError::CheckCharacter {
                code: text.to_string(),
                found,
                expected,
            });
        }
        Ok(Self { code: out, legacy })
    }

    /// Builds a valid USCC from its first seventeen characters by appending the check character.
    pub fn from_first17(first17: &str) -> Result<Self, UsccError> {
        let check = uscc_check_char(first17).ok_or_else(|| UsccError::Length {
            code: first17.to_string(),
            len: first17.chars().count() + 1,
        })?;
        Self::parse(&format!("{first17}{check}"))
    }

    /// The code as an 18-character string slice.
    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII charset bytes.
        std::str::from_utf8(&self.code).unwrap_or("")
    }

    /// True when the code was accepted under [`LegacyPolicy::Accept`] with a wrong check character.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// The registration authority (position 1): `9` for market regulation (工商), `1` for
    /// institutional organisation (机构编制), `5` for civil affairs (民政), and so on.
    pub fn authority(&self) -> char {
        self.code[0] as char
    }

    /// The category within the authority (position 2): for authority 9, `1` enterprise,
    /// `2` individual business, `3` farmers' cooperative.
    pub fn category(&self) -> char {
        self.code[1] as char
    }

    /// The administrative division of registration (positions 3–8).
    pub fn region(&self) -> RegionCode {
        RegionCode::from_division_unchecked(&self.as_str()[2..8])
    }

    /// The embedded GB 11714 organisation code (positions 9–17).
    pub fn org_code(&self) -> &str {
        &self.as_str()[8..17]
    }

    /// Whether the embedded organisation code carries its own correct check character.
    pub fn org_code_valid(&self) -> bool {
        let org = self.org_code();
        org_code_check_char(&org[..8]).is_some_and(|c| org.as_bytes()[8] as char == c)
    }
}

impl fmt::Debug for EnterpriseId {
    /// Shows the code (and the legacy flag when set) rather than raw bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.legacy {
            write!(f, "EnterpriseId({} legacy)", self.as_str())
        } else {
            write!(f, "EnterpriseId({})", self.as_str())
        }
    }
}

impl fmt::Display for EnterpriseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EnterpriseId {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for EnterpriseId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EnterpriseId {
    /// Deserialises strictly: legacy codes must be parsed explicitly with
    /// [`EnterpriseId::parse_with`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EnterpriseId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_examples_validate() {
        for code in [
            "91110000600037341L",
            "91310110666007217T",
            "91330101589882738D",
        ] {
            let id = EnterpriseId::parse(code).unwrap();
            assert_eq!(id.as_str(), code);
            assert!(!id.is_legacy());
        }
    }

    #[test]
    fn wrong_check_character_names_the_expected_one() {
        let err = EnterpriseId::parse("91310110666007217A").unwrap_err();
        assert_eq!(
            err,
            UsccError::CheckCharacter {
                code: "91310110666007217A".into(),
                found: 'A',
                expected: 'T'
            }
        );
    }

    #[test]
    fn legacy_is_accepted_only_on_request_and_flagged() {
        assert!(EnterpriseId::parse("91330101589882738A").is_err());
        let id = EnterpriseId::parse_with("91330101589882738A", LegacyPolicy::Accept).unwrap();
        assert!(id.is_legacy());
    }

    #[test]
    fn forbidden_characters_and_lengths() {
        assert!(matches!(
            EnterpriseId::parse("91110000600037341I"),
            Err(UsccError::Character { position: 18, .. })
        ));
        assert!(matches!(
            EnterpriseId::parse("9111000060003734"),
            Err(UsccError::Length { len: 16, .. })
        ));
        assert!(matches!(
            EnterpriseId::parse("91990000600037341L"),
            Err(UsccError::Region { .. })
        ));
    }

    #[test]
    fn region_and_parts() {
        let id = EnterpriseId::parse("91330101589882738D").unwrap();
        assert_eq!(id.region().province_code(), "33");
        assert_eq!(id.region().province_name_zh(), Some("浙江"));
        assert_eq!(id.authority(), '9');
        assert_eq!(id.category(), '1');
        assert_eq!(id.org_code(), "589882738");
    }

    #[test]
    fn org_code_check() {
        // 60003734-1 and 58988273-8 are the organisation codes inside the reference examples.
        assert_eq!(org_code_check_char("60003734"), Some('1'));
        assert_eq!(org_code_check_char("58988273"), Some('8'));
    }
}
