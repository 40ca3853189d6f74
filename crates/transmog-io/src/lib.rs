//! Transmog output sinks: streaming Arrow [`RecordBatch`](arrow_array::RecordBatch)es of
//! many tables into one Parquet, CSV or JSON Lines file per table.
//!
//! # Contract
//!
//! A caller creates one [`TableSink`] per run, feeds it `(table_name, batch)` pairs in any
//! order and of any size, then calls [`TableSink::finish`]. For each table:
//!
//! - columns are matched **by name**; any batch may carry any subset of the columns in any
//!   order; the table's schema is the union of all its batches in first-seen column order;
//! - accepted column types are `Null`, `Boolean`, `Int64`, `Float64`, `Utf8` (and
//!   `LargeUtf8`, stored as `Utf8`); anything else is [`Error::UnsupportedType`];
//! - a column whose type differs between batches is widened ([`transmog_core::types`] documents the rules:
//!   `Null`+X → X, `Int64`+`Float64` → `Float64` (or `Utf8` if an int exceeds ±2^53),
//!   `Boolean`+number → `Utf8`, anything + `Utf8` → `Utf8`);
//! - the file is `<dir>/<table name with '.' and '/' replaced by '_'>.<ext>`; a table that
//!   never received a row produces no file.
//!
//! # Parquet
//!
//! Row groups hold exactly `row_group_size` rows (the last one may be smaller) whatever the
//! batch sizes; memory stays around one row group per table. A column that first shows up
//! late is in the same file, null for every earlier row, and all row groups share the final
//! schema. Internally each table streams into part files (a new one whenever its schema
//! changes) that [`finish`](TableSink::finish) splices into the final file by byte-copying
//! column chunks ([`splice`] explains it). Page checksums (`write_page_checksum`), which
//! parquet-rs cannot write, are inserted during that splice ([`crc`]).
//! Options follow pyarrow's names and defaults ([`ParquetOptions`]).
//!
//! # CSV and JSON Lines
//!
//! Same interface. CSV: RFC 4180 quoting, CRLF, header = the union of the table's columns
//! (rows written before a column appeared get empty fields), nulls are empty fields.
//! JSON Lines: one object per row, keys in union order, nulls omitted, floats in Python
//! `repr` style.
//!
//! # Atomicity
//!
//! Files are written under hidden temporary names in the destination directory and renamed
//! only when every table finished; errors, [`TableSink::abort`] and dropping an unfinished
//! sink remove the temporary files.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
//! use transmog_io::{Format, SinkOptions, TableSink};
//!
//! let dir = tempfile::tempdir()?;
//! let mut sink = TableSink::create(dir.path(), SinkOptions::new(Format::Parquet))?;
//! let b1 = RecordBatch::try_from_iter([("id", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef)])?;
//! let b2 = RecordBatch::try_from_iter([
//!     ("late", Arc::new(StringArray::from(vec!["x"])) as ArrayRef),
//!     ("id", Arc::new(Int64Array::from(vec![3])) as ArrayRef),
//! ])?;
//! sink.write("main", &b1)?;
//! sink.write("main", &b2)?;
//! let out = sink.finish()?;
//! assert_eq!(out[0].rows, 3);
//! assert!(out[0].path.ends_with("main.parquet"));
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub mod commit;
pub mod crc;
mod csv_sink;
mod error;
mod files;
mod harmonize;
mod jsonl_sink;
mod options;
mod parquet_read;
mod parquet_sink;
mod part_writer;
pub mod read;
mod sink;
pub mod splice;
mod text;
mod writer;

pub use commit::{replace_dir, write_atomically, write_file_atomically, Commit, MANIFEST};
pub use error::{Error, Result};
pub use files::table_file_name;
pub use harmonize::{harmonize, job_tables, parts_schema, JobTable};
pub use options::{
    Codec, CsvOptions, DataPageVersion, Format, OptionValue, ParquetOptions, SinkOptions,
    MAX_FILE_COLUMN_CHUNKS, MAX_SCHEMA_ENTRIES, MEMORY_BUDGET, PARQUET_OPTION_KEYS,
};
pub use parquet_read::{open_tables, read_parquet, read_tables, TableReader};
pub use sink::{TableOutput, TableSink};
pub use splice::SpliceStats;
