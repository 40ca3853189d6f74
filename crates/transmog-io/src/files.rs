//! File naming and temporary files.
//!
//! Every file a sink writes starts life under a hidden temporary name in the destination
//! directory (`.<file>.tmp-<pid>-<seq>`, `.<file>.part<k>-<pid>-<seq>`); only
//! [`crate::TableSink::finish`] renames the finished files to their final names. A
//! [`TempFiles`] list remembers every temporary name so that an error, `abort()` or a drop
//! without `finish()` can remove them all.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

static SEQ: AtomicU64 = AtomicU64::new(0);

/// The file name (without directory) of a table: `.` and `/` replaced by `_`, plus the
/// extension.
pub fn table_file_name(table: &str, ext: &str) -> Result<String> {
    if table.is_empty() {
        return Err(Error::InvalidTableName {
            table: table.to_owned(),
            reason: "the name is empty".into(),
        });
    }
    if table.contains('\0') || table.contains('\\') {
        return Err(Error::InvalidTableName {
            table: table.to_owned(),
            reason: "the name contains a NUL byte or a backslash".into(),
        });
    }
    let stem: String = table
        .chars()
        .map(|c| if c == '.' || c == '/' { '_' } else { c })
        .collect();
    Ok(format!("{stem}.{ext}"))
}

/// Temporary files of one table.
#[derive(Debug, Default)]
pub(crate) struct TempFiles {
    dir: PathBuf,
    file_name: String,
    tag: String,
    paths: Vec<PathBuf>,
}

impl TempFiles {
    pub(crate) fn new(dir: &Path, file_name: &str) -> Self {
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        TempFiles {
            dir: dir.to_owned(),
            file_name: file_name.to_owned(),
            tag: format!("{}-{seq}", std::process::id()),
            paths: Vec::new(),
        }
    }

    /// A new temporary path `.<file>.<kind>-<pid>-<seq>`, remembered for cleanup.
    pub(crate) fn create_path(&mut self, kind: &str) -> PathBuf {
        let p = self
            .dir
            .join(format!(".{}.{kind}-{}", self.file_name, self.tag));
        self.paths.push(p.clone());
        p
    }

    /// Removes `path` now and forgets it.
    pub(crate) fn remove(&mut self, path: &Path) {
        let _ = std::fs::remove_file(path);
        self.paths.retain(|p| p != path);
    }

    /// Forgets `path` without removing it (it was renamed to its final name).
    pub(crate) fn forget(&mut self, path: &Path) {
        self.paths.retain(|p| p != path);
    }

    /// Removes every remembered temporary file (best effort).
    pub(crate) fn remove_all(&mut self) {
        for p in self.paths.drain(..) {
            let _ = std::fs::remove_file(&p);
        }
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        self.remove_all();
    }
}

/// Size of a file in bytes.
/// Flushes and closes a text sink's open temporary file; `None` (and every temporary
/// file removed) when the table never received a row.
pub(crate) fn close_temp(
    table: &str,
    out: &mut Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    temps: &mut TempFiles,
) -> Result<Option<PathBuf>> {
    use std::io::Write as _;
    let Some((tmp, mut w)) = out.take() else {
        temps.remove_all();
        return Ok(None);
    };
    w.flush().map_err(|e| Error::io(table, &tmp, e))?;
    Ok(Some(tmp))
}

pub(crate) fn file_size(table: &str, path: &Path) -> Result<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| Error::io(table, path, e))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            table_file_name("a.b/c", "parquet").unwrap(),
            "a_b_c.parquet"
        );
        assert!(table_file_name("", "csv").is_err());
        assert!(table_file_name("a\\b", "csv").is_err());
    }

    #[test]
    fn temp_files_are_removed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let p;
        {
            let mut t = TempFiles::new(dir.path(), "x.csv");
            p = t.create_path("tmp");
            std::fs::write(&p, b"1").unwrap();
            assert!(p.exists());
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with(".x.csv.tmp-"), "{name}");
        }
        assert!(!p.exists());
    }
}
