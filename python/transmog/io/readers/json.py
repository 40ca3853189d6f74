"""JSON and JSON Lines readers (1.0.6's ``transmog.io.readers.json``): parsed records,
not flattened. Numbers keep Python's ``json`` types (exact big integers)."""

from __future__ import annotations

import json as _json
import logging
import os
from importlib.util import find_spec
from typing import Any, Dict, Iterator, List, Optional, Union

__all__ = ["JsonReader", "JsonlReader", "read_json_file", "read_jsonl_file", "detect_json_format",
           "parse_json_data", "read_json_stream", "ORJSON_AVAILABLE", "logger"]

logger = logging.getLogger(__name__)

#: Whether orjson is installed (these readers use the standard ``json`` module either way).
ORJSON_AVAILABLE = find_spec("orjson") is not None


def _require_file(file_path: str) -> None:
    if not os.path.exists(file_path):
        raise FileNotFoundError(f"File not found: {file_path}")


def _jsonl(lines: Any, where: str) -> Iterator[Dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            yield _json.loads(line)
        except _json.JSONDecodeError as exc:
            raise _json.JSONDecodeError(f"Invalid JSON {where.format(number)}: {exc.msg}", exc.doc,
                                        exc.pos) from exc


def read_json_file(file_path: str) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
    """The parsed content of a JSON file (``FileNotFoundError`` when missing)."""
    _require_file(file_path)
    with open(file_path, "rb") as fh:
        return _json.loads(fh.read())


def read_jsonl_file(file_path: str) -> List[Dict[str, Any]]:
    """The records of a JSON Lines file (blank lines ignored; a bad line raises
    ``json.JSONDecodeError`` naming it)."""
    _require_file(file_path)
    with open(file_path, encoding="utf-8") as fh:
        return list(_jsonl(fh, "on line {}"))


def detect_json_format(content: str) -> str:
    """``"jsonl"`` when at least two of the first five non-empty lines look like objects,
    else ``"json"``."""
    content = content.strip()
    if "\n" in content:
        lines = [line.strip() for line in content.split("\n") if line.strip()][:5]
        if sum(1 for line in lines if line.startswith("{") and "}" in line) >= 2:
            return "jsonl"
    return "json"


def parse_json_data(data: Union[str, bytes], format_hint: Optional[str] = None
                    ) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
    """JSON text (``format_hint="json"``) or JSON Lines text (``"jsonl"``; detected when
    not given) parsed."""
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8")
    if not format_hint:
        format_hint = detect_json_format(data)
    if format_hint == "jsonl":
        return list(_jsonl(data.split("\n"), "on line {}"))
    try:
        return _json.loads(data)
    except _json.JSONDecodeError as exc:
        raise _json.JSONDecodeError(f"Invalid JSON: {exc.msg}", exc.doc, exc.pos) from exc


def read_json_stream(file_path: str, chunk_size: int = 100, buffer_size: int = 8192) -> Iterator[List[Dict[str, Any]]]:
    """Lists of at most ``chunk_size`` records: a JSON Lines file is read line by line
    (format detected from its first 1024 characters), a JSON file parsed whole.
    ``buffer_size`` is the read buffer of the line reader."""
    _require_file(file_path)
    with open(file_path, encoding="utf-8") as fh:
        kind = detect_json_format(fh.read(1024))
    if kind == "jsonl":
        with open(file_path, encoding="utf-8", buffering=max(buffer_size, 1)) as fh:
            chunk: List[Dict[str, Any]] = []
            for record in _jsonl(fh, f"in file {file_path} (line {{}})"):
                chunk.append(record)
                if len(chunk) >= chunk_size:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
        return
    content = read_json_file(file_path)
    records = [content] if isinstance(content, dict) else content
    for start in range(0, len(records), chunk_size):
        yield records[start:start + chunk_size]


class JsonReader:
    """Reads JSON files and text."""

    def __init__(self) -> None:
        pass

    def read_file(self, file_path: str) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        return read_json_file(file_path)

    def read_stream(self, file_path: str, chunk_size: int = 100) -> Iterator[List[Dict[str, Any]]]:
        yield from read_json_stream(file_path, chunk_size=chunk_size)

    def parse_data(self, data: Union[str, bytes]) -> Union[Dict[str, Any], List[Dict[str, Any]]]:
        return parse_json_data(data, format_hint="json")


class JsonlReader:
    """Reads JSON Lines files and text."""

    def __init__(self) -> None:
        pass

    def read_file(self, file_path: str) -> List[Dict[str, Any]]:
        return read_jsonl_file(file_path)

    def read_stream(self, file_path: str, chunk_size: int = 100) -> Iterator[List[Dict[str, Any]]]:
        yield from read_json_stream(file_path, chunk_size=chunk_size)

    def parse_data(self, data: Union[str, bytes]) -> List[Dict[str, Any]]:
        result = parse_json_data(data, format_hint="jsonl")
        return [result] if isinstance(result, dict) else result
