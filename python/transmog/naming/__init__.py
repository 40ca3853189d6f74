"""Naming helpers (1.0.6's low-level naming functions)."""

from __future__ import annotations

from typing import List, Optional

__all__ = ["sanitize_name", "get_table_name", "handle_deeply_nested_path", "get_standard_field_name"]


def sanitize_name(name: str, separator: str = "_", replace_with: str = "_") -> str:
    """Sanitizes an array key or entity name for a table name (see the behaviour spec)."""
    if separator != "_":
        name = name.replace(separator, "_")
    name = name.replace(" ", "_").replace("-", "_")
    out: List[str] = []
    for c in name:
        if c.isalnum() or c == "_":
            out.append(c)
        elif not out or out[-1] != "_":
            out.append(replace_with)
    result = "".join(out)
    if result and result[0].isdigit():
        result = "col_" + result
    return result or "unnamed_field"


def handle_deeply_nested_path(path: str, separator: str = "_", deeply_nested_threshold: Optional[int] = 4) -> str:
    threshold = 4 if deeply_nested_threshold is None else deeply_nested_threshold
    if path.count(separator) < threshold:
        return path
    parts = path.split(separator)
    return f"{parts[0]}{separator}nested{separator}{parts[-1]}"


def get_table_name(path: str, parent_entity: str, separator: str = "_", parent_path: str = "",
                   deeply_nested_threshold: int = 4) -> str:
    entity = sanitize_name(parent_entity)
    key = sanitize_name(path, separator)
    if not parent_path:
        return f"{entity}{separator}{key}"
    full = f"{parent_path}{separator}{key}"
    parts = full.split(separator)
    if len(parts) >= deeply_nested_threshold:
        return f"{entity}{separator}{parts[0]}{separator}nested{separator}{parts[-1]}"
    return f"{entity}{separator}{full}"


def get_standard_field_name(field_name: str) -> str:
    return field_name
