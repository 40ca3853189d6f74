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

    def __init__(self, message: str = "", *args: Any):
        self.message = message
        super().__init__(message, *args)


class ProcessingError(TransmogError):
    """A record or the data as a whole could not be processed."""

    def __init__(self, message: str = "", entity_name: Optional[str] = None, data: Any = None):
        self.entity_name, self.data = entity_name, data
        prefix = "Error processing data" + (f" for entity '{entity_name}'" if entity_name else "")
        super().__init__(message if message.startswith("Error processing data") else f"{prefix}: {message}")


class ValidationError(TransmogError):
    """Input failed validation."""

    def __init__(self, message: str = "", errors: Any = None):
        self.errors = errors
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
        head = ("File error" + (f" during {operation}" if operation else "")
                + (f" for '{file_path}'" if file_path else ""))
        super().__init__(message if message.startswith("File error") else f"{head}: {message}")


class MissingDependencyError(TransmogError):
    """An optional dependency (pyarrow, polars, pandas) is not installed."""

    def __init__(self, message: str = "", package: Optional[str] = None, feature: Optional[str] = None):
        self.package, self.feature = package, feature
        head = "Missing dependency" + (f" for {feature}" if feature else "")
        super().__init__(message if message.startswith("Missing dependency") else f"{head}: {message}")


class ConfigurationError(TransmogError):
    """An option has an invalid value."""

    def __init__(self, message: str = "", param: Optional[str] = None, value: Any = None):
        self.param, self.value = param, value
        detail = ""
        if param:
            detail = f" (parameter: '{param}'" + (f", value: '{value}'" if value is not None else "") + ")"
        head = "Configuration error" + detail
        super().__init__(message if message.startswith("Configuration error") else f"{head}: {message}")

    @property
    def parameter(self) -> Optional[str]:
        return self.param


class OutputError(TransmogError):
    """Output could not be written."""

    def __init__(self, message: str = "", output_format: Optional[str] = None, path: Optional[str] = None,
                 table: Optional[str] = None):
        self.output_format, self.path, self.table = output_format, path, table
        head = ("Output error" + (f" in {output_format} format" if output_format else "")
                + (f" for table '{table}'" if table else "") + (f" to '{path}'" if path else ""))
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
