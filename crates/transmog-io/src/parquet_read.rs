//! Reading a run's Parquet files back as Arrow batches, with the schema they were
//! written with (field and schema metadata included), for `transmog_core::unflatten`.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use transmog_core::result::ResultTable;
use transmog_core::{naming, Role, TableBatch, ROLE_KEY};

use crate::error::{Error, Result};
use crate::files::table_file_name;

/// Reads every row of the Parquet file at `path`. The result holds at least one batch
/// (empty for a file without rows) so that the schema is always there; `table` names the
/// table in errors.
pub fn read_parquet(table: &str, path: &Path) -> Result<Vec<RecordBatch>> {
    let (reader, schema) = open_reader(table, path)?;
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

/// The Arrow schema of the Parquet file at `path` (its footer only).
pub(crate) fn schema_of(table: &str, path: &Path) -> Result<SchemaRef> {
    let file = File::open(path).map_err(|e| Error::io(table, path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| Error::parquet(table, path, e))?;
    Ok(builder.schema().clone())
}

fn open_reader(table: &str, path: &Path) -> Result<(ParquetRecordBatchReader, SchemaRef)> {
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
    Ok((reader, schema))
}

/// A table's batches, read from its files as they are asked for, in row order, each
/// with the schema its file was written with.
pub struct TableReader {
    name: String,
    files: std::vec::IntoIter<PathBuf>,
    reader: Option<(ParquetRecordBatchReader, SchemaRef)>,
}

impl TableReader {
    /// The table's name (its file or folder name).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Iterator for TableReader {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        loop {
            if let Some((reader, schema)) = &mut self.reader {
                match reader.next() {
                    // The reader's batches carry field metadata but not the schema's own.
                    Some(b) => {
                        let b = b.and_then(|b| b.with_schema(schema.clone()));
                        return Some(b.map_err(|e| Error::arrow(&self.name, e)));
                    }
                    None => self.reader = None,
                }
            }
            let path = self.files.next()?;
            match open_reader(&self.name, &path) {
                Ok(r) => self.reader = Some(r),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// One table among the inputs: its name and its files in row order (one file, or the
/// part files of a table folder).
struct TableFiles {
    name: String,
    files: Vec<PathBuf>,
}

fn visible(path: &Path) -> Option<&str> {
    // Hidden files are unfinished temporary files.
    path.file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.starts_with('.'))
}

/// The part files of `dir` in row order, when it is a table folder: only part files,
/// at least one of them Parquet.
fn part_files(dir: &Path) -> Result<Option<Vec<PathBuf>>> {
    let mut parts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io("", dir, e))? {
        let path = entry.map_err(|e| Error::io("", dir, e))?.path();
        let Some(name) = visible(&path) else {
            continue;
        };
        match crate::commit::part_order(name) {
            Some(order) if name.ends_with(".parquet") && path.is_file() => {
                parts.push((order, path))
            }
            _ => return Ok(None),
        }
    }
    parts.sort();
    Ok((!parts.is_empty()).then(|| parts.into_iter().map(|(_, p)| p).collect()))
}

/// The tables named by `inputs`: `.parquet` files, table folders of part files (a
/// `--max-file-size`, dataset or `--append` run), and output folders holding either.
fn table_files(inputs: &[PathBuf]) -> Result<Vec<TableFiles>> {
    let folder_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut tables = Vec::new();
    for input in inputs {
        if input.is_dir() {
            if let Some(files) = part_files(input)? {
                let name = folder_name(input).unwrap_or_default();
                tables.push(TableFiles { name, files });
                continue;
            }
            let mut found = Vec::new();
            for entry in std::fs::read_dir(input).map_err(|e| Error::io("", input, e))? {
                let path = entry.map_err(|e| Error::io("", input, e))?.path();
                let Some(name) = visible(&path) else {
                    continue;
                };
                if path.is_file() && name.ends_with(".parquet") {
                    let name = stem(&path).to_owned();
                    found.push(TableFiles {
                        name,
                        files: vec![path],
                    });
                } else if path.is_dir() {
                    if let Some(files) = part_files(&path)? {
                        found.push(TableFiles {
                            name: name.to_owned(),
                            files,
                        });
                    }
                }
            }
            found.sort_by(|a, b| a.name.cmp(&b.name));
            tables.extend(found);
        } else if input.is_file() {
            let name = stem(input).to_owned();
            tables.push(TableFiles {
                name,
                files: vec![input.clone()],
            });
        } else {
            return Err(Error::Inputs {
                reason: format!("{}: no such file or directory", input.display()),
            });
        }
    }
    Ok(tables)
}

fn stem(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".parquet"))
        .unwrap_or("")
}

/// Whether the table's first file has a parent-id column (a child table).
fn has_parent(t: &TableFiles) -> Result<bool> {
    let Some(path) = t.files.first() else {
        return Ok(false);
    };
    Ok(schema_of(&t.name, path)?
        .fields()
        .iter()
        .any(|f| f.metadata().get(ROLE_KEY).map(String::as_str) == Some(Role::Parent.as_str())))
}

fn read_table(t: &TableFiles) -> Result<ResultTable> {
    let mut batches = Vec::new();
    for f in &t.files {
        for batch in read_parquet(&t.name, f)? {
            batches.push(TableBatch {
                table: t.name.as_str().into(),
                extras: Vec::new(),
                batch,
            });
        }
    }
    Ok(ResultTable {
        name: t.name.as_str().into(),
        batches,
    })
}

/// Reads one entity's tables back from the Parquet files of a run, for
/// `transmog_core::unflatten::unflatten`: the main table first, then its child tables.
///
/// `inputs` are output folders (their `.parquet` files and table folders of part files),
/// table folders, or files. With `entity`, the main table is `<entity>.parquet` (or the
/// folder `<entity>/`) and the child tables are the ones named
/// `<sanitized entity><separator>...`, so other entities' tables in the same folder
/// are left alone; without it, the one table without a parent-id column is the main
/// table and every other table is a child table.
pub fn read_tables(
    inputs: &[PathBuf],
    entity: Option<&str>,
    separator: &str,
) -> Result<Vec<ResultTable>> {
    select_tables(inputs, entity, separator)?
        .iter()
        .map(read_table)
        .collect()
}

/// [`read_tables`]' tables as readers of their batches, for
/// `transmog_core::unflatten::unflatten_stream`: only the footers of the tables' first
/// files are read here (to tell the main table), the rows as they are asked for.
pub fn open_tables(
    inputs: &[PathBuf],
    entity: Option<&str>,
    separator: &str,
) -> Result<Vec<TableReader>> {
    Ok(select_tables(inputs, entity, separator)?
        .into_iter()
        .map(|t| TableReader {
            name: t.name,
            files: t.files.into_iter(),
            reader: None,
        })
        .collect())
}

/// The entity's tables among the inputs (see [`read_tables`]), the main table first.
fn select_tables(
    inputs: &[PathBuf],
    entity: Option<&str>,
    separator: &str,
) -> Result<Vec<TableFiles>> {
    let mut files = table_files(inputs)?;
    if files.is_empty() {
        return Err(Error::Inputs {
            reason: "no Parquet tables (.parquet files or folders of part files) among the inputs"
                .into(),
        });
    }
    let Some(entity) = entity else {
        let mut mains = Vec::new();
        for (i, t) in files.iter().enumerate() {
            if !has_parent(t)? {
                mains.push(i);
            }
        }
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
        let main = files.remove(main);
        let mut out = vec![main];
        out.extend(files);
        return Ok(out);
    };
    let want = table_file_name(entity, "parquet")?;
    let want = want.strip_suffix(".parquet").unwrap_or(&want);
    // Child tables are `<sanitized entity><sep>...`, their files with `.` and `/` as `_`.
    let prefix = format!("{}{separator}", naming::sanitize(entity, "_")).replace(['.', '/'], "_");
    let main = files
        .iter()
        .position(|t| t.name == want)
        .ok_or_else(|| Error::Inputs {
            reason: format!(
                "no main table file {want}.parquet (nor folder {want}/) among the inputs"
            ),
        })?;
    let main = files.remove(main);
    let mut out = vec![main];
    for t in files {
        if t.name.starts_with(&prefix) && has_parent(&t)? {
            out.push(t);
        }
    }
    Ok(out)
}
