//! The database URL: parsed once, its schema taken out, and never shown with its password.
//!
//! `postgres://USER:PASSWORD@HOST:PORT/DATABASE?schema=NAME&sslmode=prefer` (also
//! `postgresql://`). Every query parameter of libpq's URL form that the `postgres` crate
//! knows is passed on (`sslmode`, `connect_timeout`, `application_name`, `options`, …);
//! `schema` is ours: the PostgreSQL schema that holds shuchuang's tables (default
//! [`DEFAULT_SCHEMA`]), so several registries, or tests, can share one database.
//!
//! TLS follows libpq: `sslmode=disable` never, `prefer` (the default) when the server offers
//! it, `require` always; the server's certificate is checked only when `sslrootcert=FILE`
//! names the CA it must chain to (then its host name is checked too, as libpq's
//! `verify-full` does).

use std::fmt;
use std::str::FromStr;

use crate::error::{PgError, Result};

/// The schema used when the URL names none.
pub const DEFAULT_SCHEMA: &str = "shuchuang";

/// The longest URL accepted, in bytes.
pub const URL_LEN_MAX: usize = 4096;

/// The longest schema name PostgreSQL keeps (NAMEDATALEN − 1).
pub const SCHEMA_LEN_MAX: usize = 63;

/// What replaces a password wherever a URL is shown.
pub const REDACTED: &str = "***";

/// A PostgreSQL URL, checked, with its schema. `Display` and `Debug` never show the
/// password: they print [`DatabaseUrl::redacted`].
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// The URL as given, less the `schema` parameter: what the driver parses.
    connect: String,
    /// The URL as shown: password replaced by [`REDACTED`].
    shown: String,
    schema: String,
    /// `sslrootcert`: the CA certificate (PEM) the server's certificate must chain to.
    root_cert: Option<String>,
}

/// `url` with the password (in the user part and in a `password=` parameter) replaced by
/// [`REDACTED`]. Works on anything, even text that is not a URL, so that an error about a
/// malformed URL can still quote it safely.
pub fn redact(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    // The authority ends at the first '/', '?' or '#'; the user part at its last '@'.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.find(':') {
                Some(colon) => format!("{}:{REDACTED}{host}", &userinfo[..colon]),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => {
                        format!("{k}={REDACTED}")
                    }
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= SCHEMA_LEN_MAX
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl DatabaseUrl {
    /// Parses and checks a URL: the scheme, the length, the schema name (lower-case letters,
    /// digits and `_`, at most 63 bytes, not starting with a digit), and that the driver
    /// accepts the rest. Errors quote the URL with its password hidden.
    pub fn parse(url: &str) -> Result<Self> {
        let url = url.trim();
        let shown = redact(url);
        let bad = |reason: String| PgError::Url {
            url: shown.clone(),
            reason,
        };
        if url.len() > URL_LEN_MAX {
            return Err(bad(format!("longer than {URL_LEN_MAX} bytes")));
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(bad("must start with postgres:// or postgresql://".into()));
        }
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (url, None),
        };
        let mut schema = None;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for p in query.into_iter().flat_map(|q| q.split('&')) {
            match p.split_once('=') {
                Some(("schema", v)) => schema = Some(v.to_string()),
                Some(("sslrootcert", v)) if !v.is_empty() => root_cert = Some(v.to_string()),
                _ if p.is_empty() => {}
                _ => kept.push(p),
            }
        }
        let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
        if !valid_schema(&schema) {
            return Err(bad(format!(
                "schema '{schema}': use lower-case letters, digits and _ (at most {SCHEMA_LEN_MAX} bytes, not starting with a digit)"
            )));
        }
        let connect = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        // The driver's own check; its message never contains the URL.
        postgres::Config::from_str(&connect).map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            connect,
            shown,
            schema,
            root_cert,
        })
    }

    /// `None` for an unset or blank value, else [`DatabaseUrl::parse`].
    pub fn parse_optional(url: Option<&str>) -> Result<Option<Self>> {
        url.filter(|u| !u.trim().is_empty())
            .map(Self::parse)
            .transpose()
    }

    /// The same server and database with another schema.
    pub fn with_schema(&self, schema: &str) -> Result<Self> {
        if !valid_schema(schema) {
            return Err(PgError::Url {
                url: self.shown.clone(),
                reason: format!("schema '{schema}': use lower-case letters, digits and _"),
            });
        }
        let mut out = self.clone();
        out.shown = match self.shown.split_once("schema=") {
            Some((a, b)) => {
                let rest = b.split_once('&').map(|(_, r)| format!("&{r}"));
                format!("{a}schema={schema}{}", rest.unwrap_or_default())
            }
            None if self.shown.contains('?') => format!("{}&schema={schema}", self.shown),
            None => format!("{}?schema={schema}", self.shown),
        };
        out.schema = schema.to_string();
        Ok(out)
    }

    /// The schema holding shuchuang's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The URL as it may be shown: the password replaced by [`REDACTED`].
    pub fn redacted(&self) -> &str {
        &self.shown
    }

    /// The CA certificate file (PEM) the server's certificate is checked against
    /// (`sslrootcert`), if the URL names one.
    pub fn root_cert(&self) -> Option<&str> {
        self.root_cert.as_deref()
    }

    /// The driver's configuration (holds the password: never print it).
    pub(crate) fn config(&self) -> Result<postgres::Config> {
        postgres::Config::from_str(&self.connect).map_err(|e| PgError::Url {
            url: self.shown.clone(),
            reason: e.to_string(),
        })
    }
}

impl FromStr for DatabaseUrl {
    type Err = PgError;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr%40t";

    #[test]
    fn the_password_never_shows() {
        let raw =
            format!("postgres://officer:{SECRET}@db.example:5433/office?schema=zj&sslmode=prefer");
        let url = DatabaseUrl::parse(&raw).unwrap();
        for shown in [
            url.to_string(),
            format!("{url:?}"),
            url.redacted().to_string(),
            redact(&raw),
        ] {
            assert!(!shown.contains(SECRET), "{shown}");
            assert!(!shown.contains("s3cr"), "{shown}");
            assert!(
                shown.contains("officer:***@db.example:5433/office"),
                "{shown}"
            );
        }
        assert_eq!(url.schema(), "zj");
        let other = url.with_schema("t_1").unwrap();
        assert!(
            other.to_string().contains("schema=t_1&sslmode=prefer"),
            "{other}"
        );
        assert!(!format!("{other:?}").contains("s3cr"));
    }

    #[test]
    fn a_password_parameter_is_hidden_too() {
        let shown = redact("postgres://officer@h/db?password=hunter2&sslmode=disable");
        assert_eq!(
            shown,
            "postgres://officer@h/db?password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        // Not a URL at all: nothing to hide, nothing lost.
        assert_eq!(redact("just text"), "just text");
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn errors_quote_the_url_without_its_password() {
        for raw in [
            "mysql://u:hunter2@h/db",
            "postgres://u:hunter2@h/db?schema=Bad-Name",
            "postgres://u:hunter2@h/db?sslmode=sometimes",
            "postgres://u:hunter2@h:notaport/db",
        ] {
            let e = DatabaseUrl::parse(raw).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{e}");
            assert!(e.contains("u:***@h"), "{e}");
        }
    }

    #[test]
    fn the_schema_defaults_and_is_taken_out_of_the_driver_url() {
        let url = DatabaseUrl::parse("postgresql://u@localhost/db").unwrap();
        assert_eq!(url.schema(), DEFAULT_SCHEMA);
        let url =
            DatabaseUrl::parse("postgres://u@localhost/db?schema=a_1&application_name=x").unwrap();
        assert_eq!(url.connect, "postgres://u@localhost/db?application_name=x");
        assert!(DatabaseUrl::parse("postgres://u@localhost/db?schema=1a").is_err());
        assert!(
            DatabaseUrl::parse(&format!("postgres://u@h/d?schema={}", "a".repeat(64))).is_err()
        );
    }
}
