"""Configuration with Transmog 1.0.6's classes, defaults, presets and builders; the
global ``settings``/``extensions`` and the checks live in ``.settings`` / ``.validation``
as in 1.0.6."""

from __future__ import annotations

import copy
import enum
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Dict, Optional, Tuple, Union

from ..error import ConfigurationError, PartialProcessingRecovery, SkipAndLogRecovery, StrictRecovery
from .settings import ExtensionRegistry, TransmogSettings, configure, load_config, load_profile
from .validation import (validate_batch_size, validate_cache_size, validate_component_length, validate_field_name,
                         validate_id_field_mapping, validate_max_depth, validate_recovery_strategy,
                         validate_separator)

__all__ = [
    "settings", "extensions", "load_profile", "load_config", "configure", "TransmogSettings",
    "ExtensionRegistry", "ProcessingMode", "NamingConfig", "ProcessingConfig", "MetadataConfig",
    "ErrorHandlingConfig", "TransmogConfig", "validate_component_length", "CacheConfig", "SchemaConfig",
]

settings = TransmogSettings()
extensions = ExtensionRegistry()


class ProcessingMode(enum.Enum):
    """How chunked/streaming paths size their batches (``process()`` ignores it, as in
    1.0.6)."""

    STANDARD = enum.auto()
    LOW_MEMORY = enum.auto()
    HIGH_PERFORMANCE = enum.auto()


@dataclass
class NamingConfig:
    separator: str = "_"
    deeply_nested_threshold: int = 4
    # Not in 1.0.6: "full" names columns and tables by their whole path, shortened with a
    # stable hash beyond max_name_length characters (the CLI's default); "nested" is
    # 1.0.6's FIRST_nested_LAST abbreviation.
    style: str = "nested"
    max_name_length: int = 63


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
    # Not in 1.0.6: keep everything, so that transmog.unflatten() gives the records back
    # (typed values, empty strings, nulls as None, no depth limit; nulls and empty
    # arrays/objects listed in an "__empty" column; one column per JSON kind of a path).
    lossless: bool = False
    # Not in 1.0.6: objects whose keys are data (ids, dates) become a child table with one
    # row per key (the key in "__key"): at map_paths ("a.b" or a list of keys, array
    # levels left out), and with maps="auto" wherever the first 1000 records show them.
    maps: str = "off"
    map_paths: Tuple[Any, ...] = ()


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
    recovery_strategy: Any = "strict"  # a name, or a strategy object (see _strategy_name)
    max_retries: int = 3
    error_log_path: Optional[str] = None


@dataclass
class SchemaConfig:
    """Not in 1.0.6: a schema file that keeps names stable across runs (the CLI's
    ``--schema``). A run starts from ``file`` when it exists, so that every name it holds
    means the same field as before, and writes it back updated when the run ends.
    ``contract``: ``evolve`` (new tables and columns are added, types widen), ``freeze``
    (anything new is an error naming the record) or ``discard`` (new tables and columns
    are dropped and counted). ``tables``: another contract for some saved tables, by
    name (their new columns and type changes); new tables follow ``contract``."""

    file: Optional[str] = None
    contract: str = "evolve"
    tables: Dict[str, str] = field(default_factory=dict)


@dataclass
class CacheConfig:
    enabled: bool = True
    maxsize: int = 10000
    clear_after_batch: bool = False


def _validate_separator(sep: Any) -> None:
    # with_naming() checks 1.0.6's rules; a separator set directly on the config is used
    # as it is, as 1.0.6 did, as long as there is one.
    if not isinstance(sep, str) or not sep:
        raise ConfigurationError("Separator must be a non-empty string", "separator", sep)


def _strategy_name(strategy: Any) -> str:
    """The engine's name for a strategy: the three built-in classes (and their
    ``STRICT``/``DEFAULT``/``LENIENT`` instances) map to their names; another object with
    ``recover`` is consulted from Python for records that are not objects and runs as
    ``strict`` in the engine."""
    validate_recovery_strategy(strategy)
    if isinstance(strategy, str):
        return strategy
    if isinstance(strategy, SkipAndLogRecovery):
        return "skip"
    if isinstance(strategy, PartialProcessingRecovery):
        return "partial"
    return "strict"


@dataclass
class TransmogConfig:
    """All options of a Processor. Builders return new configs; originals are untouched."""

    naming: NamingConfig = field(default_factory=NamingConfig)
    processing: ProcessingConfig = field(default_factory=ProcessingConfig)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)
    error_handling: ErrorHandlingConfig = field(default_factory=ErrorHandlingConfig)
    cache_config: CacheConfig = field(default_factory=CacheConfig)
    # Not in 1.0.6: see SchemaConfig and with_schema().
    schema: SchemaConfig = field(default_factory=SchemaConfig)

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

    def with_naming(self, separator: Optional[str] = None,
                    deeply_nested_threshold: Optional[int] = None) -> "TransmogConfig":
        new = self._copy()
        if separator is not None:
            validate_separator(separator)
            new.naming.separator = separator
        if deeply_nested_threshold is not None:
            new.naming.deeply_nested_threshold = deeply_nested_threshold
        return new

    def with_names(self, style: Optional[str] = None, max_name_length: Optional[int] = None) -> "TransmogConfig":
        """Not in 1.0.6: ``style="full"`` names columns and tables by their whole path
        (shortened with a stable hash beyond ``max_name_length`` characters)."""
        new = self._copy()
        if style is not None:
            if style not in ("nested", "full"):
                raise ConfigurationError("naming style must be 'nested' or 'full'", "style", style)
            new.naming.style = style
        if max_name_length is not None:
            new.naming.max_name_length = max_name_length
        return new

    @classmethod
    def lossless_mode(cls) -> "TransmogConfig":
        """Not in 1.0.6: everything kept, so that ``transmog.unflatten`` of the result (or
        of its Parquet files) gives the records back, up to key order."""
        return cls(processing=ProcessingConfig(lossless=True, cast_to_string=False, include_empty=True,
                                               skip_null=False))

    def with_processing(self, **kwargs: Any) -> "TransmogConfig":
        names = {f.name for f in fields(ProcessingConfig)}
        unknown = set(kwargs) - names
        if unknown:
            raise TypeError(f"with_processing() got unexpected keyword arguments {sorted(unknown)}")
        if "batch_size" in kwargs:
            validate_batch_size(kwargs["batch_size"])
        if "max_depth" in kwargs:
            validate_max_depth(kwargs["max_depth"])
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
                if not isinstance(kwargs[key], str):
                    raise ConfigurationError(f"{key} must be a string", key, kwargs[key])
                validate_field_name(kwargs[key])
        if kwargs.get("default_id_field") is not None:
            validate_id_field_mapping(kwargs["default_id_field"])
        new = self._copy()
        new.metadata = replace(new.metadata, **kwargs)
        m = new.metadata
        if len({m.id_field, m.parent_field, m.time_field}) != 3:
            raise ConfigurationError(f"Metadata field names must be unique. Got: id={m.id_field}, "
                                     f"parent={m.parent_field}, time={m.time_field}")
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
            validate_cache_size(maxsize)
            new.cache_config.maxsize = maxsize
        if clear_after_batch is not None:
            new.cache_config.clear_after_batch = clear_after_batch
        return new

    def with_schema(self, file: Optional[Union[str, "os.PathLike[str]"]], contract: str = "evolve",
                    tables: Optional[Dict[str, str]] = None) -> "TransmogConfig":
        """Not in 1.0.6: keep names stable across runs with the schema file ``file``
        (``None``: none); see ``SchemaConfig``."""
        for name, mode in [("contract", contract), *((f"tables[{t!r}]", m) for t, m in (tables or {}).items())]:
            if mode not in ("evolve", "freeze", "discard"):
                raise ConfigurationError("schema contract must be 'evolve', 'freeze' or 'discard'", name, mode)
        new = self._copy()
        new.schema = SchemaConfig(file=None if file is None else os.fspath(file), contract=contract,
                                  tables=dict(tables or {}))
        return new

    def _schema_args(self) -> Dict[str, Any]:
        """The engine's keyword arguments for the schema file."""
        s = getattr(self, "schema", None)
        if s is None or s.file is None:
            return {}
        return {"schema_file": os.fspath(s.file), "schema_contract": s.contract,
                "schema_tables": sorted((getattr(s, "tables", None) or {}).items())}

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
    def _custom_ids(self) -> bool:
        """Whether ids come from a Python function (1.0.6's ``id_generation_strategy``)."""
        return callable(self.metadata.id_generation_strategy)

    def _engine_options(self, extract_time: Any = None) -> Dict[str, Any]:
        _validate_separator(self.naming.separator)
        m = self.metadata
        strategy = m.id_generation_strategy
        if isinstance(strategy, str):
            # Not in 1.0.6: the engine's own id modes by name. "hash": uuid5 of each
            # record's content; "position": uuid5 of the input's name and the record's
            # place in it (the CLI's --ids, transmog.spark's ids=).
            if strategy not in ("random", "hash", "position"):
                raise ConfigurationError("id_generation_strategy must be a function or one of "
                                         "'random', 'hash', 'position'", "id_generation_strategy", strategy)
            id_mode = strategy
        elif strategy is not None:
            id_mode = "custom"
        elif m.default_id_field is not None:
            id_mode = "deterministic"
        else:
            id_mode = "random"
        return {
            "separator": self.naming.separator,
            "deeply_nested_threshold": self.naming.deeply_nested_threshold,
            "naming": self.naming.style,
            "max_name_length": self.naming.max_name_length,
            "lossless": self.processing.lossless,
            "maps": self.processing.maps,
            "map_paths": list(self.processing.map_paths),
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
