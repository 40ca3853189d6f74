//! Tables held in memory between a run and its caller. A low-memory result
//! ([`Collect::compact`](crate::Collect::compact)) keeps its batches past a small budget
//! as zstd-compressed Arrow IPC (about a third of the plain size on nested orders:
//! random ids and repeated timestamps compress well), and unpacks one batch at a time
//! when it is read or written. Plain and packed batches give the same rows.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use transmog_core::report::Report;
use transmog_core::result::{FlatResult, ResultTable};
use transmog_core::{CellExtras, TableBatch};
use transmog_io::TableSink;

use crate::{Result, RunError};

/// zstd level: 1 compresses orders' tables 2.9x at about 600 MB/s a core; the faster
/// negative levels only reach 1.8x.
const LEVEL: i32 = 1;

/// Plain bytes unpacked at a time when packed tables are written: bounds the memory a
/// write adds while leaving the sink several tables to encode side by side.
const WRITE_BUDGET: usize = 32 << 20;

/// One batch of a held table, plain or packed.
#[derive(Debug, Clone)]
pub struct HeldBatch(Held);

#[derive(Debug, Clone)]
enum Held {
    Plain(TableBatch),
    Packed {
        table: Arc<str>,
        rows: usize,
        /// Size of the IPC stream before compression.
        ipc_len: usize,
        bytes: Vec<u8>,
        extras: Vec<CellExtras>,
    },
}

impl HeldBatch {
    /// A batch kept as it is.
    pub fn plain(batch: TableBatch) -> Self {
        HeldBatch(Held::Plain(batch))
    }

    /// A batch compressed; kept plain when it cannot be (a type IPC does not carry).
    pub fn packed(batch: TableBatch, packer: &mut Packer) -> Self {
        match packer.pack(&batch.batch) {
            Ok((bytes, ipc_len)) => HeldBatch(Held::Packed {
                table: batch.table,
                rows: batch.batch.num_rows(),
                ipc_len,
                bytes,
                extras: batch.extras,
            }),
            Err(_) => HeldBatch::plain(batch),
        }
    }

    /// Rows in the batch.
    pub fn num_rows(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.num_rows(),
            Held::Packed { rows, .. } => *rows,
        }
    }

    /// Whether the batch is held compressed.
    pub fn is_packed(&self) -> bool {
        matches!(self.0, Held::Packed { .. })
    }

    /// The batch, unpacked when it is held compressed.
    pub fn get(&self) -> Result<Cow<'_, TableBatch>> {
        match &self.0 {
            Held::Plain(b) => Ok(Cow::Borrowed(b)),
            Held::Packed {
                table,
                ipc_len,
                bytes,
                extras,
                ..
            } => Ok(Cow::Owned(TableBatch {
                table: table.clone(),
                batch: unpack(bytes, *ipc_len)
                    .map_err(|e| RunError::Internal(format!("table '{table}': {e}")))?,
                extras: extras.clone(),
            })),
        }
    }

    /// Bytes the batch holds: its Arrow buffers, or its compressed bytes when packed.
    pub fn held_size(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.get_array_memory_size(),
            Held::Packed { bytes, .. } => bytes.capacity(),
        }
    }

    /// Plain bytes the batch takes (the unpacked size when packed).
    fn plain_size(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.get_array_memory_size(),
            Held::Packed { ipc_len, .. } => *ipc_len,
        }
    }
}

/// A table's batches, in the order they were made.
#[derive(Debug, Clone)]
pub struct HeldTable {
    /// Table name.
    pub name: Arc<str>,
    /// Batches in order.
    pub batches: Vec<HeldBatch>,
}

impl HeldTable {
    /// Rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(HeldBatch::num_rows).sum()
    }

    /// The table with every batch plain.
    pub fn to_table(&self) -> Result<ResultTable> {
        Ok(ResultTable {
            name: self.name.clone(),
            batches: self
                .batches
                .iter()
                .map(|b| b.get().map(Cow::into_owned))
                .collect::<Result<_>>()?,
        })
    }
}

/// Every table of a run as held in memory, with the run's report.
#[derive(Debug, Clone)]
pub struct HeldResult {
    /// The main table first, then child tables in the order their first row arrived.
    pub tables: Vec<HeldTable>,
    /// What the run reported.
    pub report: Report,
    /// Records accepted.
    pub records: u64,
}

impl HeldResult {
    /// The table named `name`.
    pub fn table(&self, name: &str) -> Option<&HeldTable> {
        self.tables.iter().find(|t| &*t.name == name)
    }

    /// The result with every batch plain.
    pub fn to_flat(&self) -> Result<FlatResult> {
        Ok(FlatResult {
            tables: self
                .tables
                .iter()
                .map(HeldTable::to_table)
                .collect::<Result<_>>()?,
            report: self.report.clone(),
            records: self.records,
        })
    }
}

/// Writes tables into `sink`, `(file stem, table)` each, unpacking packed batches a
/// budget at a time. The tables' batches are taken in turn (the first of each, then the
/// second, ...) so the sink encodes several tables side by side; each table's rows keep
/// their order, so the files are those of writing every batch at once. Returns the rows
/// written.
pub fn write_tables(sink: &mut TableSink, jobs: &[(&str, &HeldTable)]) -> Result<usize> {
    write_tables_by(sink, jobs, WRITE_BUDGET)
}

fn write_tables_by(
    sink: &mut TableSink,
    jobs: &[(&str, &HeldTable)],
    budget: usize,
) -> Result<usize> {
    let longest = jobs.iter().map(|(_, t)| t.batches.len()).max().unwrap_or(0);
    let mut rows = 0;
    let mut group: Vec<(&str, &HeldBatch)> = Vec::new();
    let mut unpacked = 0;
    for i in 0..longest {
        for (stem, table) in jobs {
            let Some(held) = table.batches.get(i) else {
                continue;
            };
            rows += held.num_rows();
            if held.is_packed() {
                unpacked += held.plain_size();
            }
            group.push((stem, held));
            if unpacked >= budget {
                write_group(sink, &group)?;
                group.clear();
                unpacked = 0;
            }
        }
    }
    write_group(sink, &group)?;
    Ok(rows)
}

/// Unpacks a group of batches, a thread per core (the sink's encoding threads are idle
/// meanwhile), and writes them at once.
fn write_group(sink: &mut TableSink, group: &[(&str, &HeldBatch)]) -> Result<()> {
    let packed = group.iter().filter(|(_, h)| h.is_packed()).count();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(packed);
    let batches: Vec<Cow<'_, TableBatch>> = if threads <= 1 {
        group.iter().map(|(_, h)| h.get()).collect::<Result<_>>()?
    } else {
        let part = group.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = group
                .chunks(part)
                .map(|chunk| {
                    scope.spawn(move || {
                        chunk
                            .iter()
                            .map(|(_, h)| h.get())
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(group.len());
            for w in workers {
                let done = w.join().map_err(|_| {
                    RunError::Internal("a thread unpacking batches panicked".into())
                })?;
                all.extend(done?);
            }
            Ok::<_, RunError>(all)
        })?
    };
    let pairs: Vec<(&str, &RecordBatch)> = group
        .iter()
        .zip(&batches)
        .map(|((stem, _), b)| (*stem, &b.batch))
        .collect();
    sink.write_all(&pairs).map_err(RunError::Sink)
}

/// What packing reuses from batch to batch: the IPC text, the compressor's output and
/// its context. Only the compressed bytes are allocated per batch, at their size, so
/// a long run of packing leaves no holes in the heap.
#[derive(Default)]
pub struct Packer {
    ipc: Vec<u8>,
    out: Vec<u8>,
    zstd: Option<zstd::bulk::Compressor<'static>>,
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packer").finish_non_exhaustive()
    }
}

impl Packer {
    /// The batch as one compressed IPC stream, with the stream's plain size.
    fn pack(&mut self, batch: &RecordBatch) -> std::result::Result<(Vec<u8>, usize), String> {
        self.ipc.clear();
        let mut writer =
            StreamWriter::try_new(&mut self.ipc, batch.schema_ref()).map_err(to_text)?;
        writer.write(batch).map_err(to_text)?;
        writer.finish().map_err(to_text)?;
        drop(writer);
        let zstd = match &mut self.zstd {
            Some(z) => z,
            None => self
                .zstd
                .insert(zstd::bulk::Compressor::new(LEVEL).map_err(to_text)?),
        };
        self.out.clear();
        self.out
            .reserve(zstd::zstd_safe::compress_bound(self.ipc.len()));
        zstd.compress_to_buffer(&self.ipc, &mut self.out)
            .map_err(to_text)?;
        Ok((self.out.as_slice().to_vec(), self.ipc.len()))
    }
}

fn unpack(bytes: &[u8], ipc_len: usize) -> std::result::Result<RecordBatch, String> {
    let ipc = zstd::bulk::decompress(bytes, ipc_len).map_err(to_text)?;
    // The batch's arrays point into the decompressed bytes: no second copy.
    let mut buffer = arrow_buffer::Buffer::from_vec(ipc);
    // SAFETY: the bytes are the IPC stream `Packer::pack` wrote from a valid batch, in
    // this process; checking them again (UTF-8 of every text) would be wasted work.
    let mut decoder = unsafe { StreamDecoder::new().with_skip_validation(true) };
    let mut batch = None;
    while !buffer.is_empty() {
        if let Some(b) = decoder.decode(&mut buffer).map_err(to_text)? {
            batch = Some(b);
        }
    }
    decoder.finish().map_err(to_text)?;
    batch.ok_or_else(|| "a packed batch holds no rows".to_string())
}

fn to_text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use transmog_io::{Format, OptionValue, SinkOptions};

    use super::*;

    /// A batch of every column type the engine makes, with nulls, odd floats, non-ASCII
    /// text and field metadata.
    fn batch(table: &str, start: i64, rows: usize) -> TableBatch {
        let ids: Vec<i64> = (start..start + rows as i64).collect();
        let meta = HashMap::from([("transmog.kind".to_string(), "text".to_string())]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("x", DataType::Float64, true),
            Field::new("b", DataType::Boolean, true),
            Field::new("s", DataType::Utf8, true).with_metadata(meta),
            Field::new("z", DataType::Null, true),
        ]));
        let floats = [f64::NAN, -0.0, 1e300, 0.1];
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter(
                ids.iter().map(|i| (i % 5 != 0).then_some(*i)),
            )),
            Arc::new(Float64Array::from_iter_values(
                ids.iter().map(|i| floats[*i as usize % 4]),
            )),
            Arc::new(BooleanArray::from_iter(
                ids.iter().map(|i| (i % 3 != 0).then_some(i % 2 == 0)),
            )),
            Arc::new(StringArray::from_iter(
                ids.iter().map(|i| (i % 7 != 0).then(|| format!("é{i}-ü"))),
            )),
            Arc::new(NullArray::new(rows)),
        ];
        let extras = vec![
            CellExtras {
                kinds: Some(vec![1; rows]),
                present_nulls: vec![0],
            },
            CellExtras::default(),
            CellExtras::default(),
            CellExtras::default(),
            CellExtras::default(),
        ];
        TableBatch {
            table: table.into(),
            batch: RecordBatch::try_new(schema, columns).expect("batch"),
            extras,
        }
    }

    #[test]
    fn a_packed_batch_unpacks_to_the_same_batch() {
        let plain = batch("t", 0, 300);
        // A slice, as a batch cut from a larger one would be.
        let sliced = TableBatch {
            batch: plain.batch.slice(17, 100),
            ..plain.clone()
        };
        let mut packer = Packer::default();
        for b in [plain, sliced] {
            let held = HeldBatch::packed(b.clone(), &mut packer);
            assert!(held.is_packed());
            assert_eq!(held.num_rows(), b.batch.num_rows());
            let back = held.get().expect("unpack").into_owned();
            assert_eq!(back.table, b.table);
            assert_eq!(back.batch, b.batch);
            assert_eq!(back.batch.schema(), b.batch.schema());
            assert_eq!(back.extras, b.extras);
        }
    }

    #[test]
    fn a_compact_collection_packs_past_its_budget_only() {
        use crate::{BatchSink, Collect, Totals};
        let one = batch("t", 0, 50);
        let size = one.batch.get_array_memory_size();
        let mut c = Collect::compact("t", 2 * size);
        for k in 0..5 {
            c.write(&[batch("t", k * 50, 50)]).expect("write");
        }
        let held = c.into_held(&Totals::default());
        let packed: Vec<bool> = held.tables[0]
            .batches
            .iter()
            .map(|b| b.is_packed())
            .collect();
        assert_eq!(packed, [false, false, true, true, true]);
        let flat = held.to_flat().expect("unpack");
        assert_eq!(flat.tables[0].num_rows(), 250);
        for (k, b) in flat.tables[0].batches.iter().enumerate() {
            assert_eq!(b.batch, batch("t", k as i64 * 50, 50).batch);
        }
    }

    /// Every file of `dir`, name -> bytes.
    fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
        let mut out: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn packed_tables_write_the_files_of_plain_ones() {
        let tables = |pack: bool| -> Vec<HeldTable> {
            ["a", "b"]
                .iter()
                .map(|name| HeldTable {
                    name: (*name).into(),
                    batches: (0..(if *name == "a" { 4 } else { 2 }))
                        .map(|k| {
                            let b = batch(name, k * 40, 40);
                            if pack {
                                HeldBatch::packed(b, &mut Packer::default())
                            } else {
                                HeldBatch::plain(b)
                            }
                        })
                        .collect(),
                })
                .collect()
        };
        let write = |held: &[HeldTable], budget: usize| {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut o = SinkOptions::new(Format::Parquet);
            o.set("row_group_size", OptionValue::Int(50))
                .expect("option");
            let mut sink = TableSink::create(dir.path(), o).expect("sink");
            let jobs: Vec<(&str, &HeldTable)> = held.iter().map(|t| (&*t.name, t)).collect();
            let rows = write_tables_by(&mut sink, &jobs, budget).expect("write");
            sink.finish().expect("finish");
            (rows, files(dir.path()))
        };
        let plain = write(&tables(false), usize::MAX);
        assert_eq!(plain.0, 240);
        assert_eq!(plain.1.len(), 2);
        // One batch unpacked at a time, then all at once.
        assert_eq!(write(&tables(true), 1), plain);
        assert_eq!(write(&tables(true), usize::MAX), plain);
    }
}
