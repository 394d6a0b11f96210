//! The raw TOML shapes of a rule-set file (deserialised with spans, for line numbers) and
//! the source that load errors are reported against.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::error::Error;

// ---------------------------------------------------------------- raw TOML shapes

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) set: Spanned<RawSet>,
    #[serde(default)]
    pub(super) facts: BTreeMap<String, Spanned<RawFact>>,
    #[serde(default)]
    pub(super) params: BTreeMap<String, Spanned<RawParam>>,
    #[serde(default)]
    pub(super) conditions: BTreeMap<String, Spanned<RawCond>>,
    #[serde(default, rename = "rule")]
    pub(super) rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSet {
    pub(super) name: String,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
    pub(super) mode: Option<Spanned<String>>,
    pub(super) default: Option<Spanned<String>>,
    pub(super) default_citation: Option<OneOrMany>,
    pub(super) outcomes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFact {
    #[serde(rename = "type")]
    pub(super) ty: String,
    #[serde(default)]
    pub(super) values: Vec<String>,
    pub(super) description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawParam {
    #[serde(rename = "type")]
    pub(super) ty: String,
    #[serde(default, rename = "variants")]
    pub(super) variants: Vec<String>,
    pub(super) values: Vec<Spanned<RawDated>>,
    pub(super) citation: Option<String>,
    pub(super) description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDated {
    pub(super) from: toml::Value,
    pub(super) value: toml::Value,
    pub(super) citation: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) id: Spanned<String>,
    pub(super) citation: Option<OneOrMany>,
    pub(super) description: Option<String>,
    pub(super) when: Option<Spanned<RawCond>>,
    pub(super) exception_to: Option<Spanned<OneOrMany>>,
    pub(super) valid_from: Option<Spanned<toml::Value>>,
    pub(super) valid_until: Option<Spanned<toml::Value>>,
    pub(super) outcome: Spanned<String>,
    #[serde(default)]
    pub(super) measures: Vec<String>,
    pub(super) program: Option<String>,
    pub(super) amount: Option<Spanned<RawAmount>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAmount {
    pub(super) fixed: Option<toml::Value>,
    pub(super) rate: Option<toml::Value>,
    pub(super) of: Option<String>,
    pub(super) max: Option<toml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCond {
    pub(super) fact: Option<String>,
    #[serde(alias = "is")]
    pub(super) eq: Option<toml::Value>,
    pub(super) ne: Option<toml::Value>,
    pub(super) lt: Option<toml::Value>,
    pub(super) le: Option<toml::Value>,
    pub(super) gt: Option<toml::Value>,
    pub(super) ge: Option<toml::Value>,
    pub(super) between: Option<Vec<toml::Value>>,
    #[serde(rename = "in")]
    pub(super) in_: Option<toml::Value>,
    pub(super) not_in: Option<toml::Value>,
    pub(super) contains: Option<String>,
    pub(super) contains_any: Option<Vec<String>>,
    pub(super) contains_all: Option<Vec<String>>,
    pub(super) starts_with: Option<String>,
    pub(super) known: Option<bool>,
    pub(super) all: Option<Vec<Spanned<RawCond>>>,
    pub(super) any: Option<Vec<Spanned<RawCond>>>,
    pub(super) not: Option<Box<Spanned<RawCond>>>,
    pub(super) always: Option<bool>,
    #[serde(rename = "ref")]
    pub(super) reference: Option<String>,
}

pub(super) struct Loader<'a> {
    pub(super) file: &'a str,
    pub(super) lines: crate::LineIndex,
}

impl Loader<'_> {
    pub(super) fn line(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    pub(super) fn invalid(&self, line: usize, message: String) -> Error {
        Error::Invalid {
            file: self.file.to_string(),
            line,
            message,
        }
    }

    pub(super) fn mismatch(&self, line: usize, context: &str, message: String) -> Error {
        Error::TypeMismatch {
            file: self.file.to_string(),
            line,
            context: context.to_string(),
            message,
        }
    }
}

pub(super) fn one_or_many(s: &Spanned<OneOrMany>) -> Vec<String> {
    {
        match s.get_ref() {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}
