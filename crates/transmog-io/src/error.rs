//! The crate's error type.
//!
//! Every error that comes from writing data names the table (and, where one exists, the
//! file) it happened on, so a message read in a log is enough to find the culprit.

use std::path::PathBuf;

use arrow_schema::DataType;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring or feeding a [`crate::TableSink`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option key that this crate does not know (or knows but does not support).
    #[error("unknown or unsupported option `{key}`{}", hint_suffix(.hint))]
    UnknownOption {
        /// The key as given by the caller.
        key: String,
        /// Optional explanation (e.g. the list of accepted keys).
        hint: String,
    },
    /// A known option with a value that cannot be used.
    #[error("invalid value for option `{key}`: {reason}")]
    InvalidOption {
        /// The option key.
        key: String,
        /// The value given, as written, when the setter knew it.
        value: Option<String>,
        /// Why the value was rejected.
        reason: String,
    },
    /// A column type that no sink can store.
    #[error("table `{table}`: column `{column}` has unsupported type {data_type} (supported: Null, Boolean, Int64, Float64, Utf8, LargeUtf8)")]
    UnsupportedType {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
        /// The offending Arrow type.
        data_type: DataType,
    },
    /// A batch that names the same column twice.
    #[error("table `{table}`: batch has column `{column}` more than once")]
    DuplicateColumn {
        /// Table name.
        table: String,
        /// Column name.
        column: String,
    },
    /// A table name that cannot be turned into a file name.
    #[error("invalid table name `{table}`: {reason}")]
    InvalidTableName {
        /// Table name as given.
        table: String,
        /// Why it was rejected.
        reason: String,
    },
    /// An I/O error on a file of a table (or on the destination directory).
    #[error("table `{table}`: I/O error on `{}`: {source}", path.display())]
    Io {
        /// Table name (empty for the destination directory itself).
        table: String,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An error reported by the Parquet library while writing or splicing a table.
    #[error("table `{table}`: parquet error on `{}`: {source}", path.display())]
    Parquet {
        /// Table name.
        table: String,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An error reported by Arrow while reshaping a batch.
    #[error("table `{table}`: arrow error: {source}")]
    Arrow {
        /// Table name.
        table: String,
        /// The underlying error.
        #[source]
        source: arrow_schema::ArrowError,
    },
    /// A file produced by this crate did not have the layout the splice step relies on.
    #[error("table `{table}`: malformed intermediate file `{}`: {reason}", path.display())]
    Malformed {
        /// Table name.
        table: String,
        /// The file involved.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A table received rows but never any column, which Parquet cannot store.
    #[error("table `{table}` has rows but no columns")]
    NoColumns {
        /// Table name.
        table: String,
    },
    /// A table wider than the Arrow schema a Parquet file carries can describe: Arrow
    /// readers (arrow-rs, so also this crate's own splice) refuse a schema of more than
    /// [`crate::MAX_SCHEMA_ENTRIES`] flatbuffer entries.
    #[error(
        "table `{table}` has {columns} columns, more than a Parquet file's Arrow schema can \
         describe ({entries} schema entries, readers accept {max}); lower max_columns \
         (--max-columns), or write CSV or JSON Lines",
        max = crate::options::MAX_SCHEMA_ENTRIES
    )]
    TooWide {
        /// Table name.
        table: String,
        /// Columns of the table's schema.
        columns: usize,
        /// Flatbuffer entries its Arrow schema needs.
        entries: usize,
    },
    /// The files named to read back do not make up one entity's tables.
    #[error("{reason}")]
    Inputs {
        /// What is missing or ambiguous.
        reason: String,
    },
    /// The sink's stop flag ([`crate::TableSink::stop_flag`]) was raised while it was
    /// writing or finishing a table.
    #[error("table `{table}`: stopped on request")]
    Interrupted {
        /// The table being written when the flag was seen.
        table: String,
    },
    /// The sink was used after a previous error left it in an unusable state.
    #[error("the sink is poisoned by an earlier error and cannot accept more data")]
    Poisoned,
}

fn hint_suffix(hint: &str) -> String {
    if hint.is_empty() {
        String::new()
    } else {
        format!(": {hint}")
    }
}

impl Error {
    /// The table the error happened on, when one did.
    pub fn table(&self) -> Option<&str> {
        match self {
            Error::UnsupportedType { table, .. }
            | Error::DuplicateColumn { table, .. }
            | Error::InvalidTableName { table, .. }
            | Error::Parquet { table, .. }
            | Error::Arrow { table, .. }
            | Error::Malformed { table, .. }
            | Error::NoColumns { table }
            | Error::TooWide { table, .. }
            | Error::Interrupted { table } => Some(table),
            Error::Io { table, .. } if !table.is_empty() => Some(table),
            _ => None,
        }
    }

    /// The file or folder the error happened on, when one did.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { path, .. }
            | Error::Parquet { path, .. }
            | Error::Malformed { path, .. } => Some(path),
            _ => None,
        }
    }

    pub(crate) fn io(table: &str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            table: table.to_owned(),
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parquet(
        table: &str,
        path: impl Into<PathBuf>,
        source: parquet::errors::ParquetError,
    ) -> Self {
        Error::Parquet {
            table: table.to_owned(),
            path: path.into(),
            source,
        }
    }

    pub(crate) fn malformed(
        table: &str,
        path: impl Into<PathBuf>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Malformed {
            table: table.to_owned(),
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn schema(table: &str, e: transmog_core::SchemaError) -> Self {
        use transmog_core::SchemaError as S;
        match e {
            S::UnsupportedType { column, data_type } => Error::UnsupportedType {
                table: table.to_owned(),
                column,
                data_type,
            },
            S::DuplicateColumn { column } => Error::DuplicateColumn {
                table: table.to_owned(),
                column,
            },
            S::Arrow(source) => Error::arrow(table, source),
            other => Error::Inputs {
                reason: format!("table `{table}`: {other}"),
            },
        }
    }

    pub(crate) fn arrow(table: &str, source: arrow_schema::ArrowError) -> Self {
        Error::Arrow {
            table: table.to_owned(),
            source,
        }
    }
}
