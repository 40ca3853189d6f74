//! `NativeResult`: every table of a run, handed to Python as rows, Arrow streams or
//! files.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use pyo3::exceptions::PyKeyError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use pyo3::IntoPyObjectExt;
use transmog_core::result::{row_order, Cells};
use transmog_core::{CellExtras, RowsPart};
use transmog_io::TableSink;
use transmog_run::{HeldResult, HeldTable, RunError};

use crate::arrow::ArrowStream;
use crate::convert::to_py;
use crate::errors::{self, Context};
use crate::options;
use crate::records_list;

/// Whether `list`'s dicts hold exactly the keys and values of `r`, by address.
fn same_cells(r: &Receipt, list: &Bound<'_, PyList>) -> PyResult<bool> {
    if list.len() != r.row_cells.len() {
        return Ok(false);
    }
    let mut cells = r.cells.iter();
    for (row, &n) in list.iter().zip(&r.row_cells) {
        let Ok(d) = row.cast_exact::<PyDict>() else {
            return Ok(false);
        };
        if d.len() != n as usize {
            return Ok(false);
        }
        let mut pos: ffi::Py_ssize_t = 0;
        let mut key: *mut ffi::PyObject = std::ptr::null_mut();
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        for (k, v) in cells.by_ref().take(n as usize) {
            // SAFETY: `d` is a dict kept alive by `row` and this thread holds the GIL;
            // the references are borrowed and only compared, never kept. The length
            // was checked above, so a dict changed meanwhile ends the loop early.
            let more = unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut key, &mut value) };
            if more == 0 || key != r.keys[*k as usize].as_ptr() || value != v.as_ptr() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The Python object of every cell of one column, row by row (`None`: the key is absent
/// from that row). Columns whose every value is of the column's own type (no kinds
/// kept) are read straight from their typed array; a run of equal texts shares one
/// object, as the texts are immutable.
fn column_objects<'py>(
    py: Python<'py>,
    array: &dyn Array,
    extras: &CellExtras,
) -> PyResult<Vec<Option<Bound<'py, PyAny>>>> {
    let n = array.len();
    let any = array.as_any();
    let mut out: Vec<Option<Bound<'py, PyAny>>> = Vec::with_capacity(n);
    if extras.kinds.is_some() {
        let cells = Cells::new(array, extras);
        for row in 0..n {
            out.push(cells.get(row).map(|v| to_py(py, &v)).transpose()?);
        }
        return Ok(out);
    }
    if let Some(a) = any.downcast_ref::<StringArray>() {
        let mut last: Option<(&str, Bound<'py, PyAny>)> = None;
        for row in 0..n {
            if a.is_null(row) {
                out.push(None);
                continue;
            }
            let s = a.value(row);
            let obj = match &last {
                Some((l, obj)) if same_text(l, s) => obj.clone(),
                _ => {
                    let obj = PyString::new(py, s).into_any();
                    last = Some((s, obj.clone()));
                    obj
                }
            };
            out.push(Some(obj));
        }
    } else if let Some(a) = any.downcast_ref::<Int64Array>() {
        push_scalars(py, a, |row| a.value(row), &mut out)?;
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        push_scalars(py, a, |row| a.value(row), &mut out)?;
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        push_scalars(py, a, |row| a.value(row), &mut out)?;
    } else {
        // A null column (or a type no table holds): only present nulls have a cell.
        out.resize(n, None);
    }
    for &row in &extras.present_nulls {
        let cell = &mut out[row as usize];
        if cell.is_none() {
            *cell = Some(py.None().into_bound(py));
        }
    }
    Ok(out)
}

/// The objects of a column of numbers or booleans: `value(row)` of each valid row.
fn push_scalars<'py, A: Array, T: IntoPyObject<'py>>(
    py: Python<'py>,
    array: &A,
    value: impl Fn(usize) -> T,
    out: &mut Vec<Option<Bound<'py, PyAny>>>,
) -> PyResult<()> {
    for row in 0..array.len() {
        out.push(match array.is_null(row) {
            true => None,
            false => Some(value(row).into_bound_py_any(py)?),
        });
    }
    Ok(())
}

/// Whether two texts are equal; texts of one column often share their length (ids,
/// timestamps) but rarely their last byte, which is checked before the whole compare.
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.as_bytes().last() == b.as_bytes().last() && a == b
}

/// Cells of a table up to which `rows()` keeps a [`Receipt`]: 16 bytes a cell, so at
/// most 16 MiB; `process_batch` results (1 000 records) hold about 70 000.
const RECEIPT_MAX_CELLS: usize = 1 << 20;

/// What `rows()` handed out for a table: the list, and each row's keys and
/// values as the very objects made. Holding them keeps their addresses theirs, so a
/// list whose dicts hold the same objects in the same order is unchanged (the objects
/// are immutable: text, numbers, booleans, None), which a writer checks by address
/// instead of reading the values back.
struct Receipt {
    list: Py<PyList>,
    keys: Vec<Py<PyString>>,
    /// Per row, its number of cells.
    row_cells: Vec<u32>,
    /// (index into `keys`, value), row after row.
    cells: Vec<(u32, Py<PyAny>)>,
}

/// All tables of a run (plain, or compressed past a budget for low-memory runs).
#[pyclass(module = "transmog._native")]
pub struct NativeResult {
    inner: HeldResult,
    /// The drift against the run's schema file, as JSON text.
    drift: Option<String>,
    receipts: Mutex<HashMap<String, Receipt>>,
}

impl NativeResult {
    pub fn new(inner: HeldResult) -> Self {
        NativeResult {
            inner,
            drift: None,
            receipts: Mutex::new(HashMap::new()),
        }
    }

    /// The batches of table `name`, each with the order of its columns in a row, when
    /// `rows` is the list `rows()` handed out for it and its dicts still hold exactly
    /// what they were given.
    pub fn unchanged_batches(
        &self,
        py: Python<'_>,
        name: &str,
        rows: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Vec<RowsPart>>> {
        let Ok(receipts) = self.receipts.try_lock() else {
            return Ok(None);
        };
        let Some(r) = receipts.get(name) else {
            return Ok(None);
        };
        if !rows.is(r.list.bind(py)) || !same_cells(r, r.list.bind(py))? {
            return Ok(None);
        }
        let mut parts = Vec::new();
        for held in &self.table(name)?.batches {
            let b = held
                .get()
                .map_err(|e| errors::run_err(py, e, Context::default()))?;
            parts.push((b.batch.clone(), row_order(&b.batch)));
        }
        Ok(Some(parts))
    }

    /// The result with the drift against its run's schema file.
    pub fn with_drift(mut self, drift: Option<String>) -> Self {
        self.drift = drift;
        self
    }

    pub fn table(&self, name: &str) -> PyResult<&HeldTable> {
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

    /// `(plain bytes, packed bytes, packed batches)` held over all tables.
    fn held(&self) -> (usize, usize, usize) {
        let mut out = (0, 0, 0);
        for b in self.inner.tables.iter().flat_map(|t| &t.batches) {
            if b.is_packed() {
                out.1 += b.held_size();
                out.2 += 1;
            } else {
                out.0 += b.held_size();
            }
        }
        out
    }

    fn records(&self) -> u64 {
        self.inner.records
    }

    /// Rows of a table as a list of dicts (data fields first, metadata last). Each
    /// column's key object is made once and shared by every row's dict, and a text
    /// equal to the one above it in its column (the extraction time, repeated codes)
    /// shares its object too.
    ///
    /// With `receipt`, a table of at most [`RECEIPT_MAX_CELLS`] cells keeps
    /// a [`Receipt`] of the list (which holds its objects as long as this result lives:
    /// for callers that keep the list as long anyway).
    #[pyo3(signature = (name, receipt=false))]
    fn rows<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        receipt: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let table = self.table(name)?;
        let list = PyList::empty(py);
        let empty = CellExtras::default();
        let mut kept = receipt.then(|| Receipt {
            list: list.clone().unbind(),
            keys: Vec::new(),
            row_cells: Vec::new(),
            cells: Vec::new(),
        });
        for held in &table.batches {
            // A packed batch is unpacked for this loop only.
            let b = held
                .get()
                .map_err(|e| errors::run_err(py, e, Context::default()))?;
            let schema = b.batch.schema();
            let order = row_order(&b.batch);
            let keys: Vec<Bound<'py, PyString>> = order
                .iter()
                .map(|&c| PyString::new(py, schema.field(c).name()))
                .collect();
            let mut cells = order
                .iter()
                .map(|&c| {
                    column_objects(
                        py,
                        b.batch.column(c).as_ref(),
                        b.extras.get(c).unwrap_or(&empty),
                    )
                })
                .collect::<PyResult<Vec<_>>>()?;
            // Every row starts as a copy of a dict holding all keys: a copy takes the
            // template's key table whole, where inserting key by key grows it a few
            // times over for wide tables. Keys a row lacks are taken out again.
            let template = PyDict::new(py);
            for key in &keys {
                template.set_item(key, py.None())?;
            }
            let plain = b
                .extras
                .iter()
                .all(|e| e.kinds.is_none() && e.present_nulls.is_empty());
            // Keys of each batch, indices into the receipt's.
            let mut key_at = Vec::new();
            if let Some(r) = &mut kept {
                if !plain || r.cells.len() + b.batch.num_rows() * keys.len() > RECEIPT_MAX_CELLS {
                    kept = None;
                } else {
                    for key in &keys {
                        key_at.push(r.keys.len() as u32);
                        r.keys.push(key.clone().unbind());
                    }
                }
            }
            for row in 0..b.batch.num_rows() {
                let d = template.copy()?;
                let mut n = 0u32;
                for (i, (key, column)) in keys.iter().zip(&mut cells).enumerate() {
                    let Some(obj) = column[row].take() else {
                        d.del_item(key)?;
                        continue;
                    };
                    if let Some(r) = &mut kept {
                        r.cells.push((key_at[i], obj.clone().unbind()));
                        n += 1;
                    }
                    d.set_item(key, obj)?;
                }
                if let Some(r) = &mut kept {
                    r.row_cells.push(n);
                }
                list.append(d)?;
            }
        }
        if let (Some(r), Ok(mut receipts)) = (kept, self.receipts.try_lock()) {
            receipts.insert(name.to_string(), r);
        }
        Ok(list)
    }

    /// The nested records rebuilt from the tables (`transmog_core::unflatten`).
    fn unflatten<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let flat = py
            .detach(|| self.inner.to_flat())
            .map_err(|e| errors::run_err(py, e, Context::default()))?;
        let records = py
            .detach(|| transmog_core::unflatten::unflatten(&flat.tables))
            .map_err(|e| errors::core_err(py, e, Context::default()))?;
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
        let tables = PyList::empty(py);
        for c in &r.table_renames {
            tables.append((c.path.as_str(), c.wanted.as_str(), c.given.as_str()))?;
        }
        d.set_item("table_renames", tables)?;
        d.set_item("table_rename_count", r.table_rename_count)?;
        d.set_item("shortened_count", r.shortened_count)?;
        d.set_item("maps_detected", &r.maps_detected)?;
        d.set_item("truncation_count", r.truncation_count)?;
        let skipped = PyList::empty(py);
        for s in &r.skipped {
            skipped.append(s.reason.as_str())?;
        }
        d.set_item("skipped", skipped)?;
        d.set_item("skipped_count", r.skipped_count)?;
        d.set_item("discarded", &r.discarded)?;
        d.set_item("discarded_values", r.discarded_values)?;
        let first_new = PyList::empty(py);
        for (table, path, location) in &r.first_new {
            first_new.append((table.as_str(), path.as_str(), location.to_string()))?;
        }
        d.set_item("first_new", first_new)?;
        let drift = match &self.drift {
            Some(text) => py.import("json")?.call_method1("loads", (text.as_str(),))?,
            None => py.None().into_bound(py),
        };
        d.set_item("schema_drift", drift)?;
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
        let opts = options::sink(py, format, options)?;
        let ctx = Context {
            entity: None,
            format: Some(format),
        };
        let jobs: Vec<(&str, &HeldTable)> = files
            .iter()
            .map(|(t, stem)| Ok((stem.as_str(), self.table(t)?)))
            .collect::<PyResult<_>>()?;
        let mut sink =
            TableSink::create(&directory, opts).map_err(|e| errors::io_err(py, e, ctx))?;
        let stop = sink.stop_flag();
        let outputs = crate::engine::interruptible(
            py,
            &stop,
            || -> Result<Vec<transmog_io::TableOutput>, transmog_run::RunError> {
                // The sink encodes the tables side by side, a thread per core.
                if let Err(e) = transmog_run::held::write_tables(&mut sink, &jobs) {
                    sink.abort();
                    return Err(e);
                }
                sink.finish().map_err(RunError::from)
            },
        )
        .map_err(|e| errors::run_err(py, e, ctx))?;
        let mut out = Vec::new();
        for (table, stem) in &files {
            if let Some(o) = outputs.iter().find(|o| &o.name == stem) {
                out.push((table.clone(), o.path.to_string_lossy().into_owned()));
            }
        }
        Ok(out)
    }

    /// A table as an Arrow stream (PyCapsule interface): `pyarrow.table(result.arrow(t))`.
    /// Every batch is brought to the table's union schema (the widening lattice).
    fn arrow(&self, py: Python<'_>, name: &str) -> PyResult<ArrowStream> {
        let table = self.table(name)?;
        let batches: Vec<RecordBatch> = table
            .batches
            .iter()
            // A plain batch's Arrow arrays are shared, not copied (nor its extras).
            .map(|b| {
                b.get().map(|b| match b {
                    Cow::Borrowed(t) => t.batch.clone(),
                    Cow::Owned(t) => t.batch,
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|e| errors::run_err(py, e, Context::default()))?;
        let (schema, batches) = transmog_core::UnionSchema::unify(&batches)
            .map_err(|e| errors::output(py, format!("table '{name}': {e}")))?;
        Ok(ArrowStream {
            schema,
            batches: Mutex::new(Some(batches)),
        })
    }
}
