//! Streaming one table into a CSV file whose header is the table's union schema.
//!
//! Rows are streamed to a temporary file as they come, each with one field per column
//! known at that time (nulls are empty fields, quoting per RFC 4180, CRLF line ends). The
//! byte offset where the column count grows is remembered; if columns appeared after the
//! header was written, `stage()` rewrites the file once with the full header and pads the
//! earlier rows with empty fields. Otherwise the temporary file is used as is.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow_array::RecordBatch;

use crate::error::{Error, Result};
use crate::files::{close_temp, file_size, TempFiles};
use crate::options::CsvOptions;
use crate::text::{write_csv_field, write_plain, Column};
use crate::writer::{Staged, TableWriter};
use transmog_core::{CellExtras, UnionSchema};

/// Streaming state of one table written as CSV.
pub(crate) struct CsvTable {
    name: String,
    final_path: PathBuf,
    opts: CsvOptions,
    union: UnionSchema,
    out: Option<(PathBuf, BufWriter<File>)>,
    /// Bytes written to the temporary file so far.
    written: u64,
    /// Column count of the header line (if any was written).
    header_cols: Option<usize>,
    /// `(file offset, columns per row)` for each run of rows with the same field count.
    segments: Vec<(u64, usize)>,
    rows: u64,
    temps: TempFiles,
}

impl CsvTable {
    pub(crate) fn new(name: &str, dir: &Path, file_name: &str, opts: CsvOptions) -> Self {
        CsvTable {
            name: name.to_owned(),
            final_path: dir.join(file_name),
            opts,
            union: UnionSchema::new(),
            out: None,
            written: 0,
            header_cols: None,
            segments: Vec::new(),
            rows: 0,
            temps: TempFiles::new(dir, file_name),
        }
    }

    fn header_line(&self) -> String {
        let mut line = String::new();
        for (i, f) in self.union.schema().fields().iter().enumerate() {
            if i > 0 {
                line.push(char::from(self.opts.delimiter));
            }
            write_csv_field(&mut line, f.name(), self.opts.delimiter);
        }
        if self.union.len() == 1 && line.is_empty() {
            line.push_str("\"\"");
        }
        line.push_str("\r\n");
        line
    }

    fn emit(&mut self, text: &str) -> Result<()> {
        let (path, w) = match self.out.as_mut() {
            Some(o) => o,
            None => return Err(Error::Poisoned),
        };
        w.write_all(text.as_bytes())
            .map_err(|e| Error::io(&self.name, path.as_path(), e))?;
        self.written += text.len() as u64;
        Ok(())
    }

    /// Copies `src` to a new temporary file with the full header, padding each row of a
    /// segment with the fields it lacks.
    fn rewrite(&mut self, src: &Path, final_cols: usize) -> Result<PathBuf> {
        let dst = self.temps.create_path("tmp2");
        let io = |p: &Path| {
            let p = p.to_owned();
            let name = self.name.clone();
            move |e| Error::io(&name, p.clone(), e)
        };
        let mut input = BufReader::new(File::open(src).map_err(io(src))?);
        let mut out = BufWriter::new(crate::commit::create_file(&dst).map_err(io(&dst))?);
        if self.opts.include_header {
            out.write_all(self.header_line().as_bytes())
                .map_err(io(&dst))?;
        }
        let total = file_size(&self.name, src)?;
        let mut buf = vec![0u8; 64 * 1024];
        for (k, &(start, cols)) in self.segments.iter().enumerate() {
            let end = self.segments.get(k + 1).map_or(total, |s| s.0);
            let pad = vec![self.opts.delimiter; final_cols.saturating_sub(cols)];
            input.seek(SeekFrom::Start(start)).map_err(io(src))?;
            let mut left = end - start;
            let mut in_quotes = false;
            while left > 0 {
                let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
                input.read_exact(&mut buf[..want]).map_err(io(src))?;
                left -= want as u64;
                let mut from = 0;
                for (i, &b) in buf[..want].iter().enumerate() {
                    if b == b'"' {
                        in_quotes = !in_quotes;
                    } else if b == b'\r' && !in_quotes {
                        // End of a record: the fields this row lacks go before CRLF.
                        out.write_all(&buf[from..i]).map_err(io(&dst))?;
                        out.write_all(&pad).map_err(io(&dst))?;
                        from = i;
                    }
                }
                out.write_all(&buf[from..want]).map_err(io(&dst))?;
            }
        }
        out.flush().map_err(io(&dst))?;
        Ok(dst)
    }
}

impl TableWriter for CsvTable {
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
            if self.opts.include_header {
                let header = self.header_line();
                self.emit(&header)?;
                self.header_cols = Some(self.union.len());
            }
        }
        let ncols = self.union.len();
        if self.segments.last().map(|s| s.1) != Some(ncols) {
            self.segments.push((self.written, ncols));
        }
        // Where each union column is in the batch, found from the batch's side by the
        // union's index (as `UnionSchema::conform` does).
        let mut sources: Vec<Option<Column<'_>>> = vec![None; self.union.len()];
        for (i, f) in batch.schema_ref().fields().iter().enumerate() {
            if let Some(u) = self.union.position(f.name()) {
                sources[u].get_or_insert(Column::of(batch, extras, i));
            }
        }
        let delim = char::from(self.opts.delimiter);
        let mut line = String::new();
        let mut value = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            for (i, src) in sources.iter().enumerate() {
                if i > 0 {
                    line.push(delim);
                }
                if let Some(col) = src {
                    value.clear();
                    if write_plain(&mut value, *col, row) {
                        write_csv_field(&mut line, &value, self.opts.delimiter);
                    }
                }
            }
            if line.is_empty() {
                // A lone empty field would be a blank line, which readers skip.
                line.push_str("\"\"");
            }
            line.push_str("\r\n");
            self.emit(&line)?;
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Finishes the temporary file (rewriting it if columns were added late).
    fn stage(&mut self) -> Result<Option<Staged>> {
        let Some(tmp) = close_temp(&self.name, &mut self.out, &mut self.temps)? else {
            return Ok(None);
        };
        let final_cols = self.union.len();
        let header_ok = !self.opts.include_header || self.header_cols == Some(final_cols);
        let rows_ok = self.segments.iter().all(|s| s.1 == final_cols);
        let path = if header_ok && rows_ok {
            tmp
        } else {
            let rewritten = self.rewrite(&tmp, final_cols)?;
            self.temps.remove(&tmp);
            rewritten
        };
        Staged::finished(&self.name, path, &self.final_path, self.rows, 0, None).map(Some)
    }

    fn temps(&mut self) -> &mut TempFiles {
        &mut self.temps
    }

    fn schema(&self) -> arrow_schema::SchemaRef {
        Arc::clone(self.union.schema())
    }
}
