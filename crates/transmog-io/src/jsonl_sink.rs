//! Streaming one table into a JSON Lines file.
//!
//! One JSON object per row and line (`\n`), keys in the table's union column order
//! (first seen), only non-null values: a null is an absent key. Values keep their own
//! kind, not their batch column's type (see [`crate::text`]): booleans, integers (exact
//! digits), floats in Python `repr` style (`1.0`, `1e+16`, valid JSON numbers), strings
//! escaped per RFC 8259. NaN and ±infinity have no JSON
//! form and are omitted like nulls.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::error::{Error, Result};
use crate::files::{close_temp, TempFiles};
use crate::text::{write_json, write_json_string, Column};
use crate::writer::{Staged, TableWriter};
use transmog_core::{CellExtras, UnionSchema};

/// Streaming state of one table written as JSON Lines.
pub(crate) struct JsonlTable {
    name: String,
    final_path: PathBuf,
    union: UnionSchema,
    out: Option<(PathBuf, BufWriter<File>)>,
    rows: u64,
    temps: TempFiles,
}

impl JsonlTable {
    pub(crate) fn new(name: &str, dir: &Path, file_name: &str) -> Self {
        JsonlTable {
            name: name.to_owned(),
            final_path: dir.join(file_name),
            union: UnionSchema::new(),
            out: None,
            rows: 0,
            temps: TempFiles::new(dir, file_name),
        }
    }
}

impl TableWriter for JsonlTable {
    fn name(&self) -> &str {
        &self.name
    }

    fn write(&mut self, batch: &RecordBatch, extras: &[CellExtras]) -> Result<()> {
        self.union
            .merge(batch)
            .map_err(|e| Error::schema(&self.name, e))?;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.out.is_none() {
            let path = self.temps.create_path("tmp");
            let file =
                crate::commit::create_file(&path).map_err(|e| Error::io(&self.name, &path, e))?;
            self.out = Some((path, BufWriter::new(file)));
        }
        // Batch columns in union order, with their JSON-encoded keys.
        let schema = batch.schema();
        let mut order: Vec<(usize, Column<'_>, String)> = Vec::with_capacity(batch.num_columns());
        for (ci, f) in schema.fields().iter().enumerate() {
            let mut key = String::new();
            write_json_string(&mut key, f.name());
            let pos = self.union.position(f.name()).unwrap_or(usize::MAX);
            order.push((pos, Column::of(batch, extras, ci), key));
        }
        order.sort_by_key(|(pos, _, _)| *pos);
        let (path, w) = match self.out.as_mut() {
            Some(o) => o,
            None => return Err(Error::Poisoned),
        };
        let mut line = String::new();
        let mut value = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            line.push('{');
            for (_, col, key) in &order {
                value.clear();
                if write_json(&mut value, *col, row) {
                    if line.len() > 1 {
                        line.push(',');
                    }
                    line.push_str(key);
                    line.push(':');
                    line.push_str(&value);
                }
            }
            line.push_str("}\n");
            w.write_all(line.as_bytes())
                .map_err(|e| Error::io(&self.name, path.as_path(), e))?;
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn stage(&mut self) -> Result<Option<Staged>> {
        let Some(tmp) = close_temp(&self.name, &mut self.out, &mut self.temps)? else {
            return Ok(None);
        };
        Staged::finished(&self.name, tmp, &self.final_path, self.rows, 0, None).map(Some)
    }

    fn temps(&mut self) -> &mut TempFiles {
        &mut self.temps
    }

    fn schema(&self) -> arrow_schema::SchemaRef {
        Arc::clone(self.union.schema())
    }
}
