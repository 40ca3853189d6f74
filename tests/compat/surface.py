"""Reads the public surface of an installed ``transmog`` package: module paths, public
names, their kinds and call signatures (names, parameter kinds and defaults; annotations
left out, they are not part of how code calls a function).

Stdlib only. ``scripts/surface_snapshot.py`` runs ``python surface.py`` inside a throw-away
venv holding ``transmog==1.0.6`` to write ``surface-1.0.6.json``; ``tests/python/
test_surface.py`` imports this file to read our package the same way and compare.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import json
import pkgutil
import re
import sys
import textwrap
import types
from typing import Any, Dict, List, Optional, Set

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _public(name: str) -> bool:
    return not name.startswith("_")


def _default_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__qualname__
    text = repr(value)
    # Objects without a stable repr: the address changes every run.
    return _ADDRESS.sub("", text)


def signature_text(obj: Any) -> Optional[str]:
    """``(a, b=1, *args, c, **kw)``: the call shape, or None when there is none."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parts: List[str] = []
    seen_star = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            seen_star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not seen_star:
            parts.append("*")
            seen_star = True
        text = p.name if p.default is p.empty else f"{p.name}={_default_text(p.default)}"
        if p.kind is p.POSITIONAL_ONLY:
            text += " /"
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


def _instance_attributes(cls: type) -> Set[str]:
    """Public ``self.x = ...`` targets in the methods of ``cls`` and its bases from the
    same package (instance attributes do not show on the class itself)."""
    names: Set[str] = set()
    root = cls.__module__.split(".")[0]
    for klass in cls.__mro__:
        if not klass.__module__.startswith(root):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            targets: List[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name)
                            and sub.value.id == "self" and _public(sub.attr)):
                        names.add(sub.attr)
    return names


def _member_kind(cls: type, name: str) -> Optional[str]:
    """How ``name`` is reached on ``cls``: method, classmethod, staticmethod, property,
    enum_member or attribute (None when it is not there)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            raw = vars(klass)[name]
            break
    else:
        return "attribute" if name in _instance_attributes(cls) else None
    if isinstance(raw, classmethod):
        return "classmethod"
    if isinstance(raw, staticmethod):
        return "staticmethod"
    if isinstance(raw, (property, types.GetSetDescriptorType, types.MemberDescriptorType)):
        return "property"
    if isinstance(cls, enum.EnumMeta) and isinstance(getattr(cls, name, None), cls):
        return "enum_member"
    if inspect.isfunction(raw) or inspect.ismethoddescriptor(raw):
        return "method"
    return "attribute"


def _class_members(cls: type, root: str) -> Dict[str, Any]:
    """Public members defined by ``cls`` or its bases inside the package ``root``."""
    out: Dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(root):
            continue
        for name in vars(klass):
            if _public(name):
                out[name] = None
        ann = vars(klass).get("__annotations__", {})
        for name in ann:
            if _public(name):
                out[name] = None
    if isinstance(cls, enum.EnumMeta):
        for name in cls.__members__:
            out[name] = None
    for name in _instance_attributes(cls):
        out.setdefault(name, None)
    result = {}
    for name in sorted(out):
        kind = _member_kind(cls, name)
        if kind is None:
            continue
        sig = None
        if kind in ("method", "classmethod", "staticmethod"):
            sig = signature_text(getattr(cls, name))
        result[name] = {"kind": kind, "signature": sig}
    return result


def _kind(value: Any) -> str:
    if inspect.ismodule(value):
        return "module"
    if inspect.isclass(value):
        if isinstance(value, enum.EnumMeta):
            return "enum"
        if issubclass(value, BaseException):
            return "exception"
        return "class"
    if callable(value) and (inspect.isfunction(value) or inspect.isbuiltin(value)
                            or hasattr(value, "__wrapped__")):
        return "function"
    return "constant"


def _from_elsewhere(value: Any, root: str) -> bool:
    """True for names a module merely imported from outside the package (``Any``,
    ``Optional``, ``json``...), which are not part of its surface."""
    if inspect.ismodule(value):
        return True
    mod = getattr(value, "__module__", None)
    if inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value):
        return not (mod or "").startswith(root)
    if mod in ("typing", "typing_extensions", "collections.abc") or type(value).__module__ in (
            "typing", "typing_extensions"):
        return True
    return False


def public_modules(package: str = "transmog") -> List[str]:
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        if all(_public(part) for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def walk(package: str = "transmog", modules: Optional[List[str]] = None) -> List[Dict[str, Any]]:
    """Every public module, name and class member as ``{module, name, kind, signature}``."""
    root = package
    entries: List[Dict[str, Any]] = []
    for modname in modules or public_modules(package):
        mod = importlib.import_module(modname)
        entries.append({"module": modname, "name": "", "kind": "module", "signature": None})
        exported = getattr(mod, "__all__", None)
        for name in sorted(vars(mod)):
            if not _public(name):
                continue
            value = vars(mod)[name]
            if exported is not None and name not in exported and _from_elsewhere(value, root):
                continue
            if exported is None and _from_elsewhere(value, root):
                continue
            kind = _kind(value)
            sig = None
            if kind in ("function", "class", "exception"):
                sig = signature_text(value)
            entries.append({"module": modname, "name": name, "kind": kind, "signature": sig})
            # Members are listed where the class is defined (once), not at re-exports.
            if inspect.isclass(value) and value.__module__ == modname:
                for member, info in _class_members(value, root).items():
                    entries.append({"module": modname, "name": f"{name}.{member}", **info})
    return entries


def resolve(entry: Dict[str, Any]) -> Any:
    """Looks an entry up in the imported package: (found, kind, signature) for it."""
    try:
        mod = importlib.import_module(entry["module"])
    except ImportError as exc:
        return False, None, f"ImportError: {exc}"
    if not entry["name"]:
        return True, "module", None
    head, _, member = entry["name"].partition(".")
    if head not in vars(mod) and not hasattr(mod, head):
        return False, None, None
    value = getattr(mod, head)
    if not member:
        kind = _kind(value)
        sig = signature_text(value) if kind in ("function", "class", "exception") else None
        return True, kind, sig
    if not inspect.isclass(value):
        return False, None, None
    kind = _member_kind(value, member)
    if kind is None:
        return False, None, None
    sig = signature_text(getattr(value, member)) if kind in ("method", "classmethod", "staticmethod") else None
    return True, kind, sig


if __name__ == "__main__":
    package = sys.argv[1] if len(sys.argv) > 1 else "transmog"
    json.dump(walk(package), sys.stdout, indent=1)
