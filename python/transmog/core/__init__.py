"""Low-level functions of 1.0.6's public API, implemented over the engine."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from ..config import TransmogConfig

__all__ = ["flatten_json", "process_record_batch", "process_records_in_single_pass", "process_structure",
           "stream_process_records", "extract_arrays", "stream_extract_arrays", "annotate_with_metadata",
           "create_batch_metadata", "generate_extract_id", "get_current_timestamp"]

_NAMESPACE = uuid.UUID("a9b8c7d6-e5f4-1234-abcd-0123456789ab")
_META = ("__extract_id", "__parent_extract_id", "__extract_datetime", "__array_field", "__array_index")


def _config(separator: Optional[str], cast_to_string: Optional[bool], include_empty: Optional[bool],
            skip_null: Optional[bool], deeply_nested_threshold: Optional[int] = None,
            max_depth: Optional[int] = None, visit_arrays: Optional[bool] = None) -> TransmogConfig:
    cfg = TransmogConfig.default()
    naming = {k: v for k, v in (("separator", separator), ("deeply_nested_threshold", deeply_nested_threshold))
              if v is not None}
    if naming:
        cfg = cfg.with_naming(**naming)
    proc = {k: v for k, v in (("cast_to_string", cast_to_string), ("include_empty", include_empty),
                              ("skip_null", skip_null), ("max_depth", max_depth),
                              ("visit_arrays", visit_arrays)) if v is not None}
    return cfg.with_processing(**proc) if proc else cfg


def flatten_json(data: Dict[str, Any], separator: Optional[str] = None, cast_to_string: Optional[bool] = None,
                 include_empty: Optional[bool] = None, skip_null: Optional[bool] = None,
                 skip_arrays: bool = True, deeply_nested_threshold: Optional[int] = None,
                 max_depth: Optional[int] = None, **_: Any) -> Dict[str, Any]:
    """One record flattened into one dict (arrays skipped), without metadata."""
    from ..process import Processor

    cfg = _config(separator, cast_to_string, include_empty, skip_null, deeply_nested_threshold, max_depth)
    row = Processor(cfg).process(data, entity_name="_").get_main_table()[0]
    return {k: v for k, v in row.items() if k not in _META}


def extract_arrays(obj: Dict[str, Any], parent_id: Optional[str] = None, entity_name: str = "",
                   separator: Optional[str] = None, cast_to_string: Optional[bool] = None,
                   include_empty: Optional[bool] = None, skip_null: Optional[bool] = None,
                   extract_time: Any = None, **_: Any) -> Dict[str, List[Dict[str, Any]]]:
    """Child tables of one record; top-level child rows point at ``parent_id``."""
    from ..process import Processor

    cfg = _config(separator, cast_to_string, include_empty, skip_null)
    result = Processor(cfg).process(obj, entity_name=entity_name, extract_time=extract_time)
    root = result.get_main_table()[0][cfg.metadata.id_field]
    out = {}
    for name in result.get_table_names():
        rows = result.get_child_table(name)
        if parent_id is not None:
            for r in rows:
                if r.get(cfg.metadata.parent_field) == root:
                    r[cfg.metadata.parent_field] = parent_id
        out[name] = rows
    return out


def stream_extract_arrays(obj: Dict[str, Any], **kwargs: Any) -> Iterator[Tuple[str, Dict[str, Any]]]:
    for name, rows in extract_arrays(obj, **kwargs).items():
        for row in rows:
            yield name, row


def process_structure(data: Dict[str, Any], entity_name: str, **kwargs: Any) -> Tuple[Dict[str, Any], Dict[str, List]]:
    from ..process import Processor

    result = Processor(_config(kwargs.get("separator"), kwargs.get("cast_to_string"), kwargs.get("include_empty"),
                               kwargs.get("skip_null"))).process(data, entity_name, kwargs.get("extract_time"))
    return result.get_main_table()[0], {n: result.get_child_table(n) for n in result.get_table_names()}


def process_record_batch(records: List[Dict[str, Any]], entity_name: str, **kwargs: Any) -> Tuple[List, Dict]:
    from ..process import Processor

    result = Processor(_config(kwargs.get("separator"), kwargs.get("cast_to_string"), kwargs.get("include_empty"),
                               kwargs.get("skip_null"))).process(records, entity_name, kwargs.get("extract_time"))
    return result.get_main_table(), {n: result.get_child_table(n) for n in result.get_table_names()}


def process_records_in_single_pass(records: List[Dict[str, Any]], entity_name: str, **kwargs: Any) -> Tuple[List, Dict]:
    return process_record_batch(records, entity_name, **kwargs)


def stream_process_records(records: Iterable[Dict[str, Any]], entity_name: str, **kwargs: Any) -> Tuple[List, Dict]:
    return process_record_batch(list(records), entity_name, **kwargs)


def generate_extract_id(record: Optional[Dict[str, Any]] = None, source_field: Optional[str] = None) -> str:
    """Random uuid4, or uuid5 of ``record[source_field]`` (1.0.6's namespace and rule)."""
    if record is not None and source_field and record.get(source_field):
        return str(uuid.uuid5(_NAMESPACE, str(record[source_field]).strip().lower()))
    return str(uuid.uuid4())


def get_current_timestamp() -> str:
    """Current UTC time as ``YYYY-MM-DD HH:MM:SS.ffffff`` (a fresh value every call)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def annotate_with_metadata(record: Dict[str, Any], parent_id: Optional[str] = None,
                           extract_id: Optional[str] = None, extract_time: Any = None,
                           id_field: str = "__extract_id", parent_field: str = "__parent_extract_id",
                           time_field: str = "__extract_datetime", **_: Any) -> Dict[str, Any]:
    out = dict(record)
    out[id_field] = extract_id or generate_extract_id()
    if parent_id is not None:
        out[parent_field] = parent_id
    out[time_field] = extract_time if extract_time is not None else get_current_timestamp()
    return out


def create_batch_metadata(batch_size: int, parent_id: Optional[str] = None, extract_time: Any = None,
                          **_: Any) -> List[Dict[str, Any]]:
    t = extract_time if extract_time is not None else get_current_timestamp()
    rows = []
    for _i in range(batch_size):
        row = {"__extract_id": generate_extract_id(), "__extract_datetime": t}
        if parent_id is not None:
            row["__parent_extract_id"] = parent_id
        rows.append(row)
    return rows
