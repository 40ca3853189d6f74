"""Optional-dependency checks (1.0.6's ``transmog.dependencies``)."""

from __future__ import annotations

import importlib
import logging
from typing import Dict, Optional, Set

__all__ = ["DependencyManager"]

logger = logging.getLogger(__name__)


class DependencyManager:
    """Whether optional packages, and the features built on them, are available.

    Features here: ``parquet`` (written by the Rust engine: nothing to install),
    ``fast_json`` (orjson) and ``typing`` (typing-extensions)."""

    _optional_deps: Dict[str, bool] = {}
    _feature_deps: Dict[str, Set[str]] = {
        "parquet": set(),
        "fast_json": {"orjson"},
        "typing": {"typing_extensions"},
    }

    @classmethod
    def has_dependency(cls, name: str) -> bool:
        """Whether ``name`` imports (remembered after the first check)."""
        if name not in cls._optional_deps:
            cls._optional_deps[name] = cls._check_dependency(name)
        return cls._optional_deps[name]

    @classmethod
    def register_dependency(cls, name: str, available: bool) -> None:
        """Records ``name`` as available or not, without importing it."""
        cls._optional_deps[name] = available

    @staticmethod
    def _check_dependency(name: str) -> bool:
        try:
            importlib.import_module(name)
            return True
        except ImportError:
            return False

    @classmethod
    def has_feature(cls, feature_name: str) -> bool:
        if feature_name not in cls._feature_deps:
            return False
        return all(cls.has_dependency(dep) for dep in cls._feature_deps[feature_name])

    @classmethod
    def missing_dependencies(cls, feature_name: str) -> Set[str]:
        return {dep for dep in cls._feature_deps.get(feature_name, set()) if not cls.has_dependency(dep)}

    @classmethod
    def require_dependency(cls, name: str, message: Optional[str] = None) -> bool:
        """True when available; otherwise logs a warning (``message``) and returns False."""
        if cls.has_dependency(name):
            return True
        logger.warning(message or f"The '{name}' package is required for this operation. "
                                  f"Install with: pip install {name}")
        return False

    @classmethod
    def require_feature(cls, feature_name: str, message: Optional[str] = None) -> bool:
        """True when the feature is available; otherwise warns about what is missing."""
        if cls.has_feature(feature_name):
            return True
        missing = cls.missing_dependencies(feature_name)
        if not missing:
            return False
        logger.warning(message or f"The following packages are required for {feature_name}: "
                                  f"{', '.join(sorted(missing))}\nInstall with: pip install {' '.join(sorted(missing))}")
        return False
