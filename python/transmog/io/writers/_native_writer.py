"""Streaming writers backed by the Rust sinks (Parquet, CSV, JSON Lines)."""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, List

from ... import _handed, _native
from ...error import ConfigurationError, OutputError
from ..writer_interface import StreamingWriter


# pyarrow writer options that cannot change what we write (we write no timestamps, no
# nested types, always store the Arrow schema, always write local files): accepted with a
# warning so 1.0.6 code that passes them keeps working. Options that would change the
# output but are not supported stay errors.
_NO_EFFECT_OPTIONS = ("coerce_timestamps", "allow_truncated_timestamps", "use_deprecated_int96_timestamps",
                      "use_compliant_nested_type", "store_schema", "filesystem")


def filter_parquet_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """Drops (with a warning) pyarrow options that have no effect on our files."""
    out = dict(options)
    for key in _NO_EFFECT_OPTIONS:
        if key in out:
            value = out.pop(key)
            if key == "store_schema" and value is False:
                raise ConfigurationError("the Arrow schema is always stored", "store_schema", value)
            warnings.warn(f"Parquet option {key}={value!r} has no effect on Transmog's output; ignored",
                          stacklevel=4)
    return out


class NativeStreamingWriter(StreamingWriter):
    """Rows go to the engine's sink as they come; files appear at ``finalize()``."""

    native_format = ""

    def __init__(self, destination: Any = None, entity_name: str = "entity", **options: Any):
        super().__init__(destination, entity_name, **options)
        self._sink = None
        self._keys: Dict[str, str] = {}
        if self._dir is not None:
            try:
                self._sink = _native.Sink(self._dir, self.native_format, self._sink_options())
            except (ConfigurationError, OutputError):
                raise
            except Exception as exc:  # noqa: BLE001
                raise ConfigurationError(str(exc)) from exc

    def _sink_options(self) -> Dict[str, Any]:
        if self.native_format == "parquet":
            return filter_parquet_options(self.options)
        return dict(self.options)

    def _write(self, table: str, records: List[Dict[str, Any]]) -> None:
        if self.finalized:
            raise OutputError("writer already finalized", self.native_format, table=table)
        if self._sink is None or not records:
            return
        stem = self._stem(table)
        self._keys[stem] = table
        self._sink.write_rows(stem, records, _handed.source(records))

    def _write_native(self, native: Any, entity_name: str) -> None:
        if self._sink is None:
            return
        tables = []
        for i, name in enumerate(native.table_names()):
            if native.num_rows(name):
                key = "main" if i == 0 else name
                self._note_key(key)
                # Child tables go in under their own names: the sink turns them into
                # file names and keeps two tables that sanitize alike apart.
                stem = self._stem(key) if i == 0 else name
                self._keys[stem] = key
                tables.append((stem, name))
        # One call: the sink encodes the tables side by side.
        self._sink.write_result_tables(tables, native)

    def _note_tables(self, engine: Any) -> None:
        """Remembers which file stem belongs to which table after the engine wrote
        straight into this writer's sink."""
        native = engine.take_batches()
        for i, name in enumerate(native.table_names()):
            key = "main" if i == 0 else name
            self._note_key(key)
            self._keys[self._stem(key) if i == 0 else name] = key

    def _note_key(self, key: str) -> None:
        self.initialized = True
        if key == "main":
            self._written_main = True
        else:
            self.child_tables.setdefault(key, self._stem(key))

    def _commit(self) -> Dict[str, str]:
        if self._sink is None:
            return {}
        return {self._keys.get(stem, stem): path for stem, path, _rows in self._sink.finish()}

    def _discard(self) -> None:
        if self._sink is not None:
            self._sink.abort()
