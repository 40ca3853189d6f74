"""Writer interfaces of 1.0.6's ``transmog.types.io_types`` (typing Protocols)."""

from typing import Any, BinaryIO, Callable, Dict, List, Optional, TextIO, Union, Literal, Protocol



from .base import JsonDict

__all__ = ["WriterProtocol", "StreamingWriterProtocol", "WriterRegistryProtocol", "JsonDict",
           "WriterFactory", "StreamingWriterFactory"]


class WriterProtocol(Protocol):
    """Writes one table."""

    def write(self, data: Any, destination: Union[str, BinaryIO, TextIO], **options: Any) -> Any: ...


class StreamingWriterProtocol(Protocol):
    """Writes tables batch by batch."""

    def __init__(self, destination: Optional[Union[str, BinaryIO, TextIO]] = None,
                 entity_name: str = "entity", **options: Any) -> None: ...

    def initialize_main_table(self) -> None: ...

    def initialize_child_table(self, table_name: str) -> None: ...

    def write_main_records(self, records: List[Dict[str, Any]]) -> None: ...

    def write_child_records(self, table_name: str, records: List[Dict[str, Any]]) -> None: ...

    def finalize(self) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> "StreamingWriterProtocol": ...

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> Literal[False]: ...


class WriterRegistryProtocol(Protocol):
    """Finds writers by format name."""

    def register_writer(self, format_name: str, writer_factory: Callable[..., WriterProtocol]) -> None: ...

    def get_writer(self, format_name: str) -> Optional[WriterProtocol]: ...

    def is_format_available(self, format_name: str) -> bool: ...


WriterFactory = Callable[..., WriterProtocol]
StreamingWriterFactory = Callable[..., StreamingWriterProtocol]
