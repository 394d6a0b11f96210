//! Connections: TLS when the URL asks for it, the search path set to the store's schema, and
//! the schema's versioned migrations applied on first use.

use postgres::Client;

use crate::error::{PgError, Result, server};
use crate::url::DatabaseUrl;

/// Whether a connection may create and migrate the schema (a writer) or only read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads and writes; creates the schema and applies migrations on first use.
    Write,
    /// Reads only: every transaction is read-only, nothing is created or migrated.
    Read,
}

/// An open connection and what it is for.
pub(crate) struct Conn {
    pub(crate) client: Client,
    /// The URL shown in messages (password hidden) and the schema.
    pub(crate) store: String,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("store", &self.store).finish()
    }
}

/// The name a store goes by in messages: the URL without password (it names the schema).
pub(crate) fn store_name(url: &DatabaseUrl) -> String {
    if url.redacted().contains("schema=") {
        url.redacted().to_string()
    } else {
        format!("{} (schema {})", url.redacted(), url.schema())
    }
}

/// Connects to the server: TLS as the URL's `sslmode` says (`prefer` by default: TLS when
/// the server offers it; `require`: TLS with the server's certificate checked against the
/// system's trusted roots), the session's search path set to the store's schema, and for a
/// reader every transaction read-only.
pub(crate) fn connect(url: &DatabaseUrl, access: Access) -> Result<Conn> {
    let store = store_name(url);
    let mut config = url.config()?;
    if config.get_application_name().is_none() {
        config.application_name("shuchuang");
    }
    let tls_error = |message: String| PgError::Server {
        store: store.clone(),
        context: "setting up TLS".into(),
        message,
    };
    let mut builder = native_tls::TlsConnector::builder();
    match url.root_cert() {
        Some(path) => {
            let pem =
                std::fs::read(path).map_err(|e| tls_error(format!("sslrootcert {path}: {e}")))?;
            let cert = native_tls::Certificate::from_pem(&pem)
                .map_err(|e| tls_error(format!("sslrootcert {path}: {e}")))?;
            builder.add_root_certificate(cert);
        }
        None => {
            // As libpq's `prefer` and `require` without a root certificate: the link is
            // encrypted, the server's identity is not checked (name `sslrootcert` for that).
            builder.danger_accept_invalid_certs(true);
            builder.danger_accept_invalid_hostnames(true);
        }
    }
    let tls = builder.build().map_err(|e| tls_error(e.to_string()))?;
    let tls = postgres_native_tls::MakeTlsConnector::new(tls);
    let mut client = config
        .connect(tls)
        .map_err(|e| server(&store, "connecting", &e))?;
    let mut setup = format!(
        "SET search_path TO \"{}\"; SET TIME ZONE 'UTC';",
        url.schema()
    );
    if access == Access::Read {
        setup.push_str(" SET default_transaction_read_only = on;");
    }
    client
        .batch_execute(&setup)
        .map_err(|e| server(&store, "setting up the session", &e))?;
    Ok(Conn { client, store })
}
