//! The data directory: its layout, its lock and the stores it hands out behind their traits.
//!
//! ```text
//! DIR/registry.sqlite        the registry (registry_model::SqliteStore)
//! DIR/ledger.sqlite          the voucher ledger's journal (voucher_ledger::SqliteJournal)
//! DIR/cycle-cohort.toml      how the cycle's synthetic cohort was made
//! DIR/lock                   the writers' lock: an advisory file lock, and the holder's pid
//! ```
//!
//! A command that writes first takes the lock ([`DataDir::lock`]): a second writing process
//! is refused at once with `data directory DIR in use by pid N`, before it has done or said
//! anything. Readers never take it: they open the stores read-only (a snapshot for the
//! ledger), so they neither wait nor write. A read-only directory (no write permission, or a
//! read-only mount) can still be read; a write there says `data directory DIR is read-only`.
//!
//! Every store is handed out behind its trait (`Box<dyn RegistryStore>`,
//! `VoucherBook<Box<dyn Journal>>`), so a server-backed store plugs in here and nowhere else.
//!
//! With a database URL ([`DataDir::with_database`]) the stores are on a PostgreSQL server
//! instead (`store_postgres`): the registry, the ledger's journal and the cohort recipe live
//! in the URL's schema, nothing is read or written in the directory, and no directory lock
//! is taken, because the server serialises writers itself (several officers write at once).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use registry_model::{RegistryStore, SqliteStore};
use store_postgres::{DatabaseUrl, PgJournal, PgRegistry};
use voucher_ledger::{Journal, ManualClock, ReadMode, SqliteJournal, VoucherBook};

use crate::cohort::{CohortMemory, CohortMeta};
use crate::error::{CultivationError, Result};

/// The registry's file name.
pub const REGISTRY_FILE: &str = "registry.sqlite";
/// The ledger's file name.
pub const LEDGER_FILE: &str = "ledger.sqlite";
/// The cohort recipe's file name.
pub const COHORT_FILE: &str = "cycle-cohort.toml";
/// The lock file's name.
pub const LOCK_FILE: &str = "lock";
/// How long a refused writer waits for the holder's pid to appear in the lock file (the
/// holder writes it right after taking the lock).
const PID_WAIT_MS: u64 = 200;

/// What [`DataDir::init_registry`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryInit {
    /// The file was created now.
    pub created: bool,
    /// The schema version of the file.
    pub schema_version: i64,
}

/// A registry store behind its trait.
pub type RegistryHandle = Box<dyn RegistryStore>;
/// A voucher book over a journal behind its trait.
pub type LedgerHandle = VoucherBook<Box<dyn Journal>>;

/// A data directory of embedded stores, or a PostgreSQL database in its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    path: PathBuf,
    database: Option<DatabaseUrl>,
}

/// The data directory's writer lock, held until dropped (or the process ends). On a database
/// it holds no file: the server serialises writers.
#[derive(Debug)]
pub struct DirLock {
    dir: PathBuf,
    file: Option<File>,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            // The pid is cleared so that nobody is named as holder once the lock is free.
            let _ = file.set_len(0);
            let _ = fs4::FileExt::unlock(file);
        }
    }
}

impl DirLock {
    /// The directory locked.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> CultivationError {
    CultivationError::File {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl DataDir {
    /// The data directory at `path` (nothing is opened or created yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            database: None,
        }
    }

    /// The stores on the PostgreSQL database at `url` instead of the directory's files
    /// (`None`: the files, as [`DataDir::new`]).
    pub fn with_database(mut self, url: Option<DatabaseUrl>) -> Self {
        self.database = url;
        self
    }

    /// The database in use, if any.
    pub fn database(&self) -> Option<&DatabaseUrl> {
        self.database.as_ref()
    }

    /// Where the stores are, as said in messages: the directory, or the database URL
    /// (password hidden).
    pub fn location(&self) -> PathBuf {
        match &self.database {
            Some(url) => url.to_string().into(),
            None => self.path.clone(),
        }
    }

    /// The registry's durability settings, as said after its location (none to say for a
    /// server, whose settings are its administrator's).
    pub fn registry_settings(&self) -> &'static str {
        match &self.database {
            Some(_) => "",
            None => ", WAL, synchronous=FULL",
        }
    }

    /// Where the registry is, as said in messages: its file, or the database URL (password
    /// hidden) with its schema.
    pub fn registry_location(&self) -> String {
        match &self.database {
            Some(url) => url.to_string(),
            None => self.registry_path().display().to_string(),
        }
    }

    /// Where the ledger is, as said in messages (see [`DataDir::registry_location`]).
    pub fn ledger_location(&self) -> String {
        match &self.database {
            Some(url) => url.to_string(),
            None => self.ledger_path().display().to_string(),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The registry's file.
    pub fn registry_path(&self) -> PathBuf {
        self.path.join(REGISTRY_FILE)
    }

    /// The ledger's file.
    pub fn ledger_path(&self) -> PathBuf {
        self.path.join(LEDGER_FILE)
    }

    /// The cohort recipe's file.
    pub fn cohort_path(&self) -> PathBuf {
        self.path.join(COHORT_FILE)
    }

    /// The lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.path.join(LOCK_FILE)
    }

    /// Whether the directory exists and its permissions allow no write (the owner, group and
    /// others all lack the write bit). Such a directory is treated as read-only even by a
    /// user whom the system would let write (root).
    pub fn is_read_only(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|m| m.permissions().readonly())
    }

    fn read_only(&self) -> CultivationError {
        CultivationError::ReadOnly {
            dir: self.path.clone(),
        }
    }

    /// Takes the writers' lock, creating the directory when needed. Refused at once when
    /// another process holds it (naming its pid) or when the directory is read-only.
    pub fn lock(&self) -> Result<DirLock> {
        if self.database.is_some() {
            return Ok(DirLock {
                dir: self.path.clone(),
                file: None,
            });
        }
        if self.is_read_only() {
            return Err(self.read_only());
        }
        if let Err(e) = std::fs::create_dir_all(&self.path) {
            return Err(match e.kind() {
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => self.read_only(),
                _ => file_error(&self.path, format!("creating the data directory: {e}")),
            });
        }
        let lock_path = self.lock_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| match e.kind() {
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => self.read_only(),
                _ => file_error(&lock_path, e),
            })?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(CultivationError::InUse {
                    dir: self.path.clone(),
                    holder: holder(&lock_path),
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(file_error(&lock_path, e)),
        }
        let mut file = file;
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(|e| file_error(&lock_path, e))?;
        Ok(DirLock {
            dir: self.path.clone(),
            file: Some(file),
        })
    }

    fn check_lock(&self, lock: &DirLock) -> Result<()> {
        if lock.dir != self.path {
            return Err(file_error(
                &self.path,
                format!("the lock held is that of {}", lock.dir.display()),
            ));
        }
        Ok(())
    }

    /// Opens the registry for writing (creating it when absent), under the lock.
    pub fn open_registry(&self, lock: &DirLock) -> Result<RegistryHandle> {
        self.check_lock(lock)?;
        if let Some(url) = &self.database {
            return Ok(Box::new(PgRegistry::open(url)?));
        }
        Ok(Box::new(SqliteStore::open(self.registry_path())?))
    }

    /// Creates the registry when absent, under the lock; says whether it was created and
    /// which schema version the file has.
    pub fn init_registry(&self, lock: &DirLock) -> Result<RegistryInit> {
        self.check_lock(lock)?;
        if let Some(url) = &self.database {
            // A reader is refused where there is no registry yet: then the writer creates it.
            let created = PgRegistry::open_read_only(url).is_err();
            return Ok(RegistryInit {
                created,
                schema_version: PgRegistry::open(url)?.schema_version()?,
            });
        }
        let created = !self.registry_path().exists();
        let store = SqliteStore::open(self.registry_path())?;
        Ok(RegistryInit {
            created,
            schema_version: store.schema_version()?,
        })
    }

    /// Opens the registry for reading: nothing is created or written, and in a read-only
    /// directory no file is made beside it.
    pub fn read_registry(&self) -> Result<RegistryHandle> {
        if let Some(url) = &self.database {
            return Ok(Box::new(PgRegistry::open_read_only(url)?));
        }
        let path = self.registry_path();
        if !path.is_file() {
            return Err(CultivationError::Missing {
                what: "registry",
                path,
                hint: format!(
                    "run `shuchuang registry init --data-dir {}` or a cycle first",
                    self.path.display()
                ),
            });
        }
        Ok(Box::new(if self.is_read_only() {
            SqliteStore::open_immutable(&path)?
        } else {
            SqliteStore::open_read_only(&path)?
        }))
    }

    /// Opens the voucher book for writing, under the lock; `create` makes the ledger when it
    /// is absent (otherwise its absence is an error). With `date`, the ledger's clock reads
    /// midnight (UTC) of that day, which may not be before the ledger's last date.
    pub fn open_ledger(
        &self,
        lock: &DirLock,
        create: bool,
        date: Option<NaiveDate>,
    ) -> Result<LedgerHandle> {
        self.check_lock(lock)?;
        let journal: Box<dyn Journal> = match &self.database {
            Some(url) => {
                let journal = PgJournal::open(url)?;
                if !create && journal.head()?.seq == 0 {
                    return Err(self.no_ledger(PathBuf::from(url.to_string())));
                }
                Box::new(journal)
            }
            None => {
                let path = self.ledger_path();
                if !create && !path.is_file() {
                    return Err(self.no_ledger(path));
                }
                Box::new(SqliteJournal::open(&path)?)
            }
        };
        let mut book = VoucherBook::with_journal(journal, Box::new(voucher_ledger::SystemClock))?;
        if let Some(d) = date {
            set_ledger_date(&mut book, d)?;
        }
        Ok(book)
    }

    /// Opens the voucher book for reading: the journal read-only (its entries and head read in
    /// one transaction, checked against the anchor file), nothing written; in a read-only
    /// directory no file is made beside it.
    pub fn read_ledger(&self, date: Option<NaiveDate>) -> Result<LedgerHandle> {
        let journal: Box<dyn Journal> = match &self.database {
            Some(url) => Box::new(PgJournal::open_read_only(url)?),
            None => {
                let path = self.ledger_path();
                if !path.is_file() {
                    return Err(self.no_ledger(path));
                }
                let mode = if self.is_read_only() {
                    ReadMode::Immutable
                } else {
                    ReadMode::Shared
                };
                Box::new(SqliteJournal::open_read_only_with(&path, mode)?)
            }
        };
        let mut book = VoucherBook::with_journal(journal, Box::new(voucher_ledger::SystemClock))?;
        if let Some(d) = date {
            book.set_clock(Box::new(ManualClock::at_date(d)));
        }
        Ok(book)
    }

    fn no_ledger(&self, path: PathBuf) -> CultivationError {
        let place = match &self.database {
            Some(url) => format!("--database {url}"),
            None => format!("--data-dir {}", self.path.display()),
        };
        CultivationError::Missing {
            what: "ledger",
            path,
            hint: format!(
                "nothing has been written yet (start with `shuchuang voucher program add FILE --request-id ID {place}`)"
            ),
        }
    }

    /// Where the cycle keeps its cohort recipe, writable under `lock`: the directory's file
    /// ([`DataDir::cohort_file`]) or, on a database, its `cycle_memory` table.
    pub fn cohort_memory<'l>(&self, lock: &'l DirLock) -> Result<Box<dyn CohortMemory + 'l>> {
        self.check_lock(lock)?;
        Ok(match &self.database {
            Some(url) => Box::new(crate::server::ServerCohort::open(url)?),
            None => Box::new(self.cohort_file(lock)),
        })
    }

    /// The cohort recipe kept in this directory, writable under `lock`.
    pub fn cohort_file<'l>(&self, lock: &'l DirLock) -> CohortFile<'l> {
        CohortFile {
            path: self.cohort_path(),
            _lock: lock,
        }
    }
}

/// Sets the ledger's clock to midnight (UTC) of `date`, refusing a date before the ledger's
/// last one: the ledger never moves backwards.
pub fn set_ledger_date<J: Journal>(book: &mut VoucherBook<J>, date: NaiveDate) -> Result<()> {
    let ledger = voucher_ledger::clock::date_of(book.ledger().last_timestamp_s());
    if !book.ledger().transfers().is_empty() && date < ledger {
        return Err(CultivationError::LedgerAhead { date, ledger });
    }
    book.set_clock(Box::new(ManualClock::at_date(date)));
    Ok(())
}

/// Sets the ledger's clock to the cycle's `date`, allowing the ledger to be ahead within
/// the same calendar year: the compute step dates its contracts over the year and the finance
/// step decides on 31 December, so a rerun of the year (or a rerun completing a failed one)
/// finds the ledger later in the year. The ledger never stamps a request before its last one,
/// so the rerun's writes are dated where the ledger stands. A ledger in a later year is
/// refused ([`CultivationError::LedgerAhead`]).
pub fn set_cycle_ledger_date<J: Journal>(book: &mut VoucherBook<J>, date: NaiveDate) -> Result<()> {
    let ledger = voucher_ledger::clock::date_of(book.ledger().last_timestamp_s());
    if !book.ledger().transfers().is_empty() && ledger.year() > date.year() {
        return Err(CultivationError::LedgerAhead { date, ledger });
    }
    book.set_clock(Box::new(ManualClock::at_date(date)));
    Ok(())
}

/// Who holds a lock file: `pid N` once it has written its pid.
fn holder(path: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(PID_WAIT_MS);
    loop {
        let mut text = String::new();
        if let Ok(mut f) = File::open(path) {
            let _ = f.read_to_string(&mut text);
        }
        if let Ok(pid) = text.trim().parse::<u32>() {
            return format!("pid {pid}");
        }
        if std::time::Instant::now() >= deadline {
            return "another process".into();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The cohort recipe in the data directory, written under the lock (whole or not at all).
#[derive(Debug)]
pub struct CohortFile<'l> {
    path: PathBuf,
    _lock: &'l DirLock,
}

impl CohortMemory for CohortFile<'_> {
    fn recall(&self) -> Result<Option<CohortMeta>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => toml::from_str(&text)
                .map(Some)
                .map_err(|e| file_error(&self.path, e.message())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(file_error(&self.path, e)),
        }
    }

    fn remember(&mut self, meta: &CohortMeta) -> Result<()> {
        let text = toml::to_string(meta).map_err(|e| file_error(&self.path, e))?;
        let tmp = self.path.with_extension("toml.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            file_error(&self.path, e)
        })
    }
}
