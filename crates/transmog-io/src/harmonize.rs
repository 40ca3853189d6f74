//! One type per column across the part files of a table written by separate runs
//! (the tasks of a Spark or Dask job): parts whose columns another part typed
//! differently are rewritten with the widening lattice ([`transmog_core::types`]) and
//! the same writer settings as the run (adaptive dictionary, plain id columns, page
//! CRCs, ...), so no reader has to reconcile types.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use transmog_core::types::{cast, has_big_ints};
use transmog_core::UnionSchema;

use crate::error::{Error, Result};
use crate::options::SinkOptions;
use crate::parquet_read::read_parquet;
use crate::sink::TableSink;

fn schema_of(table: &str, path: &Path) -> Result<SchemaRef> {
    let file = File::open(path).map_err(|e| Error::io(table, path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(table, path, e))?;
    Ok(builder.schema().clone())
}

/// Whether column `name` of the part at `path` holds an integer beyond ±2^53.
fn column_has_big_ints(table: &str, path: &Path, name: &str) -> Result<bool> {
    let file = File::open(path).map_err(|e| Error::io(table, path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(table, path, e))?;
    let Some(leaf) = builder
        .parquet_schema()
        .columns()
        .iter()
        .position(|c| c.path().string() == name)
    else {
        return Ok(false);
    };
    let mask = ProjectionMask::leaves(builder.parquet_schema(), [leaf]);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| Error::parquet(table, path, e))?;
    for batch in reader {
        let batch = batch.map_err(|e| Error::arrow(table, e))?;
        if batch.num_columns() > 0 && has_big_ints(batch.column(0).as_ref()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Brings the Parquet `parts` of table `table` to one type per column; returns the
/// union schema (first-seen column order). A part is rewritten in place (written
/// beside it, then renamed over it) when a column it holds has another type there than
/// in the union; columns a part lacks stay absent (readers fill them by name).
pub fn harmonize(table: &str, parts: &[PathBuf], opts: &SinkOptions) -> Result<SchemaRef> {
    let schemas: Vec<SchemaRef> = parts
        .iter()
        .map(|p| schema_of(table, p))
        .collect::<Result<_>>()?;
    let mut union = UnionSchema::new();
    for s in &schemas {
        union
            .merge_fields(s, |_| false)
            .map_err(|e| Error::schema(table, e))?;
    }
    // An int column meets a float one at float only while every int is exact as a
    // double: read the int parts of such columns (and only those).
    let floats: Vec<String> = union
        .schema()
        .fields()
        .iter()
        .filter(|f| f.data_type() == &DataType::Float64)
        .map(|f| f.name().clone())
        .collect();
    for name in floats {
        for (path, schema) in parts.iter().zip(&schemas) {
            let int_here = schema
                .field_with_name(&name)
                .is_ok_and(|f| f.data_type() == &DataType::Int64);
            if int_here && column_has_big_ints(table, path, &name)? {
                let text = Schema::new(vec![Field::new(name.as_str(), DataType::Utf8, true)]);
                union
                    .merge_fields(&text, |_| false)
                    .map_err(|e| Error::schema(table, e))?;
                break;
            }
        }
    }
    let target = Arc::clone(union.schema());
    for (path, schema) in parts.iter().zip(&schemas) {
        let differs = schema.fields().iter().any(|f| {
            f.data_type() != &DataType::Null
                && target
                    .field_with_name(f.name())
                    .is_ok_and(|t| t.data_type() != f.data_type())
        });
        if differs {
            rewrite(table, path, schema, &target, opts)?;
        }
    }
    Ok(target)
}

/// Rewrites one part with its own columns cast to the union's types.
fn rewrite(
    table: &str,
    path: &Path,
    schema: &SchemaRef,
    target: &SchemaRef,
    opts: &SinkOptions,
) -> Result<()> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let dt = match target.field_with_name(f.name()) {
                Ok(t) if f.data_type() != &DataType::Null => t.data_type().clone(),
                _ => f.data_type().clone(),
            };
            f.as_ref().clone().with_data_type(dt)
        })
        .collect();
    let part_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "part".into());
    let dir = path.parent().unwrap_or(Path::new("."));
    let scratch = dir.join(format!(".harmonize-{}-{stem}", std::process::id()));
    let written = (|| -> Result<PathBuf> {
        let mut sink = TableSink::create(&scratch, opts.clone())?;
        for batch in read_parquet(table, path)? {
            let columns = part_schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(f, c)| cast(c, f.data_type()))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::arrow(table, e))?;
            let batch = RecordBatch::try_new(Arc::clone(&part_schema), columns)
                .map_err(|e| Error::arrow(table, e))?;
            sink.write(&stem, &batch)?;
        }
        let out = sink.finish()?;
        out.into_iter()
            .next()
            .map(|o| o.path)
            .ok_or_else(|| Error::malformed(table, path, "the rewritten part has no file"))
    })();
    let outcome =
        written.and_then(|new| std::fs::rename(&new, path).map_err(|e| Error::io(table, path, e)));
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}
