//! The language of everything printed for people: tables, sentences, charts and the report
//! folder's documents. Files for programs (CSV, JSON) never depend on it.

use serde::Serialize;

/// A language for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

/// The locale variables read by [`Lang::from_env`], strongest first (POSIX: `LC_ALL`
/// overrides `LC_MESSAGES`, which overrides `LANG`).
pub const LOCALE_VARS: [&str; 3] = ["LC_ALL", "LC_MESSAGES", "LANG"];

impl Lang {
    /// Both languages, in the order `--help` lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The name on the command line (`en`, `zh`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language tag of an HTML document (`en`, `zh-CN`).
    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The language a locale names: `zh` for a locale beginning with `zh` (`zh_CN.UTF-8`,
    /// `zh_TW`, `zh`), English for any other.
    pub fn from_locale(locale: &str) -> Lang {
        if locale.trim().to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The language of the first locale variable set to a non-empty value ([`LOCALE_VARS`]
    /// order), or English when none is set.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Lang {
        LOCALE_VARS
            .iter()
            .filter_map(|v| get(v).filter(|s| !s.trim().is_empty()))
            .map(|s| Lang::from_locale(&s))
            .next()
            .unwrap_or_default()
    }

    /// The language of the process's environment ([`Lang::from_vars`] over the process's
    /// variables).
    pub fn from_env() -> Lang {
        Lang::from_vars(|name| std::env::var(name).ok())
    }

    /// Picks the text of this language.
    pub fn pick<T>(self, en: T, zh: T) -> T {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lang::ALL
            .into_iter()
            .find(|l| l.code() == s.trim())
            .ok_or_else(|| format!("'{s}' is not a language (en, zh)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_picks_chinese_only_for_zh_locales() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(Lang::from_vars(env(&[])), Lang::En);
        assert_eq!(Lang::from_vars(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(Lang::from_vars(env(&[("LANG", "C.UTF-8")])), Lang::En);
        // LC_ALL wins over LANG, and an empty LC_ALL counts as unset.
        assert_eq!(
            Lang::from_vars(env(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_vars(env(&[("LC_ALL", ""), ("LANG", "zh_TW")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_vars(env(&[("LC_MESSAGES", "zh_CN"), ("LANG", "en_US")])),
            Lang::Zh
        );
        assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
        assert!("fr".parse::<Lang>().is_err());
    }
}
