"""Processing-strategy interface of 1.0.6's ``transmog.types.processing_types``."""

from typing import Any, Iterator, List, Union, Literal, Protocol



from .base import JsonDict
from .result_types import ResultInterface

FlattenMode = Literal["standard", "streaming"]

__all__ = ["FlattenMode", "ProcessingStrategyProtocol", "ResultInterface", "JsonDict"]


class ProcessingStrategyProtocol(Protocol):
    """A way of processing input into a result."""

    def process_records(self, records: Union[List[JsonDict], Iterator[JsonDict]], entity_name: str,
                        **kwargs: Any) -> ResultInterface: ...

    def process_file(self, file_path: str, entity_name: str, **kwargs: Any) -> ResultInterface: ...

    def execute(self, entity_name: str, **kwargs: Any) -> ResultInterface: ...
