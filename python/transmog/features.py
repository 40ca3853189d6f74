"""1.0.6 module path ``transmog.features``."""


class Features:
    """Optional features available at run time."""

    @staticmethod
    def is_available(name: str) -> bool:
        if name in ("parquet", "csv", "json", "jsonl"):
            return True  # written by the Rust engine, no extra package needed
        try:
            __import__({"polars": "polars", "pandas": "pandas", "arrow": "pyarrow"}.get(name, name))
            return True
        except ImportError:
            return False


__all__ = ["Features"]
