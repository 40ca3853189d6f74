"""JSON writers (1.0.6's ``transmog.io.writers.json``): one JSON array per table, and
(new) JSON Lines."""

from __future__ import annotations

import io
import json as _json
import logging
import os
import sys
from importlib.util import find_spec
from typing import Any, Dict, List, Optional, Set, TextIO

from ...error import OutputError
from ...types.base import JsonDict
from ..writer_factory import register_streaming_writer, register_writer
from ..writer_interface import DataWriter, StreamingWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["JsonWriter", "JsonStreamingWriter", "JsonlStreamingWriter", "DataWriter", "StreamingWriter",
           "JsonDict", "OutputError", "ORJSON_AVAILABLE", "register_writer", "register_streaming_writer", "logger"]

logger = logging.getLogger(__name__)

#: Whether orjson is installed. Output is the same either way: the standard ``json``
#: module writes it, with datetimes as ISO text (as orjson did for 1.0.6).
ORJSON_AVAILABLE = find_spec("orjson") is not None


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _dumps(value: Any, indent: Optional[int], options: Dict[str, Any]) -> str:
    """JSON text; ``options`` are ``json.dumps`` keyword arguments (``sort_keys``,
    ``ensure_ascii``...)."""
    try:
        return _json.dumps(value, indent=indent or None, **{"default": _default, "ensure_ascii": False, **options})
    except TypeError as exc:
        raise OutputError(f"Failed to write JSON: {exc}", "json") from exc


class JsonWriter(DataWriter):
    """Writes one table as a JSON array (2-space indent by default; ``options`` are
    ``json.dumps`` keyword arguments)."""

    def __init__(self, indent: Optional[int] = 2, use_orjson: bool = True, **options: Any):
        self.indent = indent
        self.use_orjson = use_orjson and ORJSON_AVAILABLE
        self.options = options

    @classmethod
    def format_name(cls) -> str:
        return "json"

    @classmethod
    def is_available(cls) -> bool:
        return True

    @classmethod
    def is_orjson_available(cls) -> bool:
        return ORJSON_AVAILABLE

    def write(self, data: Any, destination: Any, **options: Any) -> Any:
        return self.write_table(data, destination, **options)

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, indent: Optional[int] = None,
                    **options: Any) -> Any:
        """Writes rows to a path (parent folders made) or a file object; returns
        ``output_path``."""
        text = _dumps(table_data, self.indent if indent is None else indent, {**self.options, **options})
        if hasattr(output_path, "write"):
            binary = isinstance(output_path, (io.BufferedIOBase, io.RawIOBase)) or "b" in getattr(output_path,
                                                                                                    "mode", "")
            output_path.write(text.encode("utf-8") if binary else text)
            return output_path
        path = os.fspath(output_path)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return output_path

    def write_all_tables(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                         base_path: Any, entity_name: str, **options: Any) -> Dict[str, Any]:
        """``<entity>.json`` plus one file per child table; ``{"main": path, child: path}``."""
        return self._write_all(main_table, child_tables, base_path, entity_name, "json", **options)


class JsonStreamingWriter(StreamingWriter):
    """Streams each table into ``<table>.json`` holding one JSON array; files are written
    under temporary names and renamed at ``finalize()``. ``options`` are ``json.dumps``
    keyword arguments."""

    extension = "json"

    def __init__(self, destination: Any = None, entity_name: str = "entity", indent: Optional[int] = 2,
                 use_orjson: bool = True, **options: Any):
        self.indent = indent
        self.use_orjson = use_orjson and ORJSON_AVAILABLE
        self.file_objects: Dict[str, TextIO] = {}
        self.initialized_tables: Set[str] = set()
        self.record_counts: Dict[str, int] = {}
        self._paths: Dict[str, str] = {}
        # 1.0.6: no destination means stdout (main table only).
        super().__init__(destination if destination is not None else sys.stdout, entity_name, **options)
        _dumps({}, None, self.options)  # bad json.dumps options fail here, not mid-stream
        self.base_dir = self._dir if self._file_object is None else None
        if self._dir is not None and not self._file_object:
            os.makedirs(self._dir, exist_ok=True)

    def _stem(self, table_name: str) -> str:
        return self._main_stem if table_name == "main" else table_name.replace("/", "_").replace("\\", "_")

    def initialize_main_table(self, **options: Any) -> None:
        """Starts the main table's array: written even if no row follows (``[]``)."""
        self._no_options("initialize_main_table", options)
        super().initialize_main_table()
        self.initialized_tables.add("main")
        self._written_main = True
        self._open("main")

    def initialize_child_table(self, table_name: str, **options: Any) -> None:
        """Starts a child table's array (``[]`` if no row follows)."""
        self._no_options("initialize_child_table", options)
        super().initialize_child_table(table_name)
        self.initialized_tables.add(table_name)
        self._open(table_name)

    def write_main_records(self, records: List[Dict[str, Any]], **options: Any) -> None:
        self._no_options("write_main_records", options)
        self.initialized_tables.add("main")
        super().write_main_records(records)

    def write_child_records(self, table_name: str, records: List[Dict[str, Any]], **options: Any) -> None:
        self._no_options("write_child_records", options)
        super().write_child_records(table_name, records)
        self.initialized_tables.add(table_name)

    def finalize(self, **options: Any) -> None:
        self._no_options("finalize", options)
        super().finalize()

    def close(self) -> None:
        self.finalize()

    def _open(self, table: str) -> Optional[TextIO]:
        """The table's (temporary) file, opened with ``[`` on first use."""
        if self._dir is None:
            return None
        fh = self.file_objects.get(table)
        if fh is None:
            path = os.path.join(self._dir, f"{self._stem(table)}.json")
            self._paths[table] = path
            fh = open(path + ".tmp", "w", encoding="utf-8")
            self.file_objects[table] = fh
            fh.write("[")
            self.record_counts.setdefault(table, 0)
        return fh

    def _write(self, table: str, records: List[Dict[str, Any]]) -> None:
        if self.finalized:
            raise OutputError("writer already finalized", "json", table=table)
        if not records:
            return
        fh = self._open(table)
        first = not self.record_counts.get(table)
        for record in records:
            if not first:
                fh.write(",")
            first = False
            if self.indent:
                fh.write("\n")
            fh.write(_dumps(record, self.indent, self.options))
        self.record_counts[table] = self.record_counts.get(table, 0) + len(records)

    def _commit(self) -> Dict[str, str]:
        out = {}
        for table, fh in self.file_objects.items():
            fh.write("\n]" if self.indent else "]")
            fh.close()
            os.replace(self._paths[table] + ".tmp", self._paths[table])
            out[table] = self._paths[table]
        self.file_objects.clear()
        return out

    def _discard(self) -> None:
        for table, fh in self.file_objects.items():
            fh.close()
            try:
                os.unlink(self._paths[table] + ".tmp")
            except OSError:
                pass
        self.file_objects.clear()


class JsonlStreamingWriter(NativeStreamingWriter):
    """Streams each table into ``<table>.jsonl``, one JSON object per row (not in 1.0.6)."""

    extension = "jsonl"
    native_format = "jsonl"


register_writer("json", JsonWriter)
register_streaming_writer("json", JsonStreamingWriter)
register_streaming_writer("jsonl", JsonlStreamingWriter)
