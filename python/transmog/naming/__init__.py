"""Naming helpers (1.0.6's ``transmog.naming``)."""

from .conventions import (get_standard_field_name, get_table_name, handle_deeply_nested_path, join_path,
                          sanitize_name, split_path)

__all__ = ["get_table_name", "sanitize_name", "get_standard_field_name", "split_path", "join_path",
           "handle_deeply_nested_path"]
