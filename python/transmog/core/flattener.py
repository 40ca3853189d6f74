"""1.0.6 module path ``transmog.core.flattener``."""

from . import flatten_json

__all__ = ["flatten_json"]
