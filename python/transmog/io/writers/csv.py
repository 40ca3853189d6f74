"""CSV writers: RFC 4180, header = every column of the table (late columns kept)."""

from __future__ import annotations

import csv as _csv
import io
import os
import sys
from typing import Any, Dict, List

from ..writer_interface import DataWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["CsvWriter", "CsvStreamingWriter"]


class CsvStreamingWriter(NativeStreamingWriter):
    """Streams tables into CSV files. A destination that is a directory (or has no
    ``.csv`` suffix) gets ``<entity_name>.csv``; a ``.csv`` path is the main file and
    child files go next to it."""

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
        opts = {"include_header": include_header, "delimiter": delimiter}
        if quotechar != '"':
            opts["quotechar"] = quotechar
        super().__init__(destination, entity_name, **opts, **options)
        self._main_stem = main_stem


class CsvWriter(DataWriter):
    """Writes one table to CSV; the header is the union of all rows' keys."""

    def __init__(self, include_header: bool = True, delimiter: str = ",", quotechar: str = '"',
                 quoting: int = _csv.QUOTE_MINIMAL, escapechar: Any = None, **options: Any):
        super().__init__(include_header=include_header, delimiter=delimiter, quotechar=quotechar,
                         quoting=quoting, escapechar=escapechar, **options)

    @classmethod
    def format_name(cls) -> str:
        return "csv"

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, **options: Any) -> Any:
        o = {**self.options, **options}
        columns: Dict[str, None] = {}
        for row in table_data:
            for key in row:
                columns.setdefault(key, None)
        buf = io.StringIO()
        writer = _csv.DictWriter(buf, fieldnames=list(columns), delimiter=o["delimiter"],
                                 quotechar=o["quotechar"], quoting=o["quoting"], escapechar=o["escapechar"])
        if o["include_header"] and columns:
            writer.writeheader()
        for row in table_data:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        if hasattr(output_path, "write"):
            try:
                output_path.write(buf.getvalue())
            except TypeError:
                output_path.write(buf.getvalue().encode("utf-8"))
            return output_path
        with open(output_path, "w", newline="", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
        return output_path
