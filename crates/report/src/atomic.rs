//! Files written whole or not at all: the content goes to a temporary file beside the
//! target, is flushed to disk, and is renamed over the target. An interrupted command (an
//! error, Ctrl-C, a crash) leaves the old file or none, never a truncated one.
//!
//! Temporary files not yet renamed are listed in a process-wide register, so a Ctrl-C
//! handler can remove them ([`remove_pending`]) and say which files were not written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{ReportError, Result};

/// Temporary files being written now, with their targets.
static PENDING: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

fn register(tmp: &Path, target: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.push((tmp.to_path_buf(), target.to_path_buf()));
    }
}

fn unregister(tmp: &Path) {
    if let Ok(mut p) = PENDING.lock() {
        p.retain(|(t, _)| t != tmp);
    }
}

/// Removes every temporary file still being written and returns their targets: the files
/// that were not written (for a message on Ctrl-C).
pub fn remove_pending() -> Vec<PathBuf> {
    let pending = match PENDING.lock() {
        Ok(mut p) => std::mem::take(&mut *p),
        Err(_) => return Vec::new(),
    };
    pending
        .into_iter()
        .map(|(tmp, target)| {
            let _ = std::fs::remove_file(&tmp);
            target
        })
        .collect()
}

/// A file being written: write to it, then [`AtomicFile::commit`]. Dropped without a commit,
/// it removes its temporary file and leaves the target as it was.
pub struct AtomicFile {
    target: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist).
    pub fn create(target: impl AsRef<Path>) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                ReportError::Invalid(format!("{}: not a file name", target.display()))
            })?;
        let tmp = target.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp).map_err(|source| ReportError::File {
            path: target.clone(),
            source,
        })?;
        register(&tmp, &target);
        Ok(Self {
            target,
            tmp,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The file this writes.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes the content to disk and renames it over the target.
    pub fn commit(mut self) -> Result<()> {
        let fail = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReportError::File { path, source }
        };
        let out = self.out.take().ok_or_else(|| {
            ReportError::Invalid(format!("{}: committed twice", self.target.display()))
        })?;
        let file = out.into_inner().map_err(|e| ReportError::File {
            path: self.target.clone(),
            source: e.into_error(),
        })?;
        file.sync_all().map_err(fail(&self.target))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target).map_err(fail(&self.target))?;
        unregister(&self.tmp);
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.out {
            Some(o) => o.write(buf),
            None => Err(std::io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.out {
            Some(o) => o.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
            unregister(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` whole or not at all.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|source| ReportError::File {
        path: f.target().to_path_buf(),
        source,
    })?;
    f.commit()
}

/// Writes a file with `write` whole or not at all: an error from `write` leaves the target
/// as it was.
pub fn write_with<F>(path: impl AsRef<Path>, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let mut f = AtomicFile::create(path)?;
    write(&mut f)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_debris() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_atomic(&path, b"old\n").unwrap();
        let failed = write_with(&path, |w| {
            w.write_all(b"half a fi")?;
            Err(ReportError::Invalid("interrupted".into()))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        write_with(&path, |w| Ok(w.write_all(b"new\n")?)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new\n");

        // (One test: the register is process-wide.) A file still being written is listed
        // and removed on request.
        let path = dir.path().join("big.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"partial").unwrap();
        f.flush().unwrap();
        let not_written = remove_pending();
        assert!(not_written.contains(&path));
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "only out.csv"
        );
        drop(f);
    }
}
