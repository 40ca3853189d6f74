"""Writer registries and factories (1.0.6's ``transmog.io.writer_factory``). Each
writer module registers its classes when imported."""

from __future__ import annotations

from typing import Any, Dict, List, Type

from ..error import ConfigurationError, MissingDependencyError, logger
from ..types.io_types import StreamingWriterProtocol, WriterProtocol
from ._registry import (_STREAMING_WRITER_REGISTRY, _WRITER_REGISTRY, _load_writers, _writer_class,
                        create_streaming_writer, create_writer)
from .formats import FormatRegistry

__all__ = ["register_writer", "register_streaming_writer", "create_writer", "create_streaming_writer",
           "get_supported_formats", "get_supported_streaming_formats", "is_format_available",
           "is_streaming_format_available", "FormatRegistry", "ConfigurationError", "MissingDependencyError",
           "StreamingWriterProtocol", "WriterProtocol", "logger"]

def register_writer(format_name: str, writer_class: Type[Any]) -> None:
    _WRITER_REGISTRY[format_name.lower()] = writer_class
    FormatRegistry.register_writer_format(format_name)
    logger.debug(f"Registered writer for {format_name}")


def register_streaming_writer(format_name: str, writer_class: Type[Any]) -> None:
    _STREAMING_WRITER_REGISTRY[format_name.lower()] = writer_class
    logger.debug(f"Registered streaming writer for {format_name}")


def get_supported_formats() -> Dict[str, str]:
    """``{format: writer class docstring}`` of the batch writers."""
    _load_writers()
    return {name: str(cls.__doc__ or "") for name, cls in _WRITER_REGISTRY.items()}


def get_supported_streaming_formats() -> List[str]:
    """1.0.6's three streaming formats (``jsonl`` works too)."""
    return ["csv", "json", "parquet"]


def is_format_available(format_name: str) -> bool:
    return _writer_class(_WRITER_REGISTRY, format_name.lower()) is not None


def is_streaming_format_available(format_name: str) -> bool:
    return _writer_class(_STREAMING_WRITER_REGISTRY, format_name.lower()) is not None
