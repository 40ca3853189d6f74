"""1.0.6 module path ``transmog.dependencies``."""


class DependencyManager:
    """Checks optional dependencies (pyarrow, polars, pandas, orjson)."""

    @staticmethod
    def has_dependency(name: str) -> bool:
        try:
            __import__(name)
            return True
        except ImportError:
            return False

    @classmethod
    def has_pyarrow(cls) -> bool:
        return cls.has_dependency("pyarrow")

    @classmethod
    def has_polars(cls) -> bool:
        return cls.has_dependency("polars")

    @classmethod
    def has_orjson(cls) -> bool:
        return cls.has_dependency("orjson")


__all__ = ["DependencyManager"]
