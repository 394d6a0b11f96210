//! Serde for dense `f64` arrays in which `NaN` means "no value": written as `null` (JSON has
//! no NaN) and read back as `NaN`, so a panel or result survives a round trip through JSON.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `#[serde(with = "crate::nan_serde")]` for a `Vec<f64>`.
pub(crate) fn serialize<S: Serializer>(values: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(|&x| (!x.is_nan()).then_some(x)))
}

/// `#[serde(with = "crate::nan_serde")]` for a `Vec<f64>`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let v: Vec<Option<f64>> = Vec::deserialize(d)?;
    Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

/// The same for an `Option<Vec<f64>>`.
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        values: &Option<Vec<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        values
            .as_ref()
            .map(|v| {
                v.iter()
                    .map(|&x| (!x.is_nan()).then_some(x))
                    .collect::<Vec<_>>()
            })
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<f64>>, D::Error> {
        let v: Option<Vec<Option<f64>>> = Option::deserialize(d)?;
        Ok(v.map(|v| v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect()))
    }
}
