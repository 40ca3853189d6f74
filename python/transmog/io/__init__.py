"""Readers and writers (1.0.6's ``transmog.io``)."""

import logging

from ..dependencies import DependencyManager
from .formats import FormatRegistry, detect_format
from .writer_factory import (create_streaming_writer, create_writer, get_supported_formats,
                             get_supported_streaming_formats, is_format_available, is_streaming_format_available,
                             register_streaming_writer, register_writer)
from .writer_interface import DataWriter, StreamingWriter
from .writers.parquet import ParquetStreamingWriter

__all__ = ["FormatRegistry", "DependencyManager", "detect_format", "create_writer", "create_streaming_writer",
           "register_writer", "register_streaming_writer", "get_supported_formats",
           "get_supported_streaming_formats", "is_format_available", "is_streaming_format_available",
           "DataWriter", "StreamingWriter", "initialize_io_features", "ParquetStreamingWriter"]

logger = logging.getLogger(__name__)


def initialize_io_features() -> None:
    """Nothing to set up: every writer registers itself when imported (1.0.6: a no-op too)."""
