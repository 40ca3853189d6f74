//! `CsvRows`: the engine's CSV reader as a Python iterator of row dicts (1.0.6's
//! `CSVReader` runs on it, so CSV is read by one reader whichever API reads it).

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use transmog_core::value;
use transmog_io::read::{self, CsvRecords, ReadError};
use transmog_run::RunError;

use crate::convert::to_py;
use crate::errors::{self, Context};
use crate::options;

/// Rows of a CSV file (gzip/zstd detected) as dicts, read lazily.
#[pyclass(module = "transmog._native")]
pub struct CsvRows {
    rows: Mutex<CsvRecords>,
}

fn read_err(py: Python<'_>, e: ReadError) -> PyErr {
    errors::run_err(py, RunError::Read(e), Context::default())
}

#[pymethods]
impl CsvRows {
    #[new]
    #[pyo3(signature = (path, options=None))]
    fn new(py: Python<'_>, path: PathBuf, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let opts = options::csv_options(py, options)?;
        let label = path.to_string_lossy().into_owned();
        let reader = read::open(&label).map_err(|source| {
            read_err(
                py,
                ReadError::Io {
                    path: label.clone(),
                    source,
                },
            )
        })?;
        let rows = CsvRecords::new(&label, &opts, reader).map_err(|e| read_err(py, e))?;
        Ok(CsvRows {
            rows: Mutex::new(rows),
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut rows = self
            .rows
            .lock()
            .map_err(|_| PyRuntimeError::new_err("CSV reader poisoned"))?;
        let Some((text, _line, _offset)) = rows.next_record().map_err(|e| read_err(py, e))? else {
            return Ok(None);
        };
        // The reader writes valid JSON objects: parsing cannot fail.
        let row = value::parse(text.as_bytes())
            .map_err(|e| PyRuntimeError::new_err(format!("CSV row: {}", e.message)))?;
        to_py(py, &row).map(Some)
    }
}
