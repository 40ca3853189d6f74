"""The runs behind the entry points: feeding any data source to an engine, and the whole
runs that ``Processor``, the strategies (``.strategy``) and ``.file_handling`` share.
They take the config to run with, or (``process_csv``, ``process_chunked``: the
parameters of ``.file_handling``'s, as in 1.0.6) a processor, of which they read only
the ``config``.

Below everything else of the package but ``._run`` and ``.result``: it imports neither
``transmog.process`` itself, nor ``.strategy``, ``.file_handling`` or ``.streaming``.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Union

from .. import _native
from ..config import TransmogConfig
from ..core.flattener import refresh_cache_config
from ..error import ConfigurationError, FileError, ParsingError, error_context
from . import _run
from .result import ProcessingResult

_STREAM_BLOCK = 1 << 20


class Configured:
    """All the runs read of a ``Processor``: its ``config``, set as ``Processor(config)``
    sets it (the default config for None, its cache settings copied into the global
    ``settings``). The strategies run with one in place of a ``Processor``."""

    __slots__ = ("config",)

    def __init__(self, config: Optional[TransmogConfig] = None):
        self.config = config if config is not None else TransmogConfig.default()
        configure_cache(self.config)


def configure_cache(config: Any) -> None:
    """Copies the config's cache settings into the global ``settings``, as 1.0.6's
    ``Processor()`` did (they steer only ``transmog.core.flattener``'s helpers: the
    engine has no value cache)."""
    from ..config import settings

    cache = getattr(config, "cache_config", None)
    if cache is not None:
        settings.update(cache_enabled=cache.enabled, cache_maxsize=cache.maxsize,
                        clear_cache_after_batch=cache.clear_after_batch)
        refresh_cache_config()


# -- inputs ------------------------------------------------------------------------------
def is_csv_path(path: Any) -> bool:
    """A ``.csv``/``.tsv`` name (compressed or not): the engine's rule."""
    return _native.input_kind(os.fspath(path)) in ("csv", "tsv")


def is_file(data: Any) -> bool:
    return isinstance(data, Path) or (isinstance(data, str) and os.path.isfile(data))


def _file_format(path: str, input_format: str = "auto") -> str:
    """The layout to read a file with: as asked, else the engine decides from the name
    (``.jsonl``/``.ndjson``/``.ldjson``) and the first byte."""
    if input_format in ("jsonl", "ndjson"):
        return "jsonl"
    if input_format == "json":
        return "json"
    return "auto"


def feed_text(engine: Any, text: Union[str, bytes]) -> None:
    """JSON text: one document (an object or an array of objects), or JSON Lines."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text).decode("utf-8")
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
        # As JSON Lines named "<text>": errors name the line, ids are the text's own.
        engine.push_bytes(text.encode("utf-8"), "jsonl", "<text>")


def feed_stream(engine: Any, stream: Any, input_format: str = "auto") -> Dict[str, Any]:
    """An open file: its path when it is a whole regular file still at its start (the
    engine streams it), else its content copied block by block to a temporary file the
    engine streams from, so the input is never held whole in memory."""
    name = getattr(stream, "name", None)
    if isinstance(name, str) and os.path.isfile(name) and getattr(stream, "tell", lambda: -1)() == 0:
        engine.push_file(name, _file_format(name, input_format))
        return {"file_path": name}
    binary = isinstance(stream.read(0), (bytes, bytearray))
    fd, tmp = tempfile.mkstemp(prefix="transmog-", suffix=".jsonl" if input_format == "jsonl" else ".json")
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                block = stream.read(_STREAM_BLOCK)
                if not block:
                    break
                out.write(block if binary else block.encode("utf-8"))
        # Named, and ids made, as the stream, not as the scratch copy.
        engine.push_file(tmp, _file_format(tmp, input_format), None, None, None, 10000,
                         str(name) if name is not None else "<stream>", "")
    finally:
        os.unlink(tmp)
    return {}


def feed_records(engine: Any, records: Iterable[Any], config: Any, entity_name: str,
                 chunk_size: Optional[int] = None) -> None:
    """Records (dicts; see ``_run.records`` for anything else). With ``chunk_size`` an
    iterable is consumed that many records at a time: no more are held at once. A list
    of dicts, already in memory, goes to the engine whole (one pass on all cores)."""
    if _native.all_dicts(records):
        engine.push_records(records)
        return
    rows = _run.records(records, config, entity_name)
    if not chunk_size:
        engine.push_records(rows)
        return
    while True:
        chunk = list(itertools.islice(rows, chunk_size))
        if not chunk:
            return
        engine.push_records(chunk)
        del chunk


def feed(engine: Any, data: Any, config: Any, entity_name: str, chunk_size: Optional[int] = None,
         input_format: str = "auto") -> Dict[str, Any]:
    """Feeds any supported data source; returns source info."""
    if isinstance(data, dict):
        feed_records(engine, [data], config, entity_name)
        return {}
    if isinstance(data, (list, tuple)):
        feed_records(engine, data, config, entity_name, chunk_size)
        return {}
    if is_file(data):
        path = str(data)
        if is_csv_path(path) or input_format == "csv":
            raise ConfigurationError("CSV input goes through process_csv", "data", path)
        engine.push_file(path, _file_format(path, input_format))
        return {"file_path": path}
    if isinstance(data, (str, bytes, bytearray, memoryview)):
        feed_text(engine, data)
        return {}
    if hasattr(data, "read"):
        return feed_stream(engine, data, input_format)
    if isinstance(data, Iterable):
        feed_records(engine, data, config, entity_name, chunk_size)
        return {}
    raise ConfigurationError(f"Unsupported data type: {type(data).__name__}", "data", type(data).__name__)


# -- runs --------------------------------------------------------------------------------
@error_context("Failed to process data", log_exceptions=False)
def process_data(config: Any, data: Any, entity_name: str, extract_time: Optional[Any] = None
                 ) -> ProcessingResult:
    """``Processor.process``'s work on anything but a file path (what ``InMemoryStrategy``
    runs). Rows of in-memory dicts are stamped with a tz-aware UTC ``datetime``, as in
    1.0.6."""
    if data is None or isinstance(data, (int, float, bool)):
        raise ConfigurationError(f"Unsupported data type: {type(data).__name__}", "data")
    stamp = _run.Stamp(extract_time, in_memory=isinstance(data, (dict, list, tuple)))
    engine = _run.new_engine(config, entity_name, stamp)
    info = feed(engine, data, config, entity_name)
    return _run.finish(config, engine, entity_name, stamp, info)


@error_context("Failed to process file", log_exceptions=False)
def _read_file(config: Any, file_path: str, entity_name: str, extract_time: Optional[Any] = None
               ) -> ProcessingResult:
    """``process_file``'s work for ``config`` (what ``FileStrategy`` runs)."""
    path = str(file_path)
    if not os.path.isfile(path):
        raise FileError(f"File not found: {path}", path, "read")
    if is_csv_path(path):
        return _read_csv(config, path, entity_name, extract_time)
    return _read_files(config, [path], entity_name, extract_time)


def _read_files(config: Any, paths: List[str], entity_name: str, extract_time: Optional[Any]
                ) -> ProcessingResult:
    """JSON / JSON Lines files, in order, as one run."""
    for path in paths:
        if not os.path.isfile(path):
            raise FileError(f"File not found: {path}", path, "read")
        if is_csv_path(path) and len(paths) > 1:
            raise ConfigurationError("several files in one run must be JSON or JSON Lines", "file_path", path)
    if len(paths) == 1 and is_csv_path(paths[0]):
        return _read_csv(config, paths[0], entity_name, extract_time)
    # 1.0.6 stamps a JSON file's rows like process() (a datetime), JSON Lines with text.
    stamp = _run.Stamp(extract_time, in_memory=_native.input_kind(paths[0]) != "jsonl")
    engine = _run.new_engine(config, entity_name, stamp)
    for path in paths:
        engine.push_file(path, _file_format(path))
    info = {"file_path": paths[0] if len(paths) == 1 else paths}
    return _run.finish(config, engine, entity_name, stamp, info)


@error_context("Failed to process CSV file", log_exceptions=False)
def _read_csv(config: Any, file_path: str, entity_name: str, extract_time: Optional[Any] = None,
             delimiter: Optional[str] = None, has_header: bool = True, null_values: Optional[List[str]] = None,
             sanitize_column_names: bool = True, infer_types: bool = True, skip_rows: int = 0,
             quote_char: Optional[str] = None, encoding: str = "utf-8", chunk_size: Optional[int] = None,
             date_format: Optional[str] = None) -> ProcessingResult:
    """``process_csv``'s work for ``config`` (what ``CSVStrategy`` runs)."""
    path = str(file_path)
    if not os.path.isfile(path):
        raise FileError(f"File not found: {path}", path, "read")
    stamp = _run.Stamp(extract_time)
    engine = _run.new_engine(config, entity_name, stamp, keep_null_fields=True)
    from ..io.readers.csv import CSVReader, utf8_path

    # The reader's settings and defaults (1.0.6's: `,` unless given one, no guessing;
    # tabs for .tsv), read by the engine's CSV reader.
    reader = CSVReader(delimiter=delimiter, has_header=has_header, null_values=null_values,
                       sanitize_column_names=sanitize_column_names, infer_types=infer_types,
                       skip_rows=skip_rows, quote_char=quote_char, encoding=encoding,
                       cast_to_string=config.processing.cast_to_string, date_format=date_format)
    with utf8_path(path, encoding) as readable:
        # A copy (other encodings) is still named, and its ids made, as the file itself.
        engine.push_file(readable, "csv", reader.engine_options(path), None, None,
                         chunk_size or config.processing.batch_size, path, _native.origin_name(path))
    return _run.finish(config, engine, entity_name, stamp, {"file_path": path})


# The two functions below are ``file_handling.process_csv`` / ``process_chunked`` (same
# parameters, same errors) without the strategies: they take the processor, or a
# ``Configured``, and read only its ``config``.
@error_context("Failed to process CSV file", log_exceptions=False)
def process_csv(processor: Any, file_path: str, entity_name: str, extract_time: Optional[Any] = None,
                delimiter: Optional[str] = None, has_header: bool = True, null_values: Optional[List[str]] = None,
                sanitize_column_names: bool = True, infer_types: bool = True, skip_rows: int = 0,
                quote_char: Optional[str] = None, encoding: str = "utf-8", chunk_size: Optional[int] = None,
                date_format: Optional[str] = None) -> ProcessingResult:
    """A CSV file (the CSV branch of ``process_chunked``; see ``file_handling.process_csv``)."""
    return _read_csv(processor.config, str(file_path), entity_name, extract_time, delimiter, has_header,
                     null_values, sanitize_column_names, infer_types, skip_rows, quote_char, encoding, chunk_size,
                     date_format)


@error_context("Failed to process in chunks", log_exceptions=False)
def process_chunked(processor: Any, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                    chunk_size: Optional[int] = None, input_format: str = "auto",
                    **format_options: Any) -> ProcessingResult:
    """``chunk_size`` records at a time (default ``config.processing.batch_size``); CSV
    files through ``process_csv`` with ``format_options``, which are refused for any
    other input (see ``file_handling.process_chunked``; what ``BatchStrategy`` and
    ``ChunkedStrategy`` run)."""
    config = processor.config
    size = chunk_size or config.processing.batch_size
    if size <= 0:
        raise ConfigurationError("chunk_size must be positive", "chunk_size", chunk_size)
    if input_format not in ("auto", "json", "jsonl", "ndjson", "csv"):
        raise ConfigurationError(f"Unsupported input format: {input_format}", "input_format", input_format)
    if is_file(data) and (is_csv_path(data) or input_format == "csv"):
        return process_csv(processor, str(data), entity_name, extract_time, chunk_size=size, **format_options)
    if format_options:
        raise ConfigurationError(f"options {sorted(format_options)} apply to CSV input only", "format_options",
                                 sorted(format_options))
    stamp = _run.Stamp(extract_time)
    engine = _run.new_engine(config, entity_name, stamp)
    info = feed(engine, data, config, entity_name, size, input_format)
    return _run.finish(config, engine, entity_name, stamp, info)
