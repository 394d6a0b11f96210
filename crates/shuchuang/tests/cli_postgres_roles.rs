//! The database roles a program office creates (docs/store-postgres.md, "Roles"), made with
//! the SQL printed in that document — read from it, so the two cannot drift — and used
//! through the binary: an officer writes but never changes the tables, an auditor reads
//! everything and writes nothing.
//!
//! Role names are global to the server, so each test substitutes names of its own for the
//! document's (`shuchuang_owner`, `officer`, `auditor`, schema `shuchuang`); everything else
//! of the SQL runs as printed.

mod pg_support;

use pg_support::{FIRM, PROGRAM, Schema, grant, on_pg, on_sqlite, server, stdout, write};

/// The one `sql` block of the "Roles" section of docs/store-postgres.md.
fn documented_sql() -> &'static str {
    const DOC: &str = include_str!("../../../docs/store-postgres.md");
    let roles = DOC
        .split_once("\n## Roles\n")
        .expect("docs/store-postgres.md has a Roles section")
        .1;
    let block = roles
        .split_once("```sql\n")
        .expect("the Roles section has an sql block")
        .1;
    block.split_once("\n```").expect("the sql block ends").0
}

/// `sql` with its comments removed and each identifier (outside quotes) in `names` replaced.
fn substituted(sql: &str, names: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut word = String::new();
    let mut quoted = false;
    let flush = |word: &mut String, out: &mut String| {
        let to = names
            .iter()
            .find(|(from, _)| *from == word.as_str())
            .map_or(word.as_str(), |(_, to)| to);
        out.push_str(to);
        word.clear();
    };
    while let Some(c) = chars.next() {
        if !quoted && (c.is_ascii_alphanumeric() || c == '_') {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        if !quoted && c == '-' && chars.peek() == Some(&'-') {
            for c in chars.by_ref() {
                if c == '\n' {
                    out.push('\n');
                    break;
                }
            }
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        }
        out.push(c);
    }
    flush(&mut word, &mut out);
    out
}

/// The document's roles, under names of one test, with the schema they are granted.
struct OfficeRoles {
    server: String,
    schema: Schema,
    owner: String,
    officer: String,
    auditor: String,
    /// The document's statements in order, names substituted.
    statements: Vec<String>,
    /// How many of `statements` have run.
    done: usize,
}

impl OfficeRoles {
    fn new(server: &str, tag: &str) -> Self {
        let schema = Schema::new(server, tag);
        let suffix = schema.name.trim_start_matches("cli_").to_string();
        let (owner, officer, auditor) = (
            format!("owner_{suffix}"),
            format!("officer_{suffix}"),
            format!("auditor_{suffix}"),
        );
        let sql = substituted(
            documented_sql(),
            &[
                ("shuchuang_owner", &owner),
                ("officer", &officer),
                ("auditor", &auditor),
                ("shuchuang", &schema.name),
            ],
        );
        let statements = sql
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>();
        assert!(
            statements.len() >= 10,
            "the documented SQL lost its statements: {statements:?}"
        );
        OfficeRoles {
            server: server.to_string(),
            schema,
            owner,
            officer,
            auditor,
            statements,
            done: 0,
        }
    }

    /// Runs the document's statements up to (not including) the first one that mentions
    /// `role`, or all of them (`None`), as the test server's administrator. That
    /// administrator has CREATEROLE, not superuser: as the document says, it makes itself a
    /// member of the owner's role once it has created it.
    fn run_until(&mut self, role: Option<&str>) {
        let mut admin = postgres::Client::connect(&self.server, postgres::NoTls).unwrap();
        while let Some(statement) = self.statements.get(self.done) {
            if role.is_some_and(|r| statement.split(|c: char| c.is_whitespace()).any(|w| w == r)) {
                return;
            }
            admin
                .batch_execute(statement)
                .unwrap_or_else(|e| panic!("the documented `{statement}`: {e}"));
            if statement.starts_with(&format!("CREATE ROLE {} ", self.owner)) {
                admin
                    .batch_execute(&format!("GRANT {} TO CURRENT_USER", self.owner))
                    .unwrap();
            }
            self.done += 1;
        }
    }

    /// The URL of the schema for `role`, with the password the document gives it.
    fn url(&self, role: &str) -> String {
        let create = format!("CREATE ROLE {role} LOGIN PASSWORD '");
        let password = self
            .statements
            .iter()
            .find_map(|s| s.strip_prefix(&create))
            .and_then(|rest| rest.split_once('\''))
            .unwrap_or_else(|| panic!("the document creates no login role {role}"))
            .0;
        let url = self.schema.url();
        let (scheme, rest) = url.split_once("://").unwrap();
        let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
        format!("{scheme}://{role}:{password}@{host}")
    }
}

impl Drop for OfficeRoles {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.server, postgres::NoTls) {
            // The schema first (its tables hold the grants and default privileges), then
            // the roles.
            let _ = c.batch_execute(&format!(
                "DROP SCHEMA IF EXISTS \"{}\" CASCADE",
                self.schema.name
            ));
            for role in [&self.officer, &self.auditor, &self.owner] {
                let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}"));
            }
        }
    }
}

/// The SQLSTATE of what `sql` does as the role at `url` (`None`: it succeeded).
fn as_role(url: &str, sql: &str) -> Option<String> {
    let (base, params) = url.split_once('?').unwrap();
    let schema = params
        .split('&')
        .find_map(|p| p.strip_prefix("schema="))
        .unwrap();
    let mut c = postgres::Client::connect(base, postgres::NoTls).unwrap();
    c.batch_execute(&format!("SET search_path TO \"{schema}\""))
        .unwrap();
    c.batch_execute(sql)
        .err()
        .map(|e| e.code().map_or("none".into(), |c| c.code().to_string()))
}

#[test]
fn an_officer_writes_but_never_changes_the_tables() {
    let Some(server) = server() else { return };
    let mut roles = OfficeRoles::new(&server, "officer");
    // The whole document's SQL before any table exists: the officer's grants on the tables
    // come from the default privileges.
    roles.run_until(None);
    let (owner, officer) = (roles.url(&roles.owner), roles.url(&roles.officer));
    let defaults = [
        "voucher",
        "program",
        "add-defaults",
        "--request-id",
        "defaults",
    ];
    // An officer cannot create the schema's tables: a first write is the owner's.
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("cohort.csv");
    let cohort = cohort.to_str().unwrap();
    stdout(
        on_sqlite(tmp.path()),
        &[
            "registry",
            "generate",
            "--count",
            "30",
            "--years",
            "2023..2024",
            "--out",
            cohort,
        ],
    );
    for args in [&defaults[..], &["registry", "import", cohort]] {
        let out = on_pg(&officer).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: an officer created tables");
        assert!(err.contains("permission denied"), "{args:?}: {err}");
        assert!(
            !err.contains("officer-secret"),
            "the password was shown: {err}"
        );
    }
    let mut admin = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let tables: i64 = admin
        .query_one(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = $1",
            &[&roles.schema.name],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "a refused officer left tables behind");
    // The owner's first writes create the tables (as the document says to do first).
    stdout(on_pg(&owner), &["registry", "init"]);
    stdout(on_pg(&owner), &defaults);
    // Now the officer writes: a registry import and two yearly adjustments, grants and a
    // redemption.
    stdout(on_pg(&officer), &["registry", "import", cohort]);
    stdout(on_pg(&officer), &["registry", "adjust", "--year", "2023"]);
    stdout(on_pg(&officer), &["registry", "adjust", "--year", "2024"]);
    assert!(grant(on_pg(&officer), "g1", "1000").status.success());
    let redeemed = write(on_pg(&officer), "r1", "400", Some("HZ-1"));
    assert!(
        redeemed.status.success(),
        "{}",
        String::from_utf8_lossy(&redeemed.stderr)
    );
    let listed = stdout(
        on_pg(&owner),
        &["registry", "list", "--year", "2024", "--format", "csv"],
    );
    assert_eq!(String::from_utf8_lossy(&listed).lines().count(), 31);
    let export = String::from_utf8(stdout(
        on_pg(&owner),
        &["voucher", "export", "--format", "csv"],
    ))
    .unwrap();
    assert!(
        export.contains(",grant,") && export.contains(",redeem,"),
        "{export}"
    );
    assert!(
        export.contains(FIRM) && export.contains(PROGRAM),
        "{export}"
    );
    let verify = String::from_utf8(stdout(on_pg(&officer), &["voucher", "verify"])).unwrap();
    assert!(verify.contains("verified"), "{verify}");
    // What the officer may not do: delete, truncate, or change or add tables.
    let before = export;
    for sql in [
        "DELETE FROM journal",
        "DELETE FROM firms",
        "TRUNCATE journal_requests",
        "DROP TABLE tiers",
        "ALTER TABLE firms ADD COLUMN note TEXT",
        "CREATE TABLE notes (note TEXT)",
    ] {
        let code = as_role(&officer, sql);
        assert_eq!(
            code.as_deref(),
            // 42501: insufficient privilege.
            Some("42501"),
            "the officer's `{sql}`"
        );
    }
    let after = String::from_utf8(stdout(
        on_pg(&owner),
        &["voucher", "export", "--format", "csv"],
    ))
    .unwrap();
    assert_eq!(before, after, "a refused statement changed the ledger");
}

#[test]
fn an_auditor_role_reads_everything_and_writes_nothing() {
    let Some(server) = server() else { return };
    let mut roles = OfficeRoles::new(&server, "auditor");
    // The owner's part of the document, then the owner's writes, then the officers' and
    // auditors' grants: `GRANT … ON ALL TABLES` covers the tables that exist.
    roles.run_until(Some(&roles.officer.clone()));
    let owner = roles.url(&roles.owner);
    stdout(
        on_pg(&owner),
        &[
            "voucher",
            "program",
            "add-defaults",
            "--request-id",
            "defaults",
        ],
    );
    assert!(grant(on_pg(&owner), "g1", "1000").status.success());
    stdout(
        on_pg(&owner),
        &[
            "registry",
            "generate",
            "--count",
            "20",
            "--years",
            "2023..2024",
        ],
    );
    stdout(on_pg(&owner), &["registry", "adjust", "--year", "2024"]);
    roles.run_until(None);
    let auditor = roles.url(&roles.auditor);
    let export = ["voucher", "export", "--format", "csv"];
    let before = stdout(on_pg(&owner), &export);
    let list = ["registry", "list", "--year", "2024", "--format", "csv"];
    let listed = stdout(on_pg(&owner), &list);
    for args in [
        &list[..],
        &export,
        &["voucher", "balance", "--format", "csv"],
        &["voucher", "verify"],
        &["voucher", "statement", FIRM],
        &["voucher", "report", PROGRAM],
        &["voucher", "program", "list"],
    ] {
        stdout(on_pg(&auditor), args);
    }
    let refused = [
        grant(on_pg(&auditor), "g2", "1000"),
        on_pg(&auditor)
            .args(["voucher", "program", "add-defaults", "--request-id", "d2"])
            .output()
            .unwrap(),
        on_pg(&auditor)
            .args(["registry", "adjust", "--year", "2025"])
            .output()
            .unwrap(),
        on_pg(&auditor)
            .args([
                "registry",
                "generate",
                "--count",
                "5",
                "--years",
                "2025..2025",
            ])
            .output()
            .unwrap(),
    ];
    for out in refused {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "a write with the auditor's role succeeded"
        );
        assert!(err.contains("permission denied"), "{err}");
        assert!(
            !err.contains("auditor-secret"),
            "the password was shown: {err}"
        );
    }
    assert!(
        before == stdout(on_pg(&owner), &export),
        "the auditor changed the ledger"
    );
    assert!(
        listed == stdout(on_pg(&owner), &list),
        "the auditor changed the registry"
    );
}
