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

/// Removes temporary files that a killed run (SIGKILL, power loss) left in `dir`:
/// names of the form `.<file>.<kind>-<pid>-<seq>` whose process no longer exists.
/// Files of live processes (another run writing here) are left alone. Linux only:
/// elsewhere there is no cheap way to ask whether a pid is alive.
pub(crate) fn remove_stale_temps(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(pid) = temp_owner(name) {
            if pid != me && !Path::new("/proc").join(pid.to_string()).exists() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The pid in one of our temporary file names, `.<stem>.<ext>.<kind>-<pid>-<seq>`.
fn temp_owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let mut fields = rest.rsplitn(3, '-');
    let seq = fields.next()?;
    let pid = fields.next()?;
    let head = fields.next()?;
    if seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (file, kind) = head.rsplit_once('.')?;
    let ours = [".parquet", ".csv", ".jsonl"]
        .iter()
        .any(|e| file.ends_with(e));
    let kind_ok = !kind.is_empty() && kind.bytes().all(|b| b.is_ascii_alphanumeric());
    if !ours || !kind_ok {
        return None;
    }
    pid.parse().ok()
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

    #[test]
    fn temp_owner_reads_only_our_names() {
        let mut t = TempFiles::new(Path::new("/d"), "orders_items.parquet");
        let ours = t.create_path("part3");
        let name = ours.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(temp_owner(&name), Some(std::process::id()));
        assert_eq!(temp_owner(".a-b.csv.tmp-41-7"), Some(41));
        assert_eq!(temp_owner(".notes.txt.tmp-41-7"), None);
        assert_eq!(temp_owner("a.parquet.part0-41-7"), None);
        assert_eq!(temp_owner(".a.parquet.part0-x-7"), None);
        assert_eq!(temp_owner(".a.parquet"), None);
        t.forget(&ours);
    }
}
