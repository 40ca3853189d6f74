"""Streaming entry points (1.0.6's ``transmog.process.streaming``): records are
flattened ``batch_size`` at a time and every table goes to a streaming writer."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from ..error import ConfigurationError, FileError, error_context
from ..io.writer_factory import create_streaming_writer
from ..io.writer_interface import StreamingWriterProtocol
from ..types.base import JsonDict
from . import _run
from ._drive import is_csv_path, is_file
from .data_iterators import (get_csv_file_iterator, get_data_iterator, get_json_file_iterator,
                             get_jsonl_file_iterator)
from .result import ProcessingResult
from .utils import get_batch_size, get_common_config_params, get_current_timestamp, handle_file_error

__all__ = ["stream_process", "stream_process_file", "stream_process_csv", "stream_process_file_with_format",
           "JsonDict", "StreamingWriterProtocol", "create_streaming_writer", "error_context", "get_batch_size",
           "get_common_config_params", "get_csv_file_iterator", "get_current_timestamp", "get_data_iterator",
           "get_json_file_iterator", "get_jsonl_file_iterator", "handle_file_error", "FileError"]


def _chunks(data: Any, size: int) -> Iterator[Any]:
    """Lists of at most ``size`` records (or a file path once, for the engine to read)."""
    if is_file(data):
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
        if not stripped.startswith(("[", "{")):
            raise ConfigurationError("Unsupported data: a string must be a file path or JSON text", "data")
        try:
            # One document (pretty-printed ones included) ...
            doc = json.loads(text)
            data = doc if isinstance(doc, list) else [doc]
        except ValueError:
            # ... else JSON Lines.
            if not stripped.startswith("{") or "\n" not in stripped.strip():
                raise
            data = (json.loads(line) for line in text.splitlines() if line.strip())
    chunk: List[Any] = []
    for record in data:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _get_streaming_params(processor: Any, extract_time: Optional[Any] = None,
                          use_deterministic_ids: Optional[bool] = None) -> Dict[str, Any]:
    """1.0.6's streaming options of a processor (its own tests call this helper):
    ``get_common_config_params`` plus ``use_deterministic_ids`` when given."""
    params = get_common_config_params(processor, extract_time)
    if use_deterministic_ids is not None:
        params["use_deterministic_ids"] = use_deterministic_ids
    return params


@error_context("Failed to stream process", log_exceptions=False)
def stream_process(processor: Any, data: Any, entity_name: str, output_format: str,
                   output_destination: Optional[Any] = None, extract_time: Optional[Any] = None,
                   batch_size: Optional[int] = None, use_deterministic_ids: bool = False,
                   **format_options: Any) -> None:
    """Flattens ``data`` ``batch_size`` records at a time (default
    ``config.processing.batch_size``) and writes every table through
    ``create_streaming_writer(output_format, destination=output_destination, ...)``;
    ``format_options`` go to the writer. Columns first seen late are kept. With
    ``use_deterministic_ids`` and no id rule in the config, ids are the deterministic ids
    of each row's ``id`` field (1.0.6 accepted the flag and did nothing)."""
    config = processor.config
    if use_deterministic_ids and config.metadata.default_id_field is None \
            and config.metadata.id_generation_strategy is None:
        config = config.with_metadata(default_id_field="id")
    size = get_batch_size(config, batch_size)
    writer = create_streaming_writer(output_format, destination=output_destination, entity_name=entity_name,
                                     **format_options)
    stamp = _run.Stamp(extract_time)
    engine = _run.new_engine(config, entity_name, stamp)
    # Custom ids are set from Python, so rows of a file come through Python too.
    custom = config._custom_ids()
    if custom and is_file(data):
        data = get_data_iterator(processor, str(data))
    with writer:
        native_sink = None if custom else getattr(writer, "_sink", None)
        for chunk in _chunks(data, size):
            if isinstance(chunk, str) and native_sink is not None:
                # A file straight into the Rust writer. Rows are handed over every
                # 10 000 records at least: the files are the same for any hand-over size
                # (row groups are cut by row_group_size), tiny hand-overs only cost time,
                # and memory stays bounded either way.
                engine.push_file(chunk, "auto", None, native_sink, writer._main_stem, max(size, 10000))
                writer._note_tables(engine)
                continue
            if isinstance(chunk, str):
                engine.push_file(chunk, "auto")
            else:
                engine.push_records(list(_run.records(chunk, config, entity_name)))
            if custom:
                part = ProcessingResult._from_native(engine.take_batches(), entity_name, {},
                                                     (config.metadata.time_field, stamp.text, stamp.value))
                _run.custom_ids(part, config)
                writer.write_main_records(part.get_main_table())
                for name in part.get_table_names():
                    writer.initialize_child_table(name)
                    writer.write_child_records(name, part.get_child_table(name))
            else:
                writer._write_native(engine.take_batches(), entity_name)
    _run.finish_stream(config, engine)


@error_context("Failed to stream process file", log_exceptions=False)
def stream_process_file(processor: Any, file_path: str, entity_name: str, output_format: str,
                        output_destination: Optional[Any] = None, extract_time: Optional[Any] = None,
                        **format_options: Any) -> None:
    """``stream_process`` of a JSON or JSON Lines file (CSV goes to ``stream_process_csv``)."""
    path = str(file_path)
    if not os.path.isfile(path):
        raise FileError(f"File not found: {path}", path, "read")
    if is_csv_path(path):
        stream_process_csv(processor, path, entity_name, output_format, output_destination, extract_time,
                           **format_options)
        return
    stream_process(processor, path, entity_name, output_format, output_destination, extract_time,
                   **format_options)


@error_context("Failed to stream process CSV", log_exceptions=False)
def stream_process_csv(processor: Any, file_path: str, entity_name: str, output_format: str,
                       output_destination: Optional[Any] = None, extract_time: Optional[Any] = None,
                       delimiter: Optional[str] = None, has_header: bool = True,
                       null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                       infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                       encoding: str = "utf-8", date_format: Optional[str] = None, **format_options: Any) -> None:
    """``stream_process`` of a CSV file read row by row (``CSVReader``: the config's
    ``cast_to_string`` decides whether ``infer_types`` applies)."""
    records = get_csv_file_iterator(processor, str(file_path), delimiter, has_header, null_values,
                                    sanitize_column_names, infer_types, skip_rows, quote_char, encoding, date_format)
    stream_process(processor, records, entity_name, output_format, output_destination, extract_time,
                   **format_options)


@error_context("Failed to stream process file with format", log_exceptions=False)
def stream_process_file_with_format(processor: Any, file_path: str, entity_name: str, output_format: str,
                                    format_type: str, output_destination: Optional[Any] = None,
                                    extract_time: Optional[Any] = None, use_deterministic_ids: bool = False,
                                    **format_options: Any) -> None:
    """``stream_process_file`` with the input format given: ``csv``, ``json``,
    ``jsonl``/``ndjson`` or ``auto`` (by extension)."""
    if format_type == "auto":
        format_type = "csv" if str(file_path).lower().endswith(".csv") else "json"
    if format_type == "csv":
        stream_process_csv(processor, file_path, entity_name, output_format, output_destination, extract_time,
                           use_deterministic_ids=use_deterministic_ids, **format_options)
    elif format_type in ("json", "jsonl", "ndjson"):
        stream_process_file(processor, file_path, entity_name, output_format, output_destination, extract_time,
                            use_deterministic_ids=use_deterministic_ids, **format_options)
    else:
        raise ConfigurationError(f"Unsupported format type: {format_type}", "format_type", format_type)
