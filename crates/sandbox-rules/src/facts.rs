//! Where evaluation reads facts from: the [`Facts`] trait and its in-crate map, [`FactMap`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::RuleSet;
use crate::error::Error;
use crate::value::Value;

/// A source of facts about one subject (a firm, a violation, an application).
///
/// Evaluation asks for each fact a rule needs, by its declared name, at most once per
/// decision. A fact that is not known is `None`: conditions on it are *unknown*, and the
/// decision lists it as missing rather than guessing. The binary implements this for
/// registry profiles; [`FactMap`] is the in-crate implementation.
pub trait Facts {
    /// The value of the fact `name`, or `None` when it is not known.
    fn fact(&self, name: &str) -> Option<Cow<'_, Value>>;
}

impl<T: Facts + ?Sized> Facts for &T {
    fn fact(&self, name: &str) -> Option<Cow<'_, Value>> {
        (**self).fact(name)
    }
}

impl Facts for HashMap<String, Value> {
    fn fact(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name).map(Cow::Borrowed)
    }
}

impl Facts for BTreeMap<String, Value> {
    fn fact(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name).map(Cow::Borrowed)
    }
}

/// A map of typed facts, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FactMap {
    values: BTreeMap<String, Value>,
}

/// The most facts one file or row may give; far above any real rule set's schema.
pub const FACTS_PER_SUBJECT_MAX: usize = 4096;

impl FactMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a fact (unchecked: evaluation treats a value of the wrong type as unknown and says so).
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.values.insert(name.into(), value.into());
        self
    }

    /// Builder form of [`FactMap::insert`].
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name, value);
        self
    }

    /// Removes a fact.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    /// The value of a fact.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Number of facts.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no facts.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The facts in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Reads a TOML document of `name = value` pairs, typed by `set`'s fact schema. Names the
    /// set does not declare are kept only when `allow_unknown` (they change nothing in an
    /// evaluation); otherwise they are errors. `source` names the file in messages.
    pub fn from_toml(
        set: &RuleSet,
        text: &str,
        source: &str,
        allow_unknown: bool,
    ) -> Result<Self, Error> {
        let table: BTreeMap<String, toml::Spanned<toml::Value>> =
            toml::from_str(text).map_err(|e| Error::syntax(source, text, &e))?;
        Self::from_spanned(set, &table, text, source, allow_unknown)
    }

    pub(crate) fn from_spanned(
        set: &RuleSet,
        table: &BTreeMap<String, toml::Spanned<toml::Value>>,
        text: &str,
        source: &str,
        allow_unknown: bool,
    ) -> Result<Self, Error> {
        if table.len() > FACTS_PER_SUBJECT_MAX {
            return Err(Error::Limit {
                what: format!("{source}: facts"),
                limit: FACTS_PER_SUBJECT_MAX,
            });
        }
        let mut out = FactMap::new();
        for (name, spanned) in table {
            // Counting lines scans the text: only for a message, so a file of many subjects
            // is read in linear time.
            let line = || crate::line_of(text, spanned.span().start);
            match set.fact_type(name) {
                Some(ty) => {
                    let v =
                        ty.from_toml(spanned.get_ref())
                            .map_err(|message| Error::FactValue {
                                file: source.to_string(),
                                line: line(),
                                fact: name.clone(),
                                message,
                            })?;
                    out.values.insert(name.clone(), v);
                }
                None if allow_unknown => {
                    if let Some(v) = untyped(spanned.get_ref()) {
                        out.values.insert(name.clone(), v);
                    }
                }
                None => {
                    return Err(Error::UnknownFact {
                        file: source.to_string(),
                        line: line(),
                        name: name.clone(),
                        context: format!("rule set '{}' declares no such fact", set.name()),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Reads facts from text pairs (a CSV row: header names and cells), typed by `set`'s
    /// schema. Empty cells mean "not known". Columns the set does not declare are ignored
    /// (a violations file may carry an id or a note). `line` is the row's line for messages.
    pub fn from_text_pairs<'a>(
        set: &RuleSet,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        source: &str,
        line: usize,
    ) -> Result<Self, Error> {
        let mut out = FactMap::new();
        for (name, cell) in pairs {
            if cell.trim().is_empty() {
                continue;
            }
            if let Some(ty) = set.fact_type(name) {
                let v = ty.parse_text(cell).map_err(|message| Error::FactValue {
                    file: source.to_string(),
                    line,
                    fact: name.to_string(),
                    message,
                })?;
                out.values.insert(name.to_string(), v);
            }
        }
        Ok(out)
    }
}

fn untyped(v: &toml::Value) -> Option<Value> {
    Some(match v {
        toml::Value::Integer(i) => Value::Integer(*i),
        toml::Value::Boolean(b) => Value::Boolean(*b),
        toml::Value::String(s) => Value::Text(s.clone()),
        toml::Value::Datetime(d) => Value::Date(crate::value::toml_date(d).ok()?),
        _ => return None,
    })
}

impl Facts for FactMap {
    fn fact(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.values.get(name).map(Cow::Borrowed)
    }
}

impl FromIterator<(String, Value)> for FactMap {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Self {
            values: iter.into_iter().collect(),
        }
    }
}
