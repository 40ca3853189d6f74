"""CSV writers (1.0.6's ``transmog.io.writers.csv``): a batch writer, and a streaming
writer on the engine's CSV sink."""

from __future__ import annotations

import csv as _csv
import io
import logging
import os
import pathlib
import sys
from importlib.util import find_spec
from typing import Any, Dict, List, Optional

from ...error import MissingDependencyError, OutputError
from ...types.base import JsonDict
from ..writer_factory import register_streaming_writer, register_writer
from ..writer_interface import DataWriter, StreamingWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["CsvWriter", "CsvStreamingWriter", "DataWriter", "StreamingWriter", "JsonDict", "MissingDependencyError",
           "OutputError", "PYARROW_AVAILABLE", "register_writer", "register_streaming_writer", "logger"]

logger = logging.getLogger(__name__)

#: Whether pyarrow is installed (neither CSV writer needs it).
PYARROW_AVAILABLE = find_spec("pyarrow") is not None


class CsvStreamingWriter(NativeStreamingWriter):
    """Streams tables into CSV files. A destination that is a directory (or has no
    ``.csv`` suffix) gets ``<entity_name>.csv``; a ``.csv`` path is the main file and
    child files go next to it. The header is the union of every row's columns (1.0.6
    fixed it from the first row and failed on later columns)."""

    extension = "csv"
    native_format = "csv"

    def __init__(self, destination: Any = None, entity_name: str = "entity", include_header: bool = True,
                 delimiter: str = ",", quotechar: str = '"', **options: Any):
        main_stem = entity_name
        if isinstance(destination, (str, os.PathLike)):
            dest = os.fspath(destination)
            if dest.lower().endswith(".csv") and not os.path.isdir(dest):
                main_stem = os.path.basename(dest)[:-4]
                destination = os.path.dirname(dest) or "."
        if destination is None:
            destination = sys.stdout  # like the JSON writer: main table to stdout
        self.include_header = include_header
        opts = {"include_header": include_header, "delimiter": delimiter}
        if quotechar != '"':
            opts["quotechar"] = quotechar
        super().__init__(destination, entity_name, **opts, **options)
        self._main_stem = main_stem
        self.base_dir = self._dir if self._file_object is None else None
        # No Python-side csv writers, wrappers or open files: the engine's sink writes.
        self.writers: Dict[str, Any] = {}
        self.text_wrappers: Dict[str, Any] = {}
        self.file_objects: Dict[str, Any] = {}
        self.headers: Dict[str, List[str]] = {}

    def _write(self, table: str, records: List[Dict[str, Any]]) -> None:
        header = self.headers.setdefault(table, [])
        seen = set(header)
        for row in records:
            for key in row:
                if key not in seen:
                    seen.add(key)
                    header.append(key)
        super()._write(table, records)

    def initialize_main_table(self, **options: Any) -> None:
        self._no_options("initialize_main_table", options)
        super().initialize_main_table()

    def initialize_child_table(self, table_name: str, **options: Any) -> None:
        self._no_options("initialize_child_table", options)
        super().initialize_child_table(table_name)

    def write_main_records(self, records: List[Dict[str, Any]], **options: Any) -> None:
        self._no_options("write_main_records", options)
        super().write_main_records(records)

    def write_child_records(self, table_name: str, records: List[Dict[str, Any]], **options: Any) -> None:
        self._no_options("write_child_records", options)
        super().write_child_records(table_name, records)

    def finalize(self, **options: Any) -> None:
        self._no_options("finalize", options)
        super().finalize()
        # Columns of tables the engine wrote directly: the header line of each file.
        for key, path in self._output_files.items():
            if key not in self.headers and self.include_header and os.path.isfile(path):
                with open(path, newline="", encoding="utf-8") as fh:
                    self.headers[key] = next(_csv.reader(fh, delimiter=self.options["delimiter"]), [])

    def close(self) -> None:
        self.finalize()


class CsvWriter(DataWriter):
    """Writes one table to CSV; the header is the union of all rows' keys (1.0.6 took
    the first row's keys and raised on others)."""

    def __init__(self, include_header: bool = True, delimiter: str = ",", quotechar: str = '"',
                 quoting: int = _csv.QUOTE_MINIMAL, escapechar: Optional[str] = None, **options: Any):
        self.include_header = include_header
        self.delimiter = delimiter
        self.quotechar = quotechar
        self.quoting = quoting
        self.escapechar = escapechar
        self.options = options

    @classmethod
    def format_name(cls) -> str:
        return "csv"

    @classmethod
    def is_available(cls) -> bool:
        return True

    def close(self) -> None:
        """Nothing stays open between writes."""

    def write(self, data: Any, destination: Any, **options: Any) -> Any:
        return self.write_table(data, destination, **{**self.options, **options})

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, include_header: Optional[bool] = None,
                    delimiter: Optional[str] = None, quotechar: Optional[str] = None, quoting: Optional[int] = None,
                    escapechar: Optional[str] = None, **options: Any) -> Any:
        """Writes rows to a path (parent folders made) or a text/binary file object;
        returns ``output_path``. ``options`` are ``csv`` dialect settings
        (``lineterminator``, ``doublequote``, ``skipinitialspace``, ``strict``)."""
        columns: Dict[str, None] = {}
        for row in table_data:
            for key in row:
                columns.setdefault(key, None)
        buf = io.StringIO(newline="")
        try:
            writer = _csv.DictWriter(
                buf, fieldnames=list(columns),
                delimiter=self.delimiter if delimiter is None else delimiter,
                quotechar=self.quotechar if quotechar is None else quotechar,
                quoting=self.quoting if quoting is None else quoting,
                escapechar=(self.escapechar if escapechar is None else escapechar) or None, **options)
            header = self.include_header if include_header is None else include_header
            if header and columns:
                writer.writeheader()
            for row in table_data:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        except (TypeError, _csv.Error) as exc:
            raise OutputError(f"Failed to write CSV file: {exc}", "csv") from exc
        text = buf.getvalue()
        if hasattr(output_path, "write"):
            binary = isinstance(output_path, (io.BufferedIOBase, io.RawIOBase)) or "b" in getattr(output_path,
                                                                                                    "mode", "")
            output_path.write(text.encode("utf-8") if binary else text)
            return output_path
        path = os.fspath(output_path)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
        return output_path

    def write_all_tables(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                         base_path: Any, entity_name: str, **options: Any) -> Dict[str, Any]:
        """``<entity>.csv`` plus one file per child table; ``{"main": path, child: path}``."""
        return self._write_all(main_table, child_tables, base_path, entity_name, "csv",
                               **{**self.options, **options})


register_writer("csv", CsvWriter)
register_streaming_writer("csv", CsvStreamingWriter)
