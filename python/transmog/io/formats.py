"""Format registry and detection (1.0.6's ``transmog.io.formats``)."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Set

from ._registry import _STREAMING_WRITER_REGISTRY, _WRITER_REGISTRY, _load_writers, create_writer

__all__ = ["FormatRegistry", "detect_format"]


class FormatRegistry:
    """Known reader and writer formats (class-level registry)."""

    _reader_formats: Set[str] = set()
    _writer_formats: Set[str] = set()
    _writer_classes: Dict[str, Any] = {}

    @classmethod
    def register_reader_format(cls, format_name: str) -> None:
        cls._reader_formats.add(format_name)

    @classmethod
    def register_writer_format(cls, format_name: str, writer_class: Optional[Any] = None) -> None:
        cls._writer_formats.add(format_name)
        if writer_class is not None:
            cls._writer_classes[format_name] = writer_class

    @classmethod
    def get_available_reader_formats(cls) -> List[str]:
        return sorted(cls._reader_formats)

    @classmethod
    def get_available_writer_formats(cls) -> List[str]:
        return sorted(cls._writer_formats)

    @classmethod
    def list_all_writers(cls) -> Dict[str, Any]:
        """``{format: writer class}`` of every registered batch writer."""
        _load_writers()
        return _WRITER_REGISTRY

    @classmethod
    def list_available_formats(cls) -> List[str]:
        """Formats whose writer is available (``is_available()``), sorted."""
        return sorted(name for name, writer in cls.list_all_writers().items() if writer.is_available())

    @classmethod
    def create_writer(cls, format_name: str, **options: Any) -> Any:
        return create_writer(format_name, **options)

    @classmethod
    def has_reader_format(cls, format_name: str) -> bool:
        return format_name in cls._reader_formats

    @classmethod
    def has_writer_format(cls, format_name: str) -> bool:
        return format_name in cls._writer_formats

    # Not in 1.0.6: lookups by format name.
    @classmethod
    def get_writer_class(cls, format_name: str) -> Optional[Any]:
        return cls.list_all_writers().get(format_name.lower())

    @classmethod
    def get_streaming_writer_class(cls, format_name: str) -> Optional[Any]:
        _load_writers()
        return _STREAMING_WRITER_REGISTRY.get(format_name.lower())


def detect_format(data_source: Any) -> str:
    """``json``, ``jsonl``, ``csv``, ``parquet`` or ``unknown``: an existing file by
    extension, a dict or list as ``json``, text by its first 1000 characters (several
    lines starting with ``{`` make JSON Lines)."""
    if isinstance(data_source, (str, os.PathLike)) and os.path.isfile(data_source):
        ext = os.path.splitext(os.fspath(data_source))[1].lower()
        found = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}.get(ext)
        if found:
            return found
    if isinstance(data_source, (dict, list)):
        return "json"
    if isinstance(data_source, (str, bytes)):
        sample = data_source[:1000]
        if isinstance(sample, bytes):
            sample = sample.decode("utf-8", errors="ignore")
        sample = sample.strip()
        if sample.startswith("{"):
            return "jsonl" if "\n{" in sample else "json"
        if sample.startswith("[") and "\n[" not in sample:
            return "json"
    return "unknown"
