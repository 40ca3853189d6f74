//! Reading a run's Parquet files back as Arrow batches, with the schema they were
//! written with (field and schema metadata included), for `transmog_core::unflatten`.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use transmog_core::result::ResultTable;
use transmog_core::{naming, Role, TableBatch, ROLE_KEY};

use crate::error::{Error, Result};
use crate::files::table_file_name;

/// Reads every row of the Parquet file at `path`. The result holds at least one batch
/// (empty for a file without rows) so that the schema is always there; `table` names the
/// table in errors.
pub fn read_parquet(table: &str, path: &Path) -> Result<Vec<RecordBatch>> {
    let file = File::open(path).map_err(|e| Error::io(table, path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(table, path, e))?;
    let schema = builder.schema().clone();
    let rows = builder.metadata().row_groups().iter().map(|g| g.num_rows());
    let batch = crate::splice::batch_rows(rows.max().unwrap_or(0), 64 * 1024);
    let reader = builder
        .with_batch_size(batch)
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

/// The `.parquet` files named by `inputs`, directories expanded (hidden files, which
/// are unfinished temporary files, left out).
fn parquet_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| Error::io("", input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.ends_with(".parquet") && !name.starts_with('.') && p.is_file()
                })
                .collect();
            found.sort();
            files.extend(found);
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            return Err(Error::Inputs {
                reason: format!("{}: no such file or directory", input.display()),
            });
        }
    }
    Ok(files)
}

fn stem(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".parquet"))
        .unwrap_or("")
}

fn has_parent(t: &ResultTable) -> bool {
    t.batches.first().is_some_and(|b| {
        b.batch
            .schema()
            .fields()
            .iter()
            .any(|f| f.metadata().get(ROLE_KEY).map(String::as_str) == Some(Role::Parent.as_str()))
    })
}

fn read_table(path: &Path) -> Result<ResultTable> {
    let name = stem(path);
    let batches = read_parquet(name, path)?
        .into_iter()
        .map(|batch| TableBatch {
            table: name.into(),
            extras: Vec::new(),
            batch,
        })
        .collect();
    Ok(ResultTable {
        name: name.into(),
        batches,
    })
}

/// Reads one entity's tables back from the Parquet files of a run, for
/// `transmog_core::unflatten::unflatten`: the main table first, then its child tables.
///
/// `inputs` are directories (their `.parquet` files) or files. With `entity`, the main
/// table is `<entity>.parquet` and the child tables are the files named
/// `<sanitized entity><separator>...`, so other entities' files in the same directory
/// are left alone; without it, the one table without a parent-id column is the main
/// table and every other table is a child table.
pub fn read_tables(
    inputs: &[PathBuf],
    entity: Option<&str>,
    separator: &str,
) -> Result<Vec<ResultTable>> {
    let files = parquet_files(inputs)?;
    if files.is_empty() {
        return Err(Error::Inputs {
            reason: "no .parquet files among the inputs".into(),
        });
    }
    let Some(entity) = entity else {
        let mut tables = files
            .iter()
            .map(|f| read_table(f))
            .collect::<Result<Vec<_>>>()?;
        let mains: Vec<usize> = (0..tables.len())
            .filter(|&i| !has_parent(&tables[i]))
            .collect();
        let main = match mains.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::Inputs {
                    reason: "no main table among the inputs (every table has a parent id)".into(),
                })
            }
            _ => {
                return Err(Error::Inputs {
                    reason: "several main tables among the inputs; name the entity".into(),
                })
            }
        };
        let main = tables.remove(main);
        let mut out = vec![main];
        out.extend(tables);
        return Ok(out);
    };
    let want = table_file_name(entity, "parquet")?;
    // Child tables are `<sanitized entity><sep>...`, their files with `.` and `/` as `_`.
    let prefix = format!("{}{separator}", naming::sanitize(entity, "_")).replace(['.', '/'], "_");
    let main = files
        .iter()
        .find(|f| f.file_name().and_then(|n| n.to_str()) == Some(want.as_str()))
        .ok_or_else(|| Error::Inputs {
            reason: format!("no main table file {want} among the inputs"),
        })?;
    let mut out = vec![read_table(main)?];
    for f in &files {
        if f != main && stem(f).starts_with(&prefix) {
            let t = read_table(f)?;
            if has_parent(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}
