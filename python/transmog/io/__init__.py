"""Readers and writers (1.0.6's ``transmog.io``)."""

from .writer_factory import (FormatRegistry, create_streaming_writer, create_writer, detect_format,
                             get_supported_streaming_formats, is_streaming_format_available)
from .writer_interface import DataWriter, StreamingWriter
from .writers.parquet import ParquetStreamingWriter

__all__ = ["FormatRegistry", "create_streaming_writer", "create_writer", "detect_format",
           "get_supported_streaming_formats", "is_streaming_format_available", "DataWriter",
           "StreamingWriter", "ParquetStreamingWriter", "initialize_io_features", "register_writer",
           "register_streaming_writer", "get_supported_formats", "is_format_available", "DependencyManager"]


def initialize_io_features() -> None:
    """Kept for compatibility (nothing to initialize)."""


def register_writer(format_name, writer_class) -> None:
    FormatRegistry.register_writer(format_name, writer_class)


def register_streaming_writer(format_name, writer_class) -> None:
    FormatRegistry.register_streaming_writer(format_name, writer_class)


def get_supported_formats():
    return FormatRegistry.list_available_formats()


def is_format_available(format_name: str) -> bool:
    return FormatRegistry.is_format_available(format_name)


from ..dependencies import DependencyManager  # noqa: E402
