//! `transmog._native`: the engine behind the `transmog` Python package. The package's
//! Python modules give it Transmog 1.0.6's API; this module only moves data in and out
//! of the run engine (`transmog_run`) and its writers, releasing the GIL while they work.
//!
//! - `engine`: `Engine`, one run fed with files (all cores) or Python records;
//! - `result`: `NativeResult`, its tables as rows, Arrow streams or files;
//! - `sink`: `Sink`, a streaming writer; `csv_rows`: the CSV reader as an iterator;
//! - `pynode`: Python objects walked in place by the flattener;
//! - `arrow`: Arrow C streams; `convert`: Python objects <-> values;
//! - `options`: option dicts into the one option schema; `errors`: faults into
//!   1.0.6's exception classes with their fields; `naming`: the engine's naming
//!   and id rules for 1.0.6's low-level functions; `inputs`: input kinds and names.

mod arrow;
mod convert;
mod csv_rows;
mod engine;
mod errors;
mod inputs;
mod naming;
mod options;
mod pynode;
mod result;
mod sink;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyList;
use transmog_core::Value;

use arrow::ArrowStream;
use convert::to_py;
use engine::Engine;
use errors::Context;
use result::NativeResult;
use sink::Sink;

pub(crate) fn records_list<'py>(
    py: Python<'py>,
    records: &[Value<'_>],
) -> PyResult<Bound<'py, PyList>> {
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
        // Reading a run's files back: every failure is about those files.
        .map_err(|e| {
            errors::raise(
                py,
                "FileError",
                e.to_string(),
                &[("operation", Some("read".into()))],
            )
        })?;
    let records = py
        .detach(|| transmog_core::unflatten::unflatten(&tables))
        .map_err(|e| errors::core_err(py, e, Context::default()))?;
    records_list(py, &records)
}

/// The compiled extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(unflatten_files, m)?)?;
    m.add_function(wrap_pyfunction!(sink::harmonize, m)?)?;
    m.add_function(wrap_pyfunction!(sink::job_tables, m)?)?;
    m.add_function(wrap_pyfunction!(sink::job_schema, m)?)?;
    m.add_function(wrap_pyfunction!(sink::write_atomically, m)?)?;
    m.add_function(wrap_pyfunction!(sink::replace_dir, m)?)?;
    m.add_class::<Engine>()?;
    m.add_class::<NativeResult>()?;
    m.add_class::<Sink>()?;
    m.add_class::<ArrowStream>()?;
    m.add_class::<csv_rows::CsvRows>()?;
    m.add("ENGINE_VERSION", env!("CARGO_PKG_VERSION"))?;
    naming::register(m)?;
    inputs::register(m)?;
    Ok(())
}

// Python allocates a class's objects 16-byte aligned: a field aligned more (a
// cache-padded atomic deep in a run) must be boxed, or every access to it is undefined
// behaviour (debug builds abort on it: "misaligned pointer dereference").
const _: () = {
    assert!(std::mem::align_of::<arrow::ArrowStream>() <= 16);
    assert!(std::mem::align_of::<csv_rows::CsvRows>() <= 16);
    assert!(std::mem::align_of::<engine::Engine>() <= 16);
    assert!(std::mem::align_of::<result::NativeResult>() <= 16);
    assert!(std::mem::align_of::<sink::Sink>() <= 16);
};
