"""The package's layers, stated as contracts and checked on the source (like import-linter's).

- the core (everything outside ``pinata_tui.tui``) never imports ``pinata_tui.tui``, except the
  command line's composition root, which starts the app (``pinata_tui.cli`` → ``pinata_tui.tui.app``);
- ``pinata_tui.api`` imports neither the store, the chat logic nor the UI;
- the UI areas (``tui/chat``, ``tui/history``, ``tui/models``, ``tui/account``) do not import each
  other; they may use ``tui/common``, ``tui/markdown`` and ``tui/services``, and know the app only
  as a type;
- no import cycle among modules (imports under ``if TYPE_CHECKING:`` are types, not dependencies);
- no module grows past ``MAX_LINES``: a file that long holds more than one job.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pinata_tui

PACKAGE = Path(pinata_tui.__file__).resolve().parent
UI_AREAS = ("chat", "history", "models", "account")
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(path: Path, *, module_level_only: bool) -> set[str]:
    """``pinata_tui`` modules imported by the file (not counting ``if TYPE_CHECKING:`` blocks)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(nodes: list[ast.stmt], top: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("pinata_tui"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.startswith("pinata_tui"):
                    found.add(base)
                    found.update(f"{base}.{alias.name}" for alias in node.names)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and module_level_only:
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit([c for c in children if isinstance(c, ast.stmt)] +
                          [s for h in children if isinstance(h, ast.ExceptHandler) for s in h.body], top)

    visit(tree.body, True)
    known = modules()
    return {m for m in found if m in known}


COMPOSITION_ROOT = {"pinata_tui.cli": {"pinata_tui.tui.app"}}


def test_the_core_never_imports_the_ui():
    offenders = {name: sorted(m for m in imports(path, module_level_only=False)
                              if m.startswith("pinata_tui.tui") and m not in COMPOSITION_ROOT.get(name, set()))
                 for name, path in modules().items() if not name.startswith("pinata_tui.tui")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_api_knows_nothing_of_the_store_the_chat_logic_or_the_ui():
    banned = ("pinata_tui.store", "pinata_tui.chat", "pinata_tui.tui", "pinata_tui.export")
    offenders = {name: sorted(m for m in imports(path, module_level_only=False) if m.startswith(banned))
                 for name, path in modules().items() if name.startswith("pinata_tui.api")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_ui_areas_do_not_import_each_other_nor_the_app():
    offenders: dict[str, list[str]] = {}
    for name, path in modules().items():
        parts = name.split(".")
        if len(parts) < 4 or parts[:2] != ["pinata_tui", "tui"] or parts[2] not in UI_AREAS:
            continue
        area = parts[2]
        bad = [m for m in imports(path, module_level_only=False)
               if m == "pinata_tui.tui.app" or m.startswith("pinata_tui.tui.commands")
               or any(m.startswith(f"pinata_tui.tui.{other}") for other in UI_AREAS if other != area)]
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def test_no_import_cycles():
    graph = {name: imports(path, module_level_only=True) - {name} for name, path in modules().items()}
    # A module's package __init__ runs first when it is imported: that edge is not a cycle of ours.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strongconnect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            strongconnect(node)
    assert cycles == []


def test_no_module_is_too_long_to_hold_one_job():
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
