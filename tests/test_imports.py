"""No import circles in service/ or eval/ (issue 8: harness ⇄ report was one), and anchors never import
the model code."""

from __future__ import annotations

import ast

from conftest import REPO


def _graph() -> dict[str, set[str]]:
    paths = [*(REPO / "service").rglob("*.py"), *(REPO / "eval").rglob("*.py")]
    modules = {}
    for path in paths:
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):  # lazy imports count too
            if isinstance(node, ast.ImportFrom) and node.module:
                deps |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def test_no_import_circles() -> None:
    graph = _graph()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for dep in sorted(graph[module]):
            if dep in path:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in done:
                done.add(dep)
                visit(dep, [*path, dep])

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            done.add(module)
            visit(module, [module])
    assert cycles == []


def test_anchors_never_import_the_model_code() -> None:
    graph = _graph()
    for module, deps in graph.items():
        if module.startswith("service.anchors"):
            assert not any(dep.startswith("service.llm") for dep in deps), module
