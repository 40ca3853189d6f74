//! Errors of a run, by fault: the input could not be read, a record is bad, an option is
//! wrong, the output could not be written, the run was interrupted (or, never expected,
//! an internal failure). Every face maps
//! the fault, not the message: the CLI to its exit code, Python to 1.0.6's exception
//! classes with their fields.

use transmog_io::read::ReadError;

/// What is wrong with an option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid option {parameter}{}: {message}", value.as_ref().map(|v| format!(" = {v}")).unwrap_or_default())]
pub struct ConfigError {
    /// The option's name.
    pub parameter: String,
    /// The value given, as written, when one was given.
    pub value: Option<String>,
    /// Why it is refused.
    pub message: String,
}

impl ConfigError {
    /// An option error.
    pub fn new(parameter: &str, value: Option<String>, message: impl Into<String>) -> Self {
        ConfigError {
            parameter: parameter.to_owned(),
            value,
            message: message.into(),
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// An input could not be opened or read, or its framing is broken.
    #[error(transparent)]
    Read(ReadError),
    /// A record is bad (not JSON, not an object, too many columns) under `strict`.
    #[error(transparent)]
    Data(transmog_core::Error),
    /// An option has an invalid value.
    #[error(transparent)]
    Config(ConfigError),
    /// The output could not be written.
    #[error(transparent)]
    Sink(transmog_io::Error),
    /// The run was stopped (SIGINT/SIGTERM, Ctrl-C in Python).
    #[error("interrupted")]
    Interrupted,
    /// Something that should not happen happened (a bug, or no thread to be had).
    #[error("internal error: {0}")]
    Internal(String),
}

/// The kind of a [`RunError`], for callers that only branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// [`RunError::Read`]
    Read,
    /// [`RunError::Data`]
    Data,
    /// [`RunError::Config`]
    Config,
    /// [`RunError::Sink`]
    Sink,
    /// [`RunError::Interrupted`]
    Interrupted,
    /// [`RunError::Internal`]
    Internal,
}

impl RunError {
    /// The fault.
    pub fn fault(&self) -> Fault {
        match self {
            RunError::Read(_) => Fault::Read,
            RunError::Data(_) => Fault::Data,
            RunError::Config(_) => Fault::Config,
            RunError::Sink(_) => Fault::Sink,
            RunError::Interrupted => Fault::Interrupted,
            RunError::Internal(_) => Fault::Internal,
        }
    }
}

impl RunError {
    /// The Transmog 1.0.6 exception class this error surfaces as in Python.
    pub fn exception_class(&self) -> &'static str {
        match self {
            RunError::Read(ReadError::Io { .. }) => "FileError",
            RunError::Read(_) => "ParsingError",
            RunError::Data(e) => e.kind().class_name(),
            RunError::Config(_) => "ConfigurationError",
            RunError::Sink(_) => "OutputError",
            RunError::Interrupted => "KeyboardInterrupt",
            RunError::Internal(_) => "ProcessingError",
        }
    }
}

impl From<ReadError> for RunError {
    fn from(e: ReadError) -> Self {
        RunError::Read(e)
    }
}

impl From<ConfigError> for RunError {
    fn from(e: ConfigError) -> Self {
        RunError::Config(e)
    }
}

impl From<transmog_core::Error> for RunError {
    fn from(e: transmog_core::Error) -> Self {
        use transmog_core::Error as E;
        match e {
            E::Config {
                parameter,
                value,
                message,
            } => RunError::Config(ConfigError {
                parameter,
                value,
                message,
            }),
            E::UnsupportedInput { found } => RunError::Config(ConfigError::new(
                "data",
                Some(found.to_string()),
                "expected an object or an array of objects",
            )),
            other => RunError::Data(other),
        }
    }
}

impl From<transmog_io::Error> for RunError {
    fn from(e: transmog_io::Error) -> Self {
        use transmog_io::Error as E;
        match e {
            E::UnknownOption { key, hint } => RunError::Config(ConfigError::new(
                &key,
                None,
                if hint.is_empty() {
                    "unknown or unsupported option".to_string()
                } else {
                    format!("unknown or unsupported option: {hint}")
                },
            )),
            E::InvalidOption { key, value, reason } => {
                RunError::Config(ConfigError::new(&key, value, reason))
            }
            E::Interrupted { .. } => RunError::Interrupted,
            other => RunError::Sink(other),
        }
    }
}

/// Result alias of the run engine.
pub type Result<T, E = RunError> = std::result::Result<T, E>;
