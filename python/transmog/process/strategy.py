"""Processing strategies (1.0.6's ``transmog.process.strategy``; was
``transmog.strategies`` here). Each runs one kind of input through the engine with its
config; ``result=`` appends to an existing ``ProcessingResult``."""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from typing import Any, Optional

from ..config import TransmogConfig
from ..core.extractor import extract_arrays
from ..core.hierarchy import process_records_in_single_pass
from ..core.metadata import annotate_with_metadata, get_current_timestamp
from ..error import ConfigurationError, FileError, error_context
from ..naming.conventions import sanitize_name
from . import _drive
from .result import ProcessingResult
from .utils import handle_file_error

__all__ = ["ProcessingStrategy", "InMemoryStrategy", "FileStrategy", "BatchStrategy", "ChunkedStrategy",
           "CSVStrategy", "ProcessingResult", "TransmogConfig", "ConfigurationError", "FileError",
           "annotate_with_metadata", "error_context", "extract_arrays", "get_current_timestamp",
           "handle_file_error", "process_records_in_single_pass", "sanitize_name", "logger"]

logger = logging.getLogger(__name__)


def _into(result: Optional[ProcessingResult], produced: ProcessingResult) -> ProcessingResult:
    """``produced``, or its rows appended to ``result`` when one was given."""
    if result is None:
        return produced
    for row in produced.get_main_table():
        result.add_main_record(row)
    result.add_child_tables({name: produced.get_child_table(name) for name in produced.get_table_names()})
    result.source_info.update(produced.source_info)
    return result


class ProcessingStrategy(ABC):
    """Processes one kind of input with ``config``."""

    def __init__(self, config: TransmogConfig):
        self.config = config

    def _processor(self) -> _drive.Configured:
        """What ``Processor(self.config)`` is to the runs (built the same way)."""
        return _drive.Configured(self.config)

    @abstractmethod
    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                **kwargs: Any) -> ProcessingResult:
        """Processes ``data`` into a result."""


class InMemoryStrategy(ProcessingStrategy):
    """A dict or a list of dicts."""

    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                **kwargs: Any) -> ProcessingResult:
        result = kwargs.pop("result", None)
        if not isinstance(data, (dict, list)):
            raise TypeError(f"Expected dict or list of dicts, got {type(data).__name__}")
        return _into(result, _drive.process_data(self._processor().config, data, entity_name, extract_time))


class FileStrategy(ProcessingStrategy):
    """A JSON, JSON Lines or CSV file."""

    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                result: Optional[ProcessingResult] = None, **kwargs: Any) -> ProcessingResult:
        if not isinstance(data, (str, os.PathLike)) or not os.path.isfile(os.fspath(data)):
            raise FileError(f"File not found: {data}", str(data), "read")
        return _into(result, _drive._read_file(self.config, os.fspath(data), entity_name, extract_time))


class BatchStrategy(ProcessingStrategy):
    """A batch (list or iterable) of records; flattened like ``process`` (1.0.6 did not
    flatten here)."""

    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                result: Optional[ProcessingResult] = None, **kwargs: Any) -> ProcessingResult:
        batch_size = kwargs.pop("batch_size", None)
        return _into(result, _drive.process_chunked(self._processor(), data, entity_name, extract_time, batch_size))


class ChunkedStrategy(ProcessingStrategy):
    """A large source ``chunk_size`` records at a time (see ``process_chunked``)."""

    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                result: Optional[ProcessingResult] = None, **kwargs: Any) -> ProcessingResult:
        return _into(result, _drive.process_chunked(self._processor(), data, entity_name, extract_time, **kwargs))


class CSVStrategy(ProcessingStrategy):
    """A CSV file (``kwargs``: ``process_csv``'s options)."""

    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                **kwargs: Any) -> ProcessingResult:
        result = kwargs.pop("result", None)
        return _into(result, _drive._read_csv(self.config, data, entity_name, extract_time, **kwargs))
