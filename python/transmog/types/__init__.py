"""Type aliases and interfaces (1.0.6's ``transmog.types``)."""

from .base import ArrayDict, FlatDict, JsonDict
from .io_types import StreamingWriterProtocol, WriterProtocol, WriterRegistryProtocol
from .processing_types import FlattenMode, ProcessingStrategyProtocol
from .result_types import ConversionModeType, ResultInterface

__all__ = ["JsonDict", "FlatDict", "ArrayDict", "WriterProtocol", "WriterRegistryProtocol",
           "StreamingWriterProtocol", "ResultInterface", "ConversionModeType", "ProcessingStrategyProtocol",
           "FlattenMode"]
