"""1.0.6's ``transmog.config.utils``."""

from __future__ import annotations

from typing import Any, Dict

from . import TransmogConfig

__all__ = ["get_common_config_params", "TransmogConfig"]


def get_common_config_params(config: TransmogConfig) -> Dict[str, Any]:
    """The flattening options of a config as keyword arguments of the low-level
    functions (``max_depth`` is ``processing.max_nesting_depth``, as in 1.0.6)."""
    return {
        "cast_to_string": config.processing.cast_to_string,
        "include_empty": config.processing.include_empty,
        "skip_null": config.processing.skip_null,
        "visit_arrays": config.processing.visit_arrays,
        "max_depth": config.processing.max_nesting_depth,
        "separator": config.naming.separator,
        "deeply_nested_threshold": config.naming.deeply_nested_threshold,
    }
