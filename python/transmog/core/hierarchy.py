"""Record processing of 1.0.6's ``transmog.core.hierarchy``, through the engine."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from ..types.base import ArrayDict, FlatDict, JsonDict
from . import _engine
from .extractor import _depth_first, extract_arrays, stream_extract_arrays
from .flattener import flatten_json
from .metadata import annotate_with_metadata, generate_deterministic_id, get_current_timestamp

__all__ = ["process_structure", "process_record_batch", "process_records_in_single_pass", "stream_process_records",
           "ArrayDict", "FlatDict", "JsonDict", "ProcessResult", "annotate_with_metadata", "extract_arrays",
           "flatten_json", "generate_deterministic_id", "stream_extract_arrays", "logger"]

logger = logging.getLogger(__name__)

ProcessResult = Tuple[FlatDict, ArrayDict]


def process_structure(data: JsonDict, entity_name: str, parent_id: Optional[str] = None, parent_path: str = "",
                      separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
                      skip_null: bool = True, extract_time: Optional[Any] = None, root_entity: Optional[str] = None,
                      deeply_nested_threshold: int = 4,
                      default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                      id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                      id_field: str = "__extract_id", parent_field: str = "__parent_extract_id",
                      time_field: str = "__extract_datetime", visit_arrays: bool = True, streaming: bool = False,
                      recovery_strategy: Optional[Any] = None, max_depth: int = 100,
                      keep_arrays: bool = False) -> Tuple[FlatDict, Any]:
    """One record: its main row (with metadata; ``parent_id`` as its parent when given)
    and its child tables (``{table: rows}``, or with ``streaming`` an iterator of
    ``(table, row)``). Without ``extract_time`` the main row gets the text timestamp and
    the child rows a naive ``datetime.now()``, as in 1.0.6. ``root_entity`` was unused
    by 1.0.6 as well."""
    path = parent_path.split(separator) if parent_path else []
    cfg = _engine.config(separator=separator, cast_to_string=cast_to_string, include_empty=include_empty,
                         skip_null=skip_null, deeply_nested_threshold=deeply_nested_threshold,
                         max_depth=max_depth + len(path), visit_arrays=visit_arrays, keep_arrays=keep_arrays,
                         id_field=id_field, parent_field=parent_field, time_field=time_field,
                         default_id_field=default_id_field, id_generation_strategy=id_generation_strategy,
                         recovery_strategy=recovery_strategy)
    child_time = datetime.now() if extract_time is None else extract_time
    main, children = _engine.run([_engine.wrap(data or {}, path)], entity_name, cfg, child_time)
    row = main[0]
    if extract_time is None:
        row[time_field] = get_current_timestamp()
    if parent_id is not None:
        # The parent comes after the id, like 1.0.6's annotate_with_metadata.
        rest = {k: row.pop(k) for k in list(row) if k == time_field}
        row[parent_field] = parent_id
        row.update(rest)
    if streaming:
        return row, _depth_first(children, row[id_field], id_field, parent_field)
    return row, children


def process_records_in_single_pass(records: List[JsonDict], entity_name: str, extract_time: Optional[Any] = None,
                                   separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
                                   skip_null: bool = True, id_field: str = "__extract_id",
                                   parent_field: str = "__parent_extract_id",
                                   time_field: str = "__extract_datetime", visit_arrays: bool = True,
                                   deeply_nested_threshold: int = 4,
                                   default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                                   id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                                   recovery_strategy: Optional[Any] = None, max_depth: int = 100,
                                   keep_arrays: bool = False) -> Tuple[List[FlatDict], ArrayDict]:
    """Main rows and child tables of ``records``. A record that is not a dict follows
    ``recovery_strategy`` (see ``Processor``). Without ``extract_time`` every row gets
    one naive ``datetime.now()``, as in 1.0.6."""
    cfg = _engine.config(separator=separator, cast_to_string=cast_to_string, include_empty=include_empty,
                         skip_null=skip_null, deeply_nested_threshold=deeply_nested_threshold, max_depth=max_depth,
                         visit_arrays=visit_arrays, keep_arrays=keep_arrays, id_field=id_field,
                         parent_field=parent_field, time_field=time_field, default_id_field=default_id_field,
                         id_generation_strategy=id_generation_strategy, recovery_strategy=recovery_strategy)
    return _engine.run(records, entity_name, cfg, datetime.now() if extract_time is None else extract_time)


def process_record_batch(records: List[JsonDict], entity_name: str, extract_time: Optional[Any] = None,
                         separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
                         skip_null: bool = True, id_field: str = "__extract_id",
                         parent_field: str = "__parent_extract_id", time_field: str = "__extract_datetime",
                         visit_arrays: bool = True, deeply_nested_threshold: int = 4,
                         default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                         id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                         recovery_strategy: Optional[Any] = None, max_depth: int = 100, keep_arrays: bool = False,
                         batch_size: int = 100) -> Tuple[List[FlatDict], ArrayDict]:
    """``process_records_in_single_pass``, ``batch_size`` records per engine call
    (the result is the same for any batch size)."""
    if batch_size is None or batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    stamp = datetime.now() if extract_time is None else extract_time
    main: List[FlatDict] = []
    tables: ArrayDict = {}
    records = list(records)
    for start in range(0, max(len(records), 1), batch_size):
        rows, children = process_records_in_single_pass(
            records[start:start + batch_size], entity_name, stamp, separator, cast_to_string, include_empty,
            skip_null, id_field, parent_field, time_field, visit_arrays, deeply_nested_threshold,
            default_id_field, id_generation_strategy, recovery_strategy, max_depth, keep_arrays)
        main.extend(rows)
        for name, child_rows in children.items():
            tables.setdefault(name, []).extend(child_rows)
    return main, tables


def stream_process_records(records: List[JsonDict], entity_name: str, extract_time: Optional[Any] = None,
                           separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
                           skip_null: bool = True, id_field: str = "__extract_id",
                           parent_field: str = "__parent_extract_id", time_field: str = "__extract_datetime",
                           visit_arrays: bool = True, deeply_nested_threshold: int = 4,
                           default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                           id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                           max_depth: int = 100, keep_arrays: bool = False,
                           use_deterministic_ids: bool = False) -> Tuple[List[FlatDict], Iterator[Tuple[str, Dict[str, Any]]]]:
    """Main rows, and the child rows as an iterator of ``(table, row)``. With
    ``use_deterministic_ids`` and no ``default_id_field``, ids come from each row's
    ``id`` field (falling back to random ids where it is missing)."""
    if use_deterministic_ids and default_id_field is None and id_generation_strategy is None:
        default_id_field = "id"
    main, children = process_records_in_single_pass(
        records, entity_name, extract_time, separator, cast_to_string, include_empty, skip_null, id_field,
        parent_field, time_field, visit_arrays, deeply_nested_threshold, default_id_field, id_generation_strategy,
        None, max_depth, keep_arrays)

    def child_rows() -> Iterator[Tuple[str, Dict[str, Any]]]:
        for row in main:
            yield from _depth_first(children, row[id_field], id_field, parent_field)

    return main, child_rows()
