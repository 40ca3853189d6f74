"""The writer registries and the factories behind ``writer_factory`` and
``FormatRegistry`` (both import them from here, so neither imports the other lazily)."""

from __future__ import annotations

import importlib
from typing import Any, Dict, Optional, Type

from ..error import ConfigurationError, MissingDependencyError

_WRITER_REGISTRY: Dict[str, Type[Any]] = {}
_STREAMING_WRITER_REGISTRY: Dict[str, Type[Any]] = {}


def _load_writers() -> None:
    """Imports the built-in writer modules (they register themselves)."""
    importlib.import_module("transmog.io.writers")


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
