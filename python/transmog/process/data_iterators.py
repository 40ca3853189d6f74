"""Record iterators over in-memory data and files (1.0.6's
``transmog.process.data_iterators``): they parse and yield the records as they are
(no flattening)."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterator, List, Optional, Union

from .. import _native
from ..error import FileError, ParsingError, ProcessingError, ValidationError, logger, safe_json_loads

__all__ = ["get_data_iterator", "get_json_file_iterator", "get_json_data_iterator", "get_jsonl_file_iterator",
           "get_jsonl_data_iterator", "get_csv_file_iterator", "safe_json_loads", "FileError", "ParsingError",
           "ProcessingError", "ValidationError", "logger"]


def _is_iterator(data: Any) -> bool:
    return hasattr(data, "__iter__") and hasattr(data, "__next__") and not isinstance(data, (list, dict, str, bytes))


def _looks_like_jsonl(sample: str) -> bool:
    return "\n" in sample and any(line.strip().startswith("{") for line in sample.split("\n") if line.strip())


def get_data_iterator(processor: Any, data: Union[Dict[str, Any], List[Dict[str, Any]], str, bytes, Iterator],
                      input_format: str = "auto") -> Iterator[Dict[str, Any]]:
    """Records of ``data``: an iterator as it is, a file path by extension (or
    ``input_format``: json, jsonl/ndjson, csv), a dict or list, or JSON / JSON Lines text
    (JSON Lines when the first 1000 characters hold a line starting with ``{`` and a
    newline)."""
    if _is_iterator(data):
        return data
    if isinstance(data, str) and os.path.exists(data):
        fmt = input_format
        if fmt == "auto":
            # The engine's rule (compressed names, .ldjson and .tsv included).
            kind = _native.input_kind(data)
            fmt = "csv" if kind in ("csv", "tsv") else kind or "json"
        if fmt == "json":
            return get_json_file_iterator(data)
        if fmt in ("jsonl", "ndjson"):
            return get_jsonl_file_iterator(processor, data)
        if fmt == "csv":
            return get_csv_file_iterator(processor, data)
        raise ValueError(f"Unsupported input format: {input_format}")
    if input_format == "auto":
        if isinstance(data, (dict, list)):
            return get_json_data_iterator(data)
        if isinstance(data, (str, bytes)):
            sample = data[:1000].decode("utf-8", errors="ignore") if isinstance(data, bytes) else data[:1000]
            if _looks_like_jsonl(sample):
                return get_jsonl_data_iterator(processor, data)
            return get_json_data_iterator(data)
        raise ValidationError(f"Unsupported data type: {type(data)}")
    if input_format == "json":
        if isinstance(data, (dict, list, str, bytes)):
            return get_json_data_iterator(data)
        raise ValidationError(f"Unsupported data type for JSON: {type(data)}")
    if input_format in ("jsonl", "ndjson"):
        if isinstance(data, (str, bytes)):
            return get_jsonl_data_iterator(processor, data)
        raise ValidationError("JSONL data must be a string or bytes")
    raise ValueError(f"Unsupported input format: {input_format}")


def get_json_file_iterator(file_path: str) -> Iterator[Dict[str, Any]]:
    """Records of a JSON file: the object, or the items of the array."""
    if not os.path.exists(file_path):
        raise FileError(f"File not found: {file_path}", file_path, "read")
    try:
        with open(file_path, encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise ParsingError(f"Invalid JSON in file {file_path}: {exc}", file_path, exc.lineno) from exc
    except OSError as exc:
        raise FileError(f"Error reading file {file_path}: {exc}", file_path, "read") from exc
    if isinstance(data, dict):
        yield data
    elif isinstance(data, list):
        yield from data
    else:
        raise ParsingError(f"Expected dict or list from JSON file, got {type(data).__name__}", file_path)


def get_json_data_iterator(data: Union[Dict[str, Any], List[Dict[str, Any]], str, bytes]) -> Iterator[Dict[str, Any]]:
    """Records of a dict, a list, or JSON text holding one of them."""
    if isinstance(data, (str, bytes)):
        try:
            data = safe_json_loads(data)
        except ParsingError as exc:
            logger.error(f"Failed to parse JSON data: {exc}")
            raise ProcessingError("Failed to parse JSON data") from exc
    if isinstance(data, dict):
        yield data
    elif isinstance(data, list):
        yield from data
    else:
        raise ValidationError("Data must be a dict, list of dicts, or valid JSON",
                              errors={"data": f"got {type(data).__name__}, expected list or dict"})


def _strict(processor: Any) -> bool:
    """Whether the processor's recovery strategy is strict: a strategy object that says
    so itself (``is_strict()``, which 1.0.6 called), else by name or class."""
    from ..config import _strategy_name

    handling = getattr(getattr(processor, "config", None), "error_handling", None)
    strategy = getattr(handling, "recovery_strategy", None)
    if strategy is None:
        return True
    is_strict = getattr(strategy, "is_strict", None)
    if callable(is_strict):
        return bool(is_strict())
    return _strategy_name(strategy) == "strict"


def _jsonl_records(processor: Any, lines: Iterator[str], source: Optional[str]) -> Iterator[Dict[str, Any]]:
    """Parsed lines; a bad line is a ``ParsingError`` under ``strict``, skipped (with a
    warning) under the other strategies (1.0.6 crashed on it in every mode)."""
    strict = _strict(processor)
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            where = f"in file {source} " if source else ""
            logger.warning(f"Invalid JSON on line {number}: {exc}")
            if strict:
                raise ParsingError(f"Invalid JSON {where}at line {number}: {exc}", source, number) from exc


def get_jsonl_file_iterator(processor: Any, file_path: str) -> Iterator[Dict[str, Any]]:
    """Records of a JSON Lines file, one line at a time (blank lines ignored)."""
    if not os.path.exists(file_path):
        raise FileError(f"File not found: {file_path}", file_path, "read")
    try:
        with open(file_path, encoding="utf-8") as fh:
            yield from _jsonl_records(processor, fh, file_path)
    except OSError as exc:
        raise FileError(f"Error processing JSONL file {file_path}: {exc}", file_path, "read") from exc


def get_jsonl_data_iterator(processor: Any, data: Union[str, bytes]) -> Iterator[Dict[str, Any]]:
    """Records of JSON Lines text."""
    if not isinstance(data, (str, bytes)):
        raise ValidationError("JSONL data must be a string or bytes")
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    yield from _jsonl_records(processor, iter(data.strip().split("\n")), None)


def get_csv_file_iterator(processor: Any, file_path: str, delimiter: Optional[str] = None, has_header: bool = True,
                          null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                          infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                          encoding: str = "utf-8", date_format: Optional[str] = None) -> Iterator[Dict[str, Any]]:
    """Rows of a CSV file as dicts (``CSVReader``; ``cast_to_string`` from the
    processor's config)."""
    from ..io.readers.csv import CSVReader

    if not os.path.exists(file_path):
        raise FileError(f"File not found: {file_path}", file_path, "read")
    reader = CSVReader(delimiter=delimiter, has_header=has_header, null_values=null_values,
                       sanitize_column_names=sanitize_column_names, infer_types=infer_types, skip_rows=skip_rows,
                       quote_char=quote_char, encoding=encoding,
                       cast_to_string=processor.config.processing.cast_to_string, date_format=date_format)
    try:
        yield from reader.read_records(file_path)
    except (ProcessingError, FileError, ParsingError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise FileError(f"Error reading CSV file {file_path}: {exc}", file_path, "read") from exc
