"""Parquet writers. The streaming writer keeps every column of every batch: a column
first seen late ends up in the same file, NULL in earlier rows, and every row group
has the final schema."""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any, Dict, List, Optional

from ... import _native
from ...error import MissingDependencyError, OutputError
from ...types.base import JsonDict
from ..writer_factory import register_streaming_writer, register_writer
from ..writer_interface import DataWriter, StreamingWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["ParquetWriter", "ParquetStreamingWriter", "DataWriter", "StreamingWriter", "JsonDict",
           "MissingDependencyError", "OutputError", "register_writer", "register_streaming_writer", "logger"]

logger = logging.getLogger(__name__)


class ParquetStreamingWriter(NativeStreamingWriter):
    """Streams tables into ``<destination>/<entity_name>.parquet`` and one file per child
    table (``.``/``/`` in names become ``_``).

    Options (pyarrow names): ``compression`` (snappy, gzip, brotli, zstd, lz4, none; a
    level via ``compression_level`` or ``"zstd:3"``), ``row_group_size`` (rows per row
    group, exact), ``write_page_index``, ``write_page_checksum``, ``data_page_size``,
    ``dictionary_pagesize_limit``, ``use_dictionary``, ``write_statistics``,
    ``data_page_version``, ``version``. Unknown options raise ``ConfigurationError``.
    """

    extension = "parquet"
    native_format = "parquet"

    def __init__(self, destination: Any = None, entity_name: str = "entity", compression: str = "snappy",
                 row_group_size: int = 10000, **options: Any):
        self.compression = compression
        self.row_group_size = row_group_size
        super().__init__(destination, entity_name, compression=compression,
                         row_group_size=row_group_size, **options)
        self.base_path = self._dir if self._file_object is None else None
        # Rows are buffered and written by the engine's sink, not by Python objects.
        self.buffers: Dict[str, List[Dict[str, Any]]] = {}
        self.writers: Dict[str, Any] = {}
        # The schema of each file (the engine widens it while writing), read at finalize.
        self.schemas: Dict[str, Any] = {}
        self.table_columns: Dict[str, List[str]] = {}

    @property
    def output_files(self) -> Dict[str, str]:
        """``{table: path}`` of the files written (after ``finalize``)."""
        return dict(self._output_files)

    def finalize(self) -> None:
        super().finalize()
        try:
            import pyarrow.parquet as pq
        except ImportError:
            return
        import os

        import pyarrow as pa

        for key, path in self._output_files.items():
            if os.path.isdir(path):
                # A table past max_file_size: a folder of parts, read as their union.
                parts = sorted(os.path.join(path, f) for f in os.listdir(path))
                schema = pa.unify_schemas([pq.read_schema(f) for f in parts])
            else:
                schema = pq.read_schema(path)
            self.schemas[key] = schema
            self.table_columns[key] = list(schema.names)

    def close(self) -> None:
        self.finalize()


def _empty_parquet() -> bytes:
    """A Parquet file with an empty schema (1.0.6 writes one for an empty table)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        from ...error import MissingDependencyError

        raise MissingDependencyError("pyarrow is needed to write an empty Parquet table", "pyarrow",
                                     "parquet") from exc
    buf = pa.BufferOutputStream()
    pq.write_table(pa.table({}), buf)
    return buf.getvalue().to_pybytes()


class ParquetWriter(DataWriter):
    """Writes one table to one Parquet file (all columns of all rows)."""

    def __init__(self, compression: str = "snappy", **options: Any):
        self.compression = compression
        self.options = options

    @classmethod
    def format_name(cls) -> str:
        return "parquet"

    @classmethod
    def is_available(cls) -> bool:
        return True

    def write(self, data: Any, destination: Any, **options: Any) -> Any:
        return self.write_table(data, destination, **options)

    def write_all_tables(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                         base_path: Any, entity_name: str, **options: Any) -> Dict[str, Any]:
        """``<entity>.parquet`` plus one file per child table; ``{"main": path, child: path}``."""
        return self._write_all(main_table, child_tables, base_path, entity_name, "parquet", **options)

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, compression: Optional[str] = None,
                    **options: Any) -> Any:
        """Writes rows (every column of every row) to a path or binary file object;
        ``options`` are the Parquet options of ``ParquetStreamingWriter``."""
        opts = {**self.options, "compression": self.compression if compression is None else compression, **options}
        data = _nested_parquet(table_data, opts) if _has_nested(table_data) else None
        if data is not None:
            return _put(data, output_path)
        with tempfile.TemporaryDirectory() as tmp:
            sink = _native.Sink(tmp, "parquet", opts)
            if table_data:
                sink.write_rows("table", table_data)
            written = sink.finish()
            if written:
                with open(written[0][1], "rb") as fh:
                    data = fh.read()
            else:
                data = _empty_parquet()
        return _put(data, output_path)


def _put(data: bytes, output_path: Any) -> Any:
    if hasattr(output_path, "write"):
        output_path.write(data)
        return output_path
    parent = os.path.dirname(os.fspath(output_path))
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(output_path, "wb") as fh:
        fh.write(data)
    return output_path


def _has_nested(rows: List[Dict[str, Any]]) -> bool:
    return any(isinstance(v, (dict, list)) for row in rows for v in row.values())


_PQ_OPTIONS = ("row_group_size", "use_dictionary", "write_statistics", "data_page_size", "version",
               "data_page_version", "compression_level", "write_page_index", "write_page_checksum",
               "dictionary_pagesize_limit")


def _nested_parquet(rows: List[Dict[str, Any]], opts: Dict[str, Any]) -> Optional[bytes]:
    """Rows holding objects or arrays (not flattened) as pyarrow writes them, as 1.0.6's
    ``ParquetWriter`` did: struct and list columns (every column of every row, where
    1.0.6 took the first row's). None when pyarrow cannot type the columns (mixed value
    types): the engine's writer takes them then."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    names: Dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    compression = opts.get("compression")
    if compression is None or str(compression).lower() in ("none", "uncompressed"):
        compression = "none"
    try:
        table = pa.table({name: [row.get(name) for row in rows] for name in names})
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf, compression=compression,
                       **{k: v for k, v in opts.items() if k in _PQ_OPTIONS and v is not None})
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return buf.getvalue().to_pybytes()


register_writer("parquet", ParquetWriter)
register_streaming_writer("parquet", ParquetStreamingWriter)
