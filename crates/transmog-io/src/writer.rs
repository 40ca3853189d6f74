//! What every format's table writer provides to [`crate::TableSink`]: batches in, one
//! finished file under a temporary name out ([`Staged`]), renamed at the sink's commit.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

use crate::error::Result;
use crate::files::TempFiles;
use crate::splice::SpliceStats;

/// What [`crate::TableSink::finish`] wrote for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOutput {
    /// Table name as passed to [`crate::TableSink::write`].
    pub name: String,
    /// Final path of the file.
    pub path: PathBuf,
    /// Number of rows written.
    pub rows: u64,
    /// Number of Parquet row groups (0 for CSV and JSON Lines).
    pub row_groups: usize,
    /// File size in bytes.
    pub bytes: u64,
    /// Parquet only: how the final file was assembled from part files, `None` when the
    /// single part file could simply be renamed.
    pub splice: Option<SpliceStats>,
}

/// A table's finished file under its temporary name, waiting for the commit rename.
pub(crate) struct Staged {
    pub tmp: PathBuf,
    pub output: TableOutput,
}

impl Staged {
    /// A finished temporary file `tmp` that becomes `final_path` at commit.
    pub(crate) fn finished(
        name: &str,
        tmp: PathBuf,
        final_path: &Path,
        rows: u64,
        row_groups: usize,
        splice: Option<SpliceStats>,
    ) -> Result<Staged> {
        let bytes = crate::files::file_size(name, &tmp)?;
        Ok(Staged {
            tmp,
            output: TableOutput {
                name: name.to_string(),
                path: final_path.to_path_buf(),
                rows,
                row_groups,
                bytes,
                splice,
            },
        })
    }
}

/// One table's streaming writer (Parquet, CSV, JSON Lines).
pub(crate) trait TableWriter: Send {
    /// Appends a batch (columns matched by name into the table's union schema).
    fn write(&mut self, batch: &RecordBatch) -> Result<()>;
    /// Finishes the file under its temporary name; `None` when the table has no rows.
    fn stage(&mut self) -> Result<Option<Staged>>;
    /// The temporary files the writer holds, for cleanup and commit.
    fn temps(&mut self) -> &mut TempFiles;
}
