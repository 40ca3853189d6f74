"""The Processor: Transmog 1.0.6's processing entry points over the Rust engine."""

from __future__ import annotations

import csv as _csv
import io as _io
import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

from .. import _native
from ..config import TransmogConfig
from ..error import ConfigurationError, FileError, ParsingError, ProcessingError, error_context
from ..strategies import (BatchStrategy, ChunkedStrategy, CSVStrategy, FileStrategy, InMemoryStrategy,
                          ProcessingStrategy)
from .result import ProcessingResult

__all__ = ["Processor", "ProcessingResult", "ProcessingStrategy", "InMemoryStrategy", "FileStrategy",
           "BatchStrategy", "ChunkedStrategy", "CSVStrategy"]

# 1.0.6 wraps non-Transmog exceptions of its public methods as ProcessingError.
_processing_errors = error_context("Failed to process data", log_exceptions=False)

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".ldjson")
_CSV_NULLS = ["", "NULL", "null", "NA", "na", "N/A", "n/a"]


def _strip_compression(name: str) -> str:
    for ext in (".gz", ".zst"):
        if name.endswith(ext):
            return name[: -len(ext)]
    return name


def _is_path(data: Any) -> bool:
    return isinstance(data, Path) or (isinstance(data, str) and os.path.isfile(data))


class Processor:
    """Flattens nested records into a main table and child tables.

    Every ``process*`` method returns a :class:`ProcessingResult` (``stream_process*``
    write files instead). Work happens in Rust with the GIL released.
    """

    def __init__(self, config: Optional[TransmogConfig] = None):
        self.config = config if config is not None else TransmogConfig.default()

    # -- presets ---------------------------------------------------------------------
    @classmethod
    def default(cls) -> "Processor":
        return cls(TransmogConfig.default())

    @classmethod
    def memory_optimized(cls) -> "Processor":
        return cls(TransmogConfig.memory_optimized())

    @classmethod
    def performance_optimized(cls) -> "Processor":
        return cls(TransmogConfig.performance_optimized())

    @classmethod
    def with_deterministic_ids(cls, source_field: Union[str, Dict[str, str]]) -> "Processor":
        return cls(TransmogConfig.with_deterministic_ids(source_field))

    @classmethod
    def with_custom_id_generation(cls, strategy: Callable[[Dict[str, Any]], str]) -> "Processor":
        return cls(TransmogConfig.with_custom_id_generation(strategy))

    @classmethod
    def with_partial_recovery(cls) -> "Processor":
        cfg = TransmogConfig.default().with_error_handling(
            recovery_strategy="partial", allow_malformed_data=True).with_processing(cast_to_string=True)
        return cls(cfg)

    def with_config(self, config: TransmogConfig) -> "Processor":
        return Processor(config)

    def with_naming(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_naming(**kwargs))

    def with_processing(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_processing(**kwargs))

    def with_metadata(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_metadata(**kwargs))

    def with_error_handling(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_error_handling(**kwargs))

    def clear_cache(self) -> "Processor":
        """Kept for compatibility: the engine has no value cache to clear."""
        return self

    # -- engine plumbing -------------------------------------------------------------
    def _engine(self, entity_name: str, extract_time: Any, **extra: Any) -> Any:
        if not isinstance(entity_name, str):
            raise ConfigurationError("entity_name must be a string", "entity_name", entity_name)
        opts = {**self.config._engine_options(extract_time), **extra}
        if opts["id_mode"] == "custom":
            opts["id_mode"] = "random"
        return _native.Engine(entity_name, opts)

    def _result(self, engine: Any, entity_name: str, source_info: Dict[str, Any]) -> ProcessingResult:
        native = engine.finish()
        source_info = {**source_info, "record_count": native.records()}
        result = ProcessingResult(entity_name=entity_name, source_info=source_info, _native=native)
        if self.config.metadata.id_generation_strategy is not None:
            _apply_custom_ids(result, self.config)
        return result

    def _feed(self, engine: Any, data: Any) -> Dict[str, Any]:
        """Feeds any supported data source; returns source info."""
        if isinstance(data, dict):
            engine.push_records([data])
            return {}
        if isinstance(data, (list, tuple)):
            engine.push_records(data)
            return {}
        if isinstance(data, Path) or (isinstance(data, str) and os.path.isfile(data)):
            path = str(data)
            if _strip_compression(path.lower()).endswith(".csv"):
                raise ConfigurationError("CSV input goes through process_csv", "data", path)
            engine.push_file(path, "auto")
            return {"file_path": path}
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data).decode("utf-8")
        if isinstance(data, str):
            return self._feed_text(engine, data)
        if hasattr(data, "read"):
            return self._feed_text(engine, data.read())
        if isinstance(data, Iterable) or isinstance(data, Iterator):
            engine.push_records(data)
            return {}
        raise ConfigurationError(f"Unsupported data type: {type(data).__name__}", "data", type(data).__name__)

    def _feed_text(self, engine: Any, text: Union[str, bytes]) -> Dict[str, Any]:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        stripped = text.lstrip()
        if not stripped.startswith(("{", "[")):
            raise ConfigurationError("Unsupported data: a string must be a file path or JSON text", "data")
        try:
            engine.push_json_text(text)
        except ParsingError as exc:
            # Not one JSON document; text of several lines may be JSON Lines.
            if "\n" not in stripped or not stripped.startswith("{"):
                # 1.0.6 raises ConfigurationError for JSON text it cannot parse.
                raise ConfigurationError(f"Invalid JSON data: {exc}", "data") from exc
            import tempfile

            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
                fh.write(text)
            try:
                engine.push_file(fh.name, "jsonl")
            finally:
                os.unlink(fh.name)
        return {}

    # -- processing ------------------------------------------------------------------
    @_processing_errors
    def process(self, data: Any, entity_name: str, extract_time: Any = None) -> ProcessingResult:
        """Processes a dict, a list of dicts, JSON text or a file path."""
        if isinstance(data, (str, Path)) and _is_path(data) and \
                _strip_compression(str(data).lower()).endswith(".csv"):
            return self.process_csv(str(data), entity_name, extract_time)
        if data is None or isinstance(data, (int, float, bool)):
            raise ConfigurationError(f"Unsupported data type: {type(data).__name__}", "data")
        engine = self._engine(entity_name, extract_time)
        info = self._feed(engine, data)
        return self._result(engine, entity_name, info)

    @_processing_errors
    def process_batch(self, batch_data: List[Dict[str, Any]], entity_name: str,
                      extract_time: Any = None) -> ProcessingResult:
        """Processes a list of records exactly like ``process`` (1.0.6 did not flatten
        here and changed the caller's dicts; we do neither)."""
        engine = self._engine(entity_name, extract_time)
        engine.push_records(batch_data)
        return self._result(engine, entity_name, {})

    @_processing_errors
    def process_chunked(self, data: Any, entity_name: str, extract_time: Any = None,
                        chunk_size: Optional[int] = None, input_format: str = "auto",
                        **format_options: Any) -> ProcessingResult:
        """Processes a large source (list, iterator/generator of dicts, file path, open
        file) ``chunk_size`` records at a time; returns one result."""
        engine = self._engine(entity_name, extract_time)
        if isinstance(data, (str, Path)) and _is_path(data):
            path = str(data)
            if _strip_compression(path.lower()).endswith(".csv") or input_format == "csv":
                return self.process_csv(path, entity_name, extract_time, **format_options)
            fmt = {"jsonl": "jsonl", "json": "json"}.get(input_format, "auto")
            engine.push_file(path, fmt)
            return self._result(engine, entity_name, {"file_path": path})
        info = self._feed(engine, data)
        return self._result(engine, entity_name, info)

    @_processing_errors
    def process_stream(self, data_source: Any, entity_name: str, extract_time: Any = None,
                       chunk_size: Optional[int] = None, **format_options: Any) -> ProcessingResult:
        """Processes any iterable or generator of dicts, a file path or an open file
        (not in 1.0.6, which has no ``process_stream``; same as ``process_chunked``)."""
        return self.process_chunked(data_source, entity_name, extract_time, chunk_size, **format_options)

    @_processing_errors
    def process_file(self, file_path: Union[str, Path], entity_name: str,
                     extract_time: Any = None) -> ProcessingResult:
        """Processes a JSON, JSON Lines (also .gz/.zst) or CSV file."""
        path = str(file_path)
        if not os.path.isfile(path):
            raise FileError(f"File not found: {path}", path, "read")
        if _strip_compression(path.lower()).endswith(".csv"):
            return self.process_csv(path, entity_name, extract_time)
        engine = self._engine(entity_name, extract_time)
        fmt = "jsonl" if _strip_compression(path.lower()).endswith(_JSONL_SUFFIXES) else "auto"
        engine.push_file(path, fmt)
        return self._result(engine, entity_name, {"file_path": path})

    @_processing_errors
    def process_csv(self, file_path: Union[str, Path], entity_name: str, extract_time: Any = None,
                    delimiter: Optional[str] = None, has_header: bool = True,
                    null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                    infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                    encoding: str = "utf-8", chunk_size: Optional[int] = None) -> ProcessingResult:
        """Processes a CSV file: one flat record per row, values as strings, null
        markers (``null_values``) as None."""
        engine = self._engine(entity_name, extract_time, keep_null_fields=True)
        if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
            # Read in Rust (gzip/zstd detected); other encodings go through Python's csv.
            engine.push_file(str(file_path), "csv", {
                "delimiter": delimiter, "has_header": has_header, "null_values": null_values,
                "sanitize_column_names": sanitize_column_names, "skip_rows": skip_rows,
                "quote_char": quote_char,
            })
        else:
            engine.push_records(_csv_records(str(file_path), delimiter, has_header, null_values,
                                             sanitize_column_names, skip_rows, quote_char, encoding))
        return self._result(engine, entity_name, {"file_path": str(file_path)})

    @_processing_errors
    def process_to_format(self, data: Any, entity_name: str, output_format: str,
                          output_path: Optional[str] = None, extract_time: Any = None,
                          auto_detect_mode: bool = True, **format_options: Any) -> ProcessingResult:
        result = self.process(data, entity_name, extract_time)
        if output_path is not None:
            result.write(output_format, output_path, **format_options)
        return result

    @_processing_errors
    def process_file_to_format(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                               output_path: Optional[str] = None, extract_time: Any = None,
                               **format_options: Any) -> ProcessingResult:
        result = self.process_file(file_path, entity_name, extract_time)
        if output_path is not None:
            result.write(output_format, output_path, **format_options)
        return result

    # -- streaming -------------------------------------------------------------------
    @_processing_errors
    def stream_process(self, data: Any, entity_name: str, output_format: str, output_destination: Any,
                       extract_time: Any = None, **format_options: Any) -> None:
        """Processes ``data`` and writes every table through a streaming writer,
        ``batch_size`` records at a time; columns first seen late are kept."""
        from ..io import create_streaming_writer

        batch_size = format_options.pop("batch_size", None) or self.config.processing.batch_size
        format_options.pop("use_deterministic_ids", None)
        writer = create_streaming_writer(output_format, destination=output_destination,
                                         entity_name=entity_name, **format_options)
        engine = self._engine(entity_name, extract_time)
        with writer:
            native_sink = getattr(writer, "_sink", None)
            for chunk in _chunks(self, data, batch_size):
                if isinstance(chunk, str) and native_sink is not None:
                    # A file straight into the Rust writer. Rows are handed over every
                    # 10 000 records at least: the files are the same for any hand-over
                    # size (row groups are cut by row_group_size), tiny hand-overs only
                    # cost time, and memory stays bounded either way.
                    every = max(batch_size, 10000)
                    engine.push_file(chunk, "auto", None, native_sink, writer._main_stem, every)
                    writer._note_tables(engine)
                    continue
                if isinstance(chunk, str):
                    engine.push_file(chunk, "auto")
                else:
                    engine.push_records(chunk)
                writer._write_native(engine.take_batches(), entity_name)

    @_processing_errors
    def stream_process_file(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                            output_destination: Any = None, extract_time: Any = None,
                            **format_options: Any) -> None:
        if not os.path.isfile(str(file_path)):
            raise FileError(f"File not found: {file_path}", str(file_path), "read")
        self.stream_process(str(file_path), entity_name, output_format, output_destination,
                            extract_time, **format_options)

    @_processing_errors
    def stream_process_csv(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                           output_destination: Any, extract_time: Any = None, delimiter: Optional[str] = None,
                           has_header: bool = True, null_values: Optional[List[str]] = None,
                           sanitize_column_names: bool = True, infer_types: bool = True, skip_rows: int = 0,
                           quote_char: Optional[str] = None, encoding: str = "utf-8",
                           **format_options: Any) -> None:
        records = _csv_records(str(file_path), delimiter, has_header, null_values,
                               sanitize_column_names, skip_rows, quote_char, encoding)
        self.stream_process(records, entity_name, output_format, output_destination, extract_time,
                            **format_options)

    @_processing_errors
    def stream_process_file_with_format(self, file_path: Union[str, Path], entity_name: str,
                                        output_format: str, format_type: str = "auto",
                                        output_destination: Any = None, extract_time: Any = None,
                                        **format_options: Any) -> None:
        if format_type == "csv":
            self.stream_process_csv(file_path, entity_name, output_format, output_destination,
                                    extract_time, **format_options)
        else:
            self.stream_process_file(file_path, entity_name, output_format, output_destination,
                                     extract_time, **format_options)


def _chunks(processor: Processor, data: Any, size: int) -> Iterator[Any]:
    """Yields lists of records (or a file path once, for the engine to read)."""
    if isinstance(data, (str, Path)) and _is_path(data):
        yield str(data)
        return
    if isinstance(data, dict):
        yield [data]
        return
    if isinstance(data, (bytes, str)) or hasattr(data, "read"):
        text = data.read() if hasattr(data, "read") else data
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        stripped = text.lstrip()
        if stripped.startswith("["):
            data = json.loads(text)
        elif stripped.startswith("{") and "\n" in stripped.strip():
            data = (json.loads(line) for line in text.splitlines() if line.strip())
        elif stripped.startswith("{"):
            data = [json.loads(text)]
        else:
            raise ConfigurationError("Unsupported data: a string must be a file path or JSON text", "data")
    chunk: List[Any] = []
    for record in data:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sanitize_header(name: str) -> str:
    from ..naming import sanitize_name

    return sanitize_name(name)


def _csv_records(path: str, delimiter: Optional[str], has_header: bool, null_values: Optional[List[str]],
                 sanitize: bool, skip_rows: int, quote_char: Optional[str], encoding: str) -> Iterator[Dict[str, Any]]:
    nulls = set(_CSV_NULLS if null_values is None else null_values)
    try:
        fh = open(path, newline="", encoding=encoding)
    except OSError as exc:
        raise FileError(str(exc), path, "read") from exc
    with fh:
        for _ in range(skip_rows):
            fh.readline()
        sample = fh.read(65536)
        fh.seek(0)
        for _ in range(skip_rows):
            fh.readline()
        if delimiter is None:
            try:
                delimiter = _csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
            except _csv.Error:
                delimiter = ","
        reader = _csv.reader(fh, delimiter=delimiter, quotechar=quote_char or '"')
        header: Optional[List[str]] = None
        for n, row in enumerate(reader):
            if header is None:
                if has_header:
                    header = [_sanitize_header(h) if sanitize else h for h in row]
                    continue
                header = [f"column_{i + 1}" for i in range(len(row))]
            if len(row) > len(header):
                header = header + [f"column_{i + 1}" for i in range(len(header), len(row))]
            yield {h: (None if v in nulls else v) for h, v in zip(header, row)}


def _apply_custom_ids(result: ProcessingResult, config: TransmogConfig) -> None:
    """1.0.6's ``id_generation_strategy``: id = str(fn(row without metadata)), random on
    failure; parent ids follow."""
    fn = config.metadata.id_generation_strategy
    m = config.metadata
    meta = {m.id_field, m.parent_field, m.time_field, "__array_field", "__array_index"}
    mapping: Dict[str, str] = {}

    def fix(rows: List[Dict[str, Any]]) -> None:
        for row in rows:
            data = {k: v for k, v in row.items() if k not in meta}
            try:
                new = str(fn(data))
            except Exception:  # noqa: BLE001 - 1.0.6 falls back to a random id
                new = str(uuid.uuid4())
            old = row.get(m.id_field)
            if old is not None:
                mapping[old] = new
            row[m.id_field] = new
            if m.parent_field in row:
                row[m.parent_field] = mapping.get(row[m.parent_field], row[m.parent_field])

    fix(result.main_table)
    for name in result.get_table_names():
        fix(result.get_child_table(name))
    result._python_rows = True
