"""File and chunked entry points (1.0.6's ``transmog.process.file_handling``): each
takes the ``Processor`` first, as in 1.0.6, and reads only its ``config``; ``Processor``'s
methods call them. The runs themselves, and feeding data to the engine, are
``._drive``'s (the strategies run them too); their names are kept here."""

from __future__ import annotations

import os
from typing import Any, List, Optional

from ..error import FileError, error_context, logger
from . import _drive, streaming
# (also importable from here, where they were defined before ``._drive``)
from ._drive import (_file_format, _read_csv, _read_file, _read_files, feed, feed_records, feed_stream, feed_text,
                     is_csv_path, is_file)
from .result import ProcessingResult
from .strategy import CSVStrategy, FileStrategy

__all__ = ["process_file", "process_file_to_format", "detect_input_format", "process_csv", "process_chunked",
           "ProcessingResult", "CSVStrategy", "FileStrategy", "error_context", "logger"]


def detect_input_format(file_path: str) -> str:
    """``jsonl`` (.jsonl/.ndjson), ``csv`` or ``json``, from the extension."""
    ext = os.path.splitext(file_path)[1].lower()
    return "jsonl" if ext in (".jsonl", ".ndjson") else "csv" if ext == ".csv" else "json"


@error_context("Failed to process file", log_exceptions=False)
def process_file(processor: Any, file_path: Any, entity_name: str, extract_time: Optional[Any] = None
                 ) -> ProcessingResult:
    """A JSON, JSON Lines (also .gz/.zst) or CSV file, by extension. A JSON file's rows
    get the ``datetime`` timestamp ``process()`` gives, the others the text timestamp
    (as in 1.0.6). As in 1.0.6 the work is done by a ``CSVStrategy`` (CSV) or a
    ``FileStrategy`` built from ``processor.config``. Not in 1.0.6: a list of JSON /
    JSON Lines paths is one run over all of them, named once (as ``transmog convert``
    with several inputs)."""
    if isinstance(file_path, (list, tuple)):
        return _read_files(processor.config, [str(p) for p in file_path], entity_name, extract_time)
    path = str(file_path)
    if not os.path.isfile(path):
        raise FileError(f"File not found: {path}", path, "read")
    strategy = CSVStrategy if is_csv_path(path) else FileStrategy
    return strategy(processor.config).process(path, entity_name=entity_name, extract_time=extract_time)


@error_context("Failed to process file to format", log_exceptions=False)
def process_file_to_format(processor: Any, file_path: str, entity_name: str, output_format: str,
                           output_path: Optional[str] = None, extract_time: Optional[Any] = None,
                           **format_options: Any) -> ProcessingResult:
    """``process_file`` then ``result.write(output_format, output_path)``. Like 1.0.6, a
    file over 100 MiB is streamed straight to ``output_path`` instead, and the returned
    result is empty (``source_info["streaming"]`` is True)."""
    path = str(file_path)
    if output_path and os.path.isfile(path) and os.path.getsize(path) > 100 * 1024 * 1024:
        os.makedirs(output_path, exist_ok=True)
        streaming.stream_process_file_with_format(processor, path, entity_name, output_format,
                                                  detect_input_format(path), output_path, extract_time,
                                                  **format_options)
        return ProcessingResult([], {}, entity_name, {"file_path": path, "streaming": True})
    result = process_file(processor, path, entity_name, extract_time)
    if output_path:
        os.makedirs(output_path, exist_ok=True)
        result.write(output_format, output_path, **format_options)
    return result


@error_context("Failed to process CSV file", log_exceptions=False)
def process_csv(processor: Any, file_path: str, entity_name: str, extract_time: Optional[Any] = None,
                delimiter: Optional[str] = None, has_header: bool = True, null_values: Optional[List[str]] = None,
                sanitize_column_names: bool = True, infer_types: bool = True, skip_rows: int = 0,
                quote_char: Optional[str] = None, encoding: str = "utf-8", chunk_size: Optional[int] = None,
                date_format: Optional[str] = None) -> ProcessingResult:
    """A CSV file: one flat record per row; values in ``null_values`` become None (kept
    as null fields). With ``cast_to_string=False`` in the config, ``infer_types`` turns
    numbers and booleans into Python values (1.0.6 left every value text here); with
    ``cast_to_string=True`` every value is text. ``chunk_size`` rows are read at a time.
    ``date_format`` parses nothing, as in 1.0.6. As in 1.0.6 the work is done by a
    ``CSVStrategy`` built from ``processor.config``."""
    return CSVStrategy(processor.config).process(
        str(file_path), entity_name=entity_name, extract_time=extract_time, delimiter=delimiter,
        has_header=has_header, null_values=null_values, sanitize_column_names=sanitize_column_names,
        infer_types=infer_types, skip_rows=skip_rows, quote_char=quote_char, encoding=encoding,
        chunk_size=chunk_size, date_format=date_format)


@error_context("Failed to process in chunks", log_exceptions=False)
def process_chunked(processor: Any, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                    chunk_size: Optional[int] = None, input_format: str = "auto",
                    **format_options: Any) -> ProcessingResult:
    """A large source ``chunk_size`` records at a time (default
    ``config.processing.batch_size``): a list, any iterable or generator of dicts (never
    held whole), a file path or an open file (streamed), JSON / JSON Lines text.
    ``input_format`` (auto, json, jsonl, csv) names the format of a file or text;
    ``format_options`` are ``process_csv``'s options for CSV and are refused otherwise.
    (``._drive.process_chunked`` does the work: the strategies run it too.)"""
    return _drive.process_chunked(processor, data, entity_name, extract_time, chunk_size, input_format,
                                  **format_options)
