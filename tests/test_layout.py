"""The layout keeps its shape: no import circle anywhere in the product's packages, and
gateway/'s folders depend one way only (a lower layer never imports a higher one).

Imports are read from the source (every ``import``, at module level or inside a
function); those under ``if TYPE_CHECKING:`` are only for the type checker and are left
out. A module importing its own package's ``__init__`` is not a circle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gateway", "channels", "forwarder", "normalizer", "sandbox")
# gateway/'s parts from top to bottom: each may import only those after it. The flow of a
# message reads downwards: the web takes it, intake runs the dialog, jobs deliver, and
# complaints and the store keep what happened.
LAYERS = (
    ("gateway.cli",),
    ("gateway.web",),
    ("gateway.console",),
    ("gateway.runtime",),
    ("gateway.intake", "gateway.jobs"),
    ("gateway.conversation",),
    ("gateway.complaints",),
    ("gateway.store",),
    ("gateway.config", "gateway.logs", "gateway.metrics", "gateway.texts", "gateway.throttles"),
)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _type_only(tree: ast.Module) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return hidden


def import_graph() -> dict[str, set[str]]:
    """module → the product modules it imports."""
    known = modules()

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text())
        hidden = _type_only(tree)
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
                ]
            else:
                continue
            for target in targets:
                found = resolve(target)
                if found and found != name and not name.startswith(found + "."):
                    edges.add(found)
        graph[name] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One path around each circle found by a depth-first walk."""
    found, state, path = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def layer_of(module: str) -> int | None:
    for depth, layer in enumerate(LAYERS):
        if any(module == part or module.startswith(part + ".") for part in layer):
            return depth
    return None


def test_no_import_circle():
    assert circles(import_graph()) == []


def test_gateway_layers_depend_downwards_only():
    upward = [
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        for target in targets
        if (low := layer_of(module)) is not None
        and (high := layer_of(target)) is not None
        and high < low
    ]
    assert upward == []


def test_every_gateway_module_has_a_layer():
    unplaced = [m for m in modules() if m.startswith("gateway.") and layer_of(m) is None]
    assert unplaced == []


def test_the_walk_finds_a_circle_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c", "a"]]
