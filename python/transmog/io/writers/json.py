"""JSON writers: one JSON array per table (1.0.6's format), and JSON Lines."""

from __future__ import annotations

import json as _json
import os
import sys
from typing import Any, Dict, List, Optional, TextIO

from ..writer_interface import DataWriter, StreamingWriter
from ._native_writer import NativeStreamingWriter

__all__ = ["JsonWriter", "JsonStreamingWriter", "JsonlStreamingWriter"]


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class JsonWriter(DataWriter):
    """Writes one table as a JSON array."""

    def __init__(self, indent: Optional[int] = 2, use_orjson: bool = True, **options: Any):
        super().__init__(indent=indent, **options)

    @classmethod
    def format_name(cls) -> str:
        return "json"

    def write_table(self, table_data: List[Dict[str, Any]], output_path: Any, **options: Any) -> Any:
        text = _json.dumps(table_data, indent=options.get("indent", self.options.get("indent")),
                           default=_default, ensure_ascii=False)
        if hasattr(output_path, "write"):
            try:
                output_path.write(text)
            except TypeError:
                output_path.write(text.encode("utf-8"))
            return output_path
        with open(output_path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return output_path


class JsonStreamingWriter(StreamingWriter):
    """Streams each table into ``<table>.json`` holding one JSON array; files are written
    under temporary names and renamed at ``finalize()``."""

    extension = "json"

    def __init__(self, destination: Any = None, entity_name: str = "entity", indent: Optional[int] = 2,
                 use_orjson: bool = True, **options: Any):
        self.indent = indent
        self._files: Dict[str, TextIO] = {}
        self._paths: Dict[str, str] = {}
        # 1.0.6: no destination means stdout (main table only).
        super().__init__(destination if destination is not None else sys.stdout, entity_name, **options)
        if self._dir is not None and not self._file_object:
            os.makedirs(self._dir, exist_ok=True)

    def _stem(self, table_name: str) -> str:
        return self._main_stem if table_name == "main" else table_name.replace("/", "_").replace("\\", "_")

    def _write(self, table: str, records: List[Dict[str, Any]]) -> None:
        if not records:
            return
        fh = self._files.get(table)
        first = fh is None
        if fh is None:
            path = os.path.join(self._dir, f"{self._stem(table)}.json")
            self._paths[table] = path
            fh = open(path + ".tmp", "w", encoding="utf-8")
            self._files[table] = fh
            fh.write("[")
        for record in records:
            if not first:
                fh.write(",")
            first = False
            if self.indent:
                fh.write("\n")
            fh.write(_json.dumps(record, indent=self.indent, default=_default, ensure_ascii=False))

    def _commit(self) -> Dict[str, str]:
        out = {}
        for table, fh in self._files.items():
            fh.write("\n]" if self.indent else "]")
            fh.close()
            os.replace(self._paths[table] + ".tmp", self._paths[table])
            out[table] = self._paths[table]
        self._files.clear()
        return out

    def _discard(self) -> None:
        for table, fh in self._files.items():
            fh.close()
            try:
                os.unlink(self._paths[table] + ".tmp")
            except OSError:
                pass
        self._files.clear()


class JsonlStreamingWriter(NativeStreamingWriter):
    """Streams each table into ``<table>.jsonl``, one JSON object per row."""

    extension = "jsonl"
    native_format = "jsonl"
