//! `transmog._native`: the engine behind the `transmog` Python package. The package's
//! Python modules give it Transmog 1.0.6's API; this module only moves data in and out
//! of the Rust engine and its writers, releasing the GIL while they work.

mod convert;
mod naming;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::{PyKeyError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyDict, PyList};
use transmog_core::result::batch_rows;
use transmog_core::{
    value, Config, FlatResult, Flattener, IdMode, IdSource, Location, Recovery, RowsBuilder, Value,
};
use transmog_io::read::{self, CsvOptions, InputFormat, ReadError};
use transmog_io::{Format, OptionValue, SinkOptions, TableSink};

use convert::{to_cell, to_py, to_value};

/// Raises `transmog.error.<class_name>(message)`.
fn transmog_err(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    let class = py
        .import("transmog.error")
        .and_then(|m| m.getattr(class_name));
    match class {
        Ok(cls) => match cls.call1((message.clone(),)) {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        },
        Err(_) => PyRuntimeError::new_err(message),
    }
}

fn core_err(py: Python<'_>, e: transmog_core::Error) -> PyErr {
    transmog_err(py, e.kind().class_name(), e.to_string())
}

fn io_err(py: Python<'_>, e: transmog_io::Error) -> PyErr {
    let class = match &e {
        transmog_io::Error::UnknownOption { .. } | transmog_io::Error::InvalidOption { .. } => {
            "ConfigurationError"
        }
        _ => "OutputError",
    };
    transmog_err(py, class, e.to_string())
}

/// Errors while reading input files, kept apart from the engine's.
enum FileFailure {
    Read(ReadError),
    Engine(transmog_core::Error),
    Sink(transmog_io::Error),
}

impl From<ReadError> for FileFailure {
    fn from(e: ReadError) -> Self {
        FileFailure::Read(e)
    }
}

fn option_value(obj: &Bound<'_, PyAny>) -> PyResult<OptionValue> {
    Ok(match to_value(obj)? {
        Value::Null => OptionValue::None,
        Value::Bool(b) => OptionValue::Bool(b),
        Value::Int(i) => OptionValue::Int(i),
        Value::Float(f) => OptionValue::Float(f),
        Value::Str(s) => OptionValue::Str(s.into_owned()),
        other => {
            return Err(PyTypeError::new_err(format!(
                "unsupported option value of type {}",
                other.type_name()
            )))
        }
    })
}

fn get<'py, T>(opts: &Bound<'py, PyDict>, key: &str, default: T) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py, Error = PyErr>,
{
    match opts.get_item(key)? {
        Some(v) if !v.is_none() => v.extract(),
        _ => Ok(default),
    }
}

fn config_from(py: Python<'_>, opts: &Bound<'_, PyDict>) -> PyResult<Config> {
    let d = Config::default();
    let id_mode = match get::<String>(opts, "id_mode", "random".into())?.as_str() {
        "random" => IdMode::Random,
        "hash" => IdMode::ContentHash,
        "position" => IdMode::Position,
        "deterministic" => match opts.get_item("id_source")? {
            Some(s) if s.is_instance_of::<pyo3::types::PyString>() => {
                IdMode::Deterministic(IdSource::Field(s.extract()?))
            }
            Some(m) if m.is_instance_of::<PyDict>() => {
                let m = m.cast::<PyDict>()?;
                let mut pairs = Vec::new();
                for (k, v) in m.iter() {
                    pairs.push((k.extract::<String>()?, v.extract::<String>()?));
                }
                IdMode::Deterministic(IdSource::Map(pairs))
            }
            _ => {
                return Err(transmog_err(
                    py,
                    "ConfigurationError",
                    "deterministic ids need a field name or a mapping".into(),
                ))
            }
        },
        other => {
            return Err(transmog_err(
                py,
                "ConfigurationError",
                format!("unknown id mode {other}"),
            ))
        }
    };
    let recovery = Recovery::parse(&get::<String>(opts, "recovery_strategy", "strict".into())?)
        .map_err(|e| core_err(py, e))?;
    let extract_time = match opts.get_item("extract_time")? {
        Some(t) if !t.is_none() => Some(to_value(&t)?),
        _ => None,
    };
    Ok(Config {
        separator: get(opts, "separator", d.separator)?,
        deeply_nested_threshold: get(opts, "deeply_nested_threshold", d.deeply_nested_threshold)?,
        cast_to_string: get(opts, "cast_to_string", d.cast_to_string)?,
        include_empty: get(opts, "include_empty", d.include_empty)?,
        skip_null: get(opts, "skip_null", d.skip_null)?,
        max_depth: get(opts, "max_depth", d.max_depth)?,
        visit_arrays: get(opts, "visit_arrays", d.visit_arrays)?,
        keep_arrays: get(opts, "keep_arrays", d.keep_arrays)?,
        id_field: get(opts, "id_field", d.id_field)?,
        parent_field: get(opts, "parent_field", d.parent_field)?,
        time_field: get(opts, "time_field", d.time_field)?,
        id_mode,
        recovery,
        extract_time,
        max_columns: d.max_columns,
        keep_null_fields: get(opts, "keep_null_fields", false)?,
    })
}

fn csv_from(opts: Option<&Bound<'_, PyDict>>) -> PyResult<CsvOptions> {
    let mut o = CsvOptions::default();
    let Some(d) = opts else {
        return Ok(o);
    };
    let one_byte = |key: &str, v: String| -> PyResult<u8> {
        match v.as_bytes() {
            [b] if b.is_ascii() => Ok(*b),
            _ => Err(PyTypeError::new_err(format!(
                "{key} must be one ASCII character"
            ))),
        }
    };
    if let Some(v) = d.get_item("delimiter")?.filter(|v| !v.is_none()) {
        o.delimiter = Some(one_byte("delimiter", v.extract()?)?);
    }
    if let Some(v) = d.get_item("quote_char")?.filter(|v| !v.is_none()) {
        o.quote = one_byte("quote_char", v.extract()?)?;
    }
    if let Some(v) = d.get_item("has_header")? {
        o.has_header = v.extract()?;
    }
    if let Some(v) = d.get_item("null_values")?.filter(|v| !v.is_none()) {
        o.null_values = v.extract()?;
    }
    if let Some(v) = d.get_item("sanitize_column_names")? {
        o.sanitize_names = v.extract()?;
    }
    if let Some(v) = d.get_item("skip_rows")? {
        o.skip_rows = v.extract()?;
    }
    Ok(o)
}

/// Records in, tables out. One engine per processing call.
#[pyclass(module = "transmog._native")]
struct Engine {
    inner: Mutex<Option<Flattener>>,
}

impl Engine {
    fn with<R>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Flattener) -> PyResult<R>,
    ) -> PyResult<R> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("engine poisoned by an earlier panic"))?;
        match guard.as_mut() {
            Some(fl) => f(fl),
            None => Err(transmog_err(
                py,
                "ProcessingError",
                "this engine's result was already taken".into(),
            )),
        }
    }
}

#[pymethods]
impl Engine {
    #[new]
    fn new(py: Python<'_>, entity_name: &str, options: &Bound<'_, PyDict>) -> PyResult<Self> {
        let cfg = config_from(py, options)?;
        let f = Flattener::new(entity_name, cfg).map_err(|e| core_err(py, e))?;
        Ok(Engine {
            inner: Mutex::new(Some(f)),
        })
    }

    /// Processes the records of an iterable of dicts; non-dict items follow the
    /// recovery strategy. Returns the number of records accepted.
    fn push_records(&self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<u64> {
        const CHUNK: usize = 2048;
        let mut chunk: Vec<Value<'static>> = Vec::with_capacity(CHUNK);
        let mut index = self.with(py, |f| Ok(f.records()))?;
        let flush = |py: Python<'_>, chunk: &mut Vec<Value<'static>>, index: &mut u64| {
            let values = std::mem::take(chunk);
            self.with(py, |f| {
                let start = *index;
                let res = py.detach(|| {
                    for (i, v) in values.iter().enumerate() {
                        f.push(v, Location::record(start + i as u64))?;
                    }
                    Ok::<_, transmog_core::Error>(())
                });
                *index += values.len() as u64;
                res.map_err(|e| core_err(py, e))
            })
        };
        for item in records.try_iter()? {
            let item = item?;
            let v =
                to_value(&item).map_err(|e| transmog_err(py, "ProcessingError", e.to_string()))?;
            chunk.push(v);
            if chunk.len() == CHUNK {
                flush(py, &mut chunk, &mut index)?;
            }
        }
        flush(py, &mut chunk, &mut index)?;
        self.with(py, |f| Ok(f.records()))
    }

    /// Processes JSON text: JSON Lines, or one document (an array of records or one
    /// record), read from `path`; gzip/zstd are detected. `format` is auto/jsonl/json.
    ///
    /// With `sink`, finished rows go to that writer every `every` records (so memory
    /// stays bounded whatever the file size): the main table under `main_stem`, child
    /// tables under their names (the sink makes file names of them).
    ///
    /// `source` names the input in messages instead of `path`; `origin` is its stable
    /// name for position ids (default: `source`, else `path`).
    #[pyo3(signature = (path, format, csv_options=None, sink=None, main_stem=None, every=10000, source=None, origin=None))]
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
    ) -> PyResult<u64> {
        let fmt = match format {
            "jsonl" => InputFormat::Jsonl,
            "json" => InputFormat::Json,
            "csv" => InputFormat::Csv(csv_from(csv_options)?),
            _ => InputFormat::Auto,
        };
        let label = path.to_string_lossy().into_owned();
        let mut sink_guard = match sink {
            Some(s) => Some(
                s.inner
                    .lock()
                    .map_err(|_| PyRuntimeError::new_err("sink poisoned"))?,
            ),
            None => None,
        };
        let mut target: Option<&mut TableSink> = match sink_guard.as_mut() {
            Some(g) => match g.as_mut() {
                Some((t, _)) => Some(t),
                None => {
                    return Err(transmog_err(
                        py,
                        "OutputError",
                        "writer already finalized".into(),
                    ))
                }
            },
            None => None,
        };
        let every = every.max(1) as u64;
        let outcome = self.with(py, |f| {
            let entity = f.entity().to_string();
            let main_stem = main_stem.clone().unwrap_or_else(|| entity.clone());
            let flush = move |f: &mut Flattener, t: &mut TableSink| -> Result<(), FileFailure> {
                let mut batches = f.take_sealed();
                batches.extend(f.take_batches());
                for b in batches {
                    // The sink names files (`.`/`/` -> `_`, `_2` when two tables
                    // would share a file name).
                    let name = if *b.table == *entity {
                        &main_stem
                    } else {
                        &*b.table
                    };
                    t.write(name, &b.batch).map_err(FileFailure::Sink)?;
                }
                Ok(())
            };
            Ok(py.detach(|| -> Result<(), FileFailure> {
                let name = source.as_deref().unwrap_or(&label);
                let reader = read::open(&label).map_err(|source| {
                    FileFailure::Read(ReadError::Io {
                        path: name.to_string(),
                        source,
                    })
                })?;
                let source: Arc<str> = name.into();
                let origin: Option<Arc<str>> = origin.as_deref().map(Into::into);
                let mut record = 0u64;
                read::for_each_record::<FileFailure>(name, fmt.clone(), reader, |r| {
                    let loc = Location {
                        source: Some(source.clone()),
                        line: Some(r.line),
                        record,
                        origin: origin.clone(),
                    };
                    record += 1;
                    f.push_json(r.bytes, loc).map_err(FileFailure::Engine)?;
                    if let Some(t) = target.as_deref_mut() {
                        if record.is_multiple_of(every) {
                            flush(f, t)?;
                        }
                    }
                    Ok(())
                })?;
                if let Some(t) = target {
                    flush(f, t)?;
                }
                Ok(())
            }))
        })?;
        drop(sink_guard);
        match outcome {
            Ok(()) => self.with(py, |f| Ok(f.records())),
            Err(FileFailure::Engine(e)) => Err(core_err(py, e)),
            Err(FileFailure::Sink(e)) => Err(io_err(py, e)),
            Err(FileFailure::Read(e @ ReadError::Io { .. })) => {
                Err(transmog_err(py, "FileError", e.to_string()))
            }
            Err(FileFailure::Read(e)) => Err(transmog_err(py, "ParsingError", e.to_string())),
        }
    }

    /// Processes one JSON document given as text (an object or an array of objects).
    fn push_json_text(&self, py: Python<'_>, text: &str) -> PyResult<u64> {
        let doc = value::parse(text.as_bytes()).map_err(|e| {
            transmog_err(
                py,
                "ParsingError",
                format!("line {}: {}", e.line, e.message),
            )
        })?;
        self.with(py, |f| {
            let res = py.detach(|| match &doc {
                Value::Array(items) => {
                    let start = f.records();
                    for (i, v) in items.iter().enumerate() {
                        f.push(v, Location::record(start + i as u64))?;
                    }
                    Ok(())
                }
                other => f.push(other, Location::record(f.records())),
            });
            res.map_err(|e| core_err(py, e))?;
            Ok(f.records())
        })
    }

    /// Processes records given as JSON texts, one record each (e.g. a string column
    /// of a DataFrame); `start` is the index of the first one in `source`.
    #[pyo3(signature = (texts, source=None, start=0))]
    fn push_json_records(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        source: Option<String>,
        start: u64,
    ) -> PyResult<u64> {
        let source: Option<Arc<str>> = source.as_deref().map(Into::into);
        self.with(py, |f| {
            let res = py.detach(|| {
                for (i, text) in texts.iter().enumerate() {
                    let loc = Location {
                        source: source.clone(),
                        line: None,
                        record: start + i as u64,
                        origin: None,
                    };
                    f.push_json(text.as_bytes(), loc)?;
                }
                Ok(())
            });
            res.map_err(|e| core_err(py, e))?;
            Ok(f.records())
        })
    }
    /// Finished tables so far (rows taken out of the engine), for streaming.
    fn take_batches(&self, py: Python<'_>) -> PyResult<NativeResult> {
        self.with(py, |f| {
            let names = f.table_names();
            let mut batches = f.take_sealed();
            batches.extend(f.take_batches());
            let mut result = FlatResult {
                tables: names
                    .into_iter()
                    .map(|n| transmog_core::ResultTable {
                        name: n,
                        batches: Vec::new(),
                    })
                    .collect(),
                report: f.report().clone(),
                records: f.records(),
            };
            for b in batches {
                if let Some(t) = result.tables.iter_mut().find(|t| t.name == b.table) {
                    t.batches.push(b);
                }
            }
            Ok(NativeResult { inner: result })
        })
    }

    /// Ends the run and returns every table.
    fn finish(&self, py: Python<'_>) -> PyResult<NativeResult> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("engine poisoned"))?;
        let f = guard
            .take()
            .ok_or_else(|| transmog_err(py, "ProcessingError", "engine already finished".into()))?;
        Ok(NativeResult {
            inner: FlatResult::from_flattener(f),
        })
    }

    /// Records accepted so far.
    fn records(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |f| Ok(f.records()))
    }
}

/// All tables of a run.
#[pyclass(module = "transmog._native")]
struct NativeResult {
    inner: FlatResult,
}

impl NativeResult {
    fn table(&self, name: &str) -> PyResult<&transmog_core::ResultTable> {
        self.inner
            .table(name)
            .ok_or_else(|| PyKeyError::new_err(name.to_string()))
    }
}

#[pymethods]
impl NativeResult {
    /// Main table name, then child tables with rows, in creation order.
    fn table_names(&self) -> Vec<String> {
        self.inner
            .tables
            .iter()
            .enumerate()
            .filter(|(i, t)| *i == 0 || t.num_rows() > 0)
            .map(|(_, t)| t.name.to_string())
            .collect()
    }

    fn num_rows(&self, name: &str) -> PyResult<usize> {
        Ok(self.table(name)?.num_rows())
    }

    fn records(&self) -> u64 {
        self.inner.records
    }

    /// Rows of a table as a list of dicts (data fields first, metadata last).
    fn rows<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyList>> {
        let table = self.table(name)?;
        let list = PyList::empty(py);
        for b in &table.batches {
            let mut rows = Vec::with_capacity(b.batch.num_rows());
            batch_rows(&b.batch, &b.extras, &mut rows);
            for row in rows {
                let d = PyDict::new(py);
                for (k, v) in &row {
                    d.set_item(k, to_py(py, v)?)?;
                }
                list.append(d)?;
            }
        }
        Ok(list)
    }

    /// The nested records rebuilt from the tables (`transmog_core::unflatten`).
    fn unflatten<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let records = py
            .detach(|| transmog_core::unflatten::unflatten(&self.inner.tables))
            .map_err(|e| core_err(py, e))?;
        records_list(py, &records)
    }

    /// What the run reported: collisions, truncations, skipped records.
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.inner.report;
        let d = PyDict::new(py);
        let collisions = PyList::empty(py);
        for c in &r.collisions {
            collisions.append((
                c.table.as_str(),
                c.path.as_str(),
                c.wanted.as_str(),
                c.given.as_str(),
            ))?;
        }
        d.set_item("collisions", collisions)?;
        d.set_item("collision_count", r.collision_count)?;
        d.set_item("truncation_count", r.truncation_count)?;
        let skipped = PyList::empty(py);
        for s in &r.skipped {
            skipped.append(s.reason.as_str())?;
        }
        d.set_item("skipped", skipped)?;
        d.set_item("skipped_count", r.skipped_count)?;
        Ok(d)
    }

    /// Writes tables into `directory`: `files` maps table name -> file stem (tables
    /// not named are skipped). Returns {table: path}.
    fn write<'py>(
        &self,
        py: Python<'py>,
        directory: PathBuf,
        format: &str,
        files: Vec<(String, String)>,
        options: &Bound<'py, PyDict>,
    ) -> PyResult<Vec<(String, String)>> {
        let opts = sink_options(py, format, options)?;
        let jobs: Vec<(&transmog_core::ResultTable, String)> = files
            .iter()
            .map(|(t, stem)| Ok((self.table(t)?, stem.clone())))
            .collect::<PyResult<_>>()?;
        let outputs = py
            .detach(
                || -> Result<Vec<transmog_io::TableOutput>, transmog_io::Error> {
                    let mut sink = TableSink::create(&directory, opts)?;
                    for (table, stem) in &jobs {
                        for b in &table.batches {
                            if let Err(e) = sink.write(stem, &b.batch) {
                                sink.abort();
                                return Err(e);
                            }
                        }
                    }
                    sink.finish()
                },
            )
            .map_err(|e| io_err(py, e))?;
        let mut out = Vec::new();
        for (table, stem) in &files {
            if let Some(o) = outputs.iter().find(|o| &o.name == stem) {
                out.push((table.clone(), o.path.to_string_lossy().into_owned()));
            }
        }
        Ok(out)
    }

    /// A table as an Arrow stream (PyCapsule interface): `pyarrow.table(result.arrow(t))`.
    fn arrow(&self, name: &str) -> PyResult<ArrowStream> {
        let table = self.table(name)?;
        let batches: Vec<RecordBatch> = table.batches.iter().map(|b| b.batch.clone()).collect();
        let schema = conform_schema(&batches);
        Ok(ArrowStream {
            schema,
            batches: Mutex::new(Some(batches)),
        })
    }
}

fn conform_schema(batches: &[RecordBatch]) -> SchemaRef {
    batches
        .last()
        .map(|b| b.schema())
        .unwrap_or_else(|| Arc::new(arrow_schema::Schema::empty()))
}

/// Brings every batch to the last batch's schema (columns added later become null,
/// widened columns are cast) so one stream has one schema.
fn conform(batches: Vec<RecordBatch>, schema: &SchemaRef) -> Result<Vec<RecordBatch>, ArrowError> {
    batches
        .into_iter()
        .map(|b| {
            if b.schema() == *schema {
                return Ok(b);
            }
            let cols = schema
                .fields()
                .iter()
                .map(|f| match b.schema().index_of(f.name()) {
                    Ok(i) => transmog_io::widen::cast(b.column(i), f.data_type()),
                    Err(_) => Ok(arrow_array::new_null_array(f.data_type(), b.num_rows())),
                })
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(schema.clone(), cols)
        })
        .collect()
}

/// Exports batches through the Arrow C stream interface, without copying.
#[pyclass(module = "transmog._native")]
struct ArrowStream {
    schema: SchemaRef,
    batches: Mutex<Option<Vec<RecordBatch>>>,
}

#[pymethods]
impl ArrowStream {
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self
            .batches
            .lock()
            .map_err(|_| PyRuntimeError::new_err("stream poisoned"))?
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this Arrow stream was already consumed"))?;
        let batches =
            conform(batches, &self.schema).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), self.schema.clone());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

fn sink_options(
    py: Python<'_>,
    format: &str,
    options: &Bound<'_, PyDict>,
) -> PyResult<SinkOptions> {
    let format = Format::parse(format).map_err(|e| io_err(py, e))?;
    let mut opts = SinkOptions::new(format);
    for (k, v) in options.iter() {
        let key: String = k.extract()?;
        opts.set(&key, option_value(&v)?)
            .map_err(|e| io_err(py, e))?;
    }
    Ok(opts)
}

/// A streaming writer for a whole run: rows (lists of dicts) per table in, one file per
/// table out; files appear under their final names only at `finish()`.
#[pyclass(module = "transmog._native")]
struct Sink {
    inner: Mutex<Option<(TableSink, HashMap<String, RowsBuilder>)>>,
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
        let opts = sink_options(py, format, options)?;
        let sink = TableSink::create(&directory, opts).map_err(|e| io_err(py, e))?;
        Ok(Sink {
            inner: Mutex::new(Some((sink, HashMap::new()))),
        })
    }

    /// Appends rows (dicts) to a table's file.
    fn write_rows(&self, py: Python<'_>, table: &str, rows: &Bound<'_, PyAny>) -> PyResult<usize> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("sink poisoned"))?;
        let Some((sink, builders)) = guard.as_mut() else {
            return Err(transmog_err(
                py,
                "OutputError",
                "writer already finalized".into(),
            ));
        };
        let builder = builders.entry(table.to_string()).or_default();
        for row in rows.try_iter()? {
            let row = row?;
            let d = row
                .cast::<PyDict>()
                .map_err(|_| PyTypeError::new_err("rows must be dicts"))?;
            for (k, v) in d.iter() {
                let key: String = k.str()?.to_cow()?.into_owned();
                let cell = to_cell(&v)?;
                builder.set(&key, cell.cell());
            }
            builder.end_row();
        }
        let n = builder.len();
        if let Some(batch) = builder.finish() {
            py.detach(|| sink.write(table, &batch))
                .map_err(|e| io_err(py, e))?;
        }
        Ok(n)
    }

    /// Appends a table of a native result (no Python rows involved).
    fn write_result_table(
        &self,
        py: Python<'_>,
        table: &str,
        result: &NativeResult,
        source: &str,
    ) -> PyResult<usize> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("sink poisoned"))?;
        let Some((sink, _)) = guard.as_mut() else {
            return Err(transmog_err(
                py,
                "OutputError",
                "writer already finalized".into(),
            ));
        };
        let t = result.table(source)?;
        let mut n = 0;
        for b in &t.batches {
            n += b.batch.num_rows();
            py.detach(|| sink.write(table, &b.batch))
                .map_err(|e| io_err(py, e))?;
        }
        Ok(n)
    }

    /// Writes everything and renames files to their final names; returns
    /// [(table, path, rows)].
    fn finish(&self, py: Python<'_>) -> PyResult<Vec<(String, String, u64)>> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("sink poisoned"))?;
        let Some((sink, _)) = guard.take() else {
            return Ok(Vec::new());
        };
        let outputs = py.detach(|| sink.finish()).map_err(|e| io_err(py, e))?;
        Ok(outputs
            .into_iter()
            .map(|o| (o.name, o.path.to_string_lossy().into_owned(), o.rows))
            .collect())
    }

    /// Drops buffered rows and removes temporary files.
    fn abort(&self) -> PyResult<()> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| PyRuntimeError::new_err("sink poisoned"))?;
        if let Some((sink, _)) = guard.take() {
            sink.abort();
        }
        Ok(())
    }

    fn is_open(&self) -> bool {
        self.inner.lock().map(|g| g.is_some()).unwrap_or(false)
    }
}

fn records_list<'py>(py: Python<'py>, records: &[Value<'_>]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for r in records {
        list.append(to_py(py, r)?)?;
    }
    Ok(list)
}

/// The nested records rebuilt from the Parquet files of a run (`transmog_io::read_tables`
/// selects the entity's tables).
#[pyfunction]
#[pyo3(signature = (paths, entity_name=None, separator="_"))]
fn unflatten_files<'py>(
    py: Python<'py>,
    paths: Vec<PathBuf>,
    entity_name: Option<String>,
    separator: &str,
) -> PyResult<Bound<'py, PyList>> {
    let tables = py
        .detach(|| transmog_io::read_tables(&paths, entity_name.as_deref(), separator))
        .map_err(|e| transmog_err(py, "FileError", e.to_string()))?;
    let records = py
        .detach(|| transmog_core::unflatten::unflatten(&tables))
        .map_err(|e| core_err(py, e))?;
    records_list(py, &records)
}

/// The compiled extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unflatten_files, m)?)?;
    m.add_class::<Engine>()?;
    m.add_class::<NativeResult>()?;
    m.add_class::<Sink>()?;
    m.add_class::<ArrowStream>()?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    naming::register(m)?;
    Ok(())
}
