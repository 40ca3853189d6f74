//! One name and one type per column across the part files of a table written by
//! separate runs (the tasks of a Spark or Dask job). Each task named colliding columns
//! on its own (`a_b`, `a_b_2`); here the parts are named again in partition order by
//! their source paths, as one run over the same inputs names them
//! ([`transmog_core::merge::NameRegistry`]), and typed by the widening lattice
//! ([`transmog_core::types`]). Parts whose names or types change are rewritten with the
//! same writer settings as the run (adaptive dictionary, plain id columns, page CRCs),
//! so a job's tables equal the CLI's on the same files and no reader has to reconcile.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use transmog_core::merge::NameRegistry;
use transmog_core::naming;
use transmog_core::report::Collision;
use transmog_core::schema_file::SavedSchema;
use transmog_core::types::{cast, has_big_ints};
use transmog_core::UnionSchema;

use crate::error::{Error, Result};
use crate::options::SinkOptions;
use crate::parquet_read::{read_parquet, schema_of};
use crate::sink::TableSink;

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

/// One table of a job: its run-wide name, the stem of its files and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTable {
    /// The table's name, as one run over the inputs names it.
    pub name: String,
    /// Its file stem (`.` and `/` made `_`).
    pub stem: String,
    /// Positions of its parts among the parts given, in their order.
    pub parts: Vec<usize>,
}

/// Groups the Parquet part files that separate tasks wrote (all tables, parts in input
/// order) into the job's tables: each task named its child tables on its own, so they
/// are named again by the array path owning them, in input order, as one run names
/// them ([`NameRegistry::table_name`]); with a saved schema, the tables it holds keep
/// their saved names. Also returns the tables renamed.
pub fn job_tables(
    parts: &[PathBuf],
    separator: &str,
    saved: Option<&SavedSchema>,
) -> Result<(Vec<JobTable>, Vec<Collision>)> {
    let mut names = NameRegistry::new(separator);
    for (name, schema) in saved.map(|s| s.tables.as_slice()).unwrap_or_default() {
        names.seed(name, schema);
    }
    let mut tables: Vec<JobTable> = Vec::new();
    for (i, path) in parts.iter().enumerate() {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let schema = schema_of(&stem, path)?;
        let name = names
            .table_name(&Arc::from(stem.as_str()), &schema)
            .to_string();
        match tables.iter_mut().find(|t| t.name == name) {
            Some(t) => t.parts.push(i),
            None => {
                let file = crate::files::table_file_name(&name, "parquet")?;
                let stem = file.trim_end_matches(".parquet");
                // Two names can make one file name (`a.b_c`, `a_b.c`): as the sink does.
                let stem = naming::free_name(stem, "_", |n| tables.iter().any(|t| t.stem == n));
                tables.push(JobTable {
                    stem,
                    name,
                    parts: vec![i],
                });
            }
        }
    }
    Ok((tables, names.report().table_renames.clone()))
}

/// Brings the Parquet `parts` of table `table` (in input order) to one name and one
/// type per column; returns the union schema (first-seen column order) and the columns
/// renamed because another path had claimed their name first. A part is rewritten in
/// place (written beside it, then renamed over it) when one of its columns changes name
/// or type; columns a part lacks stay absent (readers fill them by name). With the
/// table's saved schema (`saved`), the columns it holds keep their saved names.
pub fn harmonize(
    table: &str,
    parts: &[PathBuf],
    opts: &SinkOptions,
    separator: &str,
    saved: Option<&Schema>,
) -> Result<(SchemaRef, Vec<Collision>)> {
    let originals: Vec<SchemaRef> = parts
        .iter()
        .map(|p| schema_of(table, p))
        .collect::<Result<_>>()?;
    let mut names = NameRegistry::new(separator);
    if let Some(saved) = saved {
        names.seed(table, saved);
    }
    let renamed: Vec<SchemaRef> = originals
        .iter()
        .map(|s| {
            names
                .rename_schema(table, s)
                .unwrap_or_else(|| Arc::clone(s))
        })
        .collect();
    let mut union = UnionSchema::new();
    for s in &renamed {
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
        for ((path, original), schema) in parts.iter().zip(&originals).zip(&renamed) {
            // `find`, not `index_of`, whose error lists every column name.
            let Some((i, _)) = schema.fields().find(&name) else {
                continue;
            };
            let field = original.field(i);
            if field.data_type() == &DataType::Int64
                && column_has_big_ints(table, path, field.name())?
            {
                let text = Schema::new(vec![Field::new(name.as_str(), DataType::Utf8, true)]);
                union
                    .merge_fields(&text, |_| false)
                    .map_err(|e| Error::schema(table, e))?;
                break;
            }
        }
    }
    let target = Arc::clone(union.schema());
    for ((path, original), schema) in parts.iter().zip(&originals).zip(&renamed) {
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
        let part = Schema::new_with_metadata(fields, schema.metadata().clone());
        let same = part.fields().len() == original.fields().len()
            && part
                .fields()
                .iter()
                .zip(original.fields())
                .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
        if !same {
            rewrite(table, path, Arc::new(part), opts)?;
        }
    }
    Ok((target, names.report().collisions.clone()))
}

/// The union schema of a table's Parquet parts (after [`harmonize`], the table's schema).
pub fn parts_schema(table: &str, parts: &[PathBuf]) -> Result<SchemaRef> {
    let mut union = UnionSchema::new();
    for p in parts {
        union
            .merge_fields(&*schema_of(table, p)?, |_| false)
            .map_err(|e| Error::schema(table, e))?;
    }
    Ok(Arc::clone(union.schema()))
}

/// Rewrites one part under `part_schema`: its own columns, renamed and cast.
fn rewrite(table: &str, path: &Path, part_schema: SchemaRef, opts: &SinkOptions) -> Result<()> {
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
