"""1.0.6 module path ``transmog.core.extractor``."""

from . import extract_arrays, stream_extract_arrays

__all__ = ["extract_arrays", "stream_extract_arrays"]
