"""Row lists that results handed out (``get_main_table()``, ``get_child_table()``).

A streaming writer given one of them back asks the engine to write the table's own
batch instead of reading the dicts; the engine does so only if every dict still holds
the very objects it was given, and the file comes out as from the dicts.
"""
from __future__ import annotations

import weakref
from typing import Any, Optional, Tuple

# id(list) -> the result that holds it (the entry goes when the result does).
_SOURCES: "weakref.WeakValueDictionary[int, Any]" = weakref.WeakValueDictionary()


def note(rows: list, result: Any) -> None:
    """Remembers that ``result`` handed out ``rows``."""
    _SOURCES[id(rows)] = result


def source(rows: Any) -> Optional[Tuple[Any, str]]:
    """(engine result, table name) for a list a result handed out, else None."""
    result = _SOURCES.get(id(rows))
    return None if result is None else result._handed_out(rows)
