"""Writer registries and factories (1.0.6's ``transmog.io.writer_factory``). Each
writer module registers its classes when imported."""

from __future__ import annotations

import importlib
from typing import Any, Dict, List, Optional, Type

from ..error import ConfigurationError, MissingDependencyError, logger
from ..types.io_types import StreamingWriterProtocol, WriterProtocol
from .formats import FormatRegistry

__all__ = ["register_writer", "register_streaming_writer", "create_writer", "create_streaming_writer",
           "get_supported_formats", "get_supported_streaming_formats", "is_format_available",
           "is_streaming_format_available", "FormatRegistry", "ConfigurationError", "MissingDependencyError",
           "StreamingWriterProtocol", "WriterProtocol", "logger"]

_WRITER_REGISTRY: Dict[str, Type[Any]] = {}
_STREAMING_WRITER_REGISTRY: Dict[str, Type[Any]] = {}


def _load_writers() -> None:
    """Imports the built-in writer modules (they register themselves)."""
    importlib.import_module("transmog.io.writers")


def register_writer(format_name: str, writer_class: Type[Any]) -> None:
    _WRITER_REGISTRY[format_name.lower()] = writer_class
    FormatRegistry.register_writer_format(format_name)
    logger.debug(f"Registered writer for {format_name}")


def register_streaming_writer(format_name: str, writer_class: Type[Any]) -> None:
    _STREAMING_WRITER_REGISTRY[format_name.lower()] = writer_class
    logger.debug(f"Registered streaming writer for {format_name}")


def _writer_class(registry: Dict[str, Type[Any]], format_name: str) -> Optional[Type[Any]]:
    if format_name not in registry:
        _load_writers()
    return registry.get(format_name)


def create_writer(format_name: str, **kwargs: Any) -> Any:
    """A batch writer (``json``, ``csv``, ``parquet``); constructor errors come out as
    ``ConfigurationError``."""
    name = format_name.lower()
    cls = _writer_class(_WRITER_REGISTRY, name)
    if cls is None:
        raise ConfigurationError(f"Unsupported output format: {name}")
    try:
        return cls(**kwargs)
    except Exception as exc:  # noqa: BLE001 - 1.0.6 wraps constructor errors
        raise ConfigurationError(f"Failed to create {name} writer: {exc}") from exc


def create_streaming_writer(format_name: str, destination: Optional[Any] = None, entity_name: str = "entity",
                            **kwargs: Any) -> Any:
    """A streaming writer (``parquet``, ``csv``, ``json``, and ``jsonl``, new here)."""
    name = format_name.lower()
    cls = _writer_class(_STREAMING_WRITER_REGISTRY, name)
    if cls is None:
        raise ConfigurationError(f"Unsupported output format: {name}")
    try:
        return cls(destination=destination, entity_name=entity_name, **kwargs)
    except (MissingDependencyError, ConfigurationError):
        raise
    except Exception as exc:  # noqa: BLE001
        raise ConfigurationError(f"Failed to create {name} streaming writer: {exc}") from exc


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
