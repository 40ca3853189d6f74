"""ProcessingResult: the tables of one processing call, with 1.0.6's accessors/writers."""

from __future__ import annotations

import enum
import json
import logging
import os
import tempfile
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from .. import _handed
from ..error import MissingDependencyError, OutputError, error_context
from ..io.writer_factory import create_streaming_writer, create_writer, is_format_available
from ..types.base import JsonDict
from ..types.result_types import ResultInterface

_output_errors = error_context("Failed to write output", wrap_as=lambda e: OutputError(f"Failed to write output: {e}"),
                               log_exceptions=False)

__all__ = ["ProcessingResult", "ConversionMode"]

logger = logging.getLogger(__name__)


class ConversionMode(enum.Enum):
    EAGER = "eager"
    LAZY = "lazy"
    MEMORY_EFFICIENT = "memory_efficient"


def _check_pyarrow_available() -> bool:
    """Whether pyarrow is installed (``to_arrow()`` and friends need it; our files do not)."""
    from importlib.util import find_spec

    return find_spec("pyarrow") is not None


def _check_orjson_available() -> bool:
    from importlib.util import find_spec

    return find_spec("orjson") is not None


def _formatted(name: str) -> str:
    return name.replace(".", "_").replace("/", "_")


def _json_default(value: Any) -> Any:
    return str(value)


class ProcessingResult(ResultInterface):
    """Main table and child tables of one processing call.

    Rows are materialized as Python dicts only when asked for (``main_table``,
    ``get_main_table()``...); writers and ``to_arrow()`` work on the engine's Arrow
    tables directly unless rows were changed from Python.
    """

    def __init__(self, main_table: List[Dict[str, Any]], child_tables: Dict[str, List[Dict[str, Any]]],
                 entity_name: str, source_info: Optional[Dict[str, Any]] = None,
                 conversion_mode: Union[ConversionMode, str] = ConversionMode.EAGER):
        self._setup(entity_name, source_info, conversion_mode, None, None)
        self._main = main_table
        self._children = dict(child_tables or {})

    def _setup(self, entity_name: str, source_info: Optional[Dict[str, Any]], conversion_mode: Any,
               native: Any, stamp: Optional[Tuple[str, Any, Any]]) -> None:
        self.entity_name = entity_name
        self.source_info = dict(source_info or {})
        if isinstance(conversion_mode, str):
            try:
                conversion_mode = ConversionMode(conversion_mode)
            except ValueError:
                conversion_mode = ConversionMode.EAGER
        self.conversion_mode = conversion_mode
        self._native = native
        # (time field, text the engine wrote, object rows hand out), see process._run.Stamp.
        self._stamp = stamp if stamp is not None and stamp[1] is not stamp[2] else None
        self._main: Optional[List[Dict[str, Any]]] = None
        self._children: Dict[str, List[Dict[str, Any]]] = {}
        # Python-side changes (mutators, custom ids) make the Python rows authoritative.
        self._python_rows = native is None
        self._converters: Dict[str, Callable] = {}

    @classmethod
    def _from_native(cls, native: Any, entity_name: str, source_info: Dict[str, Any],
                     stamp: Optional[Tuple[str, Any, Any]] = None) -> "ProcessingResult":
        """A result over the engine's tables (rows made on demand)."""
        result = cls.__new__(cls)
        result._setup(entity_name, source_info, ConversionMode.EAGER, native, stamp)
        return result

    def _rows(self, name: str) -> List[Dict[str, Any]]:
        # The result keeps its lists: the engine may keep a receipt of their objects.
        rows = self._native.rows(name, self._stamp is None)
        if self._stamp is None:
            _handed.note(rows, self)
        else:
            field, text, value = self._stamp
            for row in rows:
                if row.get(field) == text:
                    row[field] = value
        return rows

    # -- rows ------------------------------------------------------------------------
    def _native_children(self) -> List[str]:
        return self._native.table_names()[1:] if self._native is not None else []

    @property
    def main_table(self) -> List[Dict[str, Any]]:
        if self._main is None:
            self._main = self._rows(self._native.table_names()[0]) if self._native is not None else []
        return self._main

    @main_table.setter
    def main_table(self, rows: List[Dict[str, Any]]) -> None:
        self._main = rows
        self._python_rows = True

    @property
    def child_tables(self) -> Dict[str, List[Dict[str, Any]]]:
        for name in self._native_children():
            if name not in self._children:
                self._children[name] = self._rows(name)
        return self._children

    @child_tables.setter
    def child_tables(self, tables: Dict[str, List[Dict[str, Any]]]) -> None:
        self._children = dict(tables)
        self._python_rows = True

    def _handed_out(self, rows: Any) -> Optional[Tuple[Any, str]]:
        """(engine result, table name) when ``rows`` is the list this result hands out
        for one of the engine's tables (see ``transmog._handed``)."""
        if self._python_rows or self._native is None:
            return None
        if rows is self._main:
            return self._native, self._native.table_names()[0]
        for name, held in self._children.items():
            if rows is held:
                return self._native, name
        return None

    def _materialize(self) -> None:
        _ = self.main_table
        _ = self.child_tables

    def get_main_table(self) -> List[Dict[str, Any]]:
        """The main table's rows (the live list)."""
        return self.main_table

    def get_child_table(self, table_name: str) -> List[Dict[str, Any]]:
        """Rows of a child table; ``[]`` when there is no such table."""
        if table_name in self._children:
            return self._children[table_name]
        if self._native is not None and table_name in self._native_children():
            self._children[table_name] = self._rows(table_name)
            return self._children[table_name]
        return []

    def get_table_names(self) -> List[str]:
        """Child table names (main excluded), in creation order."""
        names = list(self._native_children())
        names += [n for n in self._children if n not in names]
        return names

    def get_formatted_table_name(self, table_name: str) -> str:
        return _formatted(table_name)

    def count_records(self) -> Dict[str, int]:
        counts = {"main": self._count(None)}
        for name in self.get_table_names():
            counts[name] = self._count(name)
        return counts

    def _count(self, name: Optional[str]) -> int:
        if self._rows_native() is not None:
            return self._native.num_rows(self._native.table_names()[0] if name is None else name)
        return len(self.main_table if name is None else self.get_child_table(name))

    def add_main_record(self, record: Dict[str, Any]) -> None:
        self.main_table.append(record)
        self._python_rows = True

    def add_child_record(self, table_name: str, record: Dict[str, Any]) -> None:
        self._materialize()
        self._children.setdefault(table_name, []).append(record)
        self._python_rows = True

    def add_child_tables(self, tables: Dict[str, List[Dict[str, Any]]]) -> None:
        self._materialize()
        for name, rows in tables.items():
            self._children.setdefault(name, []).extend(rows)
        self._python_rows = True

    # -- dict / JSON -----------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        return {"main_table": self.main_table, "child_tables": self.child_tables,
                "entity_name": self.entity_name, "source_info": self.source_info}

    def to_json(self, indent: Optional[int] = 2) -> str:
        try:
            return json.dumps(self.to_dict(), indent=indent, default=_json_default, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise OutputError(str(exc), "json") from exc

    def to_json_objects(self) -> Dict[str, List[Dict[str, Any]]]:
        def clean(v: Any) -> Any:
            if v is None or isinstance(v, (str, int, float, bool)):
                return v
            if isinstance(v, (list, dict)):
                return json.dumps(v)
            return str(v)

        out = {"main": [{k: clean(v) for k, v in r.items()} for r in self.main_table]}
        for name in self.get_table_names():
            out[name] = [{k: clean(v) for k, v in r.items()} for r in self.get_child_table(name)]
        return out

    # -- Arrow -----------------------------------------------------------------------
    def _table_order(self) -> List[tuple]:
        """(key, table name) for main ("main") and every child table."""
        main = self._native.table_names()[0] if self._native is not None else self.entity_name
        return [("main", main)] + [(n, n) for n in self.get_table_names()]

    def _rows_native(self):
        """The engine's tables when they are still the truth: once rows were handed out
        as Python lists (which callers may change), those lists are."""
        if self._native is not None and not self._python_rows and self._main is None and not self._children:
            return self._native
        return None

    def to_arrow(self) -> Dict[str, Any]:
        """Every table as a ``pyarrow.Table`` (zero-copy from the engine), key ``"main"``
        for the main table."""
        pa = _require("pyarrow", "to_arrow")
        native = self._rows_native()
        if native is not None:
            return {key: pa.table(native.arrow(name)) for key, name in self._table_order()}
        out = {"main": pa.Table.from_pylist(self.main_table)}
        for name in self.get_table_names():
            out[name] = pa.Table.from_pylist(self.get_child_table(name))
        return out

    def to_pyarrow_tables(self) -> Dict[str, Any]:
        return self.to_arrow()

    def to_pandas(self) -> Dict[str, Any]:
        _require("pandas", "to_pandas")
        return {k: t.to_pandas() for k, t in self.to_arrow().items()}

    def to_polars(self) -> Dict[str, Any]:
        pl = _require("polars", "to_polars")
        return {k: pl.from_arrow(t) for k, t in self.to_arrow().items()}

    # -- files -----------------------------------------------------------------------
    def _write_files(self, directory: str, fmt: str, stems: Dict[str, str],
                     options: Dict[str, Any]) -> Dict[str, str]:
        """Writes tables (key -> file stem) with the Rust writers; returns key -> path."""
        from .. import _native

        os.makedirs(directory, exist_ok=True)
        native = self._rows_native()
        order = dict(self._table_order())
        if native is not None:
            files = [(order[key], stem) for key, stem in stems.items()]
            written = dict(native.write(str(directory), fmt, files, options))
            return {key: written[order[key]] for key in stems if order[key] in written}
        sink = _native.Sink(str(directory), fmt, options)
        try:
            for key, stem in stems.items():
                rows = self.main_table if key == "main" else self.get_child_table(key)
                if rows:
                    sink.write_rows(stem, rows)
            done = {name: path for name, path, _ in sink.finish()}
        except BaseException:
            sink.abort()
            raise
        return {key: done[stem] for key, stem in stems.items() if stem in done}

    def _stems(self, main_stem: str) -> Dict[str, str]:
        stems = {"main": main_stem}
        for name in self.get_table_names():
            stems[name] = _formatted(name)
        return stems

    @_output_errors
    def write_all_parquet(self, base_path: str, compression: str = "snappy", **kwargs: Any) -> Dict[str, str]:
        """``main.parquet`` plus one file per child table; every column of every row kept."""
        return self._write_files(base_path, "parquet", self._stems("main"),
                                 {"compression": compression, **kwargs})

    @_output_errors
    def stream_to_parquet(self, base_path: str, compression: str = "snappy", row_group_size: int = 10000,
                          **kwargs: Any) -> Dict[str, str]:
        """Writes ``main.parquet`` and one file per child table with row groups of
        ``row_group_size`` rows; returns ``{"main": path, <child table>: path, ...}``.
        Options: compression (snappy, gzip, brotli, zstd, lz4, none), write_page_index,
        write_page_checksum, data_page_size, dictionary_pagesize_limit, use_dictionary,
        write_statistics, data_page_version, compression_level."""
        from ..io.writers._native_writer import filter_parquet_options

        opts = filter_parquet_options({"compression": compression, "row_group_size": row_group_size, **kwargs})
        return self._write_files(base_path, "parquet", self._stems("main"), opts)

    @_output_errors
    def write_all_csv(self, base_path: str, include_header: bool = True, **kwargs: Any) -> Dict[str, str]:
        return self._write_files(base_path, "csv", self._stems("main"),
                                 {"include_header": include_header, **kwargs})

    @_output_errors
    def write_all_json(self, base_path: str, indent: Optional[int] = 2, **kwargs: Any) -> Dict[str, str]:
        """``main.json`` plus one file per non-empty child table, each a JSON array of
        ``to_json_objects()`` rows; ``kwargs`` are ``json.dump`` options (as in 1.0.6,
        non-ASCII is escaped unless ``ensure_ascii=False``)."""
        os.makedirs(base_path, exist_ok=True)
        out = {}
        stems = self._stems("main")
        for key, rows in self.to_json_objects().items():
            if not rows:
                continue
            path = os.path.join(base_path, f"{stems[key]}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(rows, fh, indent=indent, **kwargs)
            out[key] = path
        return out

    @_output_errors
    def write(self, format_name: str, base_path: str, **format_options: Any) -> Dict[str, str]:
        """Writes ``<entity>.<fmt>`` plus child files (1.0.6's ``write``)."""
        fmt = format_name.lower()
        stems = self._stems(self.entity_name)
        if fmt == "json":
            paths = self.write_all_json(base_path, **format_options)
            if "main" in paths:
                target = os.path.join(base_path, f"{self.entity_name}.json")
                os.replace(paths.pop("main"), target)
                paths = {self.entity_name: target, **paths}
            return paths
        if fmt not in ("csv", "parquet", "jsonl"):
            from ..error import ConfigurationError
            raise ConfigurationError(f"Unsupported output format: {format_name}")
        paths = self._write_files(base_path, fmt, stems, format_options)
        if "main" in paths:
            paths = {self.entity_name: paths.pop("main"), **paths}
        return paths

    @_output_errors
    def write_to_file(self, format_name: str, output_directory: str, **options: Any) -> Dict[str, str]:
        paths = self.write(format_name, output_directory, **options)
        if self.entity_name in paths:
            paths["main"] = paths.pop(self.entity_name)
        return paths

    def _bytes(self, fmt: str, options: Dict[str, Any]) -> Dict[str, bytes]:
        with tempfile.TemporaryDirectory() as tmp:
            paths = self._write_files(tmp, fmt, self._stems("main"), options)
            out = {}
            for key, path in paths.items():
                with open(path, "rb") as fh:
                    out[key] = fh.read()
            return out

    @_output_errors
    def to_parquet_bytes(self, compression: str = "snappy", **kwargs: Any) -> Dict[str, bytes]:
        return self._bytes("parquet", {"compression": compression, **kwargs})

    @_output_errors
    def to_csv_bytes(self, include_header: bool = True, **kwargs: Any) -> Dict[str, bytes]:
        return self._bytes("csv", {"include_header": include_header, **kwargs})

    @_output_errors
    def to_json_bytes(self, indent: Optional[int] = None, **kwargs: Any) -> Dict[str, bytes]:
        """``{table: UTF-8 JSON array}`` of ``to_json_objects()``: compact like orjson
        (1.0.6's encoder) unless an indent is asked for; ``kwargs`` are ``json.dumps``
        options."""
        opts = {"separators": (",", ":") if indent is None else (",", ": "), "ensure_ascii": False, **kwargs}
        return {k: json.dumps(v, indent=indent, **opts).encode("utf-8") for k, v in self.to_json_objects().items()}

    @_output_errors
    def stream_to_output(self, format_name: str, output_destination: Optional[str] = None,
                         **options: Any) -> None:
        """Writes through a streaming writer and finalizes it (1.0.6 never finalized)."""
        from ..io import create_streaming_writer

        with create_streaming_writer(format_name, destination=output_destination,
                                     entity_name=self.entity_name, **options) as writer:
            writer.write_main_records(self.main_table)
            for name in self.get_table_names():
                writer.initialize_child_table(name)
                writer.write_child_records(name, self.get_child_table(name))

    # -- misc ------------------------------------------------------------------------
    @classmethod
    def combine_results(cls, results: Iterable["ProcessingResult"],
                        entity_name: Optional[str] = None) -> "ProcessingResult":
        results = list(results)
        name = entity_name if entity_name is not None else (results[0].entity_name if results else "")
        if not results:
            return cls([], {}, "empty_result")
        combined = cls([], {}, name)
        for r in results:
            combined.main_table.extend(r.main_table)
            for t in r.get_table_names():
                combined._children.setdefault(t, []).extend(r.get_child_table(t))
        return combined

    def register_converter(self, format_name: str, converter_func: Callable) -> None:
        self._converters[format_name] = converter_func

    def convert_to(self, format_name: str, **options: Any) -> Any:
        if format_name in self._converters:
            return self._converters[format_name](self, **options)
        return {"json": self.to_json_objects, "parquet": self.to_parquet_bytes,
                "csv": self.to_csv_bytes, "arrow": self.to_arrow}[format_name](**options)

    def with_conversion_mode(self, mode: Union[ConversionMode, str]) -> "ProcessingResult":
        if isinstance(mode, str):
            try:
                mode = ConversionMode(mode)
            except ValueError:
                mode = ConversionMode.EAGER
        self.conversion_mode = mode
        return self

    @staticmethod
    def is_parquet_available() -> bool:
        return True

    @staticmethod
    def is_orjson_available() -> bool:
        return _check_orjson_available()

    def report(self) -> Dict[str, Any]:
        """What the engine reported: renamed columns, truncated objects, skipped records."""
        return self._native.report() if self._native is not None else {}

    def __repr__(self) -> str:
        return f"ProcessingResult(entity_name={self.entity_name!r}, tables={self.count_records()})"


def _require(module: str, feature: str) -> Any:
    try:
        return __import__(module)
    except ImportError as exc:
        raise MissingDependencyError(f"{module} is required for {feature}", module, feature) from exc
