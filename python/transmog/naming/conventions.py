"""Naming helpers of 1.0.6's ``transmog.naming.conventions``. The sanitizing and the
``nested`` abbreviation are the engine's own rules (``transmog._native``)."""

from __future__ import annotations

import functools
from typing import List, Optional, Tuple

from .. import _native

__all__ = ["get_table_name", "sanitize_name", "sanitize_column_names", "get_standard_field_name",
           "split_path", "join_path", "handle_deeply_nested_path"]


def get_table_name(path: str, parent_entity: str, separator: str = "_", parent_path: str = "",
                   deeply_nested_threshold: int = 4) -> str:
    """``<parent_entity><sep><path>``, or for a nested array ``<parent_path><sep><path>``
    abbreviated to ``<first><sep>nested<sep><last>`` from ``deeply_nested_threshold``
    components on (1.0.6 also turned ``/`` into the separator in the long form)."""
    if not parent_path:
        return f"{parent_entity}{separator}{path}"
    name = _native.table_name(parent_entity, [parent_path], path, separator, deeply_nested_threshold)
    full = f"{parent_path}{separator}{path}"
    if name != f"{parent_entity}{separator}{full}":
        return name
    return f"{parent_entity}{separator}{full.replace('/', separator)}"


@functools.lru_cache(maxsize=1024)
def sanitize_name(name: str, separator: str = "_", replace_with: str = "_", sql_safe: bool = True,
                  preserve_separator: bool = False) -> str:
    """A table-safe name: the separator replaced by ``replace_with`` (unless
    ``preserve_separator``), then with ``sql_safe`` the engine's rule (spaces and ``-``
    to ``_``, other non-alphanumerics collapsed to one ``_``, ``col_`` before a leading
    digit, ``unnamed_field`` for nothing)."""
    if separator != replace_with and not preserve_separator:
        name = name.replace(separator, replace_with)
    if not sql_safe:
        return name
    return _native.sanitize_name(name, "_")


def sanitize_column_names(columns: List[str], separator: str = "_", replace_with: str = "_",
                          sql_safe: bool = True) -> List[str]:
    return [sanitize_name(c, separator=separator, replace_with=replace_with, sql_safe=sql_safe) for c in columns]


@functools.lru_cache(maxsize=256)
def get_standard_field_name(field_name: str, prefix: Optional[str] = None, suffix: Optional[str] = None,
                            separator: str = "_") -> str:
    """``field_name`` with an optional ``prefix``/``suffix`` joined by the separator."""
    if prefix:
        field_name = f"{prefix}{separator}{field_name}"
    if suffix:
        field_name = f"{field_name}{separator}{suffix}"
    return field_name


@functools.lru_cache(maxsize=1024)
def split_path(path: str, separator: str = "_") -> Tuple[str, ...]:
    return tuple(path.split(separator))


@functools.lru_cache(maxsize=1024)
def join_path(parts: Tuple[str, ...], separator: str = "_") -> str:
    return separator.join(parts)


def handle_deeply_nested_path(path: str, separator: str = "_", deeply_nested_threshold: int = 4) -> str:
    """``<first><sep>nested<sep><last>`` when ``path`` has at least
    ``deeply_nested_threshold`` components (1.0.6 counts components here)."""
    # The engine's field rule counts separators: n components hold n - 1 of them.
    return _native.field_name([path], separator, max(deeply_nested_threshold - 1, 0))
