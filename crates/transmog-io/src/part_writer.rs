//! A Parquet file writer that can encode the columns of a big batch on every core.
//!
//! `ArrowWriter` encodes a batch column after column on the calling thread. A table
//! whose rows are still buffered when the input ends (one smaller than a row group, or
//! one wide table among narrow ones) is then encoded at finish on one core while the
//! others wait: a third of the wall time on GitHub's webhook payloads (3 000 columns).
//! This writer sets up the file exactly as `ArrowWriter` does (it starts as one) and
//! drives parquet-rs's per-column writers itself; once [`PartWriter::spread`] is on
//! (at finish, when the flattening threads are done), big batches and row-group closes
//! are spread over threads. While the input is read the cores are busy flattening, and
//! spreading then only added threads (orders: 3 % more CPU). Each column is encoded by
//! one writer in row order whichever thread runs it, so batches written one at a time
//! make the file `ArrowWriter` makes, byte for byte; batches written together
//! ([`PartWriter::write_all`]) hold the same values.

use std::io::Write;
use std::sync::Arc;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{FieldRef, SchemaRef};
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::sink::in_parallel;

/// Cells (rows x columns) from which a write or a row-group close is spread over
/// threads: below it, thread start-up costs about as much as it saves.
const PARALLEL_MIN_CELLS: usize = 1 << 18;

/// Columns handed to a thread at a time: small enough for the load to even out
/// (columns cost very different amounts), big enough to keep the queue cheap.
const COLUMNS_PER_TASK: usize = 8;

/// Footer metadata the writer keeps per column chunk of a flushed row group until the
/// file is closed (statistics, page index; about 0.9 KB measured).
const CHUNK_METADATA_BYTES: usize = 1024;

pub(crate) struct PartWriter<W: Write + Send> {
    file: SerializedFileWriter<W>,
    factory: ArrowRowGroupWriterFactory,
    fields: Vec<FieldRef>,
    /// The row group in progress: one writer per column, empty when none is open.
    group: Vec<ArrowColumnWriter>,
    group_rows: usize,
    spread: bool,
}

impl<W: Write + Send> PartWriter<W> {
    pub(crate) fn try_new(out: W, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let fields = schema.fields().iter().cloned().collect();
        let (file, factory) =
            ArrowWriter::try_new(out, schema, Some(props))?.into_serialized_writer()?;
        Ok(PartWriter {
            file,
            factory,
            fields,
            group: Vec::new(),
            group_rows: 0,
            spread: false,
        })
    }

    /// Lets big batches and row-group closes run on every core from now on.
    pub(crate) fn spread(&mut self) {
        self.spread = true;
    }

    /// Adds `batch` (in the writer's schema) to the row group in progress.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.write_all(std::slice::from_ref(batch))
    }

    /// Adds `batches` (in the writer's schema) to the row group in progress, each
    /// column's slices joined first: the per-column cost of a write (levels, encoder
    /// set-up, page checks) is then paid once, not once per batch. A table held to the
    /// end comes as one batch per input chunk, and a wide one paid that cost thousands
    /// of times per chunk. The values written are the same; the pages can be cut
    /// elsewhere (parquet-rs checks page sizes every 1 024 rows it is given).
    pub(crate) fn write_all(&mut self, batches: &[RecordBatch]) -> Result<()> {
        for b in batches {
            if b.num_columns() != self.fields.len() {
                return Err(ParquetError::General(format!(
                    "batch of {} columns for a file of {}",
                    b.num_columns(),
                    self.fields.len()
                )));
            }
        }
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        if rows == 0 {
            return Ok(());
        }
        if self.group.is_empty() {
            let index = self.file.flushed_row_groups().len();
            self.group = self.factory.create_column_writers(index)?;
        }
        self.group_rows += rows;
        let batches: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
        type Task<'a> = (usize, (&'a mut [ArrowColumnWriter], &'a [FieldRef]));
        let tasks: Vec<Task<'_>> = self
            .group
            .chunks_mut(COLUMNS_PER_TASK)
            .zip(self.fields.chunks(COLUMNS_PER_TASK))
            .enumerate()
            .map(|(t, task)| (t * COLUMNS_PER_TASK, task))
            .collect();
        let encode = |(first, (writers, fields)): Task<'_>| -> Result<()> {
            for (i, (w, f)) in writers.iter_mut().zip(fields).enumerate() {
                let column = match batches.as_slice() {
                    [one] => Arc::clone(one.column(first + i)),
                    many => {
                        let parts: Vec<&dyn Array> =
                            many.iter().map(|b| b.column(first + i).as_ref()).collect();
                        arrow_select::concat::concat(&parts)?
                    }
                };
                for leaf in compute_leaves(f, &column)? {
                    w.write(&leaf)?;
                }
            }
            Ok(())
        };
        if !self.spread || rows * self.fields.len() < PARALLEL_MIN_CELLS {
            tasks.into_iter().try_for_each(encode)
        } else {
            in_parallel(tasks, encode).into_iter().collect()
        }
    }

    /// Ends the row group in progress, if any rows were written to it.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.group.is_empty() {
            return Ok(());
        }
        let writers = std::mem::take(&mut self.group);
        let cells = std::mem::take(&mut self.group_rows) * self.fields.len();
        // Closing encodes each column's last page and its dictionary.
        let chunks: Vec<ArrowColumnChunk> = if !self.spread || cells < PARALLEL_MIN_CELLS {
            writers
                .into_iter()
                .map(ArrowColumnWriter::close)
                .collect::<Result<_>>()?
        } else {
            let mut tasks = Vec::new();
            let mut rest = writers.into_iter().peekable();
            while rest.peek().is_some() {
                tasks.push(rest.by_ref().take(COLUMNS_PER_TASK).collect::<Vec<_>>());
            }
            let closed = in_parallel(tasks, |task| {
                task.into_iter()
                    .map(ArrowColumnWriter::close)
                    .collect::<Result<Vec<_>>>()
            });
            let mut chunks = Vec::with_capacity(self.fields.len());
            for c in closed {
                chunks.extend(c?);
            }
            chunks
        };
        let mut group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        Ok(())
    }

    /// Memory the writer holds (an estimate): the row group in progress, encoded and
    /// in dictionaries, and the footer metadata of the row groups flushed.
    pub(crate) fn memory_size(&self) -> usize {
        let group: usize = self.group.iter().map(ArrowColumnWriter::memory_size).sum();
        group + self.file.flushed_row_groups().len() * self.fields.len() * CHUNK_METADATA_BYTES
    }

    pub(crate) fn bytes_written(&self) -> usize {
        self.file.bytes_written()
    }

    pub(crate) fn inner(&self) -> &W {
        self.file.inner()
    }

    /// Writes the footer (after the row group in progress) and returns the output.
    pub(crate) fn into_inner(mut self) -> Result<W> {
        self.flush()?;
        self.file.into_inner()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {

    use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use super::*;

    /// `cols` columns of four types, with nulls in their own places in each column.
    fn wide_batch(cols: usize, rows: usize, seed: usize) -> RecordBatch {
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for c in 0..cols {
            let present = |r: usize| (r * 7 + c + seed) % (c % 5 + 2) != 0;
            let (ty, array): (DataType, ArrayRef) = match c % 4 {
                0 => (
                    DataType::Utf8,
                    Arc::new(StringArray::from_iter((0..rows).map(|r| {
                        present(r).then(|| format!("text {} of column {c}", (r + seed) % 97))
                    }))),
                ),
                1 => (
                    DataType::Int64,
                    Arc::new(Int64Array::from_iter(
                        (0..rows).map(|r| present(r).then_some((r * c + seed) as i64)),
                    )),
                ),
                2 => (
                    DataType::Float64,
                    Arc::new(Float64Array::from_iter(
                        (0..rows).map(|r| present(r).then_some(r as f64 / (c + 1) as f64)),
                    )),
                ),
                _ => (
                    DataType::Boolean,
                    Arc::new(BooleanArray::from_iter(
                        (0..rows).map(|r| present(r).then_some(r % 3 == 0)),
                    )),
                ),
            };
            fields.push(Field::new(format!("c{c}"), ty, true));
            arrays.push(array);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
    }

    #[test]
    fn wide_batches_make_the_same_bytes_as_arrow_writer() {
        // 320 columns x 1 000 rows is above the threshold: the first batch and the
        // first row group's close run on threads, the last 500 rows do not.
        let (a, b) = (wide_batch(320, 1000, 0), wide_batch(320, 1000, 1));
        assert!(a.num_rows() * a.num_columns() >= PARALLEL_MIN_CELLS);
        assert!(500 * a.num_columns() < PARALLEL_MIN_CELLS);
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(1500))
            .build();

        let mut reference =
            ArrowWriter::try_new(Vec::new(), a.schema(), Some(props.clone())).unwrap();
        reference.write(&a).unwrap();
        reference.write(&b).unwrap();
        let reference = reference.into_inner().unwrap();

        let mut ours = PartWriter::try_new(Vec::new(), a.schema(), props).unwrap();
        ours.spread();
        ours.write(&a).unwrap();
        ours.write(&b.slice(0, 500)).unwrap();
        ours.flush().unwrap();
        ours.write(&b.slice(500, 500)).unwrap();
        let ours = ours.into_inner().unwrap();
        assert!(
            ours == reference,
            "files differ ({} vs {} bytes)",
            ours.len(),
            reference.len()
        );
    }

    fn read(file: Vec<u8>) -> Vec<RecordBatch> {
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(
            file,
        ))
        .unwrap()
        .build()
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn batches_written_at_once_hold_what_they_hold_written_one_by_one() {
        // Small pages, so that where pages are cut can differ; the rows cannot.
        let props = WriterProperties::builder()
            .set_data_page_size_limit(512)
            .set_write_batch_size(64)
            .build();
        let batches: Vec<RecordBatch> = (0..5).map(|i| wide_batch(40, 150 + i * 30, i)).collect();
        let schema = batches[0].schema();
        let mut one_by_one =
            PartWriter::try_new(Vec::new(), schema.clone(), props.clone()).unwrap();
        for b in &batches {
            one_by_one.write(b).unwrap();
        }
        let mut at_once = PartWriter::try_new(Vec::new(), schema.clone(), props).unwrap();
        at_once.spread();
        at_once.write_all(&batches).unwrap();
        let want = arrow_select::concat::concat_batches(&schema, &batches).unwrap();
        for file in [
            one_by_one.into_inner().unwrap(),
            at_once.into_inner().unwrap(),
        ] {
            let got = read(file);
            let got = arrow_select::concat::concat_batches(&got[0].schema(), &got).unwrap();
            assert_eq!(got.num_rows(), want.num_rows());
            for (g, w) in got.columns().iter().zip(want.columns()) {
                assert_eq!(g.as_ref(), w.as_ref());
            }
        }
    }

    #[test]
    fn a_batch_of_another_width_is_refused() {
        let a = wide_batch(4, 10, 0);
        let mut w =
            PartWriter::try_new(Vec::new(), a.schema(), WriterProperties::default()).unwrap();
        let e = w.write(&wide_batch(3, 10, 0)).unwrap_err();
        assert!(
            e.to_string().contains("batch of 3 columns for a file of 4"),
            "{e}"
        );
    }
}
