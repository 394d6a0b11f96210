//! Identifiers and tags, normalised and validated once, at the boundary.
//!
//! A [`Key`] names a scenario, an offer, a task, a milestone, a program or a product. Keys
//! become parts of ledger request ids (`challenge/T-1/…/M1/pay`), which is why `/` and
//! whitespace are refused. A [`Tag`] is one need or capability word (`computer-vision`,
//! `智能制造`); lists of tags are written `a;b;c` in CSV cells.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// Longest key, in characters.
pub const KEY_LEN_MAX: usize = 64;
/// Longest tag, in characters.
pub const TAG_LEN_MAX: usize = 48;
/// Most tags on one record (needs of a scenario, capabilities of an offer).
pub const TAGS_PER_RECORD_MAX: usize = 32;
/// Longest free text (titles, owners, plans, criteria), in characters.
pub const TEXT_LEN_MAX: usize = 500;

/// An identifier: 1 to [`KEY_LEN_MAX`] characters from `A-Z a-z 0-9 . _ -`, surrounding
/// whitespace trimmed. Case is kept (`SC-01` and `sc-01` are different keys).
///
/// ```
/// use scenario_market::Key;
/// let k: Key = " SC-2025-001 ".parse().unwrap();
/// assert_eq!(k.as_str(), "SC-2025-001");
/// assert!("a/b".parse::<Key>().is_err());
/// assert!("".parse::<Key>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(Box<str>);

impl Key {
    /// Parses and validates a key; the error names the character or length at fault.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let n = t.chars().count();
        if n == 0 {
            return Err("is empty".into());
        }
        if n > KEY_LEN_MAX {
            return Err(format!("has {n} characters, at most {KEY_LEN_MAX}"));
        }
        if let Some(c) = t
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "character '{c}' is not allowed (letters, digits, '.', '_', '-')"
            ));
        }
        Ok(Self(t.into()))
    }

    /// Parses a key for `field`, as a [`FieldError`] when it is not one.
    pub(crate) fn field(field: &str, text: &str) -> Result<Self, FieldError> {
        Self::parse(text).map_err(|reason| FieldError::new(field, text, reason))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Key {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Key::parse(&s).map_err(|r| serde::de::Error::custom(format!("key '{s}' {r}")))
    }
}

/// A need or capability tag: trimmed, ASCII letters lower-cased, inner whitespace runs
/// replaced by one `-`; 1 to [`TAG_LEN_MAX`] characters; no `;`, `,`, `|` or `/`.
///
/// ```
/// use scenario_market::Tag;
/// assert_eq!(Tag::parse(" Computer  Vision ").unwrap().as_str(), "computer-vision");
/// assert_eq!(Tag::parse("智能制造").unwrap().as_str(), "智能制造");
/// assert!(Tag::parse("a;b").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(Box<str>);

impl Tag {
    /// Normalises and validates a tag.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !out.is_empty() {
                out.push('-');
            }
            out.push_str(word);
        }
        out.make_ascii_lowercase();
        let n = out.chars().count();
        if n == 0 {
            return Err("is empty".into());
        }
        if n > TAG_LEN_MAX {
            return Err(format!("has {n} characters, at most {TAG_LEN_MAX}"));
        }
        if let Some(c) = out
            .chars()
            .find(|c| matches!(c, ';' | ',' | '|' | '/') || c.is_control())
        {
            return Err(format!("character '{c}' is not allowed in a tag"));
        }
        Ok(Self(out.into()))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Tag::parse(&s).map_err(|r| serde::de::Error::custom(format!("tag '{s}' {r}")))
    }
}

/// Parses a `;`-separated list of tags for `field` (empty cell: no tags), sorted and without
/// duplicates; at most [`TAGS_PER_RECORD_MAX`].
pub(crate) fn tag_list(field: &str, cell: &str) -> Result<Vec<Tag>, FieldError> {
    let mut tags = Vec::new();
    for part in cell.split(';') {
        if part.trim().is_empty() {
            continue;
        }
        tags.push(Tag::parse(part).map_err(|r| FieldError::new(field, part.trim(), r))?);
    }
    normalise_tags(field, tags)
}

/// Sorts and de-duplicates tags and checks their count.
pub(crate) fn normalise_tags(field: &str, mut tags: Vec<Tag>) -> Result<Vec<Tag>, FieldError> {
    tags.sort();
    tags.dedup();
    if tags.len() > TAGS_PER_RECORD_MAX {
        return Err(FieldError::new(
            field,
            tags.len(),
            format!("too many tags, at most {TAGS_PER_RECORD_MAX}"),
        ));
    }
    Ok(tags)
}

/// Checks free text for `field`: trimmed, at most [`TEXT_LEN_MAX`] characters, no control
/// characters; `required` refuses an empty text.
pub(crate) fn text(field: &str, value: &str, required: bool) -> Result<String, FieldError> {
    let t = value.trim();
    if required && t.is_empty() {
        return Err(FieldError::new(field, value, "is empty"));
    }
    let n = t.chars().count();
    if n > TEXT_LEN_MAX {
        return Err(FieldError::new(
            field,
            format!("{}…", t.chars().take(40).collect::<String>()),
            format!("has {n} characters, at most {TEXT_LEN_MAX}"),
        ));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(field, t, "contains a control character"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(Key::parse(&"x".repeat(KEY_LEN_MAX)).is_ok());
        assert!(Key::parse(&"x".repeat(KEY_LEN_MAX + 1)).is_err());
        assert!(Key::parse("a b").is_err());
        assert!(Key::parse("场景").is_err());
        assert_eq!(
            serde_json::to_string(&Key::parse("A.1_b-2").unwrap()).unwrap(),
            "\"A.1_b-2\""
        );
        assert!(serde_json::from_str::<Key>("\"a/b\"").is_err());
    }

    #[test]
    fn tag_lists_are_sorted_and_unique() {
        let t = tag_list("needs", "b; A ;a;;c").unwrap();
        let s: Vec<&str> = t.iter().map(Tag::as_str).collect();
        assert_eq!(s, ["a", "b", "c"]);
        let many: Vec<String> = (0..=TAGS_PER_RECORD_MAX).map(|i| format!("t{i}")).collect();
        let e = tag_list("needs", &many.join(";")).unwrap_err();
        assert_eq!(e.field, "needs");
        assert!(tag_list("needs", "ok;bad,tag").is_err());
        assert!(tag_list("needs", "").unwrap().is_empty());
    }

    #[test]
    fn texts() {
        assert_eq!(text("title", "  x ", true).unwrap(), "x");
        assert!(text("title", " ", true).is_err());
        assert!(text("title", "a\u{7}b", false).is_err());
        assert!(text("title", &"字".repeat(TEXT_LEN_MAX + 1), false).is_err());
    }
}
