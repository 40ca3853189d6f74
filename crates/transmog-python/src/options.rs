//! Python option dicts into the engine's option schema: every key goes through
//! `Config::set` or `SinkOptions::set` (one parser per option, shared with the CLI and
//! the conformance driver).

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use transmog_core::{Config, OptionValue};
use transmog_io::read::{CsvOptions, InputFormat};
use transmog_io::{Format, SinkOptions};

use crate::errors::{self, Context};

/// A Python value as an option value: None, bool, int, float, str, a dict of them;
/// anything else as its `str()`.
pub fn option_value(obj: &Bound<'_, PyAny>) -> PyResult<OptionValue> {
    Ok(if obj.is_none() {
        OptionValue::None
    } else if let Ok(b) = obj.cast::<PyBool>() {
        OptionValue::Bool(b.is_true())
    } else if let Ok(i) = obj.cast::<PyInt>() {
        match i.extract::<i64>() {
            Ok(v) => OptionValue::Int(v),
            Err(_) => OptionValue::Str(i.str()?.to_cow()?.into_owned()),
        }
    } else if let Ok(f) = obj.cast::<PyFloat>() {
        OptionValue::Float(f.value())
    } else if let Ok(s) = obj.cast::<PyString>() {
        OptionValue::Str(s.to_cow()?.into_owned())
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut entries = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            entries.push((k.str()?.to_cow()?.into_owned(), option_value(&v)?));
        }
        OptionValue::Map(entries)
    } else {
        OptionValue::Str(obj.str()?.to_cow()?.into_owned())
    })
}

fn pairs(options: &Bound<'_, PyDict>) -> PyResult<Vec<(String, OptionValue)>> {
    options
        .iter()
        .map(|(k, v)| Ok((k.extract::<String>()?, option_value(&v)?)))
        .collect()
}

/// The flattening options of a dict of engine options.
pub fn config(py: Python<'_>, options: &Bound<'_, PyDict>) -> PyResult<Config> {
    let pairs = pairs(options)?;
    Config::from_options(pairs.iter().map(|(k, v)| (k.as_str(), v)))
        .map_err(|e| errors::core_err(py, e, Context::default()))
}

/// Output format and writer options.
pub fn sink(py: Python<'_>, format: &str, options: &Bound<'_, PyDict>) -> PyResult<SinkOptions> {
    let ctx = Context {
        entity: None,
        format: Some(format),
    };
    let format = Format::parse(format).map_err(|e| errors::io_err(py, e, ctx))?;
    let mut opts = SinkOptions::new(format);
    for (key, value) in pairs(options)? {
        opts.set(&key, value)
            .map_err(|e| errors::io_err(py, e, ctx))?;
    }
    Ok(opts)
}

/// An input layout: `auto`, `jsonl`, `json` or `csv` (with CSV reading options).
pub fn input_format(format: &str, csv: Option<&Bound<'_, PyDict>>) -> PyResult<InputFormat> {
    Ok(match format {
        "jsonl" => InputFormat::Jsonl,
        "json" => InputFormat::Json,
        "csv" => InputFormat::Csv(csv_options(csv)?),
        _ => InputFormat::Auto,
    })
}

/// CSV reading options: `delimiter`, `quote_char`, `has_header`, `null_values`,
/// `sanitize_column_names`, `skip_rows`, `infer_types`.
pub fn csv_options(opts: Option<&Bound<'_, PyDict>>) -> PyResult<CsvOptions> {
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
    if let Some(v) = d.get_item("infer_types")? {
        o.infer_types = v.extract()?;
    }
    Ok(o)
}
