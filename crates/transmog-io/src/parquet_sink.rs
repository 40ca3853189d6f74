//! Streaming one table into Parquet with exact row groups and schema evolution.
//!
//! Incoming batches are merged into the table's union schema and reshaped to it. A part
//! file's first row group is buffered until it is complete or holds
//! [`ParquetOptions::sample_bytes`] (its rows choose the adaptive dictionaries and codecs);
//! after that, rows go straight into the part's writer, which encodes them as they come
//! and flushes exactly every `row_group_size` rows. So a table holds one row
//! group's *encoded* pages, not its Arrow arrays: the memory no longer rises and falls by
//! a row group of every table (about 10 MiB over the orders' five tables).
//!
//! When the union schema changes (new column, widened type), the rows the writer has
//! taken of the row group in progress are flushed as a short row group (the part's
//! *tail*), and the next part's first row group takes only the rest of that row group.
//! At finish the remainder becomes the last (smaller) row group, and [`crate::splice`]
//! assembles the parts into the final file, joining each tail with the next part's first
//! row group, so every row group but the last has exactly `row_group_size` rows. A
//! single part whose schema already equals the union, with no checksums wanted, is
//! simply renamed.
//!
//! With `max_file_size`, a file is finished that way as soon as it reaches that size (or
//! [`MAX_FILE_COLUMN_CHUNKS`]) and the table goes on in a new file: the footer metadata
//! the writer holds until a file is closed then stays bounded, however long the input.
//! The new file keeps the writer settings of the one before (the dictionaries its first
//! row group chose), so its rows stream from the first.

use std::collections::VecDeque;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::file::properties::WriterProperties;

use crate::error::{Error, Result};
use crate::files::TempFiles;
use crate::options::{ParquetOptions, MAX_FILE_COLUMN_CHUNKS};
use crate::part_writer::PartWriter;
use crate::splice::{assemble, read_last_row_group, PartFile};
use crate::writer::{Rolled, Staged, Stop, TableWriter};
use transmog_core::{CellExtras, UnionSchema};

/// Memory `batch` holds of its own: an all-null column (a union column the batch lacks)
/// shares one buffer of zeros with every other ([`transmog_core::types::null_array`]), so
/// only its array structures count.
fn held_bytes(batch: &RecordBatch) -> usize {
    const NULL_COLUMN_BYTES: usize = 128;
    batch
        .columns()
        .iter()
        .map(|c| {
            if c.logical_null_count() == c.len() {
                NULL_COLUMN_BYTES
            } else {
                c.get_array_memory_size()
            }
        })
        .sum()
}

struct OpenPart {
    path: PathBuf,
    schema: SchemaRef,
    writer: PartWriter<BufWriter<File>>,
    /// Bytes written when the last write-back was started.
    written_back: u64,
    /// Rows taken by the writer and not yet flushed.
    open_rows: usize,
    props: WriterProperties,
}

/// Streaming state of one table written as Parquet.
pub(crate) struct ParquetTable {
    name: String,
    final_path: PathBuf,
    opts: Arc<ParquetOptions>,
    union: UnionSchema,
    /// Rows waiting for a part's first row group, each batch already in the union schema.
    pending: VecDeque<RecordBatch>,
    pending_rows: usize,
    /// Memory held by `pending` ([`held_bytes`]).
    pending_bytes: usize,
    parts: Vec<PartFile>,
    current: Option<OpenPart>,
    /// Rows flushed, column chunks and bytes of closed parts of the file
    /// being written.
    rows: u64,
    chunks: usize,
    closed_bytes: u64,
    /// Files finished because the table rolled over (`max_file_size`).
    rolled: Vec<Rolled>,
    /// Parts of earlier files, so that part names are never reused.
    part_offset: usize,
    /// The last part's schema and writer settings, when it was closed early: the next
    /// part keeps them (its dictionaries as chosen before). After a roll-over the next
    /// file starts at once, with no rows buffered; after a spill the rows are buffered
    /// again, because an open part's column writers hold more than its rows do (a
    /// dictionary encoder starts with a table of 4 096 entries).
    kept_props: Option<(SchemaRef, WriterProperties)>,
    /// The next part starts as soon as rows come (the file rolled over).
    stream_kept: bool,
    /// [`TableWriter::held_bytes`] as of the last write or spill.
    held: usize,
    temps: TempFiles,
    /// The input has ended: parts encode big batches on every core.
    finishing: bool,
    stop: Stop,
}

impl ParquetTable {
    pub(crate) fn new(
        name: &str,
        dir: &Path,
        file_name: &str,
        opts: Arc<ParquetOptions>,
        stop: Stop,
    ) -> Self {
        ParquetTable {
            name: name.to_owned(),
            final_path: dir.join(file_name),
            opts,
            union: UnionSchema::new(),
            pending: VecDeque::new(),
            pending_rows: 0,
            pending_bytes: 0,
            parts: Vec::new(),
            current: None,
            rows: 0,
            chunks: 0,
            closed_bytes: 0,
            rolled: Vec::new(),
            part_offset: 0,
            kept_props: None,
            stream_kept: false,
            held: 0,
            temps: TempFiles::new(dir, file_name),
            finishing: false,
            stop,
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
        self.count_pending_bytes();
        out
    }

    fn count_held(&mut self) {
        self.held =
            self.pending_bytes + self.current.as_ref().map_or(0, |p| p.writer.memory_size());
    }

    fn count_pending_bytes(&mut self) {
        self.pending_bytes = self.pending.iter().map(held_bytes).sum();
    }

    /// Whether rows go straight to an open part (it has the union schema).
    fn streaming(&self) -> bool {
        let union = self.union.schema();
        matches!(&self.current, Some(p) if Arc::ptr_eq(&p.schema, union) || p.schema == *union)
    }

    /// Rows still missing from the row group in progress (a tail's rest, or a whole one).
    fn group_rest(&self) -> usize {
        let rgs = self.opts.row_group_size;
        let open = self.current.as_ref().map_or(0, |p| p.open_rows);
        rgs - ((self.rows as usize + open) % rgs)
    }

    /// Opens a new part with the union schema and `props`, or else with settings whose
    /// adaptive dictionary its first row group chooses (`sample`, after the rows of the
    /// tail it finishes).
    fn start_part(
        &mut self,
        sample: &[RecordBatch],
        props: Option<WriterProperties>,
    ) -> Result<()> {
        let union = Arc::clone(self.union.schema());
        if union.fields().is_empty() {
            return Err(Error::NoColumns {
                table: self.name.clone(),
            });
        }
        self.close_part(false)?;
        // Numbered across files: a file's single part stays as its finished file.
        let n = self.parts.len() + self.part_offset;
        let path = self.temps.create_path(&format!("part{n}"));
        let file =
            crate::commit::create_file(&path).map_err(|e| Error::io(&self.name, &path, e))?;
        let props = match props {
            Some(props) => props,
            None => {
                let mut whole = Vec::new();
                if let Some(tail) = self.parts.last().filter(|p| p.continued) {
                    for b in read_last_row_group(&self.name, tail)? {
                        whole.push(
                            self.union
                                .conform(&b)
                                .map_err(|e| Error::schema(&self.name, e))?,
                        );
                    }
                }
                whole.extend(sample.iter().cloned());
                self.opts
                    .writer_properties(self.opts.write_page_checksum, &union, Some(&whole))?
            }
        };
        let mut writer =
            PartWriter::try_new(BufWriter::new(file), Arc::clone(&union), props.clone())
                .map_err(|e| Error::parquet(&self.name, &path, e))?;
        if self.finishing {
            writer.spread();
        }
        self.current = Some(OpenPart {
            path,
            schema: union,
            writer,
            written_back: 0,
            open_rows: 0,
            props,
        });
        Ok(())
    }

    /// Moves the buffered rows into parts: straight to the writer of an open part with
    /// the union schema, else into a new part once they complete its first row group
    /// (`all`: at the end, whatever there is).
    fn drain(&mut self, all: bool) -> Result<()> {
        while self.pending_rows > 0 {
            if !self.streaming() {
                let union = self.union.schema();
                let props = self
                    .kept_props
                    .as_ref()
                    .filter(|(schema, _)| schema == union)
                    .map(|(_, props)| props.clone());
                let at_once = props.is_some() && self.stream_kept;
                let need = self.group_rest();
                // The bound holds for a row group's first part only: the rest of a row
                // group that a new column cut is buffered whole, so that columns still
                // coming cannot cut it into a part per batch (wide data whose columns keep
                // coming, as in MDN's browser-compat-data, made hundreds of parts).
                let sampled = self.pending_rows >= need
                    || (need == self.opts.row_group_size
                        && self.pending_bytes >= self.opts.sample_bytes);
                if !at_once && !sampled && !all {
                    return Ok(());
                }
                let group = match at_once {
                    true => Vec::new(),
                    false => self.take_rows(need.min(self.pending_rows)),
                };
                self.start_part(&group, props)?;
                // The group is at most the rest of a row group: written in one go, each
                // column once rather than once per batch.
                let rows: usize = group.iter().map(RecordBatch::num_rows).sum();
                if rows > 0 {
                    let part = self.current.as_mut().ok_or(Error::Poisoned)?;
                    part.writer
                        .write_all(&group)
                        .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
                    part.open_rows += rows;
                    if self.group_rest() == self.opts.row_group_size {
                        self.flush_part(false)?;
                    }
                    continue;
                }
            }
            let Some(batch) = self.pending.pop_front() else {
                break;
            };
            self.pending_rows -= batch.num_rows();
            if let Some(rest) = self.stream(&batch)? {
                self.pending_rows += rest.num_rows();
                self.pending.push_front(rest);
            }
            self.count_pending_bytes();
        }
        Ok(())
    }

    /// Hands `batch` (in the open part's schema) to the writer, flushing a row group each
    /// time one is complete; returns the rows left when the table rolled over to a new
    /// file, whose first part is yet to be started.
    fn stream(&mut self, batch: &RecordBatch) -> Result<Option<RecordBatch>> {
        let mut at = 0;
        while at < batch.num_rows() {
            if !self.streaming() {
                return Ok(Some(batch.slice(at, batch.num_rows() - at)));
            }
            let n = self.group_rest().min(batch.num_rows() - at);
            let part = self.current.as_mut().ok_or(Error::Poisoned)?;
            part.writer
                .write(&batch.slice(at, n))
                .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
            part.open_rows += n;
            at += n;
            if self.group_rest() == self.opts.row_group_size {
                self.flush_part(false)?;
            }
        }
        Ok(None)
    }

    /// Flushes the writer's rows: a complete (or the last) row group, or with `tail` the
    /// start of one that the next part finishes, after which this part is closed.
    fn flush_part(&mut self, tail: bool) -> Result<()> {
        if self.finishing {
            // While the input comes, the run stops between chunks.
            self.stop.check(&self.name)?;
        }
        let part = self.current.as_mut().ok_or(Error::Poisoned)?;
        part.writer
            .flush()
            .map_err(|e| Error::parquet(&self.name, &part.path, e))?;
        let written = part.writer.bytes_written() as u64;
        if written - part.written_back >= crate::commit::WRITEBACK_STEP {
            crate::commit::start_writeback(part.writer.inner().get_ref());
            part.written_back = written;
        }
        self.rows += std::mem::take(&mut part.open_rows) as u64;
        self.chunks += part.schema.fields().len();
        if tail {
            return self.close_part(true);
        }
        if let Some(max) = self.opts.max_file_size {
            let bytes = self.closed_bytes + written;
            if bytes >= max as u64 || self.chunks >= MAX_FILE_COLUMN_CHUNKS {
                self.kept_props = Some((Arc::clone(&part.schema), part.props.clone()));
                self.stream_kept = true;
                if let Some(file) = self.finish_file()? {
                    self.rolled.push(file);
                }
            }
        }
        Ok(())
    }

    /// Closes the open part; `continued` when its last row group is a tail.
    fn close_part(&mut self, continued: bool) -> Result<()> {
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
                continued,
            });
        }
        Ok(())
    }
}

impl TableWriter for ParquetTable {
    fn name(&self) -> &str {
        &self.name
    }

    // Parquet keeps the column types; the cells' original kinds are not written.
    fn write(&mut self, batch: &RecordBatch, _extras: &[CellExtras]) -> Result<()> {
        if self
            .union
            .merge(batch)
            .map_err(|e| Error::schema(&self.name, e))?
        {
            let union = self.union.schema();
            let entries = crate::options::schema_entries(union);
            if entries > crate::options::MAX_SCHEMA_ENTRIES {
                return Err(Error::TooWide {
                    table: self.name.clone(),
                    columns: union.fields().len(),
                    entries,
                });
            }
            for b in &mut self.pending {
                *b = self
                    .union
                    .conform(b)
                    .map_err(|e| Error::schema(&self.name, e))?;
            }
            self.count_pending_bytes();
            // The writer's rows keep the old schema: they end the part as its tail.
            if self.current.as_ref().is_some_and(|p| p.open_rows > 0) {
                self.flush_part(true)?;
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
        self.pending_bytes += held_bytes(&conformed);
        self.pending.push_back(conformed);
        self.drain(false)?;
        self.count_held();
        Ok(())
    }

    fn held_bytes(&self) -> usize {
        self.held
    }

    /// Buffered rows go into the writer, and the open part is closed: its row group in
    /// progress as a tail, which the next part continues (the splice joins them).
    fn spill(&mut self) -> Result<()> {
        self.drain(true)?;
        if let Some(part) = &self.current {
            self.kept_props = Some((Arc::clone(&part.schema), part.props.clone()));
            self.stream_kept = false;
            let tail = part.open_rows > 0;
            if tail {
                self.flush_part(true)?;
            } else {
                self.close_part(false)?;
            }
        }
        self.count_held();
        Ok(())
    }

    /// Flushes the remainder, assembles the final file(s) under temporary names and
    /// returns them for the commit. `None` if the table never got a row.
    fn stage(&mut self) -> Result<Option<Staged>> {
        self.finishing = true;
        if let Some(part) = &mut self.current {
            part.writer.spread();
        }
        self.drain(true)?;
        if self.current.as_ref().is_some_and(|p| p.open_rows > 0) {
            self.flush_part(false)?;
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
        self.close_part(false)?;
        self.part_offset += self.parts.len();
        // Every row group but the last is full, tails joined to the next part's first.
        let (rows, row_groups) = (
            self.rows,
            self.rows.div_ceil(self.opts.row_group_size as u64) as usize,
        );
        self.rows = 0;
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
                let done = assemble(&self.name, parts, &union, &self.opts, &tmp, &self.stop)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, ArrayRef, Int64Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    const WIDTH: usize = 50;
    const ROWS: usize = 1000;

    /// Batch `k`: `WIDTH` text columns, and from batch `late1` / `late2` on a column more.
    fn batch(k: usize, late1: usize, late2: usize) -> RecordBatch {
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for c in 0..WIDTH {
            fields.push(Field::new(format!("c{c}"), DataType::Utf8, true));
            let values = (0..ROWS).map(|r| Some(format!("{k}-{r}-{c}")));
            columns.push(Arc::new(values.collect::<StringArray>()));
        }
        for (name, from) in [("late1", late1), ("late2", late2)] {
            if k >= from {
                fields.push(Field::new(name, DataType::Int64, true));
                let values = (0..ROWS).map(|r| (k * ROWS + r) as i64);
                columns.push(Arc::new(values.collect::<Int64Array>()));
            }
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    /// A table whose column `late` comes with its second batch (two parts, so finishing
    /// assembles them), `rows` rows a batch, row groups of 100.
    fn two_part_table(dir: &Path, stop: &Stop, rows: usize) -> ParquetTable {
        let opts = ParquetOptions {
            row_group_size: 100,
            ..Default::default()
        };
        let mut table = ParquetTable::new("t", dir, "t.parquet", Arc::new(opts), stop.clone());
        for k in 0..2 {
            let mut fields = vec![Field::new("a", DataType::Int64, true)];
            let mut columns: Vec<ArrayRef> =
                vec![Arc::new((0..rows as i64).collect::<Int64Array>())];
            if k == 1 {
                fields.push(Field::new("late", DataType::Int64, true));
                columns.push(Arc::new((0..rows as i64).collect::<Int64Array>()));
            }
            let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
            table.write(&batch, &[]).unwrap();
        }
        table
    }

    #[test]
    fn a_raised_stop_flag_stops_the_last_row_groups_and_the_assembly() {
        // 130 rows a batch leave 60 rows to encode at finish; 200 leave only the assembly.
        for rows in [130, 200] {
            let dir = tempfile::tempdir().unwrap();
            let stop = Stop::default();
            let mut table = two_part_table(dir.path(), &stop, rows);
            stop.flag()
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let err = table.stage().err().unwrap();
            assert!(matches!(err, Error::Interrupted { .. }), "{rows}: {err}");
            if rows == 130 {
                let open = table.current.as_ref().map(|p| p.open_rows);
                assert_eq!(open, Some(60), "the last rows were not encoded");
            }

            let mut table = two_part_table(dir.path(), &Stop::default(), rows);
            let staged = table.stage().unwrap().unwrap();
            assert_eq!(staged.output.rows, 2 * rows as u64);
        }
    }

    #[test]
    fn a_row_groups_first_part_starts_at_the_bound_and_a_cut_rest_is_buffered_whole() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ParquetOptions {
            row_group_size: 100_000,
            ..ParquetOptions::default()
        };
        let mut table = ParquetTable::new(
            "t",
            dir.path(),
            "t.parquet",
            Arc::new(opts),
            Stop::default(),
        );
        let (batches, late1, late2) = (80, 30, 60);
        let one = held_bytes(&batch(0, late1, late2));
        assert!(
            one * late1 > crate::options::SAMPLE_BYTES,
            "the bound is reached before late1"
        );
        for k in 0..batches {
            table.write(&batch(k, late1, late2), &[]).unwrap();
            if k < late1 {
                assert!(
                    table.pending_bytes <= crate::options::SAMPLE_BYTES + one,
                    "batch {k}: {} bytes buffered",
                    table.pending_bytes
                );
            }
        }
        // The part started at the bound was ended by late1 as a tail; the rest of the row
        // group is buffered whole (late2 lands in it), not cut into a part per new column.
        assert_eq!(table.parts.len(), 1);
        assert!(table.parts[0].continued);
        assert!(table.pending_bytes > crate::options::SAMPLE_BYTES);
        let staged = table.stage().unwrap().unwrap();
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(File::open(&staged.files[0].0).unwrap())
                .unwrap();
        let groups: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| rg.num_rows())
            .collect();
        assert_eq!(groups, [80_000], "one row group, as if written whole");
        let mut seen = 0;
        for b in reader.build().unwrap() {
            let b = b.unwrap();
            assert_eq!(b.num_columns(), WIDTH + 2);
            let late: Vec<&Int64Array> = (WIDTH..WIDTH + 2)
                .map(|c| b.column(c).as_any().downcast_ref().unwrap())
                .collect();
            for r in 0..b.num_rows() {
                let (k, row) = ((seen + r) / ROWS, (seen + r) % ROWS);
                for c in [0, WIDTH - 1] {
                    let col = b.column(c).as_any().downcast_ref::<StringArray>().unwrap();
                    assert_eq!(col.value(r), format!("{k}-{row}-{c}"));
                }
                for (col, from) in late.iter().zip([late1, late2]) {
                    let want = (k >= from).then_some((seen + r) as i64);
                    assert_eq!(col.is_valid(r).then(|| col.value(r)), want, "row {k}/{row}");
                }
            }
            seen += b.num_rows();
        }
        assert_eq!(seen, ROWS * batches);
    }

    #[test]
    fn columns_a_batch_lacks_count_as_little_held_memory() {
        let mut union = UnionSchema::new();
        let wide = batch(0, 0, 0);
        union.merge(&wide).unwrap();
        let narrow = RecordBatch::try_new(
            Arc::new(Schema::new(vec![Field::new("c0", DataType::Utf8, true)])),
            vec![Arc::clone(wide.column(0))],
        )
        .unwrap();
        let padded = union.conform(&narrow).unwrap();
        assert_eq!(padded.num_columns(), WIDTH + 2);
        let own = held_bytes(&narrow);
        assert!(held_bytes(&padded) <= own + (WIDTH + 1) * 128);
        assert!(held_bytes(&wide) > WIDTH * own / 2);
    }

    /// Metadata pairs of each field of [`tagged_schema`]: with the field and its type, 50
    /// schema entries a field, so that few fields reach the limit.
    const PAIRS: usize = 48;

    /// `n` Int64 fields, each with [`PAIRS`] metadata pairs.
    fn tagged_schema(n: usize) -> SchemaRef {
        let meta: std::collections::HashMap<String, String> = (0..PAIRS)
            .map(|k| (format!("k{k}"), "v".to_string()))
            .collect();
        let fields: Vec<Field> = (0..n)
            .map(|i| Field::new(format!("c{i}"), DataType::Int64, true).with_metadata(meta.clone()))
            .collect();
        Arc::new(Schema::new(fields))
    }

    #[test]
    fn schema_entries_are_counted_as_arrow_readers_count_them() {
        use crate::options::{schema_entries, MAX_SCHEMA_ENTRIES};
        let reads = |schema: SchemaRef| {
            let mut out = Vec::new();
            let writer = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
            writer.close().unwrap();
            ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(out)).is_ok()
        };
        let most = (MAX_SCHEMA_ENTRIES - 2) / (PAIRS + 2);
        assert!(schema_entries(&tagged_schema(most)) <= MAX_SCHEMA_ENTRIES);
        assert!(schema_entries(&tagged_schema(most + 1)) > MAX_SCHEMA_ENTRIES);
        assert!(reads(tagged_schema(most)));
        assert!(!reads(tagged_schema(most + 1)));
    }

    #[test]
    fn a_table_too_wide_for_the_arrow_schema_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let opts = Arc::new(ParquetOptions::default());
        let mut table = ParquetTable::new("w", dir.path(), "w.parquet", opts, Stop::default());
        let most = (crate::options::MAX_SCHEMA_ENTRIES - 2) / (PAIRS + 2);
        let schema = tagged_schema(most + 1);
        let err = table
            .write(&RecordBatch::new_empty(schema), &[])
            .unwrap_err();
        assert!(
            matches!(err, Error::TooWide { columns, .. } if columns == most + 1),
            "{err}"
        );
        assert!(err.to_string().contains("20000 columns"), "{err}");
    }
}
