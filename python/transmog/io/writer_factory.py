"""Format registry and writer factories."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Type

from ..error import ConfigurationError, MissingDependencyError
from .writer_interface import DataWriter, StreamingWriter
from .writers import (CsvStreamingWriter, CsvWriter, JsonlStreamingWriter, JsonStreamingWriter, JsonWriter,
                      ParquetStreamingWriter, ParquetWriter)

__all__ = ["FormatRegistry", "create_writer", "create_streaming_writer", "detect_format",
           "get_supported_streaming_formats", "is_streaming_format_available"]


class FormatRegistry:
    """Known output formats and their writer classes."""

    _writers: Dict[str, Type[DataWriter]] = {"json": JsonWriter, "csv": CsvWriter, "parquet": ParquetWriter}
    _streaming: Dict[str, Type[StreamingWriter]] = {
        "json": JsonStreamingWriter, "csv": CsvStreamingWriter, "parquet": ParquetStreamingWriter,
        "jsonl": JsonlStreamingWriter,
    }

    @classmethod
    def register_writer(cls, format_name: str, writer_class: Type[DataWriter]) -> None:
        cls._writers[format_name.lower()] = writer_class

    @classmethod
    def register_streaming_writer(cls, format_name: str, writer_class: Type[StreamingWriter]) -> None:
        cls._streaming[format_name.lower()] = writer_class

    @classmethod
    def get_writer_class(cls, format_name: str) -> Optional[Type[DataWriter]]:
        return cls._writers.get(format_name.lower())

    @classmethod
    def get_streaming_writer_class(cls, format_name: str) -> Optional[Type[StreamingWriter]]:
        return cls._streaming.get(format_name.lower())

    @classmethod
    def list_available_formats(cls) -> List[str]:
        return sorted(cls._writers)

    @classmethod
    def is_format_available(cls, format_name: str) -> bool:
        return format_name.lower() in cls._writers

    @classmethod
    def detect_format(cls, path: str) -> Optional[str]:
        return detect_format(path)


def detect_format(path: Any) -> Optional[str]:
    """Format name from a file name (``.json``, ``.jsonl``, ``.csv``, ``.parquet``)."""
    name = os.fspath(path).lower()
    for ext in (".gz", ".zst"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    for fmt, exts in (("jsonl", (".jsonl", ".ndjson", ".ldjson")), ("json", (".json", ".geojson")),
                      ("csv", (".csv", ".tsv")), ("parquet", (".parquet", ".pq"))):
        if name.endswith(exts):
            return fmt
    return None


def create_writer(format_name: str, **kwargs: Any) -> DataWriter:
    cls = FormatRegistry.get_writer_class(format_name)
    if cls is None:
        raise ConfigurationError(f"Unsupported output format: {format_name}")
    try:
        return cls(**kwargs)
    except (MissingDependencyError, ConfigurationError):
        raise
    except Exception as exc:  # noqa: BLE001 - 1.0.6 wraps constructor errors
        raise ConfigurationError(f"Failed to create {format_name} writer: {exc}") from exc


def create_streaming_writer(format_name: str, destination: Any = None, entity_name: str = "entity",
                            **kwargs: Any) -> StreamingWriter:
    """A streaming writer for ``parquet``, ``csv``, ``json`` or ``jsonl``."""
    cls = FormatRegistry.get_streaming_writer_class(format_name)
    if cls is None:
        raise ConfigurationError(f"Unsupported output format: {format_name}")
    try:
        return cls(destination=destination, entity_name=entity_name, **kwargs)
    except (MissingDependencyError, ConfigurationError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise ConfigurationError(f"Failed to create {format_name} streaming writer: {exc}") from exc


def get_supported_streaming_formats() -> List[str]:
    return ["csv", "json", "parquet"]


def is_streaming_format_available(format_name: str) -> bool:
    return FormatRegistry.get_streaming_writer_class(format_name) is not None
