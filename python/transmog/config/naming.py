"""Naming options (1.0.6's ``transmog.config.naming``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = ["NamingOptions", "configure_naming"]


@dataclass
class NamingOptions:
    """Separator and deep-nesting threshold, checked on creation (``ValueError``)."""

    separator: str = "_"
    deeply_nested_threshold: int = 4

    def __post_init__(self) -> None:
        if not self.separator:
            raise ValueError("Separator character cannot be empty")
        if self.deeply_nested_threshold < 2:
            raise ValueError("Deeply nested threshold must be at least 2")


def configure_naming(separator: Optional[str] = None,
                     deeply_nested_threshold: Optional[int] = None) -> NamingOptions:
    options = NamingOptions()
    if separator is not None:
        options.separator = separator
    if deeply_nested_threshold is not None:
        options.deeply_nested_threshold = deeply_nested_threshold
    options.__post_init__()
    return options
