"""Type aliases of 1.0.6's ``transmog.types.base``."""

from typing import Any, Dict, List, TypeVar

JsonDict = Dict[str, Any]
FlatDict = Dict[str, Any]
ArrayDict = Dict[str, List[Dict[str, Any]]]

T = TypeVar("T")

__all__ = ["JsonDict", "FlatDict", "ArrayDict"]
