//! Engine errors as Transmog 1.0.6's exception classes, with the fields 1.0.6 fills:
//! `ParsingError(source, line)`, `FileError(file_path, operation)`,
//! `ConfigurationError(param, value)`, `OutputError(output_format, path, table)`,
//! `ProcessingError(entity_name)`. Each fault of the run engine maps to one class.

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use transmog_io::read::ReadError;
use transmog_run::RunError;

/// What the caller knows that the error does not: the entity and the output format.
#[derive(Default, Clone, Copy)]
pub struct Context<'a> {
    pub entity: Option<&'a str>,
    pub format: Option<&'a str>,
}

/// A field value of an exception.
pub enum Field {
    /// Text.
    Text(String),
    /// A number (a line).
    Number(u64),
}

impl From<String> for Field {
    fn from(s: String) -> Self {
        Field::Text(s)
    }
}

impl From<&str> for Field {
    fn from(s: &str) -> Self {
        Field::Text(s.to_string())
    }
}

/// Raises `transmog.error.<class>(message, **fields)`.
pub fn raise(
    py: Python<'_>,
    class: &str,
    message: String,
    fields: &[(&str, Option<Field>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("transmog.error")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        for (k, v) in fields {
            match v {
                Some(Field::Text(t)) => kwargs.set_item(*k, t)?,
                Some(Field::Number(n)) => kwargs.set_item(*k, n)?,
                None => kwargs.set_item(*k, py.None())?,
            }
        }
        // A class that takes none of these fields still gets the message: never a bare
        // RuntimeError for a known kind of error.
        let made = cls
            .call((message.clone(),), Some(&kwargs))
            .or_else(|_| cls.call1((message.clone(),)))?;
        Ok(PyErr::from_value(made))
    };
    build().unwrap_or_else(|_| PyRuntimeError::new_err(message))
}

/// A `ProcessingError` for a misuse of the native objects (finished engine, ...).
pub fn processing(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "ProcessingError", message.into(), &[])
}

/// An `OutputError`.
pub fn output(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, "OutputError", message.into(), &[])
}

/// A `ConfigurationError` naming the option.
pub fn config(py: Python<'_>, param: &str, value: Option<String>, message: String) -> PyErr {
    raise(
        py,
        "ConfigurationError",
        message,
        &[
            ("param", Some(param.into())),
            ("value", value.map(Field::Text)),
        ],
    )
}

/// The exception for a run error. Where the class prints the location itself (source
/// and line, parameter, file), the message leaves it out.
pub fn run_err(py: Python<'_>, e: RunError, ctx: Context<'_>) -> PyErr {
    let message = e.to_string();
    let class = e.exception_class();
    match e {
        RunError::Read(ReadError::Io { path, source }) => raise(
            py,
            class,
            source.to_string(),
            &[
                ("file_path", Some(path.into())),
                ("operation", Some("read".into())),
            ],
        ),
        RunError::Read(ReadError::Framing {
            path,
            line,
            message,
        }) => raise(
            py,
            class,
            message,
            &[
                ("source", Some(path.into())),
                ("line", Some(Field::Number(line))),
            ],
        ),
        RunError::Data(transmog_core::Error::Parse {
            location,
            column,
            message: what,
        }) => raise(
            py,
            class,
            match (&location.source, location.line, location.offset) {
                // A record of a byte range has no line number: its offset says where.
                (Some(_), None, Some(offset)) => {
                    format!("byte {offset}: invalid JSON: {what} (column {column})")
                }
                (Some(_), _, _) => format!("invalid JSON: {what} (column {column})"),
                (None, _, _) => message,
            },
            &[
                ("source", location.source.as_deref().map(Field::from)),
                ("line", location.line.map(Field::Number)),
            ],
        ),
        // A broken top-level array, named like the record it is in place of.
        RunError::Data(transmog_core::Error::Framing {
            location,
            message: what,
        }) => raise(
            py,
            class,
            match &location.source {
                Some(_) => what,
                None => message,
            },
            &[
                ("source", location.source.as_deref().map(Field::from)),
                ("line", location.line.map(Field::Number)),
            ],
        ),
        RunError::Data(_) => raise(
            py,
            class,
            message,
            &[("entity_name", ctx.entity.map(Field::from))],
        ),
        RunError::Config(c) => config(py, &c.parameter, c.value.clone(), c.message),
        RunError::Sink(s) => raise(
            py,
            class,
            message,
            &[
                ("output_format", ctx.format.map(Field::from)),
                (
                    "path",
                    s.path()
                        .map(|p| Field::Text(p.to_string_lossy().into_owned())),
                ),
                ("table", s.table().map(Field::from)),
            ],
        ),
        RunError::Interrupted => PyKeyboardInterrupt::new_err(message),
        // RunError is non_exhaustive: a new fault still surfaces with its class.
        #[allow(unreachable_patterns)]
        _ => raise(py, class, message, &[]),
    }
}

/// The exception for an engine error.
pub fn core_err(py: Python<'_>, e: transmog_core::Error, ctx: Context<'_>) -> PyErr {
    run_err(py, e.into(), ctx)
}

/// The exception for a sink error.
pub fn io_err(py: Python<'_>, e: transmog_io::Error, ctx: Context<'_>) -> PyErr {
    run_err(py, e.into(), ctx)
}
