//! Tables held in memory between a run and its caller. A low-memory result
//! ([`Collect::compact`](crate::Collect::compact)) keeps its batches past a small budget
//! packed: ids as 16 bytes a row (repeated ids, as a child table's parent ids, once per
//! run), columns of one value once, the rest as LZ4-compressed Arrow IPC (108 of 279 MiB
//! on 200 000 nested orders). It unpacks one batch at a time when it is read or written.
//! Plain and packed batches give the same rows.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions, StringArray};
use arrow_buffer::{Buffer, OffsetBuffer, ScalarBuffer};
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::writer::StreamWriter;
use arrow_schema::{Schema, SchemaRef};
use transmog_core::report::Report;
use transmog_core::result::{FlatResult, ResultTable};
use transmog_core::{CellExtras, TableBatch};
use transmog_io::TableSink;

use crate::{Result, RunError};

/// Plain bytes unpacked at a time when packed tables are written: bounds the memory a
/// write adds while leaving the sink several tables to encode side by side.
const WRITE_BUDGET: usize = 32 << 20;

/// One batch of a held table, plain or packed.
#[derive(Debug, Clone)]
pub struct HeldBatch(Held);

#[derive(Debug, Clone)]
enum Held {
    Plain(TableBatch),
    Packed(Box<Packed>),
}

/// A batch held compressed. Two kinds of text column skip the compressor, which would
/// spend most of its time on them for no better result: a column of one value (the
/// extraction time, the array name of a child table) is kept once, and a column of
/// canonical UUIDs (the ids) as 16 bytes per row or per run of one id.
#[derive(Debug, Clone)]
struct Packed {
    table: Arc<str>,
    schema: SchemaRef,
    rows: usize,
    /// The Arrow buffers' size before packing.
    plain: usize,
    /// The other columns as one IPC stream, compressed (empty when there are none).
    bytes: Vec<u8>,
    /// Size of that IPC stream before compression.
    ipc_len: usize,
    /// `(column index, column)` of the columns kept aside, in index order.
    aside: Vec<(usize, Aside)>,
    extras: Vec<CellExtras>,
}

#[derive(Debug, Clone)]
enum Aside {
    /// Every row holds this text.
    Same(Box<str>),
    /// Canonical UUIDs, 16 bytes each: id `k` (bytes `16 k .. 16 k + 16`) is the value
    /// of the rows before `ends[k]` and from the previous end on. `ends` is empty when
    /// each row has its own id; runs are kept when they save memory (a child table's
    /// parent ids: one run per parent).
    Uuids { ids: Vec<u8>, ends: Vec<u32> },
}

impl Aside {
    fn size(&self) -> usize {
        match self {
            Aside::Same(text) => text.len(),
            Aside::Uuids { ids, ends } => ids.capacity() + 4 * ends.capacity(),
        }
    }
}

impl HeldBatch {
    /// A batch kept as it is.
    pub fn plain(batch: TableBatch) -> Self {
        HeldBatch(Held::Plain(batch))
    }

    /// A batch compressed; kept plain when it cannot be (a type IPC does not carry).
    pub fn packed(batch: TableBatch, packer: &mut Packer) -> Self {
        match packer.pack(&batch.batch) {
            Ok((bytes, ipc_len, aside)) => HeldBatch(Held::Packed(Box::new(Packed {
                schema: batch.batch.schema(),
                rows: batch.batch.num_rows(),
                plain: batch.batch.get_array_memory_size(),
                table: batch.table,
                bytes,
                ipc_len,
                aside,
                extras: batch.extras,
            }))),
            Err(_) => HeldBatch::plain(batch),
        }
    }

    /// Rows in the batch.
    pub fn num_rows(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.num_rows(),
            Held::Packed(p) => p.rows,
        }
    }

    /// Whether the batch is held compressed.
    pub fn is_packed(&self) -> bool {
        matches!(self.0, Held::Packed(_))
    }

    /// The batch, unpacked when it is held compressed.
    pub fn get(&self) -> Result<Cow<'_, TableBatch>> {
        match &self.0 {
            Held::Plain(b) => Ok(Cow::Borrowed(b)),
            Held::Packed(p) => Ok(Cow::Owned(TableBatch {
                table: p.table.clone(),
                batch: unpack(p)
                    .map_err(|e| RunError::Internal(format!("table '{}': {e}", p.table)))?,
                extras: p.extras.clone(),
            })),
        }
    }

    /// Bytes the batch holds: its Arrow buffers, or its packed bytes.
    pub fn held_size(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.get_array_memory_size(),
            Held::Packed(p) => {
                p.bytes.capacity() + p.aside.iter().map(|(_, a)| a.size()).sum::<usize>()
            }
        }
    }

    /// Plain bytes the batch takes (the unpacked size when packed).
    fn plain_size(&self) -> usize {
        match &self.0 {
            Held::Plain(b) => b.batch.get_array_memory_size(),
            Held::Packed(p) => p.plain,
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
    let kinded: Vec<(&str, &RecordBatch, &[CellExtras])> = group
        .iter()
        .zip(&batches)
        .map(|((stem, _), b)| (*stem, &b.batch, &b.extras[..]))
        .collect();
    sink.write_kinded(&kinded).map_err(RunError::Sink)
}

/// What packing reuses from batch to batch: the IPC text, the compressor's output and
/// its hash table. Only the compressed bytes are allocated per batch, at their size,
/// so a long run of packing leaves no holes in the heap.
///
/// LZ4 rather than zstd: on the orders' tables it compresses 1.7x against zstd level
/// 1's 2.6x, but about 4x faster and unpacks about 10x faster, and a low-memory result
/// is packed once and unpacked at least once on the caller's clock.
#[derive(Default)]
pub struct Packer {
    ipc: Vec<u8>,
    out: Vec<u8>,
    table: lz4_flex::block::CompressTable,
}

impl std::fmt::Debug for Packer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packer").finish_non_exhaustive()
    }
}

impl Packer {
    /// The batch's columns kept aside, and the others as one compressed IPC stream
    /// with its plain size.
    #[allow(clippy::type_complexity)]
    fn pack(
        &mut self,
        batch: &RecordBatch,
    ) -> std::result::Result<(Vec<u8>, usize, Vec<(usize, Aside)>), String> {
        let rows = batch.num_rows();
        let mut aside = Vec::new();
        let mut fields = Vec::new();
        let mut columns = Vec::new();
        for (i, (field, column)) in batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .enumerate()
        {
            let text = column.as_any().downcast_ref::<StringArray>();
            match text
                .filter(|t| t.null_count() == 0 && rows > 0)
                .and_then(set_aside)
            {
                Some(a) => aside.push((i, a)),
                None => {
                    fields.push(field.clone());
                    columns.push(column.clone());
                }
            }
        }
        if columns.is_empty() {
            return Ok((Vec::new(), 0, aside));
        }
        let rest = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &RecordBatchOptions::new().with_row_count(Some(rows)),
        )
        .map_err(to_text)?;
        self.ipc.clear();
        let mut writer =
            StreamWriter::try_new(&mut self.ipc, rest.schema_ref()).map_err(to_text)?;
        writer.write(&rest).map_err(to_text)?;
        writer.finish().map_err(to_text)?;
        drop(writer);
        self.out
            .resize(lz4_flex::block::get_maximum_output_size(self.ipc.len()), 0);
        let len =
            lz4_flex::block::compress_into_with_table(&self.ipc, &mut self.out, &mut self.table)
                .map_err(to_text)?;
        Ok((self.out[..len].to_vec(), self.ipc.len(), aside))
    }
}

/// The column kept aside when it is one value or canonical UUIDs throughout (and its
/// text fits `i32` offsets when rebuilt).
fn set_aside(text: &StringArray) -> Option<Aside> {
    let rows = text.len();
    let offsets = text.value_offsets();
    let first = text.value(0);
    let width = first.len();
    if width.checked_mul(rows)? > i32::MAX as usize {
        return None;
    }
    // Both kinds have every value of one width.
    let start = offsets[0];
    if offsets
        .iter()
        .enumerate()
        .any(|(i, &o)| (o - start) as usize != i * width)
    {
        return None;
    }
    let values = &text.value_data()[start as usize..start as usize + rows * width];
    if width == 0 {
        return Some(Aside::Same("".into()));
    }
    let mut values = values.chunks_exact(width);
    let runs = 1 + values
        .clone()
        .zip(values.clone().skip(1))
        .filter(|(a, b)| a != b)
        .count();
    if runs == 1 {
        return Some(Aside::Same(first.into()));
    }
    if width != 36 {
        return None;
    }
    // A run costs its id and a 4-byte end; a row alone costs its id.
    let by_run = runs * 20 < rows * 16 && u32::try_from(rows).is_ok();
    let mut ids = Vec::with_capacity(16 * if by_run { runs } else { rows });
    let mut ends = Vec::with_capacity(if by_run { runs } else { 0 });
    let mut previous: Option<&[u8]> = None;
    for (row, value) in values.by_ref().enumerate() {
        if by_run && previous == Some(value) {
            continue;
        }
        if previous.is_some() && by_run {
            ends.push(row as u32);
        }
        previous = Some(value);
        let at = ids.len();
        ids.resize(at + 16, 0);
        if !uuid_bytes(value, &mut ids[at..]) {
            return None;
        }
    }
    if by_run {
        ends.push(rows as u32);
    }
    Some(Aside::Uuids { ids, ends })
}

/// Hex digit values (lowercase only); 0xff for any other byte.
const NIBBLE: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut c = 0;
    while c < 10 {
        t[b'0' as usize + c] = c as u8;
        c += 1;
    }
    let mut c = 0;
    while c < 6 {
        t[b'a' as usize + c] = 10 + c as u8;
        c += 1;
    }
    t
};

/// Where the two hex digits of each of a UUID's 16 bytes are in its 36-byte text.
const HEX_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/// Writes the 16 bytes of a UUID written as `hyphenated` lowercase hex (what the
/// engine's ids are) into `out`; false for any other text, so that writing the bytes
/// back always gives the same text.
fn uuid_bytes(text: &[u8], out: &mut [u8]) -> bool {
    let (Ok(text), Ok(out)) = (<&[u8; 36]>::try_from(text), <&mut [u8; 16]>::try_from(out)) else {
        return false;
    };
    let mut bad = (text[8] ^ b'-') | (text[13] ^ b'-') | (text[18] ^ b'-') | (text[23] ^ b'-');
    for (o, &at) in out.iter_mut().zip(&HEX_AT) {
        let (hi, lo) = (
            NIBBLE[usize::from(text[at])],
            NIBBLE[usize::from(text[at + 1])],
        );
        bad |= (hi | lo) & 0xf0;
        *o = (hi << 4) | (lo & 15);
    }
    bad == 0
}

/// A text column of `rows` values of `width` bytes each, written by `fill` into the
/// value bytes (zeroed, `rows * width` long).
fn fixed_width_text(rows: usize, width: usize, fill: impl FnOnce(&mut [u8])) -> ArrayRef {
    let mut values = vec![0u8; rows * width];
    fill(&mut values);
    // `set_aside` checked that rows * width fits i32.
    let offsets: Vec<i32> = (0..=rows).map(|i| (i * width) as i32).collect();
    Arc::new(StringArray::new(
        OffsetBuffer::new(ScalarBuffer::from(offsets)),
        Buffer::from_vec(values),
        None,
    ))
}

fn rebuild(aside: &Aside, rows: usize) -> ArrayRef {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match aside {
        Aside::Same(text) => fixed_width_text(rows, text.len(), |values| {
            for v in values.chunks_exact_mut(text.len().max(1)) {
                v.copy_from_slice(text.as_bytes());
            }
        }),
        Aside::Uuids { ids, ends } => fixed_width_text(rows, 36, |values| {
            let write = |id: &[u8], text: &mut [u8]| {
                for (&b, &at) in id.iter().zip(&HEX_AT) {
                    text[at] = HEX[usize::from(b >> 4)];
                    text[at + 1] = HEX[usize::from(b & 15)];
                }
                for at in [8, 13, 18, 23] {
                    text[at] = b'-';
                }
            };
            if ends.is_empty() {
                for (id, text) in ids.chunks_exact(16).zip(values.chunks_exact_mut(36)) {
                    write(id, text);
                }
                return;
            }
            let mut from = 0;
            for (id, &end) in ids.chunks_exact(16).zip(ends) {
                let run = &mut values[36 * from..36 * end as usize];
                let (head, rest) = run.split_at_mut(36);
                write(id, head);
                for text in rest.chunks_exact_mut(36) {
                    text.copy_from_slice(head);
                }
                from = end as usize;
            }
        }),
    }
}

fn unpack(p: &Packed) -> std::result::Result<RecordBatch, String> {
    let mut rest = if p.ipc_len == 0 {
        Vec::new()
    } else {
        let mut ipc = vec![0u8; p.ipc_len];
        // lz4_flex is built as parquet builds it, without its checks against corrupt
        // input; these bytes were compressed by `Packer::pack` in this process.
        let len = lz4_flex::block::decompress_into(&p.bytes, &mut ipc).map_err(to_text)?;
        if len != p.ipc_len {
            return Err(format!("unpacked {len} of {} bytes", p.ipc_len));
        }
        // The batch's arrays point into the decompressed bytes: no second copy.
        let mut buffer = Buffer::from_vec(ipc);
        // SAFETY: the bytes are the IPC stream `Packer::pack` wrote from a valid batch,
        // in this process; checking them again (UTF-8 of every text) would be wasted.
        let mut decoder = unsafe { StreamDecoder::new().with_skip_validation(true) };
        let mut batch = None;
        while !buffer.is_empty() {
            if let Some(b) = decoder.decode(&mut buffer).map_err(to_text)? {
                batch = Some(b);
            }
        }
        decoder.finish().map_err(to_text)?;
        batch
            .ok_or_else(|| "a packed batch holds no rows".to_string())?
            .columns()
            .to_vec()
    }
    .into_iter();
    let mut aside = p.aside.iter().peekable();
    let columns = (0..p.schema.fields().len())
        .map(|i| match aside.next_if(|(at, _)| *at == i) {
            Some((_, a)) => Ok(rebuild(a, p.rows)),
            None => rest
                .next()
                .ok_or_else(|| "a packed batch lost a column".to_string()),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    RecordBatch::try_new_with_options(
        p.schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(p.rows)),
    )
    .map_err(to_text)
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

    fn uuid(i: i64) -> String {
        let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            x >> 32,
            x & 0xffff,
            (x >> 16) & 0xfff,
            (x >> 4) & 0xfff,
            x & 0xffff_ffff_ffff
        )
    }

    /// A batch of every column type the engine makes, with nulls, odd floats, non-ASCII
    /// text and field metadata; text columns of one value, of UUIDs, and of texts
    /// that are almost either.
    fn batch(table: &str, start: i64, rows: usize) -> TableBatch {
        let ids: Vec<i64> = (start..start + rows as i64).collect();
        let meta = HashMap::from([("transmog.kind".to_string(), "text".to_string())]);
        let text = |name: &str| Field::new(name, DataType::Utf8, true);
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("x", DataType::Float64, true),
            Field::new("b", DataType::Boolean, true),
            text("s").with_metadata(meta.clone()),
            Field::new("z", DataType::Null, true),
            text("same").with_metadata(meta),
            text("id"),
            text("upper_id"),
            text("id_or_null"),
            text("same_but_last"),
            text("empty"),
            text("parent_id"),
        ]));
        let floats = [f64::NAN, -0.0, 1e300, 0.1];
        let strings = |f: &dyn Fn(i64) -> Option<String>| -> ArrayRef {
            Arc::new(StringArray::from_iter(ids.iter().map(|i| f(*i))))
        };
        let last = start + rows as i64 - 1;
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
            strings(&|i| (i % 7 != 0).then(|| format!("é{i}-ü"))),
            Arc::new(NullArray::new(rows)),
            strings(&|_| Some("2024-01-02 03:04:05.000006".into())),
            strings(&|i| Some(uuid(i))),
            strings(&|i| {
                Some(if i == last {
                    uuid(i).to_uppercase()
                } else {
                    uuid(i)
                })
            }),
            strings(&|i| (i != last).then(|| uuid(i))),
            strings(&|i| Some(if i == last { "b" } else { "a" }.into())),
            strings(&|_| Some(String::new())),
            // Runs of four, as a child table's parent ids; the first run is cut short
            // when `start` is not a multiple of four.
            strings(&|i| Some(uuid(i / 4))),
        ];
        let mut extras = vec![CellExtras::default(); columns.len()];
        extras[0] = CellExtras {
            kinds: Some(vec![1; rows]),
            present_nulls: vec![0],
        };
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
        // Only columns that are kept aside (one value, UUIDs), and one row.
        let aside = TableBatch {
            batch: plain.batch.project(&[5, 6, 10, 11]).expect("project"),
            extras: vec![CellExtras::default(); 4],
            ..plain.clone()
        };
        let one = TableBatch {
            batch: plain.batch.slice(299, 1),
            ..plain.clone()
        };
        let mut packer = Packer::default();
        for b in [plain, sliced, aside, one] {
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
    fn only_exact_uuids_and_single_values_are_kept_aside() {
        let b = batch("t", 0, 50).batch;
        let names = |held: &HeldBatch| -> Vec<String> {
            let Held::Packed(p) = &held.0 else {
                panic!("not packed")
            };
            p.aside
                .iter()
                .map(|(i, _)| b.schema().field(*i).name().clone())
                .collect()
        };
        let held = HeldBatch::packed(batch("t", 0, 50), &mut Packer::default());
        assert_eq!(names(&held), ["same", "id", "empty", "parent_id"]);
        // Ids of their own row are kept per row, ids in runs once per run.
        let Held::Packed(p) = &held.0 else {
            panic!("not packed")
        };
        let uuids: Vec<(usize, usize)> = p
            .aside
            .iter()
            .filter_map(|(_, a)| match a {
                Aside::Uuids { ids, ends } => Some((ids.len() / 16, ends.len())),
                Aside::Same(_) => None,
            })
            .collect();
        assert_eq!(uuids, [(50, 0), (13, 13)]);
        let mut out = [0u8; 16];
        assert!(uuid_bytes(
            b"123e4567-e89b-12d3-a456-4266141740ff",
            &mut out
        ));
        assert_eq!(
            out,
            [
                0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17,
                0x40, 0xff
            ]
        );
        for wrong in [
            "123E4567-e89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400",
            "123e4567xe89b-12d3-a456-426614174000",
            "123e4567-e89b-12d3-a456-42661417400g",
            "{23e4567-e89b-12d3-a456-426614174000",
        ] {
            assert!(!uuid_bytes(wrong.as_bytes(), &mut out), "{wrong}");
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
