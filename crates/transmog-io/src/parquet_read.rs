//! Reading a table's Parquet file back as Arrow batches, with the schema it was written
//! with (field and schema metadata included), e.g. for `transmog_core::unflatten`.

use std::fs::File;
use std::path::Path;

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{Error, Result};

/// Reads every row of the Parquet file at `path`. The result holds at least one batch
/// (empty for a file without rows) so that the schema is always there; `table` names the
/// table in errors.
pub fn read_parquet(table: &str, path: &Path) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(|e| Error::io(table, path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(table, path, e))?;
    let schema = builder.schema().clone();
    let reader = builder
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| Error::parquet(table, path, e))?;
    let mut batches = Vec::new();
    for b in reader {
        // The reader's batches carry field metadata but not the schema's own.
        let b = b
            .and_then(|b| b.with_schema(schema.clone()))
            .map_err(|e| Error::arrow(table, e))?;
        batches.push(b);
    }
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}
