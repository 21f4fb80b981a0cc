"""No import cycle anywhere in bot/ and knowledge/: imports flow one way (adapters → services → knowledge/storage).

The graph is read from the source with `ast`, counting every import statement
(module level, inside functions, under `TYPE_CHECKING`): a cycle hidden behind
a lazy import is still a cycle in the design. Importing `a.b.c` also runs the
packages `a` and `a.b` first, so those count as imported too (except the
importing module's own packages, which are already being imported).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "knowledge")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules that importing `module` runs directly."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    own = set(_ancestors(module))
    edges = set()
    for target in targets:
        for name in [*_ancestors(target), target]:
            if name in modules and name != module and name not in own:
                edges.add(name)
    return edges


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def test_the_import_graph_of_bot_and_knowledge_has_no_cycle() -> None:
    graph = _graph()
    assert len(graph) > 50 and graph["bot.app"], "the walk found too little: is ROOT right?"
    cycles = _cycles(graph)
    assert not cycles, "import cycles (each line one group of modules importing each other):\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_the_walk_sees_lazy_and_package_imports(tmp_path: Path) -> None:
    """The checker itself: a lazy import inside a function and an import through a package count."""
    modules = {"p": Path("p/__init__.py"), "p.a": Path("p/a.py"), "q": Path("q.py")}
    graph = {"p": {"q"}, "p.a": set(), "q": set()}
    assert _cycles(graph) == []
    graph["q"] = {"p"}  # q imports p.a: running p/__init__ first, which imports q
    assert _cycles(graph) == [["p", "q"]]
    source = "def f():\n    from p.a import x\n"
    probe = tmp_path / "q.py"
    probe.write_text(source, encoding="utf-8")
    assert _imported("q", probe, modules) == {"p", "p.a"}


# Each room may import only the rooms below it (docs/architecture.md draws the same picture).
# Adapters (Telegram, console/web chat, CLI, app) sit on services; services on storage and knowledge.
FORBIDDEN = {
    "knowledge": ("bot",),
    "bot.storage": ("bot.services", "bot.telegram", "bot.console", "bot.app", "bot.cli"),
    "bot.services": ("bot.telegram", "bot.console", "bot.app", "bot.cli"),
    "bot.telegram": ("bot.console",),
}


def _within(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


def test_imports_flow_one_way_from_adapters_to_services_to_storage_and_knowledge() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for room, below in FORBIDDEN.items()
        if _within(module, room)
        for target in targets
        if any(_within(target, other) for other in below)
    )
    assert wrong == []
