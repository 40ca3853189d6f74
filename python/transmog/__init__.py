"""Transmog: flatten nested JSON into relational tables.

Transmog 1.0.6's public API on a Rust/Arrow engine. Nothing is dropped: columns first
seen late are kept (NULL in earlier rows), colliding names keep both values, and
``1``/``1.0``/``True`` are never conflated.
"""

from . import _native
from .config import (CacheConfig, SchemaConfig, ErrorHandlingConfig, ExtensionRegistry, MetadataConfig, NamingConfig,
                     ProcessingConfig, ProcessingMode, TransmogConfig, TransmogSettings, configure, extensions,
                     load_config, load_profile, settings)
from .core.extractor import extract_arrays, stream_extract_arrays
from .core.flattener import flatten_json
from .core.hierarchy import (process_record_batch, process_records_in_single_pass, process_structure,
                             stream_process_records)
from .core.metadata import annotate_with_metadata, create_batch_metadata, generate_extract_id, get_current_timestamp
from .error import (DEFAULT, LENIENT, STRICT, ConfigurationError, FileError, MissingDependencyError, OutputError,
                    ParsingError, PartialProcessingRecovery, ProcessingError, RecoveryStrategy, SkipAndLogRecovery,
                    StrictRecovery, TransmogError, ValidationError, error_context, setup_logging, with_recovery)
from .io import (DataWriter, FormatRegistry, ParquetStreamingWriter, StreamingWriter, create_streaming_writer,
                 create_writer, detect_format, get_supported_streaming_formats, initialize_io_features,
                 is_streaming_format_available)
from .naming.conventions import get_standard_field_name, get_table_name, handle_deeply_nested_path, sanitize_name
from .process import (BatchStrategy, ChunkedStrategy, CSVStrategy, FileStrategy, InMemoryStrategy,
                      ProcessingResult, ProcessingStrategy, Processor)
from ._roundtrip import unflatten  # not in 1.0.6: the round-trip oracle

__version__ = "1.0.6"
__engine_version__ = _native.ENGINE_VERSION


from .dependencies import DependencyManager  # noqa: E402
from .dependencies import DependencyManager as IoDependencyManager  # noqa: E402
from .features import Features  # noqa: E402

__all__ = [
    "Processor", "ProcessingResult", "ProcessingStrategy", "InMemoryStrategy", "FileStrategy", "BatchStrategy",
    "ChunkedStrategy", "CSVStrategy", "TransmogConfig", "ProcessingMode", "NamingConfig", "ProcessingConfig",
    "MetadataConfig", "ErrorHandlingConfig", "CacheConfig", "SchemaConfig", "TransmogSettings", "ExtensionRegistry", "settings",
    "extensions", "load_profile", "load_config", "configure", "FormatRegistry", "detect_format", "create_writer",
    "DataWriter", "StreamingWriter", "create_streaming_writer", "get_supported_streaming_formats",
    "is_streaming_format_available", "ParquetStreamingWriter", "initialize_io_features", "Features",
    "DependencyManager", "IoDependencyManager", "TransmogError", "ProcessingError", "ValidationError",
    "ParsingError", "FileError", "MissingDependencyError", "ConfigurationError", "OutputError", "error_context",
    "setup_logging", "RecoveryStrategy", "StrictRecovery", "SkipAndLogRecovery", "PartialProcessingRecovery",
    "with_recovery", "STRICT", "DEFAULT", "LENIENT", "flatten_json", "process_record_batch",
    "process_records_in_single_pass", "process_structure", "stream_process_records", "extract_arrays",
    "stream_extract_arrays", "annotate_with_metadata", "create_batch_metadata", "generate_extract_id",
    "get_current_timestamp", "get_standard_field_name", "get_table_name", "sanitize_name",
    "handle_deeply_nested_path",
]
