"""``flatten_json`` and the cache controls of 1.0.6's ``transmog.core.flattener``."""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from ..config import settings
from ..error import ProcessingError, error_context
from ..naming.conventions import handle_deeply_nested_path
from . import _engine

__all__ = ["flatten_json", "clear_caches", "refresh_cache_config", "handle_deeply_nested_path", "settings",
           "ProcessingError", "error_context", "logger"]

logger = logging.getLogger(__name__)


def _process_value(value: Any, cast_to_string: bool, include_empty: bool, skip_null: bool) -> Optional[Any]:
    """One scalar by the engine's rules (1.0.6's private helper of the same name): None
    when the field is left out (null with ``skip_null``, ``""`` without
    ``include_empty``), ``""`` for a kept null, text when casting (booleans lowercase,
    NaN and infinities ``"_error_invalid_float"``), else the value itself."""
    if value is None:
        return None if skip_null else ""
    if isinstance(value, str) and value == "" and not include_empty:
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return "_error_invalid_float" if cast_to_string else value
    if cast_to_string:
        if isinstance(value, bool):
            return "true" if value else "false"
        if not isinstance(value, str):
            return str(value)
    return value


class _ValueCache:
    """``_process_value`` behind an LRU cache with ``functools.lru_cache``'s
    ``cache_info()`` / ``cache_clear()`` (1.0.6's ``_process_value_cached``, same call
    shape). Unlike 1.0.6's cache it keys on the value's type too, so ``1``, ``1.0`` and
    ``True`` are never served each other's result. The engine does not use it."""

    def __init__(self, maxsize: int = 10000):
        self.maxsize = maxsize
        self._entries: "OrderedDict[Any, Any]" = OrderedDict()
        self._hits = 0
        self._misses = 0

    def __call__(self, value_hash: int, cast_to_string: bool, include_empty: bool, skip_null: bool,
                 original_value: Any) -> Optional[Any]:
        key = (type(original_value), value_hash, cast_to_string, include_empty, skip_null, original_value)
        try:
            hit = key in self._entries
        except TypeError:  # unhashable: computed, not cached
            self._misses += 1
            return _process_value(original_value, cast_to_string, include_empty, skip_null)
        if hit:
            self._hits += 1
            self._entries.move_to_end(key)
            return self._entries[key]
        self._misses += 1
        result = _process_value(original_value, cast_to_string, include_empty, skip_null)
        self._entries[key] = result
        if self.maxsize is not None and len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return result

    def cache_info(self) -> Any:
        return functools._CacheInfo(self._hits, self._misses, self.maxsize, len(self._entries))

    def cache_clear(self) -> None:
        self._entries.clear()
        self._hits = self._misses = 0


_process_value_cached = _ValueCache()


def clear_caches() -> None:
    """Clears ``_process_value_cached``. 1.0.6 cleared its process-wide value cache here;
    the engine keeps no value cache (1.0.6's conflated ``1``, ``1.0`` and ``True``)."""
    _process_value_cached.cache_clear()


def refresh_cache_config() -> None:
    """1.0.6 re-read ``settings.cache_*`` here: ``_process_value_cached`` is rebuilt with
    ``settings.cache_maxsize``. The engine keeps no value cache, so rows do not change."""
    global _process_value_cached
    _process_value_cached = _ValueCache(_setting("cache_maxsize", 10000))


def _setting(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    return default if value is None else value


@error_context("Failed to flatten JSON", log_exceptions=False)
def flatten_json(data: Dict[str, Any], separator: Optional[str] = None, cast_to_string: Optional[bool] = None,
                 include_empty: Optional[bool] = None, skip_null: Optional[bool] = None,
                 skip_arrays: bool = False, visit_arrays: Optional[bool] = None, parent_path: str = "",
                 path_parts: Optional[List[str]] = None, path_parts_optimization: Optional[bool] = None,
                 max_depth: Optional[int] = None, deeply_nested_threshold: Optional[int] = None,
                 current_depth: int = 0, in_place: bool = False, mode: str = "standard",
                 context: str = "standard", recovery_strategy: Optional[Any] = None) -> Dict[str, Any]:
    """One record flattened into one dict, without metadata, by the engine's rules.

    Options left at None come from the global ``settings``. Arrays go to child tables
    and are left out; with ``visit_arrays=False`` they stay in the row as JSON text (1.0.6
    wrote Python ``repr`` text). ``parent_path`` (or ``path_parts``) names the fields as
    if ``data`` sat under those keys, ``current_depth`` is its depth for ``max_depth``.
    ``in_place`` adds the fields to ``data`` itself and returns it (not in
    ``mode="streaming"``): as in 1.0.6 its scalars become their cast values and, unless
    ``skip_arrays``, its arrays JSON text. ``path_parts_optimization`` and ``context``
    were 1.0.6 internal speed switches. Errors (bad arguments too) are ``ProcessingError``s.
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProcessingError(f"expected a dict to flatten, got {type(data).__name__}", data=data)
    separator = _setting("separator", "_") if separator is None else separator
    path = list(path_parts) if path_parts else (parent_path.split(separator) if parent_path else [])
    depth = _setting("max_depth", 100) if max_depth is None else max_depth
    in_place = in_place and mode != "streaming"
    cfg = _engine.config(
        separator=separator,
        cast_to_string=_setting("cast_to_string", True) if cast_to_string is None else cast_to_string,
        include_empty=_setting("include_empty", False) if include_empty is None else include_empty,
        skip_null=_setting("skip_null", True) if skip_null is None else skip_null,
        deeply_nested_threshold=(_setting("deeply_nested_threshold", 4) if deeply_nested_threshold is None
                                 else deeply_nested_threshold),
        # The wrapper keys of parent_path add levels the caller did not count.
        max_depth=depth - current_depth + len(path),
        visit_arrays=_setting("visit_arrays", True) if visit_arrays is None else visit_arrays,
        # In place, the record's own arrays are replaced by their text (keep_arrays).
        keep_arrays=in_place and not skip_arrays,
        recovery_strategy=recovery_strategy,
    )
    if depth - current_depth <= 0:
        return data if in_place else {}
    main, _children = _engine.run([_engine.wrap(data, path)], "flatten", cfg, extract_time="")
    meta = (cfg.metadata.id_field, cfg.metadata.time_field) + _engine.ROW_META
    flat = {k: v for k, v in main[0].items() if k not in meta}
    if in_place:
        # Nested objects stay as they are (their fields are added flattened).
        data.update({k: v for k, v in flat.items() if not isinstance(data.get(k), dict)})
        return data
    return flat
