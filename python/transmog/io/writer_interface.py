"""Writer interfaces: batch writers (``DataWriter``) and streaming writers."""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
import warnings
from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional

from ..types.base import JsonDict
from ..types.io_types import StreamingWriterProtocol, WriterProtocol

__all__ = ["DataWriter", "StreamingWriter", "formatted_table_name", "JsonDict", "StreamingWriterProtocol",
           "WriterProtocol"]


def formatted_table_name(name: str) -> str:
    """File-name form of a table name: ``.`` and ``/`` become ``_``."""
    return name.replace(".", "_").replace("/", "_")


class DataWriter(ABC, WriterProtocol):
    """Writes whole tables at once (``write(data, destination)``); the writers also
    offer ``write_table`` and ``write_all_tables``."""

    @abstractmethod
    def write(self, data: Any, destination: Any, **options: Any) -> Any:
        """Writes one table (a list of row dicts) to a path or file object."""

    @classmethod
    def is_available(cls) -> bool:
        return True

    def _write_all(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                   base_path: Any, entity_name: str, ext: str, **options: Any) -> Dict[str, Any]:
        """``<entity>.<ext>`` plus ``<child table, . and / to _>.<ext>`` in ``base_path``;
        paths keep the type of ``base_path`` (str or Path)."""
        os.makedirs(os.fspath(base_path), exist_ok=True)

        def join(stem: str) -> Any:
            name = f"{stem}.{ext}"
            return base_path / name if isinstance(base_path, pathlib.Path) else os.path.join(base_path, name)

        out = {"main": join(entity_name)}
        self.write_table(main_table, out["main"], **options)
        for name, rows in child_tables.items():
            out[name] = join(formatted_table_name(name))
            self.write_table(rows, out[name], **options)
        return out


class StreamingWriter(ABC, StreamingWriterProtocol):
    """Writes tables batch by batch: ``write_main_records`` / ``write_child_records``,
    then ``finalize()``. Used as a context manager it finalizes on a normal exit and
    leaves no output file behind when the block raises."""

    #: file extension, set by subclasses
    extension = ""

    def __init__(self, destination: Any = None, entity_name: str = "entity", **options: Any):
        self.destination = destination
        self.entity_name = entity_name
        self.options = options
        self.initialized = False
        # Tables written so far: {table key ("main" or the child table): its file stem}.
        self.child_tables: Dict[str, Any] = {}
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
        self._written_main = False

    # -- table bookkeeping -----------------------------------------------------------
    def _stem(self, table_name: str) -> str:
        return self._main_stem if table_name == "main" else formatted_table_name(table_name)

    def initialize_main_table(self) -> None:
        """Marks the writer started (files appear on a table's first row)."""
        self.initialized = True

    def initialize_child_table(self, table_name: str) -> None:
        """Registers a child table (its file appears on its first row)."""
        self.initialized = True
        self.child_tables.setdefault(table_name, self._stem(table_name))

    def write_main_records(self, records: List[Dict[str, Any]]) -> None:
        self.initialized = True
        self._written_main = self._written_main or bool(records)
        self._write("main", records)

    def write_child_records(self, table_name: str, records: List[Dict[str, Any]]) -> None:
        self.initialize_child_table(table_name)
        self._write(table_name, records)

    @property
    def file_paths(self) -> Dict[str, str]:
        """``{table: path}``: the files written, or (before ``finalize``) the files the
        tables written so far will have."""
        if self.finalized:
            return dict(self._output_files)
        if self._dir is None or self._file_object is not None:
            return {}
        keys = (["main"] if self._written_main else []) + list(self.child_tables)
        return {k: os.path.join(self._dir, f"{self._stem(k)}.{self.extension}") for k in keys}

    @property
    def should_close(self) -> bool:
        """Whether the writer owns its output (a path), rather than writing into a file
        object the caller owns."""
        return self._file_object is None and self._dir is not None

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

    def _no_options(self, method: str, options: Dict[str, Any]) -> None:
        # 1.0.6 accepted keyword options here and ignored them.
        if options:
            from ..error import ConfigurationError

            raise ConfigurationError(f"{type(self).__name__}.{method}() takes no options, got {sorted(options)}",
                                     "options", sorted(options))

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
