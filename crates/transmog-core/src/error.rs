//! Errors of the engine, each mapped to the Transmog 1.0.6 exception kind it surfaces as.

use std::fmt;
use std::sync::Arc;

/// Where a record came from: a source name (file, `<stdin>`, ...), a line when the
/// source is line-oriented, and the 0-based record number within the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// File name or other source label, when known.
    pub source: Option<Arc<str>>,
    /// 1-based line of the record's start, when known.
    pub line: Option<u64>,
    /// 0-based index of the record in its source.
    pub record: u64,
    /// The source's stable name for position ids (e.g. a path relative to the
    /// dataset's root), when it differs from `source`.
    pub origin: Option<Arc<str>>,
    /// Offset of the record's first byte in the (uncompressed) input, for records read
    /// from bytes: what position ids are made from, so that they do not depend on how
    /// a file is split.
    pub offset: Option<u64>,
}

impl Location {
    /// A record addressed only by its position in the input.
    pub fn record(record: u64) -> Self {
        Location {
            source: None,
            line: None,
            record,
            origin: None,
            offset: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.source, self.line) {
            (Some(s), Some(l)) => write!(f, "{s}:{l}"),
            (Some(s), None) => match self.offset {
                Some(o) => write!(f, "{s}: byte {o}"),
                None => write!(f, "{s}: record {}", self.record),
            },
            (None, Some(l)) => write!(f, "line {l}"),
            (None, None) => write!(f, "record {}", self.record),
        }
    }
}

/// The exception classes of Transmog 1.0.6 (SPEC.md 1.6) an error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `ProcessingError`
    Processing,
    /// `ParsingError`
    Parsing,
    /// `ConfigurationError`
    Configuration,
    /// `ValidationError`
    Validation,
}

impl ErrorKind {
    /// The Python exception class name.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Processing => "ProcessingError",
            ErrorKind::Parsing => "ParsingError",
            ErrorKind::Configuration => "ConfigurationError",
            ErrorKind::Validation => "ValidationError",
        }
    }
}

/// An engine error.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// An option has an invalid value.
    #[error("invalid option {parameter}{}: {message}", value.as_ref().map(|v| format!(" = {v}")).unwrap_or_default())]
    Config {
        /// The option's name.
        parameter: String,
        /// The value given, as written (when one was given).
        value: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// A record (or the whole input) is not a JSON object.
    #[error("{location}: expected a JSON object as record, found {found}")]
    NotAnObject {
        /// Which record.
        location: Location,
        /// The JSON type found instead.
        found: &'static str,
    },
    /// The input is not valid JSON.
    #[error("{location}: invalid JSON: {message} (column {column})")]
    Parse {
        /// Which record; `line` is absolute when the caller knew the record's line.
        location: Location,
        /// Column within the line.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// The input is broken around a record: a top-level array cut off, an empty
    /// element, data after the array.
    #[error("{location}: {message}")]
    Framing {
        /// Where.
        location: Location,
        /// What was wrong.
        message: String,
    },
    /// A record that cannot be read as JSON (e.g. a Python dict with a key that is not
    /// a string).
    #[error("{location}: {message}")]
    InvalidRecord {
        /// Which record.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// A table grew past the configured column limit.
    #[error("{location}: table '{table}' would exceed the limit of {limit} columns")]
    TooManyColumns {
        /// Which record.
        location: Location,
        /// The table.
        table: String,
        /// The limit.
        limit: usize,
    },
    /// A record would add a table or column that a frozen saved schema does not hold.
    #[error("{location}: {what} is not in the frozen schema")]
    SchemaFrozen {
        /// Which record.
        location: Location,
        /// What it would add: "new column `a.b` (table 't')" or "new table `items` ...".
        what: String,
    },
    /// A saved column's type would widen under a frozen schema.
    #[error("column {table}.{column} would change type from {from} to {to}, and the schema is frozen; nothing was written")]
    SchemaTypeChanged {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Its saved type.
        from: String,
        /// The type this run's values need.
        to: String,
    },
    /// Tables that cannot be put back together (see [`crate::unflatten`]).
    #[error("cannot unflatten table '{table}'{}: {message}", row.map(|r| format!(" row {r}")).unwrap_or_default())]
    Unflatten {
        /// The table.
        table: String,
        /// 0-based row within the table, when one row is at fault.
        row: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The top-level input has a type that cannot hold records.
    #[error("unsupported input: {found} (expected an object or an array of objects)")]
    UnsupportedInput {
        /// The JSON type found.
        found: &'static str,
    },
}

impl Error {
    /// The Transmog 1.0.6 exception kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } | Error::UnsupportedInput { .. } => ErrorKind::Configuration,
            Error::Parse { .. } | Error::Framing { .. } => ErrorKind::Parsing,
            Error::NotAnObject { .. }
            | Error::InvalidRecord { .. }
            | Error::TooManyColumns { .. }
            | Error::SchemaFrozen { .. }
            | Error::SchemaTypeChanged { .. }
            | Error::Unflatten { .. } => ErrorKind::Processing,
        }
    }

    pub(crate) fn unflatten(table: &str, row: Option<u64>, message: String) -> Self {
        Error::Unflatten {
            table: table.to_string(),
            row,
            message,
        }
    }

    pub(crate) fn config(parameter: &str, message: impl Into<String>) -> Self {
        Error::Config {
            parameter: parameter.to_string(),
            value: None,
            message: message.into(),
        }
    }

    pub(crate) fn config_value(parameter: &str, value: &str, message: impl Into<String>) -> Self {
        Error::Config {
            parameter: parameter.to_string(),
            value: Some(value.to_string()),
            message: message.into(),
        }
    }
}

/// Result alias of the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
