"""Writer interfaces: batch writers (``DataWriter``) and streaming writers."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from typing import Any, Dict, List, Optional

__all__ = ["DataWriter", "StreamingWriter", "formatted_table_name"]


def formatted_table_name(name: str) -> str:
    """File-name form of a table name: ``.`` and ``/`` become ``_``."""
    return name.replace(".", "_").replace("/", "_")


class DataWriter:
    """Writes whole tables at once."""

    def __init__(self, **options: Any):
        self.options = options

    @classmethod
    def format_name(cls) -> str:
        raise NotImplementedError

    @classmethod
    def is_available(cls) -> bool:
        return True

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, **options: Any) -> Any:
        raise NotImplementedError

    def write(self, data: Any, destination: Any, **options: Any) -> Any:
        return self.write_table(data, destination, **options)

    def write_all_tables(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                         base_path: str, entity_name: str, **options: Any) -> Dict[str, str]:
        os.makedirs(base_path, exist_ok=True)
        ext = self.format_name()
        out = {"main": os.path.join(base_path, f"{entity_name}.{ext}")}
        self.write_table(main_table, out["main"], **options)
        for name, rows in child_tables.items():
            path = os.path.join(base_path, f"{formatted_table_name(name)}.{ext}")
            self.write_table(rows, path, **options)
            out[name] = path
        return out


class StreamingWriter:
    """Writes tables batch by batch: ``write_main_records`` / ``write_child_records``,
    then ``finalize()``. Used as a context manager it finalizes on a normal exit and
    leaves no output file behind when the block raises."""

    #: file extension, set by subclasses
    extension = ""

    def __init__(self, destination: Any = None, entity_name: str = "entity", **options: Any):
        self.destination = destination
        self.entity_name = entity_name
        self.options = options
        self.finalized = False
        self._output_files: Dict[str, str] = {}
        self._file_object = None
        self._tmpdir: Optional[str] = None
        if destination is None:
            warnings.warn("no destination given: rows written to this writer are discarded", stacklevel=3)
            self._dir = None
        elif hasattr(destination, "write"):
            # 1.0.6 writes only the main table into a file object.
            self._file_object = destination
            self._tmpdir = tempfile.mkdtemp(prefix="transmog-")
            self._dir = self._tmpdir
        else:
            self._dir = os.fspath(destination)
        self._main_stem = entity_name

    # -- table bookkeeping -----------------------------------------------------------
    def _stem(self, table_name: str) -> str:
        return self._main_stem if table_name == "main" else formatted_table_name(table_name)

    def initialize_main_table(self, **_: Any) -> None:
        """Kept for compatibility; tables are created on their first row."""

    def initialize_child_table(self, table_name: str, **_: Any) -> None:
        """Kept for compatibility; tables are created on their first row."""

    def write_main_records(self, records: List[Dict[str, Any]], **_: Any) -> None:
        self._write("main", records)

    def write_child_records(self, table_name: str, records: List[Dict[str, Any]], **_: Any) -> None:
        self._write(table_name, records)

    def _write(self, table: str, records: List[Dict[str, Any]]) -> None:
        raise NotImplementedError

    def _write_native(self, native: Any, entity_name: str) -> None:
        """Writes an engine batch result: first table is the main table."""
        names = native.table_names()
        for i, name in enumerate(names):
            if native.num_rows(name):
                self._write("main" if i == 0 else name, native.rows(name))

    def _commit(self) -> Dict[str, str]:
        """Writes out everything; returns {table key: final path}."""
        raise NotImplementedError

    def _discard(self) -> None:
        """Drops buffered rows and temporary files."""

    def finalize(self) -> None:
        """Flushes every table and moves files to their final names."""
        if self.finalized:
            return
        self.finalized = True
        files = self._commit() if self._dir is not None else {}
        if self._file_object is not None:
            main = files.get("main")
            if main:
                with open(main, "rb") as fh:
                    data = fh.read()
                try:
                    self._file_object.write(data)
                except TypeError:
                    self._file_object.write(data.decode("utf-8"))
            if len(files) > 1:
                warnings.warn("a file destination receives only the main table; child tables were discarded",
                              stacklevel=2)
            shutil.rmtree(self._tmpdir or "", ignore_errors=True)
            files = {}
        self._output_files = files

    def close(self) -> None:
        """Finalizes (1.0.6 discarded buffered rows here; we never lose them)."""
        self.finalize()

    def get_output_files(self) -> Dict[str, str]:
        return dict(self._output_files)

    def __enter__(self) -> "StreamingWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if exc_type is None:
            self.finalize()
        elif not self.finalized:
            self.finalized = True
            self._discard()
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
        return False
