//! The cycle's report folder is the same, CSV for CSV, whichever store the cycle ran on.

use std::collections::BTreeMap;
use std::path::Path;

use cultivation::{CycleConfig, DataDir, Quiet, Stores, run_cycle};
use registry_model::MemoryStore;
use report::cycle::{REPORT_FILES, write_folder};
use voucher_ledger::{MemoryJournal, SystemClock, VoucherBook};

fn csvs(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn memory_and_sqlite_cycles_write_the_same_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = CycleConfig::new().unwrap();
    config.firms = 100;
    config.seed = 3;
    config.jobs_per_holder = 2;

    let mut registry = MemoryStore::new();
    let mut ledger =
        VoucherBook::with_journal(MemoryJournal::new(), Box::new(SystemClock)).unwrap();
    let mut cohort = None;
    let memory = run_cycle(
        Stores {
            registry: &mut registry,
            ledger: &mut ledger,
            cohort: &mut cohort,
        },
        &config,
        &mut Quiet,
    )
    .unwrap();

    let dir = DataDir::new(tmp.path().join("data"));
    let lock = dir.lock().unwrap();
    let mut store = dir.open_registry(&lock).unwrap();
    let mut book = dir.open_ledger(&lock, true, None).unwrap();
    let mut file = dir.cohort_file(&lock);
    let sqlite = run_cycle(
        Stores {
            registry: store.as_mut(),
            ledger: &mut book,
            cohort: &mut file,
        },
        &config,
        &mut Quiet,
    )
    .unwrap();

    let (a, b) = (tmp.path().join("memory"), tmp.path().join("sqlite"));
    let written = write_folder(&a, &memory).unwrap();
    write_folder(&b, &sqlite).unwrap();
    assert_eq!(written.len(), REPORT_FILES.len());
    for f in &written {
        assert!(f.is_file(), "{} is written", f.display());
    }
    let (ca, cb) = (csvs(&a), csvs(&b));
    assert_eq!(ca.len(), 13, "every CSV table of the folder");
    assert_eq!(ca.keys().collect::<Vec<_>>(), cb.keys().collect::<Vec<_>>());
    for (name, bytes) in &ca {
        assert!(bytes.len() > 20, "{name} has rows");
        assert!(bytes == &cb[name], "{name} differs between the stores");
    }
    let md = std::fs::read_to_string(a.join("summary.md")).unwrap();
    assert!(md.contains("## 3. Compute") && md.contains("100 firms in the registry"));
}
