"""The package's layer rule (docs/architecture.md), read from the source with ``ast``.

Every import inside ``assistant/`` is found, at module level, inside functions and under
``if TYPE_CHECKING:`` alike, and resolved to a module of the package. Then:

* a module imports only from its own layer or a lower one (ingest < index < answer < the facade
  < eval, web < the CLI), and eval and web never import each other;
* no two modules import each other, directly or through others (no import cycles);
* only web/ imports fastapi, gradio, uvicorn or starlette.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"

# Lowest first. A module's layer is its longest matching prefix.
LAYERS: dict[str, int] = {
    "assistant.errors": 0, "assistant.config": 0, "assistant.config_checks": 0, "assistant.console": 0, "assistant.access": 0,
    "assistant.ingest": 1,
    "assistant.index": 2,
    "assistant.answer": 3,
    "assistant.assistant": 4,
    "assistant.eval": 5, "assistant.web": 5,
    "assistant.cli": 6, "assistant": 6,  # assistant/__init__.py: the public API
}
SIBLINGS = ("assistant.eval", "assistant.web")  # one layer, two adapters that never import each other
WEB_ONLY = ("fastapi", "gradio", "uvicorn", "starlette")


def module_name(path: Path) -> str:
    parts = ["assistant", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, name: str = "") -> set[str]:
    """Every module name ``path`` (the module ``name``) imports, relative imports resolved."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from . import x`
    return found


def internal(path: Path, known: set[str]) -> set[str]:
    return {m for m in imports(path) if m in known and m != module_name(path)}


def layer(module: str) -> tuple[str, int]:
    prefix = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return prefix, LAYERS[prefix]


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: internal(path, set(found)) for name, path in found.items()}


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_module_imports_only_its_own_layer_or_lower_ones(module):
    own_prefix, own = layer(module)
    for target in sorted(graph()[module]):
        prefix, rank = layer(target)
        if module == "assistant" or target == "assistant":
            continue  # the package's __init__ re-exports; nothing inside imports it
        assert rank <= own, f"{module} (layer {own}) imports {target} (layer {rank}): see docs/architecture.md"
        assert {own_prefix, prefix} != set(SIBLINGS), f"{module} imports its sibling layer: {target}"


def test_there_are_no_import_cycles():
    edges = {m: {t for t in ts if t != "assistant"} for m, ts in graph().items() if m != "assistant"}
    cycles = []

    def reach(start: str) -> set[str]:
        seen, todo = set(), list(edges[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        return seen

    for module in edges:
        if module in reach(module):
            cycles.append(module)
    assert not cycles, f"modules on an import cycle: {sorted(cycles)}"


def test_only_web_imports_the_web_frameworks():
    for name, path in modules().items():
        if layer(name)[0] == "assistant.web":
            continue
        used = {m.split(".")[0] for m in imports(path)} & set(WEB_ONLY)
        assert not used, f"{name} imports {sorted(used)}; only assistant.web may"


def test_the_rule_can_fail(tmp_path):
    """The checker sees a lazy upward import inside a function."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..web import api\n")
    assert "assistant.web.api" in imports(probe, "assistant.index.probe")
    assert layer("assistant.web.api")[1] > layer("assistant.index.probe")[1]
