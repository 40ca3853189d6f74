"""Writers by format: ``parquet``, ``csv``, ``json`` (and ``jsonl``)."""

from .csv import CsvStreamingWriter, CsvWriter
from .json import JsonlStreamingWriter, JsonStreamingWriter, JsonWriter
from .parquet import ParquetStreamingWriter, ParquetWriter

__all__ = ["CsvStreamingWriter", "CsvWriter", "JsonStreamingWriter", "JsonWriter",
           "JsonlStreamingWriter", "ParquetStreamingWriter", "ParquetWriter"]
