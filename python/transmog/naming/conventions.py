"""1.0.6 module path ``transmog.naming.conventions``."""

from . import get_standard_field_name, get_table_name, handle_deeply_nested_path, sanitize_name

__all__ = ["get_standard_field_name", "get_table_name", "handle_deeply_nested_path", "sanitize_name"]
