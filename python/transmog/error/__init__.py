"""Exceptions, error-handling helpers and recovery strategies, laid out as in Transmog
1.0.6 (``transmog.error.exceptions``, ``.handling``, ``.recovery``)."""

from .exceptions import (ConfigurationError, FileError, MissingDependencyError, OutputError, ParsingError,
                         ProcessingError, TransmogError, ValidationError)
from .handling import (check_dependency, error_context, logger, require_dependency, safe_json_loads,
                       setup_logging, try_with_recovery, validate_input)
from .recovery import (DEFAULT, LENIENT, STRICT, PartialProcessingRecovery, RecoveryStrategy,
                       SkipAndLogRecovery, StrictRecovery, with_recovery)

__all__ = [
    "TransmogError", "ProcessingError", "ValidationError", "ParsingError", "FileError",
    "MissingDependencyError", "ConfigurationError", "OutputError", "error_context", "setup_logging",
    "safe_json_loads", "check_dependency", "require_dependency", "try_with_recovery", "validate_input",
    "logger", "RecoveryStrategy", "StrictRecovery", "SkipAndLogRecovery", "PartialProcessingRecovery",
    "with_recovery", "STRICT", "DEFAULT", "LENIENT",
]
