"""Option checks of 1.0.6's ``transmog.config.validation``; each raises
``ConfigurationError`` (or warns, for merely unusual values)."""

from __future__ import annotations

import warnings
from typing import Any, Dict, Optional, Union

from ..error import ConfigurationError

__all__ = ["validate_separator", "validate_field_name", "validate_recovery_strategy", "validate_batch_size",
           "validate_max_depth", "validate_cache_size", "validate_id_field_mapping",
           "validate_component_length", "validate_config", "ConfigurationError"]

_FORBIDDEN_SEPARATOR_CHARS = set("\\/\"'[]{}()")
RECOVERY_STRATEGIES = ("strict", "skip", "partial")


def validate_separator(separator: str) -> None:
    """1 or 2 characters, no whitespace, none of ``\\ / " ' [ ] { } ( )``."""
    if not separator:
        raise ConfigurationError("Separator cannot be empty")
    if len(separator) > 2:
        raise ConfigurationError(f"Separator '{separator}' is too long. Must be 1-2 characters.")
    if any(c.isspace() or c in _FORBIDDEN_SEPARATOR_CHARS for c in separator):
        raise ConfigurationError(f"Separator '{separator}' contains invalid characters. Cannot use spaces or "
                                 "special characters: \\ / \" ' [ ] { } ( )")


def validate_field_name(field_name: str) -> None:
    """Non-empty; a name starting with ``__`` must start with ``__extract_`` or
    ``__custom_``. (1.0.6 also rejected its own default ``__parent_extract_id`` here; we
    accept it.)"""
    if not field_name:
        raise ConfigurationError("Field name cannot be empty")
    if field_name.startswith("__") and not field_name.startswith(("__extract_", "__custom_")) \
            and field_name != "__parent_extract_id":
        raise ConfigurationError(f"Field name '{field_name}' cannot start with '__' unless it's a recognized "
                                 "metadata field (e.g., __extract_* or __custom_*)")


def validate_recovery_strategy(strategy: Any) -> None:
    """``strict``, ``skip``, ``partial``, or a strategy object (anything with
    ``recover``; 1.0.6 rejected the objects its own docs use)."""
    if hasattr(strategy, "recover") and callable(strategy.recover):
        return
    if strategy not in RECOVERY_STRATEGIES:
        raise ConfigurationError(f"Invalid recovery strategy: '{strategy}'. "
                                 f"Must be one of: {', '.join(RECOVERY_STRATEGIES)}")


def validate_batch_size(batch_size: int) -> None:
    if batch_size <= 0:
        raise ConfigurationError(f"Batch size must be positive, got {batch_size}")
    if batch_size > 100000:
        warnings.warn(f"Very large batch size ({batch_size}) may cause memory issues. Consider using a "
                      "smaller value (1000-10000) for better performance.", stacklevel=2)


def validate_max_depth(max_depth: int) -> None:
    if max_depth <= 0:
        raise ConfigurationError(f"Maximum recursion depth must be positive, got {max_depth}")
    if max_depth > 1000:
        warnings.warn(f"Very high maximum recursion depth ({max_depth}) may cause stack overflow or "
                      "performance issues.", stacklevel=2)


def validate_cache_size(maxsize: int) -> None:
    if maxsize < 0:
        raise ConfigurationError(f"Cache size must be non-negative, got {maxsize}")


def validate_id_field_mapping(mapping: Union[str, Dict[str, str]]) -> None:
    """A field name, or a mapping of path (``""`` = the root, which 1.0.6's docs
    recommend and we accept) to field name."""
    if isinstance(mapping, str):
        validate_field_name(mapping)
    elif isinstance(mapping, dict):
        for path, name in mapping.items():
            if not isinstance(path, str):
                raise ConfigurationError("Path keys of an ID field mapping must be strings")
            validate_field_name(name)
    else:
        raise ConfigurationError(f"ID field mapping must be a string or dictionary, got {type(mapping).__name__}")


def validate_component_length(length: Optional[int]) -> None:
    if length is not None and length <= 0:
        raise ConfigurationError(f"Component length must be positive, got {length}")


def validate_config(config_dict: Dict[str, Any]) -> None:
    """Checks the options of a flat settings dict (``separator``, ``batch_size``, ...)."""
    get = config_dict.get
    validate_separator(get("separator", "_"))
    validate_batch_size(get("batch_size", 1000))
    validate_max_depth(get("max_depth", 100))
    names = [get("id_field", "__extract_id"), get("parent_field", "__parent_extract_id"),
             get("time_field", "__extract_datetime")]
    for name in names:
        validate_field_name(name)
    validate_recovery_strategy(get("recovery_strategy", "strict"))
    validate_component_length(get("max_table_component_length"))
    validate_component_length(get("max_field_component_length"))
    validate_cache_size(get("cache_maxsize", 10000))
    if get("default_id_field") is not None:
        validate_id_field_mapping(get("default_id_field"))
    if len(set(names)) != 3:
        raise ConfigurationError(f"Metadata field names must be unique. Got: id={names[0]}, "
                                 f"parent={names[1]}, time={names[2]}")
