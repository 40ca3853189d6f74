"""Writers by format (1.0.6's ``transmog.io.writers``): ``json``, ``csv``, ``parquet``
(and, new, streaming ``jsonl``). Importing a writer module registers it."""

from ...dependencies import DependencyManager
from ..formats import FormatRegistry
from .csv import CsvStreamingWriter, CsvWriter
from .json import JsonlStreamingWriter, JsonStreamingWriter, JsonWriter
from .parquet import ParquetStreamingWriter, ParquetWriter

FormatRegistry.register_writer_format("json")
FormatRegistry.register_writer_format("csv")
# The engine writes Parquet itself: no pyarrow needed.
FormatRegistry.register_writer_format("parquet")

__all__ = ["JsonWriter", "CsvWriter", "ParquetWriter", "CsvStreamingWriter", "JsonStreamingWriter",
           "JsonlStreamingWriter", "ParquetStreamingWriter", "DependencyManager", "FormatRegistry"]
