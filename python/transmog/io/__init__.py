"""Readers and writers (1.0.6's ``transmog.io``)."""

from .writer_factory import (FormatRegistry, create_streaming_writer, create_writer, detect_format,
                             get_supported_streaming_formats, is_streaming_format_available)
from .writer_interface import DataWriter, StreamingWriter
from .writers.parquet import ParquetStreamingWriter

__all__ = ["FormatRegistry", "create_streaming_writer", "create_writer", "detect_format",
           "get_supported_streaming_formats", "is_streaming_format_available", "DataWriter",
           "StreamingWriter", "ParquetStreamingWriter", "initialize_io_features"]


def initialize_io_features() -> None:
    """Kept for compatibility (nothing to initialize)."""
