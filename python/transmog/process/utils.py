"""Helpers of 1.0.6's ``transmog.process.utils``."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Union

from ..core.metadata import get_current_timestamp
from ..error import FileError, ParsingError, ProcessingError

__all__ = ["get_common_config_params", "get_batch_size", "handle_file_error", "get_current_timestamp",
           "FileError", "ParsingError", "ProcessingError"]


def get_common_config_params(processor: Any, extract_time: Optional[Any] = None) -> Dict[str, Any]:
    """A processor's options as keyword arguments of the low-level functions."""
    cfg = processor.config
    return {
        "separator": cfg.naming.separator,
        "deeply_nested_threshold": cfg.naming.deeply_nested_threshold,
        "cast_to_string": cfg.processing.cast_to_string,
        "include_empty": cfg.processing.include_empty,
        "skip_null": cfg.processing.skip_null,
        "visit_arrays": cfg.processing.visit_arrays,
        "id_field": cfg.metadata.id_field,
        "parent_field": cfg.metadata.parent_field,
        "time_field": cfg.metadata.time_field,
        "default_id_field": cfg.metadata.default_id_field,
        "id_generation_strategy": cfg.metadata.id_generation_strategy,
        "extract_time": get_current_timestamp() if extract_time is None else extract_time,
    }


def get_batch_size(config_or_processor: Any, chunk_size: Optional[Union[int, Dict[str, Any]]] = None) -> int:
    """``chunk_size`` (or ``chunk_size["chunk_size"]``) when given, else the config's
    ``processing.batch_size`` (1000 without a config)."""
    if isinstance(chunk_size, dict):
        chunk_size = chunk_size.get("chunk_size") or None
    if hasattr(config_or_processor, "processing"):
        return chunk_size or config_or_processor.processing.batch_size
    if hasattr(config_or_processor, "config"):
        return chunk_size or config_or_processor.config.processing.batch_size
    return chunk_size or 1000


def handle_file_error(file_path: str, error: Exception, error_type: str = "file") -> None:
    """Re-raises ``error`` as a Transmog error: Transmog errors as they are, JSON decode
    errors as ``ParsingError``, anything else as ``FileError``."""
    if isinstance(error, (ProcessingError, FileError, ParsingError)):
        raise error
    if isinstance(error, json.JSONDecodeError):
        raise ParsingError(f"Invalid JSON in {error_type} {file_path}: {error}") from error
    raise FileError(f"Error reading {error_type} {file_path}: {error}") from error
