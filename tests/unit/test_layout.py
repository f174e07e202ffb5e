"""The package's shape: no import cycle among its modules, no module over 400 lines, no
function over 60 lines. Read from the source with `ast`, so an import inside a function or
under TYPE_CHECKING counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hassette_tasks"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, known: set[str], package: str) -> set[str]:
    """The package's modules TREE imports, wherever the import statement stands.

    `from hassette_tasks import uv` names the module uv; `from hassette_tasks.project
    import kind` names the package hassette_tasks.project. A submodule's own parent
    package is not counted (Python runs it first, but that is not an import of ours).
    """
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import in {package}: use absolute imports"
            base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate in known:
                    found.add(candidate)
                elif base in known:
                    found.add(base)
    return found


def import_graph() -> dict[str, set[str]]:
    known = set(modules())
    graph = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(), str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = imported(tree, known, package) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path (first module repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_the_package():
    graph = import_graph()
    assert "hassette_tasks.boot" in graph
    assert "hassette_tasks.plan" in graph["hassette_tasks.boot"]
    # an import inside a function counts: sequence imports exact only when it runs
    assert "hassette_tasks.exact" in graph["hassette_tasks.sequence"]


def test_a_cycle_is_found_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    source = "def f():\n    from hassette_tasks import b\n"
    tree = ast.parse(source)
    assert imported(tree, {"hassette_tasks.b"}, "hassette_tasks") == {"hassette_tasks.b"}
    typed = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from hassette_tasks.b import X\n"
    )
    assert imported(ast.parse(typed), {"hassette_tasks.b"}, "hassette_tasks") == {
        "hassette_tasks.b"
    }


def test_no_import_cycle_among_the_package_s_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_over_400_lines(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


def long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_a_long_function_is_found(tmp_path):
    source = tmp_path / "long.py"
    source.write_text("def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES)
    assert long_functions(source) == [f"f ({MAX_FUNCTION_LINES + 1} lines, line 1)"]


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_function_over_60_lines(name):
    assert long_functions(modules()[name]) == []
