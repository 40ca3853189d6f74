"""Optional features available at run time (1.0.6's ``transmog.features``)."""

from __future__ import annotations

from .dependencies import DependencyManager

__all__ = ["Features", "DependencyManager"]


class Features:
    """Flags set by ``detect_features()`` (run at import). Parquet needs no extra package
    here: the engine writes it."""

    HAS_PYARROW = False
    HAS_ORJSON = False
    HAS_TYPING_EXTENSIONS = False
    HAS_POLARS = False
    HAS_PARQUET_SUPPORT = False
    HAS_FAST_JSON = False
    HAS_ENHANCED_TYPING = False
    HAS_FAST_CSV = False

    @classmethod
    def detect_features(cls) -> None:
        cls.HAS_PYARROW = DependencyManager.has_dependency("pyarrow")
        cls.HAS_ORJSON = DependencyManager.has_dependency("orjson")
        cls.HAS_TYPING_EXTENSIONS = DependencyManager.has_dependency("typing_extensions")
        cls.HAS_POLARS = DependencyManager.has_dependency("polars")
        cls.HAS_PARQUET_SUPPORT = DependencyManager.has_feature("parquet")
        cls.HAS_FAST_JSON = DependencyManager.has_feature("fast_json")
        cls.HAS_ENHANCED_TYPING = DependencyManager.has_feature("typing")
        # CSV input is read by the engine, as fast with or without polars.
        cls.HAS_FAST_CSV = True

    @classmethod
    def has_pyarrow(cls) -> bool:
        return cls.HAS_PYARROW

    @classmethod
    def has_orjson(cls) -> bool:
        return cls.HAS_ORJSON

    @classmethod
    def has_polars(cls) -> bool:
        return cls.HAS_POLARS

    @staticmethod
    def is_available(name: str) -> bool:
        """Not in 1.0.6: whether a format (``parquet``, ``csv``, ``json``, ``jsonl``, always)
        or a package (``polars``, ``pandas``, ``arrow``/``pyarrow``) is available."""
        if name in ("parquet", "csv", "json", "jsonl"):
            return True
        return DependencyManager.has_dependency({"arrow": "pyarrow"}.get(name, name))


Features.detect_features()
