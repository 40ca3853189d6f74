"""Global settings, profiles and extensions (1.0.6's ``transmog.config.settings``).

``TransmogSettings`` holds flat options (``separator``, ``batch_size``, ``csv_*``...):
class defaults (``DEFAULT_*``), then a profile, then a config file, then ``TRANSMOG_*``
environment variables. ``Processor`` takes its options from ``TransmogConfig``; these
settings are the defaults of the low-level functions (``flatten_json``...) and readers.
``load_profile``/``load_config``/``configure`` return new settings objects, as in 1.0.6.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Callable, Dict, Optional

from ..error import ConfigurationError

__all__ = ["TransmogSettings", "ExtensionRegistry", "load_profile", "load_config", "configure",
           "DEFAULT_OPTIONS", "CONFIG_PATH_ENV_VAR", "ConfigurationError", "logger"]

logger = logging.getLogger(__name__)

DEFAULT_OPTIONS: Dict[str, Any] = {
    "separator": "_", "cast_to_string": True, "include_empty": False, "skip_null": True,
    "visit_arrays": True, "deeply_nested_threshold": 4, "preserve_leaf_component": True,
    "path_parts_optimization": True, "max_nesting_depth": 100, "indent": 2, "batch_size": 1000,
    "processing_mode": "standard", "memory_threshold": 100 * 1024 * 1024, "memory_tracking_enabled": False,
    "cache_enabled": True, "cache_maxsize": 10000, "clear_cache_after_batch": False,
}

CONFIG_PATH_ENV_VAR = "TRANSMOG_CONFIG_PATH"

_CSV_NULLS = ["", "NULL", "null", "NA", "na", "N/A", "n/a"]


class TransmogSettings:
    """Flat options with defaults; missing names fall back to ``DEFAULT_<NAME>``."""

    DEFAULT_SEPARATOR = "_"
    DEFAULT_CAST_TO_STRING = True
    DEFAULT_INCLUDE_EMPTY = False
    DEFAULT_SKIP_NULL = True
    DEFAULT_ID_FIELD = "__extract_id"
    DEFAULT_PARENT_FIELD = "__parent_extract_id"
    DEFAULT_TIME_FIELD = "__extract_datetime"
    DEFAULT_BATCH_SIZE = 1000
    DEFAULT_OPTIMIZE_FOR_MEMORY = False
    DEFAULT_MAX_NESTING_DEPTH = None
    DEFAULT_PATH_PARTS_OPTIMIZATION = True
    DEFAULT_VISIT_ARRAYS = True
    DEFAULT_ALLOW_MALFORMED_DATA = False
    DEFAULT_DEFAULT_ID_FIELD = None
    DEFAULT_ID_GENERATION_STRATEGY = None
    DEFAULT_DEEPLY_NESTED_THRESHOLD = 4
    DEFAULT_CSV_DELIMITER = ","
    DEFAULT_CSV_QUOTE_CHAR = '"'
    DEFAULT_CSV_NULL_VALUES = list(_CSV_NULLS)
    DEFAULT_CSV_INFER_TYPES = True
    DEFAULT_CSV_SANITIZE_COLUMN_NAMES = True
    DEFAULT_LRU_CACHE_SIZE = 1024
    DEFAULT_MAX_WORKERS = 4
    DEFAULT_CHUNK_SIZE = 500
    DEFAULT_FILE_BUFFER_SIZE = 8192
    DEFAULT_LOG_LEVEL = logging.WARNING
    DEFAULT_LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
    DEFAULT_CACHE_ENABLED = True
    DEFAULT_CACHE_MAXSIZE = 10000
    DEFAULT_CLEAR_CACHE_AFTER_BATCH = False

    PROFILES: Dict[str, Dict[str, Any]] = {
        "default": {},
        "memory_efficient": {"optimize_for_memory": True, "batch_size": 500, "chunk_size": 200,
                             "lru_cache_size": 256, "cache_enabled": True, "cache_maxsize": 1000,
                             "clear_cache_after_batch": True},
        "performance": {"optimize_for_memory": False, "batch_size": 2000, "chunk_size": 1000,
                        "path_parts_optimization": True, "lru_cache_size": 2048, "max_workers": 8,
                        "cache_enabled": True, "cache_maxsize": 50000, "clear_cache_after_batch": False},
        "strict": {"allow_malformed_data": False, "log_level": logging.ERROR},
        "lenient": {"allow_malformed_data": True, "log_level": logging.INFO, "include_empty": True,
                    "skip_null": False},
        "simple_naming": {"deeply_nested_threshold": 6},
        "compact_naming": {"deeply_nested_threshold": 3},
        "csv_strict": {"csv_delimiter": ",", "csv_quote_char": '"', "csv_null_values": ["", "NULL", "null"],
                       "csv_infer_types": False, "cast_to_string": True},
        "csv_flexible": {"csv_delimiter": None, "csv_quote_char": '"',
                         "csv_null_values": _CSV_NULLS + ["#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN",
                                                          "-NaN", "-nan", "1.#IND", "1.#QNAN", "N/A", "NA",
                                                          "NULL", "NaN", "n/a", "nan", "null"],
                         "csv_infer_types": True, "cast_to_string": False},
        "deterministic_ids": {"default_id_field": "id"},
    }

    ENV_PREFIX = "TRANSMOG_"

    def __init__(self, profile: str = "default", config_file: Optional[str] = None):
        self._settings: Dict[str, Any] = {}
        for name in dir(type(self)):
            if name.startswith("DEFAULT_"):
                self._settings[name[len("DEFAULT_"):].lower()] = getattr(type(self), name)
        if profile:
            if profile in self.PROFILES:
                self._settings.update(self.PROFILES[profile])
            else:
                logging.warning(f"Profile '{profile}' not found, using defaults")
        if config_file:
            self._load_from_file(config_file)
        self._load_from_env()

    def _apply_profile(self, profile: str) -> None:
        if profile not in self.PROFILES:
            raise ConfigurationError(f"Unknown profile: {profile}")
        self._settings.update(self.PROFILES[profile])

    def _load_from_file(self, config_file: str) -> None:
        """JSON, YAML (needs PyYAML) or TOML (needs toml) by extension."""
        if not os.path.exists(config_file):
            raise ConfigurationError(f"Configuration file not found: {config_file}")
        ext = os.path.splitext(config_file)[1].lower()
        kind = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML", ".tml": "TOML"}.get(ext)
        if kind is None:
            raise ConfigurationError(f"Unsupported configuration file format: {ext}")
        try:
            with open(config_file, encoding="utf-8") as fh:
                if kind == "JSON":
                    data = json.load(fh)
                elif kind == "YAML":
                    try:
                        import yaml
                    except ImportError as exc:
                        raise ConfigurationError("PyYAML is required for YAML configuration support. "
                                                 "Install with: pip install PyYAML") from exc
                    data = yaml.safe_load(fh)
                else:
                    try:
                        import toml
                    except ImportError as exc:
                        raise ConfigurationError("toml is required for TOML configuration support. "
                                                 "Install with: pip install toml") from exc
                    data = toml.load(fh)
        except ConfigurationError:
            raise
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"Invalid JSON configuration file: {exc}") from exc
        except Exception as exc:  # noqa: BLE001
            raise ConfigurationError(f"Failed to load {kind} configuration: {exc}") from exc
        self._settings.update(data or {})

    def _load_from_env(self) -> None:
        for name, value in os.environ.items():
            if name.startswith(self.ENV_PREFIX):
                self._settings[name[len(self.ENV_PREFIX):].lower()] = self._convert_value(value)

    def _convert_value(self, value: str, default_value: Any = None) -> Any:
        """Environment text to a value: JSON when it parses, else the text; with a default,
        converted to the default's type."""
        if default_value is None:
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        try:
            if isinstance(default_value, bool):
                low = value.lower()
                if low in ("true", "t", "yes", "y", "1"):
                    return True
                if low in ("false", "f", "no", "n", "0"):
                    return False
                return bool(value)
            if isinstance(default_value, (list, dict)):
                return json.loads(value)
            return type(default_value)(value)
        except (ValueError, json.JSONDecodeError):
            logger.warning(f"Could not convert value '{value}' to type {type(default_value).__name__}")
            return value

    def get(self, key: str, default: Any = None) -> Any:
        return self._settings.get(key.lower(), default)

    def get_option(self, key: str, default: Any = None, expected_type: Any = None) -> Any:
        """Like ``get``, falling back to ``DEFAULT_<KEY>``, and converted to
        ``expected_type`` (default: the type of ``default``); ``ConfigurationError`` when
        it does not convert."""
        value = self._settings.get(key.lower(), default)
        if value is None and default is None:
            value = getattr(type(self), f"DEFAULT_{key.upper()}", None)
        if expected_type is None and default is not None:
            expected_type = type(default)
        if expected_type is None or value is None or isinstance(value, expected_type):
            return value
        for kind in (expected_type if isinstance(expected_type, tuple) else (expected_type,)):
            try:
                return kind(value)
            except (ValueError, TypeError):
                continue
        name = getattr(expected_type, "__name__", str(expected_type))
        raise ConfigurationError(f"Setting '{key}' has invalid type: expected {name}, got {type(value).__name__}")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        snake = name[0].lower() + "".join("_" + c.lower() if c.isupper() else c for c in name[1:])
        value = self._settings.get(name.lower()) or self._settings.get(snake)
        if value is not None:
            return value
        default = f"DEFAULT_{name.upper()}"
        if hasattr(type(self), default):
            return getattr(type(self), default)
        raise AttributeError(f"Setting '{name}' not found")

    def update(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            self._settings[key.lower()] = value

    def as_dict(self) -> Dict[str, Any]:
        return dict(self._settings)

    def configure_logging(self) -> None:
        """Applies ``log_level``, ``log_format`` and ``log_file`` to the ``transmog`` logger."""
        from ..error.handling import setup_logging

        setup_logging(level=self.get("log_level", logging.WARNING), log_format=self.get("log_format"),
                      log_file=self.get("log_file"))


class ExtensionRegistry:
    """User hooks by name: type handlers, naming strategies, validators."""

    def __init__(self) -> None:
        self._type_handlers: Dict[str, Callable[..., Any]] = {}
        self._naming_strategies: Dict[str, Callable[..., Any]] = {}
        self._validators: Dict[str, Callable[..., Any]] = {}

    def register_type_handler(self, type_name: str, handler_func: Callable[..., Any]) -> None:
        self._type_handlers[type_name] = handler_func

    def register_naming_strategy(self, strategy_name: str, strategy_func: Callable[..., Any]) -> None:
        self._naming_strategies[strategy_name] = strategy_func

    def register_validator(self, field_pattern: str, validator_func: Callable[..., Any]) -> None:
        self._validators[field_pattern] = validator_func

    def get_type_handler(self, type_name: str) -> Optional[Callable[..., Any]]:
        return self._type_handlers.get(type_name)

    def get_naming_strategy(self, strategy_name: str) -> Optional[Callable[..., Any]]:
        return self._naming_strategies.get(strategy_name)

    def get_validator(self, field_pattern: str) -> Optional[Callable[..., Any]]:
        return self._validators.get(field_pattern)

    def get_all_type_handlers(self) -> Dict[str, Callable[..., Any]]:
        return dict(self._type_handlers)

    def get_all_naming_strategies(self) -> Dict[str, Callable[..., Any]]:
        return dict(self._naming_strategies)

    def get_all_validators(self) -> Dict[str, Callable[..., Any]]:
        return dict(self._validators)


def load_profile(profile_name: str) -> TransmogSettings:
    """New settings with a named profile applied (the global ``settings`` is untouched)."""
    if profile_name not in TransmogSettings.PROFILES:
        raise ConfigurationError(f"Unknown profile: {profile_name}")
    return TransmogSettings(profile=profile_name)


def load_config(config_file: str) -> TransmogSettings:
    """New settings read from a JSON / YAML / TOML file."""
    new = TransmogSettings(profile="default")
    new._load_from_file(config_file)
    return new


def configure(**kwargs: Any) -> TransmogSettings:
    """New settings: ``profile`` and ``config_file`` keywords, then the other keywords."""
    new = TransmogSettings(profile=kwargs.pop("profile", "default"), config_file=kwargs.pop("config_file", None))
    new.update(**kwargs)
    return new
