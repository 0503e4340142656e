"""Kaiku's modules import one another without a circle (issue 21): each app's modules can
be read from the bottom up. Imports inside functions and under ``TYPE_CHECKING`` count too:
they hide a circle rather than remove it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository: module names start "kaiku."


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "kaiku").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name.startswith("test_"):
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The Kaiku modules ``name`` imports: ``from a.b import c`` is ``a.b.c`` when that is a module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], *filter(None, [base])]
                )
            found |= {f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names}
    return {dep for dep in found if dep in modules and dep != name}


def _circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as a path (first module repeated at the end), or [] if none."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str]:
        if name in visiting:
            return [*visiting[visiting.index(name) :], name]
        if name in done:
            return []
        visiting.append(name)
        for dep in sorted(graph[name]):
            if found := visit(dep):
                return found
        visiting.pop()
        done.add(name)
        return []

    for name in sorted(graph):
        if found := visit(name):
            return found
    return []


def test_no_module_of_kaiku_imports_itself_through_others():
    modules = _modules()
    graph = {name: _imported(name, path, modules) for name, path in modules.items()}
    assert sum(len(deps) for deps in graph.values()) > 500  # the graph was read, not missed
    assert _circle(graph) == [], " -> ".join(_circle(graph))


def test_a_circle_is_found():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circle(graph) in (["a", "b", "c", "a"], ["b", "c", "a", "b"], ["c", "a", "b", "c"])
    assert _circle({"a": {"b"}, "b": set()}) == []
