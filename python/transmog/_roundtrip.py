"""``transmog.unflatten``: nested records rebuilt from flattened tables (not in 1.0.6)."""

import os
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native
from .process.result import ProcessingResult

PathArg = Union[str, "os.PathLike[str]"]


def unflatten(source: Union[ProcessingResult, PathArg, Sequence[PathArg]], entity_name: Optional[str] = None,
              separator: str = "_") -> List[Dict[str, Any]]:
    """Rebuild the nested records from a result or from the Parquet files of a run.

    ``source`` is a ``ProcessingResult`` of this package, or a directory / Parquet file(s)
    written by it (``stream_to_parquet``, ``transmog convert``); ``entity_name`` picks the
    entity's files when a directory holds several (``separator``: the one used to flatten).
    Records come back in input order. With ``cast_to_string=False``, ``include_empty=True``
    and ``skip_null=False`` they equal the input up to key order, except that null fields
    come back as ``""`` (1.0.6's rule); the README ("Round trip / unflatten") lists what
    the other options and the file format lose.
    """
    if isinstance(source, ProcessingResult):
        if source._native is None:
            raise TypeError("unflatten needs a result made by this package's Processor")
        return source._native.unflatten()
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    return _native.unflatten_files([os.fspath(p) for p in paths], entity_name, separator)
