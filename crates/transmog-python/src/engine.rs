//! `Engine`: one run of the engine, fed from Python. Files go through the run engine's
//! parallel pipeline with the GIL released; records handed over as Python objects are
//! flattened on the calling thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use transmog_core::schema_file::{Contract, Contracts};
use transmog_core::{value, Location, TableBatch, Tape, Value};
use transmog_io::read::ReadError;
use transmog_io::TableSink;
use transmog_run::{
    BatchSink, Collect, Feed, Input, Run, RunError, RunOptions, SchemaSession, Tracked,
    COMPACT_BUDGET,
};

use crate::errors::{self, Context};
use crate::options;
use crate::pynode::{self, PyNode, Trouble};
use crate::result::NativeResult;
use crate::sink::Sink;

/// Records per tape handed to a flattening thread.
const RECORD_CHUNK: usize = 2048;
/// Bytes per chunk at most (see `RunOptions::chunk_bytes`).
const PY_CHUNK_BYTES: usize = 16 << 20;
/// Fewer records per tape do not pay for the hand-over.
const MIN_RECORD_CHUNK: usize = 128;

struct State {
    run: Run,
    tables: Collect,
    /// The run's schema file, when it has one.
    schema: Option<SchemaSession>,
}

impl State {
    /// The run, and its in-memory tables as a sink (batches tracked by the schema file).
    fn parts(&mut self) -> (&mut Run, Tracked<'_, Collect>) {
        (
            &mut self.run,
            Tracked::new(&mut self.tables, self.schema.as_mut()),
        )
    }
}

/// Records in, tables out. One engine per processing call.
#[pyclass(module = "transmog._native")]
pub struct Engine {
    entity: String,
    // Boxed: the run inside is aligned beyond the 16 bytes Python gives an object.
    inner: Box<Mutex<Option<State>>>,
}

/// A sink's table files, with the main table under the name its writer gives it.
struct Renamed<'a> {
    sink: &'a mut TableSink,
    entity: &'a str,
    main_stem: &'a str,
}

impl BatchSink for Renamed<'_> {
    fn write(&mut self, batches: &[TableBatch]) -> transmog_run::Result<()> {
        let pairs: Vec<_> = batches
            .iter()
            .map(|b| {
                let name = if *b.table == *self.entity {
                    self.main_stem
                } else {
                    &*b.table
                };
                (name, &b.batch, &b.extras[..])
            })
            .collect();
        Ok(self.sink.write_kinded(&pairs)?)
    }
}

impl Engine {
    fn ctx(&self) -> Context<'_> {
        Context {
            entity: Some(&self.entity),
            format: None,
        }
    }

    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&mut State) -> PyResult<R>) -> PyResult<R> {
        // Never wait for the lock: its holder may need the GIL this thread holds.
        let mut guard = match self.inner.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(errors::processing(
                    py,
                    "this engine is busy with another call (one call at a time)",
                ))
            }
            Err(std::sync::TryLockError::Poisoned(_)) => {
                return Err(PyRuntimeError::new_err(
                    "engine poisoned by an earlier panic",
                ))
            }
        };
        match guard.as_mut() {
            Some(state) => f(state),
            None => Err(errors::processing(py, "this engine has already finished")),
        }
    }
}

/// Runs `work` on another thread with the GIL released, while this thread watches for
/// Ctrl-C: Python runs its SIGINT handler only on its main thread, and only when asked.
/// An interrupt stops the run at its next chunk and is reported as `Interrupted` even
/// when the run got to its end meanwhile.
fn detached<R: Send>(
    py: Python<'_>,
    run: &mut Run,
    work: impl FnOnce(&mut Run) -> transmog_run::Result<R> + Send,
) -> transmog_run::Result<R> {
    let flag = run.options_mut().interrupted.clone();
    flag.store(false, Ordering::Relaxed);
    let outcome = interruptible(py, &flag, || work(run));
    if flag.load(Ordering::Relaxed) {
        return Err(RunError::Interrupted);
    }
    outcome
}

/// Runs `work` on another thread with the GIL released; raises `flag` when Ctrl-C is
/// pressed meanwhile (Python runs its SIGINT handler only on its main thread, and only
/// when asked), for `work` to stop at its next check.
pub(crate) fn interruptible<R: Send>(
    py: Python<'_>,
    flag: &AtomicBool,
    work: impl FnOnce() -> R + Send,
) -> R {
    py.detach(|| {
        std::thread::scope(|scope| {
            let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
            let handle = scope.spawn(move || {
                let out = work();
                let _ = done_tx.send(());
                out
            });
            while let Err(crossbeam_channel::RecvTimeoutError::Timeout) =
                done_rx.recv_timeout(std::time::Duration::from_millis(50))
            {
                if Python::attach(|py| py.check_signals().is_err()) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// Copies every record of `records` onto the feed's tapes. Lets other threads take the
/// GIL now and then (the main thread watches for Ctrl-C).
fn feed_records(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    entity: &str,
    feed: &mut Feed<'_, '_>,
) -> PyResult<()> {
    let trouble = Trouble::default();
    for (index, item) in records.try_iter()?.enumerate() {
        let item = item?;
        let tape = feed.tape();
        tape.begin_record();
        let written = pynode::write(tape, PyNode::new(&item, &trouble));
        let what = match written {
            Err(e) => Some(e.0),
            Ok(()) => trouble.take(),
        };
        if let Some(what) = what {
            tape.abandon_record();
            return Err(errors::raise(
                py,
                "ProcessingError",
                format!("record {index}: {what}"),
                &[("entity_name", Some(entity.into()))],
            ));
        }
        // Handing a full chunk over may wait for a worker: without the GIL, so other
        // Python threads (and the Ctrl-C watch) go on meanwhile.
        let handed = if feed.chunk_full() {
            py.detach(|| feed.record_done())
        } else {
            feed.record_done()
        };
        if handed.is_err() {
            // The run stopped downstream; its error is reported by the caller.
            return Ok(());
        }
    }
    Ok(())
}

/// Runs `work` with the run cut in chunks of `records`, then restores the run's size.
fn with_chunks<R>(run: &mut Run, records: usize, work: impl FnOnce(&mut Run) -> R) -> R {
    let before = std::mem::replace(&mut run.options_mut().chunk_records, records.max(1));
    let out = work(run);
    run.options_mut().chunk_records = before;
    out
}

/// Flattens a few records on this thread: each is copied onto a tape first (as on the
/// threaded path), so no Python memory is borrowed while it is flattened — `str()` of a
/// value runs Python code that could change it.
fn push_in_place(
    py: Python<'_>,
    s: &mut State,
    records: &Bound<'_, PyAny>,
    entity: &str,
    ctx: Context<'_>,
) -> PyResult<u64> {
    let trouble = Trouble::default();
    let mut tape = Tape::new();
    for (index, item) in records.try_iter()?.enumerate() {
        let item = item?;
        tape.clear();
        tape.begin_record();
        let what = match pynode::write(&mut tape, PyNode::new(&item, &trouble)) {
            Err(e) => Some(e.0),
            Ok(()) => trouble.take(),
        };
        if let Some(what) = what {
            return Err(errors::raise(
                py,
                "ProcessingError",
                format!("record {index}: {what}"),
                &[("entity_name", Some(entity.into()))],
            ));
        }
        let (run, mut tables) = s.parts();
        for record in tape.records() {
            run.push(record, &mut tables)
                .map_err(|e| errors::run_err(py, e, ctx))?;
        }
    }
    let (run, mut tables) = s.parts();
    run.flush(&mut tables)
        .map_err(|e| errors::run_err(py, e, ctx))?;
    Ok(s.run.totals().accepted())
}

#[pymethods]
impl Engine {
    /// A run of `entity_name` with engine options (see `transmog_core::options`);
    /// `threads` flattening threads for files (0: one per core).
    ///
    /// `schema_file`: the run starts from this schema file when it exists and writes it
    /// updated when it finishes (`finish`); `schema_text`: a schema file's content to
    /// start from, written nowhere (a Spark or Dask task gets its driver's).
    /// `schema_contract`: evolve, freeze or discard; `schema_tables`: `(table, contract)`
    /// for saved tables bound otherwise.
    #[new]
    ///
    /// `compact`: the result holds its tables compressed past a few MiB (low-memory
    /// processing; `transmog_run::Collect::compact`).
    #[pyo3(signature = (entity_name, options, threads=0, chunk_records=10_000, schema_file=None, schema_text=None, schema_contract="evolve", schema_tables=Vec::new(), compact=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        entity_name: &str,
        options: &Bound<'_, PyDict>,
        threads: usize,
        chunk_records: usize,
        schema_file: Option<PathBuf>,
        schema_text: Option<String>,
        schema_contract: &str,
        schema_tables: Vec<(String, String)>,
        compact: bool,
    ) -> PyResult<Self> {
        let mut cfg = options::config(py, options)?;
        let opts = RunOptions {
            threads,
            chunk_records: chunk_records.max(1),
            // The process's allocator is glibc's (not the CLI's jemalloc), for which
            // small chunks cost time: 16 MiB still bounds memory for large records.
            chunk_bytes: PY_CHUNK_BYTES,
            ..RunOptions::default()
        };
        let ctx = Context {
            entity: Some(entity_name),
            format: None,
        };
        let parse = |param: &str, text: &str| {
            text.parse::<Contract>()
                .map_err(|message| errors::config(py, param, Some(text.to_string()), message))
        };
        let contracts = Contracts {
            default: parse("schema_contract", schema_contract)?,
            tables: schema_tables
                .iter()
                .map(|(t, c)| Ok((t.clone(), parse("schema_tables", c)?)))
                .collect::<PyResult<_>>()?,
        };
        let mut schema = match (schema_file, schema_text) {
            (Some(path), _) => Some(SchemaSession::open(&path, entity_name, &mut cfg, contracts)),
            (None, Some(text)) => Some(SchemaSession::from_text(
                Some(&text),
                "schema_text",
                entity_name,
                &mut cfg,
                contracts,
            )),
            (None, None) => None,
        }
        .transpose()
        .map_err(|e| errors::run_err(py, e, ctx))?;
        let mut run = Run::new(entity_name, cfg, opts).map_err(|e| errors::run_err(py, e, ctx))?;
        if let Some(session) = &mut schema {
            session
                .start(&mut run, None)
                .map_err(|e| errors::run_err(py, e, ctx))?;
        }
        Ok(Engine {
            entity: entity_name.to_string(),
            inner: Box::new(Mutex::new(Some(State {
                run,
                tables: if compact {
                    Collect::compact(entity_name, COMPACT_BUDGET)
                } else {
                    Collect::new(entity_name)
                },
                schema,
            }))),
        })
    }

    /// Flattens the records of an iterable of dicts on all cores: a thread holding the
    /// GIL copies each record onto a tape (one walk, no object per value), worker threads
    /// flatten the tapes. Non-dict items follow the recovery strategy. Returns the
    /// number of records accepted so far.
    fn push_records(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<u64> {
        let ctx = self.ctx();
        let items: Py<PyAny> = records.clone().unbind();
        // A Python error of the feeding thread (a failing iterator, a key that is not a
        // string, ...), raised here once the run has stopped.
        let raised: Mutex<Option<PyErr>> = Mutex::new(None);
        let entity = self.entity.as_str();
        self.with(py, |s| {
            let known = records.len().ok().unwrap_or(usize::MAX);
            if known < MIN_RECORD_CHUNK {
                // A few records (one dict, say) are not worth threads: walked in place.
                return push_in_place(py, s, records, entity, ctx);
            }
            // Small chunks keep a tape in the cache between the thread that writes it
            // and the one that flattens it (measured: 2048 records beat 10 000 by 10%);
            // a short list is cut in four so that writing and flattening overlap.
            let chunk = (known / 4).clamp(MIN_RECORD_CHUNK, RECORD_CHUNK);
            let (run, mut tables) = s.parts();
            let tables = &mut tables;
            let outcome = with_chunks(run, chunk, |run| {
                detached(py, run, |run| {
                    run.produce(
                        |feed| {
                            Python::attach(|py| {
                                feed_records(py, items.bind(py), entity, feed).map_err(|e| {
                                    if let Ok(mut slot) = raised.lock() {
                                        *slot = Some(e);
                                    }
                                    // The records' source failed (its Python error is
                                    // raised below): a read fault.
                                    RunError::Read(ReadError::Io {
                                        path: "<records>".into(),
                                        source: std::io::Error::other(
                                            "the records could not be read",
                                        ),
                                    })
                                })
                            })
                        },
                        tables,
                    )
                })
            });
            if let Some(e) = raised.lock().ok().and_then(|mut slot| slot.take()) {
                return Err(e);
            }
            outcome.map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(s.run.totals().accepted())
        })
    }

    /// Reads a file (JSON Lines, a JSON array or document, CSV; gzip/zstd detected) on
    /// all cores with the GIL released. `format` is auto/jsonl/json/csv.
    ///
    /// With `sink`, rows go to that writer as they are made (memory stays bounded
    /// whatever the file size): the main table under `main_stem`, child tables under
    /// their names; `every` is the number of records per hand-over. `source` names the
    /// input in messages instead of `path`; `origin` is its stable name for position
    /// ids (default: its file name, as the CLI names inputs). `range`: only the JSON
    /// Lines records starting in these bytes of the file (a task's split).
    #[pyo3(signature = (path, format, csv_options=None, sink=None, main_stem=None, every=10000, source=None, origin=None, range=None))]
    #[allow(clippy::too_many_arguments)]
    fn push_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
        format: &str,
        csv_options: Option<&Bound<'_, PyDict>>,
        sink: Option<&Sink>,
        main_stem: Option<String>,
        every: usize,
        source: Option<String>,
        origin: Option<String>,
        range: Option<(u64, u64)>,
    ) -> PyResult<u64> {
        let path_text = path.to_string_lossy().into_owned();
        let label = source.unwrap_or_else(|| path_text.clone());
        // Position ids name an input by its file name unless told otherwise, as the
        // CLI does: the same file gets the same ids whichever face reads it.
        let origin = origin.unwrap_or_else(|| transmog_run::origin_name(&path_text, None));
        let mut input = Input::path(&path_text)
            .with_label(&label)
            .with_format(options::input_format(py, format, csv_options)?)
            .with_origin(Some(&origin));
        if let Some((start, end)) = range {
            input = input.with_range(start, end);
        }
        let ctx = self.ctx();
        let entity = self.entity.clone();
        self.with(py, |s| {
            let schema = s.schema.as_mut();
            let tables = &mut s.tables;
            let outcome = with_chunks(&mut s.run, every, |run| match sink {
                Some(sink) => sink.with_table_sink(py, |t| {
                    let mut renamed = Renamed {
                        sink: t,
                        entity: &entity,
                        main_stem: main_stem.as_deref().unwrap_or(&entity),
                    };
                    let mut target = Tracked::new(&mut renamed, schema);
                    Ok(detached(py, run, |run| run.read(vec![input], &mut target)))
                }),
                None => {
                    let mut target = Tracked::new(tables, schema);
                    Ok(detached(py, run, |run| run.read(vec![input], &mut target)))
                }
            })?;
            outcome.map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(s.run.totals().accepted())
        })
    }

    /// Reads records from bytes in memory (JSON Lines, a JSON array or document, gzip
    /// or zstd) on all cores, like a file named `source` (position ids: `origin`).
    #[pyo3(signature = (data, format, source, origin=""))]
    fn push_bytes(
        &self,
        py: Python<'_>,
        data: Vec<u8>,
        format: &str,
        source: &str,
        origin: &str,
    ) -> PyResult<u64> {
        let input = Input::bytes(source, data)
            .with_format(options::input_format(py, format, None)?)
            .with_origin(Some(origin));
        let ctx = self.ctx();
        self.with(py, |s| {
            let (run, mut tables) = s.parts();
            detached(py, run, |run| run.read(vec![input], &mut tables))
                .map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(s.run.totals().accepted())
        })
    }

    /// Flattens one JSON document given as text (an object or an array of objects).
    fn push_json_text(&self, py: Python<'_>, text: &str) -> PyResult<u64> {
        let ctx = self.ctx();
        let doc = value::parse(text.as_bytes()).map_err(|e| {
            errors::run_err(
                py,
                RunError::Data(transmog_core::Error::Parse {
                    location: Location {
                        line: Some(e.line as u64),
                        ..Location::default()
                    },
                    column: e.column,
                    message: e.message,
                }),
                ctx,
            )
        })?;
        self.with(py, |s| {
            let (run, mut tables) = s.parts();
            py.detach(|| match &doc {
                Value::Array(items) => items.iter().try_for_each(|v| run.push(v, &mut tables)),
                other => run.push(other, &mut tables),
            })
            .map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(s.run.totals().accepted())
        })
    }

    /// Flattens records given as JSON texts, one record each (e.g. a string column of a
    /// DataFrame); `start` is the index of the first one in `source`.
    #[pyo3(signature = (texts, source=None, start=0))]
    fn push_json_records(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        source: Option<String>,
        start: u64,
    ) -> PyResult<u64> {
        let source: Option<std::sync::Arc<str>> = source.as_deref().map(Into::into);
        let ctx = self.ctx();
        self.with(py, |s| {
            let (run, mut tables) = s.parts();
            py.detach(|| {
                texts.iter().enumerate().try_for_each(|(i, text)| {
                    let location = Location {
                        source: source.clone(),
                        line: None,
                        record: start + i as u64,
                        origin: None,
                        offset: None,
                    };
                    run.push_json(text.as_bytes(), location, &mut tables)
                })
            })
            .map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(s.run.totals().accepted())
        })
    }

    /// The tables made so far, taken out of the engine (for streaming).
    fn take_batches(&self, py: Python<'_>) -> PyResult<NativeResult> {
        let ctx = self.ctx();
        self.with(py, |s| {
            let (run, mut tables) = s.parts();
            run.flush(&mut tables)
                .map_err(|e| errors::run_err(py, e, ctx))?;
            Ok(NativeResult::new(s.tables.take().into_held(s.run.totals())))
        })
    }

    /// Ends the run and returns every table.
    fn finish(&self, py: Python<'_>) -> PyResult<NativeResult> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("engine poisoned"))?;
        let Some(State {
            mut run,
            mut tables,
            mut schema,
        }) = guard.take()
        else {
            return Err(errors::processing(py, "this engine has already finished"));
        };
        let ctx = self.ctx();
        let fail = |e| errors::run_err(py, e, ctx);
        let Some(session) = &mut schema else {
            let totals = run.finish(&mut tables).map_err(fail)?;
            return Ok(NativeResult::new(tables.into_held(&totals)));
        };
        run.flush(&mut Tracked::new(&mut tables, Some(session)))
            .map_err(fail)?;
        session.note_seen(&run);
        let cfg = run.config().clone();
        let totals = run
            .finish(&mut Tracked::new(&mut tables, Some(session)))
            .map_err(fail)?;
        session.check_types().map_err(fail)?;
        session
            .write(&session.updated(&self.entity, &cfg, &totals))
            .map_err(fail)?;
        let drift = session.drift(&totals).map(|d| d.to_json().to_string());
        Ok(NativeResult::new(tables.into_held(&totals)).with_drift(drift))
    }

    /// Records accepted so far.
    fn records(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |s| Ok(s.run.totals().accepted()))
    }
}
