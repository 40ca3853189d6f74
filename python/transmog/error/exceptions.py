"""Transmog 1.0.6's exception classes: same names, hierarchy, constructors, fields and
message prefixes (``str(ParsingError("x", "f.json", 3))`` is
``"JSON parsing error in f.json at line 3: x"``)."""

from __future__ import annotations

from typing import Any, Dict, Optional

__all__ = ["TransmogError", "ProcessingError", "ValidationError", "ParsingError", "FileError",
           "MissingDependencyError", "ConfigurationError", "OutputError"]


class TransmogError(Exception):
    """Base class of every Transmog error."""

    def __init__(self, message: str):
        self.message = message
        # 1.0.6 gives every error this attribute; RecoveryStrategy.recover_or_raise reads it.
        self.recover_strategy = "strict"
        super().__init__(message)


class ProcessingError(TransmogError):
    """A record, or the data as a whole, could not be processed."""

    def __init__(self, message: str, entity_name: Optional[str] = None, data: Optional[Any] = None):
        self.entity_name = entity_name
        self.data = data
        where = f" for entity '{entity_name}'" if entity_name else ""
        super().__init__(f"Error processing data{where}: {message}")


class ValidationError(TransmogError):
    """Input failed a validation check; ``errors`` maps fields to problems."""

    def __init__(self, message: str, errors: Optional[Dict[str, str]] = None):
        self.errors = errors or {}
        details = ". Details: " + ", ".join(f"{k}: {v}" for k, v in errors.items()) if errors else ""
        super().__init__(f"Validation error: {message}{details}")


class ParsingError(TransmogError):
    """Input could not be parsed; ``source`` and ``line`` say where."""

    def __init__(self, message: str, source: Optional[str] = None, line: Optional[int] = None):
        self.source = source
        self.line = line
        where = (f" in {source}" if source else "") + (f" at line {line}" if line else "")
        super().__init__(f"JSON parsing error{where}: {message}")


class FileError(TransmogError):
    """A file could not be read or written."""

    def __init__(self, message: str, file_path: Optional[str] = None, operation: Optional[str] = None):
        self.file_path = file_path
        self.operation = operation
        where = (f" during {operation}" if operation else "") + (f" for '{file_path}'" if file_path else "")
        super().__init__(f"File error{where}: {message}")


class MissingDependencyError(TransmogError):
    """An optional package a feature needs is not installed."""

    def __init__(self, message: str, package: str, feature: Optional[str] = None):
        self.package = package
        self.feature = feature
        where = f" for {feature}" if feature else ""
        hint = f"\nPlease install {package} with: pip install transmog[{feature or 'all'}]"
        super().__init__(f"Missing dependency{where}: {message}.{hint}")


class ConfigurationError(TransmogError):
    """An option has an invalid value; ``param``/``value`` name it."""

    def __init__(self, message: str, param: Optional[str] = None, value: Optional[Any] = None):
        self.param = param
        self.value = value
        detail = ""
        if param:
            detail = f" (parameter: '{param}'" + (f", value: '{value}'" if value is not None else "") + ")"
        super().__init__(f"Configuration error{detail}: {message}")


class OutputError(TransmogError):
    """Output could not be written; ``format`` (the ``output_format`` argument), ``path``
    and ``table`` say which."""

    def __init__(self, message: str, output_format: Optional[str] = None, path: Optional[str] = None,
                 table: Optional[str] = None):
        self.format = output_format
        self.path = path
        self.table = table
        where = ((f" in {output_format} format" if output_format else "")
                 + (f" for table '{table}'" if table else "") + (f" to '{path}'" if path else ""))
        super().__init__(f"Output error{where}: {message}")
