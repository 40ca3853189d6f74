"""Parquet writers. The streaming writer keeps every column of every batch: a column
first seen late ends up in the same file, NULL in earlier rows, and every row group
has the final schema."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List

from ... import _native
from ..writer_interface import DataWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["ParquetWriter", "ParquetStreamingWriter"]


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
        super().__init__(compression=compression, **options)

    @classmethod
    def format_name(cls) -> str:
        return "parquet"

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, **options: Any) -> Any:
        opts = {**self.options, **options}
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
        if hasattr(output_path, "write"):
            output_path.write(data)
            return output_path
        parent = os.path.dirname(os.fspath(output_path))
        if parent:
            os.makedirs(parent, exist_ok=True)
        with open(output_path, "wb") as fh:
            fh.write(data)
        return output_path
