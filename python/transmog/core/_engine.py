"""Runs the low-level functions' keyword arguments through the engine: one
``Processor`` call on a config built from them (1.0.6 rebuilt each step in Python)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from ..config import ErrorHandlingConfig, MetadataConfig, NamingConfig, ProcessingConfig, TransmogConfig
from ..config.validation import RECOVERY_STRATEGIES

ROW_META = ("__array_field", "__array_index")


def recovery(strategy: Any) -> Any:
    """1.0.6's low-level functions take a strategy object or a name; anything else
    (``None`` included) behaves as strict."""
    if hasattr(strategy, "recover") or strategy in RECOVERY_STRATEGIES:
        return strategy
    return "strict"


def config(separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
           skip_null: bool = True, deeply_nested_threshold: int = 4, max_depth: int = 100,
           visit_arrays: bool = True, keep_arrays: bool = False, id_field: str = "__extract_id",
           parent_field: str = "__parent_extract_id", time_field: str = "__extract_datetime",
           default_id_field: Optional[Union[str, Dict[str, str]]] = None,
           id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
           recovery_strategy: Any = None) -> TransmogConfig:
    return TransmogConfig(
        naming=NamingConfig(separator=separator, deeply_nested_threshold=deeply_nested_threshold),
        processing=ProcessingConfig(cast_to_string=cast_to_string, include_empty=include_empty,
                                    skip_null=skip_null, max_depth=max(int(max_depth), 1),
                                    visit_arrays=visit_arrays, keep_arrays=keep_arrays),
        metadata=MetadataConfig(id_field=id_field, parent_field=parent_field, time_field=time_field,
                                default_id_field=default_id_field, id_generation_strategy=id_generation_strategy),
        error_handling=ErrorHandlingConfig(recovery_strategy=recovery(recovery_strategy)),
    )


def run(records: Any, entity_name: str, cfg: TransmogConfig,
        extract_time: Any) -> Tuple[List[Dict[str, Any]], Dict[str, List[Dict[str, Any]]]]:
    """Main rows and ``{child table: rows}`` of ``records`` under ``cfg``."""
    from ..process import Processor

    result = Processor(cfg).process(records if isinstance(records, list) else list(records),
                                    entity_name, extract_time=extract_time)
    return result.get_main_table(), {name: result.get_child_table(name) for name in result.get_table_names()}


def wrap(data: Dict[str, Any], path: List[str]) -> Dict[str, Any]:
    """``data`` nested under the keys of ``path`` ({"a": {"b": data}}), so the engine
    names its fields and tables as if it sat there (1.0.6's ``parent_path``)."""
    for key in reversed(path):
        data = {key: data}
    return data


def unwrap_children(children: Dict[str, List[Dict[str, Any]]], root_id: Any, parent_id: Optional[str],
                    parent_field: str) -> Dict[str, List[Dict[str, Any]]]:
    """Child rows of a record whose own row is not wanted: rows that pointed at it point
    at ``parent_id`` instead (no parent field when it is None, as in 1.0.6)."""
    for rows in children.values():
        for row in rows:
            if row.get(parent_field) == root_id:
                if parent_id is None:
                    del row[parent_field]
                else:
                    row[parent_field] = parent_id
    return children
