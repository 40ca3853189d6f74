//! Helpers shared by the integration tests: batch builders and Parquet read-back through
//! parquet's own Arrow reader.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};

/// Builds a batch from `(name, array)` pairs.
pub fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(cols).unwrap()
}

pub fn ints(v: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(v))
}

pub fn opt_ints(v: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from(v))
}

pub fn floats(v: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v))
}

pub fn strs<S: AsRef<str>>(v: impl IntoIterator<Item = S>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(v))
}

pub fn opt_strs(v: Vec<Option<&str>>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

pub fn bools(v: Vec<bool>) -> ArrayRef {
    Arc::new(BooleanArray::from(v))
}

/// Reads a whole Parquet file with parquet's Arrow reader (one batch per row group).
pub fn read_parquet(path: &Path) -> (SchemaRef, Vec<RecordBatch>) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let schema = Arc::clone(builder.schema());
    let reader = builder.with_batch_size(1 << 20).build().unwrap();
    let batches = reader.collect::<Result<Vec<_>, _>>().unwrap();
    (schema, batches)
}

/// Column `name` of a file as optional i64 values.
pub fn col_i64(batches: &[RecordBatch], name: &str) -> Vec<Option<i64>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name(name).unwrap().as_primitive::<Int64Type>();
            a.iter().collect::<Vec<_>>()
        })
        .collect()
}

pub fn col_f64(batches: &[RecordBatch], name: &str) -> Vec<Option<f64>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(name)
                .unwrap()
                .as_primitive::<Float64Type>();
            a.iter().collect::<Vec<_>>()
        })
        .collect()
}

pub fn col_str(batches: &[RecordBatch], name: &str) -> Vec<Option<String>> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b.column_by_name(name).unwrap().as_string::<i32>();
            a.iter().map(|v| v.map(str::to_owned)).collect::<Vec<_>>()
        })
        .collect()
}

pub fn field_names(schema: &SchemaRef) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

pub fn field_type(schema: &SchemaRef, name: &str) -> DataType {
    schema.field_with_name(name).unwrap().data_type().clone()
}

pub fn null_count(batches: &[RecordBatch], name: &str) -> usize {
    batches
        .iter()
        .map(|b| b.column_by_name(name).unwrap().logical_null_count())
        .sum()
}

/// Footer metadata with page indexes when present.
pub fn metadata(path: &Path) -> ParquetMetaData {
    ParquetMetaDataReader::new()
        .with_page_index_policy(PageIndexPolicy::Optional)
        .parse_and_finish(&File::open(path).unwrap())
        .unwrap()
}

pub fn row_group_sizes(path: &Path) -> Vec<i64> {
    let md = metadata(path);
    md.row_groups().iter().map(|rg| rg.num_rows()).collect()
}

/// All entries of a directory (names), sorted.
pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Cases for a property test: `TRANSMOG_FUZZ_CASES` when set (long runs), else `default`.
pub fn fuzz_cases(default: u32) -> u32 {
    std::env::var("TRANSMOG_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}
