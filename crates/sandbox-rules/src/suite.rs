//! Running the test cases of rule-set folders: a folder holds `rules.toml` and one or more
//! cases files (every other `.toml` beside it), or is a folder of such folders (data/rules).

use std::path::{Path, PathBuf};

use crate::cases::{CaseReport, run_cases};
use crate::error::Error;
use crate::model::RuleSet;

/// Most rule-set folders one run visits.
pub const SUITE_FOLDERS_MAX: usize = 10_000;

/// The rule-set folders of `dir`: `dir` itself when it holds `rules.toml`, else its
/// subfolders that do, sorted by name.
pub fn rule_folders(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |e: std::io::Error| Error::Input {
        origin: dir.display().to_string(),
        message: e.to_string(),
    };
    if !dir.is_dir() {
        return Err(Error::Input {
            origin: dir.display().to_string(),
            message: "not a directory".into(),
        });
    }
    if dir.join("rules.toml").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut folders = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.join("rules.toml").is_file() {
            if folders.len() >= SUITE_FOLDERS_MAX {
                return Err(Error::Limit {
                    what: format!("{}: rule-set folders", dir.display()),
                    limit: SUITE_FOLDERS_MAX,
                });
            }
            folders.push(path);
        }
    }
    folders.sort();
    if folders.is_empty() {
        return Err(Error::Input {
            origin: dir.display().to_string(),
            message: "no rules.toml here or in its subfolders".into(),
        });
    }
    Ok(folders)
}

/// Loads each rule set under `dir` (see [`rule_folders`]) and runs every cases file beside
/// it, in name order; one report per cases file. A folder without a cases file is an error.
pub fn run_suite(dir: &Path) -> Result<Vec<CaseReport>, Error> {
    let mut reports = Vec::new();
    for folder in rule_folders(dir)? {
        let io = |path: &Path, e: std::io::Error| Error::Input {
            origin: path.display().to_string(),
            message: e.to_string(),
        };
        let rules_path = folder.join("rules.toml");
        let text = std::fs::read_to_string(&rules_path).map_err(|e| io(&rules_path, e))?;
        let set = RuleSet::from_toml(&text, &rules_path.display().to_string())?;
        let mut case_files = Vec::new();
        for entry in std::fs::read_dir(&folder).map_err(|e| io(&folder, e))? {
            let path = entry.map_err(|e| io(&folder, e))?.path();
            if path.extension().is_some_and(|x| x == "toml")
                && path.file_name().is_some_and(|n| n != "rules.toml")
            {
                case_files.push(path);
            }
        }
        case_files.sort();
        if case_files.is_empty() {
            return Err(Error::Input {
                origin: folder.display().to_string(),
                message: "no cases file (cases.toml) beside rules.toml".into(),
            });
        }
        for file in case_files {
            let text = std::fs::read_to_string(&file).map_err(|e| io(&file, e))?;
            reports.push(run_cases(&set, &text, &file.display().to_string())?);
        }
    }
    Ok(reports)
}
