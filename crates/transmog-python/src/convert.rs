//! Python objects <-> engine values, walking objects directly (no JSON text round trip).

use std::borrow::Cow;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use transmog_core::column::OwnedCell;
use transmog_core::Value;

/// Nesting deeper than this is refused instead of overflowing the stack.
const MAX_NESTING: usize = 1000;

/// Converts a Python object (dict, list, str, int, float, bool, None; anything else is
/// taken as `str(obj)`) into an engine value.
pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
    to_value_at(obj, 0)
}

fn to_value_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value<'static>> {
    if depth > MAX_NESTING {
        return Err(PyValueError::new_err(format!(
            "input nested deeper than {MAX_NESTING} levels"
        )));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // Exact-type checks first (a pointer comparison each), in the order JSON-like data
    // is most often made of; subclasses fall through to the slower checks below.
    if obj.is_exact_instance_of::<PyString>() {
        let s = obj.cast::<PyString>()?;
        return Ok(Value::Str(Cow::Owned(s.to_cow()?.into_owned())));
    }
    if obj.is_exact_instance_of::<PyDict>() {
        return dict_value(obj.cast::<PyDict>()?, depth);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return Ok(match i.extract::<i64>() {
            Ok(v) => Value::Int(v),
            Err(_) => Value::BigInt(Cow::Owned(i.str()?.to_cow()?.into_owned())),
        });
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let mut items = Vec::with_capacity(l.len());
        for v in l.iter() {
            items.push(to_value_at(&v, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(Cow::Owned(s.to_cow()?.into_owned())));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return dict_value(d, depth);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut items = Vec::with_capacity(t.len());
        for v in t.iter() {
            items.push(to_value_at(&v, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Ok(Value::Str(Cow::Owned(obj.str()?.to_cow()?.into_owned())))
}

fn dict_value(d: &Bound<'_, PyDict>, depth: usize) -> PyResult<Value<'static>> {
    let mut entries = Vec::with_capacity(d.len());
    for (k, v) in d.iter() {
        let key = match k.cast::<PyString>() {
            Ok(s) => s.to_cow()?.into_owned(),
            Err(_) => {
                return Err(PyValueError::new_err(format!(
                    "dictionary key {} is not a string",
                    k.repr()?
                )))
            }
        };
        entries.push((Cow::Owned(key), to_value_at(&v, depth + 1)?));
    }
    Ok(Value::Object(entries))
}

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

/// A Python row value as a cell: lists/dicts become JSON text, other objects `str()`.
pub fn to_cell(obj: &Bound<'_, PyAny>) -> PyResult<OwnedCell> {
    Ok(OwnedCell::from_value(&to_value(obj)?))
}
