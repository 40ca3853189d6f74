//! Assembling one table's final Parquet file from its part files (design (a)).
//!
//! While streaming, a table writes row groups into *part files*; a new part starts when the
//! table's union schema changes. At finish, this module writes the final file with the
//! union schema and, for every row group of every part and every union column:
//!
//! - **copy**: the part has the column with the final type: the encoded column chunk is
//!   byte-copied (`SerializedRowGroupWriter::append_column`), no decoding;
//! - **null**: the part lacks the column (or has it as `Null`): an all-null chunk of the
//!   final type is encoded;
//! - **re-encode**: the part has the column with a narrower type: only that chunk is
//!   decoded, cast (see [`transmog_core::types`]) and encoded again.
//!
//! With `write_page_checksum`, every chunk (copied or encoded) is rewritten on the way
//! through [`crate::crc::add_page_crcs`] so that each page header carries its CRC32, and
//! the chunk metadata and offset index are adjusted to the grown headers.
//!
//! A part whose last row group is a *tail* (the schema changed inside a row group) has
//! that row group joined with the next part's first (or with several tails in a row, when
//! parts started before their first row group was complete): all are decoded, reshaped to
//! the union and encoded again as one row group, so row groups keep their exact size.
//!
//! The final file gets the `ARROW:schema` of the union, so Arrow readers see the exact
//! types. Memory is bounded by one column chunk (re-encode and checksum paths), or by
//! one row group while a tail is joined.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, FieldRef, Schema, SchemaRef};
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter, ArrowWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::{
    ColumnChunkMetaData, PageIndexPolicy, ParquetMetaData, ParquetMetaDataOptions,
    ParquetMetaDataReader,
};
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::ColumnPath;

use crate::crc::{add_page_crcs, DATA_PAGES, DICTIONARY_PAGE};
use crate::error::{Error, Result};
use crate::options::ParquetOptions;
use crate::writer::Stop;
use transmog_core::types::{cast, null_array};

/// A finished part file of a table and the Arrow schema it was written with.
#[derive(Debug, Clone)]
pub(crate) struct PartFile {
    pub path: PathBuf,
    pub schema: SchemaRef,
    /// Its last row group is continued by the next part's first.
    pub continued: bool,
}

/// What the splice did, for cost reporting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpliceStats {
    /// Number of part files merged.
    pub parts: usize,
    /// Column chunks byte-copied from a part.
    pub chunks_copied: usize,
    /// All-null column chunks synthesized for columns a part did not have.
    pub chunks_null: usize,
    /// Column chunks decoded, cast to a wider type and encoded again.
    pub chunks_reencoded: usize,
    /// Total size of the part files read.
    pub part_bytes: u64,
}

impl SpliceStats {
    /// Adds another splice's counts (a table written as several files).
    pub(crate) fn add(&mut self, other: &SpliceStats) {
        self.parts += other.parts;
        self.chunks_copied += other.chunks_copied;
        self.chunks_null += other.chunks_null;
        self.chunks_reencoded += other.chunks_reencoded;
        self.part_bytes += other.part_bytes;
    }
}

/// Result of assembling a table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assembled {
    pub rows: u64,
    pub row_groups: usize,
    pub stats: SpliceStats,
}

struct Ctx<'a> {
    table: &'a str,
    out: &'a Path,
    checksum: bool,
    keep_index: bool,
    /// Properties for chunks encoded during the splice (null / widened).
    encode_props: WriterProperties,
}

impl Ctx<'_> {
    fn pq_err(&self, path: &Path) -> impl Fn(ParquetError) -> Error + '_ {
        let path = path.to_owned();
        move |e| Error::parquet(self.table, path.clone(), e)
    }
}

/// Writes the union of `parts` to `out` (see the module docs).
pub(crate) fn assemble(
    table: &str,
    parts: &[PartFile],
    union: &SchemaRef,
    opts: &ParquetOptions,
    out: &Path,
    stop: &Stop,
) -> Result<Assembled> {
    let mut props = opts.writer_properties(false, union, None)?;
    add_encoded_arrow_schema_to_metadata(union, &mut props);
    let ctx = Ctx {
        table,
        out,
        checksum: opts.write_page_checksum,
        keep_index: opts.write_page_index,
        encode_props: opts.writer_properties(opts.write_page_checksum, union, None)?,
    };
    let out_err = ctx.pq_err(out);
    let pq_schema = ArrowSchemaConverter::new()
        .convert(union)
        .map_err(&out_err)?;
    let file = crate::commit::create_file(out).map_err(|e| Error::io(table, out, e))?;
    let mut writer = SerializedFileWriter::new(
        BufWriter::with_capacity(COPY_BUFFER, file),
        pq_schema.root_schema_ptr(),
        Arc::new(props),
    )
    .map_err(&out_err)?;

    let mut stats = SpliceStats {
        parts: parts.len(),
        ..Default::default()
    };
    let mut rows = 0u64;
    let mut row_groups = 0usize;
    // A tail's columns, decoded, with its row count.
    let mut tail: Option<(Vec<Vec<ArrayRef>>, u64)> = None;
    for (index, part) in parts.iter().enumerate() {
        let has_next = index + 1 < parts.len();
        let part_err = ctx.pq_err(&part.path);
        let file = PartReader(File::open(&part.path).map_err(|e| Error::io(table, &part.path, e))?);
        stats.part_bytes += file
            .0
            .metadata()
            .map_err(|e| Error::io(table, &part.path, e))?
            .len();
        let md = Arc::new(read_metadata(&file).map_err(&part_err)?);
        let arrow = ArrowReaderMetadata::try_new(Arc::clone(&md), ArrowReaderOptions::new())
            .map_err(&part_err)?;
        let index = columns_by_name(&part.schema);
        let leaves = md.file_metadata().schema_descr().num_columns();
        if leaves != part.schema.fields().len() {
            return Err(Error::malformed(
                table,
                &part.path,
                format!(
                    "{leaves} leaf columns for {} fields",
                    part.schema.fields().len()
                ),
            ));
        }
        for rgi in 0..md.num_row_groups() {
            stop.check(table)?;
            let rg = md.row_group(rgi);
            let n = u64::try_from(rg.num_rows()).unwrap_or(0);
            let src = Source {
                part,
                file: &file,
                md: &md,
                arrow: &arrow,
                index: &index,
                rgi,
                rows: n,
            };
            if part.continued && has_next && rgi + 1 == md.num_row_groups() {
                let columns = decode_row_group(&ctx, &src, union)?;
                // A part whose only row group is a tail continues the tail before it.
                tail = Some(match tail.take() {
                    None => (columns, n),
                    Some((mut held, k)) => {
                        for (arrays, more) in held.iter_mut().zip(columns) {
                            arrays.extend(more);
                        }
                        (held, k + n)
                    }
                });
                continue;
            }
            let mut rgw = writer.next_row_group().map_err(&out_err)?;
            if let Some((columns, k)) = tail.take() {
                let head = decode_row_group(&ctx, &src, union)?;
                for ((field, mut arrays), more) in union.fields().iter().zip(columns).zip(head) {
                    stop.check(table)?;
                    arrays.extend(more);
                    // Encoded as the part encodes it (adaptive dictionary and codec).
                    let props = match index.get(field.name().as_str()) {
                        Some(&pi) => encoded_like(&ctx.encode_props, field, rg.column(pi)),
                        None => ctx.encode_props.clone(),
                    };
                    encode_and_splice(&ctx, &mut rgw, field, arrays, k + n, &props)?;
                    stats.chunks_reencoded += 1;
                }
                rgw.close().map_err(&out_err)?;
                rows += k + n;
                row_groups += 1;
                continue;
            }
            // Columns the part has with a narrower type, decoded a few at a time.
            let kind = |field: &FieldRef| {
                index.get(field.name().as_str()).map(|&pi| {
                    let dt = part.schema.field(pi).data_type();
                    (pi, dt == field.data_type(), *dt == DataType::Null)
                })
            };
            let narrower: Vec<&FieldRef> = union
                .fields()
                .iter()
                .filter(|f| matches!(kind(f), Some((_, false, false))))
                .collect();
            let mut next = 0;
            let mut decoded = std::collections::VecDeque::new();
            for field in union.fields() {
                // A row group of a wide table can take seconds.
                stop.check(table)?;
                match kind(field) {
                    Some((pi, true, _)) => {
                        let pidx = md.page_index_for_row_group(rgi);
                        splice_chunk(
                            &ctx,
                            &mut rgw,
                            &file,
                            &part.path,
                            rg.column(pi),
                            n,
                            pidx.column_index(pi),
                            pidx.offset_index(pi),
                        )?;
                        stats.chunks_copied += 1;
                    }
                    Some((_, false, false)) => {
                        if decoded.is_empty() {
                            let group = &narrower[next..(next + DECODE_GROUP).min(narrower.len())];
                            next += group.len();
                            decoded.extend(decode_columns(&ctx, &src, group)?);
                        }
                        let arrays = decoded.pop_front().ok_or_else(|| {
                            Error::malformed(table, &part.path, "a narrower column went missing")
                        })?;
                        encode_and_splice(&ctx, &mut rgw, field, arrays, n, &ctx.encode_props)?;
                        stats.chunks_reencoded += 1;
                    }
                    _ => {
                        let len = usize::try_from(n).unwrap_or(usize::MAX);
                        let arrays = vec![null_array(field.data_type(), len)];
                        encode_and_splice(&ctx, &mut rgw, field, arrays, n, &ctx.encode_props)?;
                        stats.chunks_null += 1;
                    }
                }
            }
            rgw.close().map_err(&out_err)?;
            rows += n;
            row_groups += 1;
        }
    }
    if tail.is_some() {
        return Err(Error::malformed(
            table,
            out,
            "a continued row group has no next part".to_string(),
        ));
    }
    let buf = writer.into_inner().map_err(&out_err)?;
    let mut file = buf
        .into_inner()
        .map_err(|e| Error::io(table, out, e.into_error()))?;
    file.flush().map_err(|e| Error::io(table, out, e))?;
    Ok(Assembled {
        rows,
        row_groups,
        stats,
    })
}

/// `props` with column `field` encoded like `chunk`: with or without a dictionary, and
/// with its codec.
fn encoded_like(
    props: &WriterProperties,
    field: &FieldRef,
    chunk: &ColumnChunkMetaData,
) -> WriterProperties {
    let col = ColumnPath::from(field.name().as_str());
    props
        .clone()
        .into_builder()
        .set_column_dictionary_enabled(col.clone(), chunk.dictionary_page_offset().is_some())
        .set_column_compression(col, chunk.compression())
        .build()
}

/// Reads a footer with everything the splice must carry over: page indexes when present
/// and the full page encoding statistics (by default parquet-rs keeps only a mask of them,
/// which would drop them from the spliced file's footer).
fn read_metadata<R: ChunkReader>(reader: &R) -> Result<ParquetMetaData, ParquetError> {
    ParquetMetaDataReader::new()
        .with_page_index_policy(PageIndexPolicy::Optional)
        .with_metadata_options(Some(
            ParquetMetaDataOptions::new().with_encoding_stats_as_mask(false),
        ))
        .parse_and_finish(reader)
}

/// The last row group of a part, in the part's schema (a tail, read back to choose the
/// next part's dictionaries as if its row group had been written whole).
pub(crate) fn read_last_row_group(table: &str, part: &PartFile) -> Result<Vec<RecordBatch>> {
    let err = |e| Error::parquet(table, &part.path, e);
    let file = File::open(&part.path).map_err(|e| Error::io(table, &part.path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(err)?;
    let Some(last) = builder.metadata().num_row_groups().checked_sub(1) else {
        return Ok(Vec::new());
    };
    let rows = builder.metadata().row_group(last).num_rows();
    let reader = builder
        .with_row_groups(vec![last])
        .with_batch_size(batch_rows(rows, 8192))
        .build()
        .map_err(err)?;
    reader
        .map(|b| b.map_err(|e| Error::arrow(table, e)))
        .collect()
}

/// The batch size to read `rows` rows with, at most `most`: Arrow's readers reserve a
/// whole batch per column up front, which for the short row groups of a table of
/// thousands of columns (a tail) was hundreds of MiB (MDN browser-compat-data: 344 MiB
/// of a 395 MiB peak).
pub(crate) fn batch_rows(rows: i64, most: usize) -> usize {
    usize::try_from(rows).unwrap_or(most).clamp(1, most)
}

/// Each column's index in `schema`, by name.
fn columns_by_name(schema: &Schema) -> HashMap<&str, usize> {
    let fields = schema.fields().iter().enumerate();
    fields.map(|(i, f)| (f.name().as_str(), i)).collect()
}

/// Columns decoded together when a part has them with a narrower type: one reader for
/// them (see [`decode_columns`]), while at most this many column chunks are held.
const DECODE_GROUP: usize = 64;

/// Largest read when copying a column chunk. parquet-rs copies a chunk through the
/// reader's `BufReader`, whose default 8 KiB costs a read and a write system call per 8 KiB.
const COPY_BUFFER: usize = 1 << 20;

/// A part file whose chunk reads grow from 16 KiB to [`COPY_BUFFER`], so that a large
/// chunk is copied in few system calls and a small one reads little past its end.
struct PartReader(File);

impl parquet::file::reader::Length for PartReader {
    fn len(&self) -> u64 {
        parquet::file::reader::Length::len(&self.0)
    }
}

impl ChunkReader for PartReader {
    type T = GrowingReader;

    fn get_read(&self, start: u64) -> Result<Self::T, ParquetError> {
        let mut file = self.0.try_clone()?;
        file.seek(SeekFrom::Start(start))?;
        Ok(GrowingReader {
            file,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            want: 16 << 10,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes, ParquetError> {
        self.0.get_bytes(start, length)
    }
}

/// A buffered reader whose refills double in size up to [`COPY_BUFFER`].
struct GrowingReader {
    file: File,
    /// Grown (and zeroed) only when a refill wants more than it holds.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    want: usize,
}

impl Read for GrowingReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.end {
            if self.buf.len() < self.want {
                self.buf.resize(self.want, 0);
            }
            self.end = self.file.read(&mut self.buf[..self.want])?;
            self.pos = 0;
            self.want = (self.want * 2).min(COPY_BUFFER);
        }
        let n = out.len().min(self.end - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// One row group of a part file.
struct Source<'a> {
    part: &'a PartFile,
    file: &'a PartReader,
    md: &'a Arc<ParquetMetaData>,
    /// The part's footer as the Arrow reader takes it (made once per part).
    arrow: &'a ArrowReaderMetadata,
    /// The part's columns by name (`Schema::index_of` formats every name into its error
    /// for a column the part lacks: quadratic in wide tables).
    index: &'a HashMap<&'a str, usize>,
    rgi: usize,
    rows: u64,
}

/// Every union column of a row group, decoded and reshaped to the union (null where the
/// part lacks the column).
fn decode_row_group(
    ctx: &Ctx<'_>,
    src: &Source<'_>,
    union: &SchemaRef,
) -> Result<Vec<Vec<ArrayRef>>> {
    let fields: Vec<&FieldRef> = union.fields().iter().collect();
    decode_columns(ctx, src, &fields)
}

/// Union columns `fields` of a row group, each decoded and cast to its field's type (all
/// null where the part lacks it or has it as `Null`). One reader reads them all: a reader's set-up walks the whole schema, so a reader
/// per column made wide tables quadratic.
fn decode_columns(
    ctx: &Ctx<'_>,
    src: &Source<'_>,
    fields: &[&FieldRef],
) -> Result<Vec<Vec<ArrayRef>>> {
    let len = usize::try_from(src.rows).unwrap_or(usize::MAX);
    let at: Vec<Option<usize>> = fields
        .iter()
        .map(|f| {
            src.index
                .get(f.name().as_str())
                .copied()
                .filter(|&pi| *src.part.schema.field(pi).data_type() != DataType::Null)
        })
        .collect();
    let mut leaves: Vec<usize> = at.iter().flatten().copied().collect();
    leaves.sort_unstable();
    let mut out: Vec<Vec<ArrayRef>> = fields
        .iter()
        .zip(&at)
        .map(|(f, at)| match at {
            Some(_) => Vec::new(),
            None => vec![null_array(f.data_type(), len)],
        })
        .collect();
    if leaves.is_empty() {
        return Ok(out);
    }
    let err = ctx.pq_err(&src.part.path);
    let file = src
        .file
        .0
        .try_clone()
        .map_err(|e| Error::io(ctx.table, &src.part.path, e))?;
    let mask = ProjectionMask::leaves(src.md.file_metadata().schema_descr(), leaves.clone());
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, src.arrow.clone())
        .with_row_groups(vec![src.rgi])
        .with_projection(mask)
        .with_batch_size(batch_rows(
            i64::try_from(src.rows).unwrap_or(i64::MAX),
            8192,
        ))
        .build()
        .map_err(&err)?;
    for batch in reader {
        let batch = batch.map_err(|e| Error::arrow(ctx.table, e))?;
        for ((field, at), arrays) in fields.iter().zip(&at).zip(&mut out) {
            let Some(pi) = at else { continue };
            // The batch holds the projected leaves in file order.
            let j = leaves.binary_search(pi).map_err(|_| {
                Error::malformed(ctx.table, &src.part.path, format!("column {pi} not read"))
            })?;
            let array =
                cast(batch.column(j), field.data_type()).map_err(|e| Error::arrow(ctx.table, e))?;
            arrays.push(array);
        }
    }
    Ok(out)
}

/// Encodes `arrays` as one column chunk (in memory) and splices it into the row group.
fn encode_and_splice<W: Write + Send>(
    ctx: &Ctx<'_>,
    rgw: &mut SerializedRowGroupWriter<'_, W>,
    field: &FieldRef,
    arrays: Vec<ArrayRef>,
    rows: u64,
    props: &WriterProperties,
) -> Result<()> {
    let err = ctx.pq_err(ctx.out);
    let schema = Arc::new(Schema::new(vec![Arc::clone(field)]));
    let mut w =
        ArrowWriter::try_new(Vec::new(), Arc::clone(&schema), Some(props.clone())).map_err(&err)?;
    for array in arrays {
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![array])
            .map_err(|e| Error::arrow(ctx.table, e))?;
        w.write(&batch).map_err(&err)?;
    }
    let bytes = Bytes::from(w.into_inner().map_err(&err)?);
    let md = read_metadata(&bytes).map_err(&err)?;
    if md.num_row_groups() != 1 || md.row_group(0).num_rows() != rows as i64 {
        return Err(Error::malformed(
            ctx.table,
            ctx.out,
            format!(
                "re-encoding column `{}` produced {} row groups instead of one of {rows} rows",
                field.name(),
                md.num_row_groups()
            ),
        ));
    }
    let pidx = md.page_index_for_row_group(0);
    splice_chunk(
        ctx,
        rgw,
        &bytes,
        ctx.out,
        md.row_group(0).column(0),
        rows,
        pidx.column_index(0),
        pidx.offset_index(0),
    )
}

/// Appends one encoded column chunk from `reader` to the row group, keeping or dropping
/// the page index per the options and inserting page CRCs when requested.
#[allow(clippy::too_many_arguments)]
fn splice_chunk<W: Write + Send, R: ChunkReader>(
    ctx: &Ctx<'_>,
    rgw: &mut SerializedRowGroupWriter<'_, W>,
    reader: &R,
    source_path: &Path,
    col: &ColumnChunkMetaData,
    rows: u64,
    column_index: Option<&ColumnIndexMetaData>,
    offset_index: Option<&OffsetIndexMetaData>,
) -> Result<()> {
    let out_err = ctx.pq_err(ctx.out);
    let column_index = if ctx.keep_index {
        column_index.cloned()
    } else {
        None
    };
    let offset_index = if ctx.keep_index {
        offset_index.cloned()
    } else {
        None
    };
    let len = u64::try_from(col.compressed_size()).unwrap_or(0);
    if !ctx.checksum {
        let close = ColumnCloseResult {
            bytes_written: len,
            rows_written: rows,
            metadata: col.clone(),
            bloom_filter: None,
            column_index,
            offset_index,
        };
        return rgw.append_column(reader, close).map_err(&out_err);
    }

    let malformed = |reason: String| Error::malformed(ctx.table, source_path, reason);
    let start = col
        .dictionary_page_offset()
        .unwrap_or_else(|| col.data_page_offset());
    let start = u64::try_from(start).map_err(|_| malformed("negative chunk offset".into()))?;
    let chunk = reader
        .get_bytes(start, usize::try_from(len).unwrap_or(usize::MAX))
        .map_err(ctx.pq_err(source_path))?;
    let (with_crc, spans) = add_page_crcs(&chunk)
        .map_err(|r| malformed(format!("column `{}`: {r}", col.column_descr().name())))?;
    let has_dict = col.dictionary_page_offset().is_some();
    if has_dict != (spans.first().map(|s| s.page_type) == Some(DICTIONARY_PAGE)) {
        return Err(malformed(format!(
            "column `{}`: dictionary page offset and pages disagree",
            col.column_descr().name()
        )));
    }
    let data_spans: Vec<_> = spans
        .iter()
        .filter(|s| DATA_PAGES.contains(&s.page_type))
        .collect();
    let first_data = data_spans
        .first()
        .ok_or_else(|| malformed("column chunk without data pages".into()))?;
    let offset_index = match offset_index {
        None => None,
        Some(oi) => {
            if oi.page_locations.len() != data_spans.len() {
                return Err(malformed(format!(
                    "offset index lists {} pages, chunk has {}",
                    oi.page_locations.len(),
                    data_spans.len()
                )));
            }
            let page_locations = oi
                .page_locations
                .iter()
                .zip(&data_spans)
                .map(|(old, span)| PageLocation {
                    offset: span.offset as i64,
                    compressed_page_size: span.len as i32,
                    first_row_index: old.first_row_index,
                })
                .collect();
            Some(OffsetIndexMetaData {
                page_locations,
                unencoded_byte_array_data_bytes: oi.unencoded_byte_array_data_bytes.clone(),
            })
        }
    };
    let growth = with_crc.len() as i64 - chunk.len() as i64;
    let metadata = col
        .clone()
        .into_builder()
        .set_total_compressed_size(with_crc.len() as i64)
        .set_total_uncompressed_size(col.uncompressed_size() + growth)
        .set_dictionary_page_offset(has_dict.then_some(0))
        .set_data_page_offset(first_data.offset as i64)
        .build()
        .map_err(&out_err)?;
    let close = ColumnCloseResult {
        bytes_written: with_crc.len() as u64,
        rows_written: rows,
        metadata,
        bloom_filter: None,
        column_index,
        offset_index,
    };
    rgw.append_column(&Bytes::from(with_crc), close)
        .map_err(&out_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_batch_holds_no_more_rows_than_the_row_group() {
        assert_eq!(batch_rows(130, 8192), 130);
        assert_eq!(batch_rows(0, 8192), 1);
        assert_eq!(batch_rows(1 << 40, 8192), 8192);
        assert_eq!(batch_rows(-1, 8192), 8192);
    }

    #[test]
    fn part_reader_copies_any_span_of_a_file_exactly() {
        // Larger than two full reads, with a length that is no multiple of any read size.
        let data: Vec<u8> = (0..(2 * COPY_BUFFER + 40_013))
            .map(|i| (i * 131 % 251) as u8)
            .collect();
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        tmp.write_all(&data).unwrap();
        let reader = PartReader(File::open(tmp.path()).unwrap());
        for (start, len) in [
            (0, data.len()),
            (7, 1),
            (5, 20_000),
            (100, 3 * COPY_BUFFER / 2),
        ] {
            let mut out = Vec::new();
            let read = reader.get_read(start as u64).unwrap();
            std::io::copy(&mut read.take(len as u64), &mut out).unwrap();
            assert_eq!(out, &data[start..start + len], "span {start}+{len}");
        }
        let mut all = Vec::new();
        reader.get_read(0).unwrap().read_to_end(&mut all).unwrap();
        assert_eq!(all, data);
    }
}
