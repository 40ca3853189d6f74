"""The package's module layout: inside each subpackage of python/transmog, imports
between sibling modules (at module level or inside functions) form no cycle, so no
module needs a function-level import to dodge one."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "python" / "transmog"
PACKAGES = sorted(p.parent for p in PKG.rglob("__init__.py"))


def sibling_imports(package: Path):
    mods = {p.stem: p for p in package.glob("*.py")}
    # Compiled modules (`_native.abi3.so`, declared by `_native.pyi` where the build is not
    # in the source tree) are siblings too, without imports of their own.
    compiled = {p.name.split(".")[0] for pattern in ("*.so", "*.pyi") for p in package.glob(pattern)}
    graph = {}
    for name, path in mods.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    edges.add(node.module.split(".")[0])
                else:
                    edges.update(a.name if a.name in mods or a.name in compiled else "__init__"
                                 for a in node.names)
        graph[name] = {t for t in edges if t in mods and t != name}
    return graph


def cycle(graph):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in sorted(graph[n]):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state:
                found = visit(t)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(PKG.parent)))
def test_sibling_modules_import_without_cycles(package):
    assert cycle(sibling_imports(package)) is None


def test_the_check_sees_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
