//! Engine values into Python objects (the other way, see `pynode`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::IntoPyObjectExt;
use transmog_core::Value;

/// Converts an engine value into the Python object 1.0.6 would hold.
pub fn to_py<'py>(py: Python<'py>, v: &Value<'_>) -> PyResult<Bound<'py, PyAny>> {
    match v {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        // Beyond f64 (`1e400`): Python's json gives inf; beyond 64 bits: an exact int.
        Value::BigInt(s) if s.contains(['.', 'e', 'E']) => py
            .import("builtins")?
            .getattr("float")?
            .call1((s.as_ref(),)),
        Value::BigInt(s) => py.import("builtins")?.getattr("int")?.call1((s.as_ref(),)),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Str(s) => s.as_ref().into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(entries) => {
            let d = PyDict::new(py);
            for (k, item) in entries {
                d.set_item(k.as_ref(), to_py(py, item)?)?;
            }
            Ok(d.into_any())
        }
    }
}
