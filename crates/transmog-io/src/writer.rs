//! What every format's table writer provides to [`crate::TableSink`]: batches in, one
//! finished file under a temporary name out ([`Staged`]), renamed at the sink's commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::error::{Error, Result};
use crate::files::TempFiles;
use crate::splice::SpliceStats;
use transmog_core::CellExtras;

/// What [`crate::TableSink::finish`] wrote for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableOutput {
    /// Table name as passed to [`crate::TableSink::write`].
    pub name: String,
    /// Final path of the file, or of the folder of a table written as several files
    /// (see [`crate::ParquetOptions::max_file_size`]).
    pub path: PathBuf,
    /// The table's files: `[path]`, or the part files in the folder `path`, in row order.
    pub files: Vec<PathBuf>,
    /// Number of rows written.
    pub rows: u64,
    /// Number of Parquet row groups (0 for CSV and JSON Lines).
    pub row_groups: usize,
    /// File size in bytes.
    pub bytes: u64,
    /// Parquet only: how the final file was assembled from part files, `None` when the
    /// single part file could simply be renamed.
    pub splice: Option<SpliceStats>,
    /// The table's final (union) schema.
    pub schema: Option<arrow_schema::SchemaRef>,
}

/// A sink's stop flag, shared by its tables: the long steps of finishing a table
/// (encoding the last rows, assembling the parts) look at it between row groups, so a
/// Ctrl-C is heeded within a row group's time however big the table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stop(Arc<AtomicBool>);

impl Stop {
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    /// `Err(Interrupted)` once the flag is raised.
    pub(crate) fn check(&self, table: &str) -> Result<()> {
        if self.0.load(Ordering::Relaxed) {
            return Err(Error::Interrupted {
                table: table.to_owned(),
            });
        }
        Ok(())
    }
}

/// A table's finished files under temporary names, waiting for the commit.
pub(crate) struct Staged {
    /// Each file's temporary path and final path relative to the output folder
    /// (`orders.parquet`, or `orders/part-00000.parquet`, ...).
    pub files: Vec<(PathBuf, String)>,
    pub output: TableOutput,
}

/// The name of a table's `i`-th part file in its folder: `part-00000.<ext>`, or with the
/// dataset layout's run id, `part-<run>-00000.<ext>`.
pub(crate) fn part_name(run: Option<&str>, i: usize, ext: &str) -> String {
    match run {
        Some(run) => format!("part-{run}-{i:05}.{ext}"),
        None => format!("part-{i:05}.{ext}"),
    }
}

/// A finished file of a table that rolled over, under its temporary name.
pub(crate) struct Rolled {
    pub tmp: PathBuf,
    pub rows: u64,
    pub row_groups: usize,
    pub splice: Option<SpliceStats>,
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
        let file_name = final_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Staged {
            files: vec![(tmp, file_name)],
            output: TableOutput {
                name: name.to_string(),
                path: final_path.to_path_buf(),
                files: vec![final_path.to_path_buf()],
                rows,
                row_groups,
                bytes,
                splice,
                schema: None,
            },
        })
    }

    /// A table written as the files `parts` (in row order): they become
    /// `<folder>/part-00000.<ext>`, ... with `folder` the table's file name without its
    /// extension, next to where its single file would have been.
    pub(crate) fn dataset(name: &str, final_path: &Path, parts: Vec<Rolled>) -> Result<Staged> {
        let folder = final_path.with_extension("");
        let stem = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ext = final_path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut output = TableOutput {
            name: name.to_string(),
            path: folder.clone(),
            files: Vec::with_capacity(parts.len()),
            rows: 0,
            row_groups: 0,
            bytes: 0,
            splice: None,
            schema: None,
        };
        let mut files = Vec::with_capacity(parts.len());
        for (i, part) in parts.into_iter().enumerate() {
            let file = part_name(None, i, &ext);
            output.bytes += crate::files::file_size(name, &part.tmp)?;
            output.rows += part.rows;
            output.row_groups += part.row_groups;
            if let Some(s) = part.splice {
                let total = output.splice.get_or_insert_with(SpliceStats::default);
                total.add(&s);
            }
            output.files.push(folder.join(&file));
            files.push((part.tmp, format!("{stem}/{file}")));
        }
        Ok(Staged { files, output })
    }
}

/// One table's streaming writer (Parquet, CSV, JSON Lines).
pub(crate) trait TableWriter: Send {
    /// The table's name.
    fn name(&self) -> &str;
    /// Appends a batch (columns matched by name into the table's union schema);
    /// `extras` holds the original kinds of its cells (one entry per column, or none).
    fn write(&mut self, batch: &RecordBatch, extras: &[CellExtras]) -> Result<()>;
    /// Finishes the file under its temporary name; `None` when the table has no rows.
    fn stage(&mut self) -> Result<Option<Staged>>;
    /// The temporary files the writer holds, for cleanup and commit.
    fn temps(&mut self) -> &mut TempFiles;
    /// The table's union schema so far.
    fn schema(&self) -> arrow_schema::SchemaRef;
    /// Memory the writer holds in rows not yet in a file (bytes, an estimate as of its
    /// last write).
    fn held_bytes(&self) -> usize {
        0
    }
    /// Writes out what it holds now rather than later, for the sink's memory budget;
    /// the finished files hold the same rows in the same row groups.
    fn spill(&mut self) -> Result<()> {
        Ok(())
    }
}
