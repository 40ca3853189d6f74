"""Processing strategy classes of 1.0.6 (thin wrappers over ``Processor``)."""

from __future__ import annotations

from typing import Any, Optional

from .config import TransmogConfig

__all__ = ["ProcessingStrategy", "InMemoryStrategy", "FileStrategy", "BatchStrategy", "ChunkedStrategy",
           "CSVStrategy"]


class ProcessingStrategy:
    def __init__(self, config: Optional[TransmogConfig] = None):
        self.config = config or TransmogConfig.default()

    def _processor(self):
        from .process import Processor

        return Processor(self.config)

    def process(self, data: Any, entity_name: str, **kwargs: Any):
        return self._processor().process(data, entity_name, kwargs.get("extract_time"))

    def can_handle(self, data: Any) -> bool:
        return True


class InMemoryStrategy(ProcessingStrategy):
    def can_handle(self, data: Any) -> bool:
        return isinstance(data, (dict, list))


class FileStrategy(ProcessingStrategy):
    def process(self, data: Any, entity_name: str, **kwargs: Any):
        return self._processor().process_file(data, entity_name, kwargs.get("extract_time"))

    def can_handle(self, data: Any) -> bool:
        import os

        return isinstance(data, str) and os.path.isfile(data)


class BatchStrategy(ProcessingStrategy):
    def process(self, data: Any, entity_name: str, **kwargs: Any):
        return self._processor().process_batch(list(data), entity_name, kwargs.get("extract_time"))


class ChunkedStrategy(ProcessingStrategy):
    def process(self, data: Any, entity_name: str, **kwargs: Any):
        return self._processor().process_chunked(data, entity_name, kwargs.get("extract_time"),
                                                 kwargs.get("chunk_size"))


class CSVStrategy(ProcessingStrategy):
    def process(self, data: Any, entity_name: str, **kwargs: Any):
        return self._processor().process_csv(data, entity_name, kwargs.get("extract_time"))

    def can_handle(self, data: Any) -> bool:
        return isinstance(data, str) and data.lower().endswith(".csv")
