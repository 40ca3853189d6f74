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
//!
//! With `max_file_size`, a file is finished that way as soon as it reaches that size (or
//! [`MAX_FILE_COLUMN_CHUNKS`]) and the table goes on in a new file: the footer metadata
//! the writer holds until a file is closed then stays bounded, however long the input.

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
use crate::options::{ParquetOptions, MAX_FILE_COLUMN_CHUNKS};
use crate::splice::{assemble, PartFile};
use crate::writer::{Rolled, Staged, TableWriter};
use transmog_core::UnionSchema;

struct OpenPart {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<BufWriter<File>>,
    /// Bytes written when the last write-back was started.
    written_back: u64,
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
    /// Rows, row groups, column chunks and bytes of closed parts of the file being written.
    rows: u64,
    row_groups: usize,
    chunks: usize,
    closed_bytes: u64,
    /// Files finished because the table rolled over (`max_file_size`).
    rolled: Vec<Rolled>,
    /// Parts of earlier files, so that part names are never reused.
    part_offset: usize,
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
            chunks: 0,
            closed_bytes: 0,
            rolled: Vec::new(),
            part_offset: 0,
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
            // Numbered across files: a file's single part stays as its finished file.
            let n = self.parts.len() + self.part_offset;
            let path = self.temps.create_path(&format!("part{n}"));
            let file =
                crate::commit::create_file(&path).map_err(|e| Error::io(&self.name, &path, e))?;
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
                written_back: 0,
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
        let written = part.writer.bytes_written() as u64;
        if written - part.written_back >= crate::commit::WRITEBACK_STEP {
            crate::commit::start_writeback(part.writer.inner().get_ref());
            part.written_back = written;
        }
        self.rows += rows as u64;
        self.row_groups += 1;
        self.chunks += part.schema.fields().len();
        if let Some(max) = self.opts.max_file_size {
            let bytes = self.closed_bytes + part.writer.bytes_written() as u64;
            if bytes >= max as u64 || self.chunks >= MAX_FILE_COLUMN_CHUNKS {
                if let Some(file) = self.finish_file()? {
                    self.rolled.push(file);
                }
            }
        }
        Ok(())
    }

    fn close_part(&mut self) -> Result<()> {
        if let Some(part) = self.current.take() {
            self.closed_bytes += part.writer.bytes_written() as u64;
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

    /// Flushes the remainder, assembles the final file(s) under temporary names and
    /// returns them for the commit. `None` if the table never got a row.
    fn stage(&mut self) -> Result<Option<Staged>> {
        if self.pending_rows > 0 {
            let group = self.take_rows(self.pending_rows);
            self.write_row_group(group)?;
        }
        let mut last = self.finish_file()?;
        if last.is_none() && self.rolled.len() == 1 {
            // It rolled over right at its end: one file, kept as such.
            last = self.rolled.pop();
        }
        if self.rolled.is_empty() {
            let Some(file) = last else {
                self.temps.remove_all();
                return Ok(None);
            };
            return Staged::finished(
                &self.name,
                file.tmp,
                &self.final_path,
                file.rows,
                file.row_groups,
                file.splice,
            )
            .map(Some);
        }
        self.rolled.extend(last);
        let files = std::mem::take(&mut self.rolled);
        Staged::dataset(&self.name, &self.final_path, files).map(Some)
    }

    fn temps(&mut self) -> &mut TempFiles {
        &mut self.temps
    }

    fn schema(&self) -> arrow_schema::SchemaRef {
        Arc::clone(self.union.schema())
    }
}

impl ParquetTable {
    /// Closes the file being written: its parts assembled into one file under a temporary
    /// name (`None` when it has no rows); the next row group starts a new file.
    fn finish_file(&mut self) -> Result<Option<Rolled>> {
        self.close_part()?;
        self.part_offset += self.parts.len();
        let (rows, row_groups) = (self.rows, self.row_groups);
        self.rows = 0;
        self.row_groups = 0;
        self.chunks = 0;
        self.closed_bytes = 0;
        if rows == 0 {
            for p in std::mem::take(&mut self.parts) {
                self.temps.remove(&p.path);
            }
            return Ok(None);
        }
        let union = Arc::clone(self.union.schema());
        let (tmp, splice) = match self.parts.as_slice() {
            [only] if only.schema == union && !self.opts.write_page_checksum => {
                let only = only.path.clone();
                self.parts.clear();
                (only, None)
            }
            parts => {
                let tmp = self.temps.create_path(&format!("tmp{}", self.rolled.len()));
                let done = assemble(&self.name, parts, &union, &self.opts, &tmp)?;
                if done.rows != rows || done.row_groups != row_groups {
                    return Err(Error::malformed(
                        &self.name,
                        &tmp,
                        format!(
                            "assembled {} rows in {} row groups, expected {rows} in {row_groups}",
                            done.rows, done.row_groups
                        ),
                    ));
                }
                for p in std::mem::take(&mut self.parts) {
                    self.temps.remove(&p.path);
                }
                (tmp, Some(done.stats))
            }
        };
        Ok(Some(Rolled {
            tmp,
            rows,
            row_groups,
            splice,
        }))
    }
}
