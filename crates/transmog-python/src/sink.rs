//! `Sink`: a streaming writer for a whole run — rows (dicts) or native tables in, one
//! file per table out, files under their final names only at `finish()`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use arrow_array::RecordBatch;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::FxHashMap;
use transmog_core::schema_file::{Contracts, Drift, SavedSchema};
use transmog_core::text::push_py_json;
use transmog_core::{Cell, Kind, Node, RowsBuilder, View};
use transmog_io::TableSink;

use crate::arrow::ArrowStream;
use crate::errors::{self, Context};
use crate::options;
use crate::pynode::{PyNode, Trouble};
use crate::result::NativeResult;

/// A streaming writer for a whole run: rows (lists of dicts) per table in, one file per
/// table out; files appear under their final names only at `finish()`.
#[pyclass(module = "transmog._native")]
pub struct Sink {
    inner: Mutex<Option<(Writer, HashMap<String, RowsBuilder>)>>,
    /// Calls of `write_rows` that wrote a result's own batch instead of reading dicts.
    adopted: std::sync::atomic::AtomicU64,
    /// The sink's stop flag, raised by Ctrl-C while `finish` runs.
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

type SinkState = Option<(Writer, HashMap<String, RowsBuilder>)>;

/// Batches that `write_rows` encoded and wrote, at most, before the caller goes on.
const BATCHES_AHEAD: usize = 2;

/// The table sink, encoding on the caller's thread or on a thread of its own.
///
/// Rows given as dicts are encoded on a thread of its own, so that the caller makes
/// its next batch meanwhile (the seed's second sample: a core is free while the next
/// batch's rows are made). An error there is raised by the next call, as 1.0.6's
/// writers raise at the row-group write or `finalize()`.
enum Writer {
    Here(Box<TableSink>),
    Away {
        batches: std::sync::mpsc::SyncSender<(String, RecordBatch)>,
        thread: std::thread::JoinHandle<(TableSink, transmog_io::Result<()>)>,
    },
    /// Only while switching.
    Gone,
}

impl Writer {
    /// The sink back on this thread, once every batch sent is written; the first error
    /// of the writing thread, if any.
    fn here(&mut self) -> transmog_io::Result<&mut TableSink> {
        if let Writer::Away { .. } = self {
            let Writer::Away { batches, thread } = std::mem::replace(self, Writer::Gone) else {
                unreachable!("matched above");
            };
            drop(batches);
            let (sink, written) = thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            *self = Writer::Here(Box::new(sink));
            written?;
        }
        match self {
            Writer::Here(sink) => Ok(&mut **sink),
            _ => unreachable!("the sink is here after `here`"),
        }
    }

    /// The sink, with every batch sent written, and the writing thread's error if any.
    fn into_sink(mut self) -> (Box<TableSink>, transmog_io::Result<()>) {
        let written = self.here().map(|_| ());
        match self {
            Writer::Here(sink) => (sink, written),
            _ => unreachable!("the sink is here after `here`"),
        }
    }

    /// Hands `batch` to the writing thread (started on first use; without a thread to
    /// be had, the batch is written here).
    fn send(&mut self, table: &str, batch: RecordBatch) -> transmog_io::Result<()> {
        if let Writer::Here(sink) = self {
            // The sink goes over only once the thread runs, so a failed start keeps it.
            let (hand, handed) = std::sync::mpsc::sync_channel::<TableSink>(1);
            let (tx, rx) = std::sync::mpsc::sync_channel::<(String, RecordBatch)>(BATCHES_AHEAD);
            let spawned = std::thread::Builder::new()
                .name("transmog-write".into())
                .spawn(move || {
                    let mut sink = handed.recv().expect("the sink comes right after the start");
                    let mut written = Ok(());
                    for (table, batch) in rx {
                        written = sink.write(&table, &batch);
                        if written.is_err() {
                            break;
                        }
                    }
                    (sink, written)
                });
            let Ok(thread) = spawned else {
                return sink.write(table, &batch);
            };
            let Writer::Here(sink) = std::mem::replace(self, Writer::Gone) else {
                unreachable!("matched above");
            };
            // The thread holds the receiver until it has the sink: this cannot fail.
            let _ = hand.send(*sink);
            *self = Writer::Away {
                batches: tx,
                thread,
            };
        }
        let Writer::Away { batches, .. } = self else {
            unreachable!("started above");
        };
        if let Err(std::sync::mpsc::SendError((table, batch))) =
            batches.send((table.to_string(), batch))
        {
            // The thread stopped, at an error (which `here` returns) or not at all
            // expectedly: then the batch is written here rather than lost.
            self.here()?.write(&table, &batch)?;
        }
        Ok(())
    }
}

impl Sink {
    /// The sink's state; never waits for the lock (its holder may need the GIL this
    /// thread holds): a second call meanwhile is an error.
    fn state(&self, py: Python<'_>) -> PyResult<std::sync::MutexGuard<'_, SinkState>> {
        match self.inner.try_lock() {
            Ok(g) => Ok(g),
            Err(std::sync::TryLockError::WouldBlock) => Err(errors::output(
                py,
                "this writer is busy with another call (one call at a time)",
            )),
            Err(std::sync::TryLockError::Poisoned(_)) => {
                Err(PyRuntimeError::new_err("sink poisoned"))
            }
        }
    }

    /// Runs `f` on the open table sink (`OutputError` once finalized).
    pub fn with_table_sink<R>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut TableSink) -> PyResult<R>,
    ) -> PyResult<R> {
        let mut guard = self.state(py)?;
        match guard.as_mut() {
            Some((writer, _)) => {
                let sink = py
                    .detach(|| writer.here())
                    .map_err(|e| errors::io_err(py, e, Context::default()))?;
                f(sink)
            }
            None => Err(errors::output(py, "writer already finalized")),
        }
    }
}

/// Sets one cell from a Python value, its text borrowed (no copy until the builder's);
/// lists and dicts become JSON text.
fn set_cell(builder: &mut RowsBuilder, column: usize, value: PyNode<'_>) -> PyResult<()> {
    let json;
    let text;
    let cell = match value.view() {
        View::Null => Cell::Null,
        View::Bool(b) => Cell::Bool(b),
        View::Int(i) => Cell::Int(i),
        View::Float(f) | View::FloatText(f, _) => Cell::Float(f),
        View::BigInt(s) => {
            text = s;
            Cell::Text(Kind::BigInt, &text)
        }
        View::Str(s) => {
            text = s;
            Cell::Text(Kind::Str, &text)
        }
        View::Array { .. } | View::Object { .. } => {
            let v = value
                .to_value()
                .map_err(|e| PyTypeError::new_err(format!("row value: {}", e.0)))?;
            let mut s = String::new();
            push_py_json(&mut s, &v);
            json = s;
            Cell::Text(Kind::Json, &json)
        }
    };
    builder.set_at(column, cell);
    Ok(())
}

/// Reads rows (dicts) into `builder`.
fn fill_rows(builder: &mut RowsBuilder, rows: &Bound<'_, PyAny>) -> PyResult<()> {
    // Rows of one result share their key objects: a column is looked up by name
    // once per key object, not once per cell.
    // The map holds each key object, so no other key can take its address meanwhile.
    let mut columns: FxHashMap<*mut pyo3::ffi::PyObject, (usize, Bound<'_, PyAny>)> =
        FxHashMap::default();
    let trouble = Trouble::default();
    for row in rows.try_iter()? {
        let row = row?;
        let d = row
            .cast::<PyDict>()
            .map_err(|_| PyTypeError::new_err("rows must be dicts"))?;
        for (k, v) in d.iter() {
            let c = match columns.get(&k.as_ptr()) {
                Some((c, _)) => *c,
                None => {
                    let key = k.str()?;
                    let View::Str(name) = PyNode::new(&key, &trouble).view() else {
                        continue;
                    };
                    let c = builder.column(&name);
                    columns.insert(k.as_ptr(), (c, k.clone()));
                    c
                }
            };
            set_cell(builder, c, PyNode::new(&v, &trouble))?;
            if let Some(what) = trouble.take() {
                return Err(PyTypeError::new_err(format!("row value: {what}")));
            }
        }
        builder.end_row();
    }
    Ok(())
}

#[pymethods]
impl Sink {
    #[new]
    fn new(
        py: Python<'_>,
        directory: PathBuf,
        format: &str,
        options: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let opts = options::sink(py, format, options)?;
        let ctx = Context {
            entity: None,
            format: Some(format),
        };
        let sink = TableSink::create(&directory, opts).map_err(|e| errors::io_err(py, e, ctx))?;
        Ok(Sink {
            stop: sink.stop_flag(),
            inner: Mutex::new(Some((Writer::Here(Box::new(sink)), HashMap::new()))),
            adopted: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Appends rows (dicts) to a table's file.
    ///
    /// `source` (result, table name) says where the rows may come from: when `rows` is
    /// the list that result's `rows()` handed out for that table, unchanged, its batch
    /// is written as it is, the file coming out as from the dicts.
    #[pyo3(signature = (table, rows, source=None))]
    fn write_rows(
        &self,
        py: Python<'_>,
        table: &str,
        rows: &Bound<'_, PyAny>,
        source: Option<(PyRef<'_, NativeResult>, String)>,
    ) -> PyResult<usize> {
        let mut guard = self.state(py)?;
        let Some((writer, builders)) = guard.as_mut() else {
            return Err(errors::output(py, "writer already finalized"));
        };
        let builder = builders.entry(table.to_string()).or_default();
        if let Some((result, name)) = &source {
            let same = result.unchanged_batches(py, name, rows)?;
            let adopted = same.and_then(|parts| builder.adopt(&parts));
            if let Some(batch) = adopted {
                let n = batch.num_rows();
                py.detach(|| writer.send(table, batch))
                    .map_err(|e| errors::io_err(py, e, Context::default()))?;
                self.adopted
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return Ok(n);
            }
        }
        let written = fill_rows(builder, rows);
        if written.is_err() {
            // Rows of a failed call (a half-filled one among them) are not written.
            builders.remove(table);
        }
        written?;
        let Some(builder) = builders.get_mut(table) else {
            return Ok(0);
        };
        let n = builder.len();
        if let Some(batch) = builder.finish() {
            py.detach(|| writer.send(table, batch))
                .map_err(|e| errors::io_err(py, e, Context::default()))?;
        }
        Ok(n)
    }

    /// Calls of `write_rows` that wrote a result's batch as it is.
    #[getter]
    fn adopted_batches(&self) -> u64 {
        self.adopted.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes several tables of `result` at once, `(file stem, table)` each: the sink
    /// encodes them side by side, a thread per core. Returns the rows written.
    fn write_result_tables(
        &self,
        py: Python<'_>,
        tables: Vec<(String, String)>,
        result: &NativeResult,
    ) -> PyResult<usize> {
        let jobs: Vec<(&str, &transmog_run::HeldTable)> = tables
            .iter()
            .map(|(stem, source)| Ok((stem.as_str(), result.table(source)?)))
            .collect::<PyResult<_>>()?;
        self.with_table_sink(py, |sink| {
            py.detach(|| transmog_run::held::write_tables(sink, &jobs))
                .map_err(|e| errors::run_err(py, e, Context::default()))
        })
    }

    /// Writes everything and renames files to their final names; returns
    /// [(table, path, rows)].
    fn finish(&self, py: Python<'_>) -> PyResult<Vec<(String, String, u64)>> {
        let mut guard = self.state(py)?;
        let Some((writer, _)) = guard.take() else {
            return Ok(Vec::new());
        };
        // After an error of the writing thread the sink is given up, as after any
        // failed write: its files are removed.
        let outputs = crate::engine::interruptible(py, &self.stop, || match writer.into_sink() {
            (sink, Ok(())) => sink.finish(),
            (sink, Err(e)) => {
                sink.abort();
                Err(e)
            }
        })
        .map_err(|e| errors::io_err(py, e, Context::default()))?;
        Ok(outputs
            .into_iter()
            .map(|o| (o.name, o.path.to_string_lossy().into_owned(), o.rows))
            .collect())
    }

    /// Drops buffered rows and removes temporary files.
    fn abort(&self, py: Python<'_>) -> PyResult<()> {
        let mut guard = self.state(py)?;
        if let Some((writer, _)) = guard.take() {
            // Its error, if any, no longer matters.
            py.detach(|| writer.into_sink().0.abort());
        }
        Ok(())
    }

    fn is_open(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(self.state(py)?.is_some())
    }
}

/// A renamed column: `(table, path, wanted, given)`.
type Renamed = (String, String, String, String);

/// Brings the Parquet part files of one table (written by separate tasks, given in
/// input order) to one name and one type per column, rewriting parts with the run's
/// writer settings. Returns the union schema as an empty Arrow stream
/// (`pyarrow.schema(...)` reads it) and the renamed columns as
/// `(table, path, wanted, given)`. With `schema_text` (a schema file's content), the
/// columns that its table `saved_table` holds keep their saved names.
#[pyfunction]
#[pyo3(signature = (table, paths, options, separator, schema_text=None, saved_table=None))]
pub fn harmonize(
    py: Python<'_>,
    table: &str,
    paths: Vec<PathBuf>,
    options: &Bound<'_, PyDict>,
    separator: &str,
    schema_text: Option<&str>,
    saved_table: Option<&str>,
) -> PyResult<(ArrowStream, Vec<Renamed>)> {
    let opts = options::sink(py, "parquet", options)?;
    let ctx = Context {
        entity: None,
        format: Some("parquet"),
    };
    let saved = saved_schema(py, schema_text)?;
    let saved = saved.as_ref().and_then(|s| {
        let name = saved_table.unwrap_or(table);
        s.tables.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    });
    let (schema, renamed) = py
        .detach(|| transmog_io::harmonize(table, &paths, &opts, separator, saved.map(|s| &**s)))
        .map_err(|e| errors::io_err(py, e, ctx))?;
    let stream = ArrowStream {
        schema,
        batches: Mutex::new(Some(Vec::new())),
    };
    let renamed = renamed
        .into_iter()
        .map(|c| (c.table, c.path, c.wanted, c.given))
        .collect();
    Ok((stream, renamed))
}

/// The job's tables from its tasks' Parquet parts (all tables, in input order), named
/// again by the array paths owning them: `([(table, stem, [part positions])], renamed)`.
/// With `schema_text` (a schema file's content), its tables keep their saved names.
#[pyfunction]
#[pyo3(signature = (paths, separator, schema_text=None))]
#[allow(clippy::type_complexity)]
pub fn job_tables(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    separator: &str,
    schema_text: Option<&str>,
) -> PyResult<(Vec<(String, String, Vec<usize>)>, Vec<Renamed>)> {
    let ctx = Context {
        entity: None,
        format: Some("parquet"),
    };
    let saved = saved_schema(py, schema_text)?;
    let (tables, renamed) = py
        .detach(|| transmog_io::job_tables(&paths, separator, saved.as_ref()))
        .map_err(|e| errors::io_err(py, e, ctx))?;
    Ok((
        tables
            .into_iter()
            .map(|t| (t.name, t.stem, t.parts))
            .collect(),
        renamed
            .into_iter()
            .map(|c| (c.table, c.path, c.wanted, c.given))
            .collect(),
    ))
}

/// A schema file's content, read (its options are checked where a run starts from it).
fn saved_schema(py: Python<'_>, text: Option<&str>) -> PyResult<Option<SavedSchema>> {
    text.map(|t| {
        SavedSchema::from_json(t)
            .map_err(|message| errors::config(py, "schema_file", None, message))
    })
    .transpose()
}

/// A distributed job's schema file after the job: `tables` are its tables (run-wide
/// names, in order) with their harmonized Parquet parts; `first_new` the tasks' first
/// records of new columns `(table path JSON, column path JSON, location)`, in input
/// order. Returns the updated schema file's text and, when the job started from a saved
/// schema (`schema_text`), the drift against it as JSON text.
#[pyfunction]
#[pyo3(signature = (entity, options, schema_text, tables, first_new))]
pub fn job_schema(
    py: Python<'_>,
    entity: &str,
    options: &Bound<'_, PyDict>,
    schema_text: Option<&str>,
    tables: Vec<(String, Vec<PathBuf>)>,
    first_new: Vec<(String, String, String)>,
) -> PyResult<(String, Option<String>)> {
    let mut cfg = options::config(py, options)?;
    let saved = schema_text
        .map(|t| SavedSchema::load_for(t, entity, &mut cfg, &Contracts::default()))
        .transpose()
        .map_err(|message| errors::config(py, "schema_file", None, message))?;
    let ctx = Context {
        entity: Some(entity),
        format: Some("parquet"),
    };
    let now = py
        .detach(|| {
            tables
                .iter()
                .map(|(name, parts)| Ok((name.clone(), transmog_io::parts_schema(name, parts)?)))
                .collect::<transmog_io::Result<Vec<_>>>()
        })
        .map_err(|e| errors::io_err(py, e, ctx))?;
    let updated = SavedSchema::after_run(saved.as_ref(), entity, &cfg, &[], &now);
    // A task's parts hold only the columns its records had.
    let seen = |t: &str, c: &str| {
        now.iter()
            .any(|(n, s)| n == t && s.field_with_name(c).is_ok())
    };
    let first = |t: &str, p: &str| {
        first_new
            .iter()
            .find(|(table, path, _)| table == t && path == p)
            .map(|(_, _, at)| at.clone())
    };
    let drift = saved
        .as_ref()
        .map(|s| Drift::between(s, &now, &seen, &first).to_json().to_string());
    Ok((updated.to_json(), drift))
}

/// Makes the finished folder `stage` the folder `output` in one step (see
/// `transmog_io::replace_dir`): a job's driver commits its dataset with it. Returns
/// whether the folders were exchanged atomically (else renamed one after the other).
#[pyfunction]
pub fn replace_dir(py: Python<'_>, stage: PathBuf, output: PathBuf) -> PyResult<bool> {
    let ctx = Context {
        entity: None,
        format: None,
    };
    py.detach(|| transmog_io::replace_dir(&stage, &output))
        .map(|how| how == transmog_io::Commit::Exchanged)
        .map_err(|e| errors::io_err(py, e, ctx))
}

/// Writes `data` to the file `path` aside, flushed to disk, then renamed into place
/// (`transmog_io::write_atomically`): a reader never finds half a file.
#[pyfunction]
pub fn write_atomically(py: Python<'_>, path: PathBuf, data: Vec<u8>) -> PyResult<()> {
    let ctx = Context {
        entity: None,
        format: None,
    };
    py.detach(|| transmog_io::write_file_atomically(&path, &data))
        .map_err(|e| errors::io_err(py, e, ctx))
}
