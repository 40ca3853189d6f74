//! Python option dicts into the engine's option schema: every key goes through
//! `Config::set` or `SinkOptions::set` (one parser per option, shared with the CLI and
//! the conformance driver).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
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
    } else if obj.cast::<PyList>().is_ok() || obj.cast::<PyTuple>().is_ok() {
        let items = obj
            .try_iter()?
            .map(|item| option_value(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        OptionValue::List(items)
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
pub fn input_format(
    py: Python<'_>,
    format: &str,
    csv: Option<&Bound<'_, PyDict>>,
) -> PyResult<InputFormat> {
    Ok(match format {
        "auto" => InputFormat::Auto,
        "jsonl" | "ndjson" => InputFormat::Jsonl,
        "json" => InputFormat::Json,
        "csv" => InputFormat::Csv(csv_options(py, csv)?),
        other => {
            return Err(errors::config(
                py,
                "input_format",
                Some(other.to_string()),
                "is not one of auto, json, jsonl, csv".into(),
            ))
        }
    })
}

/// CSV reading options: `delimiter`, `quote_char`, `has_header`, `null_values`,
/// `sanitize_column_names`, `skip_rows`, `infer_types`.
pub fn csv_options(py: Python<'_>, opts: Option<&Bound<'_, PyDict>>) -> PyResult<CsvOptions> {
    let mut o = CsvOptions::default();
    let Some(d) = opts else {
        return Ok(o);
    };
    for (key, value) in d.iter() {
        let key: String = key.extract()?;
        if value.is_none() {
            continue;
        }
        let bad = |message: &str| {
            errors::config(
                py,
                &key,
                value.str().ok().map(|s| s.to_string()),
                message.to_string(),
            )
        };
        let one_byte = |v: String| -> PyResult<u8> {
            match v.as_bytes() {
                [b] if b.is_ascii() => Ok(*b),
                _ => Err(bad("must be one ASCII character")),
            }
        };
        match key.as_str() {
            "delimiter" => o.delimiter = Some(one_byte(value.extract()?)?),
            "quote_char" => o.quote = one_byte(value.extract()?)?,
            "has_header" => o.has_header = value.extract().map_err(|_| bad("must be a boolean"))?,
            "null_values" => {
                o.null_values = value
                    .extract()
                    .map_err(|_| bad("must be a list of strings"))?
            }
            "sanitize_column_names" => {
                o.sanitize_names = value.extract().map_err(|_| bad("must be a boolean"))?
            }
            "skip_rows" => {
                o.skip_rows = value
                    .extract()
                    .map_err(|_| bad("must be a non-negative integer"))?
            }
            "infer_types" => {
                o.infer_types = value.extract().map_err(|_| bad("must be a boolean"))?
            }
            _ => return Err(bad("is not a CSV reading option")),
        }
    }
    Ok(o)
}
