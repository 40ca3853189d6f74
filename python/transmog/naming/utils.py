"""1.0.6's ``transmog.naming.utils``."""

from __future__ import annotations

from .. import _native

__all__ = ["get_table_name_for_array"]


def get_table_name_for_array(entity_name: str, array_name: str, parent_path: str, separator: str,
                             deeply_nested_threshold: int = 4) -> str:
    """The child table name of array ``array_name`` under ``parent_path`` (raw keys joined
    by the separator): the engine's table rule (SPEC 3.6)."""
    parts = [parent_path] if parent_path else []
    return _native.table_name(entity_name, parts, array_name, separator, deeply_nested_threshold)
