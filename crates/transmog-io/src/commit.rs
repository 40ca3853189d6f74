//! Making a run's files appear together, and durably.
//!
//! A sink's tables are finished under temporary names in the output folder; then
//! one commit makes them the folder's content in one step:
//!
//! 1. every new file is flushed to disk (`fsync`);
//! 2. a staging folder is built next to the output folder (same file system): the new
//!    files, moved in under their final names, and every other entry of the output
//!    folder, hard-linked (folders copied as folders of hard links), except the files a
//!    previous run of the same entity listed in its manifest and this run does not write;
//!    plus this run's manifest ([`MANIFEST`]);
//! 3. the staging folder and the output folder are exchanged with one
//!    `renameat2(RENAME_EXCHANGE)`, and the parent folder is flushed;
//! 4. the old content (now under the staging name) is removed.
//!
//! A run killed before step 3 leaves the output folder as it was (a later run removes the
//! leftover staging folder); after it, the output folder holds the complete new set. A
//! reader listing the folder sees one or the other, never tables of both runs. Where the
//! exchange is not available (not Linux, or a file system without it, or the output
//! folder is a mount point), or the folder holds more than [`MAX_CARRIED`] entries besides
//! the run's own temporary files, the files are renamed one by one, each flushed first,
//! and the folder after.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The manifest a run leaves in its output folder: the entity and the files it wrote,
/// so that the next run of that entity there drops the tables it no longer makes.
pub const MANIFEST: &str = ".transmog-manifest.json";

/// An output folder with more entries than this is committed file by file (see
/// the module docs): carrying them all over at every run would cost too much.
pub const MAX_CARRIED: usize = 4096;

/// One file to commit: its temporary path (in the output folder) and final name, a file
/// name or `<table folder>/<file name>` for a table written as several files; `table`
/// is empty for a file that is not a table (not listed in the manifest).
pub(crate) struct NewFile<'a> {
    pub table: &'a str,
    pub tmp: &'a Path,
    pub name: &'a str,
}

/// How the files were committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// The output folder was exchanged with a complete staging folder in one step.
    Exchanged,
    /// The files were renamed one by one (exchange not available).
    Renamed,
}

/// Makes `files` the new content of `dir` (see the module docs); `entity` names the run
/// in the manifest.
pub(crate) fn commit(
    dir: &Path,
    entity: Option<&str>,
    files: &[NewFile<'_>],
    append: bool,
) -> Result<Commit> {
    // Every file's write-back under way before the first fsync waits: they overlap.
    for f in files {
        if let Ok(file) = fs::File::open(f.tmp) {
            start_writeback(&file);
        }
    }
    for f in files {
        let target = dir.join(f.name);
        let refuse = match f.name.split_once('/') {
            // A folder by a table's file name is not ours to replace.
            None => fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()),
            // Nor one by a table's folder name that holds anything but part files.
            Some((folder, _)) => !is_table_folder(&dir.join(folder)),
        };
        if refuse {
            let e = io::Error::new(
                io::ErrorKind::AlreadyExists,
                "a folder has this name and holds other files than a table's parts",
            );
            return Err(Error::io(f.table, &target, e));
        }
        sync_file(f.tmp).map_err(|e| Error::io(f.table, f.tmp, e))?;
    }
    // The output folder's entries this run writes: file names and table folders.
    let names: HashSet<&str> = files.iter().map(|f| top_entry(f.name)).collect();
    // Commits into one folder take turns, or one run's stage could miss the files
    // another run just committed.
    let _lock = ParentLock::take(dir);
    match exchange_in(dir, entity, files, &names, append) {
        Ok(true) => return Ok(Commit::Exchanged),
        Ok(false) => {}
        Err(e) => return Err(e),
    }
    for f in files {
        let target = dir.join(f.name);
        if let Some(folder) = target.parent() {
            fs::create_dir_all(folder).map_err(|e| Error::io(f.table, folder, e))?;
        }
        fs::rename(f.tmp, &target).map_err(|e| Error::io(f.table, &target, e))?;
    }
    // Part files of an earlier, longer run of a table written as several files, and a
    // table's earlier file or folder when it changed form (an append keeps them).
    if !append {
        for path in stale_parts(dir, files) {
            let _ = fs::remove_file(path);
        }
    }
    for other in other_forms(dir, files).into_iter().filter(|_| !append) {
        let path = dir.join(other);
        let _ = fs::remove_file(&path).or_else(|_| fs::remove_dir_all(&path));
    }
    if let Some(entity) = entity {
        let _ = write_manifest(dir, dir, entity, &table_entries(files));
    }
    sync_dir(dir).map_err(|e| Error::io("", dir, e))?;
    Ok(Commit::Renamed)
}

/// Writes the file `path` through `write` under a temporary name in its folder, flushed
/// to disk, then renamed: a reader never finds half a file, and a failed write leaves
/// none (a schema file, a report, `unflatten -o`).
pub fn write_atomically<E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| -> std::result::Result<(), E> {
        let file = fs::File::create(&tmp)?;
        let mut out = io::BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = sync_dir(parent);
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// [`write_atomically`] of `data`, failing with the sink's error for `path`.
pub fn write_file_atomically(path: &Path, data: &[u8]) -> Result<()> {
    write_atomically(path, |w: &mut dyn io::Write| w.write_all(data))
        .map_err(|e| Error::io("", path, e))
}

/// Makes the finished folder `stage` (a sibling of `dir` on the same file system) the
/// folder `dir`, in one step where the platform allows: every file and folder in `stage`
/// is flushed to disk, the two are exchanged, the parent is flushed and the old content
/// removed. Without the exchange, `dir` is renamed aside and `stage` into its place (a
/// reader in between finds no folder, never a partial one). A distributed job's driver
/// commits its dataset with this.
pub fn replace_dir(stage: &Path, dir: &Path) -> Result<Commit> {
    sync_tree(stage).map_err(|e| Error::io("", stage, e))?;
    let _lock = ParentLock::take(dir);
    let parent_of = |p: &Path| {
        p.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    if !dir.exists() {
        fs::rename(stage, dir).map_err(|e| Error::io("", dir, e))?;
        let _ = sync_dir(&parent_of(dir));
        return Ok(Commit::Renamed);
    }
    if exchange(stage, dir).map_err(|e| Error::io("", dir, e))? {
        let _ = sync_dir(&parent_of(dir));
        let _ = fs::remove_dir_all(stage);
        return Ok(Commit::Exchanged);
    }
    let mut aside = stage.as_os_str().to_owned();
    aside.push(".old");
    let aside = PathBuf::from(aside);
    fs::rename(dir, &aside).map_err(|e| Error::io("", dir, e))?;
    if let Err(e) = fs::rename(stage, dir) {
        let _ = fs::rename(&aside, dir);
        return Err(Error::io("", dir, e));
    }
    let _ = sync_dir(&parent_of(dir));
    let _ = fs::remove_dir_all(&aside);
    Ok(Commit::Renamed)
}

/// Flushes every file and folder below `path`, and `path`.
fn sync_tree(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.is_dir() {
        for entry in fs::read_dir(path)? {
            sync_tree(&entry?.path())?;
        }
        sync_dir(path)
    } else if meta.is_file() {
        sync_file(path)
    } else {
        Ok(())
    }
}

/// Steps 2-4; `Ok(false)` when the exchange is not available here (nothing changed).
fn exchange_in(
    dir: &Path,
    entity: Option<&str>,
    files: &[NewFile<'_>],
    names: &HashSet<&str>,
    append: bool,
) -> Result<bool> {
    // A symlinked output folder stays a symlink: its files are renamed in place.
    if fs::symlink_metadata(dir).map_or(true, |m| m.file_type().is_symlink()) {
        return Ok(false);
    }
    // Every entry is carried over as a hard link at every commit: a folder that holds
    // many files besides the run's (one folder for thousands of entities' tables) would
    // make each commit slow, so it is renamed into file by file instead. The run's own
    // temporary files are not carried: a run of thousands of tables is still exchanged.
    let ours: HashSet<&Path> = files.iter().map(|f| f.tmp).collect();
    let carried = fs::read_dir(dir)
        .map_err(|e| Error::io("", dir, e))?
        .flatten()
        .filter(|e| !ours.contains(e.path().as_path()))
        .take(MAX_CARRIED + 1)
        .count();
    if carried > MAX_CARRIED {
        return Ok(false);
    }
    let Some(stage) = staging_path(dir) else {
        return Ok(false);
    };
    let io_err = |e: io::Error| Error::io("", &stage, e);
    fs::create_dir(&stage).map_err(io_err)?;
    let outcome = (|| -> Result<bool> {
        if let Ok(meta) = fs::metadata(dir) {
            let _ = fs::set_permissions(&stage, meta.permissions());
        }
        let mut dropped = HashSet::new();
        if !append {
            dropped.extend(entity.map(|e| previous_files(dir, e)).unwrap_or_default());
            dropped.extend(other_forms(dir, files));
        }
        let mut seen = HashSet::new();
        for entry in fs::read_dir(dir)
            .map_err(|e| Error::io("", dir, e))?
            .flatten()
        {
            let name = entry.file_name();
            seen.insert(name.clone());
            let path = entry.path();
            let text = name.to_string_lossy();
            // An append keeps the table folders' earlier parts: they are carried over.
            let replaced = names.contains(&*text) && !(append && path.is_dir());
            if ours.contains(path.as_path())
                || replaced
                || dropped.contains(&*text)
                // This run writes the manifest anew; a run without an entity keeps it.
                || (entity.is_some() && text == MANIFEST)
            {
                continue;
            }
            if link_tree(&path, &stage.join(&name)).is_err() {
                // Not linkable here (another file system below, protected links):
                // carrying it over is not possible, so rename in place instead.
                return Ok(false);
            }
        }
        for f in files {
            let target = stage.join(f.name);
            if let Some(folder) = target.parent() {
                fs::create_dir_all(folder).map_err(|e| Error::io(f.table, folder, e))?;
            }
            fs::rename(f.tmp, &target).map_err(|e| Error::io(f.table, &target, e))?;
        }
        if let Some(entity) = entity {
            write_manifest(dir, &stage, entity, &table_entries(files)).map_err(io_err)?;
        }
        sync_dir(&stage).map_err(io_err)?;
        if !exchange(&stage, dir).map_err(io_err)? {
            // Put the new files back where the fallback expects them.
            for f in files {
                let _ = fs::rename(stage.join(f.name), f.tmp);
            }
            return Ok(false);
        }
        // Entries created in the old folder while the stage was built (another run's
        // temporary files) follow it, under the same names.
        if let Ok(entries) = fs::read_dir(&stage) {
            for entry in entries.flatten() {
                let target = dir.join(entry.file_name());
                if !seen.contains(&entry.file_name()) && fs::symlink_metadata(&target).is_err() {
                    let _ = fs::rename(entry.path(), target);
                }
            }
        }
        if let Some(parent) = dir.parent() {
            let _ = sync_dir(parent);
        }
        Ok(true)
    })();
    // Whatever happened, the staging path now holds what is not wanted: the old content
    // after an exchange, or a partial stage.
    let _ = fs::remove_dir_all(&stage);
    outcome
}

/// The entries of the tables among `files` (not the other files committed with them,
/// such as a schema file): what the manifest lists, and a later run may drop.
fn table_entries<'a>(files: &[NewFile<'a>]) -> Vec<&'a str> {
    let mut names: Vec<&str> = files
        .iter()
        .filter(|f| !f.table.is_empty())
        .map(|f| top_entry(f.name))
        .collect();
    names.dedup();
    names
}

/// The output folder's entry a committed name lives in: the file, or the table folder.
fn top_entry(name: &str) -> &str {
    name.split_once('/').map_or(name, |(folder, _)| folder)
}

/// Whether `path` is absent, or a folder that holds only part files
/// (`part-<n>.<ext>`): a table written as several files, which a run may replace.
fn is_table_folder(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return true;
    };
    if !meta.is_dir() {
        return false;
    }
    let Ok(entries) = fs::read_dir(path) else {
        return false;
    };
    entries.flatten().all(|e| {
        part_order(&e.file_name().to_string_lossy()).is_some()
            && e.file_type().is_ok_and(|t| t.is_file())
    })
}

/// The place of a part file in its table's row order, from its name: `part-00000.<ext>`,
/// or `part-<run>-00000.<ext>` of the dataset layout (runs in time order); `None` for
/// any other name.
pub(crate) fn part_order(name: &str) -> Option<Vec<u128>> {
    let rest = name.strip_prefix("part-")?;
    let id = rest.split('.').next().unwrap_or("");
    // Numbers, not text: part-100000 comes after part-99999.
    id.split('-')
        .map(|n| match n.bytes().all(|b| b.is_ascii_digit()) {
            true => n.parse::<u128>().ok(),
            false => None,
        })
        .collect()
}

/// The files in the table folders of `dir` that this run writes (as `<folder>/<part>`)
/// that it does not write.
fn stale_parts(dir: &Path, files: &[NewFile<'_>]) -> Vec<PathBuf> {
    let written: HashSet<PathBuf> = files.iter().map(|f| dir.join(f.name)).collect();
    let folders: HashSet<&str> = files
        .iter()
        .filter_map(|f| f.name.split_once('/').map(|(folder, _)| folder))
        .collect();
    folders
        .into_iter()
        .filter_map(|folder| fs::read_dir(dir.join(folder)).ok())
        .flat_map(|entries| entries.flatten().map(|e| e.path()))
        .filter(|p| !written.contains(p))
        .collect()
}

/// Entries of `dir` that held a table this run writes in the other form: `t/` (a table
/// folder of part files) when the run writes `t.<ext>`, and `t.<ext>` when it writes `t/`.
fn other_forms(dir: &Path, files: &[NewFile<'_>]) -> HashSet<String> {
    let mut found = HashSet::new();
    for f in files {
        let other = match f.name.split_once('/') {
            Some((folder, part)) => match part.rsplit_once('.') {
                Some((_, ext)) => format!("{folder}.{ext}"),
                None => continue,
            },
            None => match f.name.rsplit_once('.') {
                Some((stem, _)) => stem.to_string(),
                None => continue,
            },
        };
        let path = dir.join(&other);
        let is_other = match f.name.contains('/') {
            true => fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()),
            false => path.exists() && is_table_folder(&path),
        };
        if is_other {
            found.insert(other);
        }
    }
    found
}

/// An exclusive lock on the folder that holds the output folder, held while a commit
/// builds and exchanges its stage; none where it cannot be taken.
struct ParentLock(#[allow(dead_code)] Option<fs::File>);

impl ParentLock {
    fn take(dir: &Path) -> Self {
        Self::with(dir, true)
    }

    fn with(dir: &Path, exclusive: bool) -> Self {
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
        let file = fs::File::open(parent.unwrap_or(Path::new(".")));
        ParentLock(file.ok().filter(|f| lock(f, exclusive)))
    }
}

/// Creates a file in an output folder. A commit replaces the folder and removes the old
/// one; creating under a shared lock makes the file land in the folder either before the
/// commit looks (carried over) or after it is done, never in a folder being removed.
pub(crate) fn create_file(path: &Path) -> io::Result<fs::File> {
    let _lock = path.parent().map(|dir| ParentLock::with(dir, false));
    fs::File::create(path)
}

/// Output written between two [`start_writeback`] calls of one file.
pub(crate) const WRITEBACK_STEP: u64 = 8 << 20;

/// Asks the kernel to start writing a file's dirty pages to disk now, without waiting:
/// the `fsync` at commit then finds little left to write instead of the whole file
/// (Linux; elsewhere the commit's `fsync` does it all).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub(crate) fn start_writeback(file: &fs::File) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: the descriptor is open for the duration of the call. A failure only
    // means the commit's fsync does the writing.
    let _ = unsafe { libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE) };
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn start_writeback(_file: &fs::File) {}

#[cfg(unix)]
#[allow(unsafe_code)]
fn lock(file: &fs::File, exclusive: bool) -> bool {
    use std::os::unix::io::AsRawFd;
    let how = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    };
    // SAFETY: the descriptor is open for the duration of the call; the lock is released
    // when the file is closed.
    unsafe { libc::flock(file.as_raw_fd(), how) == 0 }
}

#[cfg(not(unix))]
fn lock(_file: &fs::File, _exclusive: bool) -> bool {
    false
}

/// A fresh staging path next to `dir`: `.<name>.transmog-<pid>-<n>`.
fn staging_path(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_string_lossy().into_owned();
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Some(parent.join(format!(".{name}.transmog-{}-{n}", std::process::id())))
}

/// Removes staging folders next to `dir` that a killed run left (their process is gone).
pub(crate) fn remove_stale_stages(dir: &Path) {
    let (Some(name), Some(parent)) = (dir.file_name(), dir.parent()) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}.transmog-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let entry_name = entry.file_name();
        let Some(rest) = entry_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// The files the manifest in `dir` lists for `entity` (a previous run's tables).
fn previous_files(dir: &Path, entity: &str) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let runs = json.get("entities").and_then(|e| e.get(entity));
    runs.and_then(|r| r.as_array())
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                // Only plain file names: a manifest never reaches outside the folder.
                .filter(|f| !f.contains('/') && !f.contains('\\') && !f.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `to`'s manifest: `from`'s, with `entity`'s files now `names`.
fn write_manifest(from: &Path, to: &Path, entity: &str, names: &[&str]) -> io::Result<()> {
    let mut json = fs::read_to_string(from.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    if !json
        .get("entities")
        .is_some_and(serde_json::Value::is_object)
    {
        json["entities"] = serde_json::json!({});
    }
    json["entities"][entity] = serde_json::json!(names);
    // Written aside and renamed, so a reader never meets half a manifest.
    let tmp = to.join(format!("{MANIFEST}.tmp-{}", std::process::id()));
    fs::write(&tmp, format!("{json}\n"))?;
    sync_file(&tmp)?;
    fs::rename(&tmp, to.join(MANIFEST))
}

/// `from` re-created at `to`: files hard-linked, folders re-made, symlinks copied.
fn link_tree(from: &Path, to: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        #[cfg(unix)]
        {
            return std::os::unix::fs::symlink(fs::read_link(from)?, to);
        }
        #[cfg(not(unix))]
        {
            return fs::copy(from, to).map(|_| ());
        }
    }
    if meta.is_dir() {
        fs::create_dir(to)?;
        let _ = fs::set_permissions(to, meta.permissions());
        for entry in fs::read_dir(from)?.flatten() {
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    fs::hard_link(from, to)
}

fn sync_file(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()
}

/// Flushes a folder's entries (renames) to disk; not available on every platform.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Exchanges two paths in one step; `Ok(false)` where that is not available.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        // Not supported by this kernel or file system, or `b` is a mount point.
        Some(libc::EINVAL | libc::ENOSYS | libc::EXDEV | libc::EBUSY | libc::ENOTSUP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<bool> {
    Ok(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
    }

    /// Commits one file `name` holding `text` into `out`, as a run of `entity` would.
    fn commit_one(out: &Path, entity: Option<&str>, name: &str, text: &str) -> Commit {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = out.join(format!(".{name}.tmp-1-{n}"));
        write(&tmp, text);
        let file = NewFile {
            table: name,
            tmp: &tmp,
            name,
        };
        commit(out, entity, &[file], false).unwrap()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_commit_replaces_the_runs_files_and_keeps_the_rest() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        fs::create_dir(&out).unwrap();
        write(&out.join("notes.txt"), "mine");
        fs::create_dir(out.join("sub")).unwrap();
        write(&out.join("sub/x"), "x");
        // A first run of entity t: t.csv and t_items.csv.
        for name in ["t.csv", "t_items.csv"] {
            commit_one(&out, Some("t"), name, "old");
        }
        // The manifest lists only what the last commit of `t` wrote.
        let tmp_a = out.join(".t.csv.tmp-1-2");
        let tmp_b = out.join(".t_items.csv.tmp-1-2");
        write(&tmp_a, "new");
        write(&tmp_b, "new");
        let files = [
            NewFile {
                table: "t",
                tmp: &tmp_a,
                name: "t.csv",
            },
            NewFile {
                table: "t_items",
                tmp: &tmp_b,
                name: "t_items.csv",
            },
        ];
        let how = commit(&out, Some("t"), &files, false).unwrap();
        assert_eq!(
            listing(&out),
            [MANIFEST, "notes.txt", "sub", "t.csv", "t_items.csv"]
        );
        assert_eq!(fs::read_to_string(out.join("t.csv")).unwrap(), "new");
        assert_eq!(fs::read_to_string(out.join("sub/x")).unwrap(), "x");
        // A third run that no longer makes t_items: its old file goes.
        commit_one(&out, Some("t"), "t.csv", "newer");
        let expected: &[&str] = if how == Commit::Exchanged {
            &[MANIFEST, "notes.txt", "sub", "t.csv"]
        } else {
            // Renamed one by one, nothing is dropped.
            &[MANIFEST, "notes.txt", "sub", "t.csv", "t_items.csv"]
        };
        assert_eq!(listing(&out), expected);
        // A run without an entity (the Python API) leaves the manifest as it was.
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        commit_one(&out, None, "u.csv", "u");
        assert_eq!(fs::read_to_string(out.join(MANIFEST)).unwrap(), manifest);
        assert!(out.join("u.csv").exists() && out.join("t.csv").exists());
        // No staging folder is left next to the output.
        assert_eq!(listing(root.path()), ["out"]);
    }

    #[test]
    fn runs_committing_into_one_folder_at_once_keep_each_others_files() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        fs::create_dir(&out).unwrap();
        std::thread::scope(|scope| {
            for t in 0..6 {
                let out = &out;
                scope.spawn(move || {
                    for round in 0..15 {
                        let name = format!("e{t}.csv");
                        let tmp = out.join(format!(".{name}.tmp-{t}-{round}"));
                        let mut file = create_file(&tmp).unwrap();
                        std::io::Write::write_all(&mut file, format!("{t} {round}").as_bytes())
                            .unwrap();
                        drop(file);
                        let file = NewFile {
                            table: &name,
                            tmp: &tmp,
                            name: &name,
                        };
                        commit(out, Some(&format!("e{t}")), &[file], false).unwrap();
                    }
                });
            }
        });
        let mut expected: Vec<String> = (0..6).map(|t| format!("e{t}.csv")).collect();
        expected.insert(0, MANIFEST.to_string());
        assert_eq!(listing(&out), expected);
        for t in 0..6 {
            let text = fs::read_to_string(out.join(format!("e{t}.csv"))).unwrap();
            assert_eq!(text, format!("{t} 14"));
        }
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        let json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        assert_eq!(json["entities"].as_object().unwrap().len(), 6);
    }

    #[test]
    fn a_crowded_folder_is_committed_file_by_file() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        fs::create_dir(&out).unwrap();
        // More entries to carry over than MAX_CARRIED (the run's own file not counted).
        for i in 0..=MAX_CARRIED {
            write(&out.join(format!("other-{i}.csv")), "x");
        }
        assert_eq!(commit_one(&out, Some("t"), "t.csv", "t"), Commit::Renamed);
        assert_eq!(fs::read_to_string(out.join("t.csv")).unwrap(), "t");
        assert_eq!(fs::read_dir(&out).unwrap().count(), MAX_CARRIED + 3);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_run_of_more_tables_than_carried_entries_is_still_exchanged() {
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        let exchanges = exchange(&a, &b).unwrap();
        let out = root.path().join("out");
        fs::create_dir(&out).unwrap();
        write(&out.join("notes.txt"), "mine");
        let names: Vec<String> = (0..MAX_CARRIED + 10).map(|i| format!("t{i}.csv")).collect();
        let tmps: Vec<PathBuf> = names
            .iter()
            .map(|n| {
                let tmp = out.join(format!(".{n}.tmp-1-0"));
                write(&tmp, n);
                tmp
            })
            .collect();
        let files: Vec<NewFile<'_>> = names
            .iter()
            .zip(&tmps)
            .map(|(name, tmp)| NewFile {
                table: name,
                tmp,
                name,
            })
            .collect();
        let how = commit(&out, Some("t"), &files, false).unwrap();
        if exchanges {
            // Only notes.txt is carried over; the run's own files do not count.
            assert_eq!(how, Commit::Exchanged);
        }
        assert_eq!(
            listing(&out).len(),
            MAX_CARRIED + 12,
            "tables, notes, manifest"
        );
        assert_eq!(fs::read_to_string(out.join("t7.csv")).unwrap(), "t7.csv");
    }

    #[test]
    fn replace_dir_swaps_a_whole_folder_for_another() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let stage = root.path().join(".out.stage");
        // No folder yet: the stage becomes it.
        fs::create_dir_all(stage.join("t")).unwrap();
        write(&stage.join("t/part-0.csv"), "first");
        replace_dir(&stage, &out).unwrap();
        assert_eq!(listing(&out.join("t")), ["part-0.csv"]);
        // A folder there: replaced as a whole, nothing of the old one stays.
        fs::create_dir_all(stage.join("u")).unwrap();
        write(&stage.join("u/part-0.csv"), "second");
        write(&out.join("stray"), "old");
        replace_dir(&stage, &out).unwrap();
        assert_eq!(listing(&out), ["u"]);
        assert_eq!(
            fs::read_to_string(out.join("u/part-0.csv")).unwrap(),
            "second"
        );
        assert_eq!(listing(root.path()), ["out"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_exchange_is_used_on_linux_file_systems_that_have_it() {
        let root = tempfile::tempdir().unwrap();
        let a = root.path().join("a");
        let b = root.path().join("b");
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        write(&a.join("x"), "a");
        if exchange(&a, &b).unwrap() {
            assert!(b.join("x").exists() && !a.join("x").exists());
        }
    }
}
