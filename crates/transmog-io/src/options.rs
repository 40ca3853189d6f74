//! Sink configuration: output format, Parquet writer options (pyarrow names), CSV options.
//!
//! [`ParquetOptions::set`] accepts the option names of `pyarrow.parquet.ParquetWriter`
//! that this crate implements; any other key is an [`Error::UnknownOption`] naming it.
//! Nothing is silently ignored.

use arrow_array::{Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::basic::{BrotliLevel, Compression, Encoding, GzipLevel, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;
use rustc_hash::FxHashSet;
use transmog_core::{Role, ROLE_KEY};

use crate::error::{Error, Result};

/// Output file format of a [`crate::TableSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One Parquet file per table (`.parquet`).
    #[default]
    Parquet,
    /// One RFC 4180 CSV file per table (`.csv`), header = union of the table's columns.
    Csv,
    /// One JSON Lines file per table (`.jsonl`), one object per row, nulls omitted.
    Jsonl,
}

impl Format {
    /// File extension (without dot) used for this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// Parses `parquet`, `csv`, `jsonl` (also `ndjson`), case-insensitively.
    pub fn parse(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            _ => Err(Error::InvalidOption {
                value: None,
                key: "format".into(),
                reason: format!("`{text}` is not one of parquet, csv, jsonl"),
            }),
        }
    }
}

/// A Parquet compression codec with its optional level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// Snappy (the default, like pyarrow).
    #[default]
    Snappy,
    /// Gzip, level 0..=9 (parquet-rs default 6 when `None`).
    Gzip(Option<u32>),
    /// Brotli, level 0..=11 (parquet-rs default 1 when `None`).
    Brotli(Option<u32>),
    /// Zstandard, level -131072..=22 (parquet-rs default 1 when `None`).
    Zstd(Option<i32>),
    /// LZ4 as pyarrow writes it: Parquet's `LZ4_RAW` codec (not the deprecated Hadoop framing).
    Lz4,
    /// No compression.
    Uncompressed,
}

impl Codec {
    /// Parses a codec name, optionally with a level: `snappy`, `gzip`, `gzip:9`, `brotli:5`,
    /// `zstd`, `zstd:3`, `lz4` (= `lz4_raw`), `none` / `uncompressed`. Case-insensitive.
    pub fn parse(text: &str) -> Result<Self> {
        let lower = text.trim().to_ascii_lowercase();
        let (name, level) = match lower.split_once(':') {
            Some((n, l)) => (n.trim(), Some(l.trim())),
            None => (lower.as_str(), None),
        };
        let bad = |reason: String| Error::InvalidOption {
            value: None,
            key: "compression".into(),
            reason,
        };
        let codec = match name {
            "snappy" => Codec::Snappy,
            "gzip" => Codec::Gzip(None),
            "brotli" => Codec::Brotli(None),
            "zstd" => Codec::Zstd(None),
            "lz4" | "lz4_raw" => Codec::Lz4,
            "none" | "uncompressed" => Codec::Uncompressed,
            _ => {
                return Err(bad(format!(
                    "unknown codec `{text}` (expected snappy, gzip, brotli, zstd, lz4, none, optionally `name:level`)"
                )))
            }
        };
        match level {
            None => Ok(codec),
            Some(l) => {
                let level: i64 = l
                    .parse()
                    .map_err(|_| bad(format!("level `{l}` in `{text}` is not an integer")))?;
                codec.with_level(level)
            }
        }
    }

    /// Returns this codec with `level` set; an error if the codec has no levels or the
    /// level is out of range.
    pub fn with_level(self, level: i64) -> Result<Self> {
        let out_of_range = |name: &str, range: &str| Error::InvalidOption {
            value: None,
            key: "compression_level".into(),
            reason: format!("level {level} is out of range for {name} ({range})"),
        };
        let codec = match self {
            Codec::Gzip(_) => Codec::Gzip(Some(
                u32::try_from(level).map_err(|_| out_of_range("gzip", "0..=9"))?,
            )),
            Codec::Brotli(_) => Codec::Brotli(Some(
                u32::try_from(level).map_err(|_| out_of_range("brotli", "0..=11"))?,
            )),
            Codec::Zstd(_) => Codec::Zstd(Some(
                i32::try_from(level).map_err(|_| out_of_range("zstd", "-131072..=22"))?,
            )),
            other => {
                return Err(Error::InvalidOption {
                    value: None,
                    key: "compression_level".into(),
                    reason: format!("codec {} does not take a level", other.name()),
                })
            }
        };
        codec.to_parquet()?;
        Ok(codec)
    }

    /// Lower-case name of the codec (`snappy`, `gzip`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Snappy => "snappy",
            Codec::Gzip(_) => "gzip",
            Codec::Brotli(_) => "brotli",
            Codec::Zstd(_) => "zstd",
            Codec::Lz4 => "lz4",
            Codec::Uncompressed => "none",
        }
    }

    /// The parquet-rs [`Compression`] for this codec; validates the level.
    pub fn to_parquet(self) -> Result<Compression> {
        let level_err = |e: parquet::errors::ParquetError| Error::InvalidOption {
            value: None,
            key: "compression_level".into(),
            reason: e.to_string(),
        };
        Ok(match self {
            Codec::Snappy => Compression::SNAPPY,
            Codec::Gzip(l) => Compression::GZIP(match l {
                Some(l) => GzipLevel::try_new(l).map_err(level_err)?,
                None => GzipLevel::default(),
            }),
            Codec::Brotli(l) => Compression::BROTLI(match l {
                Some(l) => BrotliLevel::try_new(l).map_err(level_err)?,
                None => BrotliLevel::default(),
            }),
            Codec::Zstd(l) => Compression::ZSTD(match l {
                Some(l) => ZstdLevel::try_new(l).map_err(level_err)?,
                None => ZstdLevel::default(),
            }),
            Codec::Lz4 => Compression::LZ4_RAW,
            Codec::Uncompressed => Compression::UNCOMPRESSED,
        })
    }
}

/// Parquet data page format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataPageVersion {
    /// `DataPage` (V1) pages, pyarrow's default.
    #[default]
    V1,
    /// `DataPageV2` pages. parquet-rs ties V2 pages to its `PARQUET_2_0` writer version;
    /// this crate keeps PLAIN as the dictionary fallback encoding (as pyarrow does).
    V2,
}

pub use transmog_core::OptionValue;

/// Attaches the option's name to a value's rejection.
fn checked<T>(key: &str, r: std::result::Result<T, transmog_core::options::Reason>) -> Result<T> {
    r.map_err(|reason| Error::InvalidOption {
        value: None,
        key: key.to_owned(),
        reason,
    })
}

fn expected(key: &str, what: &str, value: &OptionValue) -> Error {
    Error::InvalidOption {
        value: None,
        key: key.to_owned(),
        reason: format!("expected {what}, got {}", value.shown()),
    }
}

fn version_text(key: &str, value: &OptionValue) -> Result<String> {
    match value {
        OptionValue::Str(s) => Ok(s.trim().to_owned()),
        OptionValue::Float(f) => Ok(format!("{f:.1}")),
        OptionValue::Int(i) => Ok(format!("{i}.0")),
        other => Err(expected(key, "a version string", other)),
    }
}

/// Option keys accepted by [`ParquetOptions::set`].
pub const PARQUET_OPTION_KEYS: &[&str] = &[
    "compression",
    "compression_level",
    "row_group_size",
    "write_page_index",
    "write_page_checksum",
    "data_page_size",
    "dictionary_pagesize_limit",
    "use_dictionary",
    "write_statistics",
    "data_page_version",
    "version",
    "write_batch_size",
    "max_file_size",
];

/// Parquet writer options, named and defaulted like pyarrow's `ParquetWriter`
/// (with Transmog's `row_group_size=10000`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParquetOptions {
    /// Compression codec (default snappy).
    pub compression: Codec,
    /// Compression level overriding the codec's own (pyarrow's `compression_level`);
    /// checked against the codec when the sink is created, so the order in which
    /// `compression` and `compression_level` are set does not matter.
    pub compression_level: Option<i64>,
    /// Rows per row group; every row group but the last of a file has exactly this many.
    pub row_group_size: usize,
    /// Write the column index and offset index (default false, like pyarrow).
    pub write_page_index: bool,
    /// Write a CRC32 into every page header (default false, like pyarrow).
    pub write_page_checksum: bool,
    /// Target data page size in bytes (`None` = 1 MiB).
    pub data_page_size: Option<usize>,
    /// Dictionary page size limit in bytes (`None` = 1 MiB).
    pub dictionary_pagesize_limit: Option<usize>,
    /// Dictionary-encode columns (default true).
    pub use_dictionary: bool,
    /// With `use_dictionary` left at its default: text columns whose first row group
    /// has more than half distinct values (of at least 1000) are written plain.
    /// Setting `use_dictionary` explicitly turns this off (pyarrow's all-or-nothing).
    pub adaptive_dictionary: bool,
    /// With `compression` left at its default (snappy): a text column written without a
    /// dictionary that snappy shrinks by less than 15 % in the
    /// file's first row group is stored uncompressed (random ids, hashes, tokens): the
    /// codec would spend more time on it than any other column for a few percent.
    /// Setting `compression` explicitly turns this off: every column gets the codec.
    pub adaptive_compression: bool,
    /// Write column chunk statistics (default true).
    pub write_statistics: bool,
    /// Data page format (default V1).
    pub data_page_version: DataPageVersion,
    /// Values per encoder batch (`None` = 1024); also the granularity of page size checks.
    pub write_batch_size: Option<usize>,
    /// Bytes after which a table's file is closed and the table continues in a next file
    /// (`None`: one file per table, however large). A table that rolls over is written as
    /// a folder of part files, `<table>/part-00000.parquet`, ... (see
    /// [`MAX_FILE_COLUMN_CHUNKS`] for the other limit that applies with it).
    pub max_file_size: Option<usize>,
    /// Memory a table may hold in rows buffered for a part's first row group, whose rows
    /// choose the adaptive dictionaries and codecs (default 16 MiB). Past it,
    /// the rows buffered so far choose and the row group streams on: a wide table would
    /// otherwise hold a whole row group as Arrow arrays.
    pub sample_bytes: usize,
    /// Memory all tables together may hold in rows not yet in a file: rows buffered,
    /// the encoded pages of row groups in progress and the footers of open part files
    /// (default 128 MiB). Past it the tables holding most write theirs out early, as
    /// part files whose row groups the finish joins, so row groups keep their size: with
    /// thousands of tables none of which fills a row group, memory would otherwise grow
    /// with the input.
    pub memory_budget: usize,
}

/// Default of [`ParquetOptions::sample_bytes`].
pub(crate) const SAMPLE_BYTES: usize = 16 << 20;

/// Flatbuffer tables an Arrow IPC schema may hold for arrow-rs's reader (flatbuffers'
/// default verifier limit), and so for the splice reading our own part files.
pub const MAX_SCHEMA_ENTRIES: usize = 1_000_000;

/// Flatbuffer tables the `ARROW:schema` of `schema` holds: the message and the schema,
/// each key-value pair of the schema's metadata, and per field the field, its type and
/// each pair of its metadata (the column types written here have no children).
pub(crate) fn schema_entries(schema: &arrow_schema::Schema) -> usize {
    let fields: usize = schema.fields().iter().map(|f| 2 + f.metadata().len()).sum();
    2 + schema.metadata().len() + fields
}

/// Default of [`ParquetOptions::memory_budget`].
pub const MEMORY_BUDGET: usize = 128 << 20;

/// With [`ParquetOptions::max_file_size`] set, a file also rolls over once its footer
/// holds this many column chunks (row groups times columns). The writer keeps every
/// chunk's metadata in memory until the file is closed (about 0.9 KB each), so this
/// bounds that memory for wide tables, whose row groups have thousands of columns.
pub const MAX_FILE_COLUMN_CHUNKS: usize = 8_192;

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            compression: Codec::Snappy,
            compression_level: None,
            row_group_size: 10_000,
            write_page_index: false,
            write_page_checksum: false,
            data_page_size: None,
            dictionary_pagesize_limit: None,
            use_dictionary: true,
            adaptive_dictionary: true,
            adaptive_compression: true,
            write_statistics: true,
            data_page_version: DataPageVersion::V1,
            sample_bytes: SAMPLE_BYTES,
            memory_budget: MEMORY_BUDGET,
            write_batch_size: None,
            max_file_size: None,
        }
    }
}

/// pyarrow options this crate knows about but deliberately does not implement.
const UNSUPPORTED_PYARROW_KEYS: &[&str] = &[
    "use_deprecated_int96_timestamps",
    "coerce_timestamps",
    "allow_truncated_timestamps",
    "flavor",
    "filesystem",
    "use_byte_stream_split",
    "column_encoding",
    "store_schema",
    "encryption_properties",
    "use_compliant_nested_type",
    "sorting_columns",
    "store_decimal_as_integer",
    "use_content_defined_chunking",
    "write_time_adjusted_to_utc",
];

impl ParquetOptions {
    /// Sets one option by its pyarrow name.
    ///
    /// Accepted keys: see [`PARQUET_OPTION_KEYS`]. `compression` takes a codec string
    /// (`"zstd:3"` style levels allowed, see [`Codec::parse`]) or `None` (= uncompressed);
    /// `compression_level` applies to the codec (checked when the sink is created);
    /// `data_page_size`,
    /// `dictionary_pagesize_limit` and `write_batch_size` take a positive integer or `None`;
    /// `data_page_version` is `"1.0"` or `"2.0"`; `version` (`"1.0"`, `"2.4"`, `"2.6"`)
    /// is validated only: for the column types this crate writes (boolean, int64,
    /// double, string, null) every format version produces the same file.
    /// Any other key fails with [`Error::UnknownOption`] naming it.
    pub fn set(&mut self, key: &str, value: OptionValue) -> Result<()> {
        match key {
            "compression" => {
                self.adaptive_compression = false;
                self.compression = match &value {
                    OptionValue::None => Codec::Uncompressed,
                    OptionValue::Str(s) => Codec::parse(s)?,
                    other => return Err(expected(key, "a codec name", other)),
                };
            }
            "compression_level" => {
                self.compression_level = match value {
                    OptionValue::None => None,
                    v => Some(checked(key, v.as_i64())?),
                };
            }
            "row_group_size" => self.row_group_size = checked(key, value.as_positive())?,
            "write_page_index" => self.write_page_index = checked(key, value.as_bool())?,
            "write_page_checksum" => self.write_page_checksum = checked(key, value.as_bool())?,
            "data_page_size" => self.data_page_size = checked(key, value.as_opt_positive())?,
            "dictionary_pagesize_limit" => {
                self.dictionary_pagesize_limit = checked(key, value.as_opt_positive())?
            }
            "use_dictionary" => {
                self.use_dictionary = checked(key, value.as_bool())?;
                self.adaptive_dictionary = false;
            }
            "write_statistics" => self.write_statistics = checked(key, value.as_bool())?,
            "write_batch_size" => self.write_batch_size = checked(key, value.as_opt_positive())?,
            "max_file_size" => self.max_file_size = checked(key, value.as_opt_positive())?,
            "data_page_version" => {
                self.data_page_version = match version_text(key, &value)?.as_str() {
                    "1.0" => DataPageVersion::V1,
                    "2.0" => DataPageVersion::V2,
                    other => {
                        return Err(Error::InvalidOption {
                            value: None,
                            key: key.into(),
                            reason: format!("`{other}` is not \"1.0\" or \"2.0\""),
                        })
                    }
                }
            }
            "version" => {
                let v = version_text(key, &value)?;
                if !matches!(v.as_str(), "1.0" | "2.4" | "2.6") {
                    return Err(Error::InvalidOption {
                        value: None,
                        key: key.into(),
                        reason: format!("`{v}` is not one of \"1.0\", \"2.4\", \"2.6\""),
                    });
                }
            }
            _ => {
                let hint = if UNSUPPORTED_PYARROW_KEYS.contains(&key) {
                    "this pyarrow option is not supported by transmog".to_owned()
                } else {
                    format!("accepted keys: {}", PARQUET_OPTION_KEYS.join(", "))
                };
                return Err(Error::UnknownOption {
                    key: key.to_owned(),
                    hint,
                });
            }
        }
        Ok(())
    }

    /// The codec with `compression_level` applied; an error if the level does not fit it.
    pub fn effective_codec(&self) -> Result<Codec> {
        match self.compression_level {
            None => Ok(self.compression),
            Some(level) => self.compression.with_level(level),
        }
    }

    /// Builds the parquet-rs writer properties for files seen by users.
    ///
    /// `force_offset_index` keeps the offset index even when `write_page_index` is off
    /// (intermediate part files need it for the checksum splice).
    ///
    /// Id and parent-id columns (found by their `transmog.role`) hold uuids: unique or
    /// nearly so, and random, so a dictionary only adds a page and min/max prune nothing.
    /// They are written plain and without statistics, which saves the writer's hashing
    /// and comparing of every value.
    ///
    /// `sample` is the first row group of the file when known: with the adaptive
    /// dictionary, text columns in which more than [`DICTIONARY_MAX_DISTINCT`] of the
    /// values are distinct are written plain. Their dictionary would hold nearly every
    /// value once more, beside the indices, and the writer would hash each value for it.
    /// With the adaptive compression, plain text columns that the sample shows snappy
    /// cannot shrink are stored uncompressed (see [`ParquetOptions::adaptive_compression`]).
    pub(crate) fn writer_properties(
        &self,
        force_offset_index: bool,
        schema: &Schema,
        sample: Option<&[RecordBatch]>,
    ) -> Result<WriterProperties> {
        let stats = match (self.write_statistics, self.write_page_index) {
            (false, _) => EnabledStatistics::None,
            (true, false) => EnabledStatistics::Chunk,
            (true, true) => EnabledStatistics::Page,
        };
        let mut b = WriterProperties::builder()
            .set_compression(self.effective_codec()?.to_parquet()?)
            .set_max_row_group_row_count(Some(self.row_group_size))
            .set_dictionary_enabled(self.use_dictionary)
            .set_statistics_enabled(stats)
            .set_offset_index_disabled(!(self.write_page_index || force_offset_index));
        if let Some(n) = self.data_page_size {
            b = b.set_data_page_size_limit(n);
        }
        if let Some(n) = self.dictionary_pagesize_limit {
            b = b.set_dictionary_page_size_limit(n);
        }
        if let Some(n) = self.write_batch_size {
            b = b.set_write_batch_size(n);
        }
        let mut plain: Vec<bool> = schema
            .fields()
            .iter()
            .map(|f| !self.use_dictionary || is_id(f))
            .collect();
        if let Some(sample) = sample.filter(|_| self.use_dictionary && self.adaptive_dictionary) {
            for i in mostly_distinct_text_columns(schema, sample) {
                plain[i] = true;
                let col = ColumnPath::from(schema.field(i).name().as_str());
                b = b.set_column_dictionary_enabled(col, false);
            }
        }
        for f in schema.fields().iter().filter(|f| is_id(f)) {
            let col = ColumnPath::from(f.name().as_str());
            b = b
                .set_column_dictionary_enabled(col.clone(), false)
                .set_column_statistics_enabled(col, EnabledStatistics::None);
        }
        let adapt = self.adaptive_compression
            && self.compression == Codec::Snappy
            && self.compression_level.is_none();
        if let Some(sample) = sample.filter(|_| adapt) {
            for i in incompressible_text_columns(schema, sample, &plain) {
                let col = ColumnPath::from(schema.field(i).name().as_str());
                b = b.set_column_compression(col, Compression::UNCOMPRESSED);
            }
        }
        if self.data_page_version == DataPageVersion::V2 {
            b = b
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .set_encoding(Encoding::PLAIN);
        }
        Ok(b.build())
    }
}

/// Whether `f` is an id or parent-id column (by its `transmog.role`).
fn is_id(f: &Field) -> bool {
    f.metadata()
        .get(ROLE_KEY)
        .is_some_and(|r| r == Role::Id.as_str() || r == Role::Parent.as_str())
}

/// Share of distinct values above which the adaptive dictionary writes a text column
/// plain (in the file's first row group, from [`DICTIONARY_MIN_VALUES`] values on).
pub(crate) const DICTIONARY_MAX_DISTINCT: f64 = 0.5;
/// Smaller samples keep the dictionary, as pyarrow would.
pub(crate) const DICTIONARY_MIN_VALUES: usize = 1000;

/// The text columns (of `schema`) of `sample`, batches of that schema.
fn text_columns<'a>(
    sample: &'a [RecordBatch],
    i: usize,
) -> impl Iterator<Item = &'a StringArray> + 'a {
    sample
        .iter()
        .filter_map(move |b| b.columns().get(i)?.as_any().downcast_ref::<StringArray>())
}

/// Indices of the text columns of `schema` whose values in `sample` are mostly distinct.
fn mostly_distinct_text_columns(schema: &Schema, sample: &[RecordBatch]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        if f.data_type() != &DataType::Utf8 {
            continue;
        }
        let columns = || text_columns(sample, i);
        // Counted first: the sparse columns of a wide table are mostly null and never
        // reach the minimum, so their rows need not be walked.
        let values: usize = columns().map(|c| c.len() - c.null_count()).sum();
        if values < DICTIONARY_MIN_VALUES {
            continue;
        }
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        for v in columns().flat_map(|c| c.iter().flatten()) {
            seen.insert(v);
        }
        if seen.len() as f64 > DICTIONARY_MAX_DISTINCT * values as f64 {
            out.push(i);
        }
    }
    out
}

/// Share of a column's bytes that snappy must save on the sample for the column to be
/// compressed. Random uuids as text save about 10 % (length prefixes and dashes), at
/// about 400 MB/s: on the orders benchmark, where the id columns are a third of the
/// bytes, snappy on them was 8 % of the run's CPU, for 5 % of the files' size.
pub(crate) const COMPRESSION_MIN_SAVING: f64 = 0.15;
/// Bytes of a column's plain encoding compressed to judge it: one snappy block.
const COMPRESSION_SAMPLE_BYTES: usize = 64 * 1024;
/// Columns with fewer bytes than this in the sample keep the codec: too little to judge.
const COMPRESSION_MIN_SAMPLE_BYTES: usize = 4 * 1024;

/// Indices of the text columns of `schema` marked `plain` (no dictionary) whose values in
/// `sample`, PLAIN-encoded as the writer will encode them, snappy shrinks by less than
/// [`COMPRESSION_MIN_SAVING`].
fn incompressible_text_columns(
    schema: &Schema,
    sample: &[RecordBatch],
    plain: &[bool],
) -> Vec<usize> {
    let mut out = Vec::new();
    let mut encoder = snap::raw::Encoder::new();
    let (mut page, mut packed) = (Vec::new(), Vec::new());
    for (i, f) in schema.fields().iter().enumerate() {
        if f.data_type() != &DataType::Utf8 || !plain[i] {
            continue;
        }
        page.clear();
        'fill: for column in text_columns(sample, i) {
            for v in column.iter().flatten() {
                page.extend_from_slice(&(v.len() as u32).to_le_bytes());
                page.extend_from_slice(v.as_bytes());
                if page.len() >= COMPRESSION_SAMPLE_BYTES {
                    break 'fill;
                }
            }
        }
        if page.len() < COMPRESSION_MIN_SAMPLE_BYTES {
            continue;
        }
        packed.resize(snap::raw::max_compress_len(page.len()), 0);
        let Ok(n) = encoder.compress(&page, &mut packed) else {
            continue;
        };
        if n as f64 > (1.0 - COMPRESSION_MIN_SAVING) * page.len() as f64 {
            out.push(i);
        }
    }
    out
}

/// CSV output options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter (default `,`); must be one ASCII byte other than `"`, CR or LF.
    pub delimiter: u8,
    /// Write a header line (default true).
    pub include_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            include_header: true,
        }
    }
}

impl CsvOptions {
    /// Sets `delimiter` (a one-character string) or `include_header` (boolean).
    pub fn set(&mut self, key: &str, value: OptionValue) -> Result<()> {
        match key {
            "delimiter" => {
                let s = match &value {
                    OptionValue::Str(s) => s.as_str(),
                    other => return Err(expected(key, "a one-character string", other)),
                };
                match s.as_bytes() {
                    [b] if b.is_ascii() && !matches!(b, b'"' | b'\r' | b'\n') => {
                        self.delimiter = *b
                    }
                    _ => {
                        return Err(Error::InvalidOption {
                            value: None,
                            key: key.into(),
                            reason: format!(
                                "`{s}` is not a single ASCII character other than quote, CR, LF"
                            ),
                        })
                    }
                }
            }
            "include_header" => self.include_header = checked(key, value.as_bool())?,
            _ => {
                return Err(Error::UnknownOption {
                    key: key.to_owned(),
                    hint: "accepted CSV keys: delimiter, include_header".into(),
                })
            }
        }
        Ok(())
    }
}

/// Everything a [`crate::TableSink`] needs to know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SinkOptions {
    /// Output format.
    pub format: Format,
    /// Parquet options (used when `format` is Parquet).
    pub parquet: ParquetOptions,
    /// CSV options (used when `format` is CSV).
    pub csv: CsvOptions,
}

impl SinkOptions {
    /// Options for `format` with all defaults.
    pub fn new(format: Format) -> Self {
        SinkOptions {
            format,
            ..Default::default()
        }
    }

    /// Sets an option of the selected format (see [`ParquetOptions::set`] and
    /// [`CsvOptions::set`]). JSON Lines has no options, so every key is an error there.
    pub fn set(&mut self, key: &str, value: OptionValue) -> Result<()> {
        let shown = value.text();
        let outcome = match self.format {
            Format::Parquet => self.parquet.set(key, value),
            Format::Csv => self.csv.set(key, value),
            Format::Jsonl => Err(Error::UnknownOption {
                key: key.to_owned(),
                hint: "the jsonl format takes no options".into(),
            }),
        };
        outcome.map_err(|e| match e {
            Error::InvalidOption { key, reason, .. } => Error::InvalidOption {
                key,
                value: Some(shown),
                reason,
            },
            other => other,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codec_strings() {
        assert_eq!(Codec::parse("ZSTD:3").unwrap(), Codec::Zstd(Some(3)));
        assert_eq!(Codec::parse("gzip").unwrap(), Codec::Gzip(None));
        assert_eq!(
            Codec::parse("lz4").unwrap().to_parquet().unwrap(),
            Compression::LZ4_RAW
        );
        assert!(Codec::parse("gzip:42").is_err());
        assert!(Codec::parse("snappy:1").is_err());
        assert!(Codec::parse("lzo").is_err());
    }

    #[test]
    fn unknown_key_is_named() {
        let mut o = ParquetOptions::default();
        let e = o.set("write_page_crc", true.into()).unwrap_err();
        assert!(e.to_string().contains("write_page_crc"), "{e}");
        let e = o.set("coerce_timestamps", "ms".into()).unwrap_err();
        assert!(e.to_string().contains("coerce_timestamps"), "{e}");
    }

    #[test]
    fn set_values() {
        let mut o = ParquetOptions::default();
        o.set("compression_level", 5i64.into()).unwrap();
        o.set("compression", "brotli".into()).unwrap();
        assert_eq!(o.effective_codec().unwrap(), Codec::Brotli(Some(5)));
        o.set("compression", "snappy".into()).unwrap();
        let e = o.effective_codec().unwrap_err();
        assert!(e.to_string().contains("compression_level"), "{e}");
        o.set("compression_level", OptionValue::None).unwrap();
        o.set("row_group_size", "123".into()).unwrap();
        assert_eq!(o.row_group_size, 123);
        assert!(o.set("row_group_size", 0i64.into()).is_err());
        o.set("data_page_version", 2.0f64.into()).unwrap();
        assert_eq!(o.data_page_version, DataPageVersion::V2);
        o.set("data_page_size", OptionValue::None).unwrap();
        assert_eq!(o.data_page_size, None);
        assert!(o.set("version", "3.0".into()).is_err());
    }
}
