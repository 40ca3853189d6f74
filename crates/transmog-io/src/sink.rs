//! [`TableSink`]: routes `(table, batch)` pairs to one streaming writer per table and
//! commits all files at [`TableSink::finish`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;

use crate::commit::{commit, NewFile};
use crate::csv_sink::CsvTable;
use crate::error::{Error, Result};
use crate::files::table_file_name;
use crate::jsonl_sink::JsonlTable;
use crate::options::{Format, ParquetOptions, SinkOptions};
use crate::parquet_sink::ParquetTable;
pub use crate::writer::TableOutput;
use crate::writer::{Staged, Stop, TableWriter};
use transmog_core::CellExtras;

/// Streams Arrow record batches of many tables into one file per table in a directory.
///
/// Feed `(table, batch)` pairs with [`write`](Self::write) in any order and any batch
/// sizes; columns are matched by name and a table's columns are the first-seen union over
/// all its batches. Nothing appears under a final file name until
/// [`finish`](Self::finish) succeeds; [`abort`](Self::abort), an error in `finish`, or
/// dropping the sink removes every temporary file.
///
/// After an error from [`write`](Self::write) the sink is poisoned: later calls return
/// [`Error::Poisoned`] and `finish` removes the temporary files and fails.
pub struct TableSink {
    dir: PathBuf,
    opts: SinkOptions,
    parquet: Arc<ParquetOptions>,
    tables: Vec<Box<dyn TableWriter>>,
    by_name: HashMap<String, usize>,
    by_file: HashMap<String, String>,
    poisoned: bool,
    /// The run's entity, named in the folder's manifest ([`crate::commit::MANIFEST`]).
    entity: Option<String>,
    /// Dataset layout ([`TableSink::set_dataset`]): the run's id in part names, and
    /// whether earlier runs' parts stay.
    dataset: Option<(String, bool)>,
    stop: Stop,
}

impl std::fmt::Debug for TableSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableSink")
            .field("dir", &self.dir)
            .field("format", &self.opts.format)
            .field("tables", &self.tables.len())
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl TableSink {
    /// Creates a sink writing into `dir` (created, with parents, if missing).
    pub fn create(dir: &Path, opts: SinkOptions) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("", dir, e))?;
        crate::files::remove_stale_temps(dir);
        crate::commit::remove_stale_stages(dir);
        // Validate the Parquet options up front (codec levels etc.).
        if opts.format == Format::Parquet {
            opts.parquet
                .writer_properties(false, &arrow_schema::Schema::empty(), None)?;
        }
        Ok(TableSink {
            dir: dir.to_owned(),
            parquet: Arc::new(opts.parquet.clone()),
            opts,
            tables: Vec::new(),
            by_name: HashMap::new(),
            by_file: HashMap::new(),
            poisoned: false,
            entity: None,
            dataset: None,
            stop: Stop::default(),
        })
    }

    /// The sink's stop flag: once raised (from a signal handler, another thread), the
    /// sink stops between row groups, also while [`finish`](Self::finish) encodes and
    /// assembles big tables, and returns [`Error::Interrupted`] (finish then removes every
    /// temporary file, as on any error).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.flag()
    }

    /// The destination directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Appends `batch` to `table` (a new table starts on first use).
    pub fn write(&mut self, table: &str, batch: &RecordBatch) -> Result<()> {
        self.write_all(&[(table, batch)])
    }

    /// Appends several batches at once (e.g. one input chunk's worth): tables are
    /// created in the order given, then each table's batches are encoded in order, the
    /// tables side by side on up to one thread per core. Small writes stay on this
    /// thread. The files are the same as with one [`write`](Self::write) per batch.
    pub fn write_all(&mut self, batches: &[(&str, &RecordBatch)]) -> Result<()> {
        let kindless: Vec<_> = batches.iter().map(|&(t, b)| (t, b, &[][..])).collect();
        self.write_kinded(&kindless)
    }

    /// Like [`write_all`](Self::write_all), each batch with the original kinds of its
    /// cells (one [`CellExtras`] per column, as the flattener made them): CSV and JSON
    /// Lines write an integer as an integer even where a float or a string in its batch
    /// widened the column, so the text is the same however the input was cut in batches.
    pub fn write_kinded(&mut self, batches: &[(&str, &RecordBatch, &[CellExtras])]) -> Result<()> {
        if self.poisoned {
            return Err(Error::Poisoned);
        }
        let result = self.write_all_inner(batches);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    fn write_all_inner(&mut self, batches: &[(&str, &RecordBatch, &[CellExtras])]) -> Result<()> {
        let mut work: Vec<Vec<(&RecordBatch, &[CellExtras])>> = Vec::new();
        for &(table, batch, extras) in batches {
            let idx = match self.by_name.get(table) {
                Some(&i) => i,
                None => self.add_table(table)?,
            };
            if work.len() <= idx {
                work.resize_with(idx + 1, Vec::new);
            }
            work[idx].push((batch, extras));
        }
        let rows: usize = batches.iter().map(|(_, b, _)| b.num_rows()).sum();
        type Work<'b> = (
            &'b mut Box<dyn TableWriter>,
            Vec<(&'b RecordBatch, &'b [CellExtras])>,
        );
        let busy: Vec<Work<'_>> = self
            .tables
            .iter_mut()
            .zip(work)
            .filter(|(_, w)| !w.is_empty())
            .collect();
        let write = |(t, w): Work<'_>| w.into_iter().try_for_each(|(b, e)| t.write(b, e));
        if rows < PARALLEL_MIN_ROWS {
            busy.into_iter().try_for_each(write)?;
        } else {
            for outcome in in_parallel(busy, write) {
                outcome?;
            }
        }
        self.keep_budget()
    }

    /// Past [`ParquetOptions::memory_budget`], the tables holding most write theirs out
    /// until at most half of it is held: spilling a few bytes of many tables would make a
    /// part file per table per chunk.
    fn keep_budget(&mut self) -> Result<()> {
        let budget = self.parquet.memory_budget;
        let held: usize = self.tables.iter().map(|t| t.held_bytes()).sum();
        if held <= budget {
            return Ok(());
        }
        let mut by_size: Vec<&mut Box<dyn TableWriter>> = self.tables.iter_mut().collect();
        by_size.sort_by_key(|t| std::cmp::Reverse(t.held_bytes()));
        let mut left = held;
        let chosen: Vec<&mut Box<dyn TableWriter>> = by_size
            .into_iter()
            .take_while(|t| {
                let go = left > budget / 2;
                left = left.saturating_sub(t.held_bytes());
                go
            })
            .collect();
        for outcome in in_parallel(chosen, |t| t.spill()) {
            outcome?;
        }
        Ok(())
    }

    fn add_table(&mut self, table: &str) -> Result<usize> {
        let ext = self.opts.format.extension();
        let mut file_name = table_file_name(table, ext)?;
        // Two tables can sanitize to one file name (`a.b_c` and `a_b.c` with separator
        // `.`): the later one takes the first free `<stem>_N` instead of overwriting.
        let stem = file_name[..file_name.len() - ext.len() - 1].to_string();
        let mut n = 2;
        while self.by_file.contains_key(&file_name) {
            file_name = format!("{stem}_{n}.{ext}");
            n += 1;
        }
        let writer: Box<dyn TableWriter> = match self.opts.format {
            Format::Parquet => Box::new(ParquetTable::new(
                table,
                &self.dir,
                &file_name,
                Arc::clone(&self.parquet),
                self.stop.clone(),
            )),
            Format::Csv => Box::new(CsvTable::new(
                table,
                &self.dir,
                &file_name,
                self.opts.csv.clone(),
            )),
            Format::Jsonl => Box::new(JsonlTable::new(table, &self.dir, &file_name)),
        };
        self.by_file.insert(file_name, table.to_owned());
        self.by_name.insert(table.to_owned(), self.tables.len());
        self.tables.push(writer);
        Ok(self.tables.len() - 1)
    }

    /// Finishes every table and moves the files to their final names, in first-seen table
    /// order. Tables that never got a row produce no file and are not listed.
    ///
    /// All tables are completed under temporary names first; only when every one succeeded
    /// are they committed, all at once ([`crate::commit`]): flushed to disk, then made the
    /// folder's content in one step where the platform allows. On error every temporary
    /// file is removed.
    pub fn finish(self) -> Result<Vec<TableOutput>> {
        self.finish_with(|_| Vec::new())
    }

    /// [`finish`](Self::finish), committing with the tables the files `extra` makes from
    /// their outputs (file name in the output folder, content): a file that must change
    /// together with the tables, such as the run's schema file.
    pub fn finish_with(
        mut self,
        extra: impl FnOnce(&[TableOutput]) -> Vec<(String, Vec<u8>)>,
    ) -> Result<Vec<TableOutput>> {
        if self.poisoned {
            self.cleanup();
            return Err(Error::Poisoned);
        }
        let mut staged: Vec<(usize, Staged)> = Vec::new();
        for (i, outcome) in stage_all(&mut self.tables, &self.stop) {
            match outcome {
                Ok(Some(mut s)) => {
                    s.output.schema = Some(self.tables[i].schema());
                    staged.push((i, s));
                }
                Ok(None) => {}
                Err(e) => {
                    self.cleanup();
                    return Err(e);
                }
            }
        }
        if let Some((run, _)) = &self.dataset {
            for (_, s) in &mut staged {
                as_dataset(s, &self.dir, run);
            }
        }
        let outputs: Vec<TableOutput> = staged.iter().map(|(_, s)| s.output.clone()).collect();
        let mut extras = Vec::new();
        for (n, (name, bytes)) in extra(&outputs).into_iter().enumerate() {
            let tmp = self
                .dir
                .join(format!(".{name}.tmp-{}-x{n}", std::process::id()));
            let written = crate::commit::create_file(&tmp)
                .and_then(|mut f| std::io::Write::write_all(&mut f, &bytes));
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                for (t, _) in &extras {
                    let _ = std::fs::remove_file(t);
                }
                self.cleanup();
                return Err(Error::io("", &tmp, e));
            }
            extras.push((tmp, name));
        }
        let mut files: Vec<NewFile<'_>> = staged
            .iter()
            .flat_map(|(_, s)| {
                s.files.iter().map(|(tmp, name)| NewFile {
                    table: &s.output.name,
                    tmp,
                    name,
                })
            })
            .collect();
        files.extend(extras.iter().map(|(tmp, name)| NewFile {
            table: "",
            tmp,
            name,
        }));
        let append = self.dataset.as_ref().is_some_and(|(_, a)| *a);
        if let Err(e) = commit(&self.dir, self.entity.as_deref(), &files, append) {
            for (t, _) in &extras {
                let _ = std::fs::remove_file(t);
            }
            self.cleanup();
            return Err(e);
        }
        for (i, s) in &staged {
            for (tmp, _) in &s.files {
                self.tables[*i].temps().forget(tmp);
            }
        }
        self.cleanup();
        Ok(outputs)
    }

    /// Writes every table as a folder of part files named after the run,
    /// `<table>/part-<run>-00000.<ext>`, ... (the dataset layout). With `append`, the
    /// parts earlier runs left in those folders stay: the run adds its own, all at once
    /// (a killed run adds none); without, the run's parts replace the folder's.
    pub fn set_dataset(&mut self, run: &str, append: bool) {
        self.dataset = Some((run.to_owned(), append));
    }

    /// Each table's union schema so far, by table name.
    pub fn schemas(&self) -> Vec<(String, arrow_schema::SchemaRef)> {
        let mut named: Vec<(&String, &usize)> = self.by_name.iter().collect();
        named.sort_by_key(|(_, i)| **i);
        named
            .into_iter()
            .map(|(name, &i)| (name.clone(), self.tables[i].schema()))
            .collect()
    }

    /// Names the run's entity: the folder's manifest then lists the files this run
    /// wrote for it, and the next run of the entity there drops those it no longer makes.
    pub fn set_entity(&mut self, entity: &str) {
        self.entity = Some(entity.to_owned());
    }

    /// Drops everything written so far, removing all temporary files.
    pub fn abort(mut self) {
        self.cleanup();
    }

    fn cleanup(&mut self) {
        for t in &mut self.tables {
            t.temps().remove_all();
        }
    }
}

impl Drop for TableSink {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Renames a table's staged files to the dataset layout: `t.ext` or `t/part-N.ext`
/// become `t/part-<run>-0000N.ext`.
fn as_dataset(s: &mut Staged, dir: &Path, run: &str) {
    let mut paths = Vec::with_capacity(s.files.len());
    let mut folder = String::new();
    for (i, (_, name)) in s.files.iter_mut().enumerate() {
        let (stem, file) = name.split_once('/').unwrap_or(("", name.as_str()));
        let ext = file.rsplit_once('.').map_or("", |(_, e)| e).to_string();
        let stem = if stem.is_empty() {
            file.rsplit_once('.').map_or(file, |(s, _)| s).to_string()
        } else {
            stem.to_string()
        };
        *name = format!("{stem}/{}", crate::writer::part_name(Some(run), i, &ext));
        paths.push(dir.join(&*name));
        folder = stem;
    }
    s.output.path = dir.join(folder);
    s.output.files = paths;
}

/// Below this many rows a [`TableSink::write_all`] is not worth a thread.
const PARALLEL_MIN_ROWS: usize = 4096;

/// Stages every table (last row group, splice of part files) on up to one thread per
/// core: this is the serial tail of every run, after all input has been read.
fn stage_all(
    tables: &mut [Box<dyn TableWriter>],
    stop: &Stop,
) -> Vec<(usize, Result<Option<Staged>>)> {
    let items: Vec<(usize, &mut Box<dyn TableWriter>)> = tables.iter_mut().enumerate().collect();
    in_parallel(items, |(i, t)| {
        let staged = stop.check(t.name()).and_then(|()| t.stage());
        (i, staged)
    })
}

/// `f` applied to every item on up to one thread per core (scoped threads taking
/// items from a shared queue); the results come back in item order.
pub(crate) fn in_parallel<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let n = items.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .min(n);
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let queue = Mutex::new(items.into_iter().enumerate());
    let done = Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.next());
                let Ok(Some((i, item))) = next else { break };
                let r = f(item);
                if let Ok(mut d) = done.lock() {
                    d.push((i, r));
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
    // A thread that panicked has already re-raised its panic at the end of the scope,
    // so every item has its result here.
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sink_is_send() {
        fn assert_send<T: Send>() {}
        assert_send::<super::TableSink>();
    }
}
