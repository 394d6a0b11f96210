//! The ledger's own clock, injectable so tests and simulations control time.
//!
//! Ledger time is whole seconds since 1970-01-01T00:00:00 UTC (`i64`). Each request is
//! stamped with the clock's reading when it is applied, and that stamp is written to the
//! journal, so a replay sees exactly the time the original run saw: pending timeouts,
//! validity windows and closed periods replay identically whatever the wall clock says.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDate, NaiveDateTime};

/// A source of ledger time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Current ledger time in seconds since the Unix epoch (UTC).
    fn now_s(&self) -> i64;
}

/// The wall clock (UTC).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_s(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use voucher_ledger::clock::{Clock, ManualClock, date_of};
/// let clock = ManualClock::at_date(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap());
/// let shared = clock.clone();
/// clock.advance_s(86_400);
/// assert_eq!(date_of(shared.now_s()).to_string(), "2025-03-02");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock at `now_s`.
    pub fn new(now_s: i64) -> Self {
        Self(Arc::new(AtomicI64::new(now_s)))
    }

    /// A clock at midnight (UTC) starting `date`.
    pub fn at_date(date: NaiveDate) -> Self {
        Self::new(start_of(date))
    }

    /// Sets the time.
    pub fn set_s(&self, now_s: i64) {
        self.0.store(now_s, Ordering::SeqCst);
    }

    /// Sets the time to midnight starting `date`.
    pub fn set_date(&self, date: NaiveDate) {
        self.set_s(start_of(date));
    }

    /// Moves the time forward (or back, with a negative step; the ledger never lets its own
    /// timestamps go backwards, see [`crate::Ledger`]).
    pub fn advance_s(&self, step_s: i64) {
        self.0.fetch_add(step_s, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_s(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Seconds at midnight (UTC) starting `date`.
pub fn start_of(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp())
        .unwrap_or(0)
}

/// Seconds at the last second of `date`.
pub fn end_of(date: NaiveDate) -> i64 {
    start_of(date).saturating_add(86_399)
}

/// The calendar date (UTC) of a ledger time.
pub fn date_of(ts_s: i64) -> NaiveDate {
    datetime_of(ts_s).date()
}

/// The date and time (UTC) of a ledger time.
pub fn datetime_of(ts_s: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp(ts_s, 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default()
}
