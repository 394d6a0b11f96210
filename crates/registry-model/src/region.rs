//! Administrative divisions (GB/T 2260) as carried in positions 3–8 of a USCC.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 31 province-level divisions of the mainland: two-digit code, Chinese and English name.
pub const PROVINCES: [(&str, &str, &str); 31] = [
    ("11", "北京", "Beijing"),
    ("12", "天津", "Tianjin"),
    ("13", "河北", "Hebei"),
    ("14", "山西", "Shanxi"),
    ("15", "内蒙古", "Inner Mongolia"),
    ("21", "辽宁", "Liaoning"),
    ("22", "吉林", "Jilin"),
    ("23", "黑龙江", "Heilongjiang"),
    ("31", "上海", "Shanghai"),
    ("32", "江苏", "Jiangsu"),
    ("33", "浙江", "Zhejiang"),
    ("34", "安徽", "Anhui"),
    ("35", "福建", "Fujian"),
    ("36", "江西", "Jiangxi"),
    ("37", "山东", "Shandong"),
    ("41", "河南", "Henan"),
    ("42", "湖北", "Hubei"),
    ("43", "湖南", "Hunan"),
    ("44", "广东", "Guangdong"),
    ("45", "广西", "Guangxi"),
    ("46", "海南", "Hainan"),
    ("50", "重庆", "Chongqing"),
    ("51", "四川", "Sichuan"),
    ("52", "贵州", "Guizhou"),
    ("53", "云南", "Yunnan"),
    ("54", "西藏", "Tibet"),
    ("61", "陕西", "Shaanxi"),
    ("62", "甘肃", "Gansu"),
    ("63", "青海", "Qinghai"),
    ("64", "宁夏", "Ningxia"),
    ("65", "新疆", "Xinjiang"),
];

fn lookup(province: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    PROVINCES.iter().find(|(code, _, _)| *code == province)
}

/// English name of a two-digit province code, if it is one of [`PROVINCES`].
pub fn province_name_en(province: &str) -> Option<&'static str> {
    lookup(province).map(|p| p.2)
}

/// A six-digit GB/T 2260 division code such as `330101`; the first two digits are the province.
///
/// ```
/// use registry_model::RegionCode;
/// let r = RegionCode::parse("510100").unwrap();
/// assert_eq!(r.province_code(), "51");
/// assert_eq!(r.province_name_en(), Some("Sichuan"));
/// assert_eq!(r.province().as_str(), "510000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode([u8; 6]);

/// Why a string is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("region code '{0}' is not six digits starting with a known province code")]
pub struct RegionError(pub String);

impl RegionCode {
    /// Parses a six-digit division code (or a two-digit province code, widened with zeros).
    pub fn parse(code: &str) -> Result<Self, RegionError> {
        let code = code.trim();
        let widened;
        let six = if code.len() == 2 {
            widened = format!("{code}0000");
            widened.as_str()
        } else {
            code
        };
        if six.len() != 6 || !six.bytes().all(|b| b.is_ascii_digit()) || lookup(&six[..2]).is_none()
        {
            return Err(RegionError(code.to_string()));
        }
        let mut out = [0u8; 6];
        out.copy_from_slice(six.as_bytes());
        Ok(Self(out))
    }

    /// Builds a code from six characters already known to be valid (from a validated USCC).
    pub(crate) fn from_division_unchecked(six: &str) -> Self {
        let mut out = [b'0'; 6];
        for (o, b) in out.iter_mut().zip(six.bytes()) {
            *o = b;
        }
        Self(out)
    }

    /// The code as six digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("000000")
    }

    /// The two-digit province code.
    pub fn province_code(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The province-level division containing this one (`xx0000`).
    pub fn province(&self) -> RegionCode {
        let mut out = [b'0'; 6];
        out[..2].copy_from_slice(&self.0[..2]);
        Self(out)
    }

    /// Chinese name of the province.
    pub fn province_name_zh(&self) -> Option<&'static str> {
        lookup(self.province_code()).map(|p| p.1)
    }

    /// English name of the province.
    pub fn province_name_en(&self) -> Option<&'static str> {
        lookup(self.province_code()).map(|p| p.2)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}
