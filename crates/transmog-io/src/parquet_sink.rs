//! Streaming one table into Parquet with exact row groups and schema evolution.
//!
//! Incoming batches are merged into the table's union schema, reshaped to it and buffered
//! until `row_group_size` rows are available; each full row group is written to the
//! current *part file* and flushed, so at most one (not yet full) row group per table is
//! held in memory. When the union schema changes (new column, widened type) the buffered
//! rows are reshaped in memory and the next row group starts a new part file. At finish
//! the remainder becomes the last (smaller) row group, and [`crate::splice`] assembles the
//! parts into the final file, unless there is a single part whose schema already equals the
//! union and no checksums are wanted: then the part is simply renamed.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;

use crate::error::{Error, Result};
use crate::files::TempFiles;
use crate::options::ParquetOptions;
use crate::splice::{assemble, PartFile};
use crate::writer::{Staged, TableWriter};
use transmog_core::UnionSchema;

struct OpenPart {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<BufWriter<File>>,
}

/// Streaming state of one table written as Parquet.
pub(crate) struct ParquetTable {
    name: String,
    final_path: PathBuf,
    opts: Arc<ParquetOptions>,
    union: UnionSchema,
    /// Rows not yet written, each batch already in the union schema.
    pending: VecDeque<RecordBatch>,
    pending_rows: usize,
    parts: Vec<PartFile>,
    current: Option<OpenPart>,
    rows: u64,
    row_groups: usize,
    temps: TempFiles,
}

impl ParquetTable {
    pub(crate) fn new(name: &str, dir: &Path, file_name: &str, opts: Arc<ParquetOptions>) -> Self {
        ParquetTable {
            name: name.to_owned(),
            final_path: dir.join(file_name),
            opts,
            union: UnionSchema::new(),
            pending: VecDeque::new(),
            pending_rows: 0,
            parts: Vec::new(),
            current: None,
            rows: 0,
            row_groups: 0,
            temps: TempFiles::new(dir, file_name),
        }
    }

    /// Removes exactly `n` rows (n <= pending_rows) from the front of the buffer.
    fn take_rows(&mut self, n: usize) -> Vec<RecordBatch> {
        let mut out = Vec::new();
        let mut need = n;
        while need > 0 {
            let Some(first) = self.pending.pop_front() else {
                break;
            };
            let len = first.num_rows();
            if len <= need {
                need -= len;
                out.push(first);
            } else {
                out.push(first.slice(0, need));
                self.pending.push_front(first.slice(need, len - need));
                need = 0;
            }
        }
        self.pending_rows -= n - need;
        out
    }

    /// Writes `group` (all in the current union schema) as one row group.
    fn write_row_group(&mut self, group: Vec<RecordBatch>) -> Result<()> {
        let union = Arc::clone(self.union.schema());
        if union.fields().is_empty() {
            return Err(Error::NoColumns {
                table: self.name.clone(),
            });
        }
        let reuse = matches!(&self.current, Some(p) if p.schema == union);
        if !reuse {
            self.close_part()?;
            let path = self.temps.create_path(&format!("part{}", self.parts.len()));
            let file = File::create(&path).map_err(|e| Error::io(&self.name, &path, e))?;
            let props =
                self.opts
                    .writer_properties(self.opts.write_page_checksum, &union, Some(&group))?;
            let writer =
                ArrowWriter::try_new(BufWriter::new(file), Arc::clone(&union), Some(props))
                    .map_err(|e| Error::parquet(&self.name, &path, e))?;
            self.current = Some(OpenPart {
                path,
                schema: union,
                writer,
            });
        }
        let part = match self.current.as_mut() {
            Some(p) => p,
            None => return Err(Error::Poisoned),
        };
        let mut rows = 0;
        for b in &group {
            part.writer
                .write(b)
                .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
            rows += b.num_rows();
        }
        part.writer
            .flush()
            .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
        self.rows += rows as u64;
        self.row_groups += 1;
        Ok(())
    }

    fn close_part(&mut self) -> Result<()> {
        if let Some(part) = self.current.take() {
            let buf = part
                .writer
                .into_inner()
                .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
            buf.into_inner()
                .map_err(|e| Error::io(&self.name, &part.path, e.into_error()))?;
            self.parts.push(PartFile {
                path: part.path,
                schema: part.schema,
            });
        }
        Ok(())
    }
}

impl TableWriter for ParquetTable {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if self
            .union
            .merge(batch)
            .map_err(|e| Error::schema(&self.name, e))?
        {
            for b in &mut self.pending {
                *b = self
                    .union
                    .conform(b)
                    .map_err(|e| Error::schema(&self.name, e))?;
            }
        }
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let conformed = self
            .union
            .conform(batch)
            .map_err(|e| Error::schema(&self.name, e))?;
        self.pending_rows += conformed.num_rows();
        self.pending.push_back(conformed);
        let rgs = self.opts.row_group_size;
        while self.pending_rows >= rgs {
            let group = self.take_rows(rgs);
            self.write_row_group(group)?;
        }
        Ok(())
    }

    /// Flushes the remainder, assembles the final file under a temporary name and returns
    /// it for the caller to rename. `None` if the table never got a row.
    fn stage(&mut self) -> Result<Option<Staged>> {
        if self.pending_rows > 0 {
            let group = self.take_rows(self.pending_rows);
            self.write_row_group(group)?;
        }
        self.close_part()?;
        if self.rows == 0 {
            self.temps.remove_all();
            return Ok(None);
        }
        let union = Arc::clone(self.union.schema());
        let (tmp, splice) = match self.parts.as_slice() {
            [only] if only.schema == union && !self.opts.write_page_checksum => {
                (only.path.clone(), None)
            }
            parts => {
                let tmp = self.temps.create_path("tmp");
                let done = assemble(&self.name, parts, &union, &self.opts, &tmp)?;
                if done.rows != self.rows || done.row_groups != self.row_groups {
                    return Err(Error::malformed(
                        &self.name,
                        &tmp,
                        format!(
                            "assembled {} rows in {} row groups, expected {} in {}",
                            done.rows, done.row_groups, self.rows, self.row_groups
                        ),
                    ));
                }
                for p in std::mem::take(&mut self.parts) {
                    self.temps.remove(&p.path);
                }
                (tmp, Some(done.stats))
            }
        };
        Staged::finished(
            &self.name,
            tmp,
            &self.final_path,
            self.rows,
            self.row_groups,
            splice,
        )
        .map(Some)
    }

    fn temps(&mut self) -> &mut TempFiles {
        &mut self.temps
    }
}
