"""The Processor: Transmog 1.0.6's processing entry points over the Rust engine (the
file, chunked and streaming functions live in ``.file_handling`` and ``.streaming`` and
take the processor first, as in 1.0.6)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Protocol, TypeVar, Union

from ..config import ProcessingMode, TransmogConfig
from ..core.flattener import clear_caches, refresh_cache_config
from ..core.metadata import get_current_timestamp
from ..error import (LENIENT, STRICT, ConfigurationError, PartialProcessingRecovery, ProcessingError,
                     RecoveryStrategy, SkipAndLogRecovery, StrictRecovery, error_context, with_recovery)
from . import _drive, _run
from ._drive import feed, is_csv_path, is_file
from .data_iterators import (get_csv_file_iterator, get_data_iterator, get_json_data_iterator,
                             get_json_file_iterator, get_jsonl_data_iterator, get_jsonl_file_iterator)
from .file_handling import detect_input_format, process_chunked, process_csv, process_file, process_file_to_format
from .result import ConversionMode, ProcessingResult
from .strategy import (BatchStrategy, ChunkedStrategy, CSVStrategy, FileStrategy, InMemoryStrategy,
                       ProcessingStrategy)
from .streaming import stream_process, stream_process_csv, stream_process_file, stream_process_file_with_format
from .utils import get_batch_size, get_common_config_params, handle_file_error

__all__ = ["Processor", "ProcessingResult", "ProcessingStrategy", "InMemoryStrategy", "FileStrategy",
           "BatchStrategy", "ChunkedStrategy", "CSVStrategy"]

logger = logging.getLogger(__name__)

# 1.0.6 wraps non-Transmog exceptions of its public methods as ProcessingError.
_processing_errors = error_context("Failed to process data", log_exceptions=False)


T_co = TypeVar("T_co", covariant=True)


class DataIterator(Protocol[T_co]):
    """What ``get_data_iterator`` returns: an iterator of records."""

    def __iter__(self) -> Iterator[T_co]: ...

    def __next__(self) -> T_co: ...


class Processor:
    """Flattens nested records into a main table and child tables.

    Every ``process*`` method returns a :class:`ProcessingResult` (``stream_process*``
    write files instead). Work happens in Rust with the GIL released.
    """

    def __init__(self, config: Optional[TransmogConfig] = None):
        self.config = config if config is not None else TransmogConfig.default()
        self._configure_cache()

    def _configure_cache(self) -> None:
        """Copies the config's cache settings into the global ``settings``, as 1.0.6 did
        (they steer only ``transmog.core.flattener``'s helpers: the engine has no value
        cache)."""
        _drive.configure_cache(self.config)

    # -- presets ---------------------------------------------------------------------
    @classmethod
    def default(cls) -> "Processor":
        return cls(TransmogConfig.default())

    @classmethod
    def memory_optimized(cls) -> "Processor":
        return cls(TransmogConfig.memory_optimized())

    @classmethod
    def performance_optimized(cls) -> "Processor":
        return cls(TransmogConfig.performance_optimized())

    @classmethod
    def with_deterministic_ids(cls, source_field: Union[str, Dict[str, str]]) -> "Processor":
        return cls(TransmogConfig.with_deterministic_ids(source_field))

    @classmethod
    def with_custom_id_generation(cls, strategy: Callable[[Dict[str, Any]], str]) -> "Processor":
        return cls(TransmogConfig.with_custom_id_generation(strategy))

    @classmethod
    def with_partial_recovery(cls) -> "Processor":
        cfg = TransmogConfig.default().with_error_handling(
            recovery_strategy="partial", allow_malformed_data=True).with_processing(cast_to_string=True)
        return cls(cfg)

    def with_config(self, config: TransmogConfig) -> "Processor":
        return Processor(config)

    def with_naming(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_naming(**kwargs))

    def with_processing(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_processing(**kwargs))

    def with_metadata(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_metadata(**kwargs))

    def with_error_handling(self, **kwargs: Any) -> "Processor":
        return Processor(self.config.with_error_handling(**kwargs))

    def clear_cache(self) -> "Processor":
        """Returns self. 1.0.6 cleared its value cache here; the engine has none."""
        clear_caches()
        return self

    # -- processing ------------------------------------------------------------------
    @_processing_errors
    def process(self, data: Any, entity_name: str, extract_time: Optional[Any] = None) -> ProcessingResult:
        """A dict, a list (or other iterable) of dicts, JSON / JSON Lines text or bytes,
        an open file, or a file path (CSV by extension, else JSON / JSON Lines). Rows of
        in-memory dicts are stamped with a tz-aware UTC ``datetime``, as in 1.0.6."""
        if is_file(data):
            return process_file(self, str(data), entity_name, extract_time)
        return _drive.process_data(self.config, data, entity_name, extract_time)

    @_processing_errors
    def process_batch(self, batch_data: List[Dict[str, Any]], entity_name: str,
                      extract_time: Optional[Any] = None) -> ProcessingResult:
        """A list of records, exactly like ``process`` but with the text timestamp of
        1.0.6's batch path (1.0.6 did not flatten here and changed the caller's dicts;
        we do neither)."""
        stamp = _run.Stamp(extract_time)
        engine = _run.new_engine(self.config, entity_name, stamp)
        feed(engine, batch_data if isinstance(batch_data, (list, tuple)) else list(batch_data), self.config,
             entity_name)
        result = _run.finish(self.config, engine, entity_name, stamp, {})
        if getattr(self.config.cache_config, "clear_after_batch", False):
            self.clear_cache()  # as 1.0.6 (there is no value cache to clear)
        return result

    def process_file(self, file_path: Union[str, Path], entity_name: str,
                     extract_time: Optional[Any] = None) -> ProcessingResult:
        """A JSON, JSON Lines (also .gz/.zst) or CSV file; not in 1.0.6: a list of JSON /
        JSON Lines files is one run over all of them."""
        paths = list(file_path) if isinstance(file_path, (list, tuple)) else str(file_path)
        return process_file(self, paths, entity_name, extract_time)

    def process_file_to_format(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                               output_path: Optional[str] = None, extract_time: Optional[Any] = None,
                               **format_options: Any) -> ProcessingResult:
        return process_file_to_format(self, str(file_path), entity_name, output_format, output_path,
                                      extract_time, **format_options)

    def process_csv(self, file_path: Union[str, Path], entity_name: str, extract_time: Optional[Any] = None,
                    delimiter: Optional[str] = None, has_header: bool = True,
                    null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                    infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                    encoding: str = "utf-8", chunk_size: Optional[int] = None) -> ProcessingResult:
        """A CSV file (see ``transmog.process.file_handling.process_csv``)."""
        return process_csv(self, str(file_path), entity_name, extract_time, delimiter, has_header, null_values,
                           sanitize_column_names, infer_types, skip_rows, quote_char, encoding, chunk_size)

    def process_chunked(self, data: Any, entity_name: str, extract_time: Optional[Any] = None,
                        chunk_size: Optional[int] = None, input_format: str = "auto",
                        **format_options: Any) -> ProcessingResult:
        """A large source, ``chunk_size`` records at a time (see
        ``transmog.process.file_handling.process_chunked``)."""
        return process_chunked(self, data, entity_name, extract_time, chunk_size, input_format, **format_options)

    def process_stream(self, data_source: Any, entity_name: str, extract_time: Optional[Any] = None,
                       chunk_size: Optional[int] = None, **format_options: Any) -> ProcessingResult:
        """Not in 1.0.6 (later versions added it): the same as ``process_chunked``."""
        return process_chunked(self, data_source, entity_name, extract_time, chunk_size, **format_options)

    def _determine_processing_mode(self, data: Any) -> ProcessingMode:
        """1.0.6's choice for ``process_to_format(auto_detect_mode=True)``: low memory
        for iterators, text or files over 100 MiB, lists over 10 000 records or an
        estimated 100 MiB; else the config's mode."""
        threshold = 100 * 1024 * 1024
        if hasattr(data, "__next__") and not isinstance(data, (list, dict, str, bytes)):
            return ProcessingMode.LOW_MEMORY
        if isinstance(data, (str, bytes)):
            size = len(data)
            if isinstance(data, str) and os.path.exists(data):
                size = os.path.getsize(data)
            if size > threshold:
                return ProcessingMode.LOW_MEMORY
        if isinstance(data, list):
            if len(data) > 10000:
                return ProcessingMode.LOW_MEMORY
            sample = data[:10]
            if sample:
                import json

                try:
                    if len(json.dumps(sample, default=str)) / len(sample) * len(data) > threshold:
                        return ProcessingMode.LOW_MEMORY
                except (TypeError, ValueError):
                    pass
        return self.config.processing.processing_mode

    @_processing_errors
    def process_to_format(self, data: Any, entity_name: str, output_format: str,
                          output_path: Optional[str] = None, extract_time: Optional[Any] = None,
                          auto_detect_mode: bool = True, **format_options: Any) -> ProcessingResult:
        """Processes ``data`` and, with ``output_path``, writes the result
        (``result.write``). The processing mode (detected from the data with
        ``auto_detect_mode``, else the config's) decides how the input is consumed:
        ``LOW_MEMORY`` reads it ``batch_size`` records at a time, as 1.0.6's batch
        strategy did; the tables are the same in every mode."""
        mode = self._determine_processing_mode(data) if auto_detect_mode else self.config.processing.processing_mode
        if mode == ProcessingMode.LOW_MEMORY and not is_file(data):
            result = process_chunked(self, data, entity_name, extract_time)
        else:
            result = self.process(data, entity_name, extract_time)
        if output_path:
            os.makedirs(output_path, exist_ok=True)
            result.write(output_format, output_path, **format_options)
        return result

    # -- streaming -------------------------------------------------------------------
    def stream_process(self, data: Any, entity_name: str, output_format: str, output_destination: Any,
                       extract_time: Optional[Any] = None, **format_options: Any) -> None:
        """Flattens ``data`` and writes every table through a streaming writer,
        ``batch_size`` records at a time; columns first seen late are kept."""
        stream_process(self, data, entity_name, output_format, output_destination, extract_time, **format_options)

    def stream_process_file(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                            output_destination: Optional[Any] = None, extract_time: Optional[Any] = None,
                            **format_options: Any) -> None:
        stream_process_file(self, str(file_path), entity_name, output_format, output_destination, extract_time,
                            **format_options)

    def stream_process_csv(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                           output_destination: Any, extract_time: Optional[Any] = None,
                           delimiter: Optional[str] = None, has_header: bool = True,
                           null_values: Optional[List[str]] = None, sanitize_column_names: bool = True,
                           infer_types: bool = True, skip_rows: int = 0, quote_char: Optional[str] = None,
                           encoding: str = "utf-8", **format_options: Any) -> None:
        stream_process_csv(self, str(file_path), entity_name, output_format, output_destination, extract_time,
                           delimiter, has_header, null_values, sanitize_column_names, infer_types, skip_rows,
                           quote_char, encoding, **format_options)

    def stream_process_file_with_format(self, file_path: Union[str, Path], entity_name: str, output_format: str,
                                        format_type: str = "auto", output_destination: Optional[Any] = None,
                                        extract_time: Optional[Any] = None, **format_options: Any) -> None:
        stream_process_file_with_format(self, str(file_path), entity_name, output_format, format_type,
                                        output_destination, extract_time, **format_options)
