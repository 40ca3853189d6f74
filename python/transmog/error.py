"""Exceptions and recovery strategies, with Transmog 1.0.6's names and hierarchy."""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Optional

__all__ = [
    "TransmogError", "ProcessingError", "ValidationError", "ParsingError", "FileError",
    "MissingDependencyError", "ConfigurationError", "OutputError", "error_context",
    "setup_logging", "RecoveryStrategy", "StrictRecovery", "SkipAndLogRecovery",
    "PartialProcessingRecovery", "with_recovery", "STRICT", "DEFAULT", "LENIENT",
]

logger = logging.getLogger("transmog")


class TransmogError(Exception):
    """Base class of every Transmog error."""


class ProcessingError(TransmogError):
    """A record or the data as a whole could not be processed."""

    def __init__(self, message: str = "", entity_name: Optional[str] = None):
        self.entity_name = entity_name
        prefix = "Error processing data" + (f" for entity '{entity_name}'" if entity_name else "")
        super().__init__(message if message.startswith("Error processing data") else f"{prefix}: {message}")


class ValidationError(TransmogError):
    """Input failed validation."""

    def __init__(self, message: str = ""):
        super().__init__(message if message.startswith("Validation error") else f"Validation error: {message}")


class ParsingError(TransmogError):
    """Input is not valid JSON (or CSV)."""

    def __init__(self, message: str = "", source: Optional[str] = None, line: Optional[int] = None):
        self.source, self.line = source, line
        head = "JSON parsing error" + (f" in {source}" if source else "") + (f" at line {line}" if line else "")
        super().__init__(message if message.startswith("JSON parsing error") else f"{head}: {message}")


class FileError(TransmogError):
    """A file could not be read or written."""

    def __init__(self, message: str = "", file_path: Optional[str] = None, operation: Optional[str] = None):
        self.file_path, self.operation = file_path, operation
        head = "File error" + (f" during {operation}" if operation else "") + (f" for '{file_path}'" if file_path else "")
        super().__init__(message if message.startswith("File error") else f"{head}: {message}")


class MissingDependencyError(TransmogError):
    """An optional dependency (pyarrow, polars, pandas) is not installed."""

    def __init__(self, message: str = "", package: Optional[str] = None, feature: Optional[str] = None):
        self.package, self.feature = package, feature
        head = "Missing dependency" + (f" for {feature}" if feature else "")
        super().__init__(message if message.startswith("Missing dependency") else f"{head}: {message}")


class ConfigurationError(TransmogError):
    """An option has an invalid value."""

    def __init__(self, message: str = "", parameter: Optional[str] = None, value: Any = None):
        self.parameter, self.value = parameter, value
        head = "Configuration error" + (f" (parameter: '{parameter}', value: '{value}')" if parameter else "")
        super().__init__(message if message.startswith("Configuration error") else f"{head}: {message}")


class OutputError(TransmogError):
    """Output could not be written."""

    def __init__(self, message: str = "", output_format: Optional[str] = None,
                 table_name: Optional[str] = None, path: Optional[str] = None):
        self.output_format, self.table_name, self.path = output_format, table_name, path
        head = ("Output error" + (f" in {output_format} format" if output_format else "")
                + (f" for table '{table_name}'" if table_name else "") + (f" to '{path}'" if path else ""))
        super().__init__(message if message.startswith("Output error") else f"{head}: {message}")


def error_context(message: str, wrap_as: Callable[[str], Exception] = ProcessingError,
                  log_exceptions: bool = True, re_raise: bool = True):
    """Decorator: non-Transmog exceptions raised by the function are wrapped as
    ``wrap_as(f"{message}: {exc}")``; Transmog exceptions pass through unchanged."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except TransmogError:
                raise
            except Exception as exc:  # noqa: BLE001 - wrapping is the point
                if log_exceptions:
                    logger.error("%s: %s", message, exc)
                if re_raise:
                    raise wrap_as(f"{message}: {exc}") from exc
                return None
        return wrapper

    return decorate


def setup_logging(level: int = logging.INFO, log_file: Optional[str] = None,
                  log_format: str = "%(asctime)s - %(name)s - %(levelname)s - %(message)s") -> None:
    """Configures the ``transmog`` logger."""
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler()
    handler.setFormatter(logging.Formatter(log_format))
    logger.handlers[:] = [handler]
    logger.setLevel(level)


class RecoveryStrategy:
    """How a record that cannot be processed is handled (``name`` is the strategy)."""

    name = "strict"

    def recover(self, error: Exception, **context: Any) -> Any:
        raise error

    def is_strict(self) -> bool:
        return self.name == "strict"


class StrictRecovery(RecoveryStrategy):
    """Stop at the first bad record."""

    name = "strict"


class SkipAndLogRecovery(RecoveryStrategy):
    """Skip bad records, log them, keep everything else."""

    name = "skip"

    def __init__(self, log_level: int = logging.WARNING):
        self.log_level = log_level

    def recover(self, error: Exception, **context: Any) -> Any:
        logger.log(self.log_level, "skipping: %s", error)
        return None


class PartialProcessingRecovery(RecoveryStrategy):
    """Keep what can be kept (at record level: like skip)."""

    name = "partial"

    def recover(self, error: Exception, **context: Any) -> Any:
        logger.warning("partial recovery: %s", error)
        return None


STRICT = StrictRecovery()
DEFAULT = SkipAndLogRecovery()
LENIENT = PartialProcessingRecovery()


def with_recovery(func: Callable, strategy: Optional[RecoveryStrategy] = None, *args: Any, **kwargs: Any) -> Any:
    """Calls ``func``; on error hands it to ``strategy`` (default strict)."""
    strategy = strategy or STRICT
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        return strategy.recover(exc)
