"""The package's imports only point down, derived from the source (ast), not from a hand-kept list of imports.

Each package of `atomscope` sits in one layer; a module may import its own package or a lower layer, never
a higher one or a sibling of its own layer, and no modules outside `testing/` import each other in a circle.
Production code never imports `atomscope.testing`.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import atomscope

ROOT = Path(atomscope.__file__).parent

# lowest first; "atomscope" is the package's own __init__ (its version)
LAYERS: list[set[str]] = [
    {"atomscope", "config"},
    {"domain"},
    {"remote"},
    {"sources"},
    {"warehouse"},
    {"present"},  # what a reader sees of a metric: section shapes, wording, chart specs, dashboard hints
    {"collect", "metrics"},
    {"audit", "report", "web"},
    {"cli"},
    {"__main__"},  # `python -m atomscope`
]
LAYER_OF = {package: i for i, layer in enumerate(LAYERS) for package in layer}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the atomscope modules (or packages) it imports, anywhere in its body."""
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                # `from pkg import module` imports that module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t == "atomscope" or t.startswith("atomscope."))
        graph[name].discard(name)
    return graph


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_package_has_a_layer():
    packages = {_package(m) for m in _modules()} - {"testing"}
    assert packages <= set(LAYER_OF), f"add to LAYERS: {sorted(packages - set(LAYER_OF))}"


def test_imports_only_point_down():
    wrong = []
    for module, targets in sorted(import_graph().items()):
        source = _package(module)
        if source == "testing":
            continue
        for target in sorted(targets):
            goal = _package(target)
            if goal == "testing":
                wrong.append(f"{module} imports {target}: production code never imports testing/")
            elif goal != source and LAYER_OF[goal] >= LAYER_OF[source]:
                wrong.append(f"{module} ({source}) imports {target} ({goal}), which is not below it")
    assert not wrong, "\n".join(wrong)


def test_no_circular_imports_outside_testing():
    graph = {m: {t for t in ts if _package(t) != "testing"} for m, ts in import_graph().items()}
    graph = {m: ts for m, ts in graph.items() if _package(m) != "testing"}
    assert _cycles(graph) == []


def test_the_checks_see_a_back_pointing_import_and_a_cycle():
    graph = import_graph()
    assert "atomscope.warehouse.db" in graph["atomscope.warehouse.load"]
    assert "atomscope.present.charts" in graph["atomscope.report.build"]  # `from atomscope.present import charts`
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
