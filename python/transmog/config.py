"""Configuration with Transmog 1.0.6's classes, defaults, presets and builders."""

from __future__ import annotations

import copy
import enum
import json
import os
import warnings
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Dict, Optional, Union

from .error import ConfigurationError, RecoveryStrategy

__all__ = [
    "ProcessingMode", "NamingConfig", "ProcessingConfig", "MetadataConfig",
    "ErrorHandlingConfig", "CacheConfig", "TransmogConfig", "TransmogSettings",
    "ExtensionRegistry", "settings", "extensions", "load_profile", "load_config", "configure",
]


class ProcessingMode(enum.Enum):
    STANDARD = "standard"
    LOW_MEMORY = "low_memory"
    HIGH_PERFORMANCE = "high_performance"


@dataclass
class NamingConfig:
    separator: str = "_"
    deeply_nested_threshold: int = 4


@dataclass
class ProcessingConfig:
    cast_to_string: bool = True
    include_empty: bool = False
    skip_null: bool = True
    max_nesting_depth: Optional[int] = None
    max_depth: int = 100
    path_parts_optimization: bool = True
    visit_arrays: bool = True
    keep_arrays: bool = False
    batch_size: int = 1000
    processing_mode: ProcessingMode = ProcessingMode.STANDARD
    validate_field_names: bool = False
    validate_table_names: bool = False


@dataclass
class MetadataConfig:
    id_field: str = "__extract_id"
    parent_field: str = "__parent_extract_id"
    time_field: str = "__extract_datetime"
    default_id_field: Optional[Union[str, Dict[str, str]]] = None
    id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None


@dataclass
class ErrorHandlingConfig:
    allow_malformed_data: bool = False
    recovery_strategy: Union[str, RecoveryStrategy] = "strict"
    max_retries: int = 3
    error_log_path: Optional[str] = None


@dataclass
class CacheConfig:
    enabled: bool = True
    maxsize: int = 10000
    clear_after_batch: bool = False


_FORBIDDEN_SEPARATOR_CHARS = set("\\/\"'[]{}()")


def _validate_separator(sep: Any) -> None:
    if not isinstance(sep, str) or not sep:
        raise ConfigurationError("Separator must be a non-empty string", "separator", sep)
    if len(sep) > 2:
        raise ConfigurationError("Separator must be at most 2 characters", "separator", sep)
    if any(c.isspace() or c in _FORBIDDEN_SEPARATOR_CHARS for c in sep):
        raise ConfigurationError("Separator contains a forbidden character", "separator", sep)


def _strategy_name(strategy: Any) -> str:
    name = strategy.name if isinstance(strategy, RecoveryStrategy) else strategy
    if name not in ("strict", "skip", "partial"):
        raise ConfigurationError(f"Invalid recovery strategy: '{strategy}'", "recovery_strategy", strategy)
    return name


@dataclass
class TransmogConfig:
    """All options of a Processor. Builders return new configs; originals are untouched."""

    naming: NamingConfig = field(default_factory=NamingConfig)
    processing: ProcessingConfig = field(default_factory=ProcessingConfig)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)
    error_handling: ErrorHandlingConfig = field(default_factory=ErrorHandlingConfig)
    cache_config: CacheConfig = field(default_factory=CacheConfig)

    # -- presets ---------------------------------------------------------------------
    @classmethod
    def default(cls) -> "TransmogConfig":
        return cls()

    @classmethod
    def memory_optimized(cls) -> "TransmogConfig":
        return cls(processing=ProcessingConfig(processing_mode=ProcessingMode.LOW_MEMORY, batch_size=100),
                   cache_config=CacheConfig(maxsize=1000, clear_after_batch=True))

    @classmethod
    def performance_optimized(cls) -> "TransmogConfig":
        return cls(processing=ProcessingConfig(processing_mode=ProcessingMode.HIGH_PERFORMANCE, batch_size=10000),
                   cache_config=CacheConfig(maxsize=50000))

    @classmethod
    def with_deterministic_ids(cls, source_field: Union[str, Dict[str, str]]) -> "TransmogConfig":
        return cls(metadata=MetadataConfig(default_id_field=source_field))

    @classmethod
    def with_custom_id_generation(cls, strategy: Callable[[Dict[str, Any]], str]) -> "TransmogConfig":
        return cls(metadata=MetadataConfig(id_generation_strategy=strategy))

    @classmethod
    def simple_mode(cls) -> "TransmogConfig":
        return cls(processing=ProcessingConfig(cast_to_string=False),
                   metadata=MetadataConfig(id_field="id", parent_field="parent_id", time_field="extract_time"))

    @classmethod
    def streaming_optimized(cls) -> "TransmogConfig":
        return cls(processing=ProcessingConfig(processing_mode=ProcessingMode.LOW_MEMORY, batch_size=500),
                   cache_config=CacheConfig(maxsize=5000, clear_after_batch=True))

    @classmethod
    def error_tolerant(cls) -> "TransmogConfig":
        return cls(error_handling=ErrorHandlingConfig(allow_malformed_data=True, recovery_strategy="skip",
                                                      max_retries=5))

    @classmethod
    def csv_optimized(cls) -> "TransmogConfig":
        return cls(processing=ProcessingConfig(include_empty=True, skip_null=False))

    # -- builders --------------------------------------------------------------------
    def _copy(self) -> "TransmogConfig":
        return copy.deepcopy(self)

    def with_naming(self, separator: Optional[str] = None, deeply_nested_threshold: Optional[int] = None,
                    **kwargs: Any) -> "TransmogConfig":
        if kwargs:
            raise TypeError(f"with_naming() got unexpected keyword arguments {sorted(kwargs)}")
        new = self._copy()
        if separator is not None:
            _validate_separator(separator)
            new.naming.separator = separator
        if deeply_nested_threshold is not None:
            new.naming.deeply_nested_threshold = deeply_nested_threshold
        return new

    def with_processing(self, **kwargs: Any) -> "TransmogConfig":
        names = {f.name for f in fields(ProcessingConfig)}
        unknown = set(kwargs) - names
        if unknown:
            raise TypeError(f"with_processing() got unexpected keyword arguments {sorted(unknown)}")
        if "batch_size" in kwargs:
            if kwargs["batch_size"] <= 0:
                raise ConfigurationError("batch_size must be positive", "batch_size", kwargs["batch_size"])
            if kwargs["batch_size"] > 100000:
                warnings.warn("batch_size above 100000 may use a lot of memory", stacklevel=2)
        if "max_depth" in kwargs:
            if kwargs["max_depth"] <= 0:
                raise ConfigurationError("max_depth must be positive", "max_depth", kwargs["max_depth"])
            if kwargs["max_depth"] > 1000:
                warnings.warn("max_depth above 1000 is unusual", stacklevel=2)
        new = self._copy()
        new.processing = replace(new.processing, **kwargs)
        return new

    def with_metadata(self, **kwargs: Any) -> "TransmogConfig":
        names = {f.name for f in fields(MetadataConfig)}
        unknown = set(kwargs) - names
        if unknown:
            raise TypeError(f"with_metadata() got unexpected keyword arguments {sorted(unknown)}")
        for key in ("id_field", "parent_field", "time_field"):
            if key in kwargs:
                value = kwargs[key]
                if not isinstance(value, str) or not value:
                    raise ConfigurationError(f"{key} must be a non-empty string", key, value)
                # 1.0.6 rejected its own default __parent_extract_id here; we accept it.
                if value.startswith("__") and not (value.startswith("__extract_") or value.startswith("__custom_")
                                                  or value == "__parent_extract_id"):
                    raise ConfigurationError(f"{key} starting with '__' must start with '__extract_' or "
                                             "'__custom_'", key, value)
        new = self._copy()
        new.metadata = replace(new.metadata, **kwargs)
        m = new.metadata
        if len({m.id_field, m.parent_field, m.time_field}) != 3:
            raise ConfigurationError("id_field, parent_field and time_field must differ")
        return new

    def with_error_handling(self, **kwargs: Any) -> "TransmogConfig":
        names = {f.name for f in fields(ErrorHandlingConfig)}
        unknown = set(kwargs) - names
        if unknown:
            raise TypeError(f"with_error_handling() got unexpected keyword arguments {sorted(unknown)}")
        if "recovery_strategy" in kwargs:
            _strategy_name(kwargs["recovery_strategy"])
        new = self._copy()
        new.error_handling = replace(new.error_handling, **kwargs)
        return new

    def with_caching(self, enabled: Optional[bool] = None, maxsize: Optional[int] = None,
                     clear_after_batch: Optional[bool] = None) -> "TransmogConfig":
        new = self._copy()
        if enabled is not None:
            new.cache_config.enabled = enabled
        if maxsize is not None:
            new.cache_config.maxsize = maxsize
        if clear_after_batch is not None:
            new.cache_config.clear_after_batch = clear_after_batch
        return new

    def with_extraction(self, **kwargs: Any) -> "TransmogConfig":
        return self.with_metadata(**kwargs)

    def with_validation(self, **kwargs: Any) -> "TransmogConfig":
        return self.with_processing(**kwargs)

    def use_dot_notation(self) -> "TransmogConfig":
        return self.with_naming(separator=".")

    def disable_arrays(self) -> "TransmogConfig":
        return self.with_processing(visit_arrays=False)

    def keep_arrays(self) -> "TransmogConfig":
        return self.with_processing(keep_arrays=True)

    def use_string_format(self) -> "TransmogConfig":
        return self.with_processing(cast_to_string=True)

    # -- engine options --------------------------------------------------------------
    def _engine_options(self, extract_time: Any = None) -> Dict[str, Any]:
        _validate_separator(self.naming.separator)
        m = self.metadata
        if m.id_generation_strategy is not None:
            id_mode = "custom"
        elif m.default_id_field is not None:
            id_mode = "deterministic"
        else:
            id_mode = "random"
        return {
            "separator": self.naming.separator,
            "deeply_nested_threshold": self.naming.deeply_nested_threshold,
            "cast_to_string": self.processing.cast_to_string,
            "include_empty": self.processing.include_empty,
            "skip_null": self.processing.skip_null,
            "max_depth": self.processing.max_depth,
            "visit_arrays": self.processing.visit_arrays,
            "keep_arrays": self.processing.keep_arrays,
            "id_field": m.id_field,
            "parent_field": m.parent_field,
            "time_field": m.time_field,
            "id_mode": id_mode,
            "id_source": m.default_id_field,
            "recovery_strategy": _strategy_name(self.error_handling.recovery_strategy),
            "extract_time": extract_time,
        }


class TransmogSettings:
    """Process-wide settings (1.0.6 reads a few for its low-level helpers; ``Processor``
    takes its options from ``TransmogConfig``)."""

    _DEFAULTS: Dict[str, Any] = {
        "separator": "_", "cast_to_string": True, "include_empty": False, "skip_null": True,
        "batch_size": 1000, "chunk_size": 1000, "deeply_nested_threshold": 4, "max_depth": 100,
        "max_nesting_depth": None, "visit_arrays": True, "keep_arrays": False,
        "id_field": "__extract_id", "parent_field": "__parent_extract_id", "time_field": "__extract_datetime",
        "default_id_field": None, "recovery_strategy": "strict", "allow_malformed_data": False,
        "cache_enabled": True, "cache_maxsize": 10000, "clear_cache_after_batch": False,
        "csv_delimiter": ",", "csv_quotechar": '"', "csv_null_values": ["", "NULL", "null", "NA", "na", "N/A", "n/a"],
        "csv_infer_types": True, "csv_sanitize_column_names": True, "log_level": "WARNING",
    }

    def __init__(self, **values: Any):
        self.__dict__.update(self._DEFAULTS)
        for key, value in os.environ.items():
            if key.startswith("TRANSMOG_"):
                self.__dict__[key[len("TRANSMOG_"):].lower()] = value
        self.__dict__.update(values)

    def update(self, **values: Any) -> None:
        self.__dict__.update(values)

    def get(self, key: str, default: Any = None) -> Any:
        return self.__dict__.get(key, default)

    def get_option(self, key: str, default: Any = None) -> Any:
        return self.get(key, default)

    def set_option(self, key: str, value: Any) -> None:
        self.__dict__[key] = value

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


class ExtensionRegistry:
    """Registry of user extensions (type handlers, naming strategies)."""

    def __init__(self) -> None:
        self.type_handlers: Dict[Any, Callable] = {}

    def register_type_handler(self, type_: Any, handler: Callable) -> None:
        self.type_handlers[type_] = handler


settings = TransmogSettings()
extensions = ExtensionRegistry()

_PROFILES: Dict[str, Dict[str, Any]] = {
    "default": {},
    "memory_efficient": {"batch_size": 100, "cache_maxsize": 1000, "clear_cache_after_batch": True},
    "performance": {"batch_size": 10000, "cache_maxsize": 50000},
    "strict": {"recovery_strategy": "strict", "allow_malformed_data": False},
    "lenient": {"recovery_strategy": "skip", "allow_malformed_data": True},
    "no_abbreviation": {"deeply_nested_threshold": 10**6},
    "full_abbreviation": {"deeply_nested_threshold": 1},
    "short_abbreviation": {"deeply_nested_threshold": 2},
    "csv_strict": {"csv_infer_types": False, "recovery_strategy": "strict"},
    "csv_flexible": {"csv_infer_types": True, "recovery_strategy": "skip", "include_empty": True},
    "deterministic_ids": {"default_id_field": "id"},
}


def load_profile(name: str) -> TransmogSettings:
    if name not in _PROFILES:
        raise ConfigurationError(f"Unknown profile: {name}", "profile", name)
    # A profile is applied on top of the defaults, not on top of the previous profile.
    settings.update(**TransmogSettings._DEFAULTS)
    settings.update(**_PROFILES[name])
    return settings


def load_config(path: str) -> TransmogSettings:
    with open(path, encoding="utf-8") as fh:
        settings.update(**json.load(fh))
    return settings


def configure(**kwargs: Any) -> TransmogSettings:
    settings.update(**kwargs)
    return settings
