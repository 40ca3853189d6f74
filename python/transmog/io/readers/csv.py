"""CSV reader (1.0.6's ``transmog.io.readers.csv``): rows as dicts, with 1.0.6's null
markers, header sanitizing and optional type inference. Rows are read by the engine's
CSV reader (``_native.CsvRows``), the one ``Processor.process_csv`` uses too; files in
other encodings or compressions than UTF-8 / gzip / zstd are copied to UTF-8 first."""

from __future__ import annotations

import bz2
import gzip
import logging
import lzma
import os
import shutil
import tempfile
from contextlib import contextmanager
from importlib.util import find_spec
from typing import Any, Dict, Iterator, List, Optional

from ... import _native
from ...config import settings
from ...error import FileError, ParsingError
from ...naming.conventions import sanitize_column_names

__all__ = ["CSVReader", "CSVImplementation", "read_csv_file", "read_csv_stream", "select_optimal_csv_reader",
           "normalize_column_names", "detect_delimiter", "sanitize_column_names", "LARGE_FILE_THRESHOLD",
           "VERY_LARGE_FILE_THRESHOLD", "PYARROW_AVAILABLE", "FileError", "ParsingError", "settings", "logger"]

logger = logging.getLogger(__name__)

#: Whether pyarrow is installed (not needed by this reader).
PYARROW_AVAILABLE = find_spec("pyarrow") is not None

LARGE_FILE_THRESHOLD = 100_000
VERY_LARGE_FILE_THRESHOLD = 1_000_000

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open}


class CSVImplementation:
    """Names of CSV reading back ends."""

    NATIVE = "native"
    POLARS = "polars"
    PYARROW = "pyarrow"


def select_optimal_csv_reader(file_path: str, cast_to_string: bool = False) -> str:
    """The back end ``CSVReader`` uses: always Python's ``csv`` module here (1.0.6 moved
    files over ~100 000 rows to polars, which inferred types on its own)."""
    return CSVImplementation.NATIVE


def _open_text(file_path: str, encoding: str) -> Any:
    opener = _OPENERS.get(os.path.splitext(file_path)[1].lower())
    if opener is None:
        return open(file_path, encoding=encoding, newline="")
    return opener(file_path, mode="rt", encoding=encoding, newline="")


def _engine_reads(file_path: str, encoding: str) -> bool:
    """UTF-8, plain or gzip/zstd: what the engine's reader reads as it is."""
    utf8 = encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")
    return utf8 and os.path.splitext(file_path)[1].lower() not in _OPENERS


@contextmanager
def utf8_path(file_path: str, encoding: str = "utf-8") -> Iterator[str]:
    """A path the engine's CSV reader can read: the file itself, or a UTF-8 copy of it
    (decoded with ``encoding``, decompressed from bz2/xz), streamed block by block."""
    if _engine_reads(file_path, encoding):
        yield file_path
        return
    fd, tmp = tempfile.mkstemp(prefix="transmog-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as dst, _open_text(file_path, encoding) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield tmp
    finally:
        os.unlink(tmp)


class CSVReader:
    """Reads CSV rows as dicts. Values in ``null_values`` become None; with
    ``cast_to_string`` (default: ``settings.cast_to_string``) every other value stays
    text, otherwise ``infer_types`` turns numbers and booleans into Python values.
    ``date_format`` is kept for compatibility: 1.0.6 parsed no dates with its default
    reader either."""

    def __init__(self, delimiter: Optional[str] = None, has_header: bool = True,
                 null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                 infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                 encoding: str = "utf-8", cast_to_string: Optional[bool] = None, date_format: Optional[str] = None):
        self.delimiter = delimiter or settings.get_option("csv_delimiter", ",")
        # A `.tsv` file is read with tabs unless a delimiter is given.
        self._delimiter_given = delimiter is not None
        self.has_header = has_header
        self.null_values = null_values or settings.get_option("csv_null_values",
                                                              ["", "NULL", "null", "NA", "na", "N/A", "n/a"])
        self.sanitize_column_names = sanitize_column_names
        self.infer_types = infer_types
        self.skip_rows = skip_rows
        self.quote_char = quote_char or settings.get_option("csv_quote_char", '"')
        self.encoding = encoding
        self.cast_to_string = cast_to_string if cast_to_string is not None else bool(
            settings.get_option("cast_to_string", False))
        self.date_format = date_format
        self.separator = settings.get_option("separator", "_")
        if self.cast_to_string:
            self.infer_types = False

    def engine_options(self, file_path: Optional[str] = None) -> Dict[str, Any]:
        """These settings as the engine's CSV options (for ``file_path``: tabs for a
        ``.tsv`` file when no delimiter was given). ``process_csv`` reads with these too."""
        delimiter = self.delimiter
        if not self._delimiter_given and file_path is not None and _native.input_kind(file_path) == "tsv":
            delimiter = "\t"
        return {"delimiter": delimiter, "has_header": self.has_header, "null_values": list(self.null_values),
                "sanitize_column_names": self.sanitize_column_names, "skip_rows": self.skip_rows,
                "quote_char": self.quote_char, "infer_types": self.infer_types and not self.cast_to_string}

    def read_records(self, file_path: str) -> Iterator[Dict[str, Any]]:
        """Rows one at a time; a short row's missing fields are empty. (1.0.6 cut long
        rows; their extra fields are kept here as ``column_N``.)"""
        if not os.path.exists(file_path):
            raise FileError(f"File not found: {file_path}", file_path, "read")
        try:
            with utf8_path(file_path, self.encoding) as path:
                empty = True
                for row in _native.CsvRows(path, self.engine_options(file_path)):
                    empty = False
                    yield row
                if empty and not _has_lines(path, self.skip_rows):
                    raise ParsingError("CSV file is empty or has no header row" if self.has_header
                                       else "CSV file is empty", file_path)
        except (FileError, ParsingError):
            raise
        except Exception as exc:  # noqa: BLE001 - 1.0.6 reports any reading failure so
            raise ParsingError(f"Failed to parse CSV file: {exc}", file_path) from exc

    def read_all(self, file_path: str) -> List[Dict[str, Any]]:
        return list(self.read_records(file_path))

    def read_in_chunks(self, file_path: str, chunk_size: int = 1000) -> Iterator[List[Dict[str, Any]]]:
        """Lists of at most ``chunk_size`` rows."""
        chunk: List[Dict[str, Any]] = []
        for record in self.read_records(file_path):
            chunk.append(record)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _has_lines(path: str, skip: int) -> bool:
    """Whether a (UTF-8, maybe gzip/zstd) file has a line after ``skip`` lines."""
    with gzip.open(path, "rt", encoding="utf-8") if _is_gzip(path) else open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= skip and line.strip():
                return True
    return False


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def read_csv_file(file_path: str, delimiter: Optional[str] = None, has_header: bool = True,
                  null_values: Optional[List[str]] = None, cast_to_string: Optional[bool] = None,
                  sanitize_column_names: bool = True, infer_types: bool = True, skip_rows: int = 0,
                  quote_char: Optional[str] = None, encoding: str = "utf-8",
                  date_format: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every row of a CSV file (see ``CSVReader``)."""
    return CSVReader(delimiter=delimiter, has_header=has_header, null_values=null_values,
                     sanitize_column_names=sanitize_column_names, infer_types=infer_types, skip_rows=skip_rows,
                     quote_char=quote_char, encoding=encoding, cast_to_string=cast_to_string,
                     date_format=date_format).read_all(file_path)


def read_csv_stream(file_path: str, chunk_size: int = 1000, **kwargs: Any) -> Iterator[List[Dict[str, Any]]]:
    """Rows of a CSV file in lists of ``chunk_size`` (``kwargs`` go to ``CSVReader``)."""
    yield from CSVReader(**kwargs).read_in_chunks(file_path, chunk_size)


def normalize_column_names(column_names: List[str], separator: str = "_") -> List[str]:
    """Sanitized names; repeats get ``<sep>1``, ``<sep>2``..."""
    seen: Dict[str, int] = {}
    out = []
    for name in sanitize_column_names(column_names, separator=separator, sql_safe=True):
        if name in seen:
            seen[name] += 1
            out.append(f"{name}{separator}{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out


def detect_delimiter(file_path: str, sample_size: int = 4096, possible_delimiters: str = ",;\t|") -> str:
    """The most frequent of ``possible_delimiters`` in the first ``sample_size``
    characters; ``,`` when none occurs more than five times."""
    if not os.path.exists(file_path):
        raise FileError(f"File not found: {file_path}", file_path=file_path)
    try:
        with _open_text(file_path, "utf-8") as fh:
            sample = fh.read(sample_size)
    except Exception as exc:  # noqa: BLE001
        logger.warning(f"Failed to detect delimiter: {exc}")
        return ","
    best = max(possible_delimiters, key=sample.count) if possible_delimiters else ","
    return best if sample.count(best) > 5 else ","
