"""Array extraction (1.0.6's ``transmog.core.extractor``), through the engine."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from ..naming.conventions import sanitize_name
from ..naming.utils import get_table_name_for_array
from ..types.base import JsonDict
from . import _engine
from .flattener import flatten_json
from .metadata import annotate_with_metadata

__all__ = ["extract_arrays", "stream_extract_arrays", "JsonDict", "JsonList", "ExtractResult",
           "annotate_with_metadata", "flatten_json", "sanitize_name", "get_table_name_for_array", "logger"]

logger = logging.getLogger(__name__)

JsonList = List[Dict[str, Any]]
ExtractResult = Dict[str, List[Dict[str, Any]]]


def extract_arrays(data: JsonDict, parent_id: Optional[str] = None, parent_path: str = "", entity_name: str = "",
                   separator: str = "_", cast_to_string: bool = True, include_empty: bool = False,
                   skip_null: bool = True, extract_time: Optional[Any] = None, id_field: str = "__extract_id",
                   parent_field: str = "__parent_extract_id", time_field: str = "__extract_datetime",
                   deeply_nested_threshold: int = 4, default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                   id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                   streaming: bool = False, recovery_strategy: Optional[Any] = None, max_depth: int = 100,
                   current_depth: int = 0) -> ExtractResult:
    """The child tables of one record, ``{table name: rows}`` in creation order.

    Rows of arrays directly in ``data`` point at ``parent_id`` (they get no parent field
    when it is None); deeper rows at their enclosing item. ``parent_path`` is the key
    path of ``data`` in its record (it shapes table names). Without ``extract_time`` the
    rows get one naive ``datetime.now()``, as in 1.0.6. ``streaming`` changes nothing
    (1.0.6 ignored it too): ``stream_extract_arrays`` is the streaming form.
    """
    if data is None:
        return {}
    if extract_time is None:
        extract_time = datetime.now()
    data = _within_depth(data, max_depth, current_depth, parent_path, separator)
    path = parent_path.split(separator) if parent_path else []
    cfg = _engine.config(separator=separator, cast_to_string=cast_to_string, include_empty=include_empty,
                         skip_null=skip_null, deeply_nested_threshold=deeply_nested_threshold,
                         # _within_depth applied 1.0.6's limit of the array search; the
                         # engine's own (main row) limit must not cut array items earlier.
                         max_depth=(max_depth if max_depth is not None else 100) - current_depth + len(path) + 1,
                         id_field=id_field,
                         parent_field=parent_field, time_field=time_field, default_id_field=default_id_field,
                         id_generation_strategy=id_generation_strategy, recovery_strategy=recovery_strategy)
    main, children = _engine.run([_engine.wrap(data, path)], entity_name, cfg, extract_time)
    return _engine.unwrap_children(children, main[0][id_field], parent_id, parent_field)


def _too_deep(value: Any, depth: int, max_depth: int) -> bool:
    """Whether the array search would reach an object at ``max_depth`` or deeper."""
    if isinstance(value, dict):
        if depth >= max_depth:
            return True
        return any(_too_deep(v, depth + 1, max_depth) for k, v in value.items()
                   if not (isinstance(k, str) and k.startswith("__")))
    if isinstance(value, list):
        return any(isinstance(item, dict) and _too_deep(item, depth, max_depth) for item in value)
    return False


def _without_arrays(value: Dict[str, Any], levels: int) -> Dict[str, Any]:
    """``value`` as its rows see it, minus the arrays below it: objects ``levels`` deep
    at most (row flattening stops at 100 levels anyway), arrays emptied (an empty array
    gives no field and no table, and an item holding one still gives its row)."""
    out: Dict[str, Any] = {}
    for k, v in value.items():
        if isinstance(v, dict):
            if levels > 0:
                out[k] = _without_arrays(v, levels - 1)
        else:
            out[k] = [] if isinstance(v, list) else v
    return out


def _within_depth(data: Any, max_depth: Optional[int], depth: int, path: str, separator: str) -> Any:
    """``data`` as 1.0.6's array search saw it: objects reached at ``max_depth`` (each
    nested object and each array item one level deeper) are not searched for arrays,
    with 1.0.6's warning. A record that contains itself is cut there too instead of
    failing. Returns ``data`` itself when nothing is that deep."""
    if max_depth is None or not isinstance(data, dict) or not _too_deep(data, depth, max_depth):
        return data

    def cut(value: Dict[str, Any], depth: int, path: str) -> Dict[str, Any]:
        if depth >= max_depth:
            logger.warning(f"Maximum recursion depth ({max_depth}) reached at path: {path}")
            return _without_arrays(value, 100)
        out: Dict[str, Any] = {}
        for k, v in value.items():
            here = f"{path}{separator}{k}" if path else k
            if isinstance(k, str) and k.startswith("__"):
                out[k] = v
            elif isinstance(v, dict):
                out[k] = cut(v, depth + 1, here)
            elif isinstance(v, list):
                out[k] = [cut(item, depth + 1, here) if isinstance(item, dict) else item for item in v]
            else:
                out[k] = v
        return out

    return cut(data, depth, path)


def stream_extract_arrays(data: JsonDict, parent_id: Optional[str] = None, parent_path: str = "",
                          entity_name: str = "", separator: str = "_", cast_to_string: bool = True,
                          include_empty: bool = False, skip_null: bool = True, extract_time: Optional[Any] = None,
                          id_field: str = "__extract_id", parent_field: str = "__parent_extract_id",
                          time_field: str = "__extract_datetime", deeply_nested_threshold: int = 4,
                          default_id_field: Optional[Union[str, Dict[str, str]]] = None,
                          id_generation_strategy: Optional[Callable[[Dict[str, Any]], str]] = None,
                          recovery_strategy: Optional[Any] = None, max_depth: int = 100,
                          current_depth: int = 0) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """``(table name, row)`` pairs of ``extract_arrays``, in emission order: each item
    row followed by the rows of the arrays inside it (depth first)."""
    tables = extract_arrays(data, parent_id=parent_id, parent_path=parent_path, entity_name=entity_name,
                            separator=separator, cast_to_string=cast_to_string, include_empty=include_empty,
                            skip_null=skip_null, extract_time=extract_time, id_field=id_field,
                            parent_field=parent_field, time_field=time_field,
                            deeply_nested_threshold=deeply_nested_threshold, default_id_field=default_id_field,
                            id_generation_strategy=id_generation_strategy, recovery_strategy=recovery_strategy,
                            max_depth=max_depth, current_depth=current_depth)
    yield from _depth_first(tables, parent_id, id_field, parent_field)


def _depth_first(tables: ExtractResult, root: Optional[str], id_field: str,
                 parent_field: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """Rows in 1.0.6's emission order, rebuilt from the parent links: each row, then its
    own children. A parent's children come table by table in table-creation order, which
    is document order unless an array met later in the record started its table earlier
    (in another item)."""
    kids: Dict[Any, List[Tuple[str, Dict[str, Any]]]] = {}
    for name, rows in tables.items():
        for row in rows:
            kids.setdefault(row.get(parent_field), []).append((name, row))
    stack = list(reversed(kids.get(root, [])))
    while stack:
        name, row = stack.pop()
        yield name, row
        stack.extend(reversed(kids.get(row.get(id_field), [])))
